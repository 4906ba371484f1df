// audit_bench: how long each named audit query (projections/audit.h) takes on a data directory,
// p50 and p99 over --runs runs, after one run that loads the audit facts into memory (timed
// on its own: what the first query after a start or after new events pays). The target is a
// p50 under 100 ms per query on 100k cases (docs/performance.md).
//
//   audit_bench --data DIR [--runs 20] [--as-of T] [--case ID]
//
// The projections are caught up first (or opened read-only while a server holds them). Every
// query runs with its default parameters, as of --as-of (default: the newest recorded-at of
// the log, so that generated data is evaluated at the end of its period); record_access reads
// the access stream of --case (default: the first case of the log).
#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "ledger/ledger.h"
#include "ledger/time_format.h"
#include "projections/audit.h"
#include "projections/projection_store.h"
#include "tools/bench_util.h"
#include "tools/cli_projection_open.h"

namespace caseledger::bench {
namespace {

// The first stream that is a case (not an access stream, not a rule pack's stream).
std::string FirstCase(const Ledger& ledger) {
  std::string after;
  for (;;) {
    auto streams = ledger.ListStreams(after, 64);
    if (!streams.ok() || streams->empty()) return "";
    for (const auto& s : *streams) {
      if (s.case_id.find(':') == std::string::npos) return s.case_id;
    }
    after = streams->back().case_id;
  }
}

int Run(int argc, char** argv) {
  CLI::App app{"Latency of each named audit query"};
  std::string data_dir, as_of_text, case_id;
  int runs = 20;
  app.add_option("--data", data_dir, "Data directory (a ledger with cases)")->required();
  app.add_option("--runs", runs, "Timed runs per query")->capture_default_str();
  app.add_option("--as-of", as_of_text, "Evaluation time (default: the newest recorded-at)");
  app.add_option("--case", case_id, "The case for record_access (default: the first case)");
  CLI11_PARSE(app, argc, argv);
  if (runs < 1) runs = 1;

  auto opened = cli::detail::OpenProjections(data_dir, std::cerr, true);
  if (!opened.ok()) {
    std::cerr << "audit_bench: " << opened.status().ToString() << "\n";
    return 1;
  }
  const Ledger& ledger = *opened->ledger;
  int64_t as_of = 0;
  if (!as_of_text.empty()) {
    auto t = cli::detail::ParseTime(as_of_text);
    if (!t.ok()) {
      std::cerr << "audit_bench: --as-of: " << t.status().ToString() << "\n";
      return 2;
    }
    as_of = *t;
  } else if (ledger.size() > 0) {
    auto last = ledger.ReadEvent(ledger.size() - 1);
    if (last.ok()) as_of = last->reader().getRecordedAt();
  }
  if (case_id.empty()) case_id = FirstCase(ledger);
  std::printf("ledger %s: %llu events, projections at %llu, as of %s\n", data_dir.c_str(),
              static_cast<unsigned long long>(ledger.size()),
              static_cast<unsigned long long>(opened->store->position()),
              FormatRfc3339(as_of).c_str());

  auto request = [&](const projections::AuditQueryInfo& q) {
    projections::AuditRequest r{q.name, {}, as_of};
    if (q.name == "record_access") r.params["case"] = case_id;
    if (q.name == "rule_findings") r.params["rule"] = "R09";
    return r;
  };
  const auto queries = projections::AuditQueries();
  {
    rusage before{};
    getrusage(RUSAGE_SELF, &before);
    std::printf("peak RSS before the first query %.0f MB\n", before.ru_maxrss / 1024.0);
    const int64_t start = NowNanos();
    auto first = projections::RunAuditQuery(*opened->store, ledger, request(queries.front()));
    if (!first.ok()) {
      std::cerr << "audit_bench: " << first.status().ToString() << "\n";
      return 1;
    }
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    std::printf("first query (loads the audit facts): %.1f ms; peak RSS so far %.0f MB\n",
                static_cast<double>(NowNanos() - start) / 1e6, u.ru_maxrss / 1024.0);
  }
  std::printf("%-24s %6s %10s %10s %8s\n", "query", "runs", "p50 ms", "p99 ms", "rows");
  for (const auto& q : queries) {
    std::vector<int64_t> nanos;
    size_t rows = 0;
    for (int i = 0; i < runs; ++i) {
      const int64_t start = NowNanos();
      auto result = projections::RunAuditQuery(*opened->store, ledger, request(q));
      nanos.push_back(NowNanos() - start);
      if (!result.ok()) {
        std::cerr << "audit_bench: " << q.name << ": " << result.status().ToString() << "\n";
        return 1;
      }
      rows = result->rows.size();
    }
    const double p50 = static_cast<double>(Percentile(nanos, 0.50)) / 1e6;
    const double p99 = static_cast<double>(Percentile(nanos, 0.99)) / 1e6;
    std::printf("%-24s %6d %10.2f %10.2f %8zu\n", q.name.c_str(), runs, p50, p99, rows);
  }
  return 0;
}

}  // namespace
}  // namespace caseledger::bench

int main(int argc, char** argv) { return caseledger::bench::Run(argc, argv); }
