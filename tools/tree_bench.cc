// tree_bench: what tamper evidence costs and how fast it answers (docs/performance.md).
//
// 1. Append throughput with and without Merkle-tree upkeep (LedgerOptions::
//    benchmark_without_tree), durable, same run: 64 closed-loop single-event appenders, and one
//    appender of 1024-event batches.
// 2. A ledger of each --sizes (millions of events, bulk-loaded without per-commit sync, then
//    synced): inclusion and consistency proof latency (p50/p99/p999 over --proofs random
//    proofs against the full tree), then a full `verify` (VerifyLedger) in events/s and MB/s
//    next to the single-threaded SHA-256 rate of the same stored bytes, measured here by
//    hashing every stored event with LeafHash.
#include <capnp/message.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "ledger/hash.h"
#include "ledger/ledger.h"
#include "ledger/merkle.h"
#include "ledger/verify.h"
#include "schema/events.capnp.h"

namespace caseledger::bench {
namespace {

namespace fs = std::filesystem;

double Seconds(std::chrono::steady_clock::time_point a, std::chrono::steady_clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

// Valid client events of about `bytes` stored bytes, for one case.
class EventMaker {
 public:
  EventMaker(std::string case_id, uint64_t id_base, size_t bytes)
      : case_id_(std::move(case_id)), next_id_(id_base), bytes_(bytes) {}

  std::vector<schema::Event::Reader> Make(size_t n) {
    messages_.clear();
    std::vector<schema::Event::Reader> out;
    for (size_t i = 0; i < n; ++i) {
      auto msg = std::make_unique<capnp::MallocMessageBuilder>(128);
      auto ev = msg->initRoot<schema::Event>();
      uint8_t id[16] = {'b', 'e', 'n', 'c', 'h'};
      uint64_t v = next_id_++;
      for (int k = 0; k < 8; ++k) id[15 - k] = static_cast<uint8_t>(v >> (8 * k));
      ev.setEventId(capnp::Data::Reader(id, 16));
      ev.setCaseId(case_id_);
      ev.setChildId("child-bench");
      ev.setDataClass(schema::DataClass::ORDINARY);
      ev.setOccurredAt(1740992400LL * 1000000);
      ev.setJurisdiction(schema::Jurisdiction::NO);
      ev.setAgencyId("no-cp-bench");
      ev.setAgencyRole(schema::AgencyRole::CHILD_PROTECTION);
      ev.setActorId("worker-1");
      auto body = ev.initBody().initCaseConferenceHeld();
      body.setKind(schema::CaseConferenceHeld::Kind::INITIAL);
      body.initAttendees(1).set(0, schema::AgencyRole::POLICE);
      // The ledger adds about 96 bytes (version, position, recorded-at, back-link).
      const size_t now = ev.totalSize().wordCount * 8 + 96;
      if (bytes_ > now + 8) ev.setLegalBasis(std::string(bytes_ - now - 8, 'x'));
      out.push_back(msg->getRoot<schema::Event>().asReader());
      messages_.push_back(std::move(msg));
    }
    return out;
  }

 private:
  std::string case_id_;
  uint64_t next_id_;
  size_t bytes_;
  std::vector<std::unique_ptr<capnp::MallocMessageBuilder>> messages_;
};

std::unique_ptr<Ledger> OpenLedger(const std::string& dir, bool tree, bool sync) {
  LedgerOptions o;
  o.data_dir = dir;
  o.sync = sync;
  o.benchmark_without_tree = !tree;
  o.checkpoint_every_events = 100000;
  auto r = Ledger::Open(o);
  if (!r.ok()) {
    std::fprintf(stderr, "open %s: %s\n", dir.c_str(), r.status().ToString().c_str());
    std::exit(2);
  }
  return std::move(r).value();
}

// Events per second of `threads` closed-loop appenders of `batch` events for `seconds`.
double AppendRate(const std::string& dir, bool tree, int threads, size_t batch, double seconds,
                  size_t event_bytes) {
  auto ledger = OpenLedger(dir, tree, /*sync=*/true);
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> events{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      EventMaker maker("case-" + std::to_string(t), uint64_t(t) << 40, event_bytes);
      while (!stop.load(std::memory_order_relaxed)) {
        auto evs = maker.Make(batch);
        auto r = ledger->Append("case-" + std::to_string(t), ExpectedVersion::Any(), evs);
        if (!r.ok()) {
          std::fprintf(stderr, "append: %s\n", r.status().ToString().c_str());
          std::exit(1);
        }
        events.fetch_add(batch, std::memory_order_relaxed);
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // warm-up
  const uint64_t e0 = events.load();
  const auto t0 = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  const uint64_t e1 = events.load();
  const auto t1 = std::chrono::steady_clock::now();
  stop = true;
  for (auto& w : workers) w.join();
  return (e1 - e0) / Seconds(t0, t1);
}

struct Percentiles {
  double p50, p99, p999;
};
Percentiles Of(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  auto at = [&](double q) { return v[std::min(v.size() - 1, static_cast<size_t>(q * v.size()))]; };
  return {at(0.5), at(0.99), at(0.999)};
}

void BuildLedger(const std::string& dir, uint64_t events, size_t event_bytes) {
  auto ledger = OpenLedger(dir, /*tree=*/true, /*sync=*/false);
  constexpr size_t kBatch = 1000;
  constexpr int kCases = 1000;
  std::vector<EventMaker> makers;
  for (int c = 0; c < kCases; ++c) makers.emplace_back("case-" + std::to_string(c), uint64_t(c) << 40, event_bytes);
  const auto t0 = std::chrono::steady_clock::now();
  for (uint64_t done = 0; done < events; done += kBatch) {
    const int c = static_cast<int>((done / kBatch) % kCases);
    auto evs = makers[c].Make(std::min<uint64_t>(kBatch, events - done));
    auto r = ledger->Append("case-" + std::to_string(c), ExpectedVersion::Any(), evs);
    if (!r.ok()) {
      std::fprintf(stderr, "load: %s\n", r.status().ToString().c_str());
      std::exit(1);
    }
    if ((done / kBatch) % 1000 == 0) std::fprintf(stderr, "\rloading %llu / %llu", (unsigned long long)done, (unsigned long long)events);
  }
  if (!ledger->Sync().ok() || !ledger->Checkpoint().ok()) std::exit(1);
  std::fprintf(stderr, "\rloaded %llu events in %.1f s\n", (unsigned long long)events,
               Seconds(t0, std::chrono::steady_clock::now()));
}

void ProofsAndVerify(const std::string& dir, uint64_t proofs) {
  uint64_t size = 0;
  {
    LedgerOptions o;
    o.data_dir = dir;
    o.read_only = true;
    auto ledger = Ledger::Open(o);
    if (!ledger.ok()) std::exit(2);
    size = (*ledger)->size();
    std::mt19937_64 rng(42);
    std::vector<double> inc, con;
    for (uint64_t i = 0; i < proofs; ++i) {
      const uint64_t pos = rng() % size;
      auto t0 = std::chrono::steady_clock::now();
      auto p = (*ledger)->InclusionProof(pos, size);
      auto t1 = std::chrono::steady_clock::now();
      if (!p.ok()) std::exit(1);
      inc.push_back(Seconds(t0, t1) * 1e6);
      const uint64_t s1 = 1 + rng() % (size - 1);
      t0 = std::chrono::steady_clock::now();
      auto c = (*ledger)->ConsistencyProof(s1, size);
      t1 = std::chrono::steady_clock::now();
      if (!c.ok()) std::exit(1);
      con.push_back(Seconds(t0, t1) * 1e6);
    }
    auto pi = Of(inc), pc = Of(con);
    std::printf("  %-12llu inclusion   p50 %7.1f us  p99 %7.1f us  p999 %7.1f us\n",
                (unsigned long long)size, pi.p50, pi.p99, pi.p999);
    std::printf("  %-12llu consistency p50 %7.1f us  p99 %7.1f us  p999 %7.1f us\n",
                (unsigned long long)size, pc.p50, pc.p99, pc.p999);

    // The single-threaded SHA-256 rate of the same bytes: time only the hashing.
    double hash_seconds = 0;
    uint64_t bytes = 0;
    for (uint64_t from = 0; from < size; from += 10000) {
      auto page = (*ledger)->ReadLog(from, 10000);
      if (!page.ok()) std::exit(1);
      auto t0 = std::chrono::steady_clock::now();
      for (const auto& ev : *page) {
        Hash256 h = LeafHash(ev.bytes());
        bytes += ev.bytes().size() + (h[0] & 0);
      }
      hash_seconds += Seconds(t0, std::chrono::steady_clock::now());
    }
    std::printf("  %-12llu sha256      %.0f events/s  %.1f MB/s (%llu bytes)\n",
                (unsigned long long)size, size / hash_seconds, bytes / hash_seconds / 1e6,
                (unsigned long long)bytes);
  }
  VerifyOptions vo;
  vo.data_dir = dir;
  const auto t0 = std::chrono::steady_clock::now();
  auto report = VerifyLedger(vo);
  const double secs = Seconds(t0, std::chrono::steady_clock::now());
  if (!report.ok() || !report->intact()) {
    std::fprintf(stderr, "verify failed\n");
    std::exit(1);
  }
  std::printf("  %-12llu verify      %.0f events/s  %.1f MB/s  (%.1f s, %llu tree nodes)\n",
              (unsigned long long)size, report->events / secs, report->event_bytes / secs / 1e6,
              secs, (unsigned long long)report->tree_nodes);
}

}  // namespace
}  // namespace caseledger::bench

int main(int argc, char** argv) {
  using namespace caseledger::bench;
  CLI::App app{"tree_bench: cost of the Merkle tree, proof latency, verify rate"};
  std::string dir;
  double seconds = 5;
  std::vector<double> sizes_m{1, 10};
  uint64_t proofs = 20000;
  size_t event_bytes = 512;
  bool skip_append = false;
  app.add_option("--dir", dir, "Scratch directory (default: a fresh one under /tmp, removed)");
  app.add_option("--seconds", seconds, "Seconds per append scenario")->capture_default_str();
  app.add_option("--sizes", sizes_m, "Ledger sizes for proofs and verify, in millions (comma-separated)")
      ->delimiter(',')
      ->capture_default_str();
  app.add_option("--proofs", proofs, "Random proofs per size")->capture_default_str();
  app.add_option("--event-bytes", event_bytes, "Stored size of each event")->capture_default_str();
  app.add_flag("--skip-append", skip_append, "Skip the append comparison");
  CLI11_PARSE(app, argc, argv);
  const bool own_dir = dir.empty();
  if (own_dir) dir = (fs::temp_directory_path() / ("tree_bench-" + std::to_string(::getpid()))).string();
  fs::create_directories(dir);

  std::printf("tree_bench: %zu-byte events, %u hardware threads\n", event_bytes,
              std::thread::hardware_concurrency());
  if (!skip_append) {
    std::printf("\nappend, durable (sync on), %.0f s per scenario after 0.5 s warm-up\n", seconds);
    std::printf("  %-22s %14s %14s %8s\n", "scenario", "with tree", "without tree", "ratio");
    struct Scenario {
      const char* name;
      int threads;
      size_t batch;
    };
    int n = 0;
    for (Scenario s : {Scenario{"64 threads x 1 event", 64, 1}, Scenario{"1 thread x 1024 events", 1, 1024}}) {
      const std::string a = dir + "/append-tree-" + std::to_string(n);
      const std::string b = dir + "/append-plain-" + std::to_string(n++);
      const double with = AppendRate(a, true, s.threads, s.batch, seconds, event_bytes);
      const double without = AppendRate(b, false, s.threads, s.batch, seconds, event_bytes);
      std::printf("  %-22s %10.0f ev/s %10.0f ev/s %8.2f\n", s.name, with, without, with / without);
      std::fflush(stdout);
    }
  }
  std::printf("\nproofs (random, against the full tree) and full verify\n");
  for (double m : sizes_m) {
    const uint64_t events = static_cast<uint64_t>(m * 1e6);
    const std::string d = dir + "/ledger-" + std::to_string(events);
    if (!fs::exists(d + "/CURRENT")) BuildLedger(d, events, event_bytes);
    ProofsAndVerify(d, proofs);
    std::fflush(stdout);
  }
  if (own_dir) fs::remove_all(dir);
  return 0;
}
