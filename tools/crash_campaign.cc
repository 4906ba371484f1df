// crash_campaign: kills caseledgerd with SIGKILL at random moments under concurrent mutual-TLS
// appenders, restarts it on the same data directory, and checks after every kill that nothing
// acknowledged was lost or duplicated, positions have no gap, `caseledger verify` passes, the
// newest checkpoint is consistent with every earlier one, and the live projections catch up to
// the digests of a rebuild. docs/reliability.md, "Crash campaign".
//
//   crash_campaign --cycles 20 [--appenders 4] [--seed N] [--dir D] [--keep]
//
// Exit 0 when every check held, 1 on a violation (each printed), 2 when it could not run.
#include <CLI/CLI.hpp>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <random>
#include <thread>

#include "tools/bench_daemon.h"
#include "tools/bench_util.h"
#include "tools/crash_campaign.h"
#include "tools/crash_campaign_steps.h"
#include "tools/dev_certs.h"

namespace caseledger::crash {
namespace {

namespace fs = std::filesystem;
using bench::NowNanos;

struct Config {
  int cycles = 20;
  size_t appenders = 4;
  uint64_t seed = 0;
  int min_delay_ms = 300;
  int max_delay_ms = 2500;
  std::string daemon;
  std::string cli;
  std::string dir;
  bool keep = false;
  // Self-test: record an acknowledgement the server never gave, so the first check must fail
  // (shows that the checks bite; the campaign then exits 1).
  bool inject_lost_ack = false;
};

struct Row {
  int cycle = 0;
  int delay_ms = 0;
  uint64_t appends = 0;
  uint64_t events_acked = 0;
  uint64_t retries = 0;
  uint64_t deduplicated = 0;
  uint64_t events = 0;
  uint64_t unacked_present = 0;
  double ready_ms = 0;
  double caught_up_ms = 0;
  double first_ack_ms = -1;
  uint64_t checkpoints = 0;
  int checks_passed = 0;
  int checks = 0;
};

void PrintHeader() {
  std::printf("Per kill: what ran before it (acked appends and events, retries with the same ids,\n"
              "retries answered as duplicates), then the directory after it (events stored, ids\n"
              "sent but never acked found stored), then the restart on it (ms from spawn to a\n"
              "TLS hello, to projections caught up, to the first acked append).\n");
  std::printf("%5s %6s %7s %7s %7s %6s %7s %7s %8s %9s %9s %6s %7s\n", "cycle", "kill@", "acked",
              "events", "retried", "dedup", "stored", "unacked", "ready", "proj.up", "1st ack",
              "ckpts", "checks");
  std::printf("%5s %6s %7s %7s %7s %6s %7s %7s %8s %9s %9s %6s %7s\n", "", "ms", "appends",
              "acked", "", "", "events", "stored", "ms", "ms", "ms", "", "passed");
}

void PrintRow(const Row& r) {
  std::printf("%5d %6d %7llu %7llu %7llu %6llu %7llu %7llu %8.0f %9.0f %9.0f %6llu %4d/%d\n",
              r.cycle, r.delay_ms, (unsigned long long)r.appends,
              (unsigned long long)r.events_acked, (unsigned long long)r.retries,
              (unsigned long long)r.deduplicated, (unsigned long long)r.events,
              (unsigned long long)r.unacked_present, r.ready_ms, r.caught_up_ms, r.first_ack_ms,
              (unsigned long long)r.checkpoints, r.checks_passed, r.checks);
  std::fflush(stdout);
}

double MillisSince(int64_t start) { return (NowNanos() - start) / 1e6; }

class Campaign {
 public:
  Campaign(const Config& c, std::string root) : c_(c), root_(std::move(root)) {}

  // 0 all checks held, 1 a violation, 2 could not run.
  int Run();

 private:
  bool Setup();
  Result<std::unique_ptr<bench::Daemon>> StartDaemon();
  bool Check(bool ok, const std::string& what, Row* row);
  void AfterKill(Row* row);
  void AfterRestart(Row* row);
  double ResumeUntilFirstAck(int64_t spawn, const std::string& address);
  void FinalCheck();

