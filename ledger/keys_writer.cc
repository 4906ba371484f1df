// The writer's part of sealing and erasure (docs/storage_format.md, "Sealed personal data",
// "Keys", "Erasure"): on the stager thread, with db_mu_ held shared, each request's personal
// data is sealed under its child's data key (made on the child's first personal data), and
// its legal holds and executed erasures are checked and staged, all before any other write
// of the request, so that a refusal leaves nothing in the group's batch.
#include <openssl/crypto.h>
#include <openssl/hmac.h>
#include <rocksdb/write_batch.h>
#include <spdlog/spdlog.h>

#include <cstdlib>

#include "ledger/ledger_impl.h"
#include "ledger/rocks_status.h"

namespace caseledger {

using detail::FromRocks;
using detail::GroupKeys;

namespace {

using HoldState = std::map<std::string, std::optional<uint64_t>>;

void ApplyHolds(const HoldState& changes, std::string_view prefix, HoldState* state) {
  for (auto it = changes.lower_bound(std::string(prefix));
       it != changes.end() && std::string_view(it->first).starts_with(prefix); ++it) {
    (*state)[it->first] = it->second;
  }
}

// "hold H of case C (applied at position P)" from a holds key and value.
std::string DescribeHold(std::string_view key, std::string_view prefix, uint64_t position) {
  std::string_view rest = key.substr(prefix.size());
  const size_t zero = rest.find('\0');
  const std::string_view case_id = rest.substr(0, zero);
  const std::string_view hold_id = zero == std::string_view::npos ? "" : rest.substr(zero + 1);
  return "legal hold \"" + std::string(hold_id) + "\" of case \"" + std::string(case_id) +
         "\" (applied at position " + std::to_string(position) + ")";
}

// HMAC-SHA256(data key, "caseledger idempotency" || digest).
Hash256 KeyedDigest(const SecretKey& key, const Hash256& digest) {
  std::string input = "caseledger idempotency";
  input.append(reinterpret_cast<const char*>(digest.data()), digest.size());
  Hash256 out{};
  unsigned int len = 0;
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(input.data()), input.size(), out.data(),
           &len) == nullptr ||
      len != out.size()) {
    std::abort();  // SHA-256 HMAC over memory cannot fail but for a broken library
  }
  return out;
}

}  // namespace

Result<Hash256> Ledger::Impl::IdempotencyDigest(const PreparedEvent& pe, const GroupKeys& mine,
                                                const std::vector<const GroupKeys*>& older) const {
  if (pe.personal.empty()) return pe.digest;
  auto key = FindDataKey(pe.child_id, mine, older);
  if (!key.ok()) return key.status();
  if (!*key) {
    auto erased = FindErasure(pe.child_id, mine, older);
    if (!erased.ok()) return erased.status();
    if (*erased) {
      return Status::InvalidArgument("event id " + ToHex(AsBytes(pe.event_id)) +
                                     " is already stored, and the personal data of child \"" +
                                     pe.child_id +
                                     "\" was erased since: a retry cannot be matched");
    }
    // No key: the stored event was written unencrypted (scheme 0x00, before keys), with the
    // unkeyed digest.
    return pe.digest;
  }
  return KeyedDigest((*key)->key, pe.digest);
}

Result<std::optional<DataKey>> Ledger::Impl::FindDataKey(
    const std::string& child_id, const GroupKeys& mine,
    const std::vector<const GroupKeys*>& older) const {
  if (auto it = mine.keys.find(child_id); it != mine.keys.end()) return it->second;
  for (const GroupKeys* g : older) {
    if (auto it = g->keys.find(child_id); it != g->keys.end()) return it->second;
  }
  std::string value;
  auto s = db_->Get(rocksdb::ReadOptions(), child_keys_cf_, child_id, &value);
  if (s.IsNotFound()) return std::optional<DataKey>();
  if (!s.ok()) return FromRocks(s, "read a data key");
  Result<WrappedDataKey> wrapped = DecodeWrappedDataKey(value);
  if (!wrapped.ok()) return wrapped.status();
  auto master = keyring_.Find(wrapped->master_fingerprint);
  if (!master) master = keyring_.current();
  if (!master) return Status::Unavailable("no master key is loaded");
  Result<DataKey> key = UnwrapDataKey(*master, child_id, *wrapped);
  if (!key.ok()) return key.status();
  return std::optional<DataKey>(std::move(key).value());
}

