// Remaining scenarios of the shipped packs: R06 across cases, R31's extension, R04's parental
// conflict, exemptions (R10, R19), NO's +1 week for R14, and a voiding correction.
#include "tests/projections/rule_scenarios.h"

namespace caseledger::compliance::scenario {
namespace {

constexpr auto kNo = schema::Jurisdiction::NO;
constexpr const char* kLater = "2027-01-01T00:00:00Z";

Fill GuardianOf(const char* guardian, bool exceptional = false) {
  return [=](Event::Builder e) {
    auto b = e.initBody().initGuardianAppointed();
    b.setGuardianId(guardian);
    b.setCaseloadExceptional(exceptional);
  };
}

TEST_CASE("R06: a guardian's 31st ward breaches the cap of 30, unless exceptional",
          "[scenario]") {
  auto reg = Registry();
  MemoryCrossCaseCounts counts;
  std::vector<std::unique_ptr<History>> cases;
  for (int i = 0; i < 30; ++i) {
    cases.push_back(std::make_unique<History>(reg, kNo, "case-ward-" + std::to_string(i),
                                              &counts, 1000 * (i + 1)));
    cases.back()->Add("2026-03-02T10:00:00Z", GuardianOf("g-busy"));
  }
  for (auto& s : cases.back()->Statuses("R06", kLater)) CHECK(s != "breached");
  SECTION("31st, ordinary: breached") {
    History h(reg, kNo, "case-ward-31", &counts, 100000);
    h.Add("2026-03-03T10:00:00Z", GuardianOf("g-busy"));
    CHECK(h.Statuses("R06", kLater) == std::vector<std::string>{"breached"});
  }
  SECTION("31st, exceptional (cap 50): not breached") {
    History h(reg, kNo, "case-ward-31", &counts, 100000);
    h.Add("2026-03-03T10:00:00Z", GuardianOf("g-busy", true));
    for (auto& s : h.Statuses("R06", kLater)) CHECK(s != "breached");
  }
  SECTION("after one ward's guardian is replaced, the 31st fits") {
    cases[0]->Add("2026-03-03T09:00:00Z", [](Event::Builder e) {
      auto b = e.initBody().initGuardianReplaced();
      b.setPreviousGuardianId("g-busy");
      b.setNewGuardianId("g-other");
    });
    History h(reg, kNo, "case-ward-31", &counts, 100000);
    h.Add("2026-03-03T10:00:00Z", GuardianOf("g-busy"));
    for (auto& s : h.Statuses("R06", kLater)) CHECK(s != "breached");
  }
}

TEST_CASE("R31: the extension by two months (GDPR Art 12(3))", "[scenario]") {
  auto reg = Registry();
  History h(reg, kNo);
  h.Add("2026-03-02T10:00:00Z", [](Event::Builder e) {
    e.initBody().initErasureRequested().setRequestRef("req-1");
  });
  h.Add("2026-05-20T10:00:00Z", [](Event::Builder e) {
    auto b = e.initBody().initErasureDecided();
    b.setRequestRef("req-1");
    b.setDecision(schema::ErasureDecided::Decision::REFUSED);
    b.setDeadlineExtended(true);
  });
  auto o = h.One("R31");
  // One month plus two: the end of 2 June.
  CHECK(o.due_at == T("2026-06-02T23:59:59.999999Z"));
  CHECK(o.StatusAsOf(T(kLater)) == "met");
}

TEST_CASE("R04: representative within 24 h for a parental conflict, none owed otherwise",
          "[scenario]") {
  auto reg = Registry();
  History h(reg, kNo);
  SECTION("conflict of interest") {
    h.Add("2026-03-02T10:00:00Z", [](Event::Builder e) {
      Presumed()(e);
      e.getBody().getPresumedVictimIdentified().getChild().setParentalConflictOfInterest(
          schema::Answer::YES);
    });
    auto o = h.One("R04");
    CHECK(o.due_at == T("2026-03-03T10:00:00Z"));
    h.Add("2026-03-03T11:00:00Z", [](Event::Builder e) {
      e.initBody().initProvisionalRepresentativeDesignated().setRepresentativeId("rep-1");
    });
    CHECK(h.Statuses("R04", kLater) == std::vector<std::string>{"met_late"});
  }
  SECTION("accompanied, no conflict") {
    h.Add("2026-03-02T10:00:00Z", Presumed());
    CHECK(h.Of("R04").empty());
  }
}

TEST_CASE("R10 and R19 exemptions: reasoned decisions recorded before", "[scenario]") {
  auto reg = Registry();
  History h(reg, kNo);
  h.Add("2026-03-02T10:00:00Z", [](Event::Builder e) {
    e.initBody().initChildHearingExemptionDecided();
  });
  h.Add("2026-03-02T11:00:00Z", [](Event::Builder e) {
    e.initBody().initAccompanimentExclusionDecided();
  });
  h.Add("2026-03-03T10:00:00Z", [](Event::Builder e) {
    e.initBody().initPlacementStarted().setPlacementType(schema::PlacementType::FOSTER_FAMILY);
  });
  h.Add("2026-03-04T10:00:00Z", [](Event::Builder e) {
    Interview(1)(e);
    e.getBody().getForensicInterviewConducted().setGuardianPresent(false);
  });
  for (auto& s : h.Statuses("R10", kLater)) CHECK(s != "breached");
  for (auto& s : h.Statuses("R19", kLater)) CHECK(s != "breached");
}

TEST_CASE("R14 NO: +1 week when the interview records a delay reason", "[scenario]") {
  auto no = Registry("NO");
  History h(no, kNo);
  h.Add("2026-03-02T10:00:00+01:00", CrimeReported(/*serious=*/true));
  h.Add("2026-03-12T10:00:00+01:00", [](Event::Builder e) {
    Interview(1)(e);
    e.getBody().getForensicInterviewConducted().setDelayReason(
        schema::InterviewDelayReason::INVESTIGATIVE_STEPS);
  });
  auto o = h.One("R14");
  // 1 week + 1 week: the end of Monday 16 March, Oslo time.
  CHECK(o.due_at == T("2026-03-16T23:59:59.999999+01:00"));
  CHECK(o.StatusAsOf(T(kLater)) == "met");
}

TEST_CASE("a voided interview reopens R14", "[scenario]") {
  auto reg = Registry();
  History h(reg, kNo);
  h.Add("2026-03-02T10:00:00Z", CrimeReported());
  auto interview = h.Add("2026-03-05T10:00:00Z", Interview());
  REQUIRE(h.One("R14").StatusAsOf(T(kLater)) == "met");
  h.Add("2026-03-06T10:00:00Z",
        [](Event::Builder e) { e.initBody().initEntryVoided().setReason("wrong case"); },
        nullptr, interview);
  auto o = h.One("R14");
  CHECK(o.StatusAsOf(T("2026-03-10T00:00:00Z")) == "open");
  CHECK(o.StatusAsOf(T("2026-03-17T00:00:00Z")) == "overdue");
}

}  // namespace
}  // namespace caseledger::compliance::scenario

