// The case-head map: what each signed checkpoint commits to about the head of every case
// (docs/verification.md, "Case-head commitment"). Pure hashing and key layout; the ledger
// keeps the map in case_heads_store.cc.
//
//   bucket(case)  = first 16 bits (big-endian) of SHA-256(case id)          ; 65536 buckets
//   entry         = len:u8 | case id bytes | head version:u64be | head leaf hash[32]
//   bucket hash   = SHA-256(0x02 || entry*)   entries sorted by case id (bytewise); an empty
//                   bucket is SHA-256(0x02)
//   root          = RFC 6962 MTH over the 65536 bucket hashes taken as leaf hashes:
//                   node = SHA-256(0x01 || left || right), 16 levels
//
// The checkpoint note carries the root as one extension line after the tree root:
//   "caseledger-heads " base64(root)
// A proof for a case is its bucket's entries plus the 16 sibling hashes from the bucket up;
// it shows the case's head version and leaf hash, or that the case is absent.
#ifndef CASELEDGER_LEDGER_CASE_HEADS_H_
#define CASELEDGER_LEDGER_CASE_HEADS_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/hash.h"
#include "ledger/status.h"

namespace caseledger {

inline constexpr int kHeadMapLevels = 16;
inline constexpr uint32_t kHeadMapBuckets = 1u << kHeadMapLevels;
// The checkpoint extension line's keyword. PERSISTED in signed notes: never change.
inline constexpr char kHeadsExtension[] = "caseledger-heads";

struct HeadEntry {
  std::string case_id;
  uint64_t head_version = 0;
  Hash256 head_leaf_hash{};
  bool operator==(const HeadEntry&) const = default;
};

// The proof of one case's head (or absence) against a heads root.
struct HeadProof {
  uint32_t bucket = 0;
  std::vector<HeadEntry> entries;  // the bucket's entries, sorted by case id
  std::vector<Hash256> siblings;   // kHeadMapLevels hashes, bucket level first
};

// The bucket of `case_id`.
uint32_t HeadBucket(std::string_view case_id);

// The hash of a bucket holding `entries` (sorted by case id, unique). Thread-safe.
Hash256 HeadBucketHash(const std::vector<HeadEntry>& entries);

// The hash of an all-empty subtree at `level` (0: an empty bucket; 16: the empty map's root).
const Hash256& EmptyHeadSubtree(int level);

// The root that `proof` leads to. InvalidArgument when the proof is malformed: a wrong number
// of siblings, entries not sorted or unique, an entry in another bucket, a case id over 255
// bytes.
Result<Hash256> HeadProofRoot(const HeadProof& proof);

// Checks `proof` against `root` and returns the entry of `case_id` in it (nullopt: the map
// says the case does not exist). InvalidArgument for a malformed proof or one for another
// bucket; Corruption when it does not lead to `root`.
Result<std::optional<HeadEntry>> VerifyHeadProof(const HeadProof& proof, std::string_view case_id,
                                                 const Hash256& root);

// The checkpoint extension line for `root`, and the root in a checkpoint's extension lines
// (nullopt when none is there; InvalidArgument for a malformed one).
std::string HeadsExtensionLine(const Hash256& root);
Result<std::optional<Hash256>> FindHeadsRoot(const std::vector<std::string>& extensions);

// The root of the map holding `entries` (any order, unique case ids), computed from scratch:
// O(entries + 65536). For `caseledger verify` and tests.
Hash256 HeadMapRootFromScratch(std::vector<HeadEntry> entries);

// The map's node hashes in memory (2^17 - 1 hashes, 4 MB), updated bucket by bucket: what
// `caseledger verify` replays the log into. Thread-compatible.
class HeadMapTree {
 public:
  HeadMapTree();
  // Sets the hashes of the buckets in `buckets` (bucket -> hash) and rehashes their paths.
  void SetBuckets(const std::map<uint32_t, Hash256>& buckets);
  const Hash256& Root() const { return levels_[kHeadMapLevels][0]; }

 private:
  std::vector<std::vector<Hash256>> levels_;  // levels_[0]: the buckets
};

namespace storage {
// case_heads column family keys (docs/storage_format.md). PERSISTED: never renumber.
//   'm' | bucket:u16be | case id                      -> ""   (the case exists)
//   'n' | level:u8 | index:u16be | size:u64be         -> hash[32]  (node as of checkpoint size)
//   'c' | level:u8 | index:u16be                      -> hash[32]  (node at the newest one)
//   'v'                                               -> "1"  (the map covers every case)
inline constexpr char kCaseHeadsCf[] = "case_heads";
std::string HeadMemberKey(uint32_t bucket, std::string_view case_id);
std::string HeadMemberPrefix(uint32_t bucket);
std::string HeadNodeHistoryKey(int level, uint32_t index, uint64_t size);
std::string HeadNodeCurrentKey(int level, uint32_t index);
inline constexpr char kHeadMapVersionKey[] = "v";
}  // namespace storage

}  // namespace caseledger

#endif  // CASELEDGER_LEDGER_CASE_HEADS_H_
