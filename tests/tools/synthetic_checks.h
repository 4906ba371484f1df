// Test support for tests/tools/synthetic_test.cc: the compliance rules that the synthetic
// generator models, recomputed from a case's events without the generator's planner, so that
// its manifest can be checked against what is really in the ledger. Calendar months and working
// days come from <chrono>, not from the generator's own arithmetic.
#ifndef CASELEDGER_TESTS_TOOLS_SYNTHETIC_CHECKS_H_
#define CASELEDGER_TESTS_TOOLS_SYNTHETIC_CHECKS_H_

#include <capnp/schema.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "ledger/event_json.h"
#include "ledger/stored_event.h"

namespace caseledger::synthetic::checks {

using Body = schema::Event::Body;

inline constexpr int64_t kHourUs = 3600LL * 1000000;
inline constexpr int64_t kDayUs = 24 * kHourUs;

inline int64_t AddMonths(int64_t micros, int months) {
  using namespace std::chrono;
  const sys_days day{floor<days>(sys_time<microseconds>(microseconds(micros)))};
  const auto tod = micros - duration_cast<microseconds>(day.time_since_epoch()).count();
  year_month_day ymd{day};
  ymd += std::chrono::months(months);
  if (!ymd.ok()) ymd = ymd.year() / ymd.month() / last;
  return duration_cast<microseconds>(sys_days(ymd).time_since_epoch()).count() + tod;
}

inline int64_t AddWorkingDays(int64_t micros, int n) {
  using namespace std::chrono;
  while (n > 0) {
    micros += kDayUs;
    const weekday wd{floor<days>(sys_time<microseconds>(microseconds(micros)))};
    if (wd != Saturday && wd != Sunday) --n;
  }
  return micros;
}

// "step kind rule", e.g. "forensicInterviewConducted late R14".
using Finding = std::string;

inline Finding MakeFinding(const std::string& step, const std::string& kind,
                           const std::string& rule) {
  return step + " " + kind + " " + rule;
}

struct CaseCheck {
  std::vector<const StoredEvent*> events;
  std::multiset<Finding> findings;
  std::map<Finding, int64_t> due;  // late findings: when the step was due

