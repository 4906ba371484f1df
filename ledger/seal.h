// AEAD (AES-256-GCM through OpenSSL) and the sealed-section format of an event.
//
// Sealed section (Event.sealed; docs/storage_format.md, "Sealed personal data"). PERSISTED:
//   scheme:u8 = 0x00 | canonical PersonalData words             (unencrypted; written before
//                                                               issue 7, still read)
//   scheme:u8 = 0x01 | generation:u32be | nonce[12] | ciphertext | tag[16]
//                                                              (AES-256-GCM with the child's
//                                                               data key of that generation)
// The associated data binds the ciphertext to its event and child:
//   u32be(len(event_id)) | event_id | u32be(len(child_id)) | child_id
#ifndef CASELEDGER_LEDGER_SEAL_H_
#define CASELEDGER_LEDGER_SEAL_H_

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "ledger/status.h"

namespace caseledger {

inline constexpr size_t kAeadKeySize = 32;
inline constexpr size_t kAeadNonceSize = 12;
inline constexpr size_t kAeadTagSize = 16;

// A 256-bit secret key, wiped when it goes. Copyable (the writer hands keys around), so every
// copy wipes itself.
class SecretKey {
 public:
  SecretKey() { bytes_.fill(0); }
  SecretKey(const SecretKey&) = default;
  SecretKey& operator=(const SecretKey&) = default;
  ~SecretKey();
  // Fills the key from the operating system's random source. IOError when that fails.
  static Result<SecretKey> Random();
  uint8_t* data() { return bytes_.data(); }
  const uint8_t* data() const { return bytes_.data(); }
  static constexpr size_t size() { return kAeadKeySize; }
  std::span<const uint8_t> span() const { return {bytes_.data(), bytes_.size()}; }

 private:
  std::array<uint8_t, kAeadKeySize> bytes_;
};

// AES-256-GCM with a fresh random nonce: returns nonce[12] | ciphertext | tag[16]. IOError
// when OpenSSL fails.
Result<std::string> AeadSeal(const SecretKey& key, std::span<const uint8_t> associated,
                             std::span<const uint8_t> plaintext);
// The inverse of AeadSeal. Corruption when `sealed` is too short or does not authenticate
// (altered bytes, other associated data or another key); the message says which of these it
// cannot tell apart.
Result<std::string> AeadOpen(const SecretKey& key, std::span<const uint8_t> associated,
                             std::span<const uint8_t> sealed);

// Sealed-section schemes. Persisted, never renumber.
inline constexpr uint8_t kSealedUnencrypted = 0x00;
inline constexpr uint8_t kSealedAes256Gcm = 0x01;

// Bytes of a scheme 0x01 sealed section carrying `plaintext_size` bytes.
constexpr size_t SealedSize(size_t plaintext_size) {
  return 1 + 4 + kAeadNonceSize + plaintext_size + kAeadTagSize;
}

// The associated data of an event's sealed section.
std::string SealedAssociatedData(std::string_view event_id, std::string_view child_id);

// Seals `plaintext` (canonical PersonalData) under scheme 0x01 into `out`, which must be
// exactly SealedSize(plaintext.size()) bytes. IOError when OpenSSL fails.
Status SealPersonal(const SecretKey& data_key, uint32_t generation, std::string_view event_id,
                    std::string_view child_id, std::span<const uint8_t> plaintext,
                    std::span<uint8_t> out);

struct SealedHeader {
  uint8_t scheme = kSealedUnencrypted;
  uint32_t generation = 0;  // scheme 0x01 only
};
// Reads the scheme (and generation). Corruption for an empty section, an unknown scheme or a
// scheme 0x01 section too short to hold its header and tag.
Result<SealedHeader> ParseSealed(std::span<const uint8_t> sealed);

// Opens a scheme 0x01 section. Corruption when it does not authenticate.
Result<std::string> OpenPersonal(const SecretKey& data_key, std::string_view event_id,
                                 std::string_view child_id, std::span<const uint8_t> sealed);

}  // namespace caseledger

#endif  // CASELEDGER_LEDGER_SEAL_H_
