// The ledger: an append-only, durable log of case events over RocksDB.
//
// Clients append events to one case stream at a time, with an expected version; the ledger
// assigns each event a global position (0, 1, 2, ... with no gap), a stream version, a
// recorded-at time and the leaf hash of the case's previous event, and acknowledges only after
// the write is synced. Concurrent appenders are grouped into one synced RocksDB write by a
// single writer thread (group commit, as in leveldb's DBImpl::Write).
//
// Layout on disk: docs/storage_format.md. The path of an append: docs/architecture.md.
#ifndef CASELEDGER_LEDGER_LEDGER_H_
#define CASELEDGER_LEDGER_LEDGER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/case_heads.h"
#include "ledger/clock.h"
#include "ledger/hash.h"
#include "ledger/status.h"
#include "ledger/stored_event.h"
#include "schema/events.capnp.h"

namespace rocksdb {
class Env;
}
namespace spdlog {
class logger;
}

namespace caseledger {

struct LedgerOptions {
  // The data directory. Created when missing and `create_if_missing` is set.
  std::string data_dir;
  bool create_if_missing = true;
  // Open for reading only, without taking the directory's lock: for inspecting a directory
  // that a running server holds. Appends then fail with Unavailable.
  bool read_only = false;
  // Sync every commit group before acknowledging it. Turn off only in benchmarks that say so.
  bool sync = true;
  // Time source for recorded-at; not owned. Null means SystemClock().
  Clock* clock = nullptr;
  // Where the ledger logs (never personal data). Null means nowhere.
  std::shared_ptr<spdlog::logger> logger;
  // How far occurred-at may lie ahead of the ledger's clock.
  int64_t max_clock_skew_micros = 5LL * 60 * 1000 * 1000;
  // Limits on one append.
  size_t max_events_per_append = 10000;
  size_t max_event_bytes = 1 << 20;
  // How many bytes of events one commit group may carry.
  size_t max_group_bytes = 8 << 20;
  // Store values without compression (tests that search the files for clear text).
  bool disable_compression = false;
  // The RocksDB environment; not owned. Null means the default. Tests inject faults here.
  rocksdb::Env* env = nullptr;

  // Signed checkpoints (docs/verification.md). The origin line names this log; it is recorded
  // at creation and a different one later is refused. Empty means the recorded one, or
  // "caseledger.local/dev" for a new ledger.
  std::string checkpoint_origin;
  // The Ed25519 signing key file (mode 0600, from `caseledger keygen`). Empty means a
  // development key beside the data directory (DIR.checkpoint-key), made on first use.
  std::string signing_key_path;
  // A checkpoint is signed at most every this many events, or when this much time has passed
  // since the last one and new events exist, on demand, and at close.
  uint64_t checkpoint_every_events = 1000;
  int64_t checkpoint_every_micros = 1000 * 1000;

  // The master key file that wraps the children's data keys (docs/storage_format.md, "Keys";
  // `caseledger keys new`): mode 0600, outside the data directory. Empty means the file named
  // by the environment variable CASELEDGER_MASTER_KEY_FILE, else a development key beside the
  // data directory (DIR.master-key), made on first use with a log line saying so. A read-only
  // open without a key file still reads everything but cannot unseal.
  std::string master_key_path;

  // BENCHMARKS ONLY: skip the Merkle tree and checkpoints, to measure what they cost. A
  // directory written so has no tree: it fails `verify` and must never be opened without
  // this flag again.
  bool benchmark_without_tree = false;
};

// The personal data of one event, unsealed (docs/storage_format.md, "Sealed personal data").
struct UnsealedPersonal {
  enum class State {
    kNone,    // the event carries no personal data
    kOpen,    // `canonical` holds it
    kErased,  // the child's data key was destroyed by an executed erasure
  };
  State state = State::kNone;
  // kOpen: the canonical Cap'n Proto encoding of schema::PersonalData (one segment, no
  // segment table; a whole number of 8-byte words).
  std::string canonical;
};

// What the client expects of the case stream before its append.
class ExpectedVersion {
 public:
  enum class Kind { kAny, kNoStream, kExact };
  static ExpectedVersion Any() { return ExpectedVersion(Kind::kAny, 0); }
  static ExpectedVersion NoStream() { return ExpectedVersion(Kind::kNoStream, 0); }
  // The case exists and its newest event has this version.
  static ExpectedVersion Exact(uint64_t version) { return ExpectedVersion(Kind::kExact, version); }

