// projection_bench: how fast the projections fold the log, next to a raw scan of the same log
// in the same run, and how fast the compliance engine's results answer "what is overdue as of
// T" and the agency accountability table. Figures and conditions: docs/performance.md.
//
// 1. A synthetic ledger of --cases cases (tools/synthetic.h, every shipped rule pack
//    activated), generated into --data (or a fresh temporary directory), or reused when --data
//    already holds a ledger.
// 2. Raw scan: Ledger::ReadLog in chunks of 4096 from position 0 to the end, reading each
//    event's body discriminant (the least a projection must do), twice: the first pass may
//    read from disk, the second from the page cache. The baseline is the faster one.
// 3. Rebuild: ProjectionStore::Rebuild({}) (both projections, what `caseledger rebuild` runs),
//    then each projection alone (--each), in events/s and as a ratio to the raw scan.
// 4. Evaluation as of a time (default: the newest recorded-at): Overdue(as_of, SIZE_MAX) and
//    Accountability over all time, in seconds and obligations/s; by default twice, halfway
//    through the log's recorded-at span and at its newest recorded-at.
#include <stdlib.h>
#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <climits>
#include <ctime>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "ledger/ledger.h"
#include "projections/projection_store.h"
#include "tools/bench_util.h"
#include "tools/synthetic.h"

namespace caseledger::bench {
namespace {

namespace fs = std::filesystem;

// The process's peak resident set so far, in MB (a high-water mark: it never goes down).
double PeakRssMb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss / 1024.0;
}

// "2026-01-05T17:00:00Z" (UTC, to the second).
std::string Rfc3339(int64_t micros) {
  const time_t secs = static_cast<time_t>(micros / 1000000);
  tm t{};
  gmtime_r(&secs, &t);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &t);
  return text;
}

// Wall and CPU time of one phase.
struct Phase {
  double seconds = 0;
  double cpu_seconds = 0;
};

class PhaseTimer {
 public:
  PhaseTimer() : start_(NowNanos()), cpu_start_(ProcessCpuSeconds()) {}
  Phase Stop() const {
    return {(NowNanos() - start_) / 1e9, ProcessCpuSeconds() - cpu_start_};
  }

 private:
  int64_t start_;
  double cpu_start_;
};

void PrintRate(const char* what, uint64_t items, const char* unit, const Phase& p,
               double baseline_rate) {
  const double rate = p.seconds > 0 ? items / p.seconds : 0;
  std::printf("%-26s %10.2f s %8.2f CPU s %12.0f %s/s", what, p.seconds, p.cpu_seconds, rate,
              unit);
  if (baseline_rate > 0) std::printf("  %5.2fx raw scan", rate / baseline_rate);
  std::printf("  (peak RSS %.0f MB)\n", PeakRssMb());
}

// Reads the whole log in chunks as a projection would, touching each event. Returns the
// events read; `checksum` keeps the compiler from dropping the reads.
Result<uint64_t> RawScan(const Ledger& ledger, uint64_t* checksum) {
  constexpr size_t kChunk = 4096;  // StoreOptions::chunk_events
  uint64_t position = 0, sum = 0;
  for (;;) {
    auto events = ledger.ReadLog(position, kChunk);
    if (!events.ok()) return events.status();
    if (events->empty()) break;
    for (const auto& e : *events) {
      sum += static_cast<uint64_t>(e.reader().getBody().which()) + e.bytes().size();
    }
    position += events->size();
  }
  *checksum = sum;
  return position;
}

