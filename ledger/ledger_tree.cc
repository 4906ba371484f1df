// The Merkle tree over the log and its signed checkpoints, as the ledger keeps them:
// complete-subtree hashes in the `tree` column family (written in the same WriteBatch as the
// events they cover), checkpoint notes in `checkpoints`, the signing key outside the data.
// docs/verification.md specifies the hashes and the checkpoint format.
#include <rocksdb/db.h>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <fstream>
#include <future>

#include "ledger/ledger_impl.h"
#include "ledger/rocks_status.h"

namespace caseledger {

using detail::FromRocks;

namespace {

constexpr char kDefaultOrigin[] = "caseledger.local/dev";

// Stored complete subtrees, read through the database the caller holds db_mu_ on.
class RocksSubtreeSource final : public SubtreeSource {
 public:
  RocksSubtreeSource(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf) : db_(db), cf_(cf) {}
  Result<Hash256> Get(uint32_t level, uint64_t index) const override {
    rocksdb::PinnableSlice value;
    auto s = db_->Get(rocksdb::ReadOptions(), cf_, storage::TreeKey(level, index), &value);
    if (s.IsNotFound()) {
      return Status::NotFound("tree node (" + std::to_string(level) + ", " +
                              std::to_string(index) + ") is not stored");
    }
    if (!s.ok()) return FromRocks(s, "read tree node");
    if (value.size() != 32) {
      return Status::Corruption("tree node (" + std::to_string(level) + ", " +
                                std::to_string(index) + ") is " + std::to_string(value.size()) +
                                " bytes, not 32");
    }
    Hash256 h;
    std::memcpy(h.data(), value.data(), 32);
    return h;
  }

 private:
  rocksdb::DB* db_;
  rocksdb::ColumnFamilyHandle* cf_;
};

// A missing node where the tree must have one is corruption, not "not found".
Status AsCorruption(const Status& s) {
  return s.IsNotFound() ? Status::Corruption(s.message()) : s;
}

}  // namespace

Status Ledger::Impl::SetUpSigning() {
  const bool read_only = read_only_;
  // The origin: recorded at creation, refused if changed.
  std::string recorded_origin;
  auto s = db_->Get(rocksdb::ReadOptions(), meta_cf_, storage::kOriginKey, &recorded_origin);
  if (!s.ok() && !s.IsNotFound()) return FromRocks(s, "read origin");
  const bool has_origin = s.ok();
  if (has_origin) {
    if (!options_.checkpoint_origin.empty() && options_.checkpoint_origin != recorded_origin) {
      return Status::InvalidArgument("this ledger's checkpoint origin is \"" + recorded_origin +
                                     "\", not \"" + options_.checkpoint_origin + "\"");
    }
    origin_ = recorded_origin;
  } else {
    origin_ = options_.checkpoint_origin.empty() ? kDefaultOrigin : options_.checkpoint_origin;
  }

  if (read_only) {
    // Readers need only the recorded verifier key.
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), meta_cf_));
    for (it->Seek(storage::kVerifierPrefix);
         it->Valid() && it->key().starts_with(storage::kVerifierPrefix); it->Next()) {
      verifier_key_string_ = it->value().ToString();
    }
    return Status::OK();
  }

  std::string path = options_.signing_key_path;
  if (path.empty()) {
    std::filesystem::path dir(options_.data_dir);
    if (!dir.has_filename()) dir = dir.parent_path();
    path = dir.string() + ".checkpoint-key";
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) {
      std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), checkpoints_cf_));
      it->SeekToFirst();
      if (it->Valid()) {
        // A new key could not sign anything consistent with what the lost one signed.
        return Status::InvalidArgument("this ledger has signed checkpoints but its development key " +
                                       path + " is missing; restore it or configure the key "
                                       "that signed them");
      }
      auto key = SigningKey::Generate(origin_);
      if (!key.ok()) return key.status();
      CL_RETURN_IF_ERROR(key->SaveToFile(path));
      std::ofstream pub(path + ".pub");
      pub << key->verifier().ToString() << "\n";
      log_->warn("no signing key configured: made a development checkpoint key at {} "
                 "(public key in {}.pub); configure one made by `caseledger keygen` for real use",
                 path, path);
    }
  }
  auto key = SigningKey::LoadFromFile(path);
  if (!key.ok()) return key.status().WithContext("checkpoint signing key " + path);
  signing_key_ = std::make_unique<SigningKey>(std::move(key).value());
  verifier_key_string_ = signing_key_->verifier().ToString();

  return Status::OK();
}

Status Ledger::Impl::RecordSigning() {
  // Only after LoadTree accepted the key: a refused open leaves the directory as it was.
  char id[9];
  std::snprintf(id, sizeof(id), "%08x", signing_key_->key_id());
  rocksdb::WriteBatch batch;
  batch.Put(meta_cf_, storage::kOriginKey, origin_);
  batch.Put(meta_cf_, std::string(storage::kVerifierPrefix) + id, verifier_key_string_);
  rocksdb::WriteOptions wo;
  wo.sync = true;
  return FromRocks(db_->Write(wo, &batch), "record the verifier key");
}

