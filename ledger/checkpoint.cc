#include "ledger/checkpoint.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>

namespace caseledger {

namespace {

constexpr uint8_t kEd25519Type = 0x01;  // c2sp.org/signed-note signature type: never change
constexpr std::string_view kSigPrefix = "\xE2\x80\x94 ";  // U+2014 EM DASH, space
constexpr std::string_view kPrivatePrefix = "PRIVATE+KEY+";
constexpr size_t kMaxNoteBytes = 1 << 20;
constexpr size_t kMaxSignatures = 100;  // as Go's note.Open
constexpr size_t kMaxKeyFileBytes = 4096;

struct PkeyDeleter {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyDeleter>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxDeleter>;

// Wipes a secret when it goes out of scope.
struct Wipe {
  void* p;
  size_t n;
  ~Wipe() { OPENSSL_cleanse(p, n); }
};

Status OpenSslError(std::string_view what) {
  ERR_clear_error();
  return Status::IOError("OpenSSL failed to " + std::string(what));
}

std::span<const uint8_t> Bytes(const std::string& s) { return AsBytes(s); }

// Decodes the UTF-8 sequence at s[*i], advancing *i. False for an invalid or overlong
// sequence, a surrogate, or a value past U+10FFFF.
bool NextRune(std::string_view s, size_t* i, char32_t* out) {
  const auto b = [&](size_t k) { return static_cast<uint8_t>(s[k]); };
  const uint8_t c = b(*i);
  int extra;
  char32_t cp;
  if (c < 0x80) {
    *out = c;
    ++*i;
    return true;
  }
  if (c >= 0xC2 && c <= 0xDF) {
    extra = 1;
    cp = c & 0x1F;
  } else if (c >= 0xE0 && c <= 0xEF) {
    extra = 2;
    cp = c & 0x0F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    extra = 3;
    cp = c & 0x07;
  } else {
    return false;
  }
  if (s.size() - *i <= static_cast<size_t>(extra)) return false;
  for (int k = 1; k <= extra; ++k) {
    if ((b(*i + k) & 0xC0) != 0x80) return false;
    cp = cp << 6 | (b(*i + k) & 0x3F);
  }
  static constexpr char32_t kMin[] = {0, 0x80, 0x800, 0x10000};
  if (cp < kMin[extra] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
  *out = cp;
  *i += extra + 1;
  return true;
}

// Unicode White_Space, as Go's unicode.IsSpace.
bool IsUnicodeSpace(char32_t c) {
  return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F ||
         c == 0x3000;
}

// OK if `text` is UTF-8 with no control character but newline; else names the line.
Status CheckNoteCharacters(std::string_view text) {
  size_t line = 1;
  for (size_t i = 0; i < text.size();) {
    char32_t c;
    if (!NextRune(text, &i, &c)) {
      return Status::InvalidArgument("line " + std::to_string(line) + " is not valid UTF-8");
    }
    if (c == '\n') {
      ++line;
    } else if (c < 0x20) {
      return Status::InvalidArgument("line " + std::to_string(line) + " holds control character " +
                                     std::to_string(c));
    }
  }
  return Status::OK();
}

std::string HexId(uint32_t id) {
  char buf[9];
  std::snprintf(buf, sizeof buf, "%08x", id);
  return buf;
}

Result<uint32_t> ParseHexId(std::string_view hex) {
  uint32_t id = 0;
  auto [end, ec] = std::from_chars(hex.data(), hex.data() + hex.size(), id, 16);
  if (hex.size() != 8 || ec != std::errc() || end != hex.data() + hex.size()) {
    return Status::InvalidArgument("key id \"" + std::string(hex.substr(0, 16)) +
                                   "\" is not 8 hex digits");
  }
  return id;
}

// Splits "a+b" at the first '+'.
std::pair<std::string_view, std::string_view> Chop(std::string_view s) {
  size_t at = s.find('+');
  if (at == std::string_view::npos) return {s, {}};
  return {s.substr(0, at), s.substr(at + 1)};
}

// The three fields of a key string after any PRIVATE+KEY+ prefix: name, id, 0x01 || 32 bytes.
struct KeyFields {
  std::string name;
  uint32_t id = 0;
  std::string key;  // the 32 bytes after the type byte
};

Result<KeyFields> ParseKeyFields(std::string_view text, std::string_view what) {
  auto [name, rest] = Chop(text);
  auto [hex, key64] = Chop(rest);
  if (!IsValidKeyName(name))
    return Status::InvalidArgument(std::string(what) + " has no valid key name");
  Result<uint32_t> id = ParseHexId(hex);
  if (!id.ok()) return id.status().WithContext(what);
  // The messages never quote the key: for a private key it is the seed.
  Result<std::string> key = DecodeBase64(key64);
  if (!key.ok()) return Status::InvalidArgument(std::string(what) + ": the key is not base64");
  Wipe wipe{key->data(), key->size()};
  if (key->size() != 33 || static_cast<uint8_t>((*key)[0]) != kEd25519Type) {
    return Status::InvalidArgument(std::string(what) +
                                   ": the key is not 0x01 (Ed25519) and 32 bytes");
  }
  return KeyFields{std::string(name), *id, key->substr(1)};
}

// One parsed signature line.
struct SigLine {
  std::string_view name;
  uint32_t key_id;
  std::string signature;  // the bytes after the key id
};

struct ParsedNote {
  std::string_view text;  // final newline included
  std::vector<SigLine> sigs;
};

// Checks the note's syntax (not its signatures). Messages name the line.
Result<ParsedNote> ParseNote(std::string_view note) {
  if (note.size() > kMaxNoteBytes) {
    return Status::InvalidArgument("note is " + std::to_string(note.size()) +
                                   " bytes; the limit is " + std::to_string(kMaxNoteBytes));
  }
  CL_RETURN_IF_ERROR(CheckNoteCharacters(note));
  const size_t split = note.rfind("\n\n");
  if (split == std::string_view::npos)
    return Status::InvalidArgument("no blank line before the signatures");
  ParsedNote out;
  out.text = note.substr(0, split + 1);
  std::string_view sigs = note.substr(split + 2);
  size_t line = std::count(out.text.begin(), out.text.end(), '\n') + 2;
  if (sigs.empty())
    return Status::InvalidArgument("no signature line after the blank line (line " +
                                   std::to_string(line - 1) + ")");
  if (sigs.back() != '\n')
    return Status::InvalidArgument("the last line does not end in a newline");
  for (; !sigs.empty(); ++line) {
    const size_t nl = sigs.find('\n');
    std::string_view l = sigs.substr(0, nl);
    sigs.remove_prefix(nl + 1);
    const std::string where = "signature line " + std::to_string(line);
    if (out.sigs.size() == kMaxSignatures) {
      return Status::InvalidArgument("more than " + std::to_string(kMaxSignatures) + " signatures");
    }
    if (!l.starts_with(kSigPrefix))
      return Status::InvalidArgument(where + " does not start with an em dash and a space");
    l.remove_prefix(kSigPrefix.size());
    const size_t sp = l.find(' ');
    std::string_view name = l.substr(0, sp);
    if (sp == std::string_view::npos || !IsValidKeyName(name)) {
      return Status::InvalidArgument(where + " has no valid key name followed by a space");
    }
    Result<std::string> sig = DecodeBase64(l.substr(sp + 1));
    if (!sig.ok()) return sig.status().WithContext(where);
    if (sig->size() < 5)
      return Status::InvalidArgument(where + " holds no signature after the key id");
    const auto* p = reinterpret_cast<const uint8_t*>(sig->data());
    const uint32_t id = uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | p[3];
    out.sigs.push_back(SigLine{name, id, sig->substr(4)});
  }
  return out;
}

// Parses a decimal tree size: no sign, no leading zero, no overflow.
Result<uint64_t> ParseSize(std::string_view s) {
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v, 10);
  const bool digits_only =
      !s.empty() && s.find_first_not_of("0123456789") == std::string_view::npos;
  if (!digits_only || ec != std::errc() || end != s.data() + s.size() ||
      (s.size() > 1 && s[0] == '0')) {
    return Status::InvalidArgument("line 2: tree size \"" + std::string(s.substr(0, 30)) +
                                   "\" is not a decimal number without leading zeros");
  }
  return v;
}

Result<Checkpoint> ParseCheckpointText(std::string_view text) {
  std::vector<std::string_view> lines;
  for (size_t at = 0; at < text.size();) {
    const size_t nl = text.find('\n', at);
    lines.push_back(text.substr(at, nl - at));
    at = nl + 1;
  }
  if (lines.size() < 3)
    return Status::InvalidArgument("checkpoint text has " + std::to_string(lines.size()) +
                                   " lines, not at least 3");
  for (size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].empty())
      return Status::InvalidArgument("line " + std::to_string(i + 1) +
                                     " of the checkpoint is empty");
  }
  Checkpoint cp;
  cp.origin = lines[0];
  Result<uint64_t> size = ParseSize(lines[1]);
  if (!size.ok()) return size.status();
  cp.size = *size;
  Result<std::string> root = DecodeBase64(lines[2]);
  if (!root.ok()) return root.status().WithContext("line 3: root hash");
  if (root->size() != cp.root.size()) {
    return Status::InvalidArgument("line 3: root hash is " + std::to_string(root->size()) +
                                   " bytes, not 32");
  }
  std::memcpy(cp.root.data(), root->data(), cp.root.size());
  cp.extensions.assign(lines.begin() + 3, lines.end());
  return cp;
}

}  // namespace