namespace caseledger::compliance::scenario {
namespace {

TEST_CASE("R09B: a review within 3 months meets it and starts the next 3 months", "[scenario]") {
  auto reg = Registry();
  History h(reg, schema::Jurisdiction::NO);
  auto assessment = [](Event::Builder e) { e.initBody().initIndividualAssessmentCompleted(); };
  h.Add("2026-03-02T10:00:00Z", assessment);
  h.Add("2026-05-20T10:00:00Z", [](Event::Builder e) { e.initBody().initRiskAssessmentUpdated(); });
  auto all = h.Of("R09B");
  REQUIRE(all.size() == 2);
  CHECK(all[0].due_at == T("2026-06-02T23:59:59.999999Z"));
  CHECK(all[0].StatusAsOf(T("2026-06-03T00:00:00Z")) == "met");
  // 3 months from 20 May: the end of 20 August.
  CHECK(all[1].due_at == T("2026-08-20T23:59:59.999999Z"));
  CHECK(all[1].StatusAsOf(T("2026-08-20T12:00:00Z")) == "open");
}

TEST_CASE("R30 is not a case obligation: switched off in the baseline", "[scenario]") {
  auto reg = Registry();
  History h(reg, schema::Jurisdiction::NO);
  h.Add("2026-03-02T10:00:00Z", [](Event::Builder e) { e.initBody().initRecordAccessed(); });
  CHECK(h.Of("R30").empty());
}

}  // namespace
}  // namespace caseledger::compliance::scenario