  Kind kind() const { return kind_; }
  uint64_t version() const { return version_; }
  std::string ToString() const;

 private:
  ExpectedVersion(Kind kind, uint64_t version) : kind_(kind), version_(version) {}
  Kind kind_;
  uint64_t version_;
};

struct AppendResult {
  std::vector<uint64_t> positions;  // one per event, in the order given
  uint64_t first_version = 0;       // stream version of the first event
  uint64_t head_version = 0;  // the case's newest version: what --expect takes next time
  int64_t recorded_at = 0;
  bool deduplicated = false;  // every event id was already stored: nothing was written
};

struct StreamInfo {
  std::string case_id;
  std::string child_id;
  uint64_t head_version = 0;  // version of the newest event; the stream has head_version + 1
  uint64_t head_position = 0;
  Hash256 head_leaf_hash{};
};

struct LedgerStats {
  uint64_t event_count = 0;      // also the next global position
  uint64_t stream_count = 0;     // exact: counted from the heads index
  int64_t last_recorded_at = 0;  // recorded-at of the newest event, 0 when empty
  uint64_t disk_bytes = 0;       // size of the files in the data directory
};

// What the group-commit writer has done since Open: cheap counters for metrics and benchmarks.
struct CommitStats {
  uint64_t groups = 0;         // commit groups written, each as one RocksDB write
  uint64_t synced_writes = 0;  // RocksDB writes made with sync (groups and lone checkpoints):
                               // one write-ahead-log fdatasync each
  uint64_t requests = 0;       // append requests the writer answered (refusals included)
  uint64_t events = 0;         // events written
  // Time the writer spent on each step of its groups: checking and preparing them (lookups,
  // stored form, hashes, the write batch), inside RocksDB's write (memtables, WAL, sync), and
  // answering the appenders.
  uint64_t stage_nanos = 0;
  uint64_t write_nanos = 0;
  uint64_t answer_nanos = 0;
};

class Ledger {
 public:
  // Opens (or creates) the ledger in options.data_dir. Every column family present in the
  // directory is opened, so directories written by newer versions still open. Errors:
  // NotFound (no ledger and create_if_missing unset), Busy (another process holds the lock),
  // Corruption (not a caseledger directory, or an unreadable newest event), IOError.
  static Result<std::unique_ptr<Ledger>> Open(const LedgerOptions& options);

  // Waits for in-flight appends to finish, then closes the database.
  ~Ledger();
  Ledger(const Ledger&) = delete;
  Ledger& operator=(const Ledger&) = delete;

  using AppendCallback = std::function<void(Result<AppendResult>)>;

  // Appends `events` (as clients send them: no position, version, recorded-at, prevLeafHash or
  // sealed) to the stream of `case_id`, atomically, after checking `expected`. Blocks until
  // the write is durable. Re-appending event ids that are all stored with the same content
  // returns the original positions and writes nothing.
  // Errors, with nothing written: InvalidArgument (validation; mixed stored and new ids; an id
  // reused for other content; a case id that differs from the events'), Conflict (expected
  // version mismatch, naming the current version), IOError and Unavailable (storage failure;
  // the outcome is then unknown and a retry with the same ids is safe). Thread-safe.
  Result<AppendResult> Append(std::string_view case_id, ExpectedVersion expected,
                              std::span<const schema::Event::Reader> events);

  // As Append, but returns at once; `done` runs on the ledger's writer thread (it must not
  // block or call Append). `events` is copied before the call returns; validation errors
  // are delivered through `done` too. Thread-safe.
  void AppendAsync(std::string_view case_id, ExpectedVersion expected,
                   std::span<const schema::Event::Reader> events, AppendCallback done);

  // Makes every acknowledged append durable, for a ledger opened with sync = false (bulk loads
  // such as the generator), and flushes the memtables to table files so that later opens are
  // fast. IOError when the sync or flush fails.
  Status Sync();

  // Up to `limit` events of a case from `from_version` on, in version order. NotFound when the
  // case does not exist. Corruption when an index entry points nowhere. Thread-safe.
  Result<std::vector<StoredEvent>> ReadStream(std::string_view case_id, uint64_t from_version,
                                              size_t limit) const;

