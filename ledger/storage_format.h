// The on-disk layout of a ledger data directory. Specified in docs/storage_format.md; this
// header repeats the grammar. Everything here is PERSISTED: never renumber, never rename.
//
//   column family   key                                        value
//   log             position:u64be                             canonical Event (one segment,
//                                                              no segment table)
//   streams         case_id bytes | 0x00 | version:u64be       position:u64be
//   heads           case_id bytes                              version:u64be | position:u64be |
//                                                              leaf_hash[32] | child_id bytes
//   idempotency     event_id[16]                               position:u64be | digest[32]
//   tree            level:u8 | index:u64be                     hash[32] of the complete
//                                                              subtree over leaves
//                                                              [index<<level, (index+1)<<level)
//   checkpoints     size:u64be                                 signed checkpoint note (text)
//   meta            "format"                                   "caseledger-ledger 1"
//                   "origin"                                   checkpoint origin line
//                   "verifier/" key-id:8 hex digits            verifier key string
//   case_heads      the case-head map (keys in ledger/case_heads.h)
//
// Keys, erasure markers and legal holds (child_keys, erasures, holds, and their meta keys):
// ledger/keys_internal.h.
//
// Invariants (checked by `caseledger verify`): log positions run 0..n-1 with no gap; each
// streams entry points at an event of that case with that version; versions of a case run
// 0..head with no gap; each idempotency entry points at the event with that id; the tree holds
// exactly the complete subtrees of the n leaf hashes (leaf input = the log value); every
// checkpoint's root is the root of the tree at its size.
#ifndef CASELEDGER_LEDGER_STORAGE_FORMAT_H_
#define CASELEDGER_LEDGER_STORAGE_FORMAT_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "ledger/hash.h"

namespace caseledger::storage {

inline constexpr char kLogCf[] = "log";
inline constexpr char kStreamsCf[] = "streams";
inline constexpr char kHeadsCf[] = "heads";
inline constexpr char kIdempotencyCf[] = "idempotency";
inline constexpr char kMetaCf[] = "meta";
inline constexpr char kTreeCf[] = "tree";
inline constexpr char kCheckpointsCf[] = "checkpoints";

inline constexpr char kFormatKey[] = "format";
inline constexpr char kFormatValue[] = "caseledger-ledger 1";
inline constexpr char kOriginKey[] = "origin";
inline constexpr char kVerifierPrefix[] = "verifier/";

inline constexpr size_t kEventIdSize = 16;
inline constexpr size_t kMaxCaseIdSize = 128;

void PutU64BE(std::string* dst, uint64_t v);
uint64_t GetU64BE(const char* p);

// log key.
std::string LogKey(uint64_t position);
// streams key: case_id | 0x00 | version.
std::string StreamKey(std::string_view case_id, uint64_t version);
// The prefix shared by every streams key of `case_id`.
std::string StreamPrefix(std::string_view case_id);

// tree key: level | index.
std::string TreeKey(uint32_t level, uint64_t index);
// False when `key` is not a tree key.
bool DecodeTreeKey(std::string_view key, uint32_t* level, uint64_t* index);

// heads value.
struct Head {
  uint64_t version = 0;   // version of the newest event of the case
  uint64_t position = 0;  // its global position
  Hash256 leaf_hash{};    // its leaf hash
  std::string child_id;
};
std::string EncodeHead(const Head& head);
// False when `value` is too short to be a head record.
bool DecodeHead(std::string_view value, Head* head);

// idempotency value.
struct IdempotencyRecord {
  uint64_t position = 0;
  Hash256 digest{};  // SHA-256 of the canonical event as the client sent it
};
std::string EncodeIdempotency(const IdempotencyRecord& rec);
bool DecodeIdempotency(std::string_view value, IdempotencyRecord* rec);

}  // namespace caseledger::storage

#endif  // CASELEDGER_LEDGER_STORAGE_FORMAT_H_
