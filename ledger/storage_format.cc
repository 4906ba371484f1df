#include "ledger/storage_format.h"

#include <cstring>

namespace caseledger::storage {

void PutU64BE(std::string* dst, uint64_t v) {
  char buf[8];
  for (int i = 7; i >= 0; --i) {
    buf[i] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
  dst->append(buf, 8);
}

uint64_t GetU64BE(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}

std::string LogKey(uint64_t position) {
  std::string k;
  PutU64BE(&k, position);
  return k;
}

std::string StreamPrefix(std::string_view case_id) {
  std::string k(case_id);
  k.push_back('\0');
  return k;
}

std::string StreamKey(std::string_view case_id, uint64_t version) {
  std::string k = StreamPrefix(case_id);
  PutU64BE(&k, version);
  return k;
}

std::string TreeKey(uint32_t level, uint64_t index) {
  std::string k(1, static_cast<char>(level));
  PutU64BE(&k, index);
  return k;
}

bool DecodeTreeKey(std::string_view key, uint32_t* level, uint64_t* index) {
  if (key.size() != 9) return false;
  *level = static_cast<uint8_t>(key[0]);
  *index = GetU64BE(key.data() + 1);
  return true;
}

std::string EncodeHead(const Head& head) {
  std::string v;
  v.reserve(48 + head.child_id.size());
  PutU64BE(&v, head.version);
  PutU64BE(&v, head.position);
  v.append(reinterpret_cast<const char*>(head.leaf_hash.data()), head.leaf_hash.size());
  v.append(head.child_id);
  return v;
}

bool DecodeHead(std::string_view value, Head* head) {
  if (value.size() < 48) return false;
  head->version = GetU64BE(value.data());
  head->position = GetU64BE(value.data() + 8);
  std::memcpy(head->leaf_hash.data(), value.data() + 16, 32);
  head->child_id.assign(value.substr(48));
  return true;
}

std::string EncodeIdempotency(const IdempotencyRecord& rec) {
  std::string v;
  PutU64BE(&v, rec.position);
  v.append(reinterpret_cast<const char*>(rec.digest.data()), rec.digest.size());
  return v;
}

bool DecodeIdempotency(std::string_view value, IdempotencyRecord* rec) {
  if (value.size() != 40) return false;
  rec->position = GetU64BE(value.data());
  std::memcpy(rec->digest.data(), value.data() + 8, 32);
  return true;
}

}  // namespace caseledger::storage
