// The ledger's keys at open, unsealing, erasure state and master key rotation
// (docs/storage_format.md, "Keys" and "Erasure"). What the writer does with them is in
// keys_writer.cc.
#include <rocksdb/write_batch.h>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <future>

#include "ledger/ledger_impl.h"
#include "ledger/rocks_status.h"

namespace caseledger {

using detail::FromRocks;

namespace storage {

std::string EncodeErasure(const ErasureMarker& m) {
  std::string v;
  PutU64BE(&v, m.position);
  for (int i = 3; i >= 0; --i) v.push_back(static_cast<char>((m.generation >> (8 * i)) & 0xff));
  v.push_back(m.purged ? 1 : 0);
  return v;
}

bool DecodeErasure(std::string_view value, ErasureMarker* m) {
  if (value.size() != 13 || static_cast<uint8_t>(value[12]) > 1) return false;
  m->position = GetU64BE(value.data());
  m->generation = 0;
  for (int i = 0; i < 4; ++i)
    m->generation = (m->generation << 8) | static_cast<uint8_t>(value[8 + i]);
  m->purged = value[12] == 1;
  return true;
}

std::string HoldPrefix(std::string_view child_id) {
  std::string k(child_id);
  k.push_back('\0');
  return k;
}

std::string HoldKey(std::string_view child_id, std::string_view case_id, std::string_view hold_id) {
  std::string k = HoldPrefix(child_id);
  k.append(case_id);
  k.push_back('\0');
  k.append(hold_id);
  return k;
}

}  // namespace storage

// ---------------------------------------------------------------------------------------------
// Open

Status Ledger::Impl::SetUpMasterKey() {
  if (keyring_.current()) return Status::OK();  // a reopen after a failure keeps its key
  std::string recorded;
  auto s = db_->Get(rocksdb::ReadOptions(), meta_cf_, storage::kMasterKeyIdKey, &recorded);
  if (!s.ok() && !s.IsNotFound()) return FromRocks(s, "read the master key id");
  const bool has_recorded = s.ok();

  std::string path = options_.master_key_path;
  bool chosen = !path.empty();
  if (path.empty()) {
    const char* env = std::getenv(kMasterKeyEnv);
    if (env != nullptr && *env != '\0') path = env;
    chosen = !path.empty();
  }
  if (path.empty()) path = DefaultMasterKeyPath(options_.data_dir);
  CL_RETURN_IF_ERROR(CheckKeyOutsideDataDir(path, options_.data_dir));

  Result<MasterKey> key = MasterKey::LoadFromFile(path);
  if (!key.ok() && key.status().IsNotFound()) {
    if (chosen) return key.status();      // a key named but missing is a mistake, even to read
    if (read_only_) return Status::OK();  // reads and proofs need no key; Unseal says so
    if (has_recorded) {
      return Status::InvalidArgument("this ledger's master key (fingerprint " + recorded +
                                     ") is not at " + path +
                                     "; restore it, or name its file "
                                     "with --master-key or " +
                                     kMasterKeyEnv);
    }
    key = MasterKey::Generate();
    if (!key.ok()) return key.status();
    CL_RETURN_IF_ERROR(key->SaveToFile(path));
    log_->warn(
        "no master key configured: made a development master key at {} (fingerprint {}); "
        "configure one made by `caseledger keys new` for real use",
        path, key->fingerprint_hex());
  } else if (!key.ok()) {
    return key.status();
  }
  if (has_recorded && recorded != key->fingerprint_hex()) {
    return Status::InvalidArgument(
        "master key " + path + " does not match this ledger (fingerprint " +
        key->fingerprint_hex() + "; the ledger's master key is " + recorded + ")");
  }
  if (!has_recorded && !read_only_) {
    rocksdb::WriteOptions wo;
    wo.sync = true;
    s = db_->Put(wo, meta_cf_, storage::kMasterKeyIdKey, key->fingerprint_hex());
    if (!s.ok()) return FromRocks(s, "record the master key id");
  }
  keyring_.SetCurrent(std::make_shared<const MasterKey>(std::move(key).value()));
  return Status::OK();
}

Status Ledger::Impl::BuildHoldsIndex() {
  std::string done;
  auto s = db_->Get(rocksdb::ReadOptions(), meta_cf_, storage::kHoldsIndexKey, &done);
  if (s.ok()) return Status::OK();
  if (!s.IsNotFound()) return FromRocks(s, "read the holds index marker");
  // A directory from before the index: one pass over the log, in order, so that a release
  // deletes what its hold put.
  rocksdb::WriteBatch batch;
  size_t holds = 0;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), log_cf_));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    if (it->key().size() != 8) return Status::Corruption("log key of wrong size in the log");
    const uint64_t pos = storage::GetU64BE(it->key().data());
    auto ev = StoredEvent::FromBytes(pos, it->value().ToStringView());
    if (!ev.ok()) return ev.status();
    auto r = ev->reader();
    auto body = r.getBody();
    if (body.which() == schema::Event::Body::LEGAL_HOLD_APPLIED) {
      batch.Put(holds_cf_,
                storage::HoldKey(r.getChildId().cStr(), r.getCaseId().cStr(),
                                 body.getLegalHoldApplied().getHoldId().cStr()),
                storage::LogKey(pos));
      ++holds;
    } else if (body.which() == schema::Event::Body::LEGAL_HOLD_RELEASED) {
      batch.Delete(holds_cf_, storage::HoldKey(r.getChildId().cStr(), r.getCaseId().cStr(),
                                               body.getLegalHoldReleased().getHoldId().cStr()));
    }
  }
  if (!it->status().ok()) return FromRocks(it->status(), "read the log for legal holds");
  batch.Put(meta_cf_, storage::kHoldsIndexKey, "1");
  rocksdb::WriteOptions wo;
  wo.sync = true;
  CL_RETURN_IF_ERROR(FromRocks(db_->Write(wo, &batch), "write the holds index"));
  if (holds > 0)
    log_->info("indexed {} legal holds of a directory from before the holds index", holds);
  return Status::OK();
}