Status Ledger::Impl::LoadTree() {
  if (options_.benchmark_without_tree) return Status::OK();
  RocksSubtreeSource source(db_.get(), tree_cf_);
  auto range = CompactRange::FromSource(source, next_position_);
  if (!range.ok()) {
    return AsCorruption(range.status()).WithContext("rebuild the tree's right edge at size " +
                                                    std::to_string(next_position_));
  }
  range_ = std::move(range).value();

  // The newest checkpoint must agree with the tree: never sign anything inconsistent with it.
  last_checkpoint_size_ = 0;
  last_checkpoint_time_ = std::chrono::steady_clock::now();
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), checkpoints_cf_));
  it->SeekToLast();
  if (!it->status().ok()) return FromRocks(it->status(), "read the newest checkpoint");
  if (!it->Valid()) return Status::OK();
  const std::string note = it->value().ToString();
  Result<caseledger::Checkpoint> cp = Status::OK();
  if (signing_key_) {
    cp = ParseAndVerifyCheckpoint(note, signing_key_->verifier());
  } else if (!verifier_key_string_.empty()) {
    auto vk = VerifierKey::Parse(verifier_key_string_);
    if (!vk.ok()) return vk.status().WithContext("recorded verifier key");
    cp = ParseAndVerifyCheckpoint(note, *vk);
  } else {
    cp = ParseCheckpointUnverified(note);
  }
  auto refuse = [&](const std::string& why) {
    return Status::Corruption("the newest stored checkpoint " + why +
                              "; refusing to open so that no inconsistent checkpoint is signed "
                              "(run `caseledger verify`)");
  };
  if (!cp.ok()) return refuse("does not verify with this ledger's key: " + cp.status().message());
  if (cp->origin != origin_) return refuse("names origin \"" + cp->origin + "\"");
  if (it->key().size() != 8 || storage::GetU64BE(it->key().data()) != cp->size) {
    return refuse("is stored under another size than it states");
  }
  if (cp->size > next_position_) {
    return refuse("covers " + std::to_string(cp->size) + " events but the log holds " +
                  std::to_string(next_position_));
  }
  auto root = caseledger::RootAt(source, cp->size);
  if (!root.ok()) return AsCorruption(root.status());
  if (*root != cp->root) {
    return refuse("(size " + std::to_string(cp->size) + ") disagrees with the tree's root");
  }
  last_checkpoint_size_ = cp->size;
  return Status::OK();
}

Status Ledger::Impl::MaybeCheckpoint(const CompactRange& range, bool force,
                                     rocksdb::WriteBatch* batch, std::string* note,
                                     const StagedHeads* staged) {
  if (!signing_key_ || options_.benchmark_without_tree) return Status::OK();
  const uint64_t size = range.size();
  const auto now = std::chrono::steady_clock::now();
  // A directory from before the case-head map re-signs its newest size on demand, with the
  // heads line: the note at that size is replaced by one with the same root.
  const bool resign = force && heads_stale_ && size > 0;
  const bool due =
      (size > last_checkpoint_size_ || resign) &&
      (force || size - last_checkpoint_size_ >= options_.checkpoint_every_events ||
       now - last_checkpoint_time_ >= std::chrono::microseconds(options_.checkpoint_every_micros));
  if (!due) return Status::OK();
  std::vector<std::string> extensions;
  if (case_heads_cf_ != nullptr && !head_nodes_.empty()) {
    Hash256 heads_root;
    CL_RETURN_IF_ERROR(CommitCaseHeads(size, staged, batch, &heads_root));
    extensions.push_back(HeadsExtensionLine(heads_root));
    heads_stale_ = false;
  }
  auto signed_note = SignCheckpoint(*signing_key_, origin_, size, range.Root(), extensions);
  if (!signed_note.ok()) return signed_note.status();
  batch->Put(checkpoints_cf_, storage::LogKey(size), *signed_note);
  *note = std::move(signed_note).value();
  return Status::OK();
}

Result<std::string> Ledger::Impl::WriteCheckpointNow() {
  if ((range_.size() == last_checkpoint_size_ && !heads_stale_) || !signing_key_) {
    return GetCheckpoint(std::nullopt);
  }
  std::shared_lock<std::shared_mutex> l(db_mu_);
  rocksdb::WriteBatch batch;
  std::string note;
  CL_RETURN_IF_ERROR(MaybeCheckpoint(range_, /*force=*/true, &batch, &note));
  rocksdb::WriteOptions wo;
  wo.sync = true;
  Status s = FromRocks(db_->Write(wo, &batch), "write checkpoint");
  counters_.synced_writes.fetch_add(1, std::memory_order_relaxed);
  if (!s.ok()) {
    failed_ = s;
    return s;
  }
  last_checkpoint_size_ = range_.size();
  last_checkpoint_time_ = std::chrono::steady_clock::now();
  return note;
}

