// Known answers, worked out by hand from docs/audit.md, obligations.md and the shipped
// baseline and Danish packs, for the audit queries about reflection and removal, missing
// children, proceedings, counsel and compensation, and guardians (the rest are in
// audit_test.cc and audit_more_test.cc). T0 is Monday 2025-03-03 09:00 UTC (10:00 in
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

// A presumed victim who is a foreign national without lawful stay: R13 and R13B apply.
Fill PresumedWithoutStay() {
  return [](schema::Event::Builder e) {
    testing::audit::Presumed(schema::Answer::NO)(e);
    auto c = e.getBody().getPresumedVictimIdentified().getChild();
    c.setForeignNational(schema::Answer::YES);
    c.setLawfulStay(schema::Answer::NO);
  };
}

Fill Reflection(int64_t start, int64_t end) {
  return [=](schema::Event::Builder e) {
    auto b = e.initBody().initReflectionPeriodGranted();
    b.setStartAt(start);
    b.setEndAt(end);
    b.setBasis(schema::ReflectionPeriodGranted::Basis::REFLECTION_PERIOD);
  };
}

// R13: a grant within 30 days (baseline default); R13B (Danish pack): at least 30 days long,
// its 120 months only keeping it open; R12 and R12B: no removal while identification is
// pending (no formal status decision) or during the reflection period.
TEST_CASE("reflection_removal lists R13, R13B, R12 and R12B findings", "[audit]") {
  AuditCases c;
  const char* police = "dk-police-cph";
  const char* migration = "dk-migration";
  // f1: never granted a reflection period: R13 due at the end of 2 April (local), overdue.
  c.Add("dk-refl-1", kT0, police, Role::POLICE, PresumedWithoutStay());
  // f2: granted on day 5 for 10 days only: R13 met, R13B breached (shorter than 30 days).
  c.Add("dk-refl-2", kT0, police, Role::POLICE, PresumedWithoutStay());
  c.Add("dk-refl-2", kT0 + 5 * kDay, migration, Role::MIGRATION,
        Reflection(kT0 + 5 * kDay, kT0 + 15 * kDay));
  // f3: granted 38 days from day 2 (R13, R13B met), removed on day 10: identification still
  // pending (R12) and inside the reflection period (R12B).
  c.Add("dk-refl-3", kT0, police, Role::POLICE, PresumedWithoutStay());
  c.Add("dk-refl-3", kT0 + 2 * kDay, migration, Role::MIGRATION,
        Reflection(kT0 + 2 * kDay, kT0 + 40 * kDay));
  c.Add("dk-refl-3", kT0 + 10 * kDay, migration, Role::MIGRATION, [](schema::Event::Builder e) {
    auto b = e.initBody().initReturnExecuted();
    b.setReceivingState("SE");
    b.setReturnKind(schema::ReturnKind::VOLUNTARY);
  });
  // f4: a child with lawful stay: no reflection period due, nothing listed.
  c.Add("dk-refl-4", kT0, police, Role::POLICE, testing::audit::Presumed(schema::Answer::NO));

  const std::string t0 = "2025-03-03T09:00:00Z", removed = "2025-03-13T09:00:00Z";
  // R13 due: 30 days after 3 March, the last instant of 2 April in Copenhagen (CEST from 30
  // March); a period ends at the end of its last local day (docs/compliance.md).
  const Cells f1{"dk-refl-1",
                 "DK",
                 "R13",
                 "no reflection period granted within the limit",
                 "presumedVictimIdentified",
                 t0,
                 "2025-04-02T21:59:59.999999Z",
                 "overdue",
                 police,
                 "police"};
  // R13B due: 120 months after 3 March 2025, the last instant of that day in Copenhagen (CET).
  const Cells f2{"dk-refl-2",
                 "DK",
                 "R13B",
                 "reflection period shorter than the minimum, or none",
                 "presumedVictimIdentified",
                 t0,
                 "2035-03-03T22:59:59.999999Z",
                 "breached",
                 migration,
                 "migration"};
  const Cells f3a{"dk-refl-3",      "DK",       "R12", "removed while identification was pending",
                  "returnExecuted", removed,    "",    "breached",
                  migration,        "migration"};
  const Cells f3b{"dk-refl-3",      "DK",       "R12B", "removed during the reflection period",
                  "returnExecuted", removed,    "",     "breached",
                  migration,        "migration"};
  auto r = c.Run("reflection_removal");
  CHECK(CellsOf(r) == std::vector<Cells>{f1, f2, f3a, f3b});
  CHECK(r.rows[0].case_ids == Ids{"dk-refl-1"});
  // On day 20 f1's grant was not yet overdue.
  CHECK(CellsOf(c.Run("reflection_removal", {}, kT0 + 20 * kDay)) ==
        std::vector<Cells>{f2, f3a, f3b});
  // Accountable agency and trigger period.
  CHECK(CellsOf(c.Run("reflection_removal", {{"agency", police}})) == std::vector<Cells>{f1});
  CHECK(c.Run("reflection_removal", {{"from", "2025-03-04"}}).rows.size() == 2);
}