Status Ledger::Impl::ResumePurges() {
  std::vector<std::string> pending;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), erasures_cf_));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    storage::ErasureMarker m;
    if (!storage::DecodeErasure(it->value().ToStringView(), &m)) {
      return Status::Corruption("erasure marker of child \"" + it->key().ToString() +
                                "\" is malformed");
    }
    if (!m.purged) pending.push_back(it->key().ToString());
  }
  if (!it->status().ok()) return FromRocks(it->status(), "read erasure markers");
  std::string rotated;
  auto s = db_->Get(rocksdb::ReadOptions(), meta_cf_, storage::kKeysPurgePendingKey, &rotated);
  if (!s.ok() && !s.IsNotFound()) return FromRocks(s, "read the key purge marker");
  if (pending.empty() && s.IsNotFound()) return Status::OK();
  log_->warn(
      "finishing a purge of destroyed or rewrapped data keys ({} erasures) that a stop "
      "interrupted",
      pending.size());
  return PurgeKeysLocked(pending);
}

// Flushing every column family moves everything older into table files, so the write-ahead
// logs before it are obsolete and deleted (never archived: OpenDb sets WAL_ttl_seconds and
// WAL_size_limit_MB to 0). Compacting child_keys to its last level then rewrites its table
// files without deleted or overwritten records. Caller holds db_mu_ (shared is enough).
Status Ledger::Impl::PurgeKeysLocked(const std::vector<std::string>& children) {
  rocksdb::FlushOptions fo;
  fo.wait = true;
  fo.allow_write_stall = true;
  CL_RETURN_IF_ERROR(FromRocks(db_->Flush(fo, handles_), "flush before purging keys"));
  rocksdb::CompactRangeOptions co;
  co.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
  CL_RETURN_IF_ERROR(
      FromRocks(db_->CompactRange(co, child_keys_cf_, nullptr, nullptr), "compact the child keys"));
  rocksdb::WriteBatch batch;
  batch.Delete(meta_cf_, storage::kKeysPurgePendingKey);
  for (const auto& child : children) {
    std::string value;
    auto s = db_->Get(rocksdb::ReadOptions(), erasures_cf_, child, &value);
    if (s.IsNotFound()) continue;
    if (!s.ok()) return FromRocks(s, "read an erasure marker");
    storage::ErasureMarker m;
    if (!storage::DecodeErasure(value, &m))
      return Status::Corruption("erasure marker is malformed");
    m.purged = true;
    batch.Put(erasures_cf_, child, storage::EncodeErasure(m));
  }
  rocksdb::WriteOptions wo;
  wo.sync = true;
  return FromRocks(db_->Write(wo, &batch), "mark erasures purged");
}

Status Ledger::Impl::PurgeKeys(const std::vector<std::string>& children) {
  std::shared_lock<std::shared_mutex> l(db_mu_);
  CL_RETURN_IF_ERROR(CheckOpenLocked());
  return PurgeKeysLocked(children);
}

// ---------------------------------------------------------------------------------------------
// Reads

Result<bool> Ledger::Impl::IsErased(std::string_view child_id) const {
  std::shared_lock<std::shared_mutex> l(db_mu_);
  CL_RETURN_IF_ERROR(CheckOpenLocked());
  if (erasures_cf_ == nullptr) return false;
  std::string value;
  auto s = db_->Get(rocksdb::ReadOptions(), erasures_cf_,
                    rocksdb::Slice(child_id.data(), child_id.size()), &value);
  if (s.IsNotFound()) return false;
  if (!s.ok()) return FromRocks(s, "read an erasure marker");
  return true;
}

