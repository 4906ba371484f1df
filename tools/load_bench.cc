// load_bench: caseledgerd under load over mutual TLS, next to raw RocksDB doing synced puts of
// the same size in the same run. Figures and conditions: docs/performance.md ("Server").
//
// One run, repeated --runs times:
// - rocksdb: --rocks-threads closed-loop threads, each Put (WriteOptions::sync) of a value of
//   --event-bytes under increasing keys of its own, in a fresh directory.
// - closed loop: a fresh data directory and a fresh caseledgerd (the real binary, started as a
//   child process with the development certificates made by MakeDevCertificates, on free
//   loopback ports); --connections client threads, each with its own server::Client over
//   mutual TLS as the "childprotection" agency principal, each appending one event per request
//   to its own case, closed loop.
// - batches: the same with --batch events per append.
// Each side runs --warmup seconds, then is measured for --seconds. Events are valid case
// conferences whose canonical form as the client sends it is --event-bytes (legalBasis padded).
// Per scenario: events/s, appends/s, latency per call (p50/p99/p999), error replies, CPU used
// by the server process (/proc/<pid>/stat) and by this tool (getrusage), commit groups (one
// synced RocksDB write each, from the server's /metrics), and the ratio to raw RocksDB.
#include <signal.h>
#include <stdlib.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "server/client.h"
#include "tools/bench_daemon.h"
#include "tools/bench_util.h"
#include "tools/dev_certs.h"

namespace caseledger::bench {
namespace {

namespace fs = std::filesystem;

// The development principal the load appends as, and the agency its events name.
constexpr char kPrincipal[] = "childprotection";

// ---------------------------------------------------------------------------------------------
// One connection's closed loop.

enum class Expect { kAny, kExact };

class NetClient : public LoopClient {
 public:
  NetClient(server::ClientOptions options, EventBatch batch, Expect expect)
      : options_(std::move(options)), batch_(std::move(batch)), expect_(expect) {}

  Status Connect() {
    client_.reset();
    auto c = server::Client::Connect(options_);
    if (!c.ok()) return c.status();
    client_ = std::move(*c);
    return Status::OK();
  }

  bool Write(std::string* error) override {
    if (!client_) {
      // Broken by an earlier failure: reconnect (counted as that failure's consequence).
      if (Status s = Connect(); !s.ok()) {
        *error = "reconnect: " + s.ToString();
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
        return false;
      }
    }
    batch_.Renew();
    if (batch_.case_id() != case_id_) {  // a new case (--case-events): it has no events yet
      case_id_ = batch_.case_id();
      head_.reset();
    }
    ExpectedVersion expected = ExpectedVersion::Any();
    if (expect_ == Expect::kExact) {
      expected = head_ ? ExpectedVersion::Exact(*head_) : ExpectedVersion::NoStream();
    }
    auto r = client_->Append(batch_.case_id(), expected, batch_.events());
    if (!r.ok()) {
      *error = r.status().ToString();
      if (r.status().code() == Status::Code::kUnavailable) client_.reset();
      head_.reset();  // ask again: the next append says "no stream" or fails with the version
      return false;
    }
    head_ = r->head_version;
    return true;
  }

