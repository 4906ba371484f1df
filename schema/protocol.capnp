# Requests and responses for appending and reading. Issue 4's server frames these on the wire
# (docs/wire_protocol.md); the CLI and tests use the same types in process.
#
# PERSISTED FORMAT: ordinals and enumerants are never renumbered or reused.
@0x80db92721d207edd;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("caseledger::schema");
using Json = import "/capnp/compat/json.capnp";
using Events = import "events.capnp";
using Common = import "common.capnp";
using Personal = import "personal.capnp";

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
  protocolError @9;
  # The message could not be read, or broke the protocol (no hello first, oversized); the
  # server closes the connection after this reply.
  unimplemented @10;
  # An operation this server does not know.
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
  unseal @3 :Bool;
  # Also open the events' sealed personal data (docs/privacy.md): only for a principal with
  # need to know, with a purpose, recorded as an access with `unsealed = true`. The reply's
  # `personal` then has one entry per event.
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
  personal @3 :List(UnsealedPersonal);
  # readStream with `unseal`: one per event, in the same order; empty otherwise. Kept apart
  # from `events`, which stay exactly as stored (their sealed bytes are the Merkle leaf input).
}

struct UnsealedPersonal {
  # An event's personal data as the server opened it.
  state @0 :State;
  data @1 :Personal.PersonalData;
  # Set when `state` is `open`.

  enum State {
    # Persisted, never renumber.
    unspecified @0;
    none @1;
    # The event carries no personal data.
    open @2;
    erased @3;
    # The child's data key was destroyed by an executed erasure: the sealed bytes remain (the
    # proofs need them) but can never be opened again.
  }
}

# -- The network protocol (docs/wire_protocol.md) --------------------------------------------
#
# Each message on the connection is one Cap'n Proto message in the standard stream framing
# (segment table, then segments). The client sends `Request`s, the server sends `Response`s;
# every response echoes the id of the request it answers, so requests can be pipelined and
# answered out of order. The first request must be `hello`.

const protocolVersion :UInt32 = 1;
# The version of this protocol that the server speaks; `hello` carries the client's.

enum UserRole {
  # Persisted in configuration, never renumber. What a principal may do: docs/wire_protocol.md.
  unspecified @0;
  agency @1;
  # Append the event types its agency role may record; read the cases it took part in.
  oversight @2;
  # Read and replay every case.
  ombudsperson @3;
  # Audit queries and reads, including the access streams.
  witness @4;
  # Checkpoints and proofs only.
  admin @5;
  # Configuration, keys, erasure; no case data.
}

struct Hello {
  protocolVersion @0 :UInt32;
  client @1 :Text;
  # A name and version for the server's log, e.g. "caseledger-cli/1".
  devPrincipal @2 :Text;
  # Plain-TCP development mode only: the id of the configured principal to act as. Refused
  # on a TLS connection, where the client certificate names the principal.
}

struct HelloResponse {
  protocolVersion @0 :UInt32;
  server @1 :Text;
  principalId @2 :Text;
  agencyId @3 :Text;
  agencyRole @4 :Common.AgencyRole;
  userRole @5 :UserRole;
  origin @6 :Text;
  # The checkpoint origin line of this log.
  treeSize @7 :UInt64;
  maxMessageBytes @8 :UInt32;
}

struct SubscribeRequest {
  fromPosition @0 :UInt64;
  # Catch up from this global position, then follow the log live.
  credit @1 :UInt32;
  # How many events the server may send before the client grants more (see `credit`).
  maxBatch @2 :UInt32;
  # The most events in one `subscription` reply; 0 means the server's default.
}

struct CheckpointRequest {
  size @0 :UInt64;
  # The tree size of a stored checkpoint; 0 means the newest.
}

struct CheckpointResponse {
  note @0 :Text;
  # The signed note (C2SP tlog-checkpoint), as stored.
  size @1 :UInt64;
}

struct InclusionProofRequest {
  position @0 :UInt64;
  treeSize @1 :UInt64;
  # 0 means the size of the newest checkpoint.
}

struct ConsistencyProofRequest {
  size1 @0 :UInt64;
  size2 @1 :UInt64;
  # 0 means the size of the newest checkpoint.
}

struct ProofResponse {
  position @0 :UInt64;
  # Inclusion proofs: the leaf index. Consistency proofs: 0.
  size1 @1 :UInt64;
  # Consistency proofs: the older tree size. Inclusion proofs: 0.
  treeSize @2 :UInt64;
  hashes @3 :List(Data);
  # 32 bytes each, in RFC 9162 order.
  checkpoint @4 :Text;
  # The stored checkpoint of `treeSize`, when one exists, so the client can check the root
  # against a pinned key; empty otherwise.
  oldCheckpoint @5 :Text;
  # Consistency proofs: the stored checkpoint of `size1`, when one exists.
}

