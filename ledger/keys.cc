// Master key files and wrapped data keys (keys.h; docs/storage_format.md, "Keys").
#include "ledger/keys.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "ledger/hash.h"

namespace caseledger {

namespace {

constexpr char kFingerprintContext[] = "caseledger master key";  // and its NUL
constexpr char kWrapContext[] = "caseledger child key";
constexpr uint8_t kWrappedVersion = 0x01;
constexpr size_t kWrappedSize =
    1 + 4 + kMasterFingerprintSize + kAeadNonceSize + kAeadKeySize + kAeadTagSize;
// 64 hex digits, a newline, and room for a CR or trailing spaces an editor may add.
constexpr size_t kMaxKeyFileBytes = 80;

void PutU32BE(std::string* dst, uint32_t v) {
  for (int i = 3; i >= 0; --i) dst->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

uint32_t GetU32BE(const char* p) {
  const auto* u = reinterpret_cast<const uint8_t*>(p);
  return (uint32_t{u[0]} << 24) | (uint32_t{u[1]} << 16) | (uint32_t{u[2]} << 8) | u[3];
}

std::string WrapAssociatedData(std::string_view child_id, uint32_t generation) {
  std::string ad(kWrapContext);
  PutU32BE(&ad, static_cast<uint32_t>(child_id.size()));
  ad.append(child_id);
  PutU32BE(&ad, generation);
  return ad;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

MasterKey::MasterKey(const SecretKey& key) : key_(key) {
  std::string input(kFingerprintContext, sizeof kFingerprintContext);  // with its NUL
  input.append(reinterpret_cast<const char*>(key.data()), key.size());
  const Hash256 h = Sha256(AsBytes(input));
  OPENSSL_cleanse(input.data(), input.size());
  fingerprint_.assign(reinterpret_cast<const char*>(h.data()), kMasterFingerprintSize);
}

std::string MasterKey::fingerprint_hex() const { return ToHex(AsBytes(fingerprint_)); }

Result<MasterKey> MasterKey::Generate() {
  Result<SecretKey> k = SecretKey::Random();
  if (!k.ok()) return k.status();
  return MasterKey(*k);
}

Status MasterKey::SaveToFile(const std::string& path) const {
  std::string content = ToHex(key_.span());
  content.push_back('\n');
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) {
    OPENSSL_cleanse(content.data(), content.size());
    return Status::IOError("cannot create master key file " + path + ": " + std::strerror(errno));
  }
  bool ok = ::fchmod(fd, 0600) == 0;  // whatever the umask
  for (size_t done = 0; ok && done < content.size();) {
    const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) done += static_cast<size_t>(n);
  }
  OPENSSL_cleanse(content.data(), content.size());
  ok = ok && ::fsync(fd) == 0;
  const int saved_errno = errno;
  ok = ::close(fd) == 0 && ok;
  if (!ok) {
    ::unlink(path.c_str());
    return Status::IOError("cannot write master key file " + path + ": " +
                           std::strerror(saved_errno));
  }
  const std::string dir = std::filesystem::path(path).parent_path().string();
  const int dfd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return Status::OK();
}

Result<MasterKey> MasterKey::LoadFromFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    const int e = errno;
    if (e == ENOENT) return Status::NotFound("master key file " + path + " does not exist");
    return Status::IOError("cannot open master key file " + path + ": " + std::strerror(e));
  }
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return Status::InvalidArgument("master key file " + path + " is not a regular file");
  }
  if ((st.st_mode & 077) != 0) {
    ::close(fd);
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return Status::PermissionDenied("master key file " + path + " has mode " + mode +
                                    ": it is open to group or others; make it 0600 (chmod 600)");
  }
  char buf[kMaxKeyFileBytes + 1];
  size_t got = 0;
  while (got < sizeof buf) {
    const ssize_t n = ::read(fd, buf + got, sizeof buf - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int e = errno;
      ::close(fd);
      OPENSSL_cleanse(buf, sizeof buf);
      return Status::IOError("cannot read master key file " + path + ": " + std::strerror(e));
    }
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  ::close(fd);
  size_t len = got;
  while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r' || buf[len - 1] == ' ')) --len;
  SecretKey key;
  bool ok = got <= kMaxKeyFileBytes && len == 2 * kAeadKeySize;
  for (size_t i = 0; ok && i < kAeadKeySize; ++i) {
    const int hi = HexValue(buf[2 * i]);
    const int lo = HexValue(buf[2 * i + 1]);
    ok = hi >= 0 && lo >= 0;
    if (ok) key.data()[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  OPENSSL_cleanse(buf, sizeof buf);
  if (!ok) {
    return Status::InvalidArgument("master key file " + path +
                                   " is not a master key (64 hex digits and a newline, as "
                                   "`caseledger keys new` writes)");
  }
  return MasterKey(key);
}

std::string DefaultMasterKeyPath(const std::string& data_dir) {
  std::filesystem::path dir(data_dir);
  if (!dir.has_filename()) dir = dir.parent_path();  // "DIR/" names DIR
  return dir.string() + ".master-key";
}

Status CheckKeyOutsideDataDir(const std::string& key_path, const std::string& data_dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path key = fs::weakly_canonical(fs::absolute(key_path, ec), ec);
  const fs::path dir = fs::weakly_canonical(fs::absolute(data_dir, ec), ec);
  if (ec) return Status::OK();  // unresolvable paths: the open that follows says what is wrong
  auto k = key.begin();
  for (auto d = dir.begin(); d != dir.end(); ++d, ++k) {
    if (d->empty()) continue;  // a trailing separator
    if (k == key.end() || *k != *d) return Status::OK();
  }
  return Status::InvalidArgument("master key file " + key_path +
                                 " lies inside the data directory " + data_dir +
                                 "; keep it outside, or a copy of the directory carries "
                                 "its own key");
}

std::string EncodeWrappedDataKey(const WrappedDataKey& w) {
  std::string v;
  v.reserve(kWrappedSize);
  v.push_back(static_cast<char>(kWrappedVersion));
  PutU32BE(&v, w.generation);
  v.append(w.master_fingerprint);
  v.append(w.sealed);
  return v;
}

Result<WrappedDataKey> DecodeWrappedDataKey(std::string_view value) {
  if (value.size() != kWrappedSize || static_cast<uint8_t>(value[0]) != kWrappedVersion) {
    return Status::Corruption("child key record of " + std::to_string(value.size()) +
                              " bytes is malformed");
  }
  WrappedDataKey w;
  w.generation = GetU32BE(value.data() + 1);
  w.master_fingerprint.assign(value.substr(5, kMasterFingerprintSize));
  w.sealed.assign(value.substr(5 + kMasterFingerprintSize));
  return w;
}

Result<WrappedDataKey> WrapDataKey(const MasterKey& master, std::string_view child_id,
                                   const DataKey& key) {
  const std::string ad = WrapAssociatedData(child_id, key.generation);
  Result<std::string> sealed = AeadSeal(master.key(), AsBytes(ad), key.key.span());
  if (!sealed.ok()) return sealed.status();
  return WrappedDataKey{key.generation, master.fingerprint(), std::move(sealed).value()};
}

Result<DataKey> UnwrapDataKey(const MasterKey& master, std::string_view child_id,
                              const WrappedDataKey& wrapped) {
  const std::string who = "the data key of child \"" + std::string(child_id) + "\"";
  if (wrapped.master_fingerprint != master.fingerprint()) {
    return Status::Corruption(who + " is wrapped by master key " +
                              ToHex(AsBytes(wrapped.master_fingerprint)) + ", not by " +
                              master.fingerprint_hex());
  }
  const std::string ad = WrapAssociatedData(child_id, wrapped.generation);
  Result<std::string> plain = AeadOpen(master.key(), AsBytes(ad), AsBytes(wrapped.sealed));
  if (!plain.ok()) {
    return Status::Corruption(who + " does not open with master key " + master.fingerprint_hex() +
                              ": the record was altered or the key is wrong");
  }
  DataKey key;
  key.generation = wrapped.generation;
  if (plain->size() != kAeadKeySize) {
    OPENSSL_cleanse(plain->data(), plain->size());
    return Status::Corruption(who + " has the wrong length");
  }
  std::memcpy(key.key.data(), plain->data(), kAeadKeySize);
  OPENSSL_cleanse(plain->data(), plain->size());
  return key;
}

}  // namespace caseledger