// ---------------------------------------------------------------------------------------------
// Reads

Result<std::string> Ledger::Impl::GetCheckpoint(std::optional<uint64_t> size) const {
  std::shared_lock<std::shared_mutex> l(db_mu_);
  CL_RETURN_IF_ERROR(CheckOpenLocked());
  if (size) {
    std::string note;
    auto s = db_->Get(rocksdb::ReadOptions(), checkpoints_cf_, storage::LogKey(*size), &note);
    if (s.IsNotFound()) return Status::NotFound("no checkpoint at size " + std::to_string(*size));
    if (!s.ok()) return FromRocks(s, "read checkpoint");
    return note;
  }
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), checkpoints_cf_));
  it->SeekToLast();
  if (!it->status().ok()) return FromRocks(it->status(), "read checkpoint");
  if (!it->Valid()) return Status::NotFound("no checkpoint yet");
  return it->value().ToString();
}

Result<std::vector<uint64_t>> Ledger::Impl::CheckpointSizes() const {
  std::shared_lock<std::shared_mutex> l(db_mu_);
  CL_RETURN_IF_ERROR(CheckOpenLocked());
  std::vector<uint64_t> sizes;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), checkpoints_cf_));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    if (it->key().size() == 8) sizes.push_back(storage::GetU64BE(it->key().data()));
  }
  if (!it->status().ok()) return FromRocks(it->status(), "list checkpoints");
  return sizes;
}

Result<Hash256> Ledger::Impl::RootAt(uint64_t size) const {
  if (size > this->size()) {
    return Status::InvalidArgument("the ledger holds " + std::to_string(this->size()) +
                                   " events, fewer than " + std::to_string(size));
  }
  std::shared_lock<std::shared_mutex> l(db_mu_);
  CL_RETURN_IF_ERROR(CheckOpenLocked());
  auto root = caseledger::RootAt(RocksSubtreeSource(db_.get(), tree_cf_), size);
  if (!root.ok()) return AsCorruption(root.status());
  return root;
}

Result<std::vector<Hash256>> Ledger::Impl::InclusionProof(uint64_t position, uint64_t size) const {
  if (size > this->size()) {
    return Status::InvalidArgument("the ledger holds " + std::to_string(this->size()) +
                                   " events, fewer than " + std::to_string(size));
  }
  std::shared_lock<std::shared_mutex> l(db_mu_);
  CL_RETURN_IF_ERROR(CheckOpenLocked());
  auto proof = caseledger::InclusionProof(RocksSubtreeSource(db_.get(), tree_cf_), position, size);
  if (!proof.ok()) return AsCorruption(proof.status());
  return proof;
}

Result<std::vector<Hash256>> Ledger::Impl::ConsistencyProof(uint64_t size1, uint64_t size2) const {
  if (size2 > this->size()) {
    return Status::InvalidArgument("the ledger holds " + std::to_string(this->size()) +
                                   " events, fewer than " + std::to_string(size2));
  }
  std::shared_lock<std::shared_mutex> l(db_mu_);
  CL_RETURN_IF_ERROR(CheckOpenLocked());
  auto proof = caseledger::ConsistencyProof(RocksSubtreeSource(db_.get(), tree_cf_), size1, size2);
  if (!proof.ok()) return AsCorruption(proof.status());
  return proof;
}

// ---------------------------------------------------------------------------------------------
// Ledger's public surface

Result<std::string> Ledger::Checkpoint() {
  if (impl_->options_.read_only) return Status::Unavailable("the ledger is open read-only");
  std::promise<Result<std::string>> promise;
  auto future = promise.get_future();
  auto req = std::make_unique<AppendRequest>();
  req->checkpoint_done = [&promise](Result<std::string> r) { promise.set_value(std::move(r)); };
  impl_->Submit(std::move(req));
  return future.get();
}

Result<std::string> Ledger::GetCheckpoint(std::optional<uint64_t> size) const {
  return impl_->GetCheckpoint(size);
}
Result<std::vector<uint64_t>> Ledger::CheckpointSizes() const { return impl_->CheckpointSizes(); }
std::string Ledger::VerifierKeyString() const { return impl_->verifier_key_string(); }
Result<Hash256> Ledger::RootAt(uint64_t size) const { return impl_->RootAt(size); }
Result<std::vector<Hash256>> Ledger::InclusionProof(uint64_t position, uint64_t size) const {
  return impl_->InclusionProof(position, size);
}
Result<std::vector<Hash256>> Ledger::ConsistencyProof(uint64_t size1, uint64_t size2) const {
  return impl_->ConsistencyProof(size1, size2);
}

}  // namespace caseledger
