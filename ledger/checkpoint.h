// Signed tree heads as C2SP tlog-checkpoint signed notes (c2sp.org/tlog-checkpoint,
// c2sp.org/signed-note), signed with Ed25519. The grammar (UTF-8; no control characters but
// newline; "—" is U+2014 EM DASH):
//
//   note       = text "\n" 1*sigline          ; split at the LAST blank line
//   text       = origin "\n" size "\n" root "\n" *(extension "\n")   ; every line non-empty
//   size       = "0" / nonzero-digit *digit   ; decimal, no leading zeros
//   root       = base64(32-byte RFC 6962 root)  ; standard alphabet, padded (RFC 4648 4)
//   sigline    = "— " key-name " " base64(key-id[4, big-endian] || signature[64]) "\n"
//   key-id     = SHA-256(key-name || 0x0A || 0x01 || public-key[32])[:4]   ; 0x01 = Ed25519
//
// The signature is Ed25519 (RFC 8032) over `text`, final newline included, blank line not.
// Key strings, as in Go's golang.org/x/mod/sumdb/note:
//   verifier: <name>+<key-id as 8 hex digits>+base64(0x01 || public-key[32])
//   signer:   PRIVATE+KEY+<name>+<key-id as 8 hex digits>+base64(0x01 || seed[32])
// A key name is non-empty UTF-8 with no Unicode space and no '+'.
//
// Example (c2sp.org/tlog-checkpoint; the signature line is one line):
// clang-format off
//   example.com/behind-the-sofa
//   20852163
//   CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=
//
//   — example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=
// clang-format on
#ifndef CASELEDGER_LEDGER_CHECKPOINT_H_
#define CASELEDGER_LEDGER_CHECKPOINT_H_

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/hash.h"
#include "ledger/status.h"

namespace caseledger {

using Ed25519PublicKey = std::array<uint8_t, 32>;
using Ed25519Signature = std::array<uint8_t, 64>;

// Standard padded base64 (RFC 4648 section 4).
std::string EncodeBase64(std::span<const uint8_t> data);

// Strict inverse of EncodeBase64: InvalidArgument for anything EncodeBase64 would not have
// produced (whitespace, a length not a multiple of 4, misplaced '=', non-zero padding bits).
Result<std::string> DecodeBase64(std::string_view text);

// The C2SP key id of an Ed25519 key: SHA-256(name || 0x0A || 0x01 || public_key)[:4],
// big-endian.
uint32_t Ed25519KeyId(std::string_view name, const Ed25519PublicKey& public_key);

// True if `name` may name a key: non-empty UTF-8 with no Unicode space, control character
// or '+'.
bool IsValidKeyName(std::string_view name);

// A public key that checks signatures: name, key id and Ed25519 key. A plain value;
// thread-safe to share.
class VerifierKey {
 public:
  // Parses "<name>+<8 hex digits>+<base64(0x01 || key)>". InvalidArgument, saying what is
  // wrong, for any other text or a key id that does not match the name and key.
  static Result<VerifierKey> Parse(std::string_view text);
  // The key for `name` and `public_key`; InvalidArgument if the name is not valid.
  static Result<VerifierKey> FromPublicKey(std::string_view name,
                                           const Ed25519PublicKey& public_key);

  // The verifier key string (lower-case hex), as Parse reads it.
  std::string ToString() const;

  const std::string& name() const { return name_; }
  uint32_t key_id() const { return key_id_; }
  const Ed25519PublicKey& public_key() const { return public_key_; }

  // True if `signature` is this key's Ed25519 signature of `message`.
  bool Verify(std::span<const uint8_t> message, std::span<const uint8_t> signature) const;

