// Internal to ledger/: the column families of keys and erasure, and what a commit group
// changes in them before it is written. Specified in docs/storage_format.md ("Keys",
// "Erasure"). Everything here is PERSISTED: never renumber, never rename.
//
//   column family   key                                        value
//   child_keys      child_id bytes                             wrapped data key (keys.h)
//   erasures        child_id bytes                             position:u64be | generation:u32be
//                                                              | purged:u8 (0 or 1)
//   holds           child_id | 0x00 | case_id | 0x00 | hold_id  position:u64be of the
//                                                              LegalHoldApplied event
//   meta            "master_key_id"                            16 hex digits
//                   "holds_index"                              "1" once holds is complete
//                   "keys_purge_pending"                       "1" from a rotation until the
//                                                              old wrapped keys are purged
#ifndef CASELEDGER_LEDGER_KEYS_INTERNAL_H_
#define CASELEDGER_LEDGER_KEYS_INTERNAL_H_

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "ledger/keys.h"

namespace caseledger {
namespace storage {

inline constexpr char kChildKeysCf[] = "child_keys";
inline constexpr char kErasuresCf[] = "erasures";
inline constexpr char kHoldsCf[] = "holds";
inline constexpr char kMasterKeyIdKey[] = "master_key_id";
inline constexpr char kHoldsIndexKey[] = "holds_index";
inline constexpr char kKeysPurgePendingKey[] = "keys_purge_pending";

struct ErasureMarker {
  uint64_t position = 0;    // of the ErasureDecided event that executed it
  uint32_t generation = 0;  // the newest data key generation destroyed (0: the child had none)
  bool purged = false;      // the key's bytes are compacted out of every file
};
std::string EncodeErasure(const ErasureMarker& m);
bool DecodeErasure(std::string_view value, ErasureMarker* m);

std::string HoldPrefix(std::string_view child_id);
std::string HoldKey(std::string_view child_id, std::string_view case_id, std::string_view hold_id);

}  // namespace storage

namespace detail {

// What one commit group changed in keys, erasures and holds, which the database does not
// show until the group is written. Looked up newest group first, as the writer does heads.
struct GroupKeys {
  // child id -> its data key, or nullopt when this group destroyed it.
  std::unordered_map<std::string, std::optional<DataKey>> keys;
  std::unordered_map<std::string, storage::ErasureMarker> erased;
  // holds key -> position of the applied hold, or nullopt when this group released it.
  std::map<std::string, std::optional<uint64_t>> holds;
  // Set when the group rotates the master key: the key to return to if its write fails.
  std::shared_ptr<const MasterKey> previous_master;
  // After the write: flush, compact child_keys and drop old write-ahead logs, so that
  // destroyed or rewrapped keys leave every file.
  bool purge = false;
};

// The master keys this process knows: the current one wraps new data keys; readers pick the
// one whose fingerprint a record names (during a rotation, records of both exist). Thread-safe.
class KeyRing {
 public:
  std::shared_ptr<const MasterKey> current() const {
    std::lock_guard<std::mutex> l(mu_);
    return current_;
  }
  std::shared_ptr<const MasterKey> Find(std::string_view fingerprint) const {
    std::lock_guard<std::mutex> l(mu_);
    for (const auto& k : keys_) {
      if (k->fingerprint() == fingerprint) return k;
    }
    return nullptr;
  }
  void SetCurrent(std::shared_ptr<const MasterKey> key) {
    std::lock_guard<std::mutex> l(mu_);
    if (key && !FindLocked(key->fingerprint())) keys_.push_back(key);
    current_ = std::move(key);
  }

 private:
  bool FindLocked(std::string_view fp) const {
    for (const auto& k : keys_) {
      if (k->fingerprint() == fp) return true;
    }
    return false;
  }
  mutable std::mutex mu_;
  std::vector<std::shared_ptr<const MasterKey>> keys_;  // GUARDED_BY(mu_)
  std::shared_ptr<const MasterKey> current_;            // GUARDED_BY(mu_)
};

}  // namespace detail
}  // namespace caseledger

#endif  // CASELEDGER_LEDGER_KEYS_INTERNAL_H_