std::string EncodeBase64(std::span<const uint8_t> data) {
  // EVP_EncodeBlock takes an int length: encode in chunks of a multiple of 3 bytes, which
  // concatenate without padding in between.
  constexpr size_t kChunk = 3 << 20;
  std::string out;
  out.reserve(4 * ((data.size() + 2) / 3));
  do {
    const std::span<const uint8_t> part = data.first(std::min(data.size(), kChunk));
    const size_t at = out.size();
    out.resize(at + 4 * ((part.size() + 2) / 3) + 1);  // EVP_EncodeBlock adds a NUL
    const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data() + at), part.data(),
                                  static_cast<int>(part.size()));
    out.resize(at + n);
    data = data.subspan(part.size());
  } while (!data.empty());
  return out;
}

Result<std::string> DecodeBase64(std::string_view text) {
  const auto bad = [&](std::string_view why) {
    return Status::InvalidArgument("not base64 (" + std::string(why) + "): \"" +
                                   std::string(text.substr(0, 24)) +
                                   (text.size() > 24 ? "...\"" : "\""));
  };
  if (text.size() % 4 != 0) return bad("length is not a multiple of 4");
  if (text.size() > kMaxNoteBytes) return bad("too long");
  size_t pad = 0;
  while (pad < 2 && pad < text.size() && text[text.size() - 1 - pad] == '=') ++pad;
  for (size_t i = 0; i + pad < text.size(); ++i) {
    const char c = text[i];
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
          c == '/')) {
      return bad("character " + std::to_string(i) + " is outside the alphabet");
    }
  }
  if (text.empty()) return std::string();
  // EVP_DecodeBlock decodes '=' as zero bits and counts them: drop one byte per '='.
  std::string out(text.size() / 4 * 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(text.data()),
                                static_cast<int>(text.size()));
  if (n != static_cast<int>(out.size())) {
    ERR_clear_error();
    return bad("rejected by the decoder");
  }
  out.resize(out.size() - pad);
  // Only the canonical form: no non-zero bits hidden before the padding.
  if (EncodeBase64(Bytes(out)) != text) return bad("non-zero padding bits");
  return out;
}

