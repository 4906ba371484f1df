// The projection store: exactly-once folding, rebuilds that give byte-identical state, a crash
// in the middle of a catch-up, replays to a point, and the CLI over it.
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <array>
#include <cstdio>
#include <memory>
#include <string>

#include <rocksdb/db.h>

#include "ledger/hash.h"
#include "ledger/ledger.h"
#include "projections/projection_store.h"
#include "tests/support/temp_dir.h"
#include "tests/support/run_process.h"
#include "tools/synthetic.h"

namespace caseledger {
namespace {

using projections::ProjectionStore;
using projections::ReplayPoint;
using projections::StoreOptions;

// A generated ledger with the shipped rule packs activated first.
std::string Generate(testing::TempDir& dir, uint64_t cases, double late_share) {
  synthetic::GeneratorOptions o;
  o.cases = cases;
  o.seed = 7;
  o.late_share = late_share;
  o.activate_rule_packs = true;
  const std::string data = dir.Sub("data");
  auto summary = synthetic::GenerateInto(data, o);
  REQUIRE(summary.ok());
  REQUIRE(summary->rule_packs == 9);
  return data;
}

std::unique_ptr<Ledger> OpenLedger(const std::string& data) {
  LedgerOptions o;
  o.data_dir = data;
  o.read_only = true;
  o.create_if_missing = false;
  auto ledger = Ledger::Open(o);
  REQUIRE(ledger.ok());
  return std::move(*ledger);
}

std::unique_ptr<ProjectionStore> OpenStore(const Ledger& ledger, StoreOptions options = {}) {
  auto store = ProjectionStore::Open(ledger, std::move(options));
  if (!store.ok()) FAIL(store.status().ToString());
  return std::move(*store);
}

std::string Digest(ProjectionStore& store, std::string_view name) {
  auto d = store.Digest(name);
  REQUIRE(d.ok());
  return ToHex(*d);
}

// Some case of the ledger that has events.
std::string SomeCase(const Ledger& ledger) {
  auto streams = ledger.ListStreams("", 1000);
  REQUIRE(streams.ok());
  for (const auto& s : *streams) {
    if (s.case_id.rfind("rules:", 0) != 0 && s.case_id.rfind("access:", 0) != 0 &&
        s.head_version >= 5) {
      return s.case_id;
    }
  }
  FAIL("no case with 6 events");
  return "";
}

TEST_CASE("catching up in steps and rebuilding from scratch give byte-identical state",
          "[projections][store]") {
  testing::TempDir dir;
  const std::string data = Generate(dir, 40, 0.3);
  auto ledger = OpenLedger(data);
  StoreOptions small;
  small.chunk_events = 37;  // odd sizes, so that chunks and flushes cut cases anywhere
  small.flush_every_events = 101;
  auto store = OpenStore(*ledger, small);
  const uint64_t size = ledger->size();
  for (uint64_t target : {size / 3, size / 2, size}) {
    auto reached = store->CatchUp(target);
    REQUIRE(reached.ok());
    CHECK(*reached == target);
  }
  const std::string view = Digest(*store, projections::kCaseView);
  const std::string compliance = Digest(*store, projections::kCompliance);
  // A second catch-up applies nothing twice.
  REQUIRE(store->CatchUp().ok());
  CHECK(Digest(*store, projections::kCaseView) == view);
  CHECK(Digest(*store, projections::kCompliance) == compliance);

  auto rebuilt = store->Rebuild({});
  REQUIRE(rebuilt.ok());
  CHECK(*rebuilt == size);
  CHECK(Digest(*store, projections::kCaseView) == view);
  CHECK(Digest(*store, projections::kCompliance) == compliance);

  // Rebuilding one projection leaves the other alone and gives the same bytes again.
  REQUIRE(store->Rebuild({"compliance"}).ok());
  CHECK(Digest(*store, projections::kCompliance) == compliance);
  CHECK(Digest(*store, projections::kCaseView) == view);
  REQUIRE(store->Rebuild({"case_view"}).ok());
  CHECK(Digest(*store, projections::kCaseView) == view);
  CHECK(Digest(*store, projections::kCompliance) == compliance);
  CHECK(store->Rebuild({"no_such_projection"}).status().IsInvalidArgument());
}

TEST_CASE("a projection written by another code version of its fold rebuilds itself on open",
          "[projections][store]") {
  testing::TempDir dir;
  const std::string data = Generate(dir, 15, 0.3);
  std::string view, compliance;
  {
    auto ledger = OpenLedger(data);
    auto store = OpenStore(*ledger);
    REQUIRE(store->CatchUp().ok());
    view = Digest(*store, projections::kCaseView);
    compliance = Digest(*store, projections::kCompliance);
  }
  {
    // Another version of the case-view fold wrote this store.
    rocksdb::DBOptions options;
    std::vector<std::string> names;
    REQUIRE(rocksdb::DB::ListColumnFamilies(options, data + "/projections", &names).ok());
    std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
    for (const auto& n : names) cfs.emplace_back(n, rocksdb::ColumnFamilyOptions());
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* raw = nullptr;
    REQUIRE(rocksdb::DB::Open(options, data + "/projections", cfs, &handles, &raw).ok());
    std::unique_ptr<rocksdb::DB> db(raw);
    for (size_t i = 0; i < names.size(); ++i) {
      if (names[i] == "meta") {
        REQUIRE(db->Put(rocksdb::WriteOptions(), handles[i], "version/case_view", "0").ok());
      }
    }
    for (auto* h : handles) REQUIRE(db->DestroyColumnFamilyHandle(h).ok());
  }
  auto ledger = OpenLedger(data);
  auto store = OpenStore(*ledger);
  CHECK(store->position() == 0);  // the case view starts again; the lowest position is shown
  REQUIRE(store->CatchUp().ok());
  CHECK(store->position() == ledger->size());
  CHECK(Digest(*store, projections::kCaseView) == view);
  CHECK(Digest(*store, projections::kCompliance) == compliance);
}

TEST_CASE("a crash in the middle of a catch-up resumes where the last write ended",
          "[projections][store]") {
  testing::TempDir dir;
  const std::string data = Generate(dir, 30, 0.3);
  uint64_t size = 0;
  {
    auto ledger = OpenLedger(data);
    size = ledger->size();
  }
  // The child folds part of the log and dies without closing anything after its second flush.
  const pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    auto ledger = OpenLedger(data);
    StoreOptions o;
    o.chunk_events = 50;
    o.flush_every_events = 150;
    o.sync = true;
    int flushes = 0;
    o.progress = [&](uint64_t, uint64_t) {
      if (++flushes == 2) _exit(0);
    };
    auto store = ProjectionStore::Open(*ledger, o);
    if (!store.ok()) _exit(3);
    (void)(*store)->CatchUp();
    _exit(4);  // reached only if it never flushed twice
  }
  int wstatus = 0;
  REQUIRE(waitpid(child, &wstatus, 0) == child);
  REQUIRE(WIFEXITED(wstatus));
  REQUIRE(WEXITSTATUS(wstatus) == 0);

