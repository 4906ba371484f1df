// The leaf thread of verify: the checks that need the leaf hashes, the stored Merkle tree's
// above all; and how verify's findings are kept (ledger/verify_internal.h).
#include <kj/exception.h>

#include <algorithm>
#include <cstring>

#include "ledger/rocks_status.h"
#include "ledger/storage_format.h"
#include "ledger/verify_internal.h"

namespace caseledger::verify_detail {

namespace {

constexpr size_t kLowLevelReadahead = 2 << 20;

// Whether capnp::canonicalize of the message in `words` would return it unchanged (checked
// without making the copy). False for a message that cannot be read.
bool IsCanonical(kj::ArrayPtr<const capnp::word> words) {
  kj::ArrayPtr<const capnp::word> segments[1] = {words};
  bool canonical = false;
  KJ_IF_MAYBE (e, kj::runCatchingExceptions([&] {
                 capnp::SegmentArrayMessageReader message(segments, EventReaderOptions());
                 canonical = message.isCanonical();
               })) {
    return false;
  }
  return canonical;
}

Hash256 ToHash(std::string_view s) {
  Hash256 h{};
  std::memcpy(h.data(), s.data(), std::min(s.size(), h.size()));
  return h;
}

}  // namespace

capnp::ReaderOptions EventReaderOptions() {
  capnp::ReaderOptions options;
  options.traversalLimitInWords = 1u << 26;
  return options;
}

rocksdb::ReadOptions ScanOptions(size_t readahead) {
  rocksdb::ReadOptions ro;
  ro.fill_cache = false;
  ro.readahead_size = readahead;
  return ro;
}

// ---------------------------------------------------------------------------------------------
// Findings

size_t Findings::Reserve() {
  if (kept_.size() >= max_) {
    ++dropped_;
    return kNoSlot;
  }
  kept_.emplace_back(tag_, VerifyFinding{});
  return kept_.size() - 1;
}

void Findings::Fill(size_t slot, std::string where, std::string what) {
  if (slot == kNoSlot) return;
  kept_[slot].second = VerifyFinding{std::move(where), std::move(what)};
}

void Findings::Merge(Findings&& other) {
  std::vector<std::pair<uint64_t, VerifyFinding>> merged;
  merged.reserve(kept_.size() + other.kept_.size());
  auto a = kept_.begin();
  auto b = other.kept_.begin();
  while (a != kept_.end() || b != other.kept_.end()) {
    const bool take_b = a == kept_.end() || (b != other.kept_.end() && b->first < a->first);
    merged.push_back(std::move(take_b ? *b++ : *a++));
  }
  dropped_ += other.dropped_;
  if (merged.size() > max_) {
    dropped_ += merged.size() - max_;
    merged.resize(max_);
  }
  kept_ = std::move(merged);
  other.kept_.clear();
  other.dropped_ = 0;
}

void Findings::MoveTo(VerifyReport* report) {
  for (auto& [tag, finding] : kept_) report->findings.push_back(std::move(finding));
  report->findings_dropped += dropped_;
  kept_.clear();
  dropped_ = 0;
}

Status IteratorEnd(const rocksdb::Iterator& it, const std::string& where, Findings* findings) {
  Status s = detail::FromRocks(it.status(), "read " + where);
  if (!s.IsCorruption()) return s;
  findings->Add(where, "cannot be read, so neither it nor what follows is checked: " + s.message());
  return Status::OK();
}

// ---------------------------------------------------------------------------------------------
// TreeCheck

struct TreeCheck::Level {
  std::string upper;
  rocksdb::Slice upper_slice;  // the iterator's bound: must not move, hence unique_ptr<Level>
  std::unique_ptr<rocksdb::Iterator> it;
};

TreeCheck::TreeCheck(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf, Findings* findings)
    : db_(db), cf_(cf), findings_(findings) {}

TreeCheck::~TreeCheck() = default;

void TreeCheck::Append(const Hash256& leaf) {
  findings_->set_tag(range_.size());
  for (const auto& [node, computed] : range_.Append(leaf)) Check(node, computed);
}

std::optional<Hash256> TreeCheck::StoredLeaf() {
  std::string_view stored;
  if (!cf_ || !Seek(0, size(), &stored) || stored.size() != 32) return std::nullopt;
  return ToHash(stored);
}

void TreeCheck::Finish() {
  findings_->set_tag(kAfterLog);
  ResolvePending(std::nullopt);
  if (!cf_) return;
  for (uint32_t level = 0; level < levels_.size(); ++level) {
    rocksdb::Iterator* it = levels_[level]->it.get();
    for (; it->Valid(); it->Next()) Stray(it->key().ToStringView());
    NoteEnd(*it, level);
  }
  // Levels no append reached, and keys that are not tree keys.
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ScanOptions(0), cf_));
  for (it->SeekToFirst(); it->Valid();) {
    const std::string_view key = it->key().ToStringView();
    const uint8_t level = key.empty() ? 0 : static_cast<uint8_t>(key[0]);
    if (!key.empty() && level < levels_.size()) {
      it->Seek(std::string(1, static_cast<char>(level + 1)));  // levels_ has at most 64
      continue;
    }
    Stray(key);
    it->Next();
  }
  if (status_.ok()) status_ = IteratorEnd(*it, "tree", findings_);
}

