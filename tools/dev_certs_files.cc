// Development certificates: the principals, the files in the output directory and the server
// configuration that names them (tools/dev_certs.h). The X.509 part is in dev_certs.cc.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

#include "tools/cli_internal.h"
#include "tools/dev_certs.h"

namespace caseledger::tools {
namespace {

namespace fs = std::filesystem;

constexpr char kPrincipalUriPrefix[] = "URI:caseledger://principal/";
constexpr char kConfigFile[] = "caseledgerd.toml";
constexpr int64_t kMaxValidDays = 36500;
constexpr int64_t kBackdateSeconds = 3600;  // tolerate clocks that are a little behind

// A file to write: its name in the output directory, its content, and its creation mode.
struct OutputFile {
  std::string name;
  std::string content;
  mode_t mode;
};

// Creates `path`, which must not exist yet, with `mode` (less the umask) and writes `content`,
// synced. The mode is set at creation, so a key is never readable by others, not even briefly.
Status WriteNewFile(const std::string& path, const std::string& content, mode_t mode) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
  if (fd < 0) {
    if (errno == EEXIST) return Status::InvalidArgument(path + " already exists");
    return Status::IOError("cannot create " + path + ": " + std::strerror(errno));
  }
  bool ok = true;
  for (size_t done = 0; ok && done < content.size();) {
    const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) done += static_cast<size_t>(n);
  }
  ok = ok && ::fsync(fd) == 0;
  const int saved_errno = errno;
  ok = ::close(fd) == 0 && ok;
  if (!ok) {
    ::unlink(path.c_str());
    return Status::IOError("cannot write " + path + ": " + std::strerror(saved_errno));
  }
  return Status::OK();
}

std::string ServerConfig() {
  std::ostringstream toml;
  toml << "# caseledgerd configuration written by `caseledger certs` (development only).\n"
       << "# Paths are relative to this file's directory.\n"
       << "listen = \"127.0.0.1:7450\"\n"
       << "# --data on the command line overrides data_dir.\n"
       << "data_dir = \"data\"\n"
       << "metrics_listen = \"127.0.0.1:7451\"\n"
       << "\n"
       << "[tls]\n"
       << "certificate = \"server.pem\"\n"
       << "private_key = \"server.key\"\n"
       << "client_ca = \"ca.pem\"\n";
  // Every value is one of the fixed ASCII strings of DevPrincipals(): nothing to escape.
  for (const DevPrincipal& p : DevPrincipals()) {
    toml << "\n"
         << "[[principal]]\n"
         << "id = \"" << p.name << "\"\n"
         << "san = \"" << kPrincipalUriPrefix << p.name << "\"\n"
         << "agency_id = \"" << p.agency_id << "\"\n"
         << "agency_role = \"" << p.agency_role << "\"\n"
         << "user_role = \"" << p.user_role << "\"\n";
  }
  return toml.str();
}

// Appends `name`.pem (0644) and `name`.key (0600) to `files`.
void AddKeyAndCert(const std::string& name, PemKeyAndCert pem, std::vector<OutputFile>* files) {
  files->push_back({name + ".pem", std::move(pem.cert_pem), 0644});
  files->push_back({name + ".key", std::move(pem.key_pem), 0600});
}