Fill Missing(bool police_told, bool guardian_told, int64_t at) {
  return [=](schema::Event::Builder e) {
    auto b = e.initBody().initChildMissingReported();
    b.setLastSeenAt(at);
    if (police_told) b.setPoliceNotifiedAt(at);
    if (guardian_told) b.setGuardianNotifiedAt(at);
  };
}

Fill Notified(schema::NotificationSent::Recipient to) {
  return [=](schema::Event::Builder e) {
    auto b = e.initBody().initNotificationSent();
    b.setRecipient(to);
    b.setSubject(schema::NotificationSent::Subject::CHILD_MISSING);
  };
}

Fill Located() {
  return [](schema::Event::Builder e) { e.initBody().initChildLocated().setLocatedInState("DK"); };
}

Fill RiskUpdated() {
  return [](schema::Event::Builder e) {
    auto b = e.initBody().initRiskAssessmentUpdated();
    b.setTrigger(schema::RiskAssessmentUpdated::Trigger::CHILD_LOCATED);
    b.setRiskLevel(schema::RiskLevel::MEDIUM);
  };
}

// R25 and R25B: police and guardian told within 24 hours of a report that did not say they
// were; R25C: risk re-assessed within 72 hours of the child being found.
TEST_CASE("missing_episodes counts episodes, late notices and late re-assessments", "[audit]") {
  AuditCases c;
  using To = schema::NotificationSent::Recipient;
  const char* unit = "dk-placement-5";
  // m1: guardian told in the report; police told after 5 h (met); found on day 2, risk
  // re-assessed on day 7 (R25C late).
  c.Add("dk-miss-1", kT0, unit, Role::PLACEMENT, Missing(false, true, kT0));
  c.Add("dk-miss-1", kT0 + 5 * kHour, unit, Role::PLACEMENT, Notified(To::POLICE));
  c.Add("dk-miss-1", kT0 + 2 * kDay, unit, Role::PLACEMENT, Located());
  c.Add("dk-miss-1", kT0 + 7 * kDay, "dk-cp-odense", Role::CHILD_PROTECTION, RiskUpdated());
  // m2: nobody told in the report; police told after 30 h (late), guardian never (overdue);
  // still missing.
  c.Add("dk-miss-2", kT0 + kDay, unit, Role::PLACEMENT, Missing(false, false, kT0 + kDay));
  c.Add("dk-miss-2", kT0 + kDay + 30 * kHour, unit, Role::PLACEMENT, Notified(To::POLICE));
  // m3: both told in the report (no clocks); found on day 3, re-assessed on day 4 (met).
  c.Add("dk-miss-3", kT0, unit, Role::PLACEMENT, Missing(true, true, kT0));
  c.Add("dk-miss-3", kT0 + 3 * kDay, unit, Role::PLACEMENT, Located());
  c.Add("dk-miss-3", kT0 + 4 * kDay, "dk-cp-odense", Role::CHILD_PROTECTION, RiskUpdated());
  // m4: never missing.
  c.Add("dk-miss-4", kT0, unit, Role::POLICE, testing::audit::Presumed(schema::Answer::NO));

  auto r = c.Run("missing_episodes");
  // Notice hours 5 and 30: the nearest-rank median is 5.
  CHECK(CellsOf(r) == std::vector<Cells>{{"DK", "3", "3", "1", "5.0", "2", "1"}});
  CHECK(r.rows[0].case_ids == Ids{"dk-miss-1", "dk-miss-2"});
  // Twelve hours after T0: m1's police notice met, nothing late, m2 not yet reported (the
  // episode counts are as the case stands now).
  r = c.Run("missing_episodes", {}, kT0 + 12 * kHour);
  CHECK(CellsOf(r) == std::vector<Cells>{{"DK", "3", "3", "1", "5.0", "0", "0"}});
  CHECK(r.rows[0].case_ids == Ids{"dk-miss-2"});
  CHECK(c.Run("missing_episodes", {{"jurisdiction", "NO"}}).rows.empty());
}

