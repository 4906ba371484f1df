#include "ledger/hash.h"

#include <openssl/evp.h>

#include <memory>

namespace caseledger {

namespace {

// One fetched digest for the process (OpenSSL 3 implicit fetches cost a lookup per call).
const EVP_MD* Sha256Md() {
  static EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return md;
}

struct CtxDeleter {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};

// A digest context per thread, reused across calls.
EVP_MD_CTX* ThreadCtx() {
  thread_local std::unique_ptr<EVP_MD_CTX, CtxDeleter> ctx(EVP_MD_CTX_new());
  return ctx.get();
}

Hash256 Digest(std::span<const uint8_t> a, std::span<const uint8_t> b,
               std::span<const uint8_t> c) {
  EVP_MD_CTX* ctx = ThreadCtx();
  Hash256 out;
  unsigned int len = 0;
  // These calls fail only on allocation failure or a broken OpenSSL: a bug, not an input error.
  if (EVP_DigestInit_ex(ctx, Sha256Md(), nullptr) != 1 ||
      EVP_DigestUpdate(ctx, a.data(), a.size()) != 1 ||
      EVP_DigestUpdate(ctx, b.data(), b.size()) != 1 ||
      EVP_DigestUpdate(ctx, c.data(), c.size()) != 1 ||
      EVP_DigestFinal_ex(ctx, out.data(), &len) != 1) {
    std::abort();
  }
  return out;
}

}  // namespace

Hash256 Sha256(std::span<const uint8_t> data) { return Digest(data, {}, {}); }

Hash256 LeafHash(std::span<const uint8_t> leaf_input) {
  static const uint8_t kPrefix = 0x00;
  return Digest({&kPrefix, 1}, leaf_input, {});
}

Hash256 NodeHash(const Hash256& left, const Hash256& right) {
  static const uint8_t kPrefix = 0x01;
  return Digest({&kPrefix, 1}, left, right);
}

std::string ToHex(std::span<const uint8_t> bytes) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (uint8_t b : bytes) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 15]);
  }
  return out;
}

Result<std::string> FromHex(std::string_view hex) {
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  if (hex.size() % 2 != 0) return Status::InvalidArgument("hex string has an odd length");
  std::string out;
  out.reserve(hex.size() / 2);
  for (size_t i = 0; i < hex.size(); i += 2) {
    int hi = nibble(hex[i]), lo = nibble(hex[i + 1]);
    if (hi < 0 || lo < 0) return Status::InvalidArgument("not a hex string: \"" + std::string(hex.substr(0, 40)) + "\"");
    out.push_back(static_cast<char>(hi << 4 | lo));
  }
  return out;
}

}  // namespace caseledger
