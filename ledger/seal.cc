// AES-256-GCM through OpenSSL's EVP interface, and the sealed-section grammar (seal.h).
#include "ledger/seal.h"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <cstring>
#include <memory>

#include "ledger/hash.h"

namespace caseledger {

namespace {

struct CipherCtxFree {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree>;

Status OpenSslFailure(std::string_view what) {
  ERR_clear_error();
  return Status::IOError("OpenSSL failed to " + std::string(what));
}

void PutU32BE(std::string* dst, uint32_t v) {
  for (int i = 3; i >= 0; --i) dst->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

uint32_t GetU32BE(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}

// Encrypts into out = nonce | ciphertext | tag (out.size() == plaintext.size() + 28).
Status SealInto(const SecretKey& key, std::span<const uint8_t> associated,
                std::span<const uint8_t> plaintext, std::span<uint8_t> out) {
  uint8_t* nonce = out.data();
  uint8_t* ct = nonce + kAeadNonceSize;
  uint8_t* tag = ct + plaintext.size();
  // Random 96-bit nonces: each data key seals at most a few thousand events, far below the
  // 2^32 messages NIST SP 800-38D allows per key with random nonces.
  if (RAND_bytes(nonce, kAeadNonceSize) != 1) return OpenSslFailure("make a nonce");
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  if (!ctx || EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key.data(), nonce) != 1 ||
      (!associated.empty() && EVP_EncryptUpdate(ctx.get(), nullptr, &len, associated.data(),
                                                static_cast<int>(associated.size())) != 1) ||
      (!plaintext.empty() && EVP_EncryptUpdate(ctx.get(), ct, &len, plaintext.data(),
                                               static_cast<int>(plaintext.size())) != 1) ||
      EVP_EncryptFinal_ex(ctx.get(), ct + plaintext.size(), &len) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kAeadTagSize, tag) != 1) {
    return OpenSslFailure("encrypt with AES-256-GCM");
  }
  return Status::OK();
}

}  // namespace

SecretKey::~SecretKey() { OPENSSL_cleanse(bytes_.data(), bytes_.size()); }

Result<SecretKey> SecretKey::Random() {
  SecretKey k;
  if (RAND_priv_bytes(k.data(), static_cast<int>(k.size())) != 1) {
    return OpenSslFailure("make a random key");
  }
  return k;
}

Result<std::string> AeadSeal(const SecretKey& key, std::span<const uint8_t> associated,
                             std::span<const uint8_t> plaintext) {
  std::string out(kAeadNonceSize + plaintext.size() + kAeadTagSize, '\0');
  CL_RETURN_IF_ERROR(
      SealInto(key, associated, plaintext, {reinterpret_cast<uint8_t*>(out.data()), out.size()}));
  return out;
}

Result<std::string> AeadOpen(const SecretKey& key, std::span<const uint8_t> associated,
                             std::span<const uint8_t> sealed) {
  if (sealed.size() < kAeadNonceSize + kAeadTagSize) {
    return Status::Corruption("sealed data of " + std::to_string(sealed.size()) +
                              " bytes is too short for a nonce and a tag");
  }
  const uint8_t* nonce = sealed.data();
  const uint8_t* ct = nonce + kAeadNonceSize;
  const size_t ct_size = sealed.size() - kAeadNonceSize - kAeadTagSize;
  // GCM's tag is set as a parameter, so OpenSSL wants a mutable copy.
  uint8_t tag[kAeadTagSize];
  std::memcpy(tag, ct + ct_size, kAeadTagSize);
  std::string plain(ct_size, '\0');
  auto* out = reinterpret_cast<uint8_t*>(plain.data());
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  if (!ctx || EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key.data(), nonce) != 1 ||
      (!associated.empty() && EVP_DecryptUpdate(ctx.get(), nullptr, &len, associated.data(),
                                                static_cast<int>(associated.size())) != 1) ||
      (ct_size > 0 &&
       EVP_DecryptUpdate(ctx.get(), out, &len, ct, static_cast<int>(ct_size)) != 1) ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kAeadTagSize, tag) != 1) {
    return OpenSslFailure("decrypt with AES-256-GCM");
  }
  if (EVP_DecryptFinal_ex(ctx.get(), out + ct_size, &len) != 1) {
    ERR_clear_error();
    OPENSSL_cleanse(plain.data(), plain.size());
    return Status::Corruption(
        "AES-256-GCM authentication failed: the ciphertext or what it is bound to was altered, "
        "or the key is not the one it was sealed with");
  }
  return plain;
}

std::string SealedAssociatedData(std::string_view event_id, std::string_view child_id) {
  std::string ad;
  ad.reserve(8 + event_id.size() + child_id.size());
  PutU32BE(&ad, static_cast<uint32_t>(event_id.size()));
  ad.append(event_id);
  PutU32BE(&ad, static_cast<uint32_t>(child_id.size()));
  ad.append(child_id);
  return ad;
}

Status SealPersonal(const SecretKey& data_key, uint32_t generation, std::string_view event_id,
                    std::string_view child_id, std::span<const uint8_t> plaintext,
                    std::span<uint8_t> out) {
  if (out.size() != SealedSize(plaintext.size())) {
    return Status::InvalidArgument("sealed buffer of the wrong size");  // a bug of the caller
  }
  out[0] = kSealedAes256Gcm;
  for (int i = 0; i < 4; ++i) out[1 + i] = static_cast<uint8_t>(generation >> (24 - 8 * i));
  const std::string ad = SealedAssociatedData(event_id, child_id);
  return SealInto(data_key, AsBytes(ad), plaintext, out.subspan(5));
}

Result<SealedHeader> ParseSealed(std::span<const uint8_t> sealed) {
  if (sealed.empty()) return Status::Corruption("empty sealed section");
  SealedHeader h;
  h.scheme = sealed[0];
  if (h.scheme == kSealedUnencrypted) return h;
  if (h.scheme != kSealedAes256Gcm) {
    return Status::Corruption("sealed section has unknown scheme " + std::to_string(h.scheme));
  }
  if (sealed.size() < SealedSize(0)) {
    return Status::Corruption("sealed section of " + std::to_string(sealed.size()) +
                              " bytes is too short for scheme 1");
  }
  h.generation = GetU32BE(sealed.data() + 1);
  return h;
}

Result<std::string> OpenPersonal(const SecretKey& data_key, std::string_view event_id,
                                 std::string_view child_id, std::span<const uint8_t> sealed) {
  Result<SealedHeader> h = ParseSealed(sealed);
  if (!h.ok()) return h.status();
  if (h->scheme != kSealedAes256Gcm)
    return Status::InvalidArgument("sealed section is not encrypted");
  const std::string ad = SealedAssociatedData(event_id, child_id);
  return AeadOpen(data_key, AsBytes(ad), sealed.subspan(5));
}

}  // namespace caseledger