 private:
  VerifierKey() = default;
  std::string name_;
  uint32_t key_id_ = 0;
  Ed25519PublicKey public_key_{};
};

// An Ed25519 private key with its name. Owns OpenSSL state; move-only. Thread-safe for
// concurrent Sign calls (each call uses its own OpenSSL context).
class SigningKey {
 public:
  // A fresh random key. InvalidArgument for a bad name; IOError if OpenSSL fails.
  static Result<SigningKey> Generate(std::string_view name);
  // Parses "PRIVATE+KEY+<name>+<8 hex digits>+<base64(0x01 || seed)>". InvalidArgument for
  // anything else, including a key id that does not match the key.
  static Result<SigningKey> Parse(std::string_view text);
  // Reads a key file written by SaveToFile (the private key string, one trailing newline
  // allowed). PermissionDenied if the file can be read or written by group or others (it must
  // be mode 0600 or stricter); IOError if it cannot be read; InvalidArgument if it does not
  // hold a private key string.
  static Result<SigningKey> LoadFromFile(const std::string& path);

  SigningKey(SigningKey&&) noexcept;
  SigningKey& operator=(SigningKey&&) noexcept;
  SigningKey(const SigningKey&) = delete;
  SigningKey& operator=(const SigningKey&) = delete;
  ~SigningKey();

  // Writes ToPrivateString() and a newline to a new file of mode 0600, synced. Refuses
  // (IOError) to replace an existing file, so a key in use is never overwritten.
  Status SaveToFile(const std::string& path) const;

  // The private key string. Secret: never log it.
  std::string ToPrivateString() const;

  const std::string& name() const { return verifier_.name(); }
  uint32_t key_id() const { return verifier_.key_id(); }
  const VerifierKey& verifier() const { return verifier_; }

  // The Ed25519 signature of `message`. IOError if OpenSSL fails.
  Result<Ed25519Signature> Sign(std::span<const uint8_t> message) const;

 private:
  struct Impl;
  SigningKey(std::unique_ptr<Impl> impl, VerifierKey verifier);
  static Result<SigningKey> FromSeed(std::string_view name, std::span<const uint8_t> seed);

  std::unique_ptr<Impl> impl_;
  VerifierKey verifier_;
};

// Signs `text` (UTF-8 ending in a newline, no control characters but newline) as a signed
// note with one signature line. InvalidArgument for bad text.
Result<std::string> SignNote(const SigningKey& key, std::string_view text);

// Checks that `note` is a well-formed signed note carrying a valid signature by `key`, and
// returns its text. Signatures by other keys are ignored; every signature line with this
// key's name and id must verify. InvalidArgument for a malformed note (naming the line) or
// no signature by this key; Corruption for a signature by this key that does not verify.
Result<std::string> OpenNote(std::string_view note, const VerifierKey& key);

// A parsed checkpoint.
struct Checkpoint {
  std::string origin;
  uint64_t size = 0;
  Hash256 root{};
  std::vector<std::string> extensions;  // extension lines, without their newlines
};

// The checkpoint note for `origin` (non-empty, one line of UTF-8) at tree `size` with `root`,
// signed by `key`. The key name SHOULD equal the origin (the spec's advice, not enforced).
Result<std::string> SignCheckpoint(const SigningKey& key, std::string_view origin, uint64_t size,
                                   const Hash256& root);
// As above, with extension lines after the root (each non-empty, one line, no newline), such
// as the case-head map's "caseledger-heads <base64>". InvalidArgument for a bad line.
Result<std::string> SignCheckpoint(const SigningKey& key, std::string_view origin, uint64_t size,
                                   const Hash256& root, const std::vector<std::string>& extensions);

// OpenNote, then parses the text as a checkpoint. Errors as OpenNote, plus InvalidArgument for
// a text that is not a checkpoint (naming the line: empty origin, bad size, a root that is not
// base64 of 32 bytes, an empty extension line). The caller checks that the origin is the log
// it expects.
Result<Checkpoint> ParseAndVerifyCheckpoint(std::string_view note, const VerifierKey& key);

// Parses a checkpoint note, checking its syntax (signature lines included) but no signature:
// for tools that only display one. Never trust what it returns.
Result<Checkpoint> ParseCheckpointUnverified(std::string_view note);

}  // namespace caseledger

#endif  // CASELEDGER_LEDGER_CHECKPOINT_H_
