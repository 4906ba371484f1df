// soak: caseledgerd at a steady rate for a long time, with every kind of client at once.
// Figures and conditions: docs/reliability.md ("Soak").
//
// Starts the real caseledgerd (tools/soak_util.h: fresh development certificates, free
// loopback ports, data in a fresh directory) and runs, each on its own thread and connection,
// open loop at fixed rates:
// - appenders: childprotection and barnahus (two agencies), --rate appends per second in
//   all, one event each (with sealed invented personal data), round robin over their cases;
// - a reader: childprotection reads the first 20 events of one of its cases (readStream);
// - a subscriber: oversight follows the global log from position 0 (credit returned after
//   each batch); its latency is the event's age when it arrives (now - recordedAt), counted
//   once the subscription is live;
// - a prover: witness asks in turn for the newest checkpoint, an inclusion proof of a random
//   position and a consistency proof from a random earlier size;
// - an auditor: oversight and ombudsperson in turn run record_access on a case and
//   representative_wait, with a purpose.
// Every --window seconds it prints, per operation, calls, p50/p99/p999 and errors, and the
// server's VmRSS. At the end it fails (exit 1) on any error or when the server's RSS in the
// last window exceeds the first warm window's by more than --rss-growth-mib (default: an
// allowance for RocksDB's memtables and caches and the projection store's case cache, see
// Config).
#include <signal.h>

#include <CLI/CLI.hpp>
#include <array>
#include <cstdio>
#include <filesystem>
#include <random>
#include <sstream>
#include <thread>

#include "ledger/checkpoint.h"
#include "tools/soak_util.h"

