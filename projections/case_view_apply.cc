// The facts each event type contributes to the case view. Called only for events in force
// (case_view.cc decides which are), in stream order, so each function touches a few fields and
// never looks back. "First" times are the earliest occurred-at seen, "last" the latest, so an
// event recorded late still lands where it happened.
#include "projections/case_view_state.h"

namespace caseledger::detail {

namespace {

using Which = s::Event::Body::Which;

void First(int64_t& field, int64_t at) {
  if (field == 0 || (at != 0 && at < field)) field = at;
}

void Last(int64_t& field, int64_t at) {
  if (at > field) field = at;
}

template <typename List>
uint32_t Bits(List list) {
  uint32_t bits = 0;
  for (auto v : list) {
    auto n = static_cast<uint16_t>(v);
    if (n < 32) bits |= 1u << n;
  }
  return bits;
}

// --- Representation (R04): a gap runs while a representative is needed and there is none. ---

void OpenGapIfNeeded(RepresentationState& r, int64_t at) {
  if (!r.needed || r.has_current) return;
  if (!r.gaps.empty() && r.gaps.back().open) return;
  r.gaps.push_back(GapState{at, 0, true});
}

void CloseGap(RepresentationState& r, int64_t at) {
  if (!r.gaps.empty() && r.gaps.back().open) {
    r.gaps.back().end_at = at;
    r.gaps.back().open = false;
  }
}

void EndNeed(RepresentationState& r, int64_t at) {
  r.needed = false;
  CloseGap(r, at);
}

void Appoint(RepresentationState& r, RepresentativeState rep) {
  if (r.has_current) r.history.back().until_at = rep.since_at;
  CloseGap(r, rep.since_at);
  r.history.push_back(std::move(rep));
  r.has_current = true;
}

// ChildFacts come with observation, presumption and formal decision. Only the last two are
// identification: from them an unaccompanied child, or one whose parents cannot represent it,
// needs a representative (R04).
void ApplyChildFacts(s::ChildFacts::Reader child, int64_t at, bool identifies, Facts& f) {
  auto& id = f.identification;
  id.unaccompanied = child.getUnaccompanied();
  id.parental_conflict = child.getParentalConflictOfInterest();
  id.foreign_national = child.getForeignNational();
  id.lawful_stay = child.getLawfulStay();
  f.age.age_years = child.getAgeYears();
  f.age.age_basis = child.getAgeBasis();
  auto& r = f.representation;
  const bool needs = id.unaccompanied == s::Answer::YES || id.parental_conflict == s::Answer::YES;
  if (identifies && needs && !r.needed && !(f.age.settled && f.age.result ==
                                              s::AgeAssessmentCompleted::Result::ADULT)) {
    r.needed = true;
    r.needed_since_at = at;
    OpenGapIfNeeded(r, at);
  }
}

void ApplyAgeAssessment(s::AgeAssessmentCompleted::Reader b, int64_t at, Facts& f) {
  auto& a = f.age;
  ++a.assessments;
  a.assessed_at = at;
  a.result = b.getResult();
  a.assessed_age_years = b.getAssessedAgeYears();
  a.min_age_years = b.getMinAgeYears();
  a.max_age_years = b.getMaxAgeYears();
  AssignList(a.methods, b.getMethods());
  a.on_appeal = b.getOnAppeal();
  using R = s::AgeAssessmentCompleted::Result;
  a.settled = a.result == R::MINOR || a.result == R::ADULT;
  // Found an adult: no child measures, so no representative is owed from here on.
  if (a.result == R::ADULT) EndNeed(f.representation, at);
}

void ApplyPlacement(const PlacementState& p, Facts& f) {
  auto& pl = f.placement;
  if (pl.placed) pl.history.back().until_at = p.since_at;
  pl.history.push_back(p);
  pl.placed = true;
}

template <typename Body>
PlacementState PlacementFrom(Body b, int64_t at, uint64_t position) {
  PlacementState p;
  p.type = b.getPlacementType();
  p.provider_id = b.getPlacementProviderId();
  p.secure = b.getSecure();
  p.care_order = b.getCareOrder();
  p.emergency = b.getEmergency();
  p.since_at = at;
  p.position = position;
  return p;
}

void ApplyInterview(s::ForensicInterviewConducted::Reader b, int64_t at, uint64_t position,
                    Facts& f) {
  auto& iv = f.interviews;
  InterviewState one;
  one.position = position;
  one.occurred_at = at;
  one.sequence_number = b.getSequenceNumber();
  one.interviewer_id = b.getInterviewerId();
  one.premises = b.getPremises();
  one.recorded = b.getRecorded();
  one.guardian_present = b.getGuardianPresent();
  one.support_person_present = b.getSupportPersonPresent();
  one.counsel_present = b.getCounselPresent();
  one.interpreter_present = b.hasInterpreterId() && b.getInterpreterId().size() > 0;
  one.supplementary = b.getSupplementary();
  if (one.recorded) ++iv.recorded;
  bool known = false;
  for (const auto& i : iv.interviewers) known = known || i == one.interviewer_id;
  if (!known) iv.interviewers.push_back(one.interviewer_id);
  First(iv.first_at, at);
  Last(iv.last_at, at);
  iv.held.push_back(std::move(one));
}

// Identification, age and representation: the events whose effects reach across sections.
bool ApplyIdentity(s::Event::Reader e, uint64_t position, Facts& f) {
  const int64_t at = e.getOccurredAt();
  auto body = e.getBody();
  auto& id = f.identification;
  auto& r = f.representation;
  switch (body.which()) {
    case Which::TRAFFICKING_INDICATORS_OBSERVED: {
      auto b = body.getTraffickingIndicatorsObserved();
      ++id.indicators_observed;
      First(id.first_indicators_at, at);
      id.indicator_bits |= Bits(b.getIndicators());
      id.exploitation_bits |= Bits(b.getSuspectedExploitation());
      ApplyChildFacts(b.getChild(), at, false, f);
      return true;
    }
    case Which::PRESUMED_VICTIM_IDENTIFIED: {
      auto b = body.getPresumedVictimIdentified();
      id.presumed_victim = true;
      First(id.presumed_at, at);
      id.indicator_bits |= Bits(b.getIndicators());
      id.exploitation_bits |= Bits(b.getExploitationTypes());
      ApplyChildFacts(b.getChild(), at, true, f);
      return true;
    }
    case Which::FORMAL_VICTIM_STATUS_DECIDED: {
      auto b = body.getFormalVictimStatusDecided();
      id.formal_decision = b.getDecision();
      id.formal_decision_at = at;
      id.formal_decision_appealed = b.getAppealLodged();
      id.exploitation_bits |= Bits(b.getExploitationTypes());
      ApplyChildFacts(b.getChild(), at, true, f);
      return true;
    }
    case Which::REFERRED_TO_NRM:
      First(id.nrm_referred_at, at);
      return true;
    case Which::REFERRAL_ACCEPTED:
      First(id.nrm_accepted_at, at);
      return true;
    case Which::AGE_DISPUTED:
      f.age.disputed = true;
      f.age.disputed_at = at;
      f.age.claimed_age_years = body.getAgeDisputed().getClaimedAgeYears();
      f.age.settled = false;
      return true;
    case Which::AGE_PRESUMPTION_APPLIED:
      f.age.presumption_applied = true;
      f.age.presumption_applied_at = at;
      f.age.presumed_age_years = body.getAgePresumptionApplied().getPresumedAgeYears();
      return true;
    case Which::AGE_ASSESSMENT_COMPLETED:
      ApplyAgeAssessment(body.getAgeAssessmentCompleted(), at, f);
      return true;
    case Which::PROVISIONAL_REPRESENTATIVE_DESIGNATED: {
      auto b = body.getProvisionalRepresentativeDesignated();
      Appoint(r, RepresentativeState{b.getRepresentativeId(), b.getRepresentativeType(),
                                     b.getGround(), true, at, 0, position, false});
      return true;
    }
    case Which::GUARDIAN_APPOINTED: {
      auto b = body.getGuardianAppointed();
      Appoint(r, RepresentativeState{b.getGuardianId(), b.getGuardianType(), b.getGround(),
                                     false, at, 0, position, false});
      return true;
    }
    case Which::GUARDIAN_REPLACED: {
      auto b = body.getGuardianReplaced();
      auto ground = r.has_current ? r.history.back().ground : s::RepresentationGround{};
      Appoint(r, RepresentativeState{b.getNewGuardianId(), b.getGuardianType(), ground, false,
                                     at, 0, position, false});
      return true;
    }
    case Which::GUARDIAN_CONFLICT_FLAGGED:
      if (r.has_current && r.history.back().id == body.getGuardianConflictFlagged().getGuardianId()) {
        r.history.back().conflict_flagged = true;
      }
      return true;
    default:
      return false;
  }
}

// Reflection, placement, assessments, support, interviews and counsel.
bool ApplyCare(s::Event::Reader e, uint64_t position, Facts& f) {
  const int64_t at = e.getOccurredAt();
  auto body = e.getBody();
  auto& rf = f.reflection;
  auto& as = f.assessments;
  auto& sp = f.support;
  switch (body.which()) {
    case Which::REFLECTION_PERIOD_GRANTED: {
      auto b = body.getReflectionPeriodGranted();
      rf = ReflectionState{};
      rf.granted = true;
      rf.granted_at = at;
      rf.basis = b.getBasis();
      rf.start_at = b.getStartAt();
      rf.end_at = b.getEndAt();
      return true;
    }
    case Which::REFLECTION_PERIOD_EXTENDED:
      ++rf.extensions;
      rf.end_at = body.getReflectionPeriodExtended().getNewEndAt();
      return true;
    case Which::REFLECTION_PERIOD_ENDED:
      rf.ended = true;
      rf.ended_at = at;
      rf.end_reason = body.getReflectionPeriodEnded().getEndReason();
      return true;
    case Which::PLACEMENT_STARTED:
      ApplyPlacement(PlacementFrom(body.getPlacementStarted(), at, position), f);
      return true;
    case Which::PLACEMENT_CHANGED:
      if (f.placement.placed) {
        f.placement.history.back().change_reason = body.getPlacementChanged().getChangeReason();
      }
      ApplyPlacement(PlacementFrom(body.getPlacementChanged(), at, position), f);
      return true;
    case Which::PLACEMENT_ENDED:
      if (f.placement.placed) {
        f.placement.history.back().until_at = at;
        f.placement.history.back().end_reason = body.getPlacementEnded().getEndReason();
        f.placement.placed = false;
      }
      return true;
    case Which::INDIVIDUAL_ASSESSMENT_COMPLETED: {
      auto b = body.getIndividualAssessmentCompleted();
      ++as.individual;
      Last(as.last_individual_at, at);
      as.risk_level = b.getRiskLevel();
      if (b.getNextReviewAt() != 0) as.next_review_at = b.getNextReviewAt();
      return true;
    }
    case Which::RISK_ASSESSMENT_UPDATED: {
      auto b = body.getRiskAssessmentUpdated();
      ++as.risk_updates;
      Last(as.last_risk_update_at, at);
      as.risk_level = b.getRiskLevel();
      if (b.getNextReviewAt() != 0) as.next_review_at = b.getNextReviewAt();
      return true;
    }
    case Which::BEST_INTERESTS_DETERMINATION_COMPLETED:
      ++as.best_interests;
      Last(as.last_best_interests_at, at);
      return true;
    case Which::CASE_CONFERENCE_HELD: {
      ++as.case_conferences;
      Last(as.last_case_conference_at, at);
      auto next = body.getCaseConferenceHeld().getNextReviewAt();
      if (next != 0) as.next_review_at = next;
      return true;
    }
    case Which::CHILD_VIEWS_HEARD:
      ++as.child_views_heard;
      return true;
    case Which::CHILD_HEARING_EXEMPTION_DECIDED:
      ++as.hearing_exemptions;
      return true;
    case Which::MEDICAL_EXAMINATION_PERFORMED:
      ++sp.medical_examinations;
      Last(sp.last_medical_examination_at, at);
      return true;
    case Which::CRISIS_SUPPORT_PROVIDED:
      ++sp.crisis_support;
      Last(sp.last_crisis_support_at, at);
      sp.crisis_support_declined = body.getCrisisSupportProvided().getDeclinedByChild();
      return true;
    case Which::THERAPY_STARTED:
      ++sp.therapies;
      sp.in_therapy = true;
      sp.therapy_started_at = at;
      sp.therapy_ended_at = 0;
      return true;
    case Which::THERAPY_ENDED:
      sp.in_therapy = false;
      sp.therapy_ended_at = at;
      return true;
    case Which::SCHOOL_ENROLLED:
      sp.school_enrolled = true;
      sp.school_id = body.getSchoolEnrolled().getSchoolId();
      sp.school_enrolled_at = at;
      return true;
    case Which::EDUCATION_ARRANGEMENT_PROVIDED:
      ++sp.education_arrangements;
      Last(sp.last_education_arrangement_at, at);
      return true;
    case Which::INFORMATION_PROVIDED_TO_CHILD:
      ++sp.information_sessions;
      First(sp.first_information_at, at);
      return true;
    case Which::INTERPRETER_ASSIGNED:
      ++sp.interpreters_assigned;
      return true;
    case Which::FORENSIC_INTERVIEW_SCHEDULED:
      ++f.interviews.scheduled;
      return true;
    case Which::FORENSIC_INTERVIEW_CONDUCTED:
      ApplyInterview(body.getForensicInterviewConducted(), at, position, f);
      return true;
    case Which::LEGAL_COUNSEL_APPOINTED: {
      auto b = body.getLegalCounselAppointed();
      auto& lc = f.legal_counsel;
      ++lc.appointments;
      lc.appointed = true;
      lc.counsel_id = b.getCounselId();
      lc.appointed_at = at;
      lc.free = b.getFree();
      AssignList(lc.scopes, b.getScopes());
      return true;
    }
    default:
      return false;
  }
}

// Proceedings, residence, cross-border steps, missing episodes and closure.
void ApplyProceedings(s::Event::Reader e, Facts& f) {
  const int64_t at = e.getOccurredAt();
  auto body = e.getBody();
  auto& cr = f.criminal;
  auto& cp = f.child_protection;
  auto& rs = f.residence;
  auto& xb = f.cross_border;
  switch (body.which()) {
    case Which::CRIME_REPORTED:
      ++cr.crime_reports;
      First(cr.first_crime_report_at, at);
      break;
    case Which::INVESTIGATION_OPENED:
      cr.investigation_opened = true;
      First(cr.investigation_opened_at, at);
      break;
    case Which::CHARGES_FILED:
      ++cr.charges;
      First(cr.first_charges_at, at);
      break;
    case Which::TRIAL_STARTED:
      cr.trial_started = true;
      First(cr.trial_started_at, at);
      break;
    case Which::VERDICT_DELIVERED:
      cr.verdict = body.getVerdictDelivered().getOutcome();
      cr.verdict_at = at;
      cr.final_verdict = body.getVerdictDelivered().getFinalVerdict();
      break;
    case Which::PROCEEDINGS_DISCONTINUED:
      cr.discontinued = true;
      cr.discontinued_at = at;
      cr.discontinued_reason = body.getProceedingsDiscontinued().getReason();
      break;
    case Which::CHILD_SUSPECTED_OF_OFFENCE: ++cr.child_suspected; break;
    case Which::NON_PUNISHMENT_ASSESSED: ++cr.non_punishment_assessments; break;
    case Which::COMPENSATION_CLAIM_FILED: ++cr.compensation_claims; break;
    case Which::COMPENSATION_AWARDED: ++cr.compensation_awards; break;
    case Which::COMPENSATION_PAID: ++cr.compensation_payments; break;
    case Which::CHILD_PROTECTION_REPORT_RECEIVED:
      ++cp.reports;
      First(cp.first_report_at, at);
      break;
    case Which::CP_ASSESSMENT_DECIDED:
      cp.decision = body.getCpAssessmentDecided().getDecision();
      cp.urgency = body.getCpAssessmentDecided().getUrgency();
      cp.decided_at = at;
      break;
    case Which::CP_INVESTIGATION_COMPLETED:
      cp.investigation_completed = true;
      cp.investigation_completed_at = at;
      cp.conclusion = body.getCpInvestigationCompleted().getConclusion();
      break;
    case Which::RESIDENCE_PERMIT_APPLIED:
      ++rs.applications;
      Last(rs.last_applied_at, at);
      break;
    case Which::RESIDENCE_PERMIT_GRANTED:
      ++rs.granted;
      Last(rs.last_granted_at, at);
      rs.permit_type = body.getResidencePermitGranted().getPermitType();
      rs.valid_until_at = body.getResidencePermitGranted().getValidUntilAt();
      break;
    case Which::RESIDENCE_PERMIT_REFUSED:
      ++rs.refused;
      Last(rs.last_refused_at, at);
      break;
    case Which::TRANSNATIONAL_REFERRAL_SENT:
      ++xb.referrals_sent;
      Last(xb.last_referral_at, at);
      break;
    case Which::CASE_TRANSFERRED:
      ++xb.transfers;
      xb.last_transfer_at = at;
      xb.transferred_to = body.getCaseTransferred().getReceivingState();
      break;
    case Which::RETURN_RISK_ASSESSMENT_COMPLETED:
      ++xb.return_risk_assessments;
      Last(xb.last_return_risk_assessment_at, at);
      break;
    case Which::RETURN_DECIDED:
      xb.return_decided = true;
      xb.return_decided_at = at;
      xb.return_state = body.getReturnDecided().getReceivingState();
      break;
    case Which::RETURN_EXECUTED:
      xb.return_executed = true;
      xb.return_executed_at = at;
      break;
    case Which::CHILD_MISSING_REPORTED:
      ++f.missing.episodes;
      f.missing.open = true;
      f.missing.missing_since_at = at;
      break;
    case Which::CHILD_LOCATED:
      f.missing.open = false;
      f.missing.last_located_at = at;
      break;
    case Which::DURABLE_SOLUTION_DETERMINED:
      f.closure.durable_solution = body.getDurableSolutionDetermined().getSolution();
      f.closure.durable_solution_at = at;
      break;
    case Which::CASE_CLOSED:
      f.closure.closed = true;
      f.closure.closed_at = at;
      f.closure.reason = body.getCaseClosed().getReason();
      EndNeed(f.representation, at);
      break;
    default:
      break;  // access records, erasure, holds, packs, notifications: history only
  }
}

}  // namespace

void ApplyFacts(s::Event::Reader event, uint64_t position, Facts& facts) {
  if (event.getJurisdiction() != s::Jurisdiction::UNSPECIFIED) {
    facts.jurisdiction = event.getJurisdiction();
  }
  First(facts.first_occurred_at, event.getOccurredAt());
  Last(facts.last_occurred_at, event.getOccurredAt());
  if (ApplyIdentity(event, position, facts)) return;
  if (ApplyCare(event, position, facts)) return;
  ApplyProceedings(event, facts);
}

}  // namespace caseledger::detail
