// Known answers for the audit queries that audit_test.cc does not cover, each worked out by
// hand from docs/audit.md, obligations.md and the shipped baseline and Danish packs
// (projections/rules/eu.toml, dk.toml). T0 is Monday 2025-03-03 09:00 UTC (10:00 in
// Copenhagen); every case is Danish.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "tests/projections/audit_cases.h"

namespace caseledger {
namespace {

using projections::AuditResult;
using testing::kT0;
using testing::audit::AuditCases;
using testing::audit::Fill;
using testing::audit::kDay;
using testing::audit::kHour;
using Role = schema::AgencyRole;
using testing::audit::Cells;
using testing::audit::CellsOf;
using Ids = std::vector<std::string>;

Fill PresumedNeedingInterpreter() {
  return [](schema::Event::Builder e) {
    testing::audit::Presumed(schema::Answer::NO)(e);
    auto c = e.getBody().getPresumedVictimIdentified().getChild();
    c.setNeedsInterpreter(true);
    c.setInterpreterLanguage("ti");
  };
}

Fill Informed(const char* interpreter) {
  return [=](schema::Event::Builder e) {
    auto b = e.initBody().initInformationProvidedToChild();
    b.initTopics(1).set(0, schema::InformationProvidedToChild::Topic::RIGHTS);
    b.setLanguage("ti");
    b.setFormat(schema::InformationProvidedToChild::Format::ORAL);
    b.setUnderstood(schema::InformationProvidedToChild::Understanding::CONFIRMED);
    if (*interpreter) b.setInterpreterId(interpreter);
  };
}

Fill InterviewWithInterpreter(const char* interpreter) {
  return [=](schema::Event::Builder e) {
    testing::audit::Interview({})(e);
    if (*interpreter) e.getBody().getForensicInterviewConducted().setInterpreterId(interpreter);
  };
}

// R07B (ordering: interview 1 after InformationProvidedToChild) and R08 (presence: an
// interpreterId when the child's facts say one is needed), on interviews only.
TEST_CASE("interview_information lists R07B and R08 findings on interviews", "[audit]") {
  AuditCases c;
  const char* police = "dk-police-cph";
  // i1: needs an interpreter; interviewed on day 3 with no interpreter and never informed:
  // both rules breached.
  c.Add("dk-info-1", kT0, police, Role::POLICE, PresumedNeedingInterpreter());
  c.Add("dk-info-1", kT0 + 3 * kDay, police, Role::POLICE, InterviewWithInterpreter(""));
  // i2: informed on day 1, interviewed on day 3; needs no interpreter: nothing.
  c.Add("dk-info-2", kT0, police, Role::POLICE, testing::audit::Presumed(schema::Answer::NO));
  c.Add("dk-info-2", kT0 + kDay, police, Role::POLICE, Informed(""));
  c.Add("dk-info-2", kT0 + 3 * kDay, police, Role::POLICE, InterviewWithInterpreter(""));
  // i3: needs an interpreter; informed without one on day 1 (an R08 finding, but on the
  // information, not an interview: not listed), interviewed with one on day 3.
  c.Add("dk-info-3", kT0, police, Role::POLICE, PresumedNeedingInterpreter());
  c.Add("dk-info-3", kT0 + kDay, police, Role::POLICE, Informed(""));
  c.Add("dk-info-3", kT0 + 3 * kDay, police, Role::POLICE, InterviewWithInterpreter("int-4"));

  auto r = c.Run("interview_information");
  const std::string at = "2025-03-06T09:00:00Z";
  CHECK(
      CellsOf(r) ==
      std::vector<Cells>{{"dk-info-1", "DK", "R07B", "interview held before the child was informed",
                          "forensicInterviewConducted", at, "", "breached", police, "police"},
                         {"dk-info-1", "DK", "R08", "no interpreter though the child needed one",
                          "forensicInterviewConducted", at, "", "breached", police, "police"}});
  CHECK(r.rows[0].case_ids == Ids{"dk-info-1"});
  // The information event's R08 finding exists: rule_findings shows it.
  auto all = c.Run("rule_findings", {{"rule", "R08"}});
  REQUIRE(all.rows.size() == 2);
  CHECK(all.rows[1].cells[0] == "dk-info-3");
  CHECK(all.rows[1].cells[4] == "informationProvidedToChild");
  // Before the interview nothing was held; a period after it lists nothing.
  CHECK(c.Run("interview_information", {}, kT0 + 2 * kDay).rows.empty());
  CHECK(c.Run("interview_information", {{"from", "2025-03-07"}}).rows.empty());
  CHECK(c.Run("interview_information", {{"agency", "dk-police-aarhus"}}).rows.empty());
}

Fill CpReport() {
  return [](schema::Event::Builder e) {
    e.initBody().initChildProtectionReportReceived().setReportedBy(schema::ReporterKind::GUARDIAN);
  };
}

Fill CpDecided(schema::CpAssessmentDecided::Decision decision) {
  return [=](schema::Event::Builder e) {
    auto b = e.initBody().initCpAssessmentDecided();
    b.setUrgency(schema::Urgency::URGENT);
    b.setDecision(decision);
    b.setGrounds("assessment of the notification");
  };
}

// Danish pack: R28 a decision within 24 hours of the report, R28B the investigation within 4
// months of a decision to investigate.
TEST_CASE("cp_clock_breaches counts R28 and R28B by status with the Danish clocks", "[audit]") {
  AuditCases c;
  using D = schema::CpAssessmentDecided::Decision;
  const char* cp = "dk-cp-odense";
  // p: decided after 10 h (met), to investigate: R28B open (due in July).
  c.Add("dk-cp-p", kT0, cp, Role::CHILD_PROTECTION, CpReport());
  c.Add("dk-cp-p", kT0 + 10 * kHour, cp, Role::CHILD_PROTECTION, CpDecided(D::OPEN_INVESTIGATION));
  // q: decided after 30 h (met late), no further action: no R28B.
  c.Add("dk-cp-q", kT0, cp, Role::CHILD_PROTECTION, CpReport());
  c.Add("dk-cp-q", kT0 + 30 * kHour, cp, Role::CHILD_PROTECTION, CpDecided(D::NO_FURTHER_ACTION));
  // r: reported on day 2, never decided: overdue.
  c.Add("dk-cp-r", kT0 + 2 * kDay, cp, Role::CHILD_PROTECTION, CpReport());

  auto r = c.Run("cp_clock_breaches");
  CHECK(CellsOf(r) == std::vector<Cells>{{"DK", cp, "R28", "3", "1", "1", "0", "1", "0"},
                                         {"DK", cp, "R28B", "1", "0", "0", "0", "0", "1"}});
  CHECK(r.rows[0].case_ids == Ids{"dk-cp-q", "dk-cp-r"});
  CHECK(r.rows[1].case_ids.empty());
  // Five hours after T0: p and q waiting within their 24 h, r not reported yet, no R28B.
  r = c.Run("cp_clock_breaches", {}, kT0 + 5 * kHour);
  CHECK(CellsOf(r) == std::vector<Cells>{{"DK", cp, "R28", "2", "0", "0", "0", "0", "2"}});
  // Twenty hours after T0: p met; q's decision was still to come (open).
  r = c.Run("cp_clock_breaches", {}, kT0 + 20 * kHour);
  CHECK(CellsOf(r) == std::vector<Cells>{{"DK", cp, "R28", "2", "1", "0", "0", "0", "1"},
                                         {"DK", cp, "R28B", "1", "0", "0", "0", "0", "1"}});
  CHECK(c.Run("cp_clock_breaches", {{"agency", "dk-cp-aarhus"}}).rows.empty());
  CHECK(c.Run("cp_clock_breaches", {{"from", "2025-03-04"}}).rows.size() == 1);
}

Fill School(const char* id) {
  return [=](schema::Event::Builder e) { e.initBody().initSchoolEnrolled().setSchoolId(id); };
}

// R23: school within 2 months of identification (baseline default).
TEST_CASE("school_therapy_time measures identification to school per providing agency", "[audit]") {
  AuditCases c;
  const char* school = "dk-school-aarhus";
  for (const char* id : {"dk-school-1", "dk-school-2", "dk-school-3"}) {
    c.Add(id, kT0, "dk-police-aarhus", Role::POLICE, testing::audit::Presumed(schema::Answer::NO));
  }
  c.Add("dk-school-1", kT0 + 10 * kDay, school, Role::EDUCATION, School("sch-1"));  // met
  c.Add("dk-school-3", kT0 + 70 * kDay, school, Role::EDUCATION, School("sch-1"));  // late
  // dk-school-2 is never enrolled: due 3 May, overdue by 1 June.
  auto r = c.Run("school_therapy_time", {}, kT0 + 90 * kDay);
  CHECK(CellsOf(r) == std::vector<Cells>{{"DK", "school", "(not yet)", "1", "0", "", "", "1"},
                                         {"DK", "school", school, "2", "2", "10.0", "70.0", "1"}});
  CHECK(r.rows[0].case_ids == Ids{"dk-school-2"});
  CHECK(r.rows[1].case_ids == Ids{"dk-school-3"});
  // On day 60 (2 May) only case 1 was at school and nobody was late yet.
  r = c.Run("school_therapy_time", {}, kT0 + 60 * kDay);
  CHECK(CellsOf(r) == std::vector<Cells>{{"DK", "school", "(not yet)", "2", "0", "", "", "0"},
                                         {"DK", "school", school, "1", "1", "10.0", "10.0", "0"}});
  r = c.Run("school_therapy_time", {{"agency", school}}, kT0 + 90 * kDay);
  CHECK(CellsOf(r) == std::vector<Cells>{{"DK", "school", school, "2", "2", "10.0", "70.0", "1"}});
}

Fill Assessment(schema::NeedKind need) {
  return [=](schema::Event::Builder e) {
    auto b = e.initBody().initIndividualAssessmentCompleted();
    b.initNeeds(1).set(0, need);
    b.setRiskLevel(schema::RiskLevel::MEDIUM);
  };
}

// R22B: therapy within 30 days of an assessment finding a need for psychological support.
TEST_CASE("school_therapy_time measures an assessed need to therapy per provider", "[audit]") {
  AuditCases c;
  const char* barnahus = "dk-barnahus-cph";
  // t1: support needed on T0, therapy by dk-health-1 on day 12 (met).
  c.Add("dk-ther-1", kT0, barnahus, Role::BARNAHUS,
        Assessment(schema::NeedKind::PSYCHOLOGICAL_SUPPORT));
  c.Add("dk-ther-1", kT0 + 12 * kDay, "dk-health-1", Role::HEALTH, [](schema::Event::Builder e) {
    e.initBody().initTherapyStarted().setProviderId("prov-1");
  });
  // t2: only medical care needed: no R22B.
  c.Add("dk-ther-2", kT0, barnahus, Role::BARNAHUS, Assessment(schema::NeedKind::MEDICAL_CARE));
  // t3: support needed on day 1, no therapy: due at the end of 3 April, overdue on day 60.
  c.Add("dk-ther-3", kT0 + kDay, barnahus, Role::BARNAHUS,
        Assessment(schema::NeedKind::PSYCHOLOGICAL_SUPPORT));
  auto r = c.Run("school_therapy_time");
  CHECK(CellsOf(r) ==
        std::vector<Cells>{{"DK", "therapy", "(not yet)", "1", "0", "", "", "1"},
                           {"DK", "therapy", "dk-health-1", "1", "1", "12.0", "12.0", "0"}});
  CHECK(r.rows[0].case_ids == Ids{"dk-ther-3"});
  CHECK(r.rows[1].case_ids.empty());
  // On day 20 t3 was still within its 30 days.
  CHECK(c.Run("school_therapy_time", {}, kT0 + 20 * kDay).rows[0].cells[7] == "0");
}

Fill Referral(const char* state) {
  return [=](schema::Event::Builder e) {
    auto b = e.initBody().initTransnationalReferralSent();
    b.setReceivingState(state);
    b.setPurpose(schema::TransnationalReferralSent::Purpose::CASE_TRANSFER);
  };
}

Fill Transfer(const char* state) {
  return [=](schema::Event::Builder e) {
    e.initBody().initCaseTransferred().setReceivingState(state);
  };
}

TEST_CASE("cross_border lists transfers with the referral before them", "[audit]") {
  AuditCases c;
  const char* m = "dk-migration";
  c.Add("dk-xb-1", kT0 + 2 * kDay, m, Role::MIGRATION, Referral("SE"));
  c.Add("dk-xb-1", kT0 + 5 * kDay, m, Role::MIGRATION, Transfer("SE"));
  c.Add("dk-xb-2", kT0 + 4 * kDay, m, Role::MIGRATION, Transfer("NO"));  // no referral
  c.Add("dk-xb-3", kT0 + 4 * kDay, m, Role::MIGRATION, Referral("FI"));  // never transferred
  auto r = c.Run("cross_border");
  CHECK(CellsOf(r) == std::vector<Cells>{{"dk-xb-1", "DK", "SE", "2025-03-05T09:00:00Z",
                                          "2025-03-08T09:00:00Z", "72.0"},
                                         {"dk-xb-2", "DK", "NO", "", "2025-03-07T09:00:00Z", ""}});
  CHECK(r.rows[0].case_ids == Ids{"dk-xb-1"});
  CHECK(c.Run("cross_border", {{"from", "2025-03-08"}}).rows.size() == 1);
  CHECK(c.Run("cross_border", {}, kT0 + 4 * kDay + kHour).rows.size() == 1);
}

Fill Disputed() {
  return [](schema::Event::Builder e) {
    auto b = e.initBody().initAgeDisputed();
    b.setClaimedAgeYears(15);
    b.setGrounds("no documents");
  };
}

Fill Assessed(std::vector<schema::AgeAssessmentCompleted::Method> methods) {
  return [=](schema::Event::Builder e) {
    auto b = e.initBody().initAgeAssessmentCompleted();
    auto list = b.initMethods(methods.size());
    for (size_t i = 0; i < methods.size(); ++i) list.set(i, methods[i]);
    b.setAssessedAgeYears(16);
    b.setResult(schema::AgeAssessmentCompleted::Result::MINOR);
  };
}

TEST_CASE("age_disputes gives dispute-to-assessment days, methods and adult-track measures",
          "[audit]") {
  AuditCases c;
  using M = schema::AgeAssessmentCompleted::Method;
  const char* m = "dk-migration";
  // g1: assessed after 10 days by documents and interview.
  c.Add("dk-age-1", kT0, m, Role::MIGRATION, Disputed());
  c.Add("dk-age-1", kT0 + 10 * kDay, m, Role::MIGRATION,
        Assessed({M::DOCUMENT_EXAMINATION, M::PSYCHOSOCIAL_INTERVIEW}));
  // g2: a return treating the child as an adult while disputed (R01B), assessed after 30 days.
  c.Add("dk-age-2", kT0 + kDay, m, Role::MIGRATION, Disputed());
  c.Add("dk-age-2", kT0 + 5 * kDay, m, Role::MIGRATION, [](schema::Event::Builder e) {
    auto b = e.initBody().initReturnDecided();
    b.setReceivingState("SE");
    b.setReturnKind(schema::ReturnKind::VOLUNTARY);
    b.setTreatedAsAdult(true);
  });
  c.Add("dk-age-2", kT0 + 31 * kDay, m, Role::MIGRATION, Assessed({M::PSYCHOSOCIAL_INTERVIEW}));
  // g3: disputed, not assessed.
  c.Add("dk-age-3", kT0 + 2 * kDay, m, Role::MIGRATION, Disputed());
  // g4: age never disputed: not counted.
  c.Add("dk-age-4", kT0, "dk-police-cph", Role::POLICE,
        testing::audit::Presumed(schema::Answer::NO));
  auto r = c.Run("age_disputes");
  CHECK(CellsOf(r) == std::vector<Cells>{{"DK", "2025", "3", "2", "10.0", "30.0",
                                          "documentExamination:1 psychosocialInterview:2", "1"}});
  CHECK(r.rows[0].case_ids == Ids{"dk-age-1", "dk-age-2", "dk-age-3"});
  // On day 20 only g1 was assessed.
  r = c.Run("age_disputes", {}, kT0 + 20 * kDay);
  CHECK(CellsOf(r) == std::vector<Cells>{{"DK", "2025", "3", "1", "10.0", "10.0",
                                          "documentExamination:1 psychosocialInterview:1", "1"}});
  CHECK(c.Run("age_disputes", {{"from", "2025-03-04"}}).rows[0].cells[2] == "2");
  CHECK(c.Run("age_disputes", {{"jurisdiction", "SE"}}).rows.empty());
}

}  // namespace
}  // namespace caseledger