  auto ledger = OpenLedger(data);
  auto store = OpenStore(*ledger);
  CHECK(store->position() == 300);  // two flushes of 150 events each were written
  CHECK(store->position() < size);
  REQUIRE(store->CatchUp().ok());
  CHECK(store->position() == size);
  const std::string view = Digest(*store, projections::kCaseView);
  const std::string compliance = Digest(*store, projections::kCompliance);
  REQUIRE(store->Rebuild({}).ok());
  CHECK(Digest(*store, projections::kCaseView) == view);
  CHECK(Digest(*store, projections::kCompliance) == compliance);
}

TEST_CASE("a replay shows a case as it stood at a position, a recorded-at or an occurred-at time",
          "[projections][store]") {
  testing::TempDir dir;
  const std::string data = Generate(dir, 20, 0.2);
  auto ledger = OpenLedger(data);
  auto store = OpenStore(*ledger);
  REQUIRE(store->CatchUp().ok());
  const std::string case_id = SomeCase(*ledger);
  auto events = ledger->ReadStream(case_id, 0, 1000);
  REQUIRE(events.ok());
  REQUIRE(events->size() >= 6);

  auto now = store->Case(case_id);
  REQUIRE(now.ok());
  CHECK(now->view.event_count() == events->size());
  CHECK(store->Replay(case_id, ReplayPoint{})->view.event_count() == events->size());

  // Before the position of its fourth event: three events.
  ReplayPoint at;
  at.kind = ReplayPoint::Kind::kPosition;
  at.position = (*events)[3].position();
  auto then = store->Replay(case_id, at);
  REQUIRE(then.ok());
  CHECK(then->view.event_count() == 3);
  CHECK(then->view.last_position() == (*events)[2].position());

  ReplayPoint recorded;
  recorded.kind = ReplayPoint::Kind::kRecordedBy;
  recorded.micros = (*events)[2].reader().getRecordedAt();
  auto known = store->Replay(case_id, recorded);
  REQUIRE(known.ok());
  size_t expected = 0;
  for (const auto& e : *events) expected += e.reader().getRecordedAt() <= recorded.micros;
  CHECK(known->view.event_count() == expected);

  ReplayPoint occurred;
  occurred.kind = ReplayPoint::Kind::kOccurredBy;
  occurred.micros = (*events)[0].reader().getOccurredAt();
  auto happened = store->Replay(case_id, occurred);
  REQUIRE(happened.ok());
  expected = 0;
  for (const auto& e : *events) expected += e.reader().getOccurredAt() <= occurred.micros;
  CHECK(happened->view.event_count() == expected);

  // The timeline as the ledger knew it at the point has no obligation triggered later.
  for (const auto& o : then->compliance.Obligations()) {
    CHECK(o.trigger_position < at.position);
  }
  CHECK(store->Replay("no-such-case", at).status().IsNotFound());
}

TEST_CASE("generated cases have timelines under the activated packs, and overdue works as of a time",
          "[projections][store]") {
  testing::TempDir dir;
  const std::string data = Generate(dir, 30, 0.5);
  auto ledger = OpenLedger(data);
  auto store = OpenStore(*ledger);
  REQUIRE(store->CatchUp().ok());
  CHECK(store->Activations().size() == 9);
  size_t obligations = 0;
  auto streams = ledger->ListStreams("", 1000);
  REQUIRE(streams.ok());
  for (const auto& s : *streams) {
    if (s.case_id.rfind("rules:", 0) == 0) continue;
    auto state = store->Case(s.case_id);
    REQUIRE(state.ok());
    obligations += state->compliance.Obligations().size();
  }
  CHECK(obligations > 30 * 5);
  // Overdue as of the far future lists every pending obligation with a due time; as of the
  // distant past, none.
  auto none = store->Overdue(0, 100000);
  REQUIRE(none.ok());
  CHECK(none->empty());
  auto all = store->Overdue(INT64_MAX, 100000);
  REQUIRE(all.ok());
  for (const auto& item : *all) {
    CHECK(item.obligation.status == compliance::ObligationStatus::kPending);
    CHECK(item.obligation.StatusAsOf(INT64_MAX) == "overdue");
  }
  // In the past, an obligation met late was overdue between its due time and its meeting.
  size_t late = 0, found = 0;
  for (const auto& s : *streams) {
    if (s.case_id.rfind("rules:", 0) == 0) continue;
    auto state = store->Case(s.case_id);
    REQUIRE(state.ok());
    for (const auto& o : state->compliance.Obligations()) {
      if (o.status != compliance::ObligationStatus::kMetLate || !o.due_at || !o.satisfied_at) {
        continue;
      }
      if (++late > 5) break;
      const int64_t between = *o.due_at + (*o.satisfied_at - *o.due_at) / 2;
      auto then = store->Overdue(between, 1000000);
      REQUIRE(then.ok());
      for (const auto& item : *then) {
        if (item.case_id == s.case_id && item.obligation.rule_id == o.rule_id &&
            item.obligation.trigger_position == o.trigger_position) {
          ++found;
          CHECK(item.jurisdiction == s.case_id.substr(0, 2));
        }
      }
    }
  }
  CHECK(late > 0);
  CHECK(found == std::min<size_t>(late, 5));
  auto rows = store->Accountability(INT64_MIN, INT64_MAX, false, INT64_MAX);
  REQUIRE(rows.ok());
  uint64_t total = 0;
  for (const auto& r : *rows) total += r.met + r.met_late + r.breached + r.open + r.overdue;
  CHECK(total == obligations);
}

std::string RunCli(const std::string& args, int* exit_code) {
  auto [code, out] = testing::RunProcess(std::string(CASELEDGER_CLI) + " " + args);
  *exit_code = code;
  return out;
}

TEST_CASE("caseledger timeline, view, rebuild and accountability on a data directory",
          "[projections][cli]") {
  testing::TempDir dir;
  const std::string data = Generate(dir, 10, 0.5);
  std::string case_id;
  {
    auto ledger = OpenLedger(data);
    case_id = SomeCase(*ledger);
  }
  int code = 0;
  std::string out = RunCli("timeline --data " + data + " --case " + case_id + " --json", &code);
  CHECK(code == 0);
  INFO(out);
  CHECK(out.front() == '[');
  CHECK(out.find("\"rule\":\"R") != std::string::npos);
  CHECK(out.find("\"status\":") != std::string::npos);

  // Before the ledger held anything of the case: nothing to show.
  out = RunCli("timeline --data " + data + " --case " + case_id + " --as-of 2024-01-01", &code);
  CHECK(code == 2);
  CHECK(out.find("no events at that point") != std::string::npos);
  // Evaluated in the future: whatever is pending and due by then is overdue.
  out = RunCli("timeline --data " + data + " --case " + case_id + " --as-of 2099-01-01", &code);
  CHECK(code == 0);
  CHECK(out.find(" open ") == std::string::npos);
  out = RunCli("view --data " + data + " --case " + case_id + " --json", &code);
  CHECK(code == 0);
  CHECK(out.find(case_id) != std::string::npos);

  out = RunCli("timeline --data " + data + " --case no-such-case", &code);
  CHECK(code == 2);
  out = RunCli("timeline --data " + data + " --case " + case_id + " --as-of yesterday", &code);
  CHECK(code == 2);
  out = RunCli("rebuild --quiet --data " + data, &code);
  CHECK(code == 0);
  CHECK(out.find("case_view rebuilt to position") != std::string::npos);
  out = RunCli("accountability --json --data " + data, &code);
  CHECK(code == 0);
  CHECK(out.find("\"agency\":") != std::string::npos);
  out = RunCli("rebuild --data " + dir.Sub("nothing-here"), &code);
  CHECK(code == 2);
}

}  // namespace
}  // namespace caseledger