uint32_t Ed25519KeyId(std::string_view name, const Ed25519PublicKey& public_key) {
  std::string buf(name);
  buf.push_back('\n');
  buf.push_back(static_cast<char>(kEd25519Type));
  buf.append(reinterpret_cast<const char*>(public_key.data()), public_key.size());
  const Hash256 h = Sha256(Bytes(buf));
  return uint32_t{h[0]} << 24 | uint32_t{h[1]} << 16 | uint32_t{h[2]} << 8 | h[3];
}

bool IsValidKeyName(std::string_view name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size();) {
    char32_t c;
    if (!NextRune(name, &i, &c) || c < 0x20 || c == '+' || IsUnicodeSpace(c)) return false;
  }
  return true;
}

// ---- VerifierKey

Result<VerifierKey> VerifierKey::Parse(std::string_view text) {
  Result<KeyFields> f = ParseKeyFields(text, "verifier key");
  if (!f.ok()) return f.status();
  VerifierKey key;
  key.name_ = f->name;
  std::memcpy(key.public_key_.data(), f->key.data(), key.public_key_.size());
  key.key_id_ = Ed25519KeyId(key.name_, key.public_key_);
  if (key.key_id_ != f->id) {
    return Status::InvalidArgument("verifier key id " + HexId(f->id) +
                                   " does not match its name and key (" + HexId(key.key_id_) + ")");
  }
  return key;
}