  const StoredEvent* First(Body::Which type,
                           std::function<bool(schema::Event::Reader)> pred = {}) const {
    for (auto* e : events) {
      auto r = e->reader();
      if (r.getBody().which() == type && !r.hasSupersedes() && (!pred || pred(r))) return e;
    }
    return nullptr;
  }
  static int64_t At(const StoredEvent* e) { return e->reader().getOccurredAt(); }
  void Missing(Body::Which step, const char* rule) {
    findings.insert(MakeFinding(Name(step), "missing", rule));
  }
  // Late when `e` occurred after `due`.
  void Deadline(const StoredEvent* e, int64_t due, const char* rule) {
    if (e && At(e) > due) {
      const Finding f = MakeFinding(EventTypeName(e->reader()), "late", rule);
      findings.insert(f);
      this->due[f] = due;
    }
  }
  void Before(const StoredEvent* first, const StoredEvent* second, const char* rule) {
    if (first && second && At(second) > At(first)) {
      findings.insert(MakeFinding(EventTypeName(first->reader()), "outOfOrder", rule));
    }
  }
  static std::string Name(Body::Which step) {
    for (auto f : capnp::Schema::from<Body>().getUnionFields()) {
      if (f.getProto().getDiscriminantValue() == step) return f.getProto().getName();
    }
    return "unknown";
  }
};

// The findings of the rules the generator models, from the events of one case.
inline CaseCheck Evaluate(const std::vector<const StoredEvent*>& events) {
  CaseCheck c;
  c.events = events;
  const auto* pvi = c.First(Body::PRESUMED_VICTIM_IDENTIFIED);
  REQUIRE(pvi);
  const int64_t id = CaseCheck::At(pvi);
  const auto facts = pvi->reader().getBody().getPresumedVictimIdentified().getChild();
  const auto j = pvi->reader().getJurisdiction();
  using J = schema::Jurisdiction;
  using A = schema::Answer;

  // R03
  const auto* referral = c.First(Body::REFERRED_TO_NRM);
  if (!referral) c.Missing(Body::REFERRED_TO_NRM, "R03");
  c.Deadline(referral, id + 24 * kHourUs, "R03");
  const auto* report = c.First(Body::CHILD_PROTECTION_REPORT_RECEIVED);
  REQUIRE(report);
  c.Deadline(report, id + 24 * kHourUs, "R03");
  // R07, R20 against the first interview.
  const auto* info = c.First(Body::INFORMATION_PROVIDED_TO_CHILD);
  REQUIRE(info);
  c.Deadline(info, id + 24 * kHourUs, "R07");
  const auto* interview = c.First(Body::FORENSIC_INTERVIEW_CONDUCTED, [](auto r) {
    return r.getBody().getForensicInterviewConducted().getSequenceNumber() == 1;
  });
  c.Before(interview, info, "R07");
  const auto* counsel = c.First(Body::LEGAL_COUNSEL_APPOINTED);
  if (!counsel) c.Missing(Body::LEGAL_COUNSEL_APPOINTED, "R20");
  c.Deadline(counsel, id + 7 * kDayUs, "R20");
  c.Before(interview, counsel, "R20");
  // R04
  if (facts.getUnaccompanied() == A::YES || facts.getParentalConflictOfInterest() == A::YES) {
    const auto* prov = c.First(Body::PROVISIONAL_REPRESENTATIVE_DESIGNATED);
    if (!prov) c.Missing(Body::PROVISIONAL_REPRESENTATIVE_DESIGNATED, "R04");
    c.Deadline(prov, id + 24 * kHourUs, "R04");
    if (!c.First(Body::GUARDIAN_APPOINTED)) c.Missing(Body::GUARDIAN_APPOINTED, "R04");
  }
  // R13
  if (facts.getLawfulStay() == A::NO) {
    const auto* grant = c.First(Body::REFLECTION_PERIOD_GRANTED);
    if (!grant) c.Missing(Body::REFLECTION_PERIOD_GRANTED, "R13");
    if (grant) {
      auto g = grant->reader().getBody().getReflectionPeriodGranted();
      CHECK(g.getEndAt() - g.getStartAt() >= 30 * kDayUs);
    }
  }
  // R02, R22: the first assistance within 24 h; crisis support within 7 days.
  const auto* placement = c.First(Body::PLACEMENT_STARTED);
  const auto* crisis = c.First(Body::CRISIS_SUPPORT_PROVIDED);
  if (placement) {
    if (!crisis) c.Missing(Body::CRISIS_SUPPORT_PROVIDED, "R22");
    const bool crisis_first = crisis && CaseCheck::At(crisis) < CaseCheck::At(placement);
    if (!(crisis_first && CaseCheck::At(crisis) <= id + 24 * kHourUs))
      c.Deadline(placement, id + 24 * kHourUs, "R02");
    c.Deadline(crisis, id + 7 * kDayUs, "R22");
  } else {
    REQUIRE(crisis);
    c.Deadline(crisis, id + 24 * kHourUs, "R02");
  }
  // R09, R27
  c.Deadline(c.First(Body::INDIVIDUAL_ASSESSMENT_COMPLETED), id + 7 * kDayUs, "R09");
  c.Deadline(c.First(Body::CASE_CONFERENCE_HELD,
                     [](auto r) {
                       return r.getBody().getCaseConferenceHeld().getKind() ==
                              schema::CaseConferenceHeld::Kind::INITIAL;
                     }),
             id + 7 * kDayUs, "R27");
  // R14, R21, R26
  if (const auto* crime = c.First(Body::CRIME_REPORTED)) {
    const auto cr = crime->reader().getBody().getCrimeReported();
    const int64_t at = CaseCheck::At(crime);
    int limit = j == J::DK ? 7 : 14;
    if (j == J::NO) {
      const bool recent = at - cr.getOffenceOccurredAt() < 14 * kDayUs;
      limit = (cr.getSeriousOffence() && recent) || cr.getProtectionNeed() ||
                      cr.getImmediateAccountNeeded()
                  ? 7
                  : 14;
    }
    REQUIRE(interview);
    c.Deadline(interview, at + limit * kDayUs, "R14");
    if (cr.getViolence()) {
      const auto* exam = c.First(Body::MEDICAL_EXAMINATION_PERFORMED);
      if (!exam) c.Missing(Body::MEDICAL_EXAMINATION_PERFORMED, "R21");
      c.Deadline(exam, at + (cr.getAcute() ? 72 * kHourUs : 14 * kDayUs), "R21");
    }
    const auto inv =
        c.First(Body::INVESTIGATION_OPENED)->reader().getBody().getInvestigationOpened();
    if (inv.getReasonableSuspicionAt() != 0) {
      const int64_t s = inv.getReasonableSuspicionAt();
      c.Deadline(
          c.First(Body::CHARGES_FILED,
                  [](auto r) { return !r.getBody().getChargesFiled().getDefendantIsChild(); }),
          j == J::SE ? AddMonths(s, 3) : s + 90 * kDayUs, "R26");
    }
  }
  // R23
  const auto* school = c.First(Body::SCHOOL_ENROLLED);
  if (!school) c.Missing(Body::SCHOOL_ENROLLED, "R23");
  c.Deadline(school, AddMonths(id, 2), "R23");
  // R28
  const int64_t rep = CaseCheck::At(report);
  c.Deadline(c.First(Body::CP_ASSESSMENT_DECIDED),
             j == J::DK   ? rep + 24 * kHourUs
             : j == J::FI ? AddWorkingDays(rep, 7)
                          : rep + 7 * kDayUs,
             "R28");
  c.Deadline(c.First(Body::CP_INVESTIGATION_COMPLETED), AddMonths(rep, j == J::DK ? 4 : 3), "R28");
  // R24
  if (c.First(Body::CHARGES_FILED,
              [](auto r) { return r.getBody().getChargesFiled().getDefendantIsChild(); }) &&
      !c.First(Body::NON_PUNISHMENT_ASSESSED)) {
    c.Missing(Body::NON_PUNISHMENT_ASSESSED, "R24");
  }
  // R25
  if (const auto* located = c.First(Body::CHILD_LOCATED)) {
    const auto* update = c.First(Body::RISK_ASSESSMENT_UPDATED, [](auto r) {
      return r.getBody().getRiskAssessmentUpdated().getTrigger() ==
             schema::RiskAssessmentUpdated::Trigger::CHILD_LOCATED;
    });
    if (!update) c.Missing(Body::RISK_ASSESSMENT_UPDATED, "R25");
    c.Deadline(update, CaseCheck::At(located) + 72 * kHourUs, "R25");
  }
  // R29, R10 (BID), R08 (interview 1), R01
  // R29 accepts a transition plan at 18 on the closure instead of a durable solution.
  if (!c.First(Body::DURABLE_SOLUTION_DETERMINED) && !c.First(Body::CASE_CLOSED, [](auto r) {
        return r.getBody().getCaseClosed().getTransitionPlanAt18();
      })) {
    c.Missing(Body::DURABLE_SOLUTION_DETERMINED, "R29");
  }
  if (!c.First(Body::CHILD_VIEWS_HEARD, [](auto r) {
        return r.getBody().getChildViewsHeard().getDecisionContext() ==
               schema::DecisionContext::BEST_INTERESTS_DETERMINATION;
      })) {
    c.Missing(Body::CHILD_VIEWS_HEARD, "R10");
  }
  if (facts.getNeedsInterpreter() && interview &&
      !interview->reader().getBody().getForensicInterviewConducted().hasInterpreterId()) {
    c.Missing(Body::INTERPRETER_ASSIGNED, "R08");
  }
  if (c.First(Body::AGE_DISPUTED) && !c.First(Body::AGE_PRESUMPTION_APPLIED)) {
    c.Missing(Body::AGE_PRESUMPTION_APPLIED, "R01");
  }
  return c;
}

// Obligations the generator keeps in every case, whatever the late share.
inline void CheckKeptObligations(const std::vector<const StoredEvent*>& events) {
  using DC = schema::DecisionContext;
  using J = schema::Jurisdiction;
  std::vector<schema::Event::Reader> all;
  for (auto* e : events) {
    if (!e->reader().hasSupersedes()) all.push_back(e->reader());
  }
  auto of = [&](Body::Which type) {
    std::vector<schema::Event::Reader> out;
    for (auto r : all) {
      if (r.getBody().which() == type) out.push_back(r);
    }
    std::sort(out.begin(), out.end(),
              [](auto a, auto b) { return a.getOccurredAt() < b.getOccurredAt(); });
    return out;
  };
  const auto closed = of(Body::CASE_CLOSED);
  REQUIRE(closed.size() == 1);
  const int64_t closed_at = closed[0].getOccurredAt();
  // R09, R27: assessments and conferences at most 3 months apart until closure.
  auto gaps = [&](std::vector<schema::Event::Reader> chain, const char* rule) {
    INFO(rule);
    REQUIRE_FALSE(chain.empty());
    for (size_t i = 1; i < chain.size(); ++i) {
      CHECK(chain[i].getOccurredAt() - chain[i - 1].getOccurredAt() <= 89 * kDayUs);
    }
    CHECK(closed_at - chain.back().getOccurredAt() <= 89 * kDayUs);
  };
  auto assessments = of(Body::INDIVIDUAL_ASSESSMENT_COMPLETED);
  for (auto r : of(Body::RISK_ASSESSMENT_UPDATED)) assessments.push_back(r);
  std::sort(assessments.begin(), assessments.end(),
            [](auto a, auto b) { return a.getOccurredAt() < b.getOccurredAt(); });
  gaps(assessments, "R09");
  gaps(of(Body::CASE_CONFERENCE_HELD), "R27");
  // R10: the child heard before placement, return and closure decisions.
  auto heard_before = [&](schema::Event::Reader decision, DC context) {
    for (auto v : of(Body::CHILD_VIEWS_HEARD)) {
      if (v.getBody().getChildViewsHeard().getDecisionContext() == context &&
          v.getOccurredAt() <= decision.getOccurredAt()) {
        return true;
      }
    }
    return false;
  };
  for (auto d : of(Body::PLACEMENT_STARTED)) CHECK(heard_before(d, DC::PLACEMENT));
  for (auto d : of(Body::PLACEMENT_CHANGED)) CHECK(heard_before(d, DC::PLACEMENT));
  for (auto d : of(Body::RETURN_DECIDED)) CHECK(heard_before(d, DC::RETURN_DECISION));
  CHECK(heard_before(closed[0], DC::CASE_CLOSURE));
  // R11, R12: a return after the BID and the risk assessment, a removal after the formal decision
  // and the end of any reflection period.
  for (auto d : of(Body::RETURN_DECIDED)) {
    CHECK(of(Body::BEST_INTERESTS_DETERMINATION_COMPLETED).front().getOccurredAt() <
          d.getOccurredAt());
    CHECK(of(Body::RETURN_RISK_ASSESSMENT_COMPLETED).front().getOccurredAt() < d.getOccurredAt());
  }
  for (auto x : of(Body::RETURN_EXECUTED)) {
    CHECK(of(Body::FORMAL_VICTIM_STATUS_DECIDED).front().getOccurredAt() < x.getOccurredAt());
    for (auto e : of(Body::REFLECTION_PERIOD_ENDED)) CHECK(e.getOccurredAt() < x.getOccurredAt());
    if (!of(Body::REFLECTION_PERIOD_GRANTED).empty())
      CHECK_FALSE(of(Body::REFLECTION_PERIOD_ENDED).empty());
  }
  // R15-R19: few interviews, one interviewer or a reason, trained, adapted, recorded where the
  // practice requires it, the child accompanied or the exclusion decided.
  const auto interviews = of(Body::FORENSIC_INTERVIEW_CONDUCTED);
  CHECK(interviews.size() <= 2);
  const J j = all.front().getJurisdiction();
  for (auto r : interviews) {
    auto i = r.getBody().getForensicInterviewConducted();
    CHECK(i.getInterviewerCertified());
    CHECK((i.getPremises() == schema::Premises::BARNAHUS ||
           i.getPremises() == schema::Premises::CHILD_ADAPTED_ROOM));
    if (j == J::NO || j == J::IS || j == J::SE || j == J::DK) CHECK(i.getRecorded());
    if (i.getRecorded()) CHECK(i.getRecordingHash().size() == 32);
    CHECK((i.getGuardianPresent() || i.getSupportPersonPresent() || i.hasExclusionDecisionRef()));
    if (i.getSequenceNumber() >= 2) {
      CHECK(i.hasRepeatReason());
      if (j == J::LT) {
        CHECK(i.getRepeatBasis() ==
              schema::ForensicInterviewConducted::RepeatBasis::NEW_CIRCUMSTANCES);
      }
      const auto first = interviews.front().getBody().getForensicInterviewConducted();
      CHECK((i.getInterviewerId() == first.getInterviewerId() || i.hasInterviewerChangeReason()));
    }
  }
  // R05, R06: a conflicted guardian replaced within 5 working days; caseloads under the cap.
  for (auto f : of(Body::GUARDIAN_CONFLICT_FLAGGED)) {
    const auto replaced = of(Body::GUARDIAN_REPLACED);
    REQUIRE(replaced.size() == 1);
    CHECK(replaced[0].getOccurredAt() <= AddWorkingDays(f.getOccurredAt(), 5));
  }
  for (auto r : of(Body::GUARDIAN_APPOINTED))
    CHECK(r.getBody().getGuardianAppointed().getCaseload() <= 30);
  for (auto r : of(Body::PROVISIONAL_REPRESENTATIVE_DESIGNATED)) {
    CHECK(r.getBody().getProvisionalRepresentativeDesignated().getCaseload() <= 30);
  }
  // R25: police and guardian told within 24 h of the disappearance.
  for (auto r : of(Body::CHILD_MISSING_REPORTED)) {
    auto m = r.getBody().getChildMissingReported();
    CHECK(m.getPoliceNotifiedAt() - m.getLastSeenAt() <= 24 * kHourUs);
    CHECK(m.getGuardianNotifiedAt() - m.getLastSeenAt() <= 24 * kHourUs);
  }
  // R01, R02: no adult-track measure, no assistance ended for non-cooperation.
  for (auto r : of(Body::PLACEMENT_STARTED)) {
    const auto t = r.getBody().getPlacementStarted().getPlacementType();
    CHECK(t != schema::PlacementType::ADULT_ACCOMMODATION);
    CHECK(t != schema::PlacementType::IMMIGRATION_DETENTION);
  }
  for (auto r : of(Body::CHARGES_FILED))
    CHECK_FALSE(r.getBody().getChargesFiled().getTreatedAsAdult());
  for (auto r : of(Body::PLACEMENT_ENDED)) {
    CHECK(r.getBody().getPlacementEnded().getEndReason() !=
          schema::PlacementEnded::EndReason::NON_COOPERATION);
  }
}

}  // namespace caseledger::synthetic::checks

#endif  // CASELEDGER_TESTS_TOOLS_SYNTHETIC_CHECKS_H_