Fill Investigation(int64_t suspicion_at) {
  return [=](schema::Event::Builder e) {
    auto b = e.initBody().initInvestigationOpened();
    b.initOffenceCodes(1).set(0, "DK:straffeloven 262a");
    b.setReasonableSuspicionAt(suspicion_at);
  };
}

Fill Charged() {
  return [](schema::Event::Builder e) {
    auto b = e.initBody().initChargesFiled();
    b.initOffenceCodes(1).set(0, "DK:straffeloven 262a");
    b.setDefendantIsChild(false);
  };
}

// R26: a charge decision within 90 days of reasonable suspicion; R26B: trial within 90 days of
// the charge (baseline; Denmark overrides neither).
TEST_CASE("proceedings gives charge-decision and trial times, findings and outcomes", "[audit]") {
  AuditCases c;
  const char* police = "dk-police-cph";
  const char* prosecution = "dk-prosecution";
  // p1: suspicion on day 1, charged on day 11 (10 days), trial on day 41 (30 days), convicted.
  c.Add("dk-proc-1", kT0, police, Role::POLICE, testing::audit::CrimeReported());
  c.Add("dk-proc-1", kT0 + kDay, police, Role::POLICE, Investigation(kT0 + kDay));
  c.Add("dk-proc-1", kT0 + 11 * kDay, prosecution, Role::PROSECUTION, Charged());
  c.Add("dk-proc-1", kT0 + 41 * kDay, "dk-court-cph", Role::COURT,
        [](schema::Event::Builder e) { e.initBody().initTrialStarted().setCourtId("court-1"); });
  c.Add("dk-proc-1", kT0 + 50 * kDay, "dk-court-cph", Role::COURT, [](schema::Event::Builder e) {
    auto b = e.initBody().initVerdictDelivered();
    b.setOutcome(schema::VerdictDelivered::Outcome::CONVICTION);
    b.setInstance(schema::VerdictDelivered::Instance::FIRST_INSTANCE);
  });
  // p2: suspicion on day 2, discontinued on day 100 (98 days: late).
  c.Add("dk-proc-2", kT0 + kDay, police, Role::POLICE, testing::audit::CrimeReported());
  c.Add("dk-proc-2", kT0 + 2 * kDay, police, Role::POLICE, Investigation(kT0 + 2 * kDay));
  c.Add("dk-proc-2", kT0 + 100 * kDay, prosecution, Role::PROSECUTION,
        [](schema::Event::Builder e) {
          auto b = e.initBody().initProceedingsDiscontinued();
          b.setStage(schema::ProceedingsStage::INVESTIGATION);
          b.setReason(schema::ProceedingsDiscontinued::Reason::INSUFFICIENT_EVIDENCE);
        });
  // p3: reported on day 2, nothing since.
  c.Add("dk-proc-3", kT0 + 2 * kDay, police, Role::POLICE, testing::audit::CrimeReported());

  // Decision days 10 and 98 (nearest-rank median 10), one late; trial 30 days.
  auto r = c.Run("proceedings", {}, kT0 + 120 * kDay);
  CHECK(CellsOf(r) == std::vector<Cells>{{"DK", "3", "10.0", "1", "30.0", "0", "1", "1", "1"}});
  CHECK(r.rows[0].case_ids == Ids{"dk-proc-2"});
  // On day 60 p2's decision was still within its 90 days; the outcomes are as the cases stand.
  r = c.Run("proceedings", {}, kT0 + 60 * kDay);
  CHECK(CellsOf(r) == std::vector<Cells>{{"DK", "3", "10.0", "0", "30.0", "0", "1", "1", "1"}});
  CHECK(r.rows[0].case_ids.empty());
  CHECK(c.Run("proceedings", {{"from", "2025-03-04"}}, kT0 + 120 * kDay).rows[0].cells[1] == "2");
}