 private:
  server::ClientOptions options_;
  EventBatch batch_;
  Expect expect_;
  std::unique_ptr<server::Client> client_;
  std::optional<uint64_t> head_;
  std::string case_id_;
};

// ---------------------------------------------------------------------------------------------
// Scenarios.

struct Config {
  double seconds = 5;
  double warmup = 1;
  size_t event_bytes = 512;
  size_t connections = 64;
  size_t batch = 64;
  size_t batch_connections = 0;  // 0: --connections
  size_t rocks_threads = 64;
  int runs = 1;
  int server_threads = 0;
  Expect expect = Expect::kAny;
  std::string daemon;
  bool run_closed = true;
  bool run_batch = true;
  bool run_rocks = true;  // the raw RocksDB baseline
  bool plain_tcp = false;  // the server's plain-TCP development mode instead of mutual TLS
  size_t case_events = 0;  // a new case after this many events (0: one case per connection)
};

struct ServerSide {
  Measurement m;                // the load tool's view
  double server_cpu = 0;        // CPU seconds of caseledgerd in the window
  double commit_groups = 0;     // in the window
  double synced_writes = 0;     // in the window: one WAL fdatasync each
  double server_errors = 0;     // error replies the server counted in the window
  double server_appended = 0;   // events the server counted as appended in the window
  // The ledger writer's own time in the window (seconds): staging, RocksDB write, answering.
  double writer_stage = 0, writer_write = 0, writer_answer = 0;
  bool has_commit_metrics = false;
  double other_cpus() const {
    return m.ran() ? std::max(0.0, m.machine_busy - m.cpu_seconds - server_cpu) / m.seconds : 0;
  }
};

struct Scenario {
  std::string name;
  size_t connections;
  size_t batch;
};

struct Row {
  int run;
  Scenario scenario;
  ServerSide server;
};

struct RunResult {
  int run;
  size_t rocks_threads;
  Measurement rocks;
  std::vector<Row> rows;
};

Result<ServerSide> RunServerScenario(const Config& c, const Scenario& s, const std::string& certs,
                                     const std::string& dir, size_t pad, int64_t occurred_at) {
  server::ClientOptions client;
  client.ca_file = certs + "/ca.pem";
  client.cert_file = certs + "/" + kPrincipal + ".pem";
  client.key_file = certs + "/" + kPrincipal + ".key";
  client.client_name = "load_bench/1";
  client.timeout_seconds = 60;
  if (c.plain_tcp) {
    client.plain_tcp = true;
    client.dev_principal = kPrincipal;
  }
  DaemonOptions d;
  d.binary = c.daemon;
  d.config = certs + "/caseledgerd.toml";
  d.data_dir = dir + "/data";
  d.log_file = dir + "/caseledgerd.log";
  d.threads = c.server_threads;
  if (c.plain_tcp) d.extra_args.push_back("--plain-tcp-dev");
  auto daemon = Daemon::Start(d, client);
  if (!daemon.ok()) return daemon.status();
  client.server = (*daemon)->address();

  EventAuthor author;
  for (const auto& p : tools::DevPrincipals()) {
    if (p.name == kPrincipal) author.agency_id = p.agency_id;
  }
  author.agency_role = schema::AgencyRole::CHILD_PROTECTION;
  std::vector<std::unique_ptr<LoopClient>> clients;
  for (size_t i = 0; i < s.connections; ++i) {
    EventBatch batch(i, s.batch, pad, occurred_at, author);
    batch.RotateCasesEvery(c.case_events, s.connections);
    auto nc = std::make_unique<NetClient>(client, std::move(batch), c.expect);
    if (Status st = nc->Connect(); !st.ok()) return st.WithContext("connection " + std::to_string(i));
    clients.push_back(std::move(nc));
  }

  ServerSide out;
  const pid_t pid = (*daemon)->pid();
  double cpu_start = 0, cpu_end = 0;
  std::map<std::string, double> metrics_start, metrics_end;
  LoopOptions loop = Window(c.warmup, c.seconds);
  loop.events_per_call = s.batch;
  loop.stop_on_error = false;
  loop.at_start = [&] {
    if (auto m = ScrapeMetrics((*daemon)->metrics_port()); m.ok()) metrics_start = *m;
    cpu_start = ProcessCpuSecondsOf(pid);
  };
  loop.at_end = [&] {
    cpu_end = ProcessCpuSecondsOf(pid);
    if (auto m = ScrapeMetrics((*daemon)->metrics_port()); m.ok()) metrics_end = *m;
  };
  auto m = RunClosedLoop(clients, loop);
  clients.clear();  // close the connections before the server drains
  Status stopped = (*daemon)->Stop();
  if (!m.ok()) return m.status();
  if (!stopped.ok()) return stopped;
  out.m = *m;
  out.server_cpu = cpu_end - cpu_start;
  auto delta = [&](const std::string& name) {
    auto a = metrics_start.find(name), b = metrics_end.find(name);
    return a != metrics_start.end() && b != metrics_end.end() ? b->second - a->second : 0.0;
  };
  out.has_commit_metrics = metrics_end.count("caseledger_commit_groups_total") > 0;
  out.commit_groups = delta("caseledger_commit_groups_total");
  out.synced_writes = delta("caseledger_commit_synced_writes_total");
  out.server_appended = delta("caseledger_appended_events_total");
  out.writer_stage = delta("caseledger_commit_stage_seconds_total");
  out.writer_write = delta("caseledger_commit_write_seconds_total");
  out.writer_answer = delta("caseledger_commit_answer_seconds_total");
  out.server_errors = SumOf(metrics_end, "caseledger_errors_total") -
                      SumOf(metrics_start, "caseledger_errors_total");
  return out;
}

// ---------------------------------------------------------------------------------------------
// Reports.

void PrintHeader(FILE* out, const Config& c, size_t client_bytes, size_t stored_bytes,
                 const FsyncProbe& probe, const std::string& root) {
  std::fprintf(out,
               "load_bench: %d run(s); each side %.1f s measured after %.1f s warm-up; %u CPUs "
               "(load tool, server and RocksDB share them)\n"
               "events: %zu bytes canonical as sent (stored form ~%zu bytes); rocksdb values "
               "%zu bytes, %zu threads, sync on\n"
               "server: %s, %s, principal %s, expected version %s, server threads %s\n"
               "disk floor: 512-byte append + fdatasync p50 %.3f ms, p99 %.3f ms (in %s)\n",
               c.runs, c.seconds, c.warmup, std::thread::hardware_concurrency(), client_bytes,
               stored_bytes, client_bytes, c.rocks_threads, c.daemon.c_str(),
               c.plain_tcp ? "plain TCP (development mode)" : "mutual TLS", kPrincipal,
               c.expect == Expect::kAny ? "any" : "exact",
               c.server_threads > 0 ? std::to_string(c.server_threads).c_str() : "default",
               probe.p50_nanos / 1e6, probe.p99_nanos / 1e6, root.c_str());
}

void PrintTable(FILE* out, const std::vector<RunResult>& runs) {
  std::fprintf(out,
               "\n%-3s %-22s %9s %9s %7s %7s %7s %6s %7s %7s %7s %7s %7s %6s %5s %6s\n", "run",
               "scenario", "events/s", "appends/s", "p50 ms", "p99 ms", "p999 ms", "errors",
               "srv CPU", "srv us", "bench", "bnch us", "fsync/s", "ev/fs", "other", "ratio");
  for (const auto& r : runs) {
    const Measurement& b = r.rocks;
    auto per_event = [](double cpu, uint64_t events) { return events ? cpu * 1e6 / events : 0; };
    if (b.ran()) std::fprintf(out, "%-3d %-22s %9.0f %9.0f %7.2f %7.2f %7.2f %6llu %7s %7s %7.2f %7.1f %7.0f %6.1f %5.2f %6s\n",
                 r.run, ("rocksdb " + std::to_string(r.rocks_threads) + " thr puts").c_str(),
                 b.events_per_second(), b.appends_per_second(), b.p50_nanos / 1e6,
                 b.p99_nanos / 1e6, b.p999_nanos / 1e6,
                 static_cast<unsigned long long>(b.errors), "-", "-", b.cpu_seconds / b.seconds,
                 per_event(b.cpu_seconds, b.events), b.wal.syncs / b.seconds,
                 b.wal.syncs ? static_cast<double>(b.events) / b.wal.syncs : 0, b.other_cpus(),
                 "1.00x");
    for (const auto& row : r.rows) {
      const ServerSide& s = row.server;
      const Measurement& m = s.m;
      const double ratio = b.events ? m.events_per_second() / b.events_per_second() : 0;
      char ratio_text[16], srv[16], srv_us[16], fsyncs[16], per_fsync[16];
      std::snprintf(ratio_text, sizeof(ratio_text), "%.2fx", ratio);
      std::snprintf(srv, sizeof(srv), "%.2f", s.server_cpu / m.seconds);
      std::snprintf(srv_us, sizeof(srv_us), "%.1f", per_event(s.server_cpu, m.events));
      if (s.has_commit_metrics) {
        std::snprintf(fsyncs, sizeof(fsyncs), "%.0f", s.synced_writes / m.seconds);
        std::snprintf(per_fsync, sizeof(per_fsync), "%.1f",
                      s.synced_writes > 0 ? m.events / s.synced_writes : 0);
      } else {
        std::snprintf(fsyncs, sizeof(fsyncs), "n/a");
        std::snprintf(per_fsync, sizeof(per_fsync), "n/a");
      }
      std::fprintf(out, "%-3d %-22s %9.0f %9.0f %7.2f %7.2f %7.2f %6llu %7s %7s %7.2f %7.1f %7s %6s %5.2f %6s\n",
                   row.run, row.scenario.name.c_str(), m.events_per_second(),
                   m.appends_per_second(), m.p50_nanos / 1e6, m.p99_nanos / 1e6,
                   m.p999_nanos / 1e6, static_cast<unsigned long long>(m.errors), srv, srv_us,
                   m.cpu_seconds / m.seconds, per_event(m.cpu_seconds, m.events), fsyncs,
                   per_fsync, s.other_cpus(), ratio_text);
    }
  }
  std::fprintf(out, "\n%-3s %-22s %9s %9s %9s %9s %9s\n", "run", "ledger writer, us/event",
               "stage", "write", "answer", "busy", "groups/s");
  for (const auto& r : runs) {
    for (const auto& row : r.rows) {
      const ServerSide& s = row.server;
      if (!s.has_commit_metrics || s.m.events == 0) continue;
      const double per = 1e6 / static_cast<double>(s.m.events);
      std::fprintf(out, "%-3d %-22s %9.1f %9.1f %9.1f %8.0f%% %9.0f\n", row.run,
                   row.scenario.name.c_str(), s.writer_stage * per, s.writer_write * per,
                   s.writer_answer * per,
                   100.0 * (s.writer_stage + s.writer_write + s.writer_answer) / s.m.seconds,
                   s.commit_groups / s.m.seconds);
    }
  }
  std::fprintf(out,
               "srv CPU / bench: CPUs used by caseledgerd (/proc/<pid>/stat) / by this tool "
               "(getrusage) during the window;\nsrv us / bnch us: their CPU microseconds per "
               "event; fsync/s: synced RocksDB writes per second (rocksdb: WAL syncs;\nserver: "
               "commit groups from /metrics); ev/fs: events per fsync; other: CPUs used by other "
               "processes;\nratio: events/s against the raw RocksDB puts of the same run. "
               "Ledger writer: wall time of its steps per event\n(write includes the WAL "
               "fdatasync); busy: share of the window the writer thread was not waiting for "
               "work.\n");
}

// The targets, checked on every run.
void PrintTargets(FILE* out, const Config& c, const std::vector<RunResult>& runs) {
  for (const auto& r : runs) {
    for (const auto& row : r.rows) {
      const Measurement& m = row.server.m;
      if (row.scenario.batch == 1 && r.rocks.ran()) {
        const double ratio = r.rocks.events ? m.events_per_second() / r.rocks.events_per_second() : 0;
        const bool rate = ratio >= 1.0, p99 = m.p99_nanos < 10'000'000, errors = m.errors == 0;
        std::fprintf(out,
                     "run %d target %zu connections closed loop: rate %.2fx raw RocksDB (>= 1.00x) "
                     "%s; p99 %.2f ms (< 10 ms) %s; errors %llu (0) %s\n",
                     r.run, row.scenario.connections, ratio, rate ? "met" : "MISSED",
                     m.p99_nanos / 1e6, p99 ? "met" : "MISSED",
                     static_cast<unsigned long long>(m.errors), errors ? "met" : "MISSED");
      } else if (row.scenario.batch == 64) {
        const bool rate = m.events_per_second() >= 100000;
        std::fprintf(out, "run %d target 64-event batches: %.0f events/s (>= 100000) %s; errors %llu\n",
                     r.run, m.events_per_second(), rate ? "met" : "MISSED",
                     static_cast<unsigned long long>(m.errors));
      }
    }
  }
  (void)c;
}

void JsonMeasurement(std::ostream& o, const Measurement& m) {
  o << "\"events_per_s\":" << m.events_per_second() << ",\"appends_per_s\":" << m.appends_per_second()
    << ",\"p50_us\":" << m.p50_nanos / 1e3 << ",\"p99_us\":" << m.p99_nanos / 1e3
    << ",\"p999_us\":" << m.p999_nanos / 1e3 << ",\"max_us\":" << m.max_nanos / 1e3
    << ",\"errors\":" << m.errors << ",\"events\":" << m.events << ",\"appends\":" << m.appends
    << ",\"seconds\":" << m.seconds << ",\"bench_cpu_s\":" << m.cpu_seconds
    << ",\"bench_cpu_us_per_event\":" << (m.events ? m.cpu_seconds * 1e6 / m.events : 0)
    << ",\"machine_busy_cpu_s\":" << m.machine_busy;
}

std::string Json(const Config& c, const FsyncProbe& probe, size_t client_bytes,
                 const std::vector<RunResult>& runs) {
  std::ostringstream o;
  o << "{\"config\":{\"seconds\":" << c.seconds << ",\"warmup\":" << c.warmup
    << ",\"event_bytes\":" << client_bytes << ",\"connections\":" << c.connections
    << ",\"batch\":" << c.batch << ",\"rocks_threads\":" << c.rocks_threads
    << ",\"nproc\":" << std::thread::hardware_concurrency()
    << ",\"expect\":\"" << (c.expect == Expect::kAny ? "any" : "exact") << "\"}"
    << ",\"fsync_probe\":{\"p50_us\":" << probe.p50_nanos / 1e3
    << ",\"p99_us\":" << probe.p99_nanos / 1e3 << "},\"runs\":[";
  for (size_t i = 0; i < runs.size(); ++i) {
    const auto& r = runs[i];
    o << (i ? "," : "") << "{\"run\":" << r.run << ",\"rocksdb\":{";
    JsonMeasurement(o, r.rocks);
    o << ",\"wal_syncs\":" << r.rocks.wal.syncs << "},\"scenarios\":[";
    for (size_t j = 0; j < r.rows.size(); ++j) {
      const auto& row = r.rows[j];
      const ServerSide& s = row.server;
      o << (j ? "," : "") << "{\"name\":\"" << row.scenario.name
        << "\",\"connections\":" << row.scenario.connections << ",\"batch\":" << row.scenario.batch
        << ",";
      JsonMeasurement(o, s.m);
      o << ",\"server_cpu_s\":" << s.server_cpu << ",\"server_cpu_us_per_event\":"
        << (s.m.events ? s.server_cpu * 1e6 / s.m.events : 0)
        << ",\"commit_groups\":" << s.commit_groups << ",\"synced_writes\":" << s.synced_writes
        << ",\"server_error_replies\":" << s.server_errors
        << ",\"server_appended_events\":" << s.server_appended
        << ",\"writer_stage_s\":" << s.writer_stage << ",\"writer_write_s\":" << s.writer_write
        << ",\"writer_answer_s\":" << s.writer_answer
        << ",\"other_processes_cpus\":" << s.other_cpus() << ",\"ratio_to_rocksdb\":"
        << (r.rocks.events ? s.m.events_per_second() / r.rocks.events_per_second() : 0) << "}";
    }
    o << "]}";
  }
  o << "]}\n";
  return o.str();
}

// The caseledgerd of this build tree: ../server/caseledgerd beside this tool's directory.
std::string DefaultDaemon() {
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return "caseledgerd";
  return (self.parent_path().parent_path() / "server" / "caseledgerd").string();
}

int Main(int argc, char** argv) {
  CLI::App app{"caseledgerd under closed-loop load over mutual TLS, against raw synced RocksDB "
               "puts in the same run"};
  Config c;
  std::string parent_dir, expect = "any", scenarios = "closed,batch";
  bool json = false, keep = false;
  c.daemon = DefaultDaemon();
  app.add_option("--daemon", c.daemon, "the caseledgerd binary")->capture_default_str();
  app.add_option("--dir", parent_dir, "where to make the run's fresh directory (default: $TMPDIR)");
  app.add_option("--seconds", c.seconds, "measured seconds per scenario")->capture_default_str();
  app.add_option("--warmup", c.warmup, "warm-up seconds before each measurement")
      ->capture_default_str();
  app.add_option("--connections", c.connections, "client connections, one thread each")
      ->capture_default_str();
  app.add_option("--batch", c.batch, "events per append in the batch scenario")
      ->capture_default_str();
  app.add_option("--batch-connections", c.batch_connections,
                 "connections in the batch scenario (default: --connections)");
  app.add_option("--rocks-threads", c.rocks_threads, "raw RocksDB writer threads")
      ->capture_default_str();
  app.add_option("--event-bytes", c.event_bytes, "canonical size of each event as sent")
      ->capture_default_str();
  app.add_option("--runs", c.runs, "repeat the whole run (baseline included)")
      ->capture_default_str();
  app.add_option("--server-threads", c.server_threads,
                 "caseledgerd --threads (default: its own, one per core)");
  app.add_option("--expect", expect, "expected version of each append: any or exact")
      ->capture_default_str()
      ->check(CLI::IsMember({"any", "exact"}));
  app.add_option("--scenarios", scenarios, "closed, batch or closed,batch")->capture_default_str();
  app.add_flag("--json", json, "print JSON on stdout (the table then goes to stderr)");
  app.add_flag("--keep", keep, "keep the data directories and server logs");
  app.add_flag("--plain", c.plain_tcp,
               "plain TCP on loopback (the server's development mode) instead of mutual TLS");
  app.add_option("--case-events", c.case_events,
                 "each connection moves to a new case after this many events (0: one case each)")
      ->capture_default_str();
  bool no_rocks = false;
  app.add_flag("--no-rocksdb", no_rocks, "skip the raw RocksDB baseline");
  CLI11_PARSE(app, argc, argv);
  c.expect = expect == "exact" ? Expect::kExact : Expect::kAny;
  c.run_closed = scenarios.find("closed") != std::string::npos;
  c.run_batch = scenarios.find("batch") != std::string::npos;
  c.run_rocks = !no_rocks;
  if (c.batch_connections == 0) c.batch_connections = c.connections;
  if (c.connections == 0 || c.batch == 0 || c.rocks_threads == 0 || c.runs < 1) {
    std::fprintf(stderr, "--connections, --batch, --rocks-threads and --runs must be positive\n");
    return 2;
  }
  if (!fs::exists(c.daemon)) {
    std::fprintf(stderr, "no caseledgerd at %s (give --daemon)\n", c.daemon.c_str());
    return 2;
  }

  std::error_code ec;
  const fs::path parent = parent_dir.empty() ? fs::temp_directory_path(ec) : fs::path(parent_dir);
  std::string root = (parent / "load_bench-XXXXXX").string();
  if (::mkdtemp(root.data()) == nullptr) {
    std::fprintf(stderr, "cannot make a directory in %s: %s\n", parent.c_str(), std::strerror(errno));
    return 2;
  }
  const std::string certs = root + "/certs";
  if (auto made = tools::MakeDevCertificates({.out_dir = certs, .valid_days = 2}); !made.ok()) {
    std::fprintf(stderr, "dev certificates: %s\n", made.status().ToString().c_str());
    return 1;
  }
  // Events occur "now" (within the server's clock-skew allowance).
  const int64_t occurred_at = NowMicrosSinceEpoch();
  EventAuthor author;
  for (const auto& p : tools::DevPrincipals()) {
    if (p.name == kPrincipal) author.agency_id = p.agency_id;
  }
  const size_t pad = PadFor(c.event_bytes, occurred_at, author, /*stored=*/false);
  const size_t client_bytes = CanonicalFormOf(CaseIdFor(0), occurred_at, pad, author, false).size();
  const size_t stored_bytes = CanonicalFormOf(CaseIdFor(0), occurred_at, pad, author, true).size();
  const std::string value(client_bytes, 'v');

  FILE* table = json ? stderr : stdout;
  const FsyncProbe probe = ProbeFsync(root, 200);
  PrintHeader(table, c, client_bytes, stored_bytes, probe, root);

  std::vector<Scenario> list;
  if (c.run_closed) {
    list.push_back({std::to_string(c.connections) + " conn x 1 ev", c.connections, 1});
  }
  if (c.run_batch) {
    list.push_back({std::to_string(c.batch_connections) + " conn x " + std::to_string(c.batch) + " ev",
                    c.batch_connections, c.batch});
  }
  std::vector<RunResult> runs;
  std::string failure;
  for (int run = 1; run <= c.runs && failure.empty(); ++run) {
    RunResult result{run, c.rocks_threads, {}, {}};
    if (c.run_rocks) {
      std::fprintf(stderr, "[run %d] rocksdb %zu threads ...\n", run, c.rocks_threads);
      auto rocks = RunRocksBaseline(
          {.dir = root + "/run" + std::to_string(run) + "-rocksdb", .threads = c.rocks_threads},
          value, Window(c.warmup, c.seconds));
      if (!rocks.ok()) {
        failure = "rocksdb: " + rocks.status().ToString();
        break;
      }
      result.rocks = *rocks;
    }
    for (size_t i = 0; i < list.size() && failure.empty(); ++i) {
      std::fprintf(stderr, "[run %d] caseledgerd %s ...\n", run, list[i].name.c_str());
      const std::string dir = root + "/run" + std::to_string(run) + "-server" + std::to_string(i);
      fs::create_directories(dir, ec);
      auto s = RunServerScenario(c, list[i], certs, dir, pad, occurred_at);
      if (!s.ok()) {
        failure = list[i].name + ": " + s.status().ToString();
        break;
      }
      if (!s->m.first_error.empty()) {
        std::fprintf(stderr, "  first error: %s\n", s->m.first_error.c_str());
      }
      result.rows.push_back({run, list[i], *s});
    }
    runs.push_back(std::move(result));
  }
  PrintTable(table, runs);
  PrintTargets(table, c, runs);
  if (json) std::fputs(Json(c, probe, client_bytes, runs).c_str(), stdout);
  if (!keep) {
    fs::remove_all(root, ec);
  } else {
    std::fprintf(table, "kept %s\n", root.c_str());
  }
  if (!failure.empty()) std::fprintf(stderr, "failed: %s\n", failure.c_str());
  return failure.empty() ? 0 : 1;
}

}  // namespace
}  // namespace caseledger::bench

int main(int argc, char** argv) {
  // A server that dies mid-write must not kill the tool.
  ::signal(SIGPIPE, SIG_IGN);
  return caseledger::bench::Main(argc, argv);
}
