// What tools/soak.cc and tools/hostile_client.cc share: a development caseledgerd started on
// free loopback ports with fresh development certificates (over tools/bench_daemon), client
// options per development principal, the server's resident memory, a steady pacer, and
// per-operation latency windows. Figures and conditions: docs/reliability.md ("Soak",
// "Hostile clients").
#ifndef CASELEDGER_TOOLS_SOAK_UTIL_H_
#define CASELEDGER_TOOLS_SOAK_UTIL_H_

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "ledger/status.h"
#include "server/client.h"
#include "tools/bench_daemon.h"
#include "tools/bench_util.h"

namespace caseledger::bench {

// The caseledgerd of this build tree: ../server/caseledgerd beside this tool's directory.
std::string DaemonBesideThisTool();

// A fresh directory `parent`/`stem`-XXXXXX (parent empty: $TMPDIR). IOError when it cannot be
// made.
Result<std::string> MakeRunDirectory(const std::string& parent, const std::string& stem);

// The end of a run: keeps `root` (and says where the server's log is) when asked to or when the
// run failed, removes it otherwise, prints "`tool`: PASSED|FAILED" and returns the exit code.
int FinishRun(FILE* out, const char* tool, bool passed, bool keep, const std::string& root,
              const std::string& log_file);

// A caseledgerd with the development principals (tools/dev_certs.h) in `dir`: certificates in
// dir/certs, data in dir/data, its log in dir/caseledgerd.log. `extra_toml` is appended to
// the generated configuration (e.g. a [limits] table). Not thread-safe; the clients it
// describes are.
class DevServer {
 public:
  static Result<std::unique_ptr<DevServer>> Start(const std::string& dir,
                                                  const std::string& daemon_binary,
                                                  const std::string& log_level,
                                                  const std::string& extra_toml);
  // Client options for development principal `name` ("childprotection", "oversight", ...).
  server::ClientOptions ClientFor(const std::string& name, const std::string& client_name) const;
  // The agency id the configuration gives principal `name` (empty when unknown).
  static std::string AgencyOf(const std::string& name);

  Daemon& daemon() { return *daemon_; }
  pid_t pid() const { return daemon_->pid(); }
  const std::string& log_file() const { return log_file_; }
  const std::string& certs() const { return certs_; }
  Status Stop() { return daemon_->Stop(); }

 private:
  DevServer() = default;
  std::string certs_;
  std::string log_file_;
  std::string address_;
  std::unique_ptr<Daemon> daemon_;
};

// VmRSS of process `pid` in KiB (/proc/<pid>/status); -1 when unreadable.
int64_t RssKibOf(pid_t pid);

// Wakes a loop `rate` times per second on a fixed schedule (open loop: a slow call does not
// lower the rate; after falling more than a second behind the schedule restarts from now and
// the skipped ticks are counted).
class Pacer {
 public:
  explicit Pacer(double rate);
  // Sleeps until the next tick or until `stop`; false when stopped.
  bool Wait(const std::atomic<bool>& stop);
  uint64_t skipped() const { return skipped_; }

 private:
  int64_t period_nanos_;
  int64_t next_nanos_;
  uint64_t skipped_ = 0;
};

// Latencies and errors of one kind of operation, collected by any thread and taken out one
// window at a time. Thread-safe.
struct WindowStats {
  uint64_t count = 0;   // successful calls
  uint64_t errors = 0;
  std::string first_error;
  int64_t p50 = 0, p99 = 0, p999 = 0, max = 0;  // nanoseconds
};
class LatencyRecorder {
 public:
  void Record(int64_t nanos);
  void Error(const std::string& message);
  // Everything recorded since the previous Take.
  WindowStats Take();

 private:
  std::mutex mu_;
  std::vector<int64_t> latencies_;  // GUARDED_BY(mu_)
  uint64_t errors_ = 0;             // GUARDED_BY(mu_)
  std::string first_error_;         // GUARDED_BY(mu_)
};

}  // namespace caseledger::bench

#endif  // CASELEDGER_TOOLS_SOAK_UTIL_H_
