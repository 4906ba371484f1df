// SHA-256 and the RFC 6962 leaf and node hashes (docs/verification.md).
#ifndef CASELEDGER_LEDGER_HASH_H_
#define CASELEDGER_LEDGER_HASH_H_

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "ledger/status.h"

namespace caseledger {

using Hash256 = std::array<uint8_t, 32>;

// SHA-256 of `data`. Thread-safe.
Hash256 Sha256(std::span<const uint8_t> data);

// RFC 6962 leaf hash: SHA-256(0x00 || leaf_input). Thread-safe.
Hash256 LeafHash(std::span<const uint8_t> leaf_input);

// RFC 6962 interior node hash: SHA-256(0x01 || left || right). Thread-safe.
Hash256 NodeHash(const Hash256& left, const Hash256& right);

// Lower-case hex of `bytes`.
std::string ToHex(std::span<const uint8_t> bytes);

// Decodes hex (either case, even length). InvalidArgument on anything else.
Result<std::string> FromHex(std::string_view hex);

inline std::span<const uint8_t> AsBytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

}  // namespace caseledger

#endif  // CASELEDGER_LEDGER_HASH_H_