Fill Counsel() {
  return [](schema::Event::Builder e) {
    auto b = e.initBody().initLegalCounselAppointed();
    b.setCounselId("counsel-2");
    b.setFree(true);
    b.initScopes(1).set(0, schema::LegalCounselAppointed::Scope::CRIMINAL);
  };
}

Fill Claim() {
  return [](schema::Event::Builder e) {
    auto b = e.initBody().initCompensationClaimFiled();
    b.setPayer(schema::CompensationPayer::STATE_SCHEME);
    b.setAmountMinor(100000);
    b.setCurrency("DKK");
  };
}

// R20B (ordering): legal counsel appointed before interview 1.
TEST_CASE("counsel_compensation shares counsel before interview and counts compensation",
          "[audit]") {
  AuditCases c;
  const char* police = "dk-police-cph";
  const char* aid = "dk-legal-aid";
  const char* comp = "dk-comp-board";
  // k1: counsel on day 1, interviewed on day 3; claimed, awarded, paid.
  c.Add("dk-coun-1", kT0 + kDay, aid, Role::LEGAL_AID, Counsel());
  c.Add("dk-coun-1", kT0 + 3 * kDay, police, Role::POLICE, testing::audit::Interview({}));
  c.Add("dk-coun-1", kT0 + 20 * kDay, aid, Role::LEGAL_AID, Claim());
  c.Add("dk-coun-1", kT0 + 30 * kDay, comp, Role::COMPENSATION_AUTHORITY,
        [](schema::Event::Builder e) {
          auto b = e.initBody().initCompensationAwarded();
          b.setPayer(schema::CompensationPayer::STATE_SCHEME);
          b.setAmountMinor(80000);
          b.setCurrency("DKK");
        });
  c.Add("dk-coun-1", kT0 + 40 * kDay, comp, Role::COMPENSATION_AUTHORITY,
        [](schema::Event::Builder e) {
          auto b = e.initBody().initCompensationPaid();
          b.setPayer(schema::CompensationPayer::STATE_SCHEME);
          b.setAmountMinor(80000);
          b.setCurrency("DKK");
        });
  // k2: interviewed on day 3, counsel only on day 4; claimed.
  c.Add("dk-coun-2", kT0 + 3 * kDay, police, Role::POLICE, testing::audit::Interview({}));
  c.Add("dk-coun-2", kT0 + 4 * kDay, aid, Role::LEGAL_AID, Counsel());
  c.Add("dk-coun-2", kT0 + 20 * kDay, aid, Role::LEGAL_AID, Claim());
  // k3: counsel, never interviewed: not counted.
  c.Add("dk-coun-3", kT0 + kDay, aid, Role::LEGAL_AID, Counsel());

  auto r = c.Run("counsel_compensation");
  CHECK(CellsOf(r) == std::vector<Cells>{{"DK", "2", "1", "50.0", "2", "1", "1"}});
  CHECK(r.rows[0].case_ids == Ids{"dk-coun-2"});
  CHECK(c.Run("counsel_compensation", {}, kT0 + 2 * kDay).rows.empty());
  // On day 5 both were interviewed; the compensation counts are as the cases stand now
  // (docs/audit.md), so the later claims count.
  r = c.Run("counsel_compensation", {}, kT0 + 5 * kDay);
  CHECK(CellsOf(r) == std::vector<Cells>{{"DK", "2", "1", "50.0", "2", "1", "1"}});
  CHECK(c.Run("counsel_compensation", {{"from", "2025-03-07"}}).rows.empty());
}

