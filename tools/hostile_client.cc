// hostile_client: caseledgerd under hostile clients while a well-behaved one works.
// Figures and conditions: docs/reliability.md ("Hostile clients").
//
// Starts the real caseledgerd (tools/soak_util.h; info log level, so that refusals are logged;
// limits lowered so that the run is short: max_connections --max-connections, handshake and
// frame timeouts 5 s), or attacks one at --server (clients from --certs; RSS, /metrics and log
// checks only with --server-pid, --metrics-port and --server-log), raises this process's
// RLIMIT_NOFILE (a server started here inherits it), and runs
// phases of --phase-seconds: a baseline, then each attack of tools/hostile_client_attacks.h
// alone (flood, slowloris, garbage, absurd, replay, foreign), then all of them at once for
// --all-seconds. Throughout, a well-behaved agency client appends (events with sealed personal
// data made of an invented marker) and reads its cases, paced. Per phase it prints the
// connections each attack made and how they ended, the server's RSS (before, peak, after) and
// the good client's p50/p99. Checks (exit 1 on any): the same server process answers after
// every phase; no attack saw a violation; peak RSS under --max-rss-mib; the good client had no
// error and its p99 stayed under --latency-factor times the baseline's p50 plus
// --latency-slack-ms; every refusal the server counted (/metrics) has its log line; the
// marker never appears in the server log.
#include <signal.h>
#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "tools/hostile_client_attacks.h"
#include "tools/hostile_client_internal.h"
#include "tools/hostile_client_report.h"
#include "tools/soak_util.h"

