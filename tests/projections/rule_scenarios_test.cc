// The baseline pack eu.toml, rule by rule: one history that meets the rule and one that misses
// it. Only the baseline is registered, so the calendar is UTC with Saturday/Sunday weekends
// (design point 4). Day periods end at the end of their last day (Reg. 1182/71 Art 3(1)-(2)):
// a trigger on Monday 2 March 2026 with 7 days runs out at 2026-03-09T23:59:59.999999Z.
#include "tests/projections/rule_scenarios.h"

namespace caseledger::compliance::scenario {
namespace {

constexpr auto kNo = schema::Jurisdiction::NO;

TEST_CASE("R14 baseline: first interview within 14 days of the report", "[scenario]") {
  auto reg = Registry();
  // Reported Monday 2 March 10:00; day 1 is 3 March, day 14 is 16 March.
  const int64_t due = T("2026-03-16T23:59:59.999999Z");
  SECTION("met on the last day") {
    History h(reg, kNo);
    h.Add("2026-03-02T10:00:00Z", CrimeReported());
    h.Add("2026-03-16T22:00:00Z", Interview());
    auto o = h.One("R14");
    REQUIRE(o.due_at == due);
    CHECK(o.StatusAsOf(T("2026-04-01T00:00:00Z")) == "met");
    CHECK(o.tag == Tag::kDefault);
    CHECK(o.jurisdiction == "EU");
  }
  SECTION("met late the next day") {
    History h(reg, kNo);
    h.Add("2026-03-02T10:00:00Z", CrimeReported());
    h.Add("2026-03-17T08:00:00Z", Interview());
    auto o = h.One("R14");
    REQUIRE(o.due_at == due);
    CHECK(o.StatusAsOf(T("2026-04-01T00:00:00Z")) == "met_late");
  }
  SECTION("no interview: open, then overdue without any new event") {
    History h(reg, kNo);
    h.Add("2026-03-02T10:00:00Z", CrimeReported());
    auto o = h.One("R14");
    REQUIRE(o.due_at == due);
    CHECK(o.StatusAsOf(T("2026-03-16T23:00:00Z")) == "open");
    CHECK(o.StatusAsOf(T("2026-03-17T00:00:00Z")) == "overdue");
  }
  SECTION("only the first interview counts (first_only)") {
    History h(reg, kNo);
    h.Add("2026-03-02T10:00:00Z", CrimeReported());
    h.Add("2026-03-03T10:00:00Z", Interview(1));
    h.Add("2026-04-03T10:00:00Z", Interview(2));
    CHECK(h.Statuses("R14", "2026-05-01T00:00:00Z") == std::vector<std::string>{"met"});
  }
}

void AgeDisputed(Event::Builder e) { e.initBody().initAgeDisputed().setGrounds("no documents"); }
void AgePresumption(Event::Builder e) { e.initBody().initAgePresumptionApplied(); }

TEST_CASE("R01C: presumption of childhood within 24 hours of the dispute", "[scenario]") {
  auto reg = Registry();
  History h(reg, kNo);
  h.Add("2026-03-02T10:00:00Z", AgeDisputed);
  SECTION("met after 23 hours") {
    h.Add("2026-03-03T09:00:00Z", AgePresumption);
    auto o = h.One("R01C");
    // Hours run from the trigger itself (Art 3(1) first subparagraph does not apply to hours
    // counted from an event: the period ends 24 h later).
    CHECK(o.due_at == T("2026-03-03T10:00:00Z"));
    CHECK(o.StatusAsOf(T("2026-03-10T00:00:00Z")) == "met");
  }
  SECTION("met late after 25 hours") {
    h.Add("2026-03-03T11:00:00Z", AgePresumption);
    CHECK(h.One("R01C").StatusAsOf(T("2026-03-10T00:00:00Z")) == "met_late");
  }
}

Fill Placement(schema::PlacementType type) {
  return [=](Event::Builder e) { e.initBody().initPlacementStarted().setPlacementType(type); };
}

void AssessedAdult(Event::Builder e) {
  auto b = e.initBody().initAgeAssessmentCompleted();
  b.initMethods(1).set(0, schema::AgeAssessmentCompleted::Method::DOCUMENT_EXAMINATION);
  b.setResult(schema::AgeAssessmentCompleted::Result::ADULT);
}

bool AnyBreached(const History& h, const std::string& rule) {
  for (auto& s : h.Statuses(rule, "2030-01-01T00:00:00Z")) {
    if (s == "breached") return true;
  }
  return false;
}

TEST_CASE("R01: no adult accommodation while the age is disputed", "[scenario]") {
  auto reg = Registry();
  History h(reg, kNo);
  h.Add("2026-03-02T10:00:00Z", AgeDisputed);
  SECTION("breached inside the dispute") {
    h.Add("2026-03-02T12:00:00Z", Placement(schema::PlacementType::ADULT_ACCOMMODATION));
    CHECK(AnyBreached(h, "R01"));
  }
  SECTION("not breached once an assessment found the person adult") {
    h.Add("2026-03-05T12:00:00Z", AssessedAdult);
    h.Add("2026-03-06T12:00:00Z", Placement(schema::PlacementType::ADULT_ACCOMMODATION));
    CHECK_FALSE(AnyBreached(h, "R01"));
  }
  SECTION("not breached by a foster placement") {
    h.Add("2026-03-02T12:00:00Z", Placement(schema::PlacementType::FOSTER_FAMILY));
    CHECK_FALSE(AnyBreached(h, "R01"));
  }
}

void Info(Event::Builder e) {
  auto b = e.initBody().initInformationProvidedToChild();
  b.setLanguage("nb");
}

TEST_CASE("R07B: information before the first interview", "[scenario]") {
  auto reg = Registry();
  History h(reg, kNo);
  SECTION("met") {
    h.Add("2026-03-02T10:00:00Z", Info);
    h.Add("2026-03-03T10:00:00Z", Interview(1));
    CHECK(h.Statuses("R07B", "2026-04-01T00:00:00Z") == std::vector<std::string>{"met"});
  }
  SECTION("breached when the information comes after") {
    h.Add("2026-03-03T10:00:00Z", Interview(1));
    h.Add("2026-03-04T10:00:00Z", Info);
    CHECK(h.Statuses("R07B", "2026-04-01T00:00:00Z") == std::vector<std::string>{"breached"});
  }
}

TEST_CASE("R15: at most 2 interviews", "[scenario]") {
  auto reg = Registry();
  History h(reg, kNo);
  h.Add("2026-03-03T10:00:00Z", Interview(1));
  h.Add("2026-03-10T10:00:00Z", Interview(2));
  CHECK_FALSE(AnyBreached(h, "R15"));
  h.Add("2026-03-17T10:00:00Z", Interview(3));
  CHECK(AnyBreached(h, "R15"));
}

TEST_CASE("R16: same interviewer unless a reason is recorded", "[scenario]") {
  auto reg = Registry();
  History h(reg, kNo);
  h.Add("2026-03-03T10:00:00Z", Interview(1, "iv-anna"));
  SECTION("same interviewer") {
    h.Add("2026-03-10T10:00:00Z", Interview(2, "iv-anna"));
    CHECK_FALSE(AnyBreached(h, "R16"));
  }
  SECTION("another interviewer without a reason") {
    h.Add("2026-03-10T10:00:00Z", Interview(2, "iv-bjorn"));
    CHECK(AnyBreached(h, "R16"));
  }
  SECTION("another interviewer with a reason") {
    h.Add("2026-03-10T10:00:00Z", [](Event::Builder e) {
      Interview(2, "iv-bjorn")(e);
      e.getBody().getForensicInterviewConducted().setInterviewerChangeReason("sick leave");
    });
    CHECK_FALSE(AnyBreached(h, "R16"));
  }
}

TEST_CASE("R17 and R19: trained interviewer or adapted premises, child accompanied", "[scenario]") {
  auto reg = Registry();
  History h(reg, kNo);
  SECTION("met") {
    h.Add("2026-03-03T10:00:00Z", Interview(1));
    CHECK(h.Statuses("R17", "2026-04-01T00:00:00Z") == std::vector<std::string>{"met"});
    CHECK(h.Statuses("R19", "2026-04-01T00:00:00Z") == std::vector<std::string>{"met"});
  }
  SECTION("breached") {
    h.Add("2026-03-03T10:00:00Z", [](Event::Builder e) {
      Interview(1)(e);
      auto b = e.getBody().getForensicInterviewConducted();
      b.setInterviewerCertified(false);
      b.setPremises(schema::Premises::UNSPECIFIED);
      b.setGuardianPresent(false);
    });
    CHECK(h.Statuses("R17", "2026-04-01T00:00:00Z") == std::vector<std::string>{"breached"});
    CHECK(h.Statuses("R19", "2026-04-01T00:00:00Z") == std::vector<std::string>{"breached"});
  }
}

void Medical(Event::Builder e) {
  auto b = e.initBody().initMedicalExaminationPerformed();
  b.setProviderId("clinic-7");
}

TEST_CASE("R21: medical examination within 72 h when acute, 14 days otherwise", "[scenario]") {
  auto reg = Registry();
  History h(reg, kNo);
  SECTION("acute, met at 70 h") {
    h.Add("2026-03-02T10:00:00Z", CrimeReported(false, true, true));
    h.Add("2026-03-05T08:00:00Z", Medical);
    auto o = h.One("R21");
    CHECK(o.due_at == T("2026-03-05T10:00:00Z"));
    CHECK(o.StatusAsOf(T("2026-04-01T00:00:00Z")) == "met");
  }
  SECTION("acute, late at 73 h") {
    h.Add("2026-03-02T10:00:00Z", CrimeReported(false, true, true));
    h.Add("2026-03-05T11:00:00Z", Medical);
    CHECK(h.One("R21").StatusAsOf(T("2026-04-01T00:00:00Z")) == "met_late");
  }
  SECTION("not acute: 14 days") {
    h.Add("2026-03-02T10:00:00Z", CrimeReported(false, true, false));
    auto o = h.One("R21");
    CHECK(o.due_at == T("2026-03-16T23:59:59.999999Z"));
    CHECK(o.StatusAsOf(T("2026-03-17T00:00:01Z")) == "overdue");
  }
  SECTION("no violence: no obligation") {
    h.Add("2026-03-02T10:00:00Z", CrimeReported());
    CHECK(h.Of("R21").empty());
  }
}

Fill ChildCharged(bool child) {
  return [=](Event::Builder e) {
    auto b = e.initBody().initChargesFiled();
    b.initOffenceCodes(1).set(0, "NO:strl 257");
    b.setDefendantIsChild(child);
  };
}

void NonPunishment(Event::Builder e) { e.initBody().initNonPunishmentAssessed(); }

TEST_CASE("R24: non-punishment assessed before a child is charged", "[scenario]") {
  auto reg = Registry();
  History h(reg, kNo);
  SECTION("met") {
    h.Add("2026-03-02T10:00:00Z", NonPunishment);
    h.Add("2026-03-09T10:00:00Z", ChildCharged(true));
    CHECK(h.Statuses("R24", "2026-04-01T00:00:00Z") == std::vector<std::string>{"met"});
  }
  SECTION("breached") {
    h.Add("2026-03-09T10:00:00Z", ChildCharged(true));
    CHECK(h.Statuses("R24", "2026-04-01T00:00:00Z") == std::vector<std::string>{"breached"});
  }
}

void ErasureRequest(Event::Builder e) {
  e.initBody().initErasureRequested().setRequestRef("req-1");
}

Fill ErasureDecision(schema::ErasureDecided::Decision d, bool extended = false) {
  return [=](Event::Builder e) {
    auto b = e.initBody().initErasureDecided();
    b.setRequestRef("req-1");
    b.setDecision(d);
    b.setDeadlineExtended(extended);
  };
}

TEST_CASE("R31: erasure request decided within one month", "[scenario]") {
  auto reg = Registry();
  History h(reg, kNo);
  // A month from 2 March ends at the end of 2 April (Reg. 1182/71 Art 3(2)(c)).
  h.Add("2026-03-02T10:00:00Z", ErasureRequest);
  SECTION("met") {
    h.Add("2026-04-02T15:00:00Z", ErasureDecision(schema::ErasureDecided::Decision::REFUSED));
    auto o = h.One("R31");
    CHECK(o.due_at == T("2026-04-02T23:59:59.999999Z"));
    CHECK(o.StatusAsOf(T("2026-05-01T00:00:00Z")) == "met");
    CHECK(o.tag == Tag::kBinding);
  }
  SECTION("late") {
    h.Add("2026-04-03T09:00:00Z", ErasureDecision(schema::ErasureDecided::Decision::REFUSED));
    CHECK(h.One("R31").StatusAsOf(T("2026-05-01T00:00:00Z")) == "met_late");
  }
}

void LegalHold(Event::Builder e) { e.initBody().initLegalHoldApplied().setHoldId("hold-1"); }

TEST_CASE("R31B: no erasure under a legal hold", "[scenario]") {
  auto reg = Registry();
  History h(reg, kNo);
  SECTION("breached") {
    h.Add("2026-03-01T10:00:00Z", LegalHold);
    h.Add("2026-03-02T10:00:00Z", ErasureDecision(schema::ErasureDecided::Decision::EXECUTED));
    CHECK(AnyBreached(h, "R31B"));
  }
  SECTION("without a hold") {
    h.Add("2026-03-02T10:00:00Z", ErasureDecision(schema::ErasureDecided::Decision::EXECUTED));
    CHECK_FALSE(AnyBreached(h, "R31B"));
  }
}

Fill Closed(bool transition_plan) {
  return [=](Event::Builder e) {
    auto b = e.initBody().initCaseClosed();
    b.setReason(schema::CaseClosed::Reason::OTHER);
    b.setTransitionPlanAt18(transition_plan);
  };
}

TEST_CASE("R29: closed only with a durable solution", "[scenario]") {
  auto reg = Registry();
  History h(reg, kNo);
  SECTION("breached without one") {
    h.Add("2026-06-02T10:00:00Z", Closed(false));
    CHECK(h.Statuses("R29", "2026-07-01T00:00:00Z") == std::vector<std::string>{"breached"});
  }
  SECTION("met with one") {
    h.Add("2026-06-01T10:00:00Z", [](Event::Builder e) {
      e.initBody().initDurableSolutionDetermined();
    });
    h.Add("2026-06-02T10:00:00Z", Closed(false));
    CHECK(h.Statuses("R29", "2026-07-01T00:00:00Z") == std::vector<std::string>{"met"});
  }
  SECTION("a transition plan at 18 is not checked") {
    h.Add("2026-06-02T10:00:00Z", Closed(true));
    CHECK(h.Of("R29").empty());
  }
}

TEST_CASE("LR: events recorded within 72 hours of occurring", "[scenario]") {
  auto reg = Registry();
  History h(reg, kNo);
  // The event exists, only late: the engine reports it as met late (compliance_eval.cc), which
  // keeps "recorded late" apart from "never done".
  SECTION("recorded after 71 hours: no finding") {
    h.Add("2026-03-02T10:00:00Z", Info, "2026-03-05T09:00:00Z");
    for (auto& s : h.Statuses("LR", "2026-04-01T00:00:00Z")) CHECK(s == "met");
  }
  SECTION("recorded after 73 hours: a finding") {
    h.Add("2026-03-02T10:00:00Z", Info, "2026-03-05T11:00:00Z");
    auto o = h.One("LR");
    CHECK(o.due_at == T("2026-03-05T10:00:00Z"));
    CHECK(o.StatusAsOf(T("2026-04-01T00:00:00Z")) == "met_late");
  }
}

}  // namespace
}  // namespace caseledger::compliance::scenario
