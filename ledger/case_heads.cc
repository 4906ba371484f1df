// The case-head map's hashing (grammar in case_heads.h and docs/verification.md).
#include "ledger/case_heads.h"

#include <algorithm>
#include <array>

#include "ledger/checkpoint.h"
#include "ledger/storage_format.h"

namespace caseledger {

namespace {

// Domain separation: 0x00 and 0x01 are RFC 6962's leaf and node prefixes; a bucket hash can
// be neither a leaf nor a node of the log's tree. PERSISTED: never change.
constexpr uint8_t kBucketPrefix = 0x02;

void AppendEntry(std::string* out, const HeadEntry& e) {
  out->push_back(static_cast<char>(e.case_id.size()));
  out->append(e.case_id);
  storage::PutU64BE(out, e.head_version);
  out->append(reinterpret_cast<const char*>(e.head_leaf_hash.data()), e.head_leaf_hash.size());
}

std::array<Hash256, kHeadMapLevels + 1> MakeEmptySubtrees() {
  std::array<Hash256, kHeadMapLevels + 1> empty;
  empty[0] = HeadBucketHash({});
  for (int l = 1; l <= kHeadMapLevels; ++l) empty[l] = NodeHash(empty[l - 1], empty[l - 1]);
  return empty;
}

void PutU16BE(std::string* out, uint32_t v) {
  out->push_back(static_cast<char>((v >> 8) & 0xff));
  out->push_back(static_cast<char>(v & 0xff));
}

}  // namespace

uint32_t HeadBucket(std::string_view case_id) {
  const Hash256 h = Sha256(AsBytes(case_id));
  return (static_cast<uint32_t>(h[0]) << 8) | h[1];
}

Hash256 HeadBucketHash(const std::vector<HeadEntry>& entries) {
  std::string buf(1, static_cast<char>(kBucketPrefix));
  for (const auto& e : entries) AppendEntry(&buf, e);
  return Sha256(AsBytes(buf));
}

const Hash256& EmptyHeadSubtree(int level) {
  static const std::array<Hash256, kHeadMapLevels + 1> empty = MakeEmptySubtrees();
  return empty.at(static_cast<size_t>(level));
}

Result<Hash256> HeadProofRoot(const HeadProof& proof) {
  if (proof.bucket >= kHeadMapBuckets) {
    return Status::InvalidArgument("head proof names bucket " + std::to_string(proof.bucket) +
                                   ", past the last");
  }
  if (proof.siblings.size() != kHeadMapLevels) {
    return Status::InvalidArgument("head proof has " + std::to_string(proof.siblings.size()) +
                                   " sibling hashes, not " + std::to_string(kHeadMapLevels));
  }
  for (size_t i = 0; i < proof.entries.size(); ++i) {
    const HeadEntry& e = proof.entries[i];
    if (e.case_id.empty() || e.case_id.size() > 255) {
      return Status::InvalidArgument("head proof entry " + std::to_string(i) +
                                     " has an empty or over-long case id");
    }
    if (HeadBucket(e.case_id) != proof.bucket) {
      return Status::InvalidArgument("head proof entry " + std::to_string(i) +
                                     " belongs to another bucket");
    }
    if (i > 0 && !(proof.entries[i - 1].case_id < e.case_id)) {
      return Status::InvalidArgument("head proof entries are not sorted by case id");
    }
  }
  Hash256 h = HeadBucketHash(proof.entries);
  uint32_t index = proof.bucket;
  for (int l = 0; l < kHeadMapLevels; ++l) {
    h = (index & 1) ? NodeHash(proof.siblings[l], h) : NodeHash(h, proof.siblings[l]);
    index >>= 1;
  }
  return h;
}

Result<std::optional<HeadEntry>> VerifyHeadProof(const HeadProof& proof, std::string_view case_id,
                                                 const Hash256& root) {
  if (proof.bucket != HeadBucket(case_id)) {
    return Status::InvalidArgument("head proof is for bucket " + std::to_string(proof.bucket) +
                                   ", not the case's bucket " +
                                   std::to_string(HeadBucket(case_id)));
  }
  auto got = HeadProofRoot(proof);
  if (!got.ok()) return got.status();
  if (*got != root) {
    return Status::Corruption("head proof does not lead to the checkpoint's heads root");
  }
  for (const auto& e : proof.entries) {
    if (e.case_id == case_id) return std::optional<HeadEntry>(e);
  }
  return std::optional<HeadEntry>();
}

std::string HeadsExtensionLine(const Hash256& root) {
  return std::string(kHeadsExtension) + " " + EncodeBase64(root);
}

Result<std::optional<Hash256>> FindHeadsRoot(const std::vector<std::string>& extensions) {
  const std::string prefix = std::string(kHeadsExtension) + " ";
  for (const auto& line : extensions) {
    if (line.rfind(prefix, 0) != 0) continue;
    auto bytes = DecodeBase64(std::string_view(line).substr(prefix.size()));
    if (!bytes.ok() || bytes->size() != 32) {
      return Status::InvalidArgument("the checkpoint's " + std::string(kHeadsExtension) +
                                     " line does not hold base64 of 32 bytes");
    }
    Hash256 root;
    std::copy(bytes->begin(), bytes->end(), root.begin());
    return std::optional<Hash256>(root);
  }
  return std::optional<Hash256>();
}

Hash256 HeadMapRootFromScratch(std::vector<HeadEntry> entries) {
  std::sort(entries.begin(), entries.end(),
            [](const HeadEntry& a, const HeadEntry& b) { return a.case_id < b.case_id; });
  std::vector<std::vector<HeadEntry>> buckets(kHeadMapBuckets);
  for (auto& e : entries) buckets[HeadBucket(e.case_id)].push_back(std::move(e));
  std::vector<Hash256> level(kHeadMapBuckets);
  for (uint32_t b = 0; b < kHeadMapBuckets; ++b) level[b] = HeadBucketHash(buckets[b]);
  while (level.size() > 1) {
    std::vector<Hash256> up(level.size() / 2);
    for (size_t i = 0; i < up.size(); ++i) up[i] = NodeHash(level[2 * i], level[2 * i + 1]);
    level = std::move(up);
  }
  return level[0];
}

HeadMapTree::HeadMapTree() : levels_(kHeadMapLevels + 1) {
  for (int l = 0; l <= kHeadMapLevels; ++l) {
    levels_[l].assign(kHeadMapBuckets >> l, EmptyHeadSubtree(l));
  }
}

void HeadMapTree::SetBuckets(const std::map<uint32_t, Hash256>& buckets) {
  std::vector<uint32_t> changed;
  for (const auto& [bucket, hash] : buckets) {
    levels_[0][bucket] = hash;
    changed.push_back(bucket);
  }
  for (int l = 1; l <= kHeadMapLevels; ++l) {
    std::vector<uint32_t> parents;
    for (uint32_t i : changed) {
      if (parents.empty() || parents.back() != i >> 1) parents.push_back(i >> 1);
    }
    for (uint32_t p : parents) {
      levels_[l][p] = NodeHash(levels_[l - 1][2 * p], levels_[l - 1][2 * p + 1]);
    }
    changed = std::move(parents);
  }
}

namespace storage {

std::string HeadMemberKey(uint32_t bucket, std::string_view case_id) {
  std::string key = HeadMemberPrefix(bucket);
  key.append(case_id);
  return key;
}

std::string HeadMemberPrefix(uint32_t bucket) {
  std::string key(1, 'm');
  PutU16BE(&key, bucket);
  return key;
}

std::string HeadNodeHistoryKey(int level, uint32_t index, uint64_t size) {
  std::string key = HeadNodeCurrentKey(level, index);
  key[0] = 'n';
  PutU64BE(&key, size);
  return key;
}

std::string HeadNodeCurrentKey(int level, uint32_t index) {
  std::string key(1, 'c');
  key.push_back(static_cast<char>(level));
  PutU16BE(&key, index);
  return key;
}

}  // namespace storage

}  // namespace caseledger
