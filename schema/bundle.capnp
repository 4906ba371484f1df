# A case bundle: one case's events with everything needed to check them offline, against a
# signed checkpoint and with no data directory (docs/verification.md, "Case bundles").
#
# PERSISTED FORMAT: a bundle file is one Cap'n Proto message with root `CaseBundle`, in the
# standard serialization (segment table first; capnp::messageToFlatArray), not packed.
# Ordinals are never renumbered or reused; new fields take the next ordinal; a change that an
# old reader would misread bumps `formatVersion`.
@0xe62f6cce8b6316e7;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("caseledger::schema");

struct CaseBundle {
  formatVersion @0 :UInt32;      # 1; a reader refuses any other
  origin @1 :Text;               # the log's checkpoint origin
  verifierKey @2 :Text;          # "<name>+<key id>+<base64 key>" of the checkpoint's signer
  checkpoint @3 :Text;           # the signed checkpoint note, with its caseledger-heads line
  caseId @4 :Text;
  events @5 :List(BundleEvent);  # every event of the case the checkpoint covers, by version
  headProof @6 :HeadProof;       # the case's head in the checkpoint's case-head map
}

struct BundleEvent {
  position @0 :UInt64;           # global position: the leaf index
  leafInput @1 :Data;            # the event's stored bytes, exactly as hashed (sealed section
                                 # as stored, never decrypted)
  inclusionProof @2 :List(Data); # RFC 9162 inclusion proof at the checkpoint's size
}

struct HeadProof {
  bucket @0 :UInt32;             # first 16 bits of SHA-256(case id)
  entries @1 :List(HeadEntry);   # every case of the bucket, sorted by case id
  siblings @2 :List(Data);       # 16 hashes, bucket level first
}

struct HeadEntry {
  caseId @0 :Text;
  headVersion @1 :UInt64;
  headLeafHash @2 :Data;
}