namespace caseledger::bench {
namespace {

enum Op { kAppend, kRead, kSubscribe, kCheckpoint, kInclusion, kConsistency, kAudit, kOps };
constexpr std::array<const char*, kOps> kOpNames = {
    "append", "readStream", "subscribe", "checkpoint", "inclusion", "consistency", "auditQuery"};

struct Config {
  std::string daemon;
  std::string dir;
  double duration = 600;
  double window = 30;
  double rate = 50;       // appends per second, all agencies
  double read_rate = 5;   // readStream per second
  double proof_rate = 6;  // checkpoint + inclusion + consistency per second
  double audit_rate = 1;  // audit queries per second
  size_t cases = 20;      // per agency, at a time
  // Events per case before its agency moves on to a new one: the case view keeps a history
  // line per event, rewritten at each projection flush, so a run that grew a few cases without
  // end would measure that (see load_bench --case-events) rather than a steady state.
  size_t case_events = 100;
  int warm_windows = 1;   // windows before the memory baseline
  // An allowance for what fills as data arrives without a leak: RocksDB's memtables (128 MiB
  // in all in the ledger, 64 MiB in the projection store) and block caches (64 and 32 MiB,
  // index and filter blocks included). Not a derived maximum: see docs/reliability.md
  // ("Soak").
  double rss_growth_mib = 384;
  bool json = false;
  bool keep = false;
};

struct Shared {
  std::atomic<bool> stop{false};
  std::array<LatencyRecorder, kOps> ops;
  std::atomic<uint64_t> subscribed_events{0};
};

constexpr char kPurpose[] = "soak test: synthetic load";

// Connects `options`, recording a failure as an error of `op`.
std::unique_ptr<server::Client> Connect(const server::ClientOptions& options, Shared& s, Op op) {
  auto c = server::Client::Connect(options);
  if (!c.ok()) {
    s.ops[op].Error("connect: " + c.status().ToString());
    return nullptr;
  }
  return std::move(*c);
}

// Runs `call` at `rate` per second on one connection; a failed call is an error of `op`, and
// an Unavailable one also drops the connection (the next tick reconnects).
template <typename Call>
void Paced(const server::ClientOptions& options, double rate, Shared& s, Op op, Call call) {
  Pacer pacer(rate);
  std::unique_ptr<server::Client> client;
  while (pacer.Wait(s.stop)) {
    if (!client && !(client = Connect(options, s, op))) continue;
    Status st = call(*client);
    if (!st.ok() && st.code() == Status::Code::kUnavailable) client.reset();
  }
  if (client) (void)client->Goodbye();
}

// Times `fn` (returning a Status) and records it under `op`.
template <typename Fn>
Status Timed(Shared& s, Op op, Fn fn) {
  const int64_t start = NowNanos();
  Status st = fn();
  if (st.ok()) {
    s.ops[op].Record(NowNanos() - start);
  } else {
    s.ops[op].Error(st.ToString());
  }
  return st;
}

void Appender(const DevServer& server, const std::string& principal, size_t first_case,
              const Config& c, double rate, Shared& s) {
  EventAuthor author;
  author.agency_id = DevServer::AgencyOf(principal);
  author.agency_role = principal == "barnahus" ? schema::AgencyRole::BARNAHUS
                                               : schema::AgencyRole::CHILD_PROTECTION;
  author.personal = true;
  const int64_t occurred_at = NowMicrosSinceEpoch();
  size_t next = 0;
  size_t generation = 0;
  // One batch per case of the current generation: it numbers its event ids itself.
  std::vector<EventBatch> batches;
  for (size_t i = 0; i < c.cases; ++i) batches.emplace_back(first_case + i, 1, 0, occurred_at, author);
  Paced(server.ClientFor(principal, "soak-append/1"), rate, s, kAppend, [&](server::Client& cl) {
    const size_t n = next++;
    if (n / (c.cases * c.case_events) != generation) {
      generation = n / (c.cases * c.case_events);
      batches.clear();
      for (size_t i = 0; i < c.cases; ++i) {
        batches.emplace_back(first_case + generation * c.cases + i, 1, 0, occurred_at, author);
      }
    }
    EventBatch& b = batches[n % c.cases];
    b.Renew();
    return Timed(s, kAppend, [&] {
      return cl.Append(b.case_id(), ExpectedVersion::Any(), b.events()).status();
    });
  });
}

void Reader(const DevServer& server, const Config& c, Shared& s) {
  size_t next = 0;
  Paced(server.ClientFor("childprotection", "soak-read/1"), c.read_rate, s, kRead,
        [&](server::Client& cl) {
          const std::string case_id = CaseIdFor(next++ % c.cases);
          return Timed(s, kRead, [&] { return cl.ReadStream(case_id, 0, 20, kPurpose).status(); });
        });
}

void Subscriber(const DevServer& server, Shared& s) {
  auto client = Connect(server.ClientFor("oversight", "soak-subscribe/1"), s, kSubscribe);
  if (!client) return;
  client->SetTimeout(20);
  if (Status st = client->Subscribe(0, 10000, 256, kPurpose); !st.ok()) {
    s.ops[kSubscribe].Error("subscribe: " + st.ToString());
    return;
  }
  bool live = false;
  while (!s.stop.load()) {
    auto page = client->NextBatch();
    if (!page.ok()) {
      // After the stop the log stops growing and the wait may time out: not an error.
      if (!s.stop.load()) s.ops[kSubscribe].Error("next batch: " + page.status().ToString());
      return;
    }
    const int64_t now = NowMicrosSinceEpoch();
    for (const auto& ev : page->events) {
      if (live) s.ops[kSubscribe].Record((now - ev.reader().getRecordedAt()) * 1000);
    }
    live = live || page->at_end;
    s.subscribed_events += page->events.size();
    if (!page->events.empty()) {
      if (Status st = client->Credit(static_cast<uint32_t>(page->events.size())); !st.ok()) {
        s.ops[kSubscribe].Error("credit: " + st.ToString());
        return;
      }
    }
  }
  (void)client->Unsubscribe();
  (void)client->Goodbye();
}

void Prover(const DevServer& server, const Config& c, Shared& s) {
  std::mt19937_64 rng(42);
  uint64_t size = 0;
  size_t turn = 0;
  Paced(server.ClientFor("witness", "soak-proof/1"), c.proof_rate, s, kCheckpoint,
        [&](server::Client& cl) -> Status {
          const size_t t = turn++ % 3;
          if (t == 0 || size < 2) {
            return Timed(s, kCheckpoint, [&]() -> Status {
              auto note = cl.GetCheckpoint(0);
              if (!note.ok()) return note.status();
              auto parsed = ParseCheckpointUnverified(*note);
              if (!parsed.ok()) return parsed.status();
              size = parsed->size;
              return Status::OK();
            });
          }
          if (t == 1) {
            const uint64_t position = rng() % size;
            return Timed(s, kInclusion, [&] { return cl.InclusionProof(position, 0).status(); });
          }
          const uint64_t size1 = 1 + rng() % (size - 1);
          return Timed(s, kConsistency, [&] { return cl.ConsistencyProof(size1, 0).status(); });
        });
}

void Auditor(const DevServer& server, const std::string& principal, double rate, Shared& s) {
  size_t turn = 0;
  Paced(server.ClientFor(principal, "soak-audit/1"), rate, s, kAudit, [&](server::Client& cl) {
    server::Client::AuditQueryOptions o;
    std::string name = "representative_wait";
    if (turn++ % 2 == 0) {
      name = "record_access";
      o.params = {{"case", CaseIdFor(0)}};
    }
    return Timed(s, kAudit, [&] { return cl.AuditQuery(name, kPurpose, o).status(); });
  });
}

Status AwaitCheckpoint(const DevServer& server) {
  auto client = server::Client::Connect(server.ClientFor("witness", "soak-probe/1"));
  if (!client.ok()) return client.status();
  const int64_t deadline = NowNanos() + 30'000'000'000LL;
  while (true) {
    auto note = (*client)->GetCheckpoint(0);
    if (note.ok() || note.status().code() != Status::Code::kNotFound) return note.status();
    if (NowNanos() > deadline) return note.status();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

// SIGINT and SIGTERM end the run early, through the normal teardown (the server is stopped,
// the windows so far are checked).
std::atomic<bool>* g_stop = nullptr;
void OnSignal(int) {
  if (g_stop != nullptr) g_stop->store(true);
}

struct WindowRow {
  double end_seconds = 0;
  std::array<WindowStats, kOps> ops;
  int64_t rss_kib = 0;
  uint64_t tree_size = 0;
};

void PrintWindow(FILE* out, const WindowRow& w) {
  std::fprintf(out, "%7.0f s  rss %7.1f MiB  tree %8llu\n", w.end_seconds, w.rss_kib / 1024.0,
               static_cast<unsigned long long>(w.tree_size));
  for (int op = 0; op < kOps; ++op) {
    const WindowStats& o = w.ops[op];
    std::fprintf(out, "          %-12s %7llu calls %8.2f %8.2f %8.2f ms  errors %llu%s%s\n",
                 kOpNames[op], static_cast<unsigned long long>(o.count), o.p50 / 1e6, o.p99 / 1e6,
                 o.p999 / 1e6, static_cast<unsigned long long>(o.errors),
                 o.errors ? "  first: " : "", o.first_error.c_str());
  }
  std::fflush(out);
}

std::string Json(const Config& c, const std::vector<WindowRow>& rows, bool passed) {
  std::ostringstream o;
  o << "{\"config\":{\"duration_s\":" << c.duration << ",\"window_s\":" << c.window
    << ",\"append_rate\":" << c.rate << ",\"read_rate\":" << c.read_rate
    << ",\"proof_rate\":" << c.proof_rate << ",\"audit_rate\":" << c.audit_rate
    << "},\"passed\":" << (passed ? "true" : "false") << ",\"windows\":[";
  for (size_t i = 0; i < rows.size(); ++i) {
    const WindowRow& w = rows[i];
    o << (i ? "," : "") << "{\"end_s\":" << w.end_seconds << ",\"rss_kib\":" << w.rss_kib
      << ",\"tree_size\":" << w.tree_size << ",\"ops\":{";
    for (int op = 0; op < kOps; ++op) {
      const WindowStats& s = w.ops[op];
      o << (op ? "," : "") << "\"" << kOpNames[op] << "\":{\"calls\":" << s.count
        << ",\"errors\":" << s.errors << ",\"p50_ms\":" << s.p50 / 1e6
        << ",\"p99_ms\":" << s.p99 / 1e6 << ",\"p999_ms\":" << s.p999 / 1e6 << "}";
    }
    o << "}}";
  }
  o << "]}\n";
  return o.str();
}

// The checks of the whole run; prints each. True when all hold.
bool Check(FILE* out, const Config& c, const std::vector<WindowRow>& rows, uint64_t server_errors) {
  uint64_t errors = 0;
  std::array<uint64_t, kOps> calls{};
  for (const auto& w : rows) {
    for (int op = 0; op < kOps; ++op) {
      errors += w.ops[op].errors;
      calls[op] += w.ops[op].count;
    }
  }
  bool ok = true;
  std::fprintf(out, "check errors: %llu client-side, %llu error replies counted by the server "
               "(must be 0): %s\n", static_cast<unsigned long long>(errors),
               static_cast<unsigned long long>(server_errors),
               errors == 0 && server_errors == 0 ? "ok" : "FAILED");
  ok = ok && errors == 0 && server_errors == 0;
  for (int op = 0; op < kOps; ++op) {
    if (calls[op] == 0) {
      std::fprintf(out, "check %s: no successful call: FAILED\n", kOpNames[op]);
      ok = false;
    }
  }
  if (rows.size() < static_cast<size_t>(c.warm_windows) + 2) {
    std::fprintf(out, "check memory: too few windows (%zu) to compare: FAILED\n", rows.size());
    return false;
  }
  const int64_t warm = rows[c.warm_windows].rss_kib, last = rows.back().rss_kib;
  int64_t peak = 0;
  for (size_t i = c.warm_windows; i < rows.size(); ++i) peak = std::max(peak, rows[i].rss_kib);
  // The peak, not only the last window: a climb that a late flush happens to hide still counts.
  const double growth_mib = (peak - warm) / 1024.0;
  const bool mem_ok = growth_mib <= c.rss_growth_mib;
  std::fprintf(out,
               "check memory: server RSS first warm window (ending %.0f s) %.1f MiB, last %.1f "
               "MiB, peak %.1f MiB: growth to the peak %+.1f MiB, allowed %.0f MiB (RocksDB "
               "memtables and caches fill as data arrives): %s\n",
               rows[c.warm_windows].end_seconds, warm / 1024.0, last / 1024.0, peak / 1024.0,
               growth_mib, c.rss_growth_mib, mem_ok ? "ok" : "FAILED");
  // The trend, to tell a plateau from a steady climb: growth per 1000 events in each half.
  const size_t mid = c.warm_windows + (rows.size() - c.warm_windows) / 2;
  auto per_k = [&](size_t a, size_t b) {
    const double events = static_cast<double>(rows[b].tree_size) - rows[a].tree_size;
    return events > 0 ? (rows[b].rss_kib - rows[a].rss_kib) / 1024.0 / events * 1000 : 0;
  };
  std::fprintf(out, "memory trend: %+.2f MiB per 1000 log events in the first warm half, %+.2f "
               "in the second\n", per_k(c.warm_windows, mid), per_k(mid, rows.size() - 1));
  return ok && mem_ok;
}

int Main(int argc, char** argv) {
  CLI::App app{"caseledgerd at a steady rate with appends, subscriptions, proofs, audit queries "
               "and reads mixed; per-window latency and server memory"};
  Config c;
  c.daemon = DaemonBesideThisTool();
  app.add_option("--daemon", c.daemon, "the caseledgerd binary")->capture_default_str();
  app.add_option("--dir", c.dir, "where to make the run's fresh directory (default: $TMPDIR)");
  app.add_option("--duration", c.duration, "seconds to run")->capture_default_str();
  app.add_option("--window", c.window, "seconds per reported window")->capture_default_str();
  app.add_option("--rate", c.rate, "appends per second, all agencies")->capture_default_str();
  app.add_option("--read-rate", c.read_rate, "readStream calls per second")->capture_default_str();
  app.add_option("--proof-rate", c.proof_rate, "checkpoint and proof calls per second")
      ->capture_default_str();
  app.add_option("--audit-rate", c.audit_rate, "audit queries per second")->capture_default_str();
  app.add_option("--cases", c.cases, "cases per agency at a time")->capture_default_str();
  app.add_option("--case-events", c.case_events, "events per case before a new one")
      ->capture_default_str();
  app.add_option("--warm-windows", c.warm_windows, "windows before the memory baseline")
      ->capture_default_str();
  app.add_option("--rss-growth-mib", c.rss_growth_mib,
                 "allowed server RSS growth from the first warm window to the last, MiB")
      ->capture_default_str();
  app.add_flag("--json", c.json, "print the windows as JSON on stdout (the table goes to stderr)");
  app.add_flag("--keep", c.keep, "keep the data directory and the server log");
  CLI11_PARSE(app, argc, argv);
  if (c.duration < 2 * c.window || c.window <= 0 || c.rate <= 0 || c.read_rate <= 0 ||
      c.proof_rate <= 0 || c.audit_rate <= 0 || c.cases == 0 || c.case_events == 0 || c.warm_windows < 0) {
    std::fprintf(stderr, "rates, --cases and --window must be positive and --duration at least "
                         "two windows\n");
    return 2;
  }
  if (!std::filesystem::exists(c.daemon)) {
    std::fprintf(stderr, "no caseledgerd at %s (give --daemon)\n", c.daemon.c_str());
    return 2;
  }
  auto root = MakeRunDirectory(c.dir, "soak");
  if (!root.ok()) {
    std::fprintf(stderr, "%s\n", root.status().ToString().c_str());
    return 2;
  }
  auto server = DevServer::Start(*root, c.daemon, "info", "");
  if (!server.ok()) {
    std::fprintf(stderr, "caseledgerd: %s\n", server.status().ToString().c_str());
    return 1;
  }
  FILE* out = c.json ? stderr : stdout;
  std::fprintf(out,
               "soak: %.0f s, windows of %.0f s; appends %.1f/s (childprotection and barnahus, "
               "%zu cases each), readStream %.1f/s, checkpoint+proofs %.1f/s, audit %.1f/s, one "
               "live subscriber; %u CPUs (shared with the load tool)\n"
               "per window: calls, p50 p99 p999 (ms), errors; server pid %d\n",
               c.duration, c.window, c.rate, c.cases, c.read_rate, c.proof_rate, c.audit_rate,
               std::thread::hardware_concurrency(), static_cast<int>((*server)->pid()));
  Shared s;
  g_stop = &s.stop;
  ::signal(SIGINT, OnSignal);
  ::signal(SIGTERM, OnSignal);
  std::vector<std::thread> threads;
  threads.emplace_back([&] { Appender(**server, "childprotection", 0, c, c.rate / 2, s); });
  threads.emplace_back([&] { Appender(**server, "barnahus", 5000, c, c.rate / 2, s); });
  // Until the server signs its first checkpoint (about a second after the first append)
  // NotFound is the right answer to a checkpoint request: the prover starts after it, and the
  // server's error count is taken from then on.
  if (Status st = AwaitCheckpoint(**server); !st.ok()) {
    s.stop = true;
    for (auto& t : threads) t.join();
    std::fprintf(stderr, "no first checkpoint: %s\n", st.ToString().c_str());
    return 1;
  }
  auto metrics_before = ScrapeMetrics((*server)->daemon().metrics_port());
  threads.emplace_back([&] { Reader(**server, c, s); });
  threads.emplace_back([&] { Subscriber(**server, s); });
  threads.emplace_back([&] { Prover(**server, c, s); });
  threads.emplace_back([&] { Auditor(**server, "oversight", c.audit_rate / 2, s); });
  threads.emplace_back([&] { Auditor(**server, "ombudsperson", c.audit_rate / 2, s); });

  std::vector<WindowRow> rows;
  const int64_t start = NowNanos();
  Pacer windows(1.0 / c.window);
  const int n = static_cast<int>(c.duration / c.window);
  for (int i = 0; i < n && windows.Wait(s.stop); ++i) {
    WindowRow w;
    w.end_seconds = (NowNanos() - start) / 1e9;
    for (int op = 0; op < kOps; ++op) w.ops[op] = s.ops[op].Take();
    w.rss_kib = RssKibOf((*server)->pid());
    if (auto m = ScrapeMetrics((*server)->daemon().metrics_port()); m.ok()) {
      w.tree_size = static_cast<uint64_t>((*m)["caseledger_tree_size"]);
    }
    PrintWindow(out, w);
    rows.push_back(std::move(w));
  }
  s.stop = true;
  for (auto& t : threads) t.join();
  double server_errors = 0;
  auto metrics_after = ScrapeMetrics((*server)->daemon().metrics_port());
  if (metrics_before.ok() && metrics_after.ok()) {
    server_errors = SumOf(*metrics_after, "caseledger_errors_total") -
                    SumOf(*metrics_before, "caseledger_errors_total");
  }
  // Calls that ended after the last window still count for errors.
  WindowRow tail;
  for (int op = 0; op < kOps; ++op) tail.ops[op] = s.ops[op].Take();
  bool passed = Check(out, c, rows, static_cast<uint64_t>(server_errors));
  for (const auto& o : tail.ops) {
    if (o.errors) {
      std::fprintf(out, "check errors after the last window: %llu (%s): FAILED\n",
                   static_cast<unsigned long long>(o.errors), o.first_error.c_str());
      passed = false;
    }
  }
  std::fprintf(out, "subscriber received %llu events\n",
               static_cast<unsigned long long>(s.subscribed_events.load()));
  if (Status st = (*server)->Stop(); !st.ok()) {
    std::fprintf(out, "check clean stop: %s: FAILED\n", st.ToString().c_str());
    passed = false;
  }
  if (c.json) std::fputs(Json(c, rows, passed).c_str(), stdout);
  return FinishRun(out, "soak", passed, c.keep, *root, (*server)->log_file());
}

}  // namespace
}  // namespace caseledger::bench

int main(int argc, char** argv) {
  ::signal(SIGPIPE, SIG_IGN);
  // Line by line, so that a CI log or a tail shows progress as it happens.
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  return caseledger::bench::Main(argc, argv);
}
