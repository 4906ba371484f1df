// The ledger's case-head map (docs/verification.md, "Case-head commitment"; keys in
// case_heads.h and docs/storage_format.md).
//
// The writer keeps the map's 2^17 - 1 node hashes in memory (4 MB) and, since the last
// checkpoint, the set of buckets whose cases were appended to. At a checkpoint of size S it
// rehashes only those buckets (members from the 'm' index, heads as staged) and their paths
// to the root, and writes each changed node twice into the checkpoint's batch: under
// (level, index, S), the history proofs at older checkpoints read, and as the current value
// that the next open loads. Cost per checkpoint: O(cases in touched buckets), never O(all).
//
// A reader proves a case at any checkpoint size S from what is durable: the bucket's members,
// each one's newest event with position < S (from the heads index, or the streams index when
// the head is newer), and the sibling nodes as of S (the newest history entry <= S).
#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>
#include <spdlog/spdlog.h>

#include <cstring>
#include <map>
#include <set>

#include "ledger/case_heads.h"
#include "ledger/ledger_impl.h"
#include "ledger/rocks_status.h"

namespace caseledger {

using detail::FromRocks;

namespace {

Hash256 HashFromSlice(const rocksdb::Slice& s) {
  Hash256 h{};
  std::memcpy(h.data(), s.data(), std::min<size_t>(s.size(), 32));
  return h;
}

rocksdb::Slice HashSlice(const Hash256& h) {
  return rocksdb::Slice(reinterpret_cast<const char*>(h.data()), h.size());
}

// The case ids of bucket `bucket` in the membership index.
Status ReadMembers(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf, uint32_t bucket,
                   std::set<std::string>* members) {
  const std::string prefix = storage::HeadMemberPrefix(bucket);
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), cf));
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    members->emplace(it->key().data() + prefix.size(), it->key().size() - prefix.size());
  }
  return FromRocks(it->status(), "read case-head members");
}

}  // namespace

Status Ledger::Impl::LoadCaseHeads() {
  if (read_only_ || options_.benchmark_without_tree || case_heads_cf_ == nullptr) {
    return Status::OK();
  }
  head_nodes_.assign(kHeadMapLevels + 1, {});
  for (int l = 0; l <= kHeadMapLevels; ++l) {
    head_nodes_[l].assign(kHeadMapBuckets >> l, EmptyHeadSubtree(l));
  }
  heads_touched_.clear();
  std::string marker;
  auto s = db_->Get(rocksdb::ReadOptions(), case_heads_cf_, storage::kHeadMapVersionKey, &marker);
  if (!s.ok() && !s.IsNotFound()) return FromRocks(s, "read the case-head map marker");
  if (s.IsNotFound()) {
    // A directory from before the map (or a new one): every case becomes a member now, and
    // the next checkpoint hashes every bucket and writes the marker with its nodes.
    rocksdb::WriteBatch batch;
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), heads_cf_));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      const std::string_view case_id = it->key().ToStringView();
      const uint32_t bucket = HeadBucket(case_id);
      batch.Put(case_heads_cf_, storage::HeadMemberKey(bucket, case_id), "");
      heads_touched_.insert(bucket);
    }
    CL_RETURN_IF_ERROR(FromRocks(it->status(), "scan the heads index"));
    if (batch.Count() > 0) {
      rocksdb::WriteOptions wo;
      wo.sync = true;
      CL_RETURN_IF_ERROR(FromRocks(db_->Write(wo, &batch), "backfill the case-head map"));
    }
    heads_backfill_pending_ = true;
    heads_stale_ = last_checkpoint_size_ > 0;
    if (!heads_touched_.empty()) {
      log_->info("case-head map: backfilled {} buckets", heads_touched_.size());
    }
    return Status::OK();
  }
  heads_backfill_pending_ = false;
  heads_stale_ = false;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), case_heads_cf_));
  for (it->Seek("c"); it->Valid() && it->key().starts_with("c"); it->Next()) {
    const rocksdb::Slice k = it->key();
    if (k.size() != 4 || it->value().size() != 32) {
      return Status::Corruption("case-head map node entry of the wrong size");
    }
    const int level = static_cast<uint8_t>(k[1]);
    const uint32_t index =
        (static_cast<uint32_t>(static_cast<uint8_t>(k[2])) << 8) | static_cast<uint8_t>(k[3]);
    if (level > kHeadMapLevels || index >= (kHeadMapBuckets >> level)) {
      return Status::Corruption("case-head map node (" + std::to_string(level) + ", " +
                                std::to_string(index) + ") is out of range");
    }
    head_nodes_[level][index] = HashFromSlice(it->value());
  }
  CL_RETURN_IF_ERROR(FromRocks(it->status(), "load the case-head map"));
  // Cases appended to after the newest checkpoint: their buckets are due at the next one.
  std::unique_ptr<rocksdb::Iterator> log(db_->NewIterator(rocksdb::ReadOptions(), log_cf_));
  for (log->Seek(storage::LogKey(last_checkpoint_size_)); log->Valid(); log->Next()) {
    auto ev =
        StoredEvent::FromBytes(storage::GetU64BE(log->key().data()), log->value().ToStringView());
    if (!ev.ok()) return ev.status();
    heads_touched_.insert(HeadBucket(ev->reader().getCaseId().cStr()));
  }
  return FromRocks(log->status(), "read the log after the newest checkpoint");
}