Status Generate(const std::string& dir, uint64_t cases, uint64_t seed) {
  synthetic::GeneratorOptions options;
  options.cases = cases;
  options.seed = seed;
  options.activate_rule_packs = true;
  uint64_t shown = 0;
  options.progress = [&shown](uint64_t done, uint64_t total) {
    if (done - shown < 250000 && done < total) return;
    shown = done;
    std::fprintf(stderr, "\rgenerating: %llu / %llu events", static_cast<unsigned long long>(done),
                 static_cast<unsigned long long>(total));
  };
  PhaseTimer t;
  auto summary = synthetic::GenerateInto(dir, options);
  std::fprintf(stderr, "\n");
  if (!summary.ok()) return summary.status();
  const Phase p = t.Stop();
  std::printf("generated %llu cases, %llu events (+%llu rule packs) in %.1f s (%.0f events/s)\n",
              static_cast<unsigned long long>(summary->cases),
              static_cast<unsigned long long>(summary->events),
              static_cast<unsigned long long>(summary->rule_packs), p.seconds,
              summary->events / p.seconds);
  return Status::OK();
}

// Runs Rebuild(names) and prints its rate against the raw scan's.
Status TimeRebuild(projections::ProjectionStore& store, const std::vector<std::string>& names,
                   const char* label, double raw_rate) {
  PhaseTimer t;
  auto reached = store.Rebuild(names);
  if (!reached.ok()) return reached.status();
  PrintRate(label, *reached, "events", t.Stop(), raw_rate);
  return Status::OK();
}

Status Evaluate(const projections::ProjectionStore& store, int64_t as_of) {
  PhaseTimer t;
  auto overdue = store.Overdue(as_of, SIZE_MAX);
  if (!overdue.ok()) return overdue.status();
  const Phase po = t.Stop();
  PhaseTimer t2;
  auto rows = store.Accountability(INT64_MIN, INT64_MAX, /*monthly=*/false, as_of);
  if (!rows.ok()) return rows.status();
  const Phase pa = t2.Stop();
  uint64_t total = 0, met = 0, met_late = 0, breached = 0, open = 0, late_open = 0;
  for (const auto& r : *rows) {
    met += r.met, met_late += r.met_late, breached += r.breached, open += r.open;
    late_open += r.overdue;
  }
  total = met + met_late + breached + open + late_open;
  std::printf("as of %s: %llu obligations: %llu met, %llu met late, %llu breached, %llu open, "
              "%llu overdue; %zu accountability rows\n",
              Rfc3339(as_of).c_str(),
              static_cast<unsigned long long>(total), static_cast<unsigned long long>(met),
              static_cast<unsigned long long>(met_late), static_cast<unsigned long long>(breached),
              static_cast<unsigned long long>(open), static_cast<unsigned long long>(late_open),
              rows->size());
  std::printf("Overdue() returned %zu obligations\n", overdue->size());
  PrintRate("overdue (all cases)", total, "obligations", po, 0);
  PrintRate("accountability (all time)", total, "obligations", pa, 0);
  return Status::OK();
}

