# Requests and responses for appending and reading. Issue 4's server frames these on the wire
# (docs/wire_protocol.md); the CLI and tests use the same types in process.
#
# PERSISTED FORMAT: ordinals and enumerants are never renumbered or reused.
@0x80db92721d207edd;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("caseledger::schema");
using Json = import "/capnp/compat/json.capnp";
using Events = import "events.capnp";

enum ErrorCode {
  # Persisted, never renumber. Mirrors caseledger::Status::Code.
  unspecified @0;
  notFound @1;
  conflict @2;
  invalidArgument @3;
  corruption @4;
  ioError @5;
  busy @6;
  permissionDenied @7;
  unavailable @8;
}

struct Error {
  code @0 :ErrorCode;
  message @1 :Text;
}

struct ExpectedVersion {
  union {
    unspecified @0 :Void;
    any @1 :Void;
    noStream @2 :Void;
    exact @3 :UInt64;
    # The case exists and its newest event has this version.
  }
}

struct AppendRequest {
  caseId @0 :Text;
  expected @1 :ExpectedVersion;
  events @2 :List(Events.Event);
  # As the client sends them: the ledger assigns position, version, recordedAt, prevLeafHash
  # and sealed.
}

struct AppendResponse {
  positions @0 :List(UInt64);
  # One per event, in the order sent.
  firstVersion @1 :UInt64;
  headVersion @2 :UInt64;
  recordedAt @3 :Int64;
  deduplicated @4 :Bool;
  # Every event id was already stored; nothing was written.
}

struct ReadStreamRequest {
  caseId @0 :Text;
  fromVersion @1 :UInt64;
  limit @2 :UInt32;
}

struct ReadLogRequest {
  fromPosition @0 :UInt64;
  limit @1 :UInt32;
}

struct ReadResponse {
  events @0 :List(Events.Event);
  next @1 :UInt64;
  # The version (stream reads) or position (log reads) to continue from.
  atEnd @2 :Bool;
}