  Config c_;
  std::string root_;
  std::string data_;
  std::string certs_;
  server::ClientOptions probe_;
  Record record_;
  std::vector<std::unique_ptr<Appender>> appenders_;
  CheckpointHistory history_;
  Digests rebuilt_;        // of a rebuild after the last kill
  uint64_t killed_size_ = 0;  // the ledger's size after the last kill
  bool failed_ = false;
};

bool Campaign::Setup() {
  certs_ = root_ + "/certs";
  data_ = root_ + "/data";
  if (auto made = tools::MakeDevCertificates({.out_dir = certs_, .valid_days = 2}); !made.ok()) {
    std::fprintf(stderr, "dev certificates: %s\n", made.status().ToString().c_str());
    return false;
  }
  auto options_for = [&](const std::string& principal) {
    server::ClientOptions o;
    o.ca_file = certs_ + "/ca.pem";
    o.cert_file = certs_ + "/" + principal + ".pem";
    o.key_file = certs_ + "/" + principal + ".key";
    o.client_name = "crash_campaign/1";
    o.timeout_seconds = 10;
    return o;
  };
  probe_ = options_for("childprotection");
  for (size_t i = 0; i < c_.appenders; ++i) {
    AppenderOptions a;
    a.barnahus = i % 2 == 1;
    const std::string principal = a.barnahus ? "barnahus" : "childprotection";
    a.client = options_for(principal);
    for (const auto& p : tools::DevPrincipals()) {
      if (p.name == principal) a.agency_id = p.agency_id;
    }
    a.index = i;
    a.exact_versions = (i / 2) % 2 == 1;  // appenders 2, 3, 6, 7, ...
    a.seed = c_.seed;
    appenders_.push_back(std::make_unique<Appender>(a, &record_));
  }
  return true;
}

Result<std::unique_ptr<bench::Daemon>> Campaign::StartDaemon() {
  bench::DaemonOptions d;
  d.binary = c_.daemon;
  d.config = certs_ + "/caseledgerd.toml";
  d.data_dir = data_;
  d.log_file = root_ + "/caseledgerd.log";
  return bench::Daemon::Start(d, probe_);
}

bool Campaign::Check(bool ok, const std::string& what, Row* row) {
  ++row->checks;
  if (ok) {
    ++row->checks_passed;
  } else {
    failed_ = true;
    std::printf("VIOLATION (cycle %d): %s\n", row->cycle, what.c_str());
  }
  return ok;
}

// The server is dead: the directory is quiet. Checks it, runs the real `caseledger verify`,
// and rebuilds the projections of a copy for AfterRestart to compare with.
void Campaign::AfterKill(Row* row) {
  const DirectoryReport report =
      CheckDirectory(data_, record_.acks(), record_.unacked(), record_.TakeCheckpoints(), &history_);
  row->events = report.events;
  row->unacked_present = report.unacked_present;
  row->checkpoints = report.checkpoints;
  if (report.violations.empty()) Check(true, "", row);  // acks, gaps, duplicates, checkpoints
  for (const auto& v : report.violations) Check(false, v, row);
  killed_size_ = report.events;
  const std::string v = RunVerify(c_.cli, data_);
  Check(v.empty(), "caseledger verify: " + v, row);
  auto digests = RebuildCopy(c_.cli, data_, root_ + "/rebuild-copy");
  if (Check(digests.ok(), "rebuild of a copy: " + digests.status().ToString(), row)) {
    rebuilt_ = *digests;
    Check(rebuilt_.position == killed_size_,
          "the rebuild reached " + std::to_string(rebuilt_.position) + ", the log has " +
              std::to_string(killed_size_),
          row);
  }
}

// The server was restarted on the killed directory and no appender runs: its projections
// must reach the killed size with the rebuild's digests.
void Campaign::AfterRestart(Row* row) {
  const int64_t start = NowNanos();
  auto up = WaitForProjections(probe_, killed_size_, 60);
  row->caught_up_ms = MillisSince(start) + row->ready_ms;
  if (!Check(up.ok(), "the server's projections did not catch up: " + up.status().ToString(),
             row)) {
    return;
  }
  Check(up->tree_size == killed_size_,
        "after restart the server has " + std::to_string(up->tree_size) +
            " events, the directory had " + std::to_string(killed_size_),
        row);
  auto live = LiveDigests(data_);
  if (!Check(live.ok(), "reading the live projections: " + live.status().ToString(), row)) return;
  Check(live->position == killed_size_,
        "the live projections are at " + std::to_string(live->position) + ", expected " +
            std::to_string(killed_size_),
        row);
  for (const auto& [name, digest] : rebuilt_.by_name) {
    auto it = live->by_name.find(name);
    Check(it != live->by_name.end() && it->second == digest,
          "projection " + name + ": live digest differs from a rebuild's", row);
  }
}

// Resumes the appenders and waits (up to 30 s) for the first acknowledgement since `spawn`:
// the milliseconds from spawn to it, or -1.
double Campaign::ResumeUntilFirstAck(int64_t spawn, const std::string& address) {
  auto& counters = record_.counters();
  counters.first_ack_nanos = 0;
  for (auto& a : appenders_) {
    a->SetServer(address);
    a->Resume();
  }
  const int64_t deadline = NowNanos() + 30'000'000'000LL;
  while (counters.first_ack_nanos == 0 && NowNanos() < deadline && record_.violation().empty()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  const int64_t first = counters.first_ack_nanos;
  return first > 0 ? (first - spawn) / 1e6 : -1;
}

// One pass: the server is started on the data directory; after a kill it must recover (checks
// of AfterRestart, then a first acknowledged append); then it runs under the appenders for a
// random time and is killed, and the directory is checked. The pass after the last kill
// only recovers and stops the server cleanly.
int Campaign::Run() {
  if (!Setup()) return 2;
  std::mt19937_64 rng(c_.seed);
  std::uniform_int_distribution<int> delay(c_.min_delay_ms, c_.max_delay_ms);
  PrintHeader();
  auto& counters = record_.counters();
  Row pending;  // the row of the last kill, finished after the restart
  std::vector<double> recoveries;
  for (int cycle = 1; cycle <= c_.cycles + 1 && !failed_; ++cycle) {
    const int64_t spawn = NowNanos();
    auto daemon = StartDaemon();
    if (!daemon.ok()) {
      std::printf("VIOLATION: caseledgerd did not restart: %s (log: %s/caseledgerd.log)\n",
                  daemon.status().ToString().c_str(), root_.c_str());
      return 1;
    }
    probe_.server = (*daemon)->address();
    if (cycle > 1) {
      pending.ready_ms = MillisSince(spawn);
      AfterRestart(&pending);
      if (failed_) {
        PrintRow(pending);
        break;
      }
    }
    Row row;
    row.cycle = cycle;
    row.delay_ms = delay(rng);
    const uint64_t appends0 = counters.appends_acked, events0 = counters.events_acked,
                   retries0 = counters.retries, dedup0 = counters.deduplicated;
    const int64_t resumed = NowNanos();
    const double first_ack = ResumeUntilFirstAck(spawn, (*daemon)->address());
    if (cycle > 1) {
      pending.first_ack_ms = first_ack;
      Check(first_ack >= 0, "no append was acknowledged within 30 s of the restart", &pending);
      PrintRow(pending);
      recoveries.push_back(first_ack);
    }
    if (cycle == c_.cycles + 1) {
      for (auto& a : appenders_) a->Pause();
      if (Status s = (*daemon)->Stop(); !s.ok()) {
        std::printf("VIOLATION: clean stop after the campaign: %s\n", s.ToString().c_str());
        failed_ = true;
      }
      break;
    }
    const int64_t left = row.delay_ms * 1'000'000LL - (NowNanos() - resumed);
    if (left > 0) std::this_thread::sleep_for(std::chrono::nanoseconds(left));
    daemon->reset();  // SIGKILL, then reaped
    for (auto& a : appenders_) a->Pause();
    row.appends = counters.appends_acked - appends0;
    row.events_acked = counters.events_acked - events0;
    row.retries = counters.retries - retries0;
    row.deduplicated = counters.deduplicated - dedup0;
    if (std::string v = record_.violation(); !v.empty()) Check(false, v, &row);
    if (c_.inject_lost_ack && cycle == 1) {
      std::printf("(self-test: recording an acknowledgement the server never gave)\n");
      record_.Acked({{std::string(16, '\x7f'), "crash-case-0000", 0, 0}}, {});
    }
    AfterKill(&row);
    pending = row;
    if (failed_) PrintRow(row);
  }
  if (!failed_) FinalCheck();
  if (failed_) {
    std::printf("FAILED (seed %llu; data kept in %s)\n", (unsigned long long)c_.seed,
                root_.c_str());
    return 1;
  }
  std::sort(recoveries.begin(), recoveries.end());
  std::printf("OK: %d kills; %zu acknowledged events all present once at their positions; "
              "%llu retries answered as duplicates (%llu with an exact expected version); "
              "%zu checkpoint sizes consistent; restart to first ack min %.0f / median %.0f / "
              "max %.0f ms (seed %llu)\n",
              c_.cycles, record_.acks().size(), (unsigned long long)counters.deduplicated.load(),
              (unsigned long long)counters.deduplicated_exact.load(), history_.roots.size(),
              recoveries.front(), recoveries[recoveries.size() / 2], recoveries.back(),
              (unsigned long long)c_.seed);
  return 0;
}

// After the clean stop: the directory once more, with the acknowledgements of the last pass.
void Campaign::FinalCheck() {
  Row row;
  row.cycle = c_.cycles + 1;
  const DirectoryReport report = CheckDirectory(data_, record_.acks(), record_.unacked(),
                                                record_.TakeCheckpoints(), &history_);
  for (const auto& v : report.violations) Check(false, "after the clean stop: " + v, &row);
  const std::string v = RunVerify(c_.cli, data_);
  Check(v.empty(), "caseledger verify after the clean stop: " + v, &row);
  std::printf("after a clean stop: %llu events, %llu checkpoint sizes, %s\n",
              (unsigned long long)report.events, (unsigned long long)report.checkpoints,
              failed_ ? "VIOLATIONS above" : "all checks passed");
}

}  // namespace
}  // namespace caseledger::crash

int main(int argc, char** argv) {
  using namespace caseledger::crash;
  namespace fs = std::filesystem;
  Config c;
  c.seed = static_cast<uint64_t>(std::random_device{}());
  std::error_code ec;
  const fs::path here = fs::canonical("/proc/self/exe", ec).parent_path();
  c.daemon = (here.parent_path() / "server" / "caseledgerd").string();
  c.cli = (here / "caseledger").string();
  CLI::App app{"Kills caseledgerd at random moments under concurrent appenders and checks that "
               "nothing acknowledged is lost (docs/reliability.md)"};
  app.add_option("--cycles", c.cycles, "Kill-and-restart cycles")->check(CLI::Range(1, 100000));
  app.add_option("--appenders", c.appenders, "Concurrent TLS appenders")->check(CLI::Range(1, 64));
  app.add_option("--seed", c.seed, "Seed of the kill delays and batch sizes (default: random)");
  app.add_option("--min-delay-ms", c.min_delay_ms, "Shortest run before a kill")
      ->check(CLI::Range(0, 600000));
  app.add_option("--max-delay-ms", c.max_delay_ms, "Longest run before a kill")
      ->check(CLI::Range(0, 600000));
  app.add_option("--daemon", c.daemon, "caseledgerd binary");
  app.add_option("--cli", c.cli, "caseledger binary (verify, rebuild)");
  app.add_option("--dir", c.dir, "Parent of the campaign's directory (default: the temp dir)");
  app.add_flag("--keep", c.keep, "Keep the campaign's directory when it passes");
  app.add_flag("--inject-lost-ack", c.inject_lost_ack,
               "Self-test: invent an acknowledged event, which the checks must report (exit 1)");
  CLI11_PARSE(app, argc, argv);
  if (c.max_delay_ms < c.min_delay_ms) {
    std::fprintf(stderr, "--max-delay-ms must not be below --min-delay-ms\n");
    return 2;
  }
  for (const auto& bin : {c.daemon, c.cli}) {
    if (!fs::exists(bin)) {
      std::fprintf(stderr, "no such binary: %s (give --daemon / --cli)\n", bin.c_str());
      return 2;
    }
  }
  const fs::path parent = c.dir.empty() ? fs::temp_directory_path(ec) : fs::path(c.dir);
  std::string root = (parent / "crash_campaign-XXXXXX").string();
  if (::mkdtemp(root.data()) == nullptr) {
    std::fprintf(stderr, "cannot make a directory in %s\n", parent.c_str());
    return 2;
  }
  std::printf("crash campaign: %d cycles, %zu appenders, kill after %d..%d ms, seed %llu, "
              "directory %s\n",
              c.cycles, c.appenders, c.min_delay_ms, c.max_delay_ms,
              (unsigned long long)c.seed, root.c_str());
  int rc;
  {
    Campaign campaign(c, root);
    rc = campaign.Run();
  }
  if (rc == 0 && !c.keep) fs::remove_all(root, ec);
  return rc;
}
