// report_bench: how long `caseledger report case` takes for a case with many events
// (docs/performance.md). Generates one synthetic case under the shipped rule packs, tops it up
// with interagency review conferences to --events events, then times gathering the report's
// input (projection catch-up excluded: it is caught up once first) and rendering the page,
// --runs times each, and prints the median and the slowest.
#include <capnp/message.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "ledger/event_json.h"
#include "ledger/ledger.h"
#include "ledger/time_format.h"
#include "projections/projection_store.h"
#include "schema/events.capnp.h"
#include "tools/report.h"
#include "tools/report_cli.h"
#include "tools/synthetic.h"

namespace caseledger::bench {
namespace {

namespace fs = std::filesystem;

constexpr int64_t kHour = 3600LL * 1000000;

double Millis(std::chrono::steady_clock::time_point a, std::chrono::steady_clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

// Appends review conferences to the only case of `data` until it has `total` events, each by
// the next of the case's agencies in turn, an hour apart after its last event.
Result<std::string> TopUp(const std::string& data, uint64_t total) {
  LedgerOptions o;
  o.data_dir = data;
  o.create_if_missing = false;
  auto ledger = Ledger::Open(o);
  if (!ledger.ok()) return ledger.status();
  auto streams = (*ledger)->ListStreams("", 100);
  if (!streams.ok()) return streams.status();
  std::string case_id;
  for (const auto& s : *streams) {
    if (s.case_id.rfind("rules:", 0) != 0) case_id = s.case_id;
  }
  auto events = (*ledger)->ReadStream(case_id, 0, SIZE_MAX);
  if (!events.ok()) return events.status();
  struct Agency {
    std::string id;
    schema::AgencyRole role;
  };
  std::vector<Agency> agencies;
  for (const auto& e : *events) {
    auto r = e.reader();
    const std::string id = r.getAgencyId().cStr();
    if (std::none_of(agencies.begin(), agencies.end(),
                     [&](const Agency& a) { return a.id == id; })) {
      agencies.push_back({id, r.getAgencyRole()});
    }
  }
  auto first = events->front().reader();
  const std::string child = first.getChildId().cStr();
  const auto jurisdiction = first.getJurisdiction();
  int64_t at = 0;
  for (const auto& e : *events) at = std::max(at, e.reader().getOccurredAt());
  uint64_t version = events->size() - 1;
  for (uint64_t n = events->size(); n < total; ++n) {
    capnp::MallocMessageBuilder message;
    auto ev = message.initRoot<schema::Event>();
    uint8_t id[16] = {0xbe, 0x4c};
    for (int i = 0; i < 8; ++i) id[8 + i] = static_cast<uint8_t>(n >> (8 * (7 - i)));
    ev.setEventId(capnp::Data::Reader(id, sizeof id));
    ev.setCaseId(case_id);
    ev.setChildId(child);
    ev.setDataClass(schema::DataClass::ORDINARY);
    at += kHour;
    ev.setOccurredAt(at);
    ev.setJurisdiction(jurisdiction);
    const Agency& a = agencies[n % agencies.size()];
    ev.setAgencyId(a.id);
    ev.setAgencyRole(a.role);
    ev.setActorId("bench-worker");
    auto body = ev.initBody().initCaseConferenceHeld();
    body.setKind(schema::CaseConferenceHeld::Kind::REVIEW);
    auto attendees = body.initAttendees(1);
    attendees.set(0, a.role);
    const schema::Event::Reader reader = ev.asReader();
    auto r = (*ledger)->Append(case_id, ExpectedVersion::Exact(version), {&reader, 1});
    if (!r.ok()) return r.status();
    ++version;
  }
  auto cp = (*ledger)->Checkpoint();
  if (!cp.ok()) return cp.status();
  return case_id;
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

int Run(const std::string& dir_arg, uint64_t total, int runs) {
  const std::string dir =
      dir_arg.empty() ? (fs::temp_directory_path() / "caseledger-report-bench").string() : dir_arg;
  fs::remove_all(dir);
  synthetic::GeneratorOptions g;
  g.cases = 1;
  g.seed = 3;
  g.activate_rule_packs = true;
  g.start_micros = *ParseRfc3339("2024-01-08T08:00:00Z");
  auto summary = synthetic::GenerateInto(dir, g);
  if (!summary.ok()) {
    std::fprintf(stderr, "generate: %s\n", summary.status().ToString().c_str());
    return 1;
  }
  auto case_id = TopUp(dir, total);
  if (!case_id.ok()) {
    std::fprintf(stderr, "top up: %s\n", case_id.status().ToString().c_str());
    return 1;
  }
  LedgerOptions o;
  o.data_dir = dir;
  o.read_only = true;
  o.create_if_missing = false;
  auto ledger = Ledger::Open(o);
  if (!ledger.ok()) return 1;
  auto store = projections::ProjectionStore::Open(**ledger);
  if (!store.ok() || !(*store)->CatchUp().ok()) return 1;
  const int64_t as_of = *ParseRfc3339("2099-01-01T00:00:00Z");
  std::vector<double> gather, render;
  size_t bytes = 0, events = 0, obligations = 0;
  for (int i = 0; i < runs; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    auto in = cli::GatherCaseReport(**ledger, **store, *case_id, as_of, false);
    const auto t1 = std::chrono::steady_clock::now();
    if (!in.ok()) {
      std::fprintf(stderr, "gather: %s\n", in.status().ToString().c_str());
      return 1;
    }
    const std::string page = report::RenderCaseReport(*in);
    const auto t2 = std::chrono::steady_clock::now();
    gather.push_back(Millis(t0, t1));
    render.push_back(Millis(t1, t2));
    bytes = page.size();
    events = in->events.size();
    obligations = in->obligations.size();
  }
  std::printf("case %s: %zu events, %zu obligations, page %zu bytes\n", case_id->c_str(), events,
              obligations, bytes);
  std::printf(
      "gather (replay from the store, read the stream, checkpoint): median %.1f ms, "
      "max %.1f ms\n",
      Median(gather), *std::max_element(gather.begin(), gather.end()));
  std::printf("render (HTML and SVG): median %.1f ms, max %.1f ms  (%d runs)\n", Median(render),
              *std::max_element(render.begin(), render.end()), runs);
  if (dir_arg.empty()) fs::remove_all(dir);
  return 0;
}

}  // namespace
}  // namespace caseledger::bench

int main(int argc, char** argv) {
  CLI::App app{"Time the case report for a case with many events (docs/performance.md)"};
  std::string dir;
  uint64_t events = 500;
  int runs = 9;
  app.add_option("--data", dir,
                 "Directory to build the ledger in (removed first; default a "
                 "temporary one, removed after)");
  app.add_option("--events", events, "Events in the case")->capture_default_str();
  app.add_option("--runs", runs, "Timed runs")->capture_default_str()->check(CLI::PositiveNumber);
  CLI11_PARSE(app, argc, argv);
  return caseledger::bench::Run(dir, events, runs);
}