void Ledger::Impl::TouchCaseHead(std::string_view case_id) {
  if (case_heads_cf_ != nullptr && !head_nodes_.empty()) heads_touched_.insert(HeadBucket(case_id));
}

Status Ledger::Impl::CommitCaseHeads(uint64_t size, const StagedHeads* staged,
                                     rocksdb::WriteBatch* batch, Hash256* root) {
  std::set<std::pair<int, uint32_t>> changed;
  for (uint32_t bucket : heads_touched_) {
    std::set<std::string> members;
    CL_RETURN_IF_ERROR(ReadMembers(db_.get(), case_heads_cf_, bucket, &members));
    if (staged) {
      for (std::string_view c : staged->unwritten) {
        if (HeadBucket(c) == bucket) members.emplace(c);
      }
    }
    std::vector<HeadEntry> entries;
    for (const auto& case_id : members) {
      storage::Head head;
      bool found = false;
      if (staged) {
        CL_RETURN_IF_ERROR(staged->get(case_id, &head, &found));
      } else {
        std::string value;
        auto s = db_->Get(rocksdb::ReadOptions(), heads_cf_, case_id, &value);
        if (!s.ok() && !s.IsNotFound()) return FromRocks(s, "read case head");
        found = s.ok() && storage::DecodeHead(value, &head);
      }
      if (!found) {
        return Status::Corruption("case-head map member \"" + case_id + "\" has no head");
      }
      entries.push_back(HeadEntry{case_id, head.version, head.leaf_hash});
    }
    head_nodes_[0][bucket] = HeadBucketHash(entries);
    changed.emplace(0, bucket);
  }
  // Up the paths, level by level, each parent once.
  std::set<uint32_t> level_changed;
  for (uint32_t b : heads_touched_) level_changed.insert(b);
  for (int l = 1; l <= kHeadMapLevels; ++l) {
    std::set<uint32_t> parents;
    for (uint32_t i : level_changed) parents.insert(i >> 1);
    for (uint32_t p : parents) {
      head_nodes_[l][p] = NodeHash(head_nodes_[l - 1][2 * p], head_nodes_[l - 1][2 * p + 1]);
      changed.emplace(l, p);
    }
    level_changed = std::move(parents);
  }
  // The root is written even when nothing changed, so that every checkpoint size has it.
  changed.emplace(kHeadMapLevels, 0);
  for (const auto& [l, i] : changed) {
    const Hash256& h = head_nodes_[l][i];
    batch->Put(case_heads_cf_, storage::HeadNodeHistoryKey(l, i, size), HashSlice(h));
    batch->Put(case_heads_cf_, storage::HeadNodeCurrentKey(l, i), HashSlice(h));
  }
  if (heads_backfill_pending_) {
    batch->Put(case_heads_cf_, storage::kHeadMapVersionKey, "1");
    heads_backfill_pending_ = false;
  }
  heads_touched_.clear();
  *root = head_nodes_[kHeadMapLevels][0];
  return Status::OK();
}