Result<UnsealedPersonal> Ledger::Impl::Unseal(const StoredEvent& event) const {
  auto r = event.reader();
  UnsealedPersonal out;
  if (!r.hasSealed() || r.getSealed().size() == 0) return out;
  auto data = r.getSealed();
  const std::span<const uint8_t> sealed(data.begin(), data.size());
  const std::string where = "event at position " + std::to_string(event.position());
  Result<SealedHeader> header = ParseSealed(sealed);
  if (!header.ok()) return header.status().WithContext(where);
  const std::string child(r.getChildId().cStr(), r.getChildId().size());
  // An erased child's data reads as erased, even where it was written unencrypted (scheme
  // 0x00, before keys) and so is still in the log.
  Result<bool> erased = IsErased(child);
  if (!erased.ok()) return erased.status();
  if (*erased) {
    out.state = UnsealedPersonal::State::kErased;
    return out;
  }
  if (header->scheme == kSealedUnencrypted) {
    // Written before encryption (docs/storage_format.md): readable as it is.
    if ((sealed.size() - 1) % 8 != 0) {
      return Status::Corruption(where + ": unencrypted sealed section is not whole words");
    }
    out.state = UnsealedPersonal::State::kOpen;
    out.canonical.assign(reinterpret_cast<const char*>(sealed.data()) + 1, sealed.size() - 1);
    return out;
  }
  const std::string event_id(reinterpret_cast<const char*>(r.getEventId().begin()),
                             r.getEventId().size());
  std::string value;
  {
    std::shared_lock<std::shared_mutex> l(db_mu_);
    CL_RETURN_IF_ERROR(CheckOpenLocked());
    if (child_keys_cf_ == nullptr) {
      return Status::Corruption(where + " is sealed, but the directory has no data keys");
    }
    auto s = db_->Get(rocksdb::ReadOptions(), child_keys_cf_, child, &value);
    if (s.IsNotFound()) {
      // An erasure that committed after the check above destroyed it.
      std::string marker;
      if (erasures_cf_ != nullptr &&
          db_->Get(rocksdb::ReadOptions(), erasures_cf_, child, &marker).ok()) {
        out.state = UnsealedPersonal::State::kErased;
        return out;
      }
      return Status::Corruption(where + " is sealed, but the data key of child \"" + child +
                                "\" is missing and no erasure is recorded");
    }
    if (!s.ok()) return FromRocks(s, "read a data key");
  }
  Result<WrappedDataKey> wrapped = DecodeWrappedDataKey(value);
  if (!wrapped.ok()) return wrapped.status().WithContext(where);
  std::shared_ptr<const MasterKey> master = keyring_.Find(wrapped->master_fingerprint);
  if (!master) {
    if (!keyring_.current()) {
      return Status::InvalidArgument(
          "no master key is loaded: open the ledger with --master-key "
          "FILE (or " +
          std::string(kMasterKeyEnv) + ") to unseal");
    }
    master = keyring_.current();  // UnwrapDataKey names both fingerprints
  }
  Result<DataKey> key = UnwrapDataKey(*master, child, *wrapped);
  if (!key.ok()) return key.status().WithContext(where);
  if (key->generation != header->generation) {
    return Status::Corruption(where + " is sealed with data key generation " +
                              std::to_string(header->generation) + ", but child \"" + child +
                              "\" has generation " + std::to_string(key->generation));
  }
  Result<std::string> plain = OpenPersonal(key->key, event_id, child, sealed);
  if (!plain.ok()) return plain.status().WithContext(where);
  if (plain->size() % 8 != 0) return Status::Corruption(where + ": sealed data is not whole words");
  out.state = UnsealedPersonal::State::kOpen;
  out.canonical = std::move(plain).value();
  return out;
}

// ---------------------------------------------------------------------------------------------
// Public surface

Result<UnsealedPersonal> Ledger::Unseal(const StoredEvent& event) const {
  return impl_->Unseal(event);
}

Result<bool> Ledger::IsErased(std::string_view child_id) const { return impl_->IsErased(child_id); }

std::string Ledger::MasterKeyFingerprint() const {
  auto key = impl_->keyring_.current();
  return key ? key->fingerprint_hex() : std::string();
}

Status Ledger::RotateMasterKey(const std::string& new_master_key_path) {
  if (impl_->options_.read_only) return Status::Unavailable("the ledger is open read-only");
  CL_RETURN_IF_ERROR(CheckKeyOutsideDataDir(new_master_key_path, impl_->options_.data_dir));
  Result<MasterKey> key = MasterKey::LoadFromFile(new_master_key_path);
  if (!key.ok()) return key.status();
  auto current = impl_->keyring_.current();
  if (current && current->fingerprint() == key->fingerprint()) {
    return Status::InvalidArgument("master key " + new_master_key_path +
                                   " is already this ledger's master key");
  }
  auto req = std::make_unique<AppendRequest>();
  req->rotate_to = std::make_shared<const MasterKey>(std::move(key).value());
  std::promise<Status> promise;
  auto future = promise.get_future();
  req->done = [&promise](Result<AppendResult> r) { promise.set_value(r.status()); };
  impl_->Submit(std::move(req));
  Status s = future.get();
  if (s.ok()) {
    impl_->log_->info("master key rotated to fingerprint {}", MasterKeyFingerprint());
  }
  return s;
}

}  // namespace caseledger