Result<std::optional<storage::ErasureMarker>> Ledger::Impl::FindErasure(
    const std::string& child_id, const GroupKeys& mine,
    const std::vector<const GroupKeys*>& older) const {
  if (auto it = mine.erased.find(child_id); it != mine.erased.end()) return {it->second};
  for (const GroupKeys* g : older) {
    if (auto it = g->erased.find(child_id); it != g->erased.end()) return {it->second};
  }
  std::string value;
  auto s = db_->Get(rocksdb::ReadOptions(), erasures_cf_, child_id, &value);
  if (s.IsNotFound()) return std::optional<storage::ErasureMarker>();
  if (!s.ok()) return FromRocks(s, "read an erasure marker");
  storage::ErasureMarker m;
  if (!storage::DecodeErasure(value, &m)) {
    return Status::Corruption("erasure marker of child \"" + child_id + "\" is malformed");
  }
  return std::optional<storage::ErasureMarker>(m);
}

Status Ledger::Impl::StageKeys(AppendRequest& req, uint64_t first_position,
                               rocksdb::WriteBatch* batch, GroupKeys* mine,
                               const std::vector<const GroupKeys*>& older) {
  const std::string& child = req.events.front()->child_id;  // one child per append (Prepare)
  const std::string prefix = storage::HoldPrefix(child);

  // 1. Checks, with no side effect.
  HoldState local_holds;              // this request's holds, in order
  std::optional<uint64_t> erased_at;  // an executed erasure in this request
  std::optional<std::optional<storage::ErasureMarker>> stored_erasure;  // looked up once
  auto erasure = [&]() -> Result<std::optional<storage::ErasureMarker>> {
    if (!stored_erasure) {
      auto e = FindErasure(child, *mine, older);
      if (!e.ok()) return e.status();
      stored_erasure = *e;
    }
    return *stored_erasure;
  };
  bool needs_key = false;
  for (size_t i = 0; i < req.events.size(); ++i) {
    PreparedEvent& pe = *req.events[i];
    const uint64_t position = first_position + i;
    auto body = pe.message.getRoot<schema::Event>().asReader().getBody();
    switch (body.which()) {
      case schema::Event::Body::LEGAL_HOLD_APPLIED:
        local_holds[storage::HoldKey(child, req.case_id,
                                     body.getLegalHoldApplied().getHoldId().cStr())] = position;
        break;
      case schema::Event::Body::LEGAL_HOLD_RELEASED:
        local_holds[storage::HoldKey(
            child, req.case_id, body.getLegalHoldReleased().getHoldId().cStr())] = std::nullopt;
        break;
      case schema::Event::Body::ERASURE_DECIDED: {
        if (body.getErasureDecided().getDecision() != schema::ErasureDecided::Decision::EXECUTED)
          break;
        // Every hold on any case of the child: stored, staged in earlier groups (oldest
        // first), in this group, and in this request before this event.
        HoldState holds;
        std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), holds_cf_));
        for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
          if (it->value().size() != 8) return Status::Corruption("legal hold entry is malformed");
          holds[it->key().ToString()] = storage::GetU64BE(it->value().data());
        }
        if (!it->status().ok()) return FromRocks(it->status(), "read legal holds");
        for (auto g = older.rbegin(); g != older.rend(); ++g)
          ApplyHolds((*g)->holds, prefix, &holds);
        ApplyHolds(mine->holds, prefix, &holds);
        ApplyHolds(local_holds, prefix, &holds);
        for (const auto& [key, applied] : holds) {
          if (!applied) continue;
          return Status::InvalidArgument(
              "event " + std::to_string(i) + " executes the erasure of child \"" + child +
              "\", but " + DescribeHold(key, prefix, *applied) +
              " is not released; erasure under a legal hold is refused (GDPR Art 17(3)(e))");
        }
        erased_at = position;
        if (auto e = erasure(); !e.ok()) return e.status();  // step 3 must not fail
        break;
      }
      default:
        break;
    }
    if (pe.personal.empty()) continue;
    if (erased_at) {
      return Status::InvalidArgument("event " + std::to_string(i) +
                                     " carries personal data of child \"" + child +
                                     "\" after its erasure earlier in the same append");
    }
    auto e = erasure();
    if (!e.ok()) return e.status();
    if (*e) {
      return Status::InvalidArgument(
          "the personal data of child \"" + child + "\" was erased (decision at position " +
          std::to_string((*e)->position) + "); new personal data for this child is refused");
    }
    needs_key = true;
  }

  // 2. Seal. The sealed sections were sized by Prepare; a failure here leaves the batch as it
  // was (only this request's own messages change).
  std::optional<DataKey> key;
  std::string new_wrapped;
  if (needs_key) {
    auto found = FindDataKey(child, *mine, older);
    if (!found.ok()) return found.status().WithContext("child \"" + child + "\"");
    key = std::move(found).value();
    if (!key) {
      auto master = keyring_.current();
      if (!master) return Status::Unavailable("no master key is loaded");
      Result<SecretKey> fresh = SecretKey::Random();
      if (!fresh.ok()) return fresh.status();
      key = DataKey{1, *fresh};
      Result<WrappedDataKey> wrapped = WrapDataKey(*master, child, *key);
      if (!wrapped.ok()) return wrapped.status();
      new_wrapped = EncodeWrappedDataKey(*wrapped);
    }
    for (auto& pe : req.events) {
      if (pe->personal.empty()) continue;
      auto sealed = pe->message.getRoot<schema::Event>().getSealed();
      CL_RETURN_IF_ERROR(SealPersonal(key->key, key->generation, pe->event_id, child,
                                      AsBytes(pe->personal), {sealed.begin(), sealed.size()}));
      pe->digest = KeyedDigest(key->key, pe->digest);
      OPENSSL_cleanse(pe->personal.data(), pe->personal.size());
      pe->personal.clear();
    }
  }

  // 3. Side effects: nothing below can fail.
  if (!new_wrapped.empty()) {
    batch->Put(child_keys_cf_, child, new_wrapped);
    mine->keys[child] = key;
  }
  for (const auto& [hold, applied] : local_holds) {
    if (applied) {
      batch->Put(holds_cf_, hold, storage::LogKey(*applied));
    } else {
      batch->Delete(holds_cf_, hold);
    }
    mine->holds[hold] = applied;
  }
  if (erased_at) {
    const std::optional<storage::ErasureMarker>& already = *stored_erasure;  // step 1 looked
    if (!already) {
      auto current = FindDataKey(child, *mine, older);
      storage::ErasureMarker marker;
      marker.position = *erased_at;
      marker.generation = current.ok() && *current ? (*current)->generation : 0;
      batch->Delete(child_keys_cf_, child);
      batch->Put(erasures_cf_, child, storage::EncodeErasure(marker));
      mine->keys[child] = std::nullopt;
      mine->erased[child] = marker;
      mine->purge = true;
    }
  }
  return Status::OK();
}