// ---------------------------------------------------------------------------------------------
// Proofs, from what is durable. Caller holds db_mu_ shared.

Result<std::optional<HeadEntry>> Ledger::Impl::HeadAsOfLocked(const std::string& case_id,
                                                              uint64_t size) const {
  std::string value;
  auto s = db_->Get(rocksdb::ReadOptions(), heads_cf_, case_id, &value);
  if (s.IsNotFound()) return std::optional<HeadEntry>();
  if (!s.ok()) return FromRocks(s, "read case head");
  storage::Head head;
  if (!storage::DecodeHead(value, &head)) {
    return Status::Corruption("head of case \"" + case_id + "\" is malformed");
  }
  if (head.position < size)
    return std::optional<HeadEntry>(HeadEntry{case_id, head.version, head.leaf_hash});
  // The head is newer than the checkpoint: walk the case's versions back to the last one
  // inside it.
  const std::string prefix = storage::StreamPrefix(case_id);
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), streams_cf_));
  for (it->SeekForPrev(storage::StreamKey(case_id, head.version));
       it->Valid() && it->key().starts_with(prefix); it->Prev()) {
    if (it->value().size() != 8 || it->key().size() != prefix.size() + 8) {
      return Status::Corruption("streams entry of case \"" + case_id + "\" is malformed");
    }
    const uint64_t position = storage::GetU64BE(it->value().data());
    if (position >= size) continue;
    auto ev = ReadEventLocked(position);
    if (!ev.ok()) return ev.status();
    const uint64_t version = storage::GetU64BE(it->key().data() + prefix.size());
    return std::optional<HeadEntry>(HeadEntry{case_id, version, LeafHash(ev->bytes())});
  }
  CL_RETURN_IF_ERROR(FromRocks(it->status(), "read the streams index"));
  return std::optional<HeadEntry>();
}

Result<Hash256> Ledger::Impl::HeadNodeAsOfLocked(int level, uint32_t index, uint64_t size) const {
  const std::string key = storage::HeadNodeHistoryKey(level, index, size);
  const rocksdb::Slice prefix(key.data(), 4);
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), case_heads_cf_));
  it->SeekForPrev(key);
  CL_RETURN_IF_ERROR(FromRocks(it->status(), "read the case-head map"));
  if (!it->Valid() || !it->key().starts_with(prefix)) return EmptyHeadSubtree(level);
  if (it->value().size() != 32) return Status::Corruption("case-head map node is not 32 bytes");
  return HashFromSlice(it->value());
}

Result<HeadProof> Ledger::Impl::ProveCaseHead(std::string_view case_id, uint64_t size) const {
  std::shared_lock<std::shared_mutex> l(db_mu_);
  CL_RETURN_IF_ERROR(CheckOpenLocked());
  if (case_heads_cf_ == nullptr) {
    return Status::NotFound(
        "this data directory has no case-head map yet; open it writable "
        "once (any append, or `caseledger export` while no server runs) to build it");
  }
  HeadProof proof;
  proof.bucket = HeadBucket(case_id);
  std::set<std::string> members;
  CL_RETURN_IF_ERROR(ReadMembers(db_.get(), case_heads_cf_, proof.bucket, &members));
  for (const auto& member : members) {
    auto entry = HeadAsOfLocked(member, size);
    if (!entry.ok()) return entry.status();
    if (*entry) proof.entries.push_back(**entry);
  }
  auto stored = HeadNodeAsOfLocked(0, proof.bucket, size);
  if (!stored.ok()) return stored.status();
  if (*stored != HeadBucketHash(proof.entries)) {
    return Status::Corruption("case-head bucket " + std::to_string(proof.bucket) + " at size " +
                              std::to_string(size) + " disagrees with the streams index");
  }
  for (int lv = 0; lv < kHeadMapLevels; ++lv) {
    auto sibling = HeadNodeAsOfLocked(lv, (proof.bucket >> lv) ^ 1u, size);
    if (!sibling.ok()) return sibling.status();
    proof.siblings.push_back(*sibling);
  }
  return proof;
}

Result<HeadProof> Ledger::ProveCaseHead(std::string_view case_id, uint64_t size) const {
  return impl_->ProveCaseHead(case_id, size);
}

}  // namespace caseledger
