// `caseledger replay`: a case as the ledger knew it at a point and as things had happened by
// then, and `--diff`: what the ledger learnt in between. One Norwegian case written by hand,
// with recorded-at times set by a manual clock; the expected answers are worked out below.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "ledger/clock.h"
#include "ledger/hash.h"
#include "ledger/ledger.h"
#include "projections/case_diff.h"
#include "projections/projection_store.h"
#include "tests/support/run_process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_events.h"
#include "tests/support/test_packs.h"

namespace caseledger {
namespace {

using projections::ReplayPoint;
using schema::Event;
using testing::EventSpec;
using testing::kT0;

constexpr int64_t kHour = 3600LL * 1000000;
constexpr int64_t kDay = 24 * kHour;

// kT0 (Mon 3 March 2025, 10:00 in Oslo): the police record a crime report at once (position
// p_report). On Thursday 6 March they record a case conference that was held on Tuesday 4
// March (late), and on Friday 7 March a correction of it (also held on the 4th).
struct Case {
  testing::TempDir dir;
  std::string data = dir.Sub("data");
  uint64_t p_report = 0, p_conference = 0, p_correction = 0;
  std::string conference_id;

  Case() {
    ManualClock clock(kT0 - kDay);
    LedgerOptions o;
    o.data_dir = data;
    o.clock = &clock;
    auto ledger = Ledger::Open(o);
    REQUIRE(ledger.ok());
    testing::ActivateShippedPacks(**ledger);
    testing::TestEvents events;
    EventSpec s;
    s.case_id = "case-r";
    s.agency_id = "no-police-oslo";
    s.agency_role = schema::AgencyRole::POLICE;
    s.type = Event::Body::CRIME_REPORTED;
    s.occurred_at = kT0;
    p_report = Append(**ledger, clock, kT0, events.Make(s));
    s.type = Event::Body::CASE_CONFERENCE_HELD;
    s.occurred_at = kT0 + kDay;
    conference_id = testing::TestEvents::FreshId();
    s.event_id = conference_id;
    p_conference = Append(**ledger, clock, kT0 + 3 * kDay, events.Make(s));
    s.event_id.clear();
    s.supersedes = conference_id;
    s.occurred_at = kT0 + kDay + kHour;
    p_correction = Append(**ledger, clock, kT0 + 4 * kDay, events.Make(s));
  }

  static uint64_t Append(Ledger& ledger, ManualClock& clock, int64_t at, Event::Reader e) {
    clock.Set(at);
    std::vector<Event::Reader> batch{e};
    auto r = ledger.Append("case-r", ExpectedVersion::Any(), batch);
    REQUIRE(r.ok());
    return r->positions[0];
  }

