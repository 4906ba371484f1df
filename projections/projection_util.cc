// Key encodings, digests and cross-case counts of the projection store.
#include <rocksdb/db.h>

#include <cstring>

#include "projections/projection_internal.h"

namespace caseledger::projections::internal {

std::string BigEndian64(uint64_t v) {
  std::string out(8, '\0');
  for (int i = 7; i >= 0; --i) {
    out[i] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
  return out;
}

uint64_t ReadBigEndian64(std::string_view bytes) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8 && i < bytes.size(); ++i) v = (v << 8) | static_cast<uint8_t>(bytes[i]);
  return v;
}

DigestBuilder::DigestBuilder() : ctx_(EVP_MD_CTX_new()) {
  EVP_DigestInit_ex(ctx_, EVP_sha256(), nullptr);
}

DigestBuilder::~DigestBuilder() { EVP_MD_CTX_free(ctx_); }

void DigestBuilder::Field(std::string_view bytes) {
  const std::string length = BigEndian64(bytes.size());
  EVP_DigestUpdate(ctx_, length.data(), length.size());
  EVP_DigestUpdate(ctx_, bytes.data(), bytes.size());
}

void DigestBuilder::AddFamily(std::string_view name) {
  EVP_DigestUpdate(ctx_, "F", 1);
  Field(name);
}

void DigestBuilder::Add(std::string_view key, std::string_view value) {
  EVP_DigestUpdate(ctx_, "K", 1);
  Field(key);
  Field(value);
}

Hash256 DigestBuilder::Finish() {
  Hash256 out{};
  unsigned int size = 0;
  EVP_DigestFinal_ex(ctx_, out.data(), &size);
  return out;
}

bool IsCaseStream(std::string_view case_id) {
  // "access:<case>" holds the server's access records (docs/wire_protocol.md).
  return case_id.rfind("access:", 0) != 0;
}

namespace {

// Due times may be negative in principle; flip the sign bit so they sort as unsigned.
std::string DueBytes(int64_t due) {
  return BigEndian64(static_cast<uint64_t>(due) ^ (uint64_t{1} << 63));
}

}  // namespace

std::string DueKey(const std::string& case_id, const compliance::Obligation& o) {
  std::string key = DueBytes(o.due_at.value_or(0));
  key += case_id;
  key.push_back('\0');
  key += o.rule_id;
  key.push_back('\0');
  key += o.limit_name;
  key.push_back('\0');
  key += BigEndian64(o.trigger_position);
  return key;
}

bool ParseDueKey(std::string_view key, DueKeyParts* parts) {
  if (key.size() < 8 + 3 + 8) return false;
  parts->due = static_cast<int64_t>(ReadBigEndian64(key.substr(0, 8)) ^ (uint64_t{1} << 63));
  parts->trigger_position = ReadBigEndian64(key.substr(key.size() - 8));
  std::string_view middle = key.substr(8, key.size() - 16);
  const size_t a = middle.find('\0');
  if (a == std::string_view::npos) return false;
  const size_t b = middle.find('\0', a + 1);
  if (b == std::string_view::npos || middle.back() != '\0') return false;
  parts->case_id = std::string(middle.substr(0, a));
  parts->rule_id = std::string(middle.substr(a + 1, b - a - 1));
  parts->limit_name = std::string(middle.substr(b + 1, middle.size() - b - 2));
  return true;
}

std::string GroupCountKey(uint64_t position, std::string_view rule_id, std::string_view key) {
  std::string out = BigEndian64(position);
  out += rule_id;
  out.push_back('\0');
  out += key;
  return out;
}

namespace {

std::string GroupName(std::string_view rule_id, std::string_view key) {
  std::string g(rule_id);
  g.push_back('\0');
  g += key;
  return g;
}

}  // namespace

int64_t StoreCounts::Join(std::string_view rule_id, std::string_view key,
                          std::string_view case_id, uint64_t position) {
  const std::string group = GroupName(rule_id, key);
  auto& cases = members_[group];
  cases.insert(std::string(case_id));
  membership_changes_[group + '\0' + std::string(case_id)] = true;
  const auto count = static_cast<int64_t>(cases.size());
  counts_seen_[GroupCountKey(position, rule_id, key)] = count;
  return count;
}

void StoreCounts::Leave(std::string_view rule_id, std::string_view key, std::string_view case_id,
                        uint64_t /*position*/) {
  const std::string group = GroupName(rule_id, key);
  auto it = members_.find(group);
  if (it != members_.end()) {
    it->second.erase(std::string(case_id));
    if (it->second.empty()) members_.erase(it);
  }
  membership_changes_[group + '\0' + std::string(case_id)] = false;
}

void StoreCounts::Load(std::string_view stored_key) {
  // rule 0 key 0 case
  const size_t a = stored_key.find('\0');
  const size_t b = a == std::string_view::npos ? a : stored_key.find('\0', a + 1);
  if (b == std::string_view::npos) return;
  members_[std::string(stored_key.substr(0, b))].insert(std::string(stored_key.substr(b + 1)));
}

void StoreCounts::Clear() {
  members_.clear();
  membership_changes_.clear();
  counts_seen_.clear();
}

void StoreCounts::Flush(rocksdb::WriteBatch* batch, rocksdb::ColumnFamilyHandle* groups,
                        rocksdb::ColumnFamilyHandle* group_counts) {
  for (const auto& [key, joined] : membership_changes_) {
    if (joined) {
      batch->Put(groups, key, "");
    } else {
      batch->Delete(groups, key);
    }
  }
  for (const auto& [key, count] : counts_seen_) {
    batch->Put(group_counts, key, BigEndian64(static_cast<uint64_t>(count)));
  }
  membership_changes_.clear();
  counts_seen_.clear();
}

int64_t ReplayCounts::Join(std::string_view rule_id, std::string_view key,
                           std::string_view /*case_id*/, uint64_t position) {
  std::string value;
  auto s = db_->Get(rocksdb::ReadOptions(), group_counts_, GroupCountKey(position, rule_id, key),
                    &value);
  // A join the store has not folded yet (a replay ahead of the projection) counts only this
  // case: the cap is then checked when the projection reaches it.
  if (!s.ok() || value.size() != 8) return 1;
  return static_cast<int64_t>(ReadBigEndian64(value));
}

}  // namespace caseledger::projections::internal