struct StatusResponse {
  server @0 :Text;
  treeSize @1 :UInt64;
  checkpointSize @2 :UInt64;
  lastRecordedAt @3 :Int64;
  connections @4 :UInt32;
  subscribers @5 :UInt32;
  uptimeSeconds @6 :UInt64;
  readOnly @7 :Bool;
  # The ledger refuses appends after a storage failure.
  projectionPosition @8 :UInt64;
  # How much of the log the projections have folded (case views, compliance timelines).
}

struct CaseQueryRequest {
  # A projection of one case: its compliance timeline or its case view (docs/compliance.md),
  # as JSON. Permitted as readStream is (agencies: cases they took part in); needs a purpose,
  # and is recorded in the case's access stream like any read.
  caseId @0 :Text;
  what @1 :What;
  minPosition @2 :UInt64;
  # Answer only from projections that have folded at least the log's first `minPosition`
  # events (e.g. the position after an append the client made); the server waits for them up
  # to its limit, then answers `unavailable`.
  asOf @3 :Int64;
  # Evaluation time, microseconds; 0 means now. A time in the past shows what the ledger knew
  # then (events recorded by it), with statuses as of it.
  atPosition @4 :UInt64;
  # Non-zero: instead, the case as the ledger held it before this global position.
  occurredBy @5 :Int64;
  # Non-zero: instead, the case as things had happened by this time (occurred-at).

  enum What {
    unspecified @0;
    timeline @1;
    caseView @2;
  }
}

struct CaseQueryResponse {
  position @0 :UInt64;
  # The projection position (or replay point) the answer reflects.
  json @1 :Text;
  # The timeline (an array with one object per obligation) or the case view (an object).
}

struct AuditQueryRequest {
  # A named audit query (docs/audit.md) over every case, for oversight and ombudsperson
  # principals. Needs a purpose; each case the answer names is recorded as searched in its
  # access stream.
  name @0 :Text;
  # A query name from docs/audit.md; empty for the list of queries (as JSON).
  params @1 :List(AuditParam);
  asOf @2 :Int64;
  # Evaluation time, microseconds; 0 means now.
  format @3 :Format;
  withProofs @4 :Bool;
  # Also a case bundle (docs/verification.md) for each case the answer names, proving its
  # events against the checkpoint the answer states. Refused for answers naming more than
  # 1000 cases: narrow the query.
  minPosition @5 :UInt64;
  # As for caseQuery: answer from projections that folded at least this many events.

  enum Format {
    unspecified @0;
    # JSON.
    table @1;
    csv @2;
    json @3;
  }
}

struct AuditParam {
  name @0 :Text;
  value @1 :Text;
}

struct AuditQueryResponse {
  position @0 :UInt64;
  # The projection position the answer reflects.
  checkpoint @1 :Text;
  # The signed checkpoint note the answer was computed at: its tree covers `position`.
  output @2 :Text;
  # The answer in the format asked (the query list as JSON for an empty name).
  bundles @3 :List(CaseBundleEntry);
  # With `withProofs`: one per case the answer names, in case-id order.
}

struct CaseBundleEntry {
  caseId @0 :Text;
  bundle @1 :Data;
  # The bundle file (schema/bundle.capnp) of the case at the answer's checkpoint.
}

struct SubscriptionBatch {
  events @0 :List(Events.Event);
  next @1 :UInt64;
  # The global position after the last event sent.
  live @2 :Bool;
  # The batch reached the end of the log as it stood.
}

struct Request {
  id @0 :UInt64;
  # Chosen by the client; echoed in the response. Unique among the client's open requests.
  purpose @1 :Text;
  # Why case data is read (required for readStream, readLog and subscribe); recorded in the
  # access streams.
  body :union {
    unspecified @2 :Void;
    hello @3 :Hello;
    append @4 :AppendRequest;
    readStream @5 :ReadStreamRequest;
    readLog @6 :ReadLogRequest;
    subscribe @7 :SubscribeRequest;
    credit @8 :UInt32;
    # Lets the subscription send this many more events.
    unsubscribe @9 :Void;
    checkpoint @10 :CheckpointRequest;
    inclusionProof @11 :InclusionProofRequest;
    consistencyProof @12 :ConsistencyProofRequest;
    status @13 :Void;
    goodbye @14 :Void;
    # The server answers what is in flight, replies `goodbye`, and closes the connection: how
    # a scripted client (openssl s_client -quiet) ends an exchange.
    caseQuery @15 :CaseQueryRequest;
    auditQuery @16 :AuditQueryRequest;
  }
}

struct Response {
  id @0 :UInt64;
  # The id of the request answered; 0 for an error about a message that could not be read.
  body :union {
    unspecified @1 :Void;
    error @2 :Error;
    hello @3 :HelloResponse;
    append @4 :AppendResponse;
    read @5 :ReadResponse;
    subscription @6 :SubscriptionBatch;
    # Sent for a subscribe request, many times, with its id. Also answers `unsubscribe`
    # (with no events and the position the subscription reached). `credit` has no reply.
    checkpoint @7 :CheckpointResponse;
    proof @8 :ProofResponse;
    status @9 :StatusResponse;
    goodbye @10 :Void;
    caseQuery @11 :CaseQueryResponse;
    auditQuery @12 :AuditQueryResponse;
  }
}
