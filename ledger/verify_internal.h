// Internal to ledger/verify.cc and ledger/verify_tree.cc: how findings are collected, and the
// checks of the log pass that need the leaf hashes (the canonical form, the back-links and the
// stored Merkle tree), which run on a thread of their own. Not for use outside ledger/.
#ifndef CASELEDGER_LEDGER_VERIFY_INTERNAL_H_
#define CASELEDGER_LEDGER_VERIFY_INTERNAL_H_

#include <capnp/message.h>
#include <rocksdb/db.h>

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ledger/hash.h"
#include "ledger/merkle.h"
#include "ledger/status.h"
#include "ledger/verify.h"

#ifndef GUARDED_BY
#define GUARDED_BY(x)  // documentation: the member is protected by x
#endif

namespace caseledger::verify_detail {

// The tag of findings that follow every position of the log.
inline constexpr uint64_t kAfterLog = UINT64_MAX;
// The case index of a position with no readable event.
inline constexpr uint32_t kNoCase = UINT32_MAX;
// A batch for the leaf thread closes at this many events or bytes; this many may wait.
inline constexpr size_t kBatchEvents = 4096;
inline constexpr size_t kBatchBytes = 1 << 20;
inline constexpr size_t kBatchesQueued = 4;

inline std::string Pos(uint64_t p) { return "position " + std::to_string(p); }
inline std::string NodeWhere(uint32_t level, uint64_t index) {
  return "tree node (" + std::to_string(level) + ", " + std::to_string(index) + ")";
}
inline std::string HexKey(std::string_view s) { return "0x" + ToHex(AsBytes(s)); }
inline std::string_view View(const Hash256& h) {
  return {reinterpret_cast<const char*>(h.data()), h.size()};
}

// Options for one sequential scan: nothing is cached, the files are read ahead.
rocksdb::ReadOptions ScanOptions(size_t readahead);

// The limits for reading one stored event.
capnp::ReaderOptions EventReaderOptions();

// Findings of one thread, each tagged with the position it belongs to, kept in tag order, up
// to a limit. Thread-compatible.
class Findings {
 public:
  static constexpr size_t kNoSlot = SIZE_MAX;

  explicit Findings(size_t max) : max_(max) {}

  // Findings added from now on belong to position `tag` (kAfterLog: after the whole log).
  // Tags never decrease.
  void set_tag(uint64_t tag) { tag_ = tag; }

  void Add(std::string where, std::string what) {
    Fill(Reserve(), std::move(where), std::move(what));
  }
  // Keeps the place of a finding that is worded later; kNoSlot when the limit is reached.
  size_t Reserve();
  void Fill(size_t slot, std::string where, std::string what);

  // Merges `other`'s findings into these by tag (these first among equal tags), keeping the
  // limit.
  void Merge(Findings&& other);
  // Moves the findings into `report`.
  void MoveTo(VerifyReport* report);

 private:
  size_t max_;
  uint64_t tag_ = 0;
  uint64_t dropped_ = 0;
  std::vector<std::pair<uint64_t, VerifyFinding>> kept_;
};

// A stopped iterator: OK at the end of its range. A Corruption (a block that fails its
// checksum) is a finding at `where`, since nothing beyond can be vouched for; any other error
// is returned: the check cannot go on.
Status IteratorEnd(const rocksdb::Iterator& it, const std::string& where, Findings* findings);

// Checks the stored tree against the leaves appended to it: every node the appends complete
// is compared with the stored one, each level read by its own forward-only iterator (a level's
// nodes complete in index order). Findings are tagged with the position being appended.
// Thread-compatible; the database may be shared.
class TreeCheck {
 public:
  // `cf` null: the tree column family is missing; only roots are computed.
  TreeCheck(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf, Findings* findings);
  ~TreeCheck();
  TreeCheck(const TreeCheck&) = delete;
  TreeCheck& operator=(const TreeCheck&) = delete;

  uint64_t size() const { return range_.size(); }
  Hash256 Root() const { return range_.Root(); }
  uint64_t nodes_read() const { return nodes_read_; }
  // The first error other than corruption that an iterator met.
  const Status& status() const { return status_; }

  // Appends the leaf at position size() and checks every node it completes.
  void Append(const Hash256& leaf);
  // The stored leaf (0, size()), if there is one: to stand in for a missing event, so that the
  // tree above it is still checked.
  std::optional<Hash256> StoredLeaf();
  // Words the leaf mismatches still open, then reports stored nodes that are no node of the
  // tree: beyond its size, on levels it never reached, or under keys of another shape.
  void Finish();

 private:
  struct Level;
  // A leaf whose stored node differs. Whether the event or the node was altered shows one
  // level up: the intact parent agrees with the event only if the node alone was altered.
  struct Pending {
    size_t slot;
    uint64_t index;
    Hash256 stored, computed;
  };

