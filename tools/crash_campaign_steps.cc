// The crash campaign's steps that run tools or read projections (crash_campaign_steps.h).
#include "tools/crash_campaign_steps.h"

#include <sys/wait.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <sstream>
#include <thread>

#include "ledger/ledger.h"
#include "projections/projection_store.h"

namespace caseledger::crash {
namespace {

namespace fs = std::filesystem;

std::string Quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

// Runs a shell command; its exit status, and stdout and stderr together in `output`.
int Run(const std::string& command, std::string* output) {
  FILE* p = ::popen((command + " 2>&1").c_str(), "r");
  if (p == nullptr) return -1;
  char buf[4096];
  for (size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) output->append(buf, n);
  const int status = ::pclose(p);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

std::string Hex(const Hash256& h) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out;
  for (uint8_t b : h) {
    out += kDigits[b >> 4];
    out += kDigits[b & 15];
  }
  return out;
}

constexpr const char* kKeySuffixes[] = {".checkpoint-key", ".checkpoint-key.pub", ".master-key"};

}  // namespace

std::string RunVerify(const std::string& cli, const std::string& data_dir) {
  std::string command = Quote(cli) + " verify --quiet --data " + Quote(data_dir);
  std::error_code ec;
  if (fs::exists(data_dir + ".checkpoint-key.pub", ec)) {
    command += " --pubkey " + Quote(data_dir + ".checkpoint-key.pub");
  }
  std::string output;
  const int rc = Run(command, &output);
  if (rc == 0) return "";
  return "exit " + std::to_string(rc) + ": " + output;
}

Result<Digests> RebuildCopy(const std::string& cli, const std::string& data_dir,
                            const std::string& copy_dir) {
  std::error_code ec;
  fs::remove_all(copy_dir, ec);
  fs::copy(data_dir, copy_dir, fs::copy_options::recursive, ec);
  if (ec) return Status::IOError("copying " + data_dir + ": " + ec.message());
  for (const char* suffix : kKeySuffixes) {
    if (!fs::exists(data_dir + suffix)) continue;
    fs::copy_file(data_dir + suffix, copy_dir + suffix, fs::copy_options::overwrite_existing, ec);
    if (ec) return Status::IOError("copying " + data_dir + suffix + ": " + ec.message());
  }
  std::string output;
  const int rc = Run(Quote(cli) + " rebuild --quiet --data " + Quote(copy_dir), &output);
  if (rc != 0) return Status::IOError("caseledger rebuild exit " + std::to_string(rc) + ": " + output);
  // "case_view rebuilt to position 123, digest 0a1b..."
  Digests d;
  std::istringstream lines(output);
  for (std::string line; std::getline(lines, line);) {
    const size_t at = line.find(" rebuilt to position ");
    const size_t digest = line.find(", digest ");
    if (at == std::string::npos || digest == std::string::npos) continue;
    d.position = std::stoull(line.substr(at + 21, digest - at - 21));
    d.by_name[line.substr(0, at)] = line.substr(digest + 9);
  }
  if (d.by_name.empty()) return Status::IOError("caseledger rebuild printed no digest: " + output);
  return d;
}

Result<server::ServerStatus> WaitForProjections(const server::ClientOptions& probe,
                                                uint64_t position, int timeout_seconds) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_seconds);
  Status last = Status::Unavailable("no status yet");
  std::unique_ptr<server::Client> client;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!client) {
      auto c = server::Client::Connect(probe);
      if (!c.ok()) return c.status();
      client = std::move(*c);
    }
    auto s = client->GetServerStatus();
    if (!s.ok()) return s.status();
    if (s->projection_position >= position) return s;
    last = Status::Unavailable("projections at " + std::to_string(s->projection_position) +
                               " of " + std::to_string(position));
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return last;
}

Result<Digests> LiveDigests(const std::string& data_dir) {
  LedgerOptions options;
  options.data_dir = data_dir;
  options.create_if_missing = false;
  options.read_only = true;
  auto ledger = Ledger::Open(options);
  if (!ledger.ok()) return ledger.status();
  projections::StoreOptions store_options;
  store_options.read_only = true;
  auto store = projections::ProjectionStore::Open(**ledger, store_options);
  if (!store.ok()) return store.status();
  Digests d;
  d.position = (*store)->position();
  for (const char* name : {"case_view", "compliance"}) {
    auto digest = (*store)->Digest(name);
    if (!digest.ok()) return digest.status();
    d.by_name[name] = Hex(*digest);
  }
  return d;
}

}  // namespace caseledger::crash
