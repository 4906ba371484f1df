// Offline verification of a whole ledger data directory: what `caseledger verify` runs.
//
// VerifyLedger reads the raw stored data and trusts no stored hash. It recomputes every leaf
// hash from the stored event bytes and the whole Merkle tree from those, and checks every
// invariant of docs/storage_format.md:
//   log          keys run 0..n-1 with no gap; each value is a readable, canonical Event whose
//                globalPosition is its key; per case, streamVersion runs 0, 1, 2, ... in log
//                order, prevLeafHash is empty at version 0 and otherwise the recomputed leaf
//                hash of the case's previous event, and childId never changes; recordedAt never
//                decreases along the log.
//   tree         holds exactly the complete subtrees of the recomputed leaf hashes: none
//                altered, none missing, none extra.
//   checkpoints  each is stored under its own size, covers no more than the log, names the
//                recorded origin, carries a valid signature (below) and the recomputed root.
//   streams      exactly one entry per event, case|version -> that event's position.
//   heads        exactly one per case: the recomputed newest version, position, leaf hash and
//                child of the case.
//   idempotency  exactly one entry per event id, pointing at the event with that id. The
//                digest of the client's content cannot be recomputed (the ledger seals what the
//                client sent); only its length is checked.
//
// Signatures: with a pinned verifier key every checkpoint must be signed by that key; this is
// how an outside auditor holds the operator to the key it published. Without one, the keys
// recorded in the directory (meta "verifier/...") are used. That only shows that the data
// agrees with itself: an insider who can rewrite the data can rewrite those keys too.
//
// Cost: one sequential pass over the log, shared by two threads (the second hashes the leaves
// and checks the tree), then one sequential scan of each other column family. Memory: 16 bytes
// per event and one record per case (what the index scans compare against), plus a few MB of
// batches in flight.
//
// A live server's writes after the open are not seen. TODO(test): a server that flushes and
// deletes a WAL file while the read-only open is replaying it could show a view that mixes two
// moments; if a live run reports corruption, run again before acting on it.
#ifndef CASELEDGER_LEDGER_VERIFY_H_
#define CASELEDGER_LEDGER_VERIFY_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "ledger/status.h"

namespace caseledger {

struct VerifyOptions {
  // The data directory. It may be held by a running server: it is opened read-only, with no
  // lock, and sees what was written before the open.
  std::string data_dir;
  // A verifier key string, "<name>+<8 hex digits>+<base64 key>", as `caseledger keygen` writes
  // to its .pub file (surrounding whitespace is ignored). Unset: use the recorded keys.
  std::optional<std::string> pinned_verifier_key;
  // Called on the calling thread every 65536 events of the log pass and once at its end, with
  // the positions checked so far and the number expected (the newest log key + 1). May be
  // empty.
  std::function<void(uint64_t done, uint64_t total)> progress;
  // Findings beyond this many are counted but not kept.
  size_t max_findings = 100;
};

// One thing found wrong.
struct VerifyFinding {
  // The exact place: "position 17", "tree node (2, 5)", "checkpoint 40", "streams key
  // case-1/3", "heads key case-1", "idempotency key <32 hex digits>", "meta key origin".
  // Keys that are not printable ASCII are shown as 0x<hex>; a malformed key of the log, tree
  // or checkpoints as "log key 0x...", "tree key 0x...", "checkpoints key 0x...".
  std::string where;
  std::string what;
  // "where: what", one line.
  std::string ToString() const;
};

struct VerifyReport {
  uint64_t events = 0;       // log entries read
  uint64_t event_bytes = 0;  // their total size
  uint64_t cases = 0;        // distinct case ids in the log
  uint64_t checkpoints = 0;  // stored checkpoints
  uint64_t tree_nodes = 0;   // stored tree nodes compared
  // The verifier keys the checkpoints were checked against: the pinned key, or the recorded
  // ones (then used_recorded_key is set, and a caller should say so).
  std::vector<std::string> keys_used;
  bool used_recorded_key = false;
  // In the order found: the log and the tree in position order, then checkpoints, streams,
  // heads and idempotency. The first one names the earliest damaged place.
  std::vector<VerifyFinding> findings;
  uint64_t findings_dropped = 0;  // found beyond options.max_findings

  bool intact() const { return findings.empty() && findings_dropped == 0; }
};

// Checks the whole ledger in options.data_dir. Corruption, however bad, is reported in the
// report, never as an error. A non-OK status means the check could not run: NotFound (no such
// directory or no database in it), InvalidArgument (not a caseledger directory, a format this
// build does not read, an unparsable pinned key), IOError or Busy (the storage failed).
// Thread-safe: every call opens the directory on its own.
Result<VerifyReport> VerifyLedger(const VerifyOptions& options);

}  // namespace caseledger

#endif  // CASELEDGER_LEDGER_VERIFY_H_