Result<VerifierKey> VerifierKey::FromPublicKey(std::string_view name,
                                               const Ed25519PublicKey& public_key) {
  if (!IsValidKeyName(name))
    return Status::InvalidArgument("\"" + std::string(name) + "\" is not a valid key name");
  VerifierKey key;
  key.name_ = name;
  key.public_key_ = public_key;
  key.key_id_ = Ed25519KeyId(name, public_key);
  return key;
}

std::string VerifierKey::ToString() const {
  std::string typed(1, static_cast<char>(kEd25519Type));
  typed.append(reinterpret_cast<const char*>(public_key_.data()), public_key_.size());
  return name_ + "+" + HexId(key_id_) + "+" + EncodeBase64(Bytes(typed));
}

bool VerifierKey::Verify(std::span<const uint8_t> message,
                         std::span<const uint8_t> signature) const {
  if (signature.size() != Ed25519Signature().size()) return false;
  PkeyPtr pkey(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, public_key_.data(),
                                           public_key_.size()));
  MdCtxPtr ctx(EVP_MD_CTX_new());
  // Ed25519 takes no digest and only the one-shot call (TRAPS.md).
  const bool ok = pkey && ctx &&
                  EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, pkey.get()) == 1 &&
                  EVP_DigestVerify(ctx.get(), signature.data(), signature.size(), message.data(),
                                   message.size()) == 1;
  if (!ok) ERR_clear_error();
  return ok;
}

// ---- SigningKey

struct SigningKey::Impl {
  PkeyPtr pkey;
};

SigningKey::SigningKey(std::unique_ptr<Impl> impl, VerifierKey verifier)
    : impl_(std::move(impl)), verifier_(std::move(verifier)) {}
SigningKey::SigningKey(SigningKey&&) noexcept = default;
SigningKey& SigningKey::operator=(SigningKey&&) noexcept = default;
SigningKey::~SigningKey() = default;

Result<SigningKey> SigningKey::FromSeed(std::string_view name, std::span<const uint8_t> seed) {
  auto impl = std::make_unique<Impl>();
  impl->pkey.reset(
      EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, seed.data(), seed.size()));
  Ed25519PublicKey pub;
  size_t len = pub.size();
  if (!impl->pkey || EVP_PKEY_get_raw_public_key(impl->pkey.get(), pub.data(), &len) != 1 ||
      len != pub.size()) {
    return OpenSslError("load an Ed25519 private key");
  }
  Result<VerifierKey> verifier = VerifierKey::FromPublicKey(name, pub);
  if (!verifier.ok()) return verifier.status();
  return SigningKey(std::move(impl), std::move(verifier).value());
}