  // Up to `limit` events from global position `from_position` on. Empty past the end.
  Result<std::vector<StoredEvent>> ReadLog(uint64_t from_position, size_t limit) const;

  // The event at `position`; NotFound past the end.
  Result<StoredEvent> ReadEvent(uint64_t position) const;

  // The position of the event with this 16-byte id; NotFound when no such event is stored.
  Result<uint64_t> FindEvent(std::string_view event_id) const;

  // The head of a case; NotFound when the case does not exist.
  Result<StreamInfo> GetStream(std::string_view case_id) const;

  // Up to `limit` cases in case-id order, starting after `after_case_id` ("" for the first).
  Result<std::vector<StreamInfo>> ListStreams(std::string_view after_case_id, size_t limit) const;

  // Signs a checkpoint of the current tree now (unless the newest one already covers it) and
  // returns the newest checkpoint note. Blocks until it is durable.
  Result<std::string> Checkpoint();

  // The stored checkpoint for tree `size`, or the newest when `size` is empty. NotFound when
  // there is none.
  Result<std::string> GetCheckpoint(std::optional<uint64_t> size = std::nullopt) const;

  // Every stored checkpoint size, ascending.
  Result<std::vector<uint64_t>> CheckpointSizes() const;

  // The verifier key that checks this ledger's checkpoints ("<name>+<id>+<key>").
  std::string VerifierKeyString() const;

  // The Merkle root of the first `size` events (size <= size()).
  Result<Hash256> RootAt(uint64_t size) const;
  // The inclusion proof of the event at `position` in the tree of `size` events.
  Result<std::vector<Hash256>> InclusionProof(uint64_t position, uint64_t size) const;
  // The consistency proof between the trees of `size1` <= `size2` events.
  Result<std::vector<Hash256>> ConsistencyProof(uint64_t size1, uint64_t size2) const;

  // The proof of a case's head (or of its absence) in the case-head map committed to by the
  // checkpoint of tree `size` (docs/verification.md). Works read-only and for checkpoints
  // older than the newest. NotFound when the directory has no map yet; Corruption when the
  // stored map disagrees with the streams. Thread-safe.
  Result<HeadProof> ProveCaseHead(std::string_view case_id, uint64_t size) const;

  // The personal data sealed in `event` (read from this ledger). Errors: Corruption when the
  // sealed section does not authenticate (an altered byte) or the child's data key does not
  // open with the master key; InvalidArgument when no master key is loaded (a read-only open
  // without a key file); IOError. An erased child's event gives kErased, never an error.
  // The caller decides who may see the result. Thread-safe.
  Result<UnsealedPersonal> Unseal(const StoredEvent& event) const;

  // Whether an executed erasure destroyed the data key of `child_id`. Thread-safe.
  Result<bool> IsErased(std::string_view child_id) const;

  // Rewraps every child's data key under the master key in `new_master_key_path` (mode 0600,
  // outside the data directory) in one atomic write, records its fingerprint, and compacts
  // the old wrapped keys out of every file; events are untouched. Later opens need the new
  // file; the old one is refused. Runs on the writer between commit groups. Errors:
  // InvalidArgument (the same key, a key inside the data directory, not a key file),
  // PermissionDenied (loose mode), Unavailable (read-only), IOError. Thread-safe.
  Status RotateMasterKey(const std::string& new_master_key_path);

  // The fingerprint (16 hex digits) of the master key in use; empty when none is loaded.
  std::string MasterKeyFingerprint() const;

  // Counters; stream_count costs a scan of the heads index.
  Result<LedgerStats> Stats() const;

  // The number of events durably stored (the next global position).
  uint64_t size() const;

  // The writer's counters. Thread-safe and cheap (no I/O).
  CommitStats GetCommitStats() const;

  const LedgerOptions& options() const;

  class Impl;

 private:
  explicit Ledger(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// SHA-256 of the canonical encoding of an event as the client sent it: what idempotency
// compares. Thread-safe.
Hash256 ClientContentDigest(schema::Event::Reader event);

}  // namespace caseledger

#endif  // CASELEDGER_LEDGER_LEDGER_H_
