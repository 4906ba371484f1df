// The baseline pack's clocks started by the presumption of victimhood (R02, R03, R03B, R04,
// R07, R09, R13, R20, R22, R23, R27), removal and return (R11, R11B, R12), proceedings (R26)
// and missing children (R25, R25B). Baseline only: UTC calendar. Presumption on Monday
// 2 March 2026 10:00Z; 24 h ends 3 March 10:00Z; 7 days end at the end of 9 March; 30 days at
// the end of 1 April; 2 months at the end of 2 May (Reg. 1182/71 Art 3).
#include "tests/projections/rule_scenarios.h"

namespace caseledger::compliance::scenario {
namespace {

constexpr auto kNo = schema::Jurisdiction::NO;
constexpr const char* kPresumed = "2026-03-02T10:00:00Z";

Fill PresumedForeign() {
  return [](Event::Builder e) {
    Presumed(schema::Answer::YES)(e);
    auto c = e.getBody().getPresumedVictimIdentified().getChild();
    c.setForeignNational(schema::Answer::YES);
    c.setLawfulStay(schema::Answer::NO);
  };
}

Fill Reflection(const char* start, const char* end) {
  return [=](Event::Builder e) {
    auto b = e.initBody().initReflectionPeriodGranted();
    b.setStartAt(T(start));
    b.setEndAt(T(end));
  };
}

struct Due {
  const char* rule;
  const char* due;
};

const Due kDues[] = {
    {"R02", "2026-03-03T10:00:00Z"},           {"R03", "2026-03-03T10:00:00Z"},
    {"R03B", "2026-03-03T10:00:00Z"},          {"R04", "2026-03-03T10:00:00Z"},
    {"R07", "2026-03-03T10:00:00Z"},           {"R09", "2026-03-09T23:59:59.999999Z"},
    {"R13", "2026-04-01T23:59:59.999999Z"},    {"R20", "2026-03-09T23:59:59.999999Z"},
    {"R22", "2026-03-09T23:59:59.999999Z"},    {"R23", "2026-05-02T23:59:59.999999Z"},
    {"R27", "2026-03-09T23:59:59.999999Z"},
};

TEST_CASE("identification clocks: nothing done, open then overdue", "[scenario]") {
  auto reg = Registry();
  History h(reg, kNo);
  h.Add(kPresumed, PresumedForeign());
  for (const auto& d : kDues) {
    INFO(d.rule);
    auto o = h.One(d.rule);
    CHECK(o.due_at == T(d.due));
    CHECK(o.StatusAsOf(T("2026-03-02T11:00:00Z")) == "open");
    CHECK(o.StatusAsOf(T("2026-06-01T00:00:00Z")) == "overdue");
  }
}

TEST_CASE("identification clocks: everything done in time", "[scenario]") {
  auto reg = Registry();
  History h(reg, kNo);
  // Crisis support before the presumption also counts (satisfied_before_trigger).
  h.Add("2026-03-02T08:00:00Z", [](Event::Builder e) {
    e.initBody().initCrisisSupportProvided().setProviderId("crisis-1");
  });
  h.Add(kPresumed, PresumedForeign());
  const char* at = "2026-03-02T12:00:00Z";
  h.Add(at, [](Event::Builder e) { e.initBody().initReferredToNrm().setNrmBodyId("nrm-1"); });
  h.Add(at, [](Event::Builder e) { e.initBody().initChildProtectionReportReceived(); });
  h.Add(at, [](Event::Builder e) {
    e.initBody().initProvisionalRepresentativeDesignated().setRepresentativeId("rep-1");
  });
  h.Add(at, [](Event::Builder e) {
    e.initBody().initInformationProvidedToChild().setLanguage("ar");
  });
  h.Add(at, [](Event::Builder e) { e.initBody().initIndividualAssessmentCompleted(); });
  h.Add(at, Reflection("2026-03-02T12:00:00Z", "2026-04-05T23:59:59Z"));
  h.Add(at, [](Event::Builder e) {
    auto b = e.initBody().initLegalCounselAppointed();
    b.setCounselId("counsel-1");
    b.initScopes(0);
  });
  h.Add(at, [](Event::Builder e) { e.initBody().initSchoolEnrolled().setSchoolId("school-1"); });
  h.Add(at, [](Event::Builder e) { e.initBody().initCaseConferenceHeld().initAttendees(0); });
  for (const auto& d : kDues) {
    INFO(d.rule);
    CHECK(h.One(d.rule).StatusAsOf(T("2026-06-01T00:00:00Z")) == "met");
  }
}

TEST_CASE("R13B: a reflection period shorter than the minimum is breached, R13 met", "[scenario]") {
  auto reg = Registry();
  History h(reg, kNo);
  h.Add(kPresumed, PresumedForeign());
  h.Add("2026-03-03T10:00:00Z", Reflection("2026-03-03T10:00:00Z", "2026-03-23T10:00:00Z"));
  // The length is law (NO: 6 months [N]); the grant came within R13's 30-day default.
  CHECK(h.One("R13B").StatusAsOf(T("2026-06-01T00:00:00Z")) == "breached");
  CHECK(h.One("R13").StatusAsOf(T("2026-06-01T00:00:00Z")) == "met");
}

TEST_CASE("R13: a late grant misses the 30-day default, not the law", "[scenario]") {
  auto reg = Registry();
  History h(reg, kNo);
  h.Add(kPresumed, PresumedForeign());
  // 40 days after identification; 6 months and a day long (NO's minimum).
  h.Add("2026-04-11T10:00:00Z", Reflection("2026-04-11T10:00:00Z", "2026-10-12T10:00:00Z"));
  CHECK(h.One("R13").StatusAsOf(T("2026-12-01T00:00:00Z")) == "met_late");
  CHECK(h.One("R13B").StatusAsOf(T("2026-12-01T00:00:00Z")) == "met");
}

TEST_CASE("R13: no reflection period owed to a national", "[scenario]") {
  auto reg = Registry();
  History h(reg, kNo);
  h.Add(kPresumed, Presumed());
  CHECK(h.Of("R13").empty());
}

void ReturnExecuted(Event::Builder e) {
  e.initBody().initReturnExecuted().setReceivingState("RO");
}

TEST_CASE("R12: no removal while identification is pending", "[scenario]") {
  auto reg = Registry();
  History h(reg, kNo);
  h.Add(kPresumed, Presumed());
  SECTION("breached") {
    h.Add("2026-03-05T10:00:00Z", ReturnExecuted);
    CHECK(h.Statuses("R12", "2026-06-01T00:00:00Z") == std::vector<std::string>{"breached"});
  }
  SECTION("not breached after the formal decision") {
    h.Add("2026-03-04T10:00:00Z", [](Event::Builder e) {
      auto b = e.initBody().initFormalVictimStatusDecided();
      b.setGrounds("decided");
      b.initChild().setAgeYears(15);
    });
    h.Add("2026-03-05T10:00:00Z", ReturnExecuted);
    for (auto& s : h.Statuses("R12", "2026-06-01T00:00:00Z")) CHECK(s != "breached");
  }
}

void ReturnDecided(Event::Builder e) { e.initBody().initReturnDecided().setReceivingState("RO"); }

TEST_CASE("R11, R11B: no return decision without a BID and a risk assessment", "[scenario]") {
  auto reg = Registry();
  History h(reg, kNo);
  SECTION("breached") {
    h.Add("2026-03-05T10:00:00Z", ReturnDecided);
    CHECK(h.Statuses("R11", "2026-06-01T00:00:00Z") == std::vector<std::string>{"breached"});
    CHECK(h.Statuses("R11B", "2026-06-01T00:00:00Z") == std::vector<std::string>{"breached"});
  }
  SECTION("met") {
    h.Add("2026-03-03T10:00:00Z", [](Event::Builder e) {
      e.initBody().initBestInterestsDeterminationCompleted().initPanelRoles(0);
    });
    h.Add("2026-03-04T10:00:00Z", [](Event::Builder e) {
      e.initBody().initReturnRiskAssessmentCompleted().setReceivingState("RO");
    });
    h.Add("2026-03-05T10:00:00Z", ReturnDecided);
    CHECK(h.Statuses("R11", "2026-06-01T00:00:00Z") == std::vector<std::string>{"met"});
    CHECK(h.Statuses("R11B", "2026-06-01T00:00:00Z") == std::vector<std::string>{"met"});
  }
}

TEST_CASE("R26: charge decision within 90 days of the investigation", "[scenario]") {
  auto reg = Registry();
  History h(reg, kNo);
  // R26 runs from reasonable suspicion: an investigation that records a suspect starts it.
  h.Add("2026-03-02T10:00:00Z", [](Event::Builder e) {
    auto b = e.initBody().initInvestigationOpened();
    b.initOffenceCodes(1).set(0, "NO:strl 257");
    b.setReasonableSuspicionAt(T("2026-03-02T10:00:00Z"));
  });
  // 29 days to 31 March, 30 to 30 April, 31 to 31 May: 90 days end at the end of 31 May.
  auto o = h.One("R26");
  CHECK(o.due_at == T("2026-05-31T23:59:59.999999Z"));
  CHECK(o.StatusAsOf(T("2026-06-01T00:00:00Z")) == "overdue");
  h.Add("2026-05-29T10:00:00Z", [](Event::Builder e) {
    e.initBody().initChargesFiled().initOffenceCodes(1).set(0, "NO:strl 257");
  });
  CHECK(h.One("R26").StatusAsOf(T("2026-06-01T00:00:00Z")) == "met");
}

TEST_CASE("R26: no charge decision is owed while no one is suspected", "[scenario]") {
  auto reg = Registry();
  History h(reg, kNo);
  h.Add("2026-03-02T10:00:00Z", [](Event::Builder e) {
    e.initBody().initInvestigationOpened().initOffenceCodes(1).set(0, "NO:strl 257");
  });
  CHECK(h.Statuses("R26", "2026-09-01T00:00:00Z").empty());
}

Fill Notified(schema::NotificationSent::Recipient r) {
  return [=](Event::Builder e) { e.initBody().initNotificationSent().setRecipient(r); };
}

TEST_CASE("R25, R25B: police and guardian notified within 24 h of a disappearance",
          "[scenario]") {
  auto reg = Registry();
  History h(reg, kNo);
  h.Add("2026-03-02T22:00:00Z", [](Event::Builder e) { e.initBody().initChildMissingReported(); });
  h.Add("2026-03-02T23:00:00Z", Notified(schema::NotificationSent::Recipient::POLICE));
  auto police = h.One("R25");
  CHECK(police.due_at == T("2026-03-03T22:00:00Z"));
  CHECK(police.StatusAsOf(T("2026-04-01T00:00:00Z")) == "met");
  auto guardian = h.One("R25B");
  CHECK(guardian.StatusAsOf(T("2026-03-03T21:00:00Z")) == "open");
  CHECK(guardian.StatusAsOf(T("2026-03-03T22:00:01Z")) == "overdue");
  h.Add("2026-03-04T09:00:00Z", Notified(schema::NotificationSent::Recipient::GUARDIAN));
  CHECK(h.One("R25B").StatusAsOf(T("2026-04-01T00:00:00Z")) == "met_late");
}

}  // namespace
}  // namespace caseledger::compliance::scenario
