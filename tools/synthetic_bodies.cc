// The bodies of assessment, placement, support, interview, proceedings, migration and outcome
// events (the builder: synthetic_event_writer.h). Every enum that is not $optional is set and
// every $required field filled, as validation demands.
#include <capnp/message.h>

#include <string>

#include "tools/synthetic_event_writer.h"

namespace caseledger::synthetic::detail {

using Body = schema::Event::Body;
using schema::AgencyRole;
using schema::Jurisdiction;

void EventWriter::Assessment(schema::Event::Body::Builder body) {
  using NK = schema::NeedKind;
  using RK = schema::RiskKind;
  const bool needs_rep =
      f_.unaccompanied == schema::Answer::YES || f_.conflict == schema::Answer::YES;
  auto risks = [&](capnp::List<RK>::Builder list) {
    const RK kRisks[] = {
        RK::RE_TRAFFICKING,
        f_.unaccompanied == schema::Answer::YES ? RK::GOING_MISSING : RK::SECONDARY_VICTIMISATION,
        f_.conflict == schema::Answer::YES ? RK::FAMILY_INVOLVEMENT
                                           : RK::RETALIATION_BY_TRAFFICKERS};
    for (unsigned i = 0; i < list.size(); ++i) list.set(i, kRisks[i]);
  };
  const schema::RiskLevel level = needs_rep ? schema::RiskLevel::HIGH : schema::RiskLevel::MEDIUM;
  const int64_t review = at() + 75 * kDay * kMicrosPerSecond;
  switch (type()) {
    case Body::INDIVIDUAL_ASSESSMENT_COMPLETED: {
      auto b = body.initIndividualAssessmentCompleted();
      NK needs[8];
      unsigned n = 0;
      if (f_.placed) needs[n++] = NK::SAFE_ACCOMMODATION;
      if (f_.psych_need) needs[n++] = NK::PSYCHOLOGICAL_SUPPORT;
      needs[n++] = NK::LEGAL_ASSISTANCE;
      needs[n++] = NK::EDUCATION;
      if (f_.violence) needs[n++] = NK::MEDICAL_CARE;
      if (f_.needs_interpreter) needs[n++] = NK::INTERPRETATION;
      if (f_.foreign == schema::Answer::YES) needs[n++] = NK::FAMILY_TRACING;
      needs[n++] = NK::PROTECTION_MEASURES;
      auto list = b.initNeeds(n);
      for (unsigned i = 0; i < n; ++i) list.set(i, needs[i]);
      b.setSpecificProtectionNeeds(true);
      risks(b.initRisks(static_cast<unsigned>(r_.Between(1, 3))));
      // The correction fixes a risk level entered in error.
      const schema::RiskLevel entered = needs_rep ? level : schema::RiskLevel::LOW;
      b.setRiskLevel(!correction_                         ? entered
                     : entered == schema::RiskLevel::HIGH ? schema::RiskLevel::MEDIUM
                                                          : schema::RiskLevel::HIGH);
      b.setChildViewsTaken(true);
      b.setNextReviewAt(review);
      return;
    }
    case Body::RISK_ASSESSMENT_UPDATED: {
      auto b = body.initRiskAssessmentUpdated();
      b.setTrigger(static_cast<schema::RiskAssessmentUpdated::Trigger>(step_.variant));
      SetRef(LinkRef(), [&](auto d) { b.setTriggerRef(d); });
      risks(b.initRisks(static_cast<unsigned>(r_.Between(1, 3))));
      b.setRiskLevel(level);
      b.setNeedsChanged(r_.Chance(0.2));
      b.setNextReviewAt(review);
      return;
    }
    case Body::BEST_INTERESTS_DETERMINATION_COMPLETED: {
      using P = schema::BestInterestsDeterminationCompleted::Purpose;
      auto b = body.initBestInterestsDeterminationCompleted();
      const auto purpose = static_cast<P>(step_.variant);
      b.setPurpose(purpose);
      const AgencyRole panel[] = {
          AgencyRole::CHILD_PROTECTION, AgencyRole::HEALTH, AgencyRole::LEGAL_AID,
          needs_rep ? AgencyRole::GUARDIANSHIP : AgencyRole::EDUCATION, AgencyRole::MIGRATION};
      auto roles = b.initPanelRoles(f_.foreign == schema::Answer::YES ? 5 : 4);
      for (unsigned i = 0; i < roles.size(); ++i) roles.set(i, panel[i]);
      const bool returning = purpose == P::RETURN_TO_STATE;
      b.setRecommendedSolution(returning ? schema::DurableSolution::RETURN_AND_REINTEGRATION
                                         : schema::DurableSolution::LOCAL_INTEGRATION);
      if (returning) b.setReceivingState(NationalityAt(child_.nationality).iso);
      SetRef(ViewsRef(schema::DecisionContext::BEST_INTERESTS_DETERMINATION),
             [&](auto d) { b.setChildViewsRef(d); });
      if (returning)
        SetRef(Ref(Body::RETURN_RISK_ASSESSMENT_COMPLETED),
               [&](auto d) { b.setRiskAssessmentRef(d); });
      return;
    }
    case Body::CASE_CONFERENCE_HELD: {
      auto b = body.initCaseConferenceHeld();
      b.setKind(static_cast<schema::CaseConferenceHeld::Kind>(step_.variant));
      AgencyRole roles[7];
      unsigned n = 0;
      roles[n++] = AgencyRole::CHILD_PROTECTION;
      roles[n++] = AgencyRole::POLICE;
      roles[n++] = HasBarnahus(plan_.jurisdiction) ? AgencyRole::BARNAHUS : AgencyRole::HEALTH;
      if (needs_rep) roles[n++] = AgencyRole::GUARDIANSHIP;
      if (r_.Chance(0.5)) roles[n++] = AgencyRole::EDUCATION;
      // The correction adds an agency that attended but was left off the entry.
      if (correction_) roles[n++] = AgencyRole::LEGAL_AID;
      auto list = b.initAttendees(n);
      for (unsigned i = 0; i < n; ++i) list.set(i, roles[i]);
      b.setChildParticipated(f_.age >= 12 && r_.Chance(0.5));
      b.setGuardianParticipated(GuardianBefore());
      b.setNextReviewAt(review);
      return;
    }
    case Body::PLACEMENT_STARTED: {
      auto b = body.initPlacementStarted();
      b.setPlacementType(static_cast<schema::PlacementType>(step_.variant));
      // The correction fixes the provider entered in error.
      b.setPlacementProviderId(Provider("placement", 0x301, correction_ ? 1 : 0));
      b.setCareOrder(f_.conflict == schema::Answer::YES);
      b.setEmergency(step_.flags & kEmergency);
      b.setReason("Safe accommodation needed after identification as a presumed victim.");
      SetRef(ViewsRef(schema::DecisionContext::PLACEMENT), [&](auto d) { b.setChildViewsRef(d); });
      return;
    }
    case Body::PLACEMENT_CHANGED: {
      auto b = body.initPlacementChanged();
      b.setPlacementType(static_cast<schema::PlacementType>(step_.variant));
      b.setPlacementProviderId(Provider("placement", 0x303));
      b.setCareOrder(f_.conflict == schema::Answer::YES);
      b.setChangeReason(schema::PlacementChanged::ChangeReason::SAFETY);
      b.setReason("Moved to a specialised shelter after a missing episode.");
      SetRef(Ref(Body::PLACEMENT_STARTED), [&](auto d) { b.setPreviousPlacementRef(d); });
      SetRef(ViewsRef(schema::DecisionContext::PLACEMENT), [&](auto d) { b.setChildViewsRef(d); });
      return;
    }
    case Body::PLACEMENT_ENDED: {
      auto b = body.initPlacementEnded();
      const std::string changed = Ref(Body::PLACEMENT_CHANGED);
      SetRef(changed.empty() ? Ref(Body::PLACEMENT_STARTED) : changed,
             [&](auto d) { b.setPlacementRef(d); });
      b.setEndReason(static_cast<schema::PlacementEnded::EndReason>(step_.variant));
      return;
    }
    default:
      return;
  }
}

void EventWriter::Support(schema::Event::Body::Builder body) {
  const std::string interpreter = Person("interpreter", 0x601);
  switch (type()) {
    case Body::MEDICAL_EXAMINATION_PERFORMED: {
      using P = schema::MedicalExaminationPerformed::Purpose;
      auto b = body.initMedicalExaminationPerformed();
      const bool acute = step_.flags & kAcute;
      b.setPurpose(acute ? P::FORENSIC_AND_CARE : (r_.Chance(0.5) ? P::FORENSIC : P::CARE));
      b.setAcute(acute);
      b.setProviderId(Provider("clinic", 0x401));
      b.setPremises(HasBarnahus(plan_.jurisdiction) ? schema::Premises::BARNAHUS
                                                    : schema::Premises::HOSPITAL);
      SetRef(Ref(Body::CRIME_REPORTED), [&](auto d) { b.setCrimeReportRef(d); });
      return;
    }
    case Body::CRISIS_SUPPORT_PROVIDED: {
      auto b = body.initCrisisSupportProvided();
      b.setProviderId(Provider("crisis-team", 0x402));
      b.setDeclinedByChild(r_.Chance(0.1));
      return;
    }
    case Body::THERAPY_STARTED: {
      auto b = body.initTherapyStarted();
      b.setProviderId(Provider("therapist", 0x403));
      b.setModality(r_.Chance(0.8) ? schema::TherapyStarted::Modality::INDIVIDUAL
                                   : schema::TherapyStarted::Modality::IN_GROUP);
      SetRef(LinkRef(), [&](auto d) { b.setAssessmentRef(d); });
      return;
    }
    case Body::THERAPY_ENDED: {
      auto b = body.initTherapyEnded();
      SetRef(LinkRef(), [&](auto d) { b.setStartRef(d); });
      b.setEndReason(static_cast<schema::TherapyEnded::EndReason>(step_.variant));
      return;
    }
    case Body::SCHOOL_ENROLLED: {
      using L = schema::SchoolEnrolled::Level;
      auto b = body.initSchoolEnrolled();
      b.setSchoolId(Provider("school", 0x404));
      L level = f_.age <= 12 ? L::PRIMARY : f_.age <= 15 ? L::LOWER_SECONDARY : L::UPPER_SECONDARY;
      // The correction: the level was entered one step too low.
      if (correction_) level = f_.age <= 12 ? L::LOWER_SECONDARY : L::VOCATIONAL;
      b.setLevel(level);
      b.setLanguageClass(f_.needs_interpreter);
      return;
    }
    case Body::EDUCATION_ARRANGEMENT_PROVIDED: {
      using A = schema::EducationArrangementProvided::Arrangement;
      auto b = body.initEducationArrangementProvided();
      b.setArrangement(r_.Chance(0.6) ? A::LANGUAGE_SUPPORT : A::PREPARATORY_CLASS);
      b.setProviderId(Provider("school", 0x404));
      b.setLanguageClass(true);
      return;
    }
    case Body::INFORMATION_PROVIDED_TO_CHILD: {
      using T = schema::InformationProvidedToChild::Topic;
      using F = schema::InformationProvidedToChild::Format;
      auto b = body.initInformationProvidedToChild();
      T topics[8];
      unsigned n = 0;
      topics[n++] = T::RIGHTS;
      topics[n++] = T::PROCEDURES;
      topics[n++] = T::SUPPORT_SERVICES;
      topics[n++] = T::LEGAL_AID;
      if (f_.crime_reported) topics[n++] = T::INTERVIEW_PROCESS;
      if (f_.lawful_stay == schema::Answer::NO) topics[n++] = T::REFLECTION_PERIOD;
      topics[n++] = T::COMPENSATION;
      topics[n++] = T::DATA_PROTECTION;
      auto list = b.initTopics(n);
      for (unsigned i = 0; i < n; ++i) list.set(i, topics[i]);
      b.setLanguage(Language());
      b.setFormat(f_.age < 12 ? F::EASY_READ : (r_.Chance(0.5) ? F::ORAL : F::MIXED));
      b.setUnderstood(r_.Chance(0.9) ? schema::InformationProvidedToChild::Understanding::CONFIRMED
                                     : schema::InformationProvidedToChild::Understanding::PARTLY);
      if (f_.needs_interpreter) b.setInterpreterId(interpreter);
      b.setGuardianPresent(GuardianBefore());
      return;
    }
    case Body::INTERPRETER_ASSIGNED: {
      auto b = body.initInterpreterAssigned();
      b.setInterpreterId(interpreter);
      b.setLanguage(Language());
      b.setMode(r_.Chance(0.8) ? schema::InterpreterAssigned::Mode::IN_PERSON
                               : schema::InterpreterAssigned::Mode::VIDEO);
      b.setSetting(static_cast<schema::InterpreterAssigned::Setting>(step_.variant));
      SetRef(LinkRef(), [&](auto d) { b.setForEventRef(d); });
      b.setCertified(true);
      return;
    }
    case Body::CHILD_VIEWS_HEARD: {
      using CV = schema::ChildViewsHeard;
      auto b = body.initChildViewsHeard();
      b.setDecisionContext(static_cast<schema::DecisionContext>(step_.variant));
      const bool heard = !(step_.flags & kExempt);
      b.setHeard(heard);
      if (!heard) {
        b.setExemptionReason(CV::ExemptionReason::URGENCY);
        b.setExemptionGrounds("Emergency placement; views to be heard at the first review.");
      } else {
        b.setWeightGiven(r_.Chance(0.6) ? CV::Weight::SIGNIFICANT : CV::Weight::CONSIDERED);
        b.setLanguage(Language());
        if (f_.needs_interpreter) b.setInterpreterId(interpreter);
      }
      b.setGuardianPresent(GuardianBefore());
      return;
    }
    default:
      return;
  }
}

void EventWriter::Interview(schema::Event::Body::Builder body) {
  const bool interpreter = step_.flags & kInterpreter;
  const auto premises = HasBarnahus(plan_.jurisdiction) ? schema::Premises::BARNAHUS
                                                        : schema::Premises::CHILD_ADAPTED_ROOM;
  switch (type()) {
    case Body::FORENSIC_INTERVIEW_SCHEDULED: {
      auto b = body.initForensicInterviewScheduled();
      const Step* conducted = Linked();
      b.setPlannedAt(Micros(conducted->occurred));
      b.setSequenceNumber(step_.seq);
      b.setInterviewerId(Interviewer(conducted->flags & kInterviewerChanged));
      b.setPremises(premises);
      if (interpreter) b.setInterpreterLanguage(Language());
      SetRef(Ref(Body::CRIME_REPORTED), [&](auto d) { b.setCrimeReportRef(d); });
      if (step_.flags & kExcluded) {
        b.setAccompanimentExcluded(true);
        b.setExcludedRole(schema::ExcludedRole::PARENT);
        b.setExclusionGrounds(
            "Parents' conflict of interest; a support person accompanies the child.");
      }
      return;
    }
    case Body::FORENSIC_INTERVIEW_CONDUCTED: {
      using P = schema::ForensicInterviewConducted::Protocol;
      auto b = body.initForensicInterviewConducted();
      const bool changed = step_.flags & kInterviewerChanged;
      b.setSequenceNumber(step_.seq);
      b.setInterviewerId(Interviewer(changed));
      b.setInterviewerCertified(true);
      b.setProtocol(Is(Jurisdiction::NO) ? P::DIALOGICAL_COMMUNICATION
                    : Is(Jurisdiction::SE) || Is(Jurisdiction::DK) || Is(Jurisdiction::IS)
                        ? P::NICHD
                        : P::NATIONAL_GUIDELINE);
      b.setPremises(premises);
      if (step_.flags & kRecorded) {
        b.setRecorded(true);
        auto hash = b.initRecordingHash(32);
        for (size_t i = 0; i < 32; i += 8) {
          const uint64_t w = r_.Next();
          for (size_t k = 0; k < 8; ++k) hash[i + k] = static_cast<uint8_t>(w >> (8 * k));
        }
      }
      auto observers = b.initObservers(2);
      observers.set(0, Actor(AgencyRole::PROSECUTION));
      observers.set(1, Actor(AgencyRole::CHILD_PROTECTION));
      b.setGuardianPresent(step_.flags & kGuardianPresent);
      b.setSupportPersonPresent(true);
      if (step_.flags & kExcluded) {
        SetRef(Ref(Body::FORENSIC_INTERVIEW_SCHEDULED, step_.seq),
               [&](auto d) { b.setExclusionDecisionRef(d); });
      }
      if (interpreter) {
        b.setInterpreterId(Person("interpreter", 0x601));
        b.setInterpreterLanguage(Language());
      }
      if (step_.seq >= 2) {
        using RB = schema::ForensicInterviewConducted::RepeatBasis;
        const auto basis = static_cast<RB>(step_.variant);
        b.setSupplementary(basis == RB::DEFENCE_REQUEST);
        b.setRepeatBasis(basis);
        b.setRepeatReason(basis == RB::NEW_CIRCUMSTANCES ? "New information on further offences."
                          : basis == RB::DEFENCE_REQUEST
                              ? "Defence questions after viewing the recording."
                              : "The first account was incomplete.");
      }
      if (changed) b.setInterviewerChangeReason("The first interviewer is on long-term leave.");
      b.setChildSpecialistPresent(Is(Jurisdiction::LT) || Is(Jurisdiction::EE));
      b.setJudgeSupervised(Is(Jurisdiction::IS) && f_.age < 15);
      b.setCounselPresent(Find(Body::LEGAL_COUNSEL_APPOINTED) >= 0);
      b.setReplacesCourtTestimony(step_.flags & kRecorded);
      SetRef(Ref(Body::CRIME_REPORTED), [&](auto d) { b.setCrimeReportRef(d); });
      SetRef(Ref(Body::FORENSIC_INTERVIEW_SCHEDULED, step_.seq),
             [&](auto d) { b.setScheduledRef(d); });
      return;
    }
    case Body::LEGAL_COUNSEL_APPOINTED: {
      using S = schema::LegalCounselAppointed::Scope;
      auto b = body.initLegalCounselAppointed();
      b.setCounselId(Person("counsel", 0x701));
      b.setFree(true);
      const bool asylum = f_.lawful_stay == schema::Answer::NO;
      auto scopes = b.initScopes(asylum ? 3 : 2);
      scopes.set(0, S::CRIMINAL);
      scopes.set(1, S::COMPENSATION);
      if (asylum) scopes.set(2, S::ASYLUM);
      return;
    }
    default:
      return;
  }
}

void EventWriter::Proceedings(schema::Event::Body::Builder body) {
  // Amounts in minor units: EUR cents, and the other currencies at rough parity.
  const int64_t unit = Is(Jurisdiction::IS) ? 15000
                       : (Is(Jurisdiction::SE) || Is(Jurisdiction::NO) || Is(Jurisdiction::DK))
                           ? 1000
                           : 100;
  const int64_t amount = static_cast<int64_t>(CaseValue(0x7a1) % 28 + 2) * 1000 * unit;
  switch (type()) {
    case Body::CRIME_REPORTED: {
      auto b = body.initCrimeReported();
      Offences(b.initOffenceCodes(OffenceCount()));
      b.setViolence(step_.flags & kViolence);
      b.setAcute(step_.flags & kAcute);
      b.setReportedBy(static_cast<AgencyRole>(f_.identifier_role) == AgencyRole::POLICE
                          ? schema::ReporterKind::POLICE
                          : schema::ReporterKind::CHILD_PROTECTION);
      b.setChildRole(schema::CrimeReported::ChildRole::VICTIM);
      b.setOffenceOccurredAt(at() - int64_t{step_.param} * kHour * kMicrosPerSecond);
      b.setSeriousOffence(step_.flags & kSerious);
      b.setProtectionNeed(step_.flags & kProtectionNeed);
      b.setImmediateAccountNeeded(step_.flags & kImmediateAccount);
      b.setPoliceRef(PoliceRef());
      return;
    }
    case Body::INVESTIGATION_OPENED: {
      auto b = body.initInvestigationOpened();
      SetRef(Ref(Body::CRIME_REPORTED), [&](auto d) { b.setCrimeReportRef(d); });
      Offences(b.initOffenceCodes(OffenceCount()));
      b.setParticularlyUrgent(Is(Jurisdiction::SE));
      if (step_.flags & kHasSuspect)
        b.setReasonableSuspicionAt(at() + int64_t{step_.param} * kHour * kMicrosPerSecond);
      return;
    }
    case Body::CHARGES_FILED: {
      auto b = body.initChargesFiled();
      const bool child = step_.flags & kDefendantIsChild;
      if (child) {
        b.initOffenceCodes(1).set(0, j_.theft_offence);
        b.setDefendantIsChild(true);
        SetRef(Ref(Body::NON_PUNISHMENT_ASSESSED), [&](auto d) { b.setNonPunishmentRef(d); });
      } else {
        Offences(b.initOffenceCodes(OffenceCount()));
        SetRef(Ref(Body::INVESTIGATION_OPENED), [&](auto d) { b.setInvestigationRef(d); });
      }
      return;
    }
    case Body::TRIAL_STARTED: {
      auto b = body.initTrialStarted();
      const bool testifies = step_.flags & kTestifies;
      b.setCourtId(Agency(AgencyRole::COURT));
      SetRef(Ref(Body::CHARGES_FILED), [&](auto d) { b.setChargesRef(d); });
      b.setChildTestifiesInCourt(testifies);
      bool recorded = false;
      for (int i = Find(Body::FORENSIC_INTERVIEW_CONDUCTED); i >= 0 && !recorded; --i) {
        recorded =
            steps_[i].type == Body::FORENSIC_INTERVIEW_CONDUCTED && (steps_[i].flags & kRecorded);
      }
      b.setRecordedEvidenceUsed(!testifies && recorded);
      b.setClosedHearing(true);
      if (step_.flags & kInterpreter) b.setInterpreterId(Person("interpreter", 0x601));
      return;
    }
    case Body::VERDICT_DELIVERED: {
      using O = schema::VerdictDelivered::Outcome;
      auto b = body.initVerdictDelivered();
      const auto outcome = static_cast<O>(step_.variant);
      b.setOutcome(outcome);
      b.setInstance(schema::VerdictDelivered::Instance::FIRST_INSTANCE);
      b.setFinalVerdict(r_.Chance(0.7));
      if (outcome != O::ACQUITTAL) b.initConvictedOffenceCodes(1).set(0, j_.trafficking_offence);
      SetRef(Ref(Body::CHARGES_FILED), [&](auto d) { b.setChargesRef(d); });
      return;
    }
    case Body::PROCEEDINGS_DISCONTINUED: {
      using R = schema::ProceedingsDiscontinued::Reason;
      auto b = body.initProceedingsDiscontinued();
      const auto reason = static_cast<R>(step_.variant);
      b.setStage(reason == R::PUBLIC_INTEREST ? schema::ProceedingsStage::PROSECUTION
                                              : schema::ProceedingsStage::INVESTIGATION);
      b.setReason(reason);
      b.setGrounds("Decision of the prosecution authority on the evidence available.");
      SetRef(Ref(Body::INVESTIGATION_OPENED), [&](auto d) { b.setInvestigationRef(d); });
      return;
    }
    case Body::COMPENSATION_CLAIM_FILED: {
      auto b = body.initCompensationClaimFiled();
      b.setPayer(schema::CompensationPayer::OFFENDER);
      b.setAmountMinor(amount);
      b.setCurrency(j_.currency);
      b.setCounselId(Person("counsel", 0x701));
      return;
    }
    case Body::COMPENSATION_AWARDED: {
      auto b = body.initCompensationAwarded();
      SetRef(Ref(Body::COMPENSATION_CLAIM_FILED), [&](auto d) { b.setClaimRef(d); });
      b.setPayer(schema::CompensationPayer::OFFENDER);
      b.setAmountMinor(amount * 3 / 4);
      b.setCurrency(j_.currency);
      return;
    }
    case Body::COMPENSATION_PAID: {
      auto b = body.initCompensationPaid();
      SetRef(Ref(Body::COMPENSATION_AWARDED), [&](auto d) { b.setAwardRef(d); });
      b.setPayer(schema::CompensationPayer::STATE_SCHEME);
      b.setAmountMinor(amount * 3 / 4);
      b.setCurrency(j_.currency);
      return;
    }
    case Body::CHILD_SUSPECTED_OF_OFFENCE: {
      auto b = body.initChildSuspectedOfOffence();
      b.initOffenceCodes(1).set(0, j_.theft_offence);
      b.setExploitationLinkSuspected(true);
      b.setBelowCriminalAge(false);
      b.setPoliceRef(PoliceRef());
      return;
    }
    case Body::NON_PUNISHMENT_ASSESSED: {
      using O = schema::NonPunishmentAssessed::Outcome;
      auto b = body.initNonPunishmentAssessed();
      const auto outcome = static_cast<O>(step_.variant);
      SetRef(Ref(Body::CHILD_SUSPECTED_OF_OFFENCE), [&](auto d) { b.setSuspicionRef(d); });
      b.setExploitationLink(outcome != O::PROCEED_NO_LINK);
      b.setOutcome(outcome);
      b.setGrounds(outcome == O::PROCEED_NO_LINK
                       ? "No link between the offence and the exploitation found."
                       : "Offence committed as a direct consequence of the exploitation.");
      return;
    }
    default:
      return;
  }
}

void EventWriter::Migration(schema::Event::Body::Builder body) {
  const char* home = NationalityAt(child_.nationality).iso;
  const std::string home_agency = std::string(home) + "-cp-national";
  const bool sis = f_.foreign == schema::Answer::YES && (CaseValue(0x801) & 1);
  switch (type()) {
    case Body::RESIDENCE_PERMIT_APPLIED: {
      auto b = body.initResidencePermitApplied();
      b.setPermitType(static_cast<schema::PermitType>(step_.variant));
      b.setDuringReflection(Find(Body::REFLECTION_PERIOD_GRANTED) >= 0 &&
                            Find(Body::REFLECTION_PERIOD_ENDED) < 0);
      return;
    }
    case Body::RESIDENCE_PERMIT_GRANTED: {
      auto b = body.initResidencePermitGranted();
      SetRef(LinkRef(), [&](auto d) { b.setApplicationRef(d); });
      b.setPermitType(static_cast<schema::PermitType>(step_.variant));
      b.setValidUntilAt(at() + int64_t{step_.param} * kDay * kMicrosPerSecond);
      b.setRenewable(true);
      return;
    }
    case Body::RESIDENCE_PERMIT_REFUSED: {
      auto b = body.initResidencePermitRefused();
      SetRef(LinkRef(), [&](auto d) { b.setApplicationRef(d); });
      b.setPermitType(static_cast<schema::PermitType>(step_.variant));
      b.setGrounds("Conditions for the permit not met; safe return arrangements available.");
      b.setAppealLodged(r_.Chance(0.3));
      return;
    }
    case Body::TRANSNATIONAL_REFERRAL_SENT: {
      auto b = body.initTransnationalReferralSent();
      b.setReceivingState(home);
      b.setReceivingAgencyId(home_agency);
      b.setPurpose(schema::TransnationalReferralSent::Purpose::FAMILY_TRACING);
      return;
    }
    case Body::RETURN_RISK_ASSESSMENT_COMPLETED: {
      using RR = schema::ReturnRiskAssessmentCompleted::ReturnRisk;
      auto b = body.initReturnRiskAssessmentCompleted();
      b.setReceivingState(home);
      b.setRiskLevel(r_.Chance(0.7) ? schema::RiskLevel::LOW : schema::RiskLevel::MEDIUM);
      b.initRisks(1).set(0, r_.Chance(0.5) ? RR::RE_TRAFFICKING : RR::REPRISALS);
      b.setSafeReceptionConfirmed(true);
      b.setFamilyTraced(true);
      b.setReceivingAgencyId(home_agency);
      return;
    }
    case Body::RETURN_DECIDED: {
      auto b = body.initReturnDecided();
      b.setReceivingState(home);
      b.setReturnKind(schema::ReturnKind::FAMILY_REUNIFICATION);
      SetRef(Ref(Body::BEST_INTERESTS_DETERMINATION_COMPLETED), [&](auto d) { b.setBidRef(d); });
      SetRef(Ref(Body::RETURN_RISK_ASSESSMENT_COMPLETED),
             [&](auto d) { b.setRiskAssessmentRef(d); });
      SetRef(ViewsRef(schema::DecisionContext::RETURN_DECISION),
             [&](auto d) { b.setChildViewsRef(d); });
      return;
    }
    case Body::RETURN_EXECUTED: {
      auto b = body.initReturnExecuted();
      b.setReceivingState(home);
      b.setReturnKind(schema::ReturnKind::FAMILY_REUNIFICATION);
      SetRef(LinkRef(), [&](auto d) { b.setReturnDecisionRef(d); });
      b.setEscorted(true);
      b.setReceivingAgencyId(home_agency);
      return;
    }
    case Body::CHILD_MISSING_REPORTED: {
      auto b = body.initChildMissingReported();
      b.setLastSeenAt(at() - int64_t{step_.param} * kHour * kMicrosPerSecond);
      b.setPoliceRef(PoliceRef() + "-M");
      b.setSisAlert(sis);
      b.setPoliceNotifiedAt(at() - r_.Between(0, 30 * kMinute) * kMicrosPerSecond);
      b.setGuardianNotifiedAt(at() - r_.Between(0, 60 * kMinute) * kMicrosPerSecond);
      SetRef(Ref(Body::PLACEMENT_STARTED), [&](auto d) { b.setPlacementRef(d); });
      b.setReTraffickingSuspected(r_.Chance(0.3));
      b.setCrossBorderSuspected(f_.foreign == schema::Answer::YES && r_.Chance(0.3));
      return;
    }
    case Body::CHILD_LOCATED: {
      auto b = body.initChildLocated();
      SetRef(LinkRef(), [&](auto d) { b.setMissingRef(d); });
      b.setLocatedInState(j_.iso);
      b.setLocatedByRole(AgencyRole::POLICE);
      b.setSisAlertWithdrawn(sis);
      return;
    }
    default:
      return;
  }
}

void EventWriter::Outcome(schema::Event::Body::Builder body) {
  switch (type()) {
    case Body::DURABLE_SOLUTION_DETERMINED: {
      using DS = schema::DurableSolution;
      auto b = body.initDurableSolutionDetermined();
      const auto solution = static_cast<DS>(step_.variant);
      b.setSolution(solution);
      SetRef(Ref(Body::BEST_INTERESTS_DETERMINATION_COMPLETED), [&](auto d) { b.setBidRef(d); });
      if (solution == DS::RETURN_AND_REINTEGRATION)
        b.setReceivingState(NationalityAt(child_.nationality).iso);
      if (solution == DS::RESETTLEMENT) b.setReceivingState(Is(Jurisdiction::SE) ? "NO" : "SE");
      SetRef(ViewsRef(schema::DecisionContext::BEST_INTERESTS_DETERMINATION),
             [&](auto d) { b.setChildViewsRef(d); });
      return;
    }
    case Body::CASE_CLOSED: {
      using R = schema::CaseClosed::Reason;
      auto b = body.initCaseClosed();
      const auto reason = static_cast<R>(step_.variant);
      b.setReason(reason);
      SetRef(Ref(Body::DURABLE_SOLUTION_DETERMINED), [&](auto d) { b.setDurableSolutionRef(d); });
      b.setTransitionPlanAt18(step_.flags & kTransitionPlan);
      SetRef(ViewsRef(schema::DecisionContext::CASE_CLOSURE),
             [&](auto d) { b.setChildViewsRef(d); });
      if (reason == R::RETURNED) {
        b.setReceivingAgencyId(std::string(NationalityAt(child_.nationality).iso) + "-cp-national");
      }
      return;
    }
    default:
      return;
  }
}

}  // namespace caseledger::synthetic::detail