rocksdb::Iterator* TreeCheck::Cursor(uint32_t level) {
  while (levels_.size() <= level) {
    const uint32_t l = levels_.size();
    auto lv = std::make_unique<Level>();
    lv->upper.assign(1, static_cast<char>(l + 1));
    lv->upper_slice = lv->upper;
    // The low levels hold most nodes: read them far ahead.
    rocksdb::ReadOptions ro = ScanOptions(l < 4 ? kLowLevelReadahead : 0);
    ro.iterate_upper_bound = &lv->upper_slice;
    lv->it.reset(db_->NewIterator(ro, cf_));
    lv->it->Seek(std::string(1, static_cast<char>(l)));
    levels_.push_back(std::move(lv));
  }
  return levels_[level]->it.get();
}

// Moves the level's iterator to node (level, index), reporting stray keys it passes. True, with
// the stored value, if the node is stored.
bool TreeCheck::Seek(uint32_t level, uint64_t index, std::string_view* value) {
  rocksdb::Iterator* it = Cursor(level);
  for (; it->Valid(); it->Next()) {
    const std::string_view key = it->key().ToStringView();
    uint32_t l = 0;
    uint64_t i = 0;
    if (!storage::DecodeTreeKey(key, &l, &i) || i < index) {
      Stray(key);
      continue;
    }
    if (i > index) return false;
    *value = it->value().ToStringView();
    return true;
  }
  NoteEnd(*it, level);
  return false;
}

void TreeCheck::Check(NodeId node, const Hash256& computed) {
  if (!cf_) return;
  std::string_view stored;
  const bool found = Seek(node.level, node.index, &stored);
  const bool match = found && stored == View(computed);
  if (node.level == 1) ResolvePending(std::make_pair(node.index, match));
  auto leaves = [&] {
    const uint64_t first = node.index << node.level;
    const uint64_t last = ((node.index + 1) << node.level) - 1;
    return first == last ? Pos(first)
                         : "positions " + std::to_string(first) + ".." + std::to_string(last);
  };
  if (!found) {
    findings_->Add(NodeWhere(node.level, node.index),
                   "is missing; the tree must hold the subtree over " + leaves());
    return;
  }
  ++nodes_read_;
  if (stored.size() != 32) {
    findings_->Add(NodeWhere(node.level, node.index),
                   "is " + std::to_string(stored.size()) + " bytes, not a 32-byte hash");
  } else if (!match && node.level == 0) {
    pending_.push_back({findings_->Reserve(), node.index, ToHash(stored), computed});
  } else if (!match) {
    findings_->Add(NodeWhere(node.level, node.index),
                   "stored hash " + ToHex(AsBytes(stored)) + " differs from " + ToHex(computed) +
                       ", recomputed from the events at " + leaves());
  }
  levels_[node.level]->it->Next();
}

// Words the pending leaf mismatches under parent (1, index), given whether that parent
// matched; all of them when `parent` is empty (no parent will come).
void TreeCheck::ResolvePending(std::optional<std::pair<uint64_t, bool>> parent) {
  for (auto p = pending_.begin(); p != pending_.end();) {
    if (parent && p->index >> 1 != parent->first) {
      ++p;
      continue;
    }
    const std::string hashes = "the stored node (0, " + std::to_string(p->index) + ") is " +
                               ToHex(p->stored) + ", the event's leaf hash is " +
                               ToHex(p->computed);
    if (parent && parent->second) {
      findings_->Fill(p->slot, NodeWhere(0, p->index),
                      "was altered: " + hashes + ", and the parent node agrees with the event");
    } else {
      findings_->Fill(
          p->slot, Pos(p->index),
          "the event was altered after it was stored (or its tree node was): " + hashes);
    }
    p = pending_.erase(p);
  }
}