// Everything MakeDevCertificates writes, made in memory first so that a failure of OpenSSL
// leaves the directory untouched.
Result<std::vector<OutputFile>> MakeFiles(int64_t valid_days) {
  const int64_t valid_seconds = valid_days * 24 * 3600;
  std::vector<OutputFile> files;
  auto ca = MakeCertificateAuthority("caseledger development CA", -kBackdateSeconds, valid_seconds);
  if (!ca.ok()) return ca.status();

  CertRequest server;
  server.common_name = "localhost";
  server.subject_alt_names = {"DNS:localhost", "IP:127.0.0.1", "IP:::1"};
  server.server = true;
  server.valid_from_offset_seconds = -kBackdateSeconds;
  server.valid_seconds = valid_seconds;
  auto server_pem = IssueCertificate(*ca, server);
  if (!server_pem.ok()) return server_pem.status().WithContext("server certificate");

  AddKeyAndCert("ca", *ca, &files);
  AddKeyAndCert("server", std::move(*server_pem), &files);
  for (const DevPrincipal& p : DevPrincipals()) {
    CertRequest client;
    client.common_name = p.name;
    client.subject_alt_names = {kPrincipalUriPrefix + p.name};
    client.valid_from_offset_seconds = -kBackdateSeconds;
    client.valid_seconds = valid_seconds;
    auto client_pem = IssueCertificate(*ca, client);
    if (!client_pem.ok()) return client_pem.status().WithContext("certificate of " + p.name);
    AddKeyAndCert(p.name, std::move(*client_pem), &files);
  }
  files.push_back({kConfigFile, ServerConfig(), 0644});
  return files;
}

}  // namespace

const std::vector<DevPrincipal>& DevPrincipals() {
  // name, agency_id, agency_role, user_role.
  static const std::vector<DevPrincipal> kPrincipals = {
      {"police", "dk-police-copenhagen", "police", "agency"},
      {"prosecution", "dk-prosecution", "prosecution", "agency"},
      {"guardianship", "dk-guardianship-service", "guardianship", "agency"},
      {"childprotection", "dk-child-protection-kbh", "childProtection", "agency"},
      {"migration", "dk-immigration-service", "migration", "agency"},
      {"health", "dk-health-region-h", "health", "agency"},
      {"barnahus", "dk-barnahus-east", "barnahus", "agency"},
      {"oversight", "dk-oversight-board", "ombuds", "oversight"},
      {"ombudsperson", "dk-childrens-ombudsperson", "ombuds", "ombudsperson"},
      {"witness", "witness-1", "system", "witness"},
      {"admin", "caseledger-ops", "system", "admin"},
  };
  return kPrincipals;
}

Result<std::vector<std::string>> MakeDevCertificates(const DevCertOptions& options) {
  if (options.out_dir.empty()) return Status::InvalidArgument("no output directory given");
  if (options.valid_days < 1 || options.valid_days > kMaxValidDays)
    return Status::InvalidArgument("validity must be 1 to 36500 days");
  const fs::path dir(options.out_dir);

  auto files = MakeFiles(options.valid_days);
  if (!files.ok()) return files.status();
  // Refuse before writing anything, on any name, not only ca.pem: a re-run must neither
  // replace a CA nor mix new keys with old ones. (O_EXCL below still guards against a race.)
  for (const OutputFile& f : *files) {
    std::error_code ec;
    const fs::path path = dir / f.name;
    if (fs::symlink_status(path, ec).type() != fs::file_type::not_found) {
      return Status::InvalidArgument(
          path.string() + " already exists: development certificates are never replaced; "
                          "remove the directory or choose another");
    }
  }
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Status::IOError("cannot create directory " + dir.string() + ": " + ec.message());

  std::vector<std::string> written;
  for (const OutputFile& f : *files) {
    const std::string path = (dir / f.name).string();
    Status s = WriteNewFile(path, f.content, f.mode);
    if (!s.ok()) {
      for (const std::string& made : written) ::unlink(made.c_str());
      return s;
    }
    written.push_back(path);
  }
  // Make the new directory entries durable too.
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return written;
}

int RunCerts(const CertsArgs& args, std::ostream& out, std::ostream& err) {
  DevCertOptions options;
  options.out_dir = args.out_dir;
  options.valid_days = args.days;
  auto written = MakeDevCertificates(options);
  if (!written.ok()) return cli::detail::Fail(err, written.status());
  for (const std::string& path : *written) out << path << "\n";
  out << "These are development certificates only: the CA key lies unencrypted beside them, "
         "so anyone who can read "
      << (fs::path(args.out_dir) / "ca.key").string()
      << " can issue certificates it trusts. Never use them in production.\n";
  return cli::kExitOk;
}

}  // namespace caseledger::tools