  std::pair<int, std::string> Cli(const std::string& args) const {
    return testing::RunCaseledger(CASELEDGER_CLI, "replay --data " + data + " --case case-r " +
                                                      args);
  }
};

bool Has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST_CASE("replay shows what the ledger knew at a time next to what had happened by then",
          "[replay]") {
  Case c;
  // Wednesday 5 March 09:00Z: the ledger knew only the report; by then the conference had
  // been held (on the 4th) and corrected, both recorded later.
  auto [code, out] = c.Cli("--as-of 2025-03-05T09:00:00Z --json");
  INFO(out);
  REQUIRE(code == 0);
  CHECK(Has(out, "\"recorded\":{\"position\":" + std::to_string(c.p_report + 1) +
                     ",\"events\":1,"));
  CHECK(Has(out, "\"occurred\":{\"position\":"));
  CHECK(Has(out, ",\"events\":3,"));
  CHECK(Has(out, "\"recordedLater\":[{\"position\":" + std::to_string(c.p_conference)));
  // R14 (NO): the victim's first interview within 2 weeks of the report: due at the end of
  // Monday 17 March, Oslo time; open on the 5th.
  CHECK(Has(out, "\"due\":\"2025-03-17T23:59:59.999999+01:00\""));
  CHECK(Has(out, "\"status\":\"open\""));

  // At a position (before the correction): the events before it, and what had happened by
  // the time the ledger reached it (the conference's recorded-at, Thursday 6 March): the
  // report and the conference; the correction, held on the 4th, was recorded only later.
  auto [pcode, pout] = c.Cli("--as-of " + std::to_string(c.p_correction));
  INFO(pout);
  CHECK(pcode == 0);
  CHECK(Has(pout, "As the ledger knew it then"));
  CHECK(Has(pout, "As things had happened"));
  CHECK(Has(pout, "1 of them were recorded only later:\n  v2 caseConferenceHeld"));
  // The case view's compliance line counts the timeline's open obligations (R14).
  CHECK(!Has(pout, "0 open, 0 findings"));

  // Bad points and cases are refused with exit 2.
  CHECK(c.Cli("--as-of yesterday").first == 2);
  CHECK(c.Cli("--as-of 99999999").first == 2);
  CHECK(c.Cli("--as-of 18446744073709551616").first == 2);  // past 2^64: refused, no crash
  CHECK(c.Cli("").first == 2);
  CHECK(testing::RunCaseledger(CASELEDGER_CLI, "replay --data " + c.data +
                                                   " --case no-such --as-of 2025-03-05")
            .first == 2);
}

TEST_CASE("replay --diff lists the events learnt in between, late ones and corrections marked, "
          "and what changed",
          "[replay]") {
  Case c;
  // From the 5th to the 20th: the conference (held on the 4th, before the 5th: late) and its
  // correction (also late; it corrects v1) were learnt. R14 went from open to overdue (due the
  // 17th, unmet); its due time did not move. The case view's history grew from 1 to 3 lines.
  auto [code, out] = c.Cli("--diff 2025-03-05T09:00:00Z 2025-03-20 --json");
  INFO(out);
  REQUIRE(code == 0);
  CHECK(Has(out, "{\"position\":" + std::to_string(c.p_conference) +
                     ",\"version\":1,\"type\":\"caseConferenceHeld\""));
  CHECK(Has(out, "\"lateRecorded\":true,\"corrects\":null}"));
  CHECK(Has(out, "\"lateRecorded\":true,\"corrects\":\"v1 caseConferenceHeld\"}"));
  CHECK(Has(out, "\"rule\":\"R14\""));
  CHECK(Has(out, "\"statusBefore\":\"open\",\"statusAfter\":\"overdue\""));
  CHECK(Has(out, "{\"field\":\"history\",\"before\":\"1 entries\",\"after\":\"3 entries\"}"));

  // Between two positions after the correction nothing changed.
  const std::string end = std::to_string(c.p_correction + 1);
  auto [same_code, same] = c.Cli("--diff " + end + " " + end + " --json");
  INFO(same);
  CHECK(same_code == 0);
  CHECK(Has(same, "\"events\":[],\"obligations\":[],\"view\":[]"));
  CHECK(c.Cli("--diff 2025-03-05").first == 2);
  CHECK(c.Cli("--diff 2025-03-20 2025-03-05").first == 2);  // A after B
}

TEST_CASE("a recorded-at replay evaluates under the packs the ledger knew then", "[replay]") {
  Case c;
  LedgerOptions o;
  o.data_dir = c.data;
  o.read_only = true;
  auto ledger = Ledger::Open(o);
  REQUIRE(ledger.ok());
  auto store = projections::ProjectionStore::Open(**ledger);
  REQUIRE(store.ok());
  REQUIRE((*store)->CatchUp().ok());
  ReplayPoint at;
  at.kind = ReplayPoint::Kind::kRecordedBy;
  at.micros = kT0 + 2 * kDay;
  auto then = (*store)->Replay("case-r", at);
  REQUIRE(then.ok());
  // The report and the two pack activations had been recorded: the state reflects the log up
  // to the first event recorded after the point (the conference).
  CHECK(then->position == c.p_conference);
  CHECK(then->view.event_count() == 1);
  auto now = (*store)->Case("case-r");
  REQUIRE(now.ok());
  const auto changes = projections::DiffViews(then->view, now->view);
  bool history = false;
  for (const auto& ch : changes) history |= ch.path == "history";
  CHECK(history);
  CHECK(projections::DiffViews(now->view, now->view).empty());
}

}  // namespace
}  // namespace caseledger