Fill Guardian(const char* id) {
  return [=](schema::Event::Builder e) {
    auto b = e.initBody().initGuardianAppointed();
    b.setGuardianId(id);
    b.setGuardianType(schema::GuardianType::CIVIL_GUARDIAN);
    b.setGround(schema::RepresentationGround::UNACCOMPANIED);
  };
}

Fill Conflict(const char* id) {
  return [=](schema::Event::Builder e) {
    auto b = e.initBody().initGuardianConflictFlagged();
    b.setGuardianId(id);
    b.setConflict(schema::GuardianConflictFlagged::Conflict::MISCONDUCT);
  };
}

// R05: a conflicted guardian replaced within 5 working days; R06: at most 30 active wards
// per guardian when appointed.
TEST_CASE("guardians counts changes, conflicts, replacement times and caseload breaches",
          "[audit]") {
  AuditCases c;
  const char* g = "dk-guardianship";
  // h1: guardian g-1, flagged on Tuesday 4 March, replaced on Thursday 6 March (48 h, met).
  c.Add("dk-guard-01", kT0, g, Role::GUARDIANSHIP, Guardian("g-1"));
  c.Add("dk-guard-01", kT0 + kDay, g, Role::GUARDIANSHIP, Conflict("g-1"));
  c.Add("dk-guard-01", kT0 + 3 * kDay, g, Role::GUARDIANSHIP, [](schema::Event::Builder e) {
    auto b = e.initBody().initGuardianReplaced();
    b.setPreviousGuardianId("g-1");
    b.setNewGuardianId("g-2");
    b.setGuardianType(schema::GuardianType::CIVIL_GUARDIAN);
    b.setReason(schema::GuardianReplaced::Reason::CONFLICT_OF_INTEREST);
  });
  // h2: guardian g-3 flagged on 4 March and never replaced (overdue).
  c.Add("dk-guard-02", kT0, g, Role::GUARDIANSHIP, Guardian("g-3"));
  c.Add("dk-guard-02", kT0 + kDay, g, Role::GUARDIANSHIP, Conflict("g-3"));
  // g-busy takes 31 wards: the 31st appointment (case dk-guard-b31) is over the cap of 30.
  for (int k = 1; k <= 31; ++k) {
    const std::string id = "dk-guard-b" + std::string(k < 10 ? "0" : "") + std::to_string(k);
    c.Add(id, kT0 + k * kHour, g, Role::GUARDIANSHIP, Guardian("g-busy"));
  }
  // A case with no representative is not counted.
  c.Add("dk-guard-03", kT0, "dk-police-cph", Role::POLICE,
        testing::audit::Presumed(schema::Answer::NO));

  auto r = c.Run("guardians");
  CHECK(CellsOf(r) == std::vector<Cells>{{"DK", "33", "1", "2", "48.0", "1", "1"}});
  CHECK(r.rows[0].case_ids == Ids{"dk-guard-02", "dk-guard-b31"});
  // On 5 March (day 2): h1 not yet replaced but within its days, h2 too. The representative
  // counts are as the cases stand now (docs/audit.md): h1's later replacement is a change.
  r = c.Run("guardians", {}, kT0 + 2 * kDay);
  CHECK(CellsOf(r) == std::vector<Cells>{{"DK", "33", "1", "2", "", "0", "1"}});
  CHECK(r.rows[0].case_ids == Ids{"dk-guard-b31"});
}

}  // namespace
}  // namespace caseledger
