// More baseline rules of eu.toml, met and missed: R01B, R02B, R04B, R05, R08, R09B, R09C,
// R10, R12B, R15B, R18 (off in the baseline, on in NO), R20B, R21B, R22B, R23B, R25C, R26B,
// R27B, R28B. Baseline only unless said: UTC, Saturday/Sunday weekends, no holidays.
#include "tests/projections/rule_scenarios.h"

namespace caseledger::compliance::scenario {
namespace {

constexpr auto kNo = schema::Jurisdiction::NO;
constexpr const char* kLater = "2027-01-01T00:00:00Z";

std::vector<std::string> S(const History& h, const char* rule) { return h.Statuses(rule, kLater); }
const std::vector<std::string> kMet{"met"};
const std::vector<std::string> kBreached{"breached"};

Fill Permit(bool adult, schema::PermitType type = schema::PermitType::TRAFFICKING_VICTIM) {
  return [=](Event::Builder e) {
    auto b = e.initBody().initResidencePermitApplied();
    b.setPermitType(type);
    b.setTreatedAsAdult(adult);
  };
}

TEST_CASE("R01B: no adult procedure while the age is disputed", "[scenario]") {
  auto reg = Registry();
  History h(reg, kNo);
  h.Add("2026-03-02T10:00:00Z", [](Event::Builder e) {
    e.initBody().initAgeDisputed().setGrounds("no documents");
  });
  h.Add("2026-03-03T10:00:00Z", Permit(false));
  CHECK(h.Of("R01B").empty());
  h.Add("2026-03-04T10:00:00Z", Permit(true));
  CHECK(S(h, "R01B") == kBreached);
}

TEST_CASE("R02B: assistance never ended for non-cooperation", "[scenario]") {
  auto reg = Registry();
  History h(reg, kNo);
  h.Add("2026-03-02T10:00:00Z", [](Event::Builder e) {
    e.initBody().initPlacementEnded().setEndReason(
        schema::PlacementEnded::EndReason::NON_COOPERATION);
  });
  CHECK(S(h, "R02B") == kBreached);
}

void Guardian(Event::Builder e) { e.initBody().initGuardianAppointed().setGuardianId("g-1"); }

TEST_CASE("R04B and R23B: guardian in 15 working days, school in 2 or 3 months", "[scenario]") {
  auto reg = Registry();
  History h(reg, kNo);
  h.Add("2026-02-27T10:00:00Z", Presumed(schema::Answer::YES));
  SECTION("applied 1 July 2026 (Pact in force)") {
    h.Add("2026-07-01T10:00:00Z", Permit(false, schema::PermitType::INTERNATIONAL_PROTECTION));
    // Working days from Wed 1 July: 2, 3, 6-10, 13-17, 20, 21, 22 July (the 15th).
    auto g = h.One("R04B");
    CHECK(g.due_at == T("2026-07-22T23:59:59.999999Z"));
    CHECK(g.StatusAsOf(T("2026-07-23T00:00:00Z")) == "overdue");
    h.Add("2026-07-20T10:00:00Z", Guardian);
    CHECK(S(h, "R04B") == kMet);
    // RCD 2024/1346: 2 months, to the end of 1 September.
    CHECK(h.One("R23B").due_at == T("2026-09-01T23:59:59.999999Z"));
  }
  SECTION("applied 2 March 2026 (RCD 2013/33): school within 3 months") {
    h.Add("2026-03-02T10:00:00Z", Permit(false, schema::PermitType::INTERNATIONAL_PROTECTION));
    auto s = h.One("R23B");
    CHECK(s.due_at == T("2026-06-02T23:59:59.999999Z"));
    h.Add("2026-06-03T10:00:00Z", [](Event::Builder e) {
      e.initBody().initSchoolEnrolled().setSchoolId("school-1");
    });
    CHECK(S(h, "R23B") == std::vector<std::string>{"met_late"});
  }
}

TEST_CASE("R05: a conflicted guardian is replaced within 5 working days", "[scenario]") {
  auto reg = Registry();
  History h(reg, kNo);
  h.Add("2026-03-02T10:00:00Z", [](Event::Builder e) {
    e.initBody().initGuardianConflictFlagged().setGuardianId("g-1");
  });
  // Mon 2 March: Tue 3, Wed 4, Thu 5, Fri 6, Mon 9.
  CHECK(h.One("R05").due_at == T("2026-03-09T23:59:59.999999Z"));
  h.Add("2026-03-10T10:00:00Z", [](Event::Builder e) {
    auto b = e.initBody().initGuardianReplaced();
    b.setPreviousGuardianId("g-1");
    b.setNewGuardianId("g-2");
  });
  CHECK(S(h, "R05") == std::vector<std::string>{"met_late"});
}

TEST_CASE("R08: interpreter at the interview when the child needs one", "[scenario]") {
  auto reg = Registry();
  History h(reg, kNo);
  h.Add("2026-03-02T10:00:00Z", [](Event::Builder e) {
    Presumed()(e);
    e.getBody().getPresumedVictimIdentified().getChild().setNeedsInterpreter(true);
  });
  h.Add("2026-03-03T10:00:00Z", Interview(1));
  CHECK(S(h, "R08") == kBreached);
  h.Add("2026-03-04T10:00:00Z", [](Event::Builder e) {
    Interview(2)(e);
    e.getBody().getForensicInterviewConducted().setInterpreterId("interp-1");
  });
  CHECK(S(h, "R08") == std::vector<std::string>{"breached", "met"});
}

void RiskUpdate(Event::Builder e) { e.initBody().initRiskAssessmentUpdated(); }

TEST_CASE("R09C and R25C: child located, risk re-assessed", "[scenario]") {
  auto reg = Registry();
  History h(reg, kNo);
  h.Add("2026-03-02T10:00:00Z", [](Event::Builder e) { e.initBody().initChildLocated(); });
  CHECK(h.One("R25C").due_at == T("2026-03-05T10:00:00Z"));
  CHECK(h.One("R09C").due_at == T("2026-03-09T23:59:59.999999Z"));
  SECTION("after 4 days: R09C met, R25C late") {
    h.Add("2026-03-06T10:00:00Z", RiskUpdate);
    CHECK(S(h, "R09C") == kMet);
    CHECK(S(h, "R25C") == std::vector<std::string>{"met_late"});
  }
  SECTION("never: both overdue") {
    CHECK(h.One("R25C").StatusAsOf(T("2026-03-05T10:00:01Z")) == "overdue");
    CHECK(h.One("R09C").StatusAsOf(T("2026-03-10T00:00:00Z")) == "overdue");
  }
}

Fill Heard(bool heard) {
  return [=](Event::Builder e) { e.initBody().initChildViewsHeard().setHeard(heard); };
}

TEST_CASE("R10: the child heard before a placement", "[scenario]") {
  auto reg = Registry();
  History h(reg, kNo);
  auto placement = [](Event::Builder e) {
    e.initBody().initPlacementStarted().setPlacementType(schema::PlacementType::FOSTER_FAMILY);
  };
  SECTION("met") {
    h.Add("2026-03-02T10:00:00Z", Heard(true));
    h.Add("2026-03-03T10:00:00Z", placement);
    CHECK(S(h, "R10") == kMet);
  }
  SECTION("breached: not heard") {
    h.Add("2026-03-02T10:00:00Z", Heard(false));
    h.Add("2026-03-03T10:00:00Z", placement);
    CHECK(S(h, "R10") == kBreached);
  }
}

TEST_CASE("R12B: no removal during the reflection period", "[scenario]") {
  auto reg = Registry();
  History h(reg, kNo);
  h.Add("2026-03-02T10:00:00Z", [](Event::Builder e) {
    auto b = e.initBody().initReflectionPeriodGranted();
    b.setStartAt(T("2026-03-02T10:00:00Z"));
    b.setEndAt(T("2026-04-01T23:59:59Z"));
  });
  auto removal = [](Event::Builder e) { e.initBody().initReturnExecuted().setReceivingState("RO"); };
  SECTION("inside") {
    h.Add("2026-03-20T10:00:00Z", removal);
    CHECK(S(h, "R12B") == kBreached);
  }
  SECTION("after its end") {
    h.Add("2026-04-03T10:00:00Z", removal);
    for (auto& s : S(h, "R12B")) CHECK(s != "breached");
  }
}

TEST_CASE("R15B, R20B: a repeat states its necessity, counsel before interview 1",
          "[scenario]") {
  auto reg = Registry();
  History h(reg, kNo);
  SECTION("missed") {
    h.Add("2026-03-03T10:00:00Z", Interview(1));
    h.Add("2026-03-10T10:00:00Z", Interview(2));
    CHECK(S(h, "R15B") == kBreached);
    CHECK(S(h, "R20B") == kBreached);
  }
  SECTION("met") {
    h.Add("2026-03-02T10:00:00Z", [](Event::Builder e) {
      auto b = e.initBody().initLegalCounselAppointed();
      b.setCounselId("counsel-1");
      b.initScopes(0);
    });
    h.Add("2026-03-03T10:00:00Z", Interview(1));
    h.Add("2026-03-10T10:00:00Z", [](Event::Builder e) {
      Interview(2)(e);
      e.getBody().getForensicInterviewConducted().setRepeatReason("new circumstances");
    });
    CHECK(S(h, "R15B") == kMet);
    CHECK(S(h, "R20B") == kMet);
  }
}

TEST_CASE("R18: recording checked in NO, not in the baseline", "[scenario]") {
  auto unrecorded = [](Event::Builder e) {
    Interview(1)(e);
    e.getBody().getForensicInterviewConducted().setRecorded(false);
  };
  auto eu = Registry();
  History hb(eu, kNo);
  hb.Add("2026-03-03T10:00:00Z", unrecorded);
  CHECK(hb.Of("R18").empty());
  auto no = Registry("NO");
  History hn(no, kNo);
  hn.Add("2026-03-03T10:00:00Z", unrecorded);
  CHECK(S(hn, "R18") == kBreached);
  // obligations.md R18: recorded = true AND the recording's hash.
  hn.Add("2026-03-10T10:00:00Z", Interview(2));
  hn.Add("2026-03-17T10:00:00Z", [](Event::Builder e) {
    Interview(3)(e);
    uint8_t hash[32] = {0x5e};
    e.getBody().getForensicInterviewConducted().setRecordingHash(capnp::Data::Reader(hash, 32));
  });
  CHECK(S(hn, "R18") == std::vector<std::string>{"breached", "breached", "met"});
}

Fill Medical(const char* repeat_reason) {
  return [=](Event::Builder e) {
    auto b = e.initBody().initMedicalExaminationPerformed();
    b.setProviderId("clinic-7");
    b.setRepeatReason(repeat_reason);
  };
}

TEST_CASE("R21B: a second medical examination needs a clinical reason", "[scenario]") {
  auto reg = Registry();
  History h(reg, kNo);
  auto breached = [&] {
    for (auto& s : S(h, "R21B")) if (s == "breached") return true;
    return false;
  };
  h.Add("2026-03-02T10:00:00Z", Medical(""));
  SECTION("with a reason") {
    h.Add("2026-03-09T10:00:00Z", Medical("follow-up of injuries"));
    CHECK_FALSE(breached());
  }
  SECTION("without") {
    h.Add("2026-03-09T10:00:00Z", Medical(""));
    CHECK(breached());
  }
}

TEST_CASE("R22B: therapy within 30 days when the assessment finds the need", "[scenario]") {
  auto reg = Registry();
  History h(reg, kNo);
  h.Add("2026-03-02T10:00:00Z", [](Event::Builder e) {
    e.initBody().initIndividualAssessmentCompleted().initNeeds(1).set(
        0, schema::NeedKind::PSYCHOLOGICAL_SUPPORT);
  });
  auto o = h.One("R22B");
  CHECK(o.due_at == T("2026-04-01T23:59:59.999999Z"));
  h.Add("2026-03-20T10:00:00Z", [](Event::Builder e) {
    e.initBody().initTherapyStarted().setProviderId("therapist-1");
  });
  CHECK(S(h, "R22B") == kMet);
}

TEST_CASE("R26B: trial within 90 days of the charge", "[scenario]") {
  auto reg = Registry();
  History h(reg, kNo);
  h.Add("2026-03-02T10:00:00Z", [](Event::Builder e) {
    e.initBody().initChargesFiled().initOffenceCodes(1).set(0, "NO:strl 257");
  });
  CHECK(h.One("R26B").due_at == T("2026-05-31T23:59:59.999999Z"));
  h.Add("2026-06-01T09:00:00Z", [](Event::Builder e) { e.initBody().initTrialStarted(); });
  CHECK(S(h, "R26B") == std::vector<std::string>{"met_late"});
}

TEST_CASE("R28B: investigation completed within 3 months", "[scenario]") {
  auto reg = Registry();
  History h(reg, kNo);
  h.Add("2026-03-02T10:00:00Z", [](Event::Builder e) {
    e.initBody().initCpAssessmentDecided().setDecision(
        schema::CpAssessmentDecided::Decision::OPEN_INVESTIGATION);
  });
  auto o = h.One("R28B");
  CHECK(o.due_at == T("2026-06-02T23:59:59.999999Z"));
  CHECK(o.StatusAsOf(T("2026-06-03T00:00:00Z")) == "overdue");
  h.Add("2026-05-20T10:00:00Z", [](Event::Builder e) {
    e.initBody().initCpInvestigationCompleted();
  });
  CHECK(S(h, "R28B") == kMet);
}

TEST_CASE("R09B and R27B: reviews every 3 months after the first", "[scenario]") {
  auto reg = Registry();
  History h(reg, kNo);
  h.Add("2026-03-02T10:00:00Z", [](Event::Builder e) {
    e.initBody().initIndividualAssessmentCompleted();
  });
  h.Add("2026-03-02T10:00:00Z", [](Event::Builder e) {
    e.initBody().initCaseConferenceHeld().initAttendees(0);
  });
  for (const char* rule : {"R09B", "R27B"}) {
    INFO(rule);
    auto o = h.One(rule);
    CHECK(o.due_at == T("2026-06-02T23:59:59.999999Z"));
    CHECK(o.StatusAsOf(T("2026-06-03T00:00:00Z")) == "overdue");
  }
}

}  // namespace
}  // namespace caseledger::compliance::scenario
