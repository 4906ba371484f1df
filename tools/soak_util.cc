#include "tools/soak_util.h"

#include <stdlib.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "tools/dev_certs.h"

namespace caseledger::bench {

namespace fs = std::filesystem;

std::string DaemonBesideThisTool() {
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return "caseledgerd";
  return (self.parent_path().parent_path() / "server" / "caseledgerd").string();
}

int FinishRun(FILE* out, const char* tool, bool passed, bool keep, const std::string& root,
              const std::string& log_file) {
  if (keep || !passed) {
    std::fprintf(out, "kept %s (server log: %s)\n", root.c_str(), log_file.c_str());
  } else {
    std::error_code ec;
    fs::remove_all(root, ec);
  }
  std::fprintf(out, "%s: %s\n", tool, passed ? "PASSED" : "FAILED");
  return passed ? 0 : 1;
}

Result<std::string> MakeRunDirectory(const std::string& parent_dir, const std::string& stem) {
  std::error_code ec;
  const fs::path parent = parent_dir.empty() ? fs::temp_directory_path(ec) : fs::path(parent_dir);
  std::string root = (parent / (stem + "-XXXXXX")).string();
  if (::mkdtemp(root.data()) == nullptr) {
    return Status::IOError("cannot make a directory in " + parent.string() + ": " +
                           std::strerror(errno));
  }
  return root;
}

Result<std::unique_ptr<DevServer>> DevServer::Start(const std::string& dir,
                                                    const std::string& daemon_binary,
                                                    const std::string& log_level,
                                                    const std::string& extra_toml) {
  auto s = std::unique_ptr<DevServer>(new DevServer());
  s->certs_ = dir + "/certs";
  s->log_file_ = dir + "/caseledgerd.log";
  auto made = tools::MakeDevCertificates({.out_dir = s->certs_, .valid_days = 2});
  if (!made.ok()) return made.status().WithContext("development certificates");
  const std::string config = s->certs_ + "/caseledgerd.toml";
  if (!extra_toml.empty()) {
    std::ofstream out(config, std::ios::app);
    out << "\n" << extra_toml << "\n";
    if (!out) return Status::IOError("cannot extend " + config);
  }
  DaemonOptions d;
  d.binary = daemon_binary;
  d.config = config;
  d.data_dir = dir + "/data";
  d.log_file = s->log_file_;
  d.log_level = log_level;
  auto daemon = Daemon::Start(d, s->ClientFor("witness", "probe/1"));
  if (!daemon.ok()) return daemon.status();
  s->daemon_ = std::move(*daemon);
  s->address_ = s->daemon_->address();
  return s;
}

server::ClientOptions DevServer::ClientFor(const std::string& name,
                                           const std::string& client_name) const {
  server::ClientOptions o;
  o.server = address_;
  o.ca_file = certs_ + "/ca.pem";
  o.cert_file = certs_ + "/" + name + ".pem";
  o.key_file = certs_ + "/" + name + ".key";
  o.client_name = client_name;
  o.timeout_seconds = 60;
  return o;
}

std::string DevServer::AgencyOf(const std::string& name) {
  for (const auto& p : tools::DevPrincipals()) {
    if (p.name == name) return p.agency_id;
  }
  return "";
}

int64_t RssKibOf(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("VmRSS:", 0) == 0) return std::strtoll(line.c_str() + 6, nullptr, 10);
  }
  return -1;
}

Pacer::Pacer(double rate)
    : period_nanos_(static_cast<int64_t>(1e9 / (rate > 0 ? rate : 1))), next_nanos_(NowNanos()) {}

bool Pacer::Wait(const std::atomic<bool>& stop) {
  next_nanos_ += period_nanos_;
  const int64_t now = NowNanos();
  if (now - next_nanos_ > 1'000'000'000) {
    skipped_ += static_cast<uint64_t>((now - next_nanos_) / period_nanos_);
    next_nanos_ = now;
  }
  // Short sleeps, so that a stop is seen within 50 ms even at low rates.
  while (!stop.load(std::memory_order_relaxed)) {
    const int64_t left = next_nanos_ - NowNanos();
    if (left <= 0) return true;
    std::this_thread::sleep_for(std::chrono::nanoseconds(std::min<int64_t>(left, 50'000'000)));
  }
  return false;
}

void LatencyRecorder::Record(int64_t nanos) {
  std::lock_guard<std::mutex> lock(mu_);
  latencies_.push_back(nanos);
}

void LatencyRecorder::Error(const std::string& message) {
  std::lock_guard<std::mutex> lock(mu_);
  if (errors_++ == 0) first_error_ = message;
}

WindowStats LatencyRecorder::Take() {
  std::vector<int64_t> v;
  WindowStats w;
  {
    std::lock_guard<std::mutex> lock(mu_);
    v.swap(latencies_);
    w.errors = errors_;
    w.first_error = std::move(first_error_);
    errors_ = 0;
    first_error_.clear();
  }
  w.count = v.size();
  w.p50 = Percentile(v, 0.50);
  w.p99 = Percentile(v, 0.99);
  w.p999 = Percentile(v, 0.999);
  w.max = Percentile(v, 1.0);
  return w;
}

}  // namespace caseledger::bench