Result<SigningKey> SigningKey::Generate(std::string_view name) {
  if (!IsValidKeyName(name))
    return Status::InvalidArgument("\"" + std::string(name) + "\" is not a valid key name");
  PkeyPtr fresh(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  std::array<uint8_t, 32> seed;
  Wipe wipe{seed.data(), seed.size()};
  size_t len = seed.size();
  if (!fresh || EVP_PKEY_get_raw_private_key(fresh.get(), seed.data(), &len) != 1 ||
      len != seed.size()) {
    return OpenSslError("generate an Ed25519 key");
  }
  return FromSeed(name, seed);
}

Result<SigningKey> SigningKey::Parse(std::string_view text) {
  if (!text.starts_with(kPrivatePrefix)) {
    return Status::InvalidArgument("private key does not start with " +
                                   std::string(kPrivatePrefix));
  }
  Result<KeyFields> f = ParseKeyFields(text.substr(kPrivatePrefix.size()), "private key");
  if (!f.ok()) return f.status();
  Wipe wipe{f->key.data(), f->key.size()};
  Result<SigningKey> key = FromSeed(f->name, AsBytes(f->key));
  if (key.ok() && key->key_id() != f->id) {
    return Status::InvalidArgument("private key id " + HexId(f->id) +
                                   " does not match its name and key");
  }
  return key;
}

std::string SigningKey::ToPrivateString() const {
  std::array<uint8_t, 33> typed;
  Wipe wipe{typed.data(), typed.size()};
  typed[0] = kEd25519Type;
  size_t len = 32;
  if (EVP_PKEY_get_raw_private_key(impl_->pkey.get(), typed.data() + 1, &len) != 1 || len != 32) {
    std::abort();  // the key was loaded from a seed: reading it back cannot fail
  }
  return std::string(kPrivatePrefix) + name() + "+" + HexId(key_id()) + "+" + EncodeBase64(typed);
}

Result<Ed25519Signature> SigningKey::Sign(std::span<const uint8_t> message) const {
  MdCtxPtr ctx(EVP_MD_CTX_new());
  Ed25519Signature sig;
  size_t len = sig.size();
  // Ed25519 takes no digest and only the one-shot call (TRAPS.md).
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, impl_->pkey.get()) != 1 ||
      EVP_DigestSign(ctx.get(), sig.data(), &len, message.data(), message.size()) != 1 ||
      len != sig.size()) {
    return OpenSslError("sign with Ed25519");
  }
  return sig;
}

Status SigningKey::SaveToFile(const std::string& path) const {
  std::string content = ToPrivateString() + "\n";
  Wipe wipe{content.data(), content.size()};
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0)
    return Status::IOError("cannot create key file " + path + ": " + std::strerror(errno));
  bool ok = ::fchmod(fd, 0600) == 0;  // whatever the umask
  for (size_t done = 0; ok && done < content.size();) {
    const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) done += n;
  }
  ok = ok && ::fsync(fd) == 0;
  const int saved_errno = errno;
  ok = ::close(fd) == 0 && ok;
  if (!ok) {
    ::unlink(path.c_str());
    return Status::IOError("cannot write key file " + path + ": " + std::strerror(saved_errno));
  }
  // Make the new directory entry durable too.
  std::string dir = std::filesystem::path(path).parent_path().string();
  const int dfd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return Status::OK();
}

Result<SigningKey> SigningKey::LoadFromFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::IOError("cannot open key file " + path + ": " + std::strerror(errno));
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return Status::InvalidArgument("key file " + path + " is not a regular file");
  }
  if ((st.st_mode & 077) != 0) {
    ::close(fd);
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return Status::PermissionDenied("private key file " + path + " has mode " + mode +
                                    ": it is open to group or others; make it 0600 (chmod 600)");
  }
  std::string content(kMaxKeyFileBytes + 1, '\0');
  Wipe wipe{content.data(), content.size()};
  size_t got = 0;
  while (got < content.size()) {
    const ssize_t n = ::read(fd, content.data() + got, content.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int e = errno;
      ::close(fd);
      return Status::IOError("cannot read key file " + path + ": " + std::strerror(e));
    }
    if (n == 0) break;
    got += n;
  }
  ::close(fd);
  if (got > kMaxKeyFileBytes) return Status::InvalidArgument("key file " + path + " is too large");
  std::string_view text(content.data(), got);
  if (text.ends_with('\n')) text.remove_suffix(1);
  Result<SigningKey> key = Parse(text);
  if (!key.ok()) return key.status().WithContext("key file " + path);
  return key;
}