  rocksdb::Iterator* Cursor(uint32_t level);
  bool Seek(uint32_t level, uint64_t index, std::string_view* value);
  void Check(NodeId node, const Hash256& computed);
  void ResolvePending(std::optional<std::pair<uint64_t, bool>> parent);
  void Stray(std::string_view key);
  void NoteEnd(const rocksdb::Iterator& it, uint32_t level);

  rocksdb::DB* db_;
  rocksdb::ColumnFamilyHandle* cf_;
  Findings* findings_;
  CompactRange range_;
  std::vector<std::unique_ptr<Level>> levels_;
  std::vector<Pending> pending_;
  uint64_t nodes_read_ = 0;
  Status status_;
};

// One log position for the leaf thread.
struct BatchEvent {
  uint64_t position = 0;
  uint64_t prev_position = 0;     // of the case's previous event, when `link`
  size_t offset = 0;              // of the stored bytes, in words into the batch's arena
  uint32_t size = 0;              // of the stored bytes
  uint32_t case_index = kNoCase;  // kNoCase: no readable event here
  uint32_t prev_offset = 0;       // of prevLeafHash, in bytes from the stored bytes' start
  uint32_t prev_size = 0;
  bool missing = false;   // no log entry at this position: the stored leaf stands in for it
  bool readable = false;  // the event parsed: check its canonical form
  bool link = false;      // compare prevLeafHash with the leaf hash of the case's previous event
};

// A run of log positions: their stored bytes, each starting on a word boundary (what Cap'n
// Proto reads), and what the leaf thread needs of each.
struct Batch {
  std::vector<uint64_t> arena;
  std::vector<BatchEvent> events;

  const uint8_t* bytes(const BatchEvent& e) const {
    return reinterpret_cast<const uint8_t*>(arena.data() + e.offset);
  }
  kj::ArrayPtr<const capnp::word> words(const BatchEvent& e) const {
    return {reinterpret_cast<const capnp::word*>(arena.data() + e.offset),
            e.size / sizeof(capnp::word)};
  }
};

// Carries batches, in position order, from the log pass to the leaf thread, and the emptied
// ones back for reuse. Bounded: memory stays small whatever the size of the log. Thread-safe.
class BatchQueue {
 public:
  // Blocks while kBatchesQueued batches wait.
  void Push(Batch batch);
  // Blocks until a batch comes; false once the queue is closed and empty.
  bool Pop(Batch* batch);
  void Close();
  // Takes back a batch that Pop gave, for Reuse.
  void Recycle(Batch batch);
  // An empty batch with room reserved: a recycled one when there is one.
  Batch Reuse();

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Batch> full_ GUARDED_BY(mu_);
  std::vector<Batch> empty_ GUARDED_BY(mu_);
  bool closed_ GUARDED_BY(mu_) = false;
};

// The checks of the log pass that need the leaf hashes, on the leaf thread: each event's
// canonical form and back-link, and the stored tree. Its state is its own, so that the two
// threads share no cache line: allocate it on the heap. Thread-compatible.
class alignas(64) LeafCheck {
 public:
  // `checkpoint_sizes`, ascending: where to keep the recomputed root.
  LeafCheck(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* tree_cf, size_t max_findings,
            std::vector<uint64_t> checkpoint_sizes);

  // Checks the batch's positions, which follow those of the previous batch.
  void Check(const Batch& batch);
  // After the last batch.
  void Finish();

  Findings& findings() { return findings_; }
  const TreeCheck& tree() const { return tree_; }
  // The recomputed root at each checkpoint size, when the log reached it.
  const std::vector<std::optional<Hash256>>& roots() const { return roots_; }
  // By case index: the leaf hash of the case's newest event.
  std::vector<Hash256>& case_leaves() { return case_leaves_; }

 private:
  void CheckEvent(const Batch& batch, const BatchEvent& e);
  void CaptureRoots();

  Findings findings_;
  TreeCheck tree_;
  std::vector<uint64_t> sizes_;
  std::vector<std::optional<Hash256>> roots_;
  size_t next_capture_ = 0;
  std::vector<Hash256> case_leaves_;
};

// A checkpoint's caseledger-heads root, as it states it.
struct CommittedHeads {
  uint64_t size = 0;
  Hash256 root{};
};

// Replays the log into the case-head map once, in checkpoint order (`committed` ascending by
// size), and adds a finding "checkpoint SIZE" for each whose root differs. `at(p)` gives the
// case index (into `case_ids`; kNoCase: no readable event) and version at position p. At each
// checkpoint only the buckets of cases appended to since the previous one are rehashed, each
// such case's newest event read back from `log_cf` and hashed. Errors: storage failures.
Status CheckHeadCommitments(
    rocksdb::DB* db, rocksdb::ColumnFamilyHandle* log_cf,
    const std::vector<CommittedHeads>& committed, const std::vector<std::string>& case_ids,
    const std::function<std::pair<uint32_t, uint64_t>(uint64_t)>& at, Findings* findings);

}  // namespace caseledger::verify_detail

#endif  // CASELEDGER_LEDGER_VERIFY_INTERNAL_H_
