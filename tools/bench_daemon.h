// caseledgerd as a child process, for load_bench: started on free loopback ports with a given
// configuration, probed until it answers a TLS hello, its /metrics scraped, stopped with
// SIGTERM. Benchmarks only; see docs/performance.md ("Server under load").
#ifndef CASELEDGER_TOOLS_BENCH_DAEMON_H_
#define CASELEDGER_TOOLS_BENCH_DAEMON_H_

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "ledger/status.h"
#include "server/client.h"

namespace caseledger::bench {

// A loopback port that was free a moment ago (the kernel picks it; another process could take
// it before the server binds it). IOError when no socket can be bound.
Result<uint16_t> FreeLoopbackPort();

// GET /metrics from a Prometheus endpoint on 127.0.0.1:`port`: every sample by its full name
// ("name" or "name{labels}"). Unavailable when the endpoint does not answer 200.
Result<std::map<std::string, double>> ScrapeMetrics(uint16_t port);

// The sum of every sample whose name starts with `prefix` (e.g. all error codes).
double SumOf(const std::map<std::string, double>& samples, const std::string& prefix);

struct DaemonOptions {
  std::string binary;    // caseledgerd
  std::string config;    // its TOML configuration (e.g. the development one)
  std::string data_dir;  // passed as --data
  std::string log_file;  // stdout and stderr of the server, appended
  int threads = 0;       // --threads; 0 keeps the server's default
  std::string log_level = "warn";  // --log-level; "info" also logs each refusal (hostile_client)
  std::vector<std::string> extra_args;  // appended to the command line (e.g. --plain-tcp-dev)
};

// A running caseledgerd. Not thread-safe. The destructor kills a server still running.
class Daemon {
 public:
  // Starts the server on free loopback ports (--listen, --metrics-listen, --log-level)
  // and waits up to 30 s until a client with `probe`'s TLS files completes hello. IOError when
  // it cannot start or exits; Unavailable when it does not answer in time.
  static Result<std::unique_ptr<Daemon>> Start(const DaemonOptions& options,
                                               const server::ClientOptions& probe);
  ~Daemon();
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  // SIGTERM, then waits for the exit (the server drains and writes a checkpoint). IOError
  // unless it exits 0 within 60 s.
  Status Stop();

  pid_t pid() const { return pid_; }
  uint16_t metrics_port() const { return metrics_port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

 private:
  Daemon() = default;
  pid_t pid_ = -1;
  uint16_t port_ = 0;
  uint16_t metrics_port_ = 0;
};

}  // namespace caseledger::bench

#endif  // CASELEDGER_TOOLS_BENCH_DAEMON_H_
