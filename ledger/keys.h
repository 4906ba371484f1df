// The master key and the per-child data keys (docs/storage_format.md, "Keys").
//
// Master key file (PERSISTED): 64 lower-case hex digits (32 random bytes) and a newline, mode
// 0600, never inside the data directory. Its fingerprint, the first 8 bytes of
//   SHA-256("caseledger master key\0" | key),
// is recorded in meta ("master_key_id", 16 hex digits) and in every wrapped data key, so that
// a wrong key file is named at open and nothing is written.
//
// child_keys value (PERSISTED), keyed by the child id:
//   version:u8 = 0x01 | generation:u32be | master_fingerprint[8] | nonce[12] |
//   ciphertext[32] | tag[16]                       (73 bytes)
// AES-256-GCM under the master key, associated data
//   "caseledger child key" | u32be(len(child_id)) | child_id | generation:u32be.
#ifndef CASELEDGER_LEDGER_KEYS_H_
#define CASELEDGER_LEDGER_KEYS_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "ledger/seal.h"
#include "ledger/status.h"

namespace caseledger {

inline constexpr size_t kMasterFingerprintSize = 8;
// The environment variable naming the master key file when no option does.
inline constexpr char kMasterKeyEnv[] = "CASELEDGER_MASTER_KEY_FILE";

class MasterKey {
 public:
  // 32 fresh random bytes. IOError when the random source fails.
  static Result<MasterKey> Generate();
  // Reads a key file. PermissionDenied when the file is open to group or others (it must be
  // 0600 or stricter); IOError when it cannot be read; InvalidArgument when it is not a key
  // file. Never logs or returns the key's bytes in a message.
  static Result<MasterKey> LoadFromFile(const std::string& path);
  // Writes the key to a new file of mode 0600, synced. IOError when the file exists or
  // cannot be written.
  Status SaveToFile(const std::string& path) const;

  // The 8-byte fingerprint, raw and as 16 hex digits.
  const std::string& fingerprint() const { return fingerprint_; }
  std::string fingerprint_hex() const;
  const SecretKey& key() const { return key_; }

 private:
  explicit MasterKey(const SecretKey& key);
  SecretKey key_;
  std::string fingerprint_;
};

// DIR.master-key for data directory DIR: beside it, never inside.
std::string DefaultMasterKeyPath(const std::string& data_dir);
// InvalidArgument when `key_path` lies inside `data_dir` (after resolving both): a key kept
// with the data it protects protects nothing, and a copy of the directory would carry it.
Status CheckKeyOutsideDataDir(const std::string& key_path, const std::string& data_dir);

// A child's data key with its generation (1 for the first key of a child).
struct DataKey {
  uint32_t generation = 0;
  SecretKey key;
};

// A wrapped data key as stored in child_keys.
struct WrappedDataKey {
  uint32_t generation = 0;
  std::string master_fingerprint;  // 8 bytes
  std::string sealed;              // nonce | ciphertext | tag
};
std::string EncodeWrappedDataKey(const WrappedDataKey& w);
// Corruption when `value` is not a child_keys record.
Result<WrappedDataKey> DecodeWrappedDataKey(std::string_view value);

// Wraps `key` for `child_id` under `master`. IOError when OpenSSL fails.
Result<WrappedDataKey> WrapDataKey(const MasterKey& master, std::string_view child_id,
                                   const DataKey& key);
// Unwraps. Corruption when the record was wrapped by another master key (naming both
// fingerprints) or does not authenticate.
Result<DataKey> UnwrapDataKey(const MasterKey& master, std::string_view child_id,
                              const WrappedDataKey& wrapped);

}  // namespace caseledger

#endif  // CASELEDGER_LEDGER_KEYS_H_