void TreeCheck::Stray(std::string_view key) {
  uint32_t level = 0;
  uint64_t index = 0;
  if (!storage::DecodeTreeKey(key, &level, &index)) {
    findings_->Add("tree key " + HexKey(key), "is not a tree key (level byte, 8-byte index)");
  } else if (level == 0 && index >= range_.size()) {
    findings_->Add(Pos(index), "is missing from the log, which ends at " +
                                   std::to_string(range_.size()) +
                                   " events, but the tree holds its leaf");
  } else {
    findings_->Add(NodeWhere(level, index), "is stored, but the tree of the log's " +
                                                std::to_string(range_.size()) +
                                                " events has no such node");
  }
}

void TreeCheck::NoteEnd(const rocksdb::Iterator& it, uint32_t level) {
  if (status_.ok() && !it.status().ok()) {
    status_ = IteratorEnd(it, "tree level " + std::to_string(level), findings_);
  }
}

// ---------------------------------------------------------------------------------------------
// BatchQueue

void BatchQueue::Push(Batch batch) {
  std::unique_lock<std::mutex> l(mu_);
  cv_.wait(l, [&] { return full_.size() < kBatchesQueued; });
  full_.push_back(std::move(batch));
  cv_.notify_all();
}

bool BatchQueue::Pop(Batch* batch) {
  std::unique_lock<std::mutex> l(mu_);
  cv_.wait(l, [&] { return closed_ || !full_.empty(); });
  if (full_.empty()) return false;
  *batch = std::move(full_.front());
  full_.pop_front();
  cv_.notify_all();
  return true;
}

void BatchQueue::Close() {
  std::lock_guard<std::mutex> l(mu_);
  closed_ = true;
  cv_.notify_all();
}

void BatchQueue::Recycle(Batch batch) {
  batch.arena.clear();
  batch.events.clear();
  std::lock_guard<std::mutex> l(mu_);
  empty_.push_back(std::move(batch));
}

Batch BatchQueue::Reuse() {
  {
    std::lock_guard<std::mutex> l(mu_);
    if (!empty_.empty()) {
      Batch batch = std::move(empty_.back());
      empty_.pop_back();
      return batch;
    }
  }
  Batch batch;
  batch.arena.reserve(kBatchBytes / sizeof(uint64_t) + 1024);
  batch.events.reserve(kBatchEvents);
  return batch;
}

// ---------------------------------------------------------------------------------------------
// LeafCheck

LeafCheck::LeafCheck(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* tree_cf, size_t max_findings,
                     std::vector<uint64_t> checkpoint_sizes)
    : findings_(max_findings),
      tree_(db, tree_cf, &findings_),
      sizes_(std::move(checkpoint_sizes)),
      roots_(sizes_.size()) {
  CaptureRoots();
}

void LeafCheck::Check(const Batch& batch) {
  for (const BatchEvent& e : batch.events) CheckEvent(batch, e);
}

void LeafCheck::Finish() { tree_.Finish(); }

void LeafCheck::CheckEvent(const Batch& batch, const BatchEvent& e) {
  if (e.missing) {
    tree_.Append(tree_.StoredLeaf().value_or(Hash256{}));
    CaptureRoots();
    return;
  }
  const uint8_t* bytes = batch.bytes(e);
  const Hash256 leaf = LeafHash({bytes, e.size});
  findings_.set_tag(e.position);
  if (e.readable && !IsCanonical(batch.words(e))) {
    findings_.Add(Pos(e.position),
                  "the stored bytes are not the canonical encoding of the event they hold");
  }
  if (e.case_index != kNoCase) {
    if (case_leaves_.size() <= e.case_index) case_leaves_.resize(e.case_index + 1);
    Hash256& previous = case_leaves_[e.case_index];
    const std::string_view prev(reinterpret_cast<const char*>(bytes) + e.prev_offset, e.prev_size);
    if (e.link && prev != View(previous)) {
      findings_.Add(Pos(e.position), "back-link broken: prevLeafHash " + ToHex(AsBytes(prev)) +
                                         " is not the leaf hash " + ToHex(previous) +
                                         " of the case's previous event (position " +
                                         std::to_string(e.prev_position) + ")");
    }
    previous = leaf;
  }
  tree_.Append(leaf);
  CaptureRoots();
}

// Keeps the recomputed root at every checkpoint size the tree has just reached.
void LeafCheck::CaptureRoots() {
  for (; next_capture_ < sizes_.size() && sizes_[next_capture_] <= tree_.size(); ++next_capture_) {
    if (sizes_[next_capture_] == tree_.size()) roots_[next_capture_] = tree_.Root();
  }
}

}  // namespace caseledger::verify_detail