// ---- Notes and checkpoints

Result<std::string> SignNote(const SigningKey& key, std::string_view text) {
  if (text.empty() || text.back() != '\n')
    return Status::InvalidArgument("note text must end in a newline");
  CL_RETURN_IF_ERROR(CheckNoteCharacters(text));
  Result<Ed25519Signature> sig = key.Sign(AsBytes(text));
  if (!sig.ok()) return sig.status();
  std::string blob(4, '\0');
  for (int i = 0; i < 4; ++i) blob[i] = static_cast<char>(key.key_id() >> (24 - 8 * i));
  blob.append(reinterpret_cast<const char*>(sig->data()), sig->size());
  std::string note(text);
  note += "\n";
  note += kSigPrefix;
  note += key.name() + " " + EncodeBase64(Bytes(blob)) + "\n";
  return note;
}

Result<std::string> OpenNote(std::string_view note, const VerifierKey& key) {
  Result<ParsedNote> parsed = ParseNote(note);
  if (!parsed.ok()) return parsed.status().WithContext("malformed note");
  bool verified = false;
  std::string signers;
  for (const SigLine& s : parsed->sigs) {
    if (s.name != key.name() || s.key_id != key.key_id()) {
      signers += (signers.empty() ? "" : ", ") + std::string(s.name) + "+" + HexId(s.key_id);
      continue;
    }
    if (!key.Verify(AsBytes(parsed->text), Bytes(s.signature))) {
      return Status::Corruption("signature by " + key.name() + "+" + HexId(key.key_id()) +
                                " does not verify: the note was altered or not signed by this key");
    }
    verified = true;
  }
  if (!verified) {
    return Status::InvalidArgument("no signature by " + key.name() + "+" + HexId(key.key_id()) +
                                   " (signed by: " + signers + ")");
  }
  return std::string(parsed->text);
}

Result<std::string> SignCheckpoint(const SigningKey& key, std::string_view origin, uint64_t size,
                                   const Hash256& root) {
  return SignCheckpoint(key, origin, size, root, {});
}

Result<std::string> SignCheckpoint(const SigningKey& key, std::string_view origin, uint64_t size,
                                   const Hash256& root, const std::vector<std::string>& extensions) {
  if (origin.empty() || origin.find('\n') != std::string_view::npos) {
    return Status::InvalidArgument("checkpoint origin must be one non-empty line");
  }
  std::string text(origin);
  text += "\n" + std::to_string(size) + "\n" + EncodeBase64(root) + "\n";
  for (const auto& line : extensions) {
    if (line.empty() || line.find('\n') != std::string::npos) {
      return Status::InvalidArgument("a checkpoint extension must be one non-empty line");
    }
    text += line + "\n";
  }
  return SignNote(key, text);
}

Result<Checkpoint> ParseAndVerifyCheckpoint(std::string_view note, const VerifierKey& key) {
  Result<std::string> text = OpenNote(note, key);
  if (!text.ok()) return text.status();
  Result<Checkpoint> cp = ParseCheckpointText(*text);
  if (!cp.ok()) return cp.status().WithContext("malformed checkpoint");
  return cp;
}

Result<Checkpoint> ParseCheckpointUnverified(std::string_view note) {
  Result<ParsedNote> parsed = ParseNote(note);
  if (!parsed.ok()) return parsed.status().WithContext("malformed note");
  Result<Checkpoint> cp = ParseCheckpointText(parsed->text);
  if (!cp.ok()) return cp.status().WithContext("malformed checkpoint");
  return cp;
}

}  // namespace caseledger
