// ViewState <-> schema::CaseView for the top level, the history and the sections that are
// mostly counts and times (case_view_codec.cc has the others).
#include "projections/case_view_state.h"

namespace caseledger::detail {

namespace {

capnp::Data::Reader AsData(const std::string& s) {
  return capnp::Data::Reader(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

std::string FromData(capnp::Data::Reader d) {
  return std::string(reinterpret_cast<const char*>(d.begin()), d.size());
}

void AssessmentsTo(const AssessmentsState& x, s::CaseView::Assessments::Builder b) {
  b.setIndividual(x.individual);
  b.setLastIndividualAt(x.last_individual_at);
  b.setRiskUpdates(x.risk_updates);
  b.setLastRiskUpdateAt(x.last_risk_update_at);
  b.setRiskLevel(x.risk_level);
  b.setBestInterests(x.best_interests);
  b.setLastBestInterestsAt(x.last_best_interests_at);
  b.setCaseConferences(x.case_conferences);
  b.setLastCaseConferenceAt(x.last_case_conference_at);
  b.setNextReviewAt(x.next_review_at);
  b.setChildViewsHeard(x.child_views_heard);
  b.setHearingExemptions(x.hearing_exemptions);
}

void AssessmentsFrom(s::CaseView::Assessments::Reader b, AssessmentsState& x) {
  x = AssessmentsState{b.getIndividual(),        b.getLastIndividualAt(),
                       b.getRiskUpdates(),       b.getLastRiskUpdateAt(),
                       b.getRiskLevel(),         b.getBestInterests(),
                       b.getLastBestInterestsAt(), b.getCaseConferences(),
                       b.getLastCaseConferenceAt(), b.getNextReviewAt(),
                       b.getChildViewsHeard(),   b.getHearingExemptions()};
}

void SupportTo(const SupportState& x, s::CaseView::Support::Builder b) {
  b.setCrisisSupport(x.crisis_support);
  b.setLastCrisisSupportAt(x.last_crisis_support_at);
  b.setCrisisSupportDeclined(x.crisis_support_declined);
  b.setTherapies(x.therapies);
  b.setInTherapy(x.in_therapy);
  b.setTherapyStartedAt(x.therapy_started_at);
  b.setTherapyEndedAt(x.therapy_ended_at);
  b.setMedicalExaminations(x.medical_examinations);
  b.setLastMedicalExaminationAt(x.last_medical_examination_at);
  b.setSchoolEnrolled(x.school_enrolled);
  b.setSchoolId(x.school_id);
  b.setSchoolEnrolledAt(x.school_enrolled_at);
  b.setEducationArrangements(x.education_arrangements);
  b.setLastEducationArrangementAt(x.last_education_arrangement_at);
  b.setInformationSessions(x.information_sessions);
  b.setFirstInformationAt(x.first_information_at);
  b.setInterpretersAssigned(x.interpreters_assigned);
}

void SupportFrom(s::CaseView::Support::Reader b, SupportState& x) {
  x.crisis_support = b.getCrisisSupport();
  x.last_crisis_support_at = b.getLastCrisisSupportAt();
  x.crisis_support_declined = b.getCrisisSupportDeclined();
  x.therapies = b.getTherapies();
  x.in_therapy = b.getInTherapy();
  x.therapy_started_at = b.getTherapyStartedAt();
  x.therapy_ended_at = b.getTherapyEndedAt();
  x.medical_examinations = b.getMedicalExaminations();
  x.last_medical_examination_at = b.getLastMedicalExaminationAt();
  x.school_enrolled = b.getSchoolEnrolled();
  x.school_id = b.getSchoolId();
  x.school_enrolled_at = b.getSchoolEnrolledAt();
  x.education_arrangements = b.getEducationArrangements();
  x.last_education_arrangement_at = b.getLastEducationArrangementAt();
  x.information_sessions = b.getInformationSessions();
  x.first_information_at = b.getFirstInformationAt();
  x.interpreters_assigned = b.getInterpretersAssigned();
}

void InterviewsTo(const InterviewsState& x, s::CaseView::Interviews::Builder b) {
  b.setScheduled(x.scheduled);
  b.setConducted(static_cast<uint32_t>(x.held.size()));
  b.setRecorded(x.recorded);
  auto ids = b.initInterviewers(x.interviewers.size());
  for (size_t i = 0; i < x.interviewers.size(); ++i) ids.set(i, x.interviewers[i]);
  b.setFirstAt(x.first_at);
  b.setLastAt(x.last_at);
  auto held = b.initHeld(x.held.size());
  for (size_t i = 0; i < x.held.size(); ++i) {
    const InterviewState& v = x.held[i];
    auto h = held[i];
    h.setPosition(v.position);
    h.setOccurredAt(v.occurred_at);
    h.setSequenceNumber(v.sequence_number);
    h.setInterviewerId(v.interviewer_id);
    h.setPremises(v.premises);
    h.setRecorded(v.recorded);
    h.setGuardianPresent(v.guardian_present);
    h.setSupportPersonPresent(v.support_person_present);
    h.setCounselPresent(v.counsel_present);
    h.setInterpreterPresent(v.interpreter_present);
    h.setSupplementary(v.supplementary);
  }
}

void InterviewsFrom(s::CaseView::Interviews::Reader b, InterviewsState& x) {
  x.scheduled = b.getScheduled();
  x.recorded = b.getRecorded();
  for (auto id : b.getInterviewers()) x.interviewers.emplace_back(id);
  x.first_at = b.getFirstAt();
  x.last_at = b.getLastAt();
  for (auto h : b.getHeld()) {
    x.held.push_back(InterviewState{h.getPosition(), h.getOccurredAt(), h.getSequenceNumber(),
                                    h.getInterviewerId(), h.getPremises(), h.getRecorded(),
                                    h.getGuardianPresent(), h.getSupportPersonPresent(),
                                    h.getCounselPresent(), h.getInterpreterPresent(),
                                    h.getSupplementary()});
  }
}

void CounselTo(const LegalCounselState& x, s::CaseView::LegalCounsel::Builder b) {
  b.setAppointed(x.appointed);
  b.setCounselId(x.counsel_id);
  b.setAppointedAt(x.appointed_at);
  b.setFree(x.free);
  auto scopes = b.initScopes(x.scopes.size());
  for (size_t i = 0; i < x.scopes.size(); ++i) scopes.set(i, x.scopes[i]);
  b.setAppointments(x.appointments);
}

void CounselFrom(s::CaseView::LegalCounsel::Reader b, LegalCounselState& x) {
  x.appointed = b.getAppointed();
  x.counsel_id = b.getCounselId();
  x.appointed_at = b.getAppointedAt();
  x.free = b.getFree();
  AssignList(x.scopes, b.getScopes());
  x.appointments = b.getAppointments();
}

void CriminalTo(const CriminalState& x, s::CaseView::CriminalProceedings::Builder b) {
  b.setCrimeReports(x.crime_reports);
  b.setFirstCrimeReportAt(x.first_crime_report_at);
  b.setInvestigationOpened(x.investigation_opened);
  b.setInvestigationOpenedAt(x.investigation_opened_at);
  b.setCharges(x.charges);
  b.setFirstChargesAt(x.first_charges_at);
  b.setTrialStarted(x.trial_started);
  b.setTrialStartedAt(x.trial_started_at);
  b.setVerdict(x.verdict);
  b.setVerdictAt(x.verdict_at);
  b.setFinalVerdict(x.final_verdict);
  b.setDiscontinued(x.discontinued);
  b.setDiscontinuedAt(x.discontinued_at);
  b.setDiscontinuedReason(x.discontinued_reason);
  b.setChildSuspected(x.child_suspected);
  b.setNonPunishmentAssessments(x.non_punishment_assessments);
  b.setCompensationClaims(x.compensation_claims);
  b.setCompensationAwards(x.compensation_awards);
  b.setCompensationPayments(x.compensation_payments);
}

void CriminalFrom(s::CaseView::CriminalProceedings::Reader b, CriminalState& x) {
  x = CriminalState{b.getCrimeReports(),        b.getFirstCrimeReportAt(),
                    b.getInvestigationOpened(), b.getInvestigationOpenedAt(),
                    b.getCharges(),             b.getFirstChargesAt(),
                    b.getTrialStarted(),        b.getTrialStartedAt(),
                    b.getVerdict(),             b.getVerdictAt(),
                    b.getFinalVerdict(),        b.getDiscontinued(),
                    b.getDiscontinuedAt(),      b.getDiscontinuedReason(),
                    b.getChildSuspected(),      b.getNonPunishmentAssessments(),
                    b.getCompensationClaims(),  b.getCompensationAwards(),
                    b.getCompensationPayments()};
}

void ChildProtectionTo(const ChildProtectionState& x, s::CaseView::ChildProtection::Builder b) {
  b.setReports(x.reports);
  b.setFirstReportAt(x.first_report_at);
  b.setDecision(x.decision);
  b.setDecidedAt(x.decided_at);
  b.setUrgency(x.urgency);
  b.setInvestigationCompleted(x.investigation_completed);
  b.setInvestigationCompletedAt(x.investigation_completed_at);
  b.setConclusion(x.conclusion);
}

void ChildProtectionFrom(s::CaseView::ChildProtection::Reader b, ChildProtectionState& x) {
  x = ChildProtectionState{b.getReports(),  b.getFirstReportAt(),
                           b.getDecision(), b.getDecidedAt(),
                           b.getUrgency(),  b.getInvestigationCompleted(),
                           b.getInvestigationCompletedAt(), b.getConclusion()};
}

void ResidenceTo(const ResidenceState& x, s::CaseView::Residence::Builder b) {
  b.setApplications(x.applications);
  b.setLastAppliedAt(x.last_applied_at);
  b.setGranted(x.granted);
  b.setLastGrantedAt(x.last_granted_at);
  b.setPermitType(x.permit_type);
  b.setValidUntilAt(x.valid_until_at);
  b.setRefused(x.refused);
  b.setLastRefusedAt(x.last_refused_at);
}

void ResidenceFrom(s::CaseView::Residence::Reader b, ResidenceState& x) {
  x = ResidenceState{b.getApplications(), b.getLastAppliedAt(), b.getGranted(),
                     b.getLastGrantedAt(), b.getPermitType(),   b.getValidUntilAt(),
                     b.getRefused(),       b.getLastRefusedAt()};
}

void CrossBorderTo(const CrossBorderState& x, s::CaseView::CrossBorder::Builder b) {
  b.setReferralsSent(x.referrals_sent);
  b.setLastReferralAt(x.last_referral_at);
  b.setTransfers(x.transfers);
  b.setLastTransferAt(x.last_transfer_at);
  b.setTransferredTo(x.transferred_to);
  b.setReturnRiskAssessments(x.return_risk_assessments);
  b.setLastReturnRiskAssessmentAt(x.last_return_risk_assessment_at);
  b.setReturnDecided(x.return_decided);
  b.setReturnDecidedAt(x.return_decided_at);
  b.setReturnState(x.return_state);
  b.setReturnExecuted(x.return_executed);
  b.setReturnExecutedAt(x.return_executed_at);
}

void CrossBorderFrom(s::CaseView::CrossBorder::Reader b, CrossBorderState& x) {
  x = CrossBorderState{b.getReferralsSent(),  b.getLastReferralAt(),
                       b.getTransfers(),      b.getLastTransferAt(),
                       b.getTransferredTo(),  b.getReturnRiskAssessments(),
                       b.getLastReturnRiskAssessmentAt(), b.getReturnDecided(),
                       b.getReturnDecidedAt(), b.getReturnState(),
                       b.getReturnExecuted(), b.getReturnExecutedAt()};
}

void HistoryTo(const std::vector<HistoryRow>& rows, s::CaseView::Builder b) {
  size_t corrected = 0;
  auto history = b.initHistory(rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    const HistoryRow& r = rows[i];
    auto h = history[i];
    h.setPosition(r.position);
    h.setVersion(r.version);
    h.setEventId(AsData(r.event_id));
    h.setType(EventTypeNameOf(r.type));
    h.setOccurredAt(r.occurred_at);
    h.setRecordedAt(r.recorded_at);
    h.setAgencyId(r.agency_id);
    if (!r.supersedes.empty()) h.setSupersedes(AsData(r.supersedes));
    h.setSuperseded(r.standing == HistoryRow::Standing::kSuperseded);
    h.setVoided(r.standing == HistoryRow::Standing::kVoided);
    if (r.withdrawn_by >= 0) ++corrected;
  }
  auto corrections = b.initCorrections(corrected);
  size_t n = 0;
  for (const HistoryRow& r : rows) {
    if (r.withdrawn_by < 0) continue;
    const HistoryRow& by = rows[static_cast<size_t>(r.withdrawn_by)];
    auto c = corrections[n++];
    c.setEventId(AsData(r.event_id));
    c.setPosition(r.position);
    c.setByEventId(AsData(by.event_id));
    c.setByPosition(by.position);
    c.setVoided(r.standing == HistoryRow::Standing::kVoided);
  }
}

// Standings are recomputed by the caller from `supersedes`; the stored flags are for readers.
void HistoryFrom(s::CaseView::Reader b, std::vector<HistoryRow>& rows) {
  rows.reserve(b.getHistory().size());
  for (auto h : b.getHistory()) {
    HistoryRow r;
    r.position = h.getPosition();
    r.version = h.getVersion();
    r.event_id = FromData(h.getEventId());
    r.type = EventTypeFromName(h.getType());
    r.occurred_at = h.getOccurredAt();
    r.recorded_at = h.getRecordedAt();
    r.agency_id = h.getAgencyId();
    r.supersedes = FromData(h.getSupersedes());
    rows.push_back(std::move(r));
  }
}

}  // namespace

void ScalarsTo(const ViewState& x, s::CaseView::Builder b) {
  const Facts& f = x.facts;
  b.setCaseId(x.case_id);
  b.setChildId(x.child_id);
  b.setJurisdiction(f.jurisdiction);
  b.setFirstPosition(x.first_position);
  b.setLastPosition(x.last_position);
  b.setLastVersion(x.last_version);
  b.setFirstOccurredAt(f.first_occurred_at);
  b.setLastOccurredAt(f.last_occurred_at);
  b.setFirstRecordedAt(x.first_recorded_at);
  b.setLastRecordedAt(x.last_recorded_at);
  AssessmentsTo(f.assessments, b.initAssessments());
  SupportTo(f.support, b.initSupport());
  InterviewsTo(f.interviews, b.initInterviews());
  CounselTo(f.legal_counsel, b.initLegalCounsel());
  CriminalTo(f.criminal, b.initCriminal());
  ChildProtectionTo(f.child_protection, b.initChildProtection());
  ResidenceTo(f.residence, b.initResidence());
  CrossBorderTo(f.cross_border, b.initCrossBorder());
  auto m = b.initMissing();
  m.setEpisodes(f.missing.episodes);
  m.setOpen(f.missing.open);
  m.setMissingSinceAt(f.missing.missing_since_at);
  m.setLastLocatedAt(f.missing.last_located_at);
  auto c = b.initClosure();
  c.setClosed(f.closure.closed);
  c.setClosedAt(f.closure.closed_at);
  c.setReason(f.closure.reason);
  c.setDurableSolution(f.closure.durable_solution);
  c.setDurableSolutionAt(f.closure.durable_solution_at);
  HistoryTo(x.history, b);
  b.setOpenObligations(x.open_obligations);
  b.setFindings(x.findings);
}

void ScalarsFrom(s::CaseView::Reader b, ViewState& x) {
  Facts& f = x.facts;
  x.case_id = b.getCaseId();
  x.child_id = b.getChildId();
  f.jurisdiction = b.getJurisdiction();
  x.first_position = b.getFirstPosition();
  x.last_position = b.getLastPosition();
  x.last_version = b.getLastVersion();
  f.first_occurred_at = b.getFirstOccurredAt();
  f.last_occurred_at = b.getLastOccurredAt();
  x.first_recorded_at = b.getFirstRecordedAt();
  x.last_recorded_at = b.getLastRecordedAt();
  AssessmentsFrom(b.getAssessments(), f.assessments);
  SupportFrom(b.getSupport(), f.support);
  InterviewsFrom(b.getInterviews(), f.interviews);
  CounselFrom(b.getLegalCounsel(), f.legal_counsel);
  CriminalFrom(b.getCriminal(), f.criminal);
  ChildProtectionFrom(b.getChildProtection(), f.child_protection);
  ResidenceFrom(b.getResidence(), f.residence);
  CrossBorderFrom(b.getCrossBorder(), f.cross_border);
  auto m = b.getMissing();
  f.missing = MissingState{m.getEpisodes(), m.getOpen(), m.getMissingSinceAt(),
                           m.getLastLocatedAt()};
  auto c = b.getClosure();
  f.closure = ClosureState{c.getClosed(), c.getClosedAt(), c.getReason(),
                           c.getDurableSolution(), c.getDurableSolutionAt()};
  HistoryFrom(b, x.history);
  x.open_obligations = b.getOpenObligations();
  x.findings = b.getFindings();
}

}  // namespace caseledger::detail