namespace caseledger::bench {
namespace {

struct Config {
  std::string daemon;
  std::string dir;
  std::string server;  // attack this address instead of starting a server
  std::string certs;
  pid_t server_pid = 0;
  uint16_t metrics_port = 0;
  std::string server_log;
  int handshake_timeout = 5;  // configured on a server started here: short, for short phases
  int frame_timeout = 5;
  size_t max_message_bytes = 4 << 20;
  size_t connections = 3000;
  size_t max_connections = 1000;
  size_t slow = 200;
  double phase_seconds = 8;
  double all_seconds = 12;
  double good_rate = 20;
  double max_rss_mib = 512;
  double latency_factor = 20;
  double latency_slack_ms = 500;
  bool keep = false;
};

constexpr char kPurpose[] = "hostile-client test: synthetic data";

// The well-behaved client: appends and reads its own cases at a steady rate, recording into
// whichever phase is current.
void GoodClient(const AttackTarget& t, double rate, std::vector<PhaseResult>& phases,
                std::atomic<int>& current, const StopFlag& stop) {
  Pacer pacer(rate);
  std::unique_ptr<server::Client> client;
  const std::string agency = DevServer::AgencyOf("childprotection");
  for (uint64_t n = 0; pacer.Wait(stop); ++n) {
    PhaseResult& p = phases[current.load()];
    if (!client) {
      auto c = server::Client::Connect(t.client_for("childprotection"));
      if (!c.ok()) {
        p.good.Error("connect: " + c.status().ToString());
        continue;
      }
      client = std::move(*c);
    }
    // Each read follows the append to the same case: an agency reads only cases it recorded in.
    const size_t case_number = 7000 + (n / 2) % 5;
    const int64_t start = NowNanos();
    Status st;
    if (n % 2 == 0) {
      auto ev = MarkedEvent(case_number, agency, schema::AgencyRole::CHILD_PROTECTION, t.marker,
                            (uint64_t{1} << 40) + n);
      st = client->Append(CaseIdFor(case_number), ExpectedVersion::Any(),
                          std::vector{ev->getRoot<schema::Event>().asReader()})
               .status();
    } else {
      st = client->ReadStream(CaseIdFor(case_number), 0, 20, kPurpose).status();
    }
    if (st.ok()) {
      p.good.Record(NowNanos() - start);
    } else {
      p.good.Error(st.ToString());
      if (st.code() == Status::Code::kUnavailable) client.reset();
    }
  }
}

// Samples the server's RSS every 100 ms into the current phase's peak.
void RssSampler(pid_t pid, std::vector<PhaseResult>& phases, std::atomic<int>& current,
                const StopFlag& stop) {
  while (!stop.load()) {
    const int64_t rss = RssKibOf(pid);
    PhaseResult& p = phases[current.load()];
    int64_t peak = p.rss_peak_kib.load();
    while (rss > peak && !p.rss_peak_kib.compare_exchange_weak(peak, rss)) {
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

using AttackFn = std::function<AttackReport(const AttackTarget&, const StopFlag&)>;

std::vector<std::pair<std::string, AttackFn>> Attacks(const Config& c) {
  return {
      {"flood", [&c](const AttackTarget& t, const StopFlag& s) { return Flood(t, s, c.connections); }},
      {"slowloris", [&c](const AttackTarget& t, const StopFlag& s) { return Slowloris(t, s, c.slow); }},
      {"garbage", [](const AttackTarget& t, const StopFlag& s) { return Garbage(t, s, 7 + t.round); }},
      {"absurd", [](const AttackTarget& t, const StopFlag& s) { return Absurd(t, s); }},
      {"replay", [](const AttackTarget& t, const StopFlag& s) { return Replay(t, s); }},
      {"foreign", [](const AttackTarget& t, const StopFlag& s) { return Foreign(t, s); }},
  };
}

// Whether process `pid` exists and has not exited (a child that died stays a zombie, which
// kill(pid, 0) would still find, until it is reaped).
bool Running(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(in, line)) return false;
  const size_t paren = line.rfind(')');
  return paren != std::string::npos && paren + 2 < line.size() && line[paren + 2] != 'Z' &&
         line[paren + 2] != 'X';
}

// Runs `attacks` at once for `seconds` into `p`, then checks that the server still answers.
void RunPhase(const AttackTarget& t, pid_t pid, const std::vector<AttackFn>& attacks,
              double seconds, PhaseResult& p) {
  p.rss_before_kib = RssKibOf(pid);
  p.rss_peak_kib = p.rss_before_kib;
  StopFlag stop{false};
  std::vector<std::thread> threads;
  p.reports.resize(attacks.size());
  for (size_t i = 0; i < attacks.size(); ++i) {
    threads.emplace_back([&, i] { p.reports[i] = attacks[i](t, stop); });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000)));
  stop = true;
  for (auto& th : threads) th.join();
  // Let the server finish closing what the attacks left.
  std::this_thread::sleep_for(std::chrono::seconds(1));
  p.rss_after_kib = RssKibOf(pid);
  p.alive = pid <= 0 || Running(pid);
  auto probe = server::Client::Connect(t.client_for("childprotection"));
  p.answers = probe.ok() && (*probe)->GetServerStatus().ok();
  if (!probe.ok()) p.answer_error = probe.status().ToString();
}

// The baseline, each attack alone, then all at once, with the good client and the RSS
// sampler running throughout.
void RunPhases(const Config& c, AttackTarget& t, pid_t pid, std::vector<PhaseResult>& phases) {
  const auto attacks = Attacks(c);
  std::atomic<int> current{0};
  StopFlag stop_background{false};
  std::thread good([&] { GoodClient(t, c.good_rate, phases, current, stop_background); });
  std::thread sampler([&] { RssSampler(pid, phases, current, stop_background); });
  phases[0].name = "baseline";
  std::fprintf(stderr, "[baseline] ...\n");
  RunPhase(t, pid, {}, c.phase_seconds, phases[0]);
  for (size_t i = 0; i < attacks.size(); ++i) {
    PhaseResult& p = phases[i + 1];
    p.name = attacks[i].first;
    t.round = static_cast<int>(i + 1);
    current = static_cast<int>(i + 1);
    std::fprintf(stderr, "[%s] ...\n", p.name.c_str());
    RunPhase(t, pid, {attacks[i].second}, c.phase_seconds, p);
  }
  PhaseResult& all = phases.back();
  all.name = "all at once";
  t.round = 100;
  current = static_cast<int>(phases.size() - 1);
  std::fprintf(stderr, "[all at once] ...\n");
  std::vector<AttackFn> every;
  for (const auto& a : attacks) every.push_back(a.second);
  RunPhase(t, pid, every, c.all_seconds, all);
  stop_background = true;
  good.join();
  sampler.join();
  for (auto& p : phases) p.good_stats = p.good.Take();
}

std::string Marker() {
  std::random_device rd;
  char buf[32];
  std::snprintf(buf, sizeof(buf), "ZQXMARK%08x", rd());
  return buf;
}

// Thousands of connections need as many descriptors: the soft limit goes up to the hard one.
void RaiseFileLimit(FILE* out) {
  rlimit r{};
  ::getrlimit(RLIMIT_NOFILE, &r);
  const rlim_t before = r.rlim_cur;
  r.rlim_cur = r.rlim_max;
  ::setrlimit(RLIMIT_NOFILE, &r);
  ::getrlimit(RLIMIT_NOFILE, &r);
  std::fprintf(out, "RLIMIT_NOFILE: %llu raised to %llu (a server started here inherits it)\n",
               static_cast<unsigned long long>(before), static_cast<unsigned long long>(r.rlim_cur));
}

// The server under attack: one started here, or one at --server.
struct Subject {
  std::unique_ptr<DevServer> dev;
  std::string address;
  std::string certs;
  pid_t pid = 0;              // 0: unknown (no RSS figures)
  uint16_t metrics_port = 0;  // 0: no /metrics (the server's counts are not compared)
  std::string log_file;       // empty: the log is not checked
};

Result<Subject> StartOrAttach(const Config& c, const std::string& root) {
  Subject s;
  if (!c.server.empty()) {
    s.address = c.server;
    s.certs = c.certs;
    s.pid = c.server_pid;
    s.metrics_port = c.metrics_port;
    s.log_file = c.server_log;
    return s;
  }
  const std::string limits = "[limits]\nhandshake_timeout_seconds = " +
                             std::to_string(c.handshake_timeout) +
                             "\nframe_timeout_seconds = " + std::to_string(c.frame_timeout) +
                             "\nmax_connections = " + std::to_string(c.max_connections) + "\n";
  auto dev = DevServer::Start(root, c.daemon, "info", limits);
  if (!dev.ok()) return dev.status();
  s.dev = std::move(*dev);
  s.address = s.dev->daemon().address();
  s.certs = s.dev->certs();
  s.pid = s.dev->pid();
  s.metrics_port = s.dev->daemon().metrics_port();
  s.log_file = s.dev->log_file();
  return s;
}

AttackTarget TargetFor(const Config& c, const Subject& s) {
  AttackTarget t;
  t.host = s.address.substr(0, s.address.rfind(':'));
  t.port = static_cast<uint16_t>(std::stoi(s.address.substr(s.address.rfind(':') + 1)));
  const std::string certs = s.certs, address = s.address;
  t.client_for = [certs, address](const std::string& name) {
    server::ClientOptions o;
    o.server = address;
    o.ca_file = certs + "/ca.pem";
    o.cert_file = certs + "/" + name + ".pem";
    o.key_file = certs + "/" + name + ".key";
    o.client_name = "hostile-client/1";
    o.timeout_seconds = 15;
    return o;
  };
  t.max_connections = c.max_connections;
  t.max_message_bytes = c.max_message_bytes;
  t.handshake_timeout_seconds = c.handshake_timeout;
  t.frame_timeout_seconds = c.frame_timeout;
  t.marker = Marker();
  return t;
}

int Main(int argc, char** argv) {
  CLI::App app{"caseledgerd under hostile clients (floods, slow writers, garbage, absurd frames, "
               "replays, other agencies' cases) while a well-behaved client works"};
  Config c;
  c.daemon = DaemonBesideThisTool();
  app.add_option("--daemon", c.daemon, "the caseledgerd binary")->capture_default_str();
  app.add_option("--dir", c.dir, "where to make the run's fresh directory (default: $TMPDIR)");
  app.add_option("--server", c.server,
                 "attack this host:port (numeric IPv4) instead of starting a server; it must "
                 "use the development principals of --certs")
      ->check([](const std::string& v) -> std::string {
        const auto colon = v.rfind(':');
        const std::string port = colon == std::string::npos ? "" : v.substr(colon + 1);
        const bool digits = !port.empty() && port.size() <= 5 &&
                            port.find_first_not_of("0123456789") == std::string::npos;
        if (colon == 0 || !digits || std::stoi(port) == 0 || std::stoi(port) > 65535) {
          return "--server wants host:port (port 1-65535), not " + v;
        }
        return "";
      });
  app.add_option("--certs", c.certs, "with --server: the `caseledger certs` directory");
  app.add_option("--server-pid", c.server_pid, "with --server: its pid, for RSS figures");
  app.add_option("--server-log", c.server_log, "with --server: its log file, to check");
  app.add_option("--metrics-port", c.metrics_port, "with --server: its loopback metrics port");
  app.add_option("--connections", c.connections, "flood: connections opened")->capture_default_str();
  app.add_option("--max-connections", c.max_connections, "the server's limits.max_connections")
      ->capture_default_str();
  app.add_option("--handshake-timeout", c.handshake_timeout,
                 "the server's limits.handshake_timeout_seconds")->capture_default_str();
  app.add_option("--frame-timeout", c.frame_timeout, "the server's limits.frame_timeout_seconds")
      ->capture_default_str();
  app.add_option("--max-message-bytes", c.max_message_bytes,
                 "the server's limits.max_message_bytes")->capture_default_str();
  app.add_option("--slow", c.slow, "slowloris: slow connections")->capture_default_str();
  app.add_option("--phase-seconds", c.phase_seconds, "seconds per phase")->capture_default_str();
  app.add_option("--all-seconds", c.all_seconds, "seconds of all attacks at once")
      ->capture_default_str();
  app.add_option("--good-rate", c.good_rate, "requests per second of the good client")
      ->capture_default_str();
  app.add_option("--max-rss-mib", c.max_rss_mib, "fail when the server's RSS peaks above this")
      ->capture_default_str();
  app.add_option("--latency-factor", c.latency_factor,
                 "fail when the good client's p99 in a phase exceeds this times the "
                 "baseline's p50 ...")
      ->capture_default_str();
  app.add_option("--latency-slack-ms", c.latency_slack_ms, "... plus this")->capture_default_str();
  app.add_flag("--keep", c.keep, "keep the data directory and the server log");
  CLI11_PARSE(app, argc, argv);
  const int longest = std::max(c.handshake_timeout, c.frame_timeout);
  if (c.phase_seconds <= longest || c.all_seconds <= longest || c.max_connections < 10 ||
      c.slow < 2 || c.good_rate <= 0 || c.handshake_timeout < 1 || c.frame_timeout < 1 ||
      c.max_message_bytes < 4096 || (!c.server.empty() && c.certs.empty())) {
    std::fprintf(stderr, "phases must outlast the timeouts, --max-connections >= 10, --slow >= 2, "
                         "--good-rate > 0, --max-message-bytes >= 4096; --server needs --certs\n");
    return 2;
  }
  if (c.server.empty() && !std::filesystem::exists(c.daemon)) {
    std::fprintf(stderr, "no caseledgerd at %s (give --daemon)\n", c.daemon.c_str());
    return 2;
  }
  FILE* out = stdout;
  RaiseFileLimit(out);
  auto root = MakeRunDirectory(c.dir, "hostile");
  if (!root.ok()) {
    std::fprintf(stderr, "%s\n", root.status().ToString().c_str());
    return 2;
  }
  auto subject = StartOrAttach(c, *root);
  if (!subject.ok()) {
    std::fprintf(stderr, "caseledgerd: %s\n", subject.status().ToString().c_str());
    return 1;
  }
  Subject& srv = *subject;
  AttackTarget t = TargetFor(c, srv);
  std::fprintf(out, "server pid %d at %s; max_connections %zu, handshake timeout %d s, frame "
               "timeout %d s, max message %zu bytes; %u CPUs shared by server, attackers and "
               "good client\n",
               static_cast<int>(srv.pid), srv.address.c_str(), c.max_connections,
               c.handshake_timeout, c.frame_timeout, c.max_message_bytes,
               std::thread::hardware_concurrency());
  Result<std::map<std::string, double>> metrics_before = Status::Unavailable("no metrics port");
  if (srv.metrics_port != 0) metrics_before = ScrapeMetrics(srv.metrics_port);

  std::vector<PhaseResult> phases(Attacks(c).size() + 2);
  RunPhases(c, t, srv.pid, phases);

  ServerCounts counts;
  if (srv.metrics_port != 0) {
    auto metrics_after = ScrapeMetrics(srv.metrics_port);
    if (metrics_before.ok() && metrics_after.ok()) {
      counts = CountsBetween(*metrics_before, *metrics_after);
    }
  }
  Status stopped = srv.dev ? srv.dev->Stop() : Status::OK();
  const PassBounds checks{c.max_rss_mib, c.latency_factor, c.latency_slack_ms};
  bool passed = PrintPhases(out, phases, checks);
  if (srv.log_file.empty()) {
    std::fprintf(out, "log checks: not made (no --server-log)\n");
  } else {
    std::ifstream log_in(srv.log_file);
    const std::string log((std::istreambuf_iterator<char>(log_in)), std::istreambuf_iterator<char>());
    passed = PrintLogChecks(out, phases, counts, log, t.marker) && passed;
  }
  if (srv.dev) {
    std::fprintf(out, "check server stopped cleanly after the run: %s\n",
                 stopped.ok() ? "ok" : ("FAILED: " + stopped.ToString()).c_str());
    passed = passed && stopped.ok();
  }
  return FinishRun(out, "hostile_client", passed, c.keep, *root, srv.log_file);
}

}  // namespace
}  // namespace caseledger::bench

int main(int argc, char** argv) {
  ::signal(SIGPIPE, SIG_IGN);
  // Line by line, so that a CI log or a tail shows progress as it happens.
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  return caseledger::bench::Main(argc, argv);
}
