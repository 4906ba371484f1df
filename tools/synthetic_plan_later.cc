// Planning a case, second part: criminal proceedings, the non-punishment check, school, a
// missing episode, residence, the durable solution and closure, periodic reviews and
// corrections (synthetic_planner.h says how deadlines are kept or missed).
#include <algorithm>

#include "tools/synthetic_planner.h"

namespace caseledger::synthetic::detail {

using schema::AgencyRole;
using schema::Answer;
using schema::Jurisdiction;
using Body = schema::Event::Body;
using ET = schema::ExploitationType;

void Planner::Criminal() {
  if (!f_.crime_reported) return;
  crime_ = Add(Body::CRIME_REPORTED, id_ + In(2 * kHour, 3 * kDay));
  const int64_t crime = At(crime_);
  auto& cr = steps[crime_];
  if (f_.violence) cr.flags |= kViolence;
  if (f_.acute) cr.flags |= kAcute;
  const bool serious = rng_.Chance(0.6);
  const bool recent = rng_.Chance(0.5);
  if (serious) cr.flags |= kSerious;
  if (rng_.Chance(0.3)) cr.flags |= kProtectionNeed;
  if (rng_.Chance(0.15)) cr.flags |= kImmediateAccount;
  // Offence age in hours: either clearly under or clearly over two weeks at any time that
  // matters, so that the NO one-week rule reads the same at the report and at the interview.
  cr.param = static_cast<uint16_t>(f_.acute ? In(2, 60)
                                   : recent ? In(6, 72)
                                            : In(30 * 24, 200 * 24));
  int limit_days = 14;
  if (Is(Jurisdiction::DK)) limit_days = 7;
  if (Is(Jurisdiction::NO)) {
    const bool offence_recent = f_.acute || recent;
    const bool one_week =
        (serious && offence_recent) || (cr.flags & (kProtectionNeed | kImmediateAccount));
    limit_days = one_week ? 7 : 14;
  }

  const int invest =
      Add(Body::INVESTIGATION_OPENED, Office(crime + In(kHour, 3 * kDay), crime + 3 * kDay));
  const bool has_suspect = rng_.Chance(0.7);

  // The first interview.
  const Dev di = Choose({Dev::kLate, Dev::kLateRecorded});
  int64_t at;
  if (di == Dev::kLate) {
    // Past the longest reading of the limit too (NO: 3 weeks).
    at = Is(Jurisdiction::NO)   ? crime + In(23 * kDay, 35 * kDay)
         : Is(Jurisdiction::DK) ? crime + In(9 * kDay, 25 * kDay)
                                : crime + In(16 * kDay, 30 * kDay);
  } else {
    int64_t lo = crime + kDay;
    if (info_ >= 0) lo = std::max(lo, At(info_) + 6 * kHour);
    if (counsel_ >= 0 && At(counsel_) < id_ + 7 * kDay) lo = std::max(lo, At(counsel_) + 6 * kHour);
    const int64_t hi = crime + limit_days * kDay - 36 * kHour;
    at = Office(In(lo, hi), hi);
  }
  const int interviews = rng_.Chance(Is(Jurisdiction::LT) ? 0.15 : 0.3) ? 2 : 1;
  const bool exclude = f_.conflict == Answer::YES && rng_.Chance(0.5);
  const bool recorded_always =
      Is(Jurisdiction::NO) || Is(Jurisdiction::IS) || Is(Jurisdiction::SE) || Is(Jurisdiction::DK);
  for (int n = 1; n <= interviews; ++n) {
    if (n == 2) at = Office(at + In(7 * kDay, 40 * kDay), at + 42 * kDay);
    const int64_t sched_at = In(std::max(crime + kHour, at - 4 * kDay), at - 6 * kHour);
    const int sched = Add(Body::FORENSIC_INTERVIEW_SCHEDULED, sched_at);
    bool interpreter = f_.needs_interpreter;
    if (interpreter) {
      const Dev dt = n == 1 ? Choose({Dev::kMissing}) : Dev::kNone;
      if (dt == Dev::kMissing) {
        Missing(Body::INTERPRETER_ASSIGNED, 8, Body::FORENSIC_INTERVIEW_CONDUCTED);
        interpreter = false;
      } else {
        const int ia =
            Add(Body::INTERPRETER_ASSIGNED, sched_at + In(5 * kMinute, (at - sched_at) / 2));
        steps[ia].link = sched;
        steps[ia].variant =
            static_cast<uint8_t>(schema::InterpreterAssigned::Setting::FORENSIC_INTERVIEW);
      }
    }
    const int conducted = Add(Body::FORENSIC_INTERVIEW_CONDUCTED, at);
    steps[sched].link = conducted;
    for (int s : {sched, conducted}) {
      steps[s].seq = static_cast<uint8_t>(n);
      if (interpreter) steps[s].flags |= kInterpreter;
      if (exclude) steps[s].flags |= kExcluded;
      if (guardian_ >= 0 && At(guardian_) < at) steps[s].flags |= kGuardianPresent;
    }
    if (recorded_always || rng_.Chance(0.85)) steps[conducted].flags |= kRecorded;
    if (n == 2 && rng_.Chance(0.15)) steps[conducted].flags |= kInterviewerChanged;
    if (n == 2) {
      using RB = schema::ForensicInterviewConducted::RepeatBasis;
      constexpr RB kBases[] = {RB::NEW_CIRCUMSTANCES, RB::DEFENCE_REQUEST, RB::INCOMPLETE_ACCOUNT};
      steps[conducted].variant = static_cast<uint8_t>(
          Is(Jurisdiction::LT) ? RB::NEW_CIRCUMSTANCES : kBases[rng_.Below(std::size(kBases))]);
    }
    if (n == 1) {
      interview1_ = conducted;
      if (di == Dev::kLate) Late(conducted, 14, crime + limit_days * kDay);
      Apply(di, conducted, 14);
    }
  }
  if (info_dev_ == Dev::kOutOfOrder) {
    // Informed only after the first interview, which makes it late as well.
    info_ = Add(Body::INFORMATION_PROVIDED_TO_CHILD, At(interview1_) + In(6 * kHour, 2 * kDay));
    Late(info_, 7, id_ + 24 * kHour);
  }

  if (f_.violence) {
    const Dev dm = Choose({Dev::kLate, Dev::kMissing, Dev::kLateRecorded});
    if (dm == Dev::kMissing) {
      Missing(Body::MEDICAL_EXAMINATION_PERFORMED, 21);
    } else {
      int64_t due, t;
      if (f_.acute) {
        due = crime + 72 * kHour;
        t = dm == Dev::kLate ? crime + In(80 * kHour, 8 * kDay) : crime + In(kHour, 60 * kHour);
      } else {
        due = crime + 14 * kDay;
        t = dm == Dev::kLate
                ? crime + In(16 * kDay, 30 * kDay)
                : Office(crime + In(kDay, 12 * kDay + 12 * kHour), crime + 12 * kDay + 12 * kHour);
      }
      const int m = Add(Body::MEDICAL_EXAMINATION_PERFORMED, t);
      if (f_.acute) steps[m].flags |= kAcute;
      if (dm == Dev::kLate) Late(m, 21, due);
      Apply(dm, m, 21);
    }
  }

  // Proceedings.
  using PD = schema::ProceedingsDiscontinued::Reason;
  if (!has_suspect) {
    const int d = Add(Body::PROCEEDINGS_DISCONTINUED,
                      Office(At(invest) + In(30 * kDay, 120 * kDay), At(invest) + 122 * kDay));
    steps[d].variant = static_cast<uint8_t>(PD::SUSPECT_UNKNOWN);
    return;
  }
  steps[invest].flags |= kHasSuspect;
  steps[invest].param = static_cast<uint16_t>(In(0, 20 * 24));
  const int64_t suspicion = At(invest) + steps[invest].param * kHour;
  if (!rng_.Chance(0.6)) {
    constexpr PD kReasons[] = {PD::INSUFFICIENT_EVIDENCE, PD::SUSPECT_ABROAD, PD::PUBLIC_INTEREST};
    const int d = Add(Body::PROCEEDINGS_DISCONTINUED,
                      Office(suspicion + In(14 * kDay, 60 * kDay), suspicion + 61 * kDay));
    steps[d].variant = static_cast<uint8_t>(kReasons[rng_.Below(std::size(kReasons))]);
    return;
  }
  // A child charged in the case would be a charge decision too: keep R26 unambiguous then.
  const Dev dc = child_charged_ ? Dev::kNone : Choose({Dev::kLate});
  const int64_t due = Is(Jurisdiction::SE) ? AddMonths(suspicion, 3) : suspicion + 90 * kDay;
  const int64_t charged_at =
      dc == Dev::kLate ? due + In(10 * kDay, 60 * kDay)
                       : Office(suspicion + In(14 * kDay, 60 * kDay), suspicion + 61 * kDay);
  const int charges = Add(Body::CHARGES_FILED, charged_at);
  if (dc == Dev::kLate) Late(charges, 26, due);
  const int64_t trial_at =
      Is(Jurisdiction::FI) ? Office(charged_at + In(5 * kDay, 25 * kDay), charged_at + 26 * kDay)
                           : Office(charged_at + In(20 * kDay, 70 * kDay), charged_at + 72 * kDay);
  const bool testifies = rng_.Chance(0.2);
  if (testifies && f_.needs_interpreter) {
    const int ia = Add(Body::INTERPRETER_ASSIGNED, trial_at - In(kDay, 4 * kDay));
    steps[ia].variant = static_cast<uint8_t>(schema::InterpreterAssigned::Setting::COURT_HEARING);
  }
  const int trial = Add(Body::TRIAL_STARTED, trial_at);
  if (testifies) steps[trial].flags |= kTestifies | (f_.needs_interpreter ? kInterpreter : 0);
  using VO = schema::VerdictDelivered::Outcome;
  const double o = rng_.Real();
  const VO outcome = o < 0.65 ? VO::CONVICTION : o < 0.8 ? VO::PARTIAL_CONVICTION : VO::ACQUITTAL;
  const int verdict =
      Add(Body::VERDICT_DELIVERED, Office(trial_at + In(kDay, 10 * kDay), trial_at + 11 * kDay));
  steps[verdict].variant = static_cast<uint8_t>(outcome);
  if (outcome != VO::ACQUITTAL && rng_.Chance(0.5)) {
    Add(Body::COMPENSATION_CLAIM_FILED,
        Office(charged_at + In(kDay, trial_at - charged_at - kDay), trial_at));
    Add(Body::COMPENSATION_AWARDED, At(verdict) + In(10 * kMinute, 2 * kHour));
    Add(Body::COMPENSATION_PAID,
        Office(At(verdict) + In(30 * kDay, 120 * kDay), At(verdict) + 122 * kDay));
  }
}

// R24: a child suspected of an offence linked to the exploitation is assessed under the
// non-punishment principle before any charge.
void Planner::Suspect() {
  const bool criminality = Has(f_.exploitation, ET::FORCED_CRIMINALITY);
  // Old enough to be prosecuted in all eight (the age of criminal responsibility is 14 or 15).
  if (!rng_.Chance(criminality ? 0.5 : 0.03) || f_.age < 15) return;
  const int suspected = Add(Body::CHILD_SUSPECTED_OF_OFFENCE, id_ + In(kHour, 10 * kDay));
  const Dev d = Choose({Dev::kMissing});
  using NP = schema::NonPunishmentAssessed::Outcome;
  if (d == Dev::kMissing) {
    Missing(Body::NON_PUNISHMENT_ASSESSED, 24);
    const int c = Add(Body::CHARGES_FILED,
                      Office(At(suspected) + In(10 * kDay, 40 * kDay), At(suspected) + 41 * kDay));
    steps[c].flags |= kDefendantIsChild;
    child_charged_ = true;
    return;
  }
  const int np = Add(Body::NON_PUNISHMENT_ASSESSED,
                     Office(At(suspected) + In(2 * kDay, 20 * kDay), At(suspected) + 21 * kDay));
  const bool link = rng_.Chance(0.85);
  steps[np].variant =
      static_cast<uint8_t>(link ? (rng_.Chance(0.6) ? NP::NOT_PROSECUTED : NP::PROSECUTION_WAIVED)
                                : NP::PROCEED_NO_LINK);
  if (!link) {
    const int c =
        Add(Body::CHARGES_FILED, Office(At(np) + In(10 * kDay, 40 * kDay), At(np) + 41 * kDay));
    steps[c].flags |= kDefendantIsChild;
    steps[c].link = np;
    child_charged_ = true;
  }
}

// R23: school within 2 months of identification.
void Planner::School() {
  const Dev d = Choose({Dev::kLate, Dev::kMissing, Dev::kLateRecorded});
  if (d == Dev::kMissing) {
    Missing(Body::SCHOOL_ENROLLED, 23);
    return;
  }
  const int64_t due = AddMonths(id_, 2);
  const int s = Add(Body::SCHOOL_ENROLLED,
                    d == Dev::kLate ? Office(due + In(4 * kDay, 40 * kDay), due + 42 * kDay)
                                    : Office(id_ + In(10 * kDay, 50 * kDay), id_ + 52 * kDay));
  if (d == Dev::kLate) Late(s, 23, due);
  Apply(d, s, 23);
  if (d == Dev::kNone) correctable_.push_back(s);
  if (f_.needs_interpreter) {
    Add(Body::EDUCATION_ARRANGEMENT_PROVIDED,
        Office(At(s) + In(kHour, 10 * kDay), At(s) + 11 * kDay));
  }
}

// R25: a missing child is reported (police and guardian told within 24 h) and, once located,
// the risk assessment is updated within 72 h.
void Planner::MissingEpisode() {
  if (!f_.placed || !rng_.Chance(0.08)) return;
  const int64_t gone = presence_end_ + In(5 * kDay, 40 * kDay);
  const int m = Add(Body::CHILD_MISSING_REPORTED, gone);
  steps[m].param = static_cast<uint16_t>(In(2, 10));  // hours since last seen
  located_ = Add(Body::CHILD_LOCATED, gone + In(kDay, 25 * kDay));
  steps[located_].link = m;
  located_dev_ = Choose({Dev::kLate, Dev::kMissing});
  using TR = schema::RiskAssessmentUpdated::Trigger;
  const int64_t found = At(located_);
  if (located_dev_ == Dev::kMissing) {
    Missing(Body::RISK_ASSESSMENT_UPDATED, 25, Body::CHILD_LOCATED);
  } else {
    const int u = Add(
        Body::RISK_ASSESSMENT_UPDATED,
        found + (located_dev_ == Dev::kLate ? In(4 * kDay, 10 * kDay) : In(2 * kHour, 60 * kHour)));
    steps[u].variant = static_cast<uint8_t>(TR::CHILD_LOCATED);
    steps[u].link = located_;
    if (located_dev_ == Dev::kLate) Late(u, 25, found + 72 * kHour);
  }
  // Another update after a placement change would blur a late or missing R25 update.
  if (located_dev_ == Dev::kNone && rng_.Chance(0.5)) {
    const int64_t at = found + In(3 * kHour, 3 * kDay);
    const int views = AddViews(at, schema::DecisionContext::PLACEMENT, found);
    const int c = Add(Body::PLACEMENT_CHANGED, at);
    Decide(views, c);
    steps[c].link = placement_;
    steps[c].variant = static_cast<uint8_t>(schema::PlacementType::SPECIALISED_SHELTER);
    const int u = Add(Body::RISK_ASSESSMENT_UPDATED, at + In(kDay, 4 * kDay));
    steps[u].variant = static_cast<uint8_t>(TR::PLACEMENT_CHANGE);
    steps[u].link = c;
  }
}

void Planner::Residence() {
  if (f_.lawful_stay != Answer::NO) return;
  const int64_t from =
      reflection_ >= 0 ? At(reflection_) + In(5 * kDay, 25 * kDay) : id_ + In(3 * kDay, 30 * kDay);
  const int applied = Add(Body::RESIDENCE_PERMIT_APPLIED, Office(from, from + 3 * kDay));
  using PT = schema::PermitType;
  const PT type = f_.unaccompanied == Answer::YES
                      ? (rng_.Chance(0.6) ? PT::INTERNATIONAL_PROTECTION : PT::UNACCOMPANIED_MINOR)
                      : PT::TRAFFICKING_VICTIM;
  steps[applied].variant = static_cast<uint8_t>(type);
  int64_t decided = Office(At(applied) + In(20 * kDay, 120 * kDay), At(applied) + 122 * kDay);
  // An extended period runs its course.
  if (extension_ >= 0) decided = std::max(decided, At(reflection_end_) + In(kDay, 10 * kDay));
  if (f_.return_path) {
    const int refused = Add(Body::RESIDENCE_PERMIT_REFUSED, decided);
    steps[refused].variant = static_cast<uint8_t>(type);
    steps[refused].link = applied;
    return;
  }
  const int g = Add(Body::RESIDENCE_PERMIT_GRANTED, decided);
  steps[g].variant = static_cast<uint8_t>(type);
  steps[g].link = applied;
  steps[g].param = 365;
  // A permit granted within the reflection period ends it.
  if (reflection_end_ >= 0 && decided < At(reflection_end_)) {
    steps[reflection_end_].at = decided + In(kHour, 20 * kHour);
    steps[reflection_end_].variant =
        static_cast<uint8_t>(schema::ReflectionPeriodEnded::EndReason::RESIDENCE_PERMIT_GRANTED);
  }
}

// R10 views before each decision, R11 BID and risk assessment before a return, R12 no removal
// while identification or reflection is pending, R29 a durable solution before closure.
void Planner::Closure() {
  int64_t last = 0;
  for (const auto& s : steps) last = std::max(last, s.at);
  using DS = schema::DurableSolution;
  using BP = schema::BestInterestsDeterminationCompleted::Purpose;
  const Dev dv = Choose({Dev::kMissing});
  const Dev dd = Choose({Dev::kMissing});
  auto bid_with_views = [&](int64_t at, BP purpose) {
    int views = -1;
    if (dv == Dev::kMissing) {
      Missing(Body::CHILD_VIEWS_HEARD, 10, Body::BEST_INTERESTS_DETERMINATION_COMPLETED);
    } else {
      views = AddViews(at, schema::DecisionContext::BEST_INTERESTS_DETERMINATION, at - 3 * kHour);
    }
    const int bid = Add(Body::BEST_INTERESTS_DETERMINATION_COMPLETED, at);
    steps[bid].variant = static_cast<uint8_t>(purpose);
    if (views >= 0) Decide(views, bid);
    return bid;
  };
  // R29 asks for a durable solution or a transition plan at 18: when the closure will carry
  // the plan, leaving the durable solution out is no deviation and is not listed.
  auto durable = [&](int64_t at, DS solution, bool transition_plan) {
    if (dd == Dev::kMissing) {
      if (!transition_plan) Missing(Body::DURABLE_SOLUTION_DETERMINED, 29);
      return;
    }
    const int d = Add(Body::DURABLE_SOLUTION_DETERMINED, at);
    steps[d].variant = static_cast<uint8_t>(solution);
  };
  using CR = schema::CaseClosed::Reason;
  auto close = [&](int64_t at, CR reason) {
    const int views = AddViews(at, schema::DecisionContext::CASE_CLOSURE, at - 3 * kHour);
    const int c = Add(Body::CASE_CLOSED, at);
    Decide(views, c);
    const bool adult = AgeOn(child_.birth, DateOf(at)) >= 18;
    steps[c].variant =
        static_cast<uint8_t>(adult && reason != CR::RETURNED ? CR::REACHED_MAJORITY : reason);
    if (adult || f_.age >= 17) steps[c].flags |= kTransitionPlan;
    plan_.closed_at = at;
  };
  auto end_placement = [&](int64_t at, schema::PlacementEnded::EndReason reason) {
    if (placement_ < 0) return;
    const int e = Add(Body::PLACEMENT_ENDED, at);
    steps[e].variant = static_cast<uint8_t>(reason);
  };

  auto end_therapy = [&](int64_t before, schema::TherapyEnded::EndReason reason) {
    if (therapy_ < 0) return;
    const int64_t at = At(therapy_) + In(60 * kDay, 200 * kDay);
    if (at >= before) return;
    const int e = Add(Body::THERAPY_ENDED, at);
    steps[e].variant = static_cast<uint8_t>(reason);
    steps[e].link = therapy_;
  };

  if (f_.return_path) {
    Add(Body::TRANSNATIONAL_REFERRAL_SENT, Office(id_ + In(5 * kDay, 30 * kDay), id_ + 31 * kDay));
    const int64_t risk_at = Office(last + In(5 * kDay, 20 * kDay), last + 21 * kDay);
    Add(Body::RETURN_RISK_ASSESSMENT_COMPLETED, risk_at);
    const int bid = bid_with_views(Office(risk_at + In(3 * kDay, 15 * kDay), risk_at + 16 * kDay),
                                   BP::RETURN_TO_STATE);
    const int64_t decided_at = Office(At(bid) + In(2 * kDay, 10 * kDay), At(bid) + 11 * kDay);
    const int rv = AddViews(decided_at, schema::DecisionContext::RETURN_DECISION, At(bid));
    const int decided = Add(Body::RETURN_DECIDED, decided_at);
    Decide(rv, decided);
    const int u = Add(Body::RISK_ASSESSMENT_UPDATED, decided_at + In(kDay, 5 * kDay));
    steps[u].variant = static_cast<uint8_t>(schema::RiskAssessmentUpdated::Trigger::RETURN_DECIDED);
    steps[u].link = decided;
    durable(decided_at + In(kHour, 3 * kDay), DS::RETURN_AND_REINTEGRATION, f_.age >= 17);
    int64_t earliest = decided_at + 7 * kDay;
    earliest = std::max(earliest, At(formal_) + kDay);
    if (reflection_end_ >= 0) earliest = std::max(earliest, At(reflection_end_) + kDay);
    for (const auto& s : steps) earliest = std::max(earliest, s.at + kHour);
    const int64_t gone = earliest + In(0, 20 * kDay);
    const int64_t closing = gone + In(kDay, 10 * kDay);
    // Heard on the closure before leaving; the case is closed after the return.
    AddViews(gone - In(kDay, 3 * kDay), schema::DecisionContext::CASE_CLOSURE, decided_at);
    end_therapy(gone - kDay, schema::TherapyEnded::EndReason::MOVED_OR_TRANSFERRED);
    const int executed = Add(Body::RETURN_EXECUTED, gone);
    steps[executed].link = decided;
    end_placement(gone, schema::PlacementEnded::EndReason::LEFT_JURISDICTION);
    const int c = Add(Body::CASE_CLOSED, closing);
    steps[c].variant = static_cast<uint8_t>(CR::RETURNED);
    if (f_.age >= 17) steps[c].flags |= kTransitionPlan;
    plan_.closed_at = closing;
    return;
  }

  const int64_t target = id_ + In(120 * kDay, 420 * kDay);
  const int64_t closing = std::max(target, last + In(30 * kDay, 60 * kDay));
  const int64_t bid_at =
      Office(std::max(last + kDay, closing - In(15 * kDay, 28 * kDay)), closing - 14 * kDay);
  bid_with_views(bid_at, BP::DURABLE_SOLUTION);
  const bool plan_at_closing = AgeOn(child_.birth, DateOf(closing)) >= 18 || f_.age >= 17;
  durable(bid_at + In(kHour, 5 * kDay),
          rng_.Chance(0.95) ? DS::LOCAL_INTEGRATION : DS::RESETTLEMENT, plan_at_closing);
  end_placement(closing - In(kHour, 5 * kDay),
                schema::PlacementEnded::EndReason::DURABLE_SOLUTION_IMPLEMENTED);
  end_therapy(closing - kDay, schema::TherapyEnded::EndReason::COMPLETED);
  close(closing, CR::DURABLE_SOLUTION_IMPLEMENTED);
}

// R09 and R27: a risk-assessment review and a case-conference review at most about 80 days
// apart until closure.
void Planner::Reviews() {
  const int64_t end = plan_.closed_at - kDay;
  const int64_t found = located_ >= 0 ? At(located_) : 0;
  int64_t t = At(ia_);
  for (uint8_t n = 1;; ++n) {
    t = t + In(60 * kDay, 78 * kDay);
    // A scheduled review just after a late or missing post-location update would satisfy it.
    if (located_dev_ != Dev::kNone && t >= found - kDay && t <= found + 12 * kDay)
      t = found - In(2 * kDay, 5 * kDay);
    if (t >= end) break;
    const int u = Add(Body::RISK_ASSESSMENT_UPDATED, t);
    steps[u].variant =
        static_cast<uint8_t>(schema::RiskAssessmentUpdated::Trigger::SCHEDULED_REVIEW);
    steps[u].seq = n;
  }
  t = At(conference_);
  for (uint8_t n = 1;; ++n) {
    t = Office(t + In(60 * kDay, 78 * kDay), t + 80 * kDay);
    if (t >= end) break;
    const int c = Add(Body::CASE_CONFERENCE_HELD, t);
    steps[c].variant = static_cast<uint8_t>(schema::CaseConferenceHeld::Kind::REVIEW);
    steps[c].seq = n;
  }
}

// Now and then an agency corrects an entry: the same event type with `supersedes` set.
void Planner::Corrections() {
  if (correctable_.empty() || !rng_.Chance(0.05)) return;
  const int target = correctable_[rng_.Below(correctable_.size())];
  const int c = Add(steps[target].type, steps[target].at);
  PlanStep& correction = steps[c];
  correction.seq = steps[target].seq;
  correction.variant = steps[target].variant;
  correction.flags = steps[target].flags | kCorrection;
  correction.param = steps[target].param;
  correction.link = target;
}

// ---------------------------------------------------------------------------------------------
// From plan to stream order and manifest.

}  // namespace caseledger::synthetic::detail