Result<AppendResult> Ledger::Impl::StageRotation(AppendRequest& req, rocksdb::WriteBatch* batch,
                                                 GroupKeys* mine,
                                                 const std::vector<const GroupKeys*>& older) {
  const std::shared_ptr<const MasterKey>& next = req.rotate_to;
  auto current = keyring_.current();
  if (current && current->fingerprint() == next->fingerprint()) {
    return Status::InvalidArgument("that master key is already this ledger's master key");
  }
  // Every data key as staged: stored, then the earlier groups (oldest first), then this one.
  std::map<std::string, std::optional<DataKey>> keys;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), child_keys_cf_));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    const std::string child = it->key().ToString();
    Result<WrappedDataKey> wrapped = DecodeWrappedDataKey(it->value().ToStringView());
    if (!wrapped.ok()) return wrapped.status().WithContext("child \"" + child + "\"");
    auto master = keyring_.Find(wrapped->master_fingerprint);
    if (!master) master = current;
    if (!master) return Status::Unavailable("no master key is loaded");
    Result<DataKey> key = UnwrapDataKey(*master, child, *wrapped);
    if (!key.ok()) return key.status();
    keys[child] = std::move(key).value();
  }
  if (!it->status().ok()) return FromRocks(it->status(), "read the data keys");
  for (auto g = older.rbegin(); g != older.rend(); ++g) {
    for (const auto& [child, key] : (*g)->keys) keys[child] = key;
  }
  for (const auto& [child, key] : mine->keys) keys[child] = key;

  std::vector<std::pair<std::string, std::string>> puts;
  for (const auto& [child, key] : keys) {
    if (!key) continue;
    Result<WrappedDataKey> wrapped = WrapDataKey(*next, child, *key);
    if (!wrapped.ok()) return wrapped.status();
    puts.emplace_back(child, EncodeWrappedDataKey(*wrapped));
  }
  // Nothing below can fail.
  for (const auto& [child, value] : puts) batch->Put(child_keys_cf_, child, value);
  batch->Put(meta_cf_, storage::kMasterKeyIdKey, next->fingerprint_hex());
  batch->Put(meta_cf_, storage::kKeysPurgePendingKey, "1");
  if (!mine->previous_master) mine->previous_master = current;
  mine->purge = true;
  keyring_.SetCurrent(next);
  log_->info("rewrapping {} data keys under master key {}", puts.size(), next->fingerprint_hex());
  return AppendResult{};
}

void Ledger::Impl::AfterKeysWrite(GroupKeys& keys, const Status& write_status) {
  if (!write_status.ok()) {
    // The rotation did not happen: the stored keys are still wrapped by the previous key.
    if (keys.previous_master) keyring_.SetCurrent(keys.previous_master);
    return;
  }
  if (!keys.purge) return;
  std::vector<std::string> children;
  for (const auto& [child, marker] : keys.erased) children.push_back(child);
  Status s = PurgeKeys(children);
  if (!s.ok()) {
    // The markers stay unpurged; the next open finishes the purge.
    log_->error("purging destroyed data keys failed (retried at the next open): {}", s.ToString());
  }
}

}  // namespace caseledger