int Run(const std::string& dir, bool each, int64_t as_of) {
  LedgerOptions lo;
  lo.data_dir = dir;
  lo.read_only = true;
  lo.create_if_missing = false;
  auto ledger = Ledger::Open(lo);
  if (!ledger.ok()) {
    std::fprintf(stderr, "cannot open %s: %s\n", dir.c_str(), ledger.status().ToString().c_str());
    return 1;
  }
  const uint64_t n = (*ledger)->size();
  std::printf("ledger %s: %llu events\n", dir.c_str(), static_cast<unsigned long long>(n));

  double raw_rate = 0;
  for (int pass = 1; pass <= 2; ++pass) {
    uint64_t checksum = 0;
    PhaseTimer t;
    auto read = RawScan(**ledger, &checksum);
    if (!read.ok()) {
      std::fprintf(stderr, "raw scan: %s\n", read.status().ToString().c_str());
      return 1;
    }
    const Phase p = t.Stop();
    raw_rate = std::max(raw_rate, *read / p.seconds);
    PrintRate(pass == 1 ? "raw scan, pass 1" : "raw scan, pass 2", *read, "events", p, 0);
    if (checksum == 1) std::printf("(checksum 1)\n");  // keeps the reads alive
  }

  projections::StoreOptions options;
  options.progress = [](uint64_t reached, uint64_t target) {
    std::fprintf(stderr, "\rrebuild: %llu / %llu events", static_cast<unsigned long long>(reached),
                 static_cast<unsigned long long>(target));
    if (reached >= target) std::fprintf(stderr, "\n");
  };
  auto store = projections::ProjectionStore::Open(**ledger, options);
  if (!store.ok()) {
    std::fprintf(stderr, "projection store: %s\n", store.status().ToString().c_str());
    return 1;
  }
  std::vector<std::pair<std::vector<std::string>, const char*>> rebuilds = {
      {{}, "rebuild all projections"}};
  if (each) {
    rebuilds.push_back({{"case_view"}, "rebuild case_view alone"});
    rebuilds.push_back({{"compliance"}, "rebuild compliance alone"});
  }
  for (const auto& [names, label] : rebuilds) {
    Status s = TimeRebuild(**store, names, label, raw_rate);
    if (!s.ok()) {
      std::fprintf(stderr, "%s: %s\n", label, s.ToString().c_str());
      return 1;
    }
  }
  // By the newest recorded-at every generated case has run its course; halfway through the
  // log many obligations are still pending, which is what "overdue as of T" is for.
  std::vector<int64_t> times = {as_of};
  if (as_of == 0) {
    auto stats = (*ledger)->Stats();
    auto first = (*ledger)->ReadLog(0, 1);
    if (!stats.ok() || !first.ok() || first->empty()) return 1;
    const int64_t start = first->front().reader().getRecordedAt();
    times = {start + (stats->last_recorded_at - start) / 2, stats->last_recorded_at};
  }
  for (int64_t t : times) {
    Status s = Evaluate(**store, t);
    if (!s.ok()) {
      std::fprintf(stderr, "evaluation: %s\n", s.ToString().c_str());
      return 1;
    }
  }
  std::printf("target: rebuild of all projections >= 0.5x the raw scan rate (see above)\n");
  std::printf("peak RSS %.0f MB\n", PeakRssMb());
  return 0;
}

int Main(int argc, char** argv) {
  CLI::App app{"Projection rebuild and compliance evaluation, next to a raw scan of the log"};
  uint64_t cases = 100000, seed = 1;
  std::string data_dir;
  bool each = true, keep = false;
  int64_t as_of = 0;
  app.add_option("--cases", cases, "cases to generate")->capture_default_str();
  app.add_option("--seed", seed, "generator seed")->capture_default_str();
  app.add_option("--data", data_dir,
                 "ledger directory: reused when it holds one, else generated into (and kept)");
  app.add_flag("--each,!--no-each", each, "also rebuild each projection alone (default: on)");
  app.add_option("--as-of", as_of,
                 "evaluation time, microseconds since the epoch (default: halfway, then newest recorded-at)");
  app.add_flag("--keep", keep, "keep the temporary directory when --data is not given");
  CLI11_PARSE(app, argc, argv);
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // each figure as soon as it is measured

#ifdef NDEBUG
  const char* build = "optimized (NDEBUG)";
#else
  const char* build = "assertions on (not a Release build)";
#endif
  std::printf("projection_bench: %u CPUs, build %s\n", std::thread::hardware_concurrency(), build);

  std::error_code ec;
  std::string root;
  if (data_dir.empty()) {
    root = (fs::temp_directory_path(ec) / "projection_bench-XXXXXX").string();
    if (::mkdtemp(root.data()) == nullptr) {
      std::fprintf(stderr, "cannot make a temporary directory: %s\n", std::strerror(errno));
      return 2;
    }
    data_dir = root + "/data";
  }
  if (fs::exists(data_dir + "/CURRENT", ec)) {
    std::printf("reusing the ledger in %s (--cases ignored)\n", data_dir.c_str());
  } else {
    Status s = Generate(data_dir, cases, seed);
    if (!s.ok()) {
      std::fprintf(stderr, "generate: %s\n", s.ToString().c_str());
      return 1;
    }
  }
  const int rc = Run(data_dir, each, as_of);
  if (!root.empty() && !keep) fs::remove_all(root, ec);
  return rc;
}

}  // namespace
}  // namespace caseledger::bench

int main(int argc, char** argv) { return caseledger::bench::Main(argc, argv); }
