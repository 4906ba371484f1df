// Building one planned step into an event: the envelope (ids, agency, actor, data class, legal
// basis), invented personal data on the events that carry it, and the bodies of identification,
// referral, child protection, age and representation. The other bodies: synthetic_bodies.cc.
#include <capnp/message.h>

#include <cstdio>
#include <string>

#include "tools/synthetic_event_writer.h"

namespace caseledger::synthetic::detail {

using Body = schema::Event::Body;
using schema::AgencyRole;
using schema::Jurisdiction;

AgencyRole EventWriter::Role() const {
  const bool barnahus = HasBarnahus(plan_.jurisdiction) && (CaseValue(0x77) & 1);
  switch (type()) {
    case Body::TRAFFICKING_INDICATORS_OBSERVED:
      return static_cast<AgencyRole>(f_.observer_role);
    case Body::PRESUMED_VICTIM_IDENTIFIED:
    case Body::REFERRED_TO_NRM:
    case Body::INFORMATION_PROVIDED_TO_CHILD:
      return static_cast<AgencyRole>(f_.identifier_role);
    case Body::FORMAL_VICTIM_STATUS_DECIDED:
      return Is(Jurisdiction::DK)   ? AgencyRole::MIGRATION
             : Is(Jurisdiction::LV) ? AgencyRole::POLICE
                                    : AgencyRole::NRM_BODY;
    case Body::REFERRAL_ACCEPTED:
    case Body::TRANSNATIONAL_REFERRAL_SENT:
      return AgencyRole::NRM_BODY;
    case Body::AGE_DISPUTED:
    case Body::AGE_PRESUMPTION_APPLIED:
      return AgencyRole::MIGRATION;
    case Body::AGE_ASSESSMENT_COMPLETED:
      return AgencyRole::HEALTH;
    case Body::GUARDIAN_APPOINTED:
      return Is(Jurisdiction::FI) || Is(Jurisdiction::LV) ? AgencyRole::COURT
                                                          : AgencyRole::GUARDIANSHIP;
    case Body::PROVISIONAL_REPRESENTATIVE_DESIGNATED:
    case Body::GUARDIAN_CONFLICT_FLAGGED:
    case Body::GUARDIAN_REPLACED:
      return AgencyRole::GUARDIANSHIP;
    case Body::REFLECTION_PERIOD_GRANTED:
    case Body::REFLECTION_PERIOD_EXTENDED:
    case Body::REFLECTION_PERIOD_ENDED:
      return Is(Jurisdiction::EE) ? AgencyRole::POLICE : AgencyRole::MIGRATION;
    case Body::CASE_CONFERENCE_HELD:
    case Body::CRISIS_SUPPORT_PROVIDED:
    case Body::MEDICAL_EXAMINATION_PERFORMED:
      if (barnahus) return AgencyRole::BARNAHUS;
      return type() == Body::CASE_CONFERENCE_HELD ? AgencyRole::CHILD_PROTECTION
                                                  : AgencyRole::HEALTH;
    case Body::THERAPY_STARTED:
    case Body::THERAPY_ENDED:
      return AgencyRole::HEALTH;
    case Body::SCHOOL_ENROLLED:
    case Body::EDUCATION_ARRANGEMENT_PROVIDED:
      return AgencyRole::EDUCATION;
    case Body::INTERPRETER_ASSIGNED:
      return step_.variant ==
                     static_cast<uint8_t>(schema::InterpreterAssigned::Setting::COURT_HEARING)
                 ? AgencyRole::COURT
                 : AgencyRole::POLICE;
    case Body::CHILD_VIEWS_HEARD:
      return step_.variant == static_cast<uint8_t>(schema::DecisionContext::RETURN_DECISION)
                 ? AgencyRole::MIGRATION
                 : AgencyRole::CHILD_PROTECTION;
    case Body::FORENSIC_INTERVIEW_SCHEDULED:
    case Body::FORENSIC_INTERVIEW_CONDUCTED:
    case Body::CRIME_REPORTED:
    case Body::INVESTIGATION_OPENED:
    case Body::CHILD_SUSPECTED_OF_OFFENCE:
    case Body::CHILD_LOCATED:
      return AgencyRole::POLICE;
    case Body::LEGAL_COUNSEL_APPOINTED:
    case Body::COMPENSATION_CLAIM_FILED:
      return AgencyRole::LEGAL_AID;
    case Body::CHARGES_FILED:
    case Body::PROCEEDINGS_DISCONTINUED:
    case Body::NON_PUNISHMENT_ASSESSED:
      return AgencyRole::PROSECUTION;
    case Body::TRIAL_STARTED:
    case Body::VERDICT_DELIVERED:
    case Body::COMPENSATION_AWARDED:
      return AgencyRole::COURT;
    case Body::COMPENSATION_PAID:
      return AgencyRole::COMPENSATION_AUTHORITY;
    case Body::RESIDENCE_PERMIT_APPLIED:
    case Body::RESIDENCE_PERMIT_GRANTED:
    case Body::RESIDENCE_PERMIT_REFUSED:
    case Body::RETURN_DECIDED:
    case Body::RETURN_EXECUTED:
      return AgencyRole::MIGRATION;
    case Body::CHILD_MISSING_REPORTED:
      return AgencyRole::PLACEMENT;
    default:
      return AgencyRole::CHILD_PROTECTION;
  }
}

void EventWriter::Write(schema::Event::Builder ev) {
  const std::string id = EventIdOf(plan_, index_);
  ev.setEventId(AsData(id));
  ev.setCaseId(CaseIdOf(plan_));
  ev.setChildId(ChildIdOf(child_));
  ev.setDataClass(DataClassOf(type()));
  ev.setOccurredAt(at());
  ev.setJurisdiction(plan_.jurisdiction);
  const AgencyRole role = Role();
  ev.setAgencyId(Agency(role));
  ev.setAgencyRole(role);
  ev.setActorId(type() == Body::FORENSIC_INTERVIEW_CONDUCTED
                    ? Interviewer(step_.flags & kInterviewerChanged)
                    : Actor(role));
  ev.setLegalBasis(LegalBasis(type(), j_));
  if (correction_) SetRef(LinkRef(), [&](auto d) { ev.setSupersedes(d); });
  switch (type()) {
    case Body::REFERRED_TO_NRM:
    case Body::CHILD_PROTECTION_REPORT_RECEIVED:
    case Body::INFORMATION_PROVIDED_TO_CHILD:
      SetRef(Ref(Body::PRESUMED_VICTIM_IDENTIFIED), [&](auto d) { ev.setCausationId(d); });
      break;
    case Body::MEDICAL_EXAMINATION_PERFORMED:
    case Body::INVESTIGATION_OPENED:
      SetRef(Ref(Body::CRIME_REPORTED), [&](auto d) { ev.setCausationId(d); });
      break;
    default:
      break;
  }
  FillBody(ev.initBody());
  Personal(ev);
}

void EventWriter::Facts(schema::ChildFacts::Builder b, bool observed) {
  using schema::Answer;
  b.setAgeYears(f_.age);
  b.setAgeBasis(observed ? schema::AgeBasis::PROFESSIONAL_ESTIMATE : f_.age_basis);
  b.setBirthYear(static_cast<uint16_t>(child_.birth.year));
  b.setBirthMonth(
      f_.age_basis == schema::AgeBasis::DOCUMENTED ? static_cast<uint8_t>(child_.birth.month) : 0);
  auto maybe = [&](Answer a, double p) { return observed && r_.Chance(p) ? Answer::UNKNOWN : a; };
  b.setUnaccompanied(maybe(f_.unaccompanied, 0.4));
  b.setParentalConflictOfInterest(maybe(f_.conflict, 0.6));
  b.setForeignNational(maybe(f_.foreign, 0.2));
  b.setLawfulStay(maybe(f_.lawful_stay, 0.5));
  b.setNeedsInterpreter(f_.needs_interpreter);
  if (f_.needs_interpreter) b.setInterpreterLanguage(Language());
}

void EventWriter::ExploitationTypes(capnp::List<schema::ExploitationType>::Builder list) const {
  unsigned k = 0;
  for (int t = 1; t <= 10 && k < list.size(); ++t) {
    if ((f_.exploitation >> t) & 1) list.set(k++, static_cast<schema::ExploitationType>(t));
  }
}

void EventWriter::Personal(schema::Event::Builder ev) {
  const EventType t = type();
  const bool identifies = t == Body::PRESUMED_VICTIM_IDENTIFIED;
  if (!identifies && t != Body::TRAFFICKING_INDICATORS_OBSERVED &&
      t != Body::CHILD_MISSING_REPORTED && t != Body::TRANSNATIONAL_REFERRAL_SENT &&
      t != Body::AGE_ASSESSMENT_COMPLETED) {
    return;
  }
  // Names and other personal data come from the child's key: the same on every event.
  DetailRandom names(Mix64(child_.key ^ 0x6e616d6573ull));
  const std::string given = InventedName(names, 2, 3);
  const std::string family = InventedName(names, 2, 3);
  auto p = ev.initPersonal();
  char narrative[96];
  std::snprintf(narrative, sizeof(narrative), "Synthetic narrative #%u.%zu: invented for testing.",
                plan_.ordinal + 1, index_);
  p.setNarrative(narrative);
  char dob[16];
  std::snprintf(dob, sizeof(dob), "%04d-%02u-%02u", child_.birth.year, child_.birth.month,
                child_.birth.day);
  const Nationality& nat = NationalityAt(child_.nationality);
  switch (t) {
    case Body::PRESUMED_VICTIM_IDENTIFIED: {
      p.setGivenName(given);
      p.setFamilyName(family);
      if (names.Chance(0.3)) p.initOtherNames(1).set(0, InventedName(names, 2, 2));
      p.setDateOfBirth(dob);
      p.setPlaceOfBirth(InventedName(names, 2, 3) + " (invented)");
      p.initNationality(1).set(0, nat.iso);
      auto langs = p.initLanguages(f_.needs_interpreter ? 2 : 1);
      langs.set(0, nat.language);
      if (f_.needs_interpreter) langs.set(1, "en");
      p.setGender(child_.gender == 0 ? "female" : child_.gender == 1 ? "male" : "non-binary");
      auto contact = p.initContacts(1)[0];
      contact.setKind(schema::Contact::Kind::MESSAGING_APP);
      contact.setValue(Numbered("+000-555", CaseValue(0x901)));
      if (f_.age_basis == schema::AgeBasis::DOCUMENTED) {
        auto doc = p.initIdentityDocuments(1)[0];
        doc.setKind(schema::IdentityDocument::Kind::PASSPORT);
        doc.setNumber(Numbered("SYN", CaseValue(0x902)));
        doc.setIssuingState(nat.iso);
      }
      p.setPhotographRef(Numbered("photo", CaseValue(0x903)));
      break;
    }
    case Body::CHILD_MISSING_REPORTED:
      p.setGivenName(given);
      p.setFamilyName(family);
      p.setPhotographRef(Numbered("photo", CaseValue(0x903)));
      p.setNotes("Last seen near the placement; description on file.");
      break;
    case Body::TRANSNATIONAL_REFERRAL_SENT: {
      p.setGivenName(given);
      p.setFamilyName(family);
      p.setDateOfBirth(dob);
      auto rel = p.initRelatives(1)[0];
      rel.setRelation(schema::Relative::Relation::MOTHER);
      rel.setGivenName(InventedName(names, 2, 3));
      rel.setFamilyName(family);
      break;
    }
    case Body::AGE_ASSESSMENT_COMPLETED:
      p.setDateOfBirth(std::to_string(child_.birth.year));
      break;
    default:
      break;
  }
}

void EventWriter::FillBody(schema::Event::Body::Builder body) {
  switch (type()) {
    case Body::TRAFFICKING_INDICATORS_OBSERVED:
    case Body::PRESUMED_VICTIM_IDENTIFIED:
    case Body::FORMAL_VICTIM_STATUS_DECIDED:
    case Body::REFERRED_TO_NRM:
    case Body::REFERRAL_ACCEPTED:
    case Body::CHILD_PROTECTION_REPORT_RECEIVED:
    case Body::CP_ASSESSMENT_DECIDED:
    case Body::CP_INVESTIGATION_COMPLETED:
    case Body::AGE_DISPUTED:
    case Body::AGE_PRESUMPTION_APPLIED:
    case Body::AGE_ASSESSMENT_COMPLETED:
      return Identification(body);
    case Body::PROVISIONAL_REPRESENTATIVE_DESIGNATED:
    case Body::GUARDIAN_APPOINTED:
    case Body::GUARDIAN_CONFLICT_FLAGGED:
    case Body::GUARDIAN_REPLACED:
    case Body::REFLECTION_PERIOD_GRANTED:
    case Body::REFLECTION_PERIOD_EXTENDED:
    case Body::REFLECTION_PERIOD_ENDED:
      return Representation(body);
    case Body::INDIVIDUAL_ASSESSMENT_COMPLETED:
    case Body::RISK_ASSESSMENT_UPDATED:
    case Body::BEST_INTERESTS_DETERMINATION_COMPLETED:
    case Body::CASE_CONFERENCE_HELD:
    case Body::PLACEMENT_STARTED:
    case Body::PLACEMENT_CHANGED:
    case Body::PLACEMENT_ENDED:
      return Assessment(body);
    case Body::MEDICAL_EXAMINATION_PERFORMED:
    case Body::CRISIS_SUPPORT_PROVIDED:
    case Body::THERAPY_STARTED:
    case Body::THERAPY_ENDED:
    case Body::SCHOOL_ENROLLED:
    case Body::EDUCATION_ARRANGEMENT_PROVIDED:
    case Body::INFORMATION_PROVIDED_TO_CHILD:
    case Body::INTERPRETER_ASSIGNED:
    case Body::CHILD_VIEWS_HEARD:
      return Support(body);
    case Body::FORENSIC_INTERVIEW_SCHEDULED:
    case Body::FORENSIC_INTERVIEW_CONDUCTED:
    case Body::LEGAL_COUNSEL_APPOINTED:
      return Interview(body);
    case Body::CRIME_REPORTED:
    case Body::INVESTIGATION_OPENED:
    case Body::CHARGES_FILED:
    case Body::TRIAL_STARTED:
    case Body::VERDICT_DELIVERED:
    case Body::PROCEEDINGS_DISCONTINUED:
    case Body::COMPENSATION_CLAIM_FILED:
    case Body::COMPENSATION_AWARDED:
    case Body::COMPENSATION_PAID:
    case Body::CHILD_SUSPECTED_OF_OFFENCE:
    case Body::NON_PUNISHMENT_ASSESSED:
      return Proceedings(body);
    case Body::RESIDENCE_PERMIT_APPLIED:
    case Body::RESIDENCE_PERMIT_GRANTED:
    case Body::RESIDENCE_PERMIT_REFUSED:
    case Body::TRANSNATIONAL_REFERRAL_SENT:
    case Body::RETURN_RISK_ASSESSMENT_COMPLETED:
    case Body::RETURN_DECIDED:
    case Body::RETURN_EXECUTED:
    case Body::CHILD_MISSING_REPORTED:
    case Body::CHILD_LOCATED:
      return Migration(body);
    default:
      return Outcome(body);
  }
}

void EventWriter::Identification(schema::Event::Body::Builder body) {
  switch (type()) {
    case Body::TRAFFICKING_INDICATORS_OBSERVED: {
      auto b = body.initTraffickingIndicatorsObserved();
      FillIndicators(b.initIndicators(IndicatorCount()));
      if (r_.Chance(0.7)) ExploitationTypes(b.initSuspectedExploitation(ExploitationCount()));
      b.setContext(
          static_cast<schema::TraffickingIndicatorsObserved::ObservationContext>(f_.context));
      Facts(b.initChild(), true);
      return;
    }
    case Body::PRESUMED_VICTIM_IDENTIFIED: {
      auto b = body.initPresumedVictimIdentified();
      static constexpr const char* kGrounds[] = {
          "Reasonable grounds: consistent indicators reported by the observing agency.",
          "Reasonable grounds: the child's situation matches several operational indicators.",
          "Reasonable grounds assessment by the identifying agency; indicators corroborated."};
      b.setGrounds(kGrounds[r_.Below(std::size(kGrounds))]);
      FillIndicators(b.initIndicators(IndicatorCount()));
      ExploitationTypes(b.initExploitationTypes(ExploitationCount()));
      const bool cross = f_.foreign == schema::Answer::YES && r_.Chance(0.4);
      auto states = b.initExploitationStates(cross ? 2 : 1);
      states.set(0, j_.iso);
      if (cross) states.set(1, Is(Jurisdiction::DK) ? "DE" : "DK");
      Facts(b.initChild(), false);
      SetRef(Ref(Body::TRAFFICKING_INDICATORS_OBSERVED), [&](auto d) { b.setObservationRef(d); });
      return;
    }
    case Body::FORMAL_VICTIM_STATUS_DECIDED: {
      using FD = schema::FormalVictimStatusDecided;
      auto b = body.initFormalVictimStatusDecided();
      const auto decision = static_cast<FD::Decision>(step_.variant);
      b.setDecision(decision);
      b.setDecidingBody(Is(Jurisdiction::DK)   ? FD::DecidingBody::IMMIGRATION_SERVICE
                        : Is(Jurisdiction::LV) ? FD::DecidingBody::POLICE
                                               : FD::DecidingBody::NRM_BODY);
      b.setGrounds(decision == FD::Decision::RECOGNISED
                       ? "Victim status recognised on the indicators and the assessment."
                       : "Indicators not substantiated on the information available.");
      if (decision == FD::Decision::RECOGNISED)
        ExploitationTypes(b.initExploitationTypes(ExploitationCount()));
      Facts(b.initChild(), false);
      SetRef(Ref(Body::PRESUMED_VICTIM_IDENTIFIED), [&](auto d) { b.setPresumptionRef(d); });
      b.setAppealLodged(decision != FD::Decision::RECOGNISED && r_.Chance(0.3));
      return;
    }
    case Body::REFERRED_TO_NRM: {
      auto b = body.initReferredToNrm();
      b.setNrmBodyId(Agency(AgencyRole::NRM_BODY));
      b.setChildConsent(f_.age >= 12 ? schema::ConsentStatus::GIVEN
                                     : schema::ConsentStatus::NOT_REQUIRED);
      const bool needs_rep =
          f_.unaccompanied == schema::Answer::YES || f_.conflict == schema::Answer::YES;
      b.setGuardianConsent(!needs_rep || GuardianBefore() ? schema::ConsentStatus::GIVEN
                                                          : schema::ConsentStatus::NOT_OBTAINABLE);
      b.setChildHeard(true);
      SetRef(Ref(Body::PRESUMED_VICTIM_IDENTIFIED), [&](auto d) { b.setPresumptionRef(d); });
      return;
    }
    case Body::REFERRAL_ACCEPTED: {
      auto b = body.initReferralAccepted();
      SetRef(Ref(Body::REFERRED_TO_NRM), [&](auto d) { b.setReferralRef(d); });
      char ref[40];
      std::snprintf(ref, sizeof(ref), "NRM-%s-%u-%05llu", j_.iso, plan_.year,
                    static_cast<unsigned long long>(CaseValue(0x502) % 100000));
      b.setNrmCaseRef(ref);
      return;
    }
    case Body::CHILD_PROTECTION_REPORT_RECEIVED: {
      using RK = schema::ReporterKind;
      auto b = body.initChildProtectionReportReceived();
      RK by = RK::NGO;
      switch (static_cast<AgencyRole>(f_.identifier_role)) {
        case AgencyRole::POLICE:
          by = RK::POLICE;
          break;
        case AgencyRole::BORDER_GUARD:
          by = RK::BORDER_GUARD;
          break;
        case AgencyRole::MIGRATION:
          by = RK::MIGRATION;
          break;
        default:
          by = f_.observer_role == static_cast<uint8_t>(AgencyRole::EDUCATION) ? RK::SCHOOL
               : f_.observer_role == static_cast<uint8_t>(AgencyRole::HEALTH)  ? RK::HEALTH
                                                                               : RK::NGO;
      }
      b.setReportedBy(by);
      if (r_.Chance(0.6))
        b.setUrgencyIndicated(f_.placed ? schema::Urgency::IMMEDIATE : schema::Urgency::URGENT);
      SetRef(Ref(Body::PRESUMED_VICTIM_IDENTIFIED), [&](auto d) { b.setPresumptionRef(d); });
      return;
    }
    case Body::CP_ASSESSMENT_DECIDED: {
      using D = schema::CpAssessmentDecided::Decision;
      auto b = body.initCpAssessmentDecided();
      SetRef(Ref(Body::CHILD_PROTECTION_REPORT_RECEIVED), [&](auto d) { b.setReportRef(d); });
      b.setUrgency(f_.placed ? schema::Urgency::IMMEDIATE : schema::Urgency::URGENT);
      b.setDecision(f_.placed ? D::IMMEDIATE_PROTECTION : D::OPEN_INVESTIGATION);
      b.setGrounds("Presumed victim of trafficking; protection needs to be investigated.");
      return;
    }
    case Body::CP_INVESTIGATION_COMPLETED: {
      using C = schema::CpInvestigationCompleted::Conclusion;
      auto b = body.initCpInvestigationCompleted();
      SetRef(Ref(Body::CP_ASSESSMENT_DECIDED), [&](auto d) { b.setAssessmentRef(d); });
      b.setConclusion(f_.placed ? C::PLACEMENT_OUTSIDE_HOME : C::SUPPORT_MEASURES);
      return;
    }
    case Body::AGE_DISPUTED: {
      auto b = body.initAgeDisputed();
      b.setClaimedAgeYears(f_.age);
      b.setDocumentsAvailable(false);
      b.setGrounds("No documents; the stated age could not be verified.");
      return;
    }
    case Body::AGE_PRESUMPTION_APPLIED: {
      auto b = body.initAgePresumptionApplied();
      SetRef(Ref(Body::AGE_DISPUTED), [&](auto d) { b.setDisputeRef(d); });
      b.setPresumedAgeYears(f_.age);
      return;
    }
    case Body::AGE_ASSESSMENT_COMPLETED: {
      using M = schema::AgeAssessmentCompleted::Method;
      auto b = body.initAgeAssessmentCompleted();
      const bool xray = r_.Chance(0.3);
      auto methods = b.initMethods(xray ? 3 : 2);
      methods.set(0, M::DOCUMENT_EXAMINATION);
      methods.set(1, M::PSYCHOSOCIAL_INTERVIEW);
      if (xray) methods.set(2, M::DENTAL_XRAY);
      b.setAssessedAgeYears(f_.age);
      b.setMinAgeYears(static_cast<uint8_t>(f_.age - 1));
      b.setMaxAgeYears(static_cast<uint8_t>(f_.age + 2));
      b.setResult(static_cast<schema::AgeAssessmentCompleted::Result>(step_.variant));
      b.setBenefitOfDoubtApplied(true);
      b.setInformedConsent(true);
      SetRef(Ref(Body::AGE_DISPUTED), [&](auto d) { b.setDisputeRef(d); });
      return;
    }
    default:
      return;
  }
}

void EventWriter::Representation(schema::Event::Body::Builder body) {
  using GT = schema::GuardianType;
  using RG = schema::RepresentationGround;
  const RG ground = f_.unaccompanied == schema::Answer::YES ? RG::UNACCOMPANIED
                                                            : RG::PARENTAL_CONFLICT_OF_INTEREST;
  const GT guardian_type = f_.unaccompanied != schema::Answer::YES ? GT::REPRESENTATIVE_CRIMINAL
                           : Is(Jurisdiction::NO)                  ? GT::SPECIAL_REPRESENTATIVE
                                                                   : GT::CIVIL_GUARDIAN;
  switch (type()) {
    case Body::PROVISIONAL_REPRESENTATIVE_DESIGNATED: {
      auto b = body.initProvisionalRepresentativeDesignated();
      b.setRepresentativeId(Person("rep", 0x201));
      b.setRepresentativeType(GT::PROVISIONAL_REPRESENTATIVE);
      b.setGround(ground);
      b.setCaseload(static_cast<uint16_t>(r_.Between(3, 25)));
      return;
    }
    case Body::GUARDIAN_APPOINTED: {
      auto b = body.initGuardianAppointed();
      b.setGuardianId(Person("guardian", 0x202));
      b.setGuardianType(guardian_type);
      b.setGround(ground);
      b.setCaseload(static_cast<uint16_t>(r_.Between(3, 28)));
      if (Role() == AgencyRole::GUARDIANSHIP) b.setAppointingBodyId(Agency(AgencyRole::COURT));
      return;
    }
    case Body::GUARDIAN_CONFLICT_FLAGGED: {
      using C = schema::GuardianConflictFlagged::Conflict;
      auto b = body.initGuardianConflictFlagged();
      b.setGuardianId(Person("guardian", 0x202));
      b.setConflict(r_.Chance(0.5) ? C::INSUFFICIENT_CAPACITY : C::CHILD_OBJECTS);
      b.setGrounds("Raised at the case review; the guardian's suitability is in question.");
      return;
    }
    case Body::GUARDIAN_REPLACED: {
      auto b = body.initGuardianReplaced();
      b.setPreviousGuardianId(Person("guardian", 0x202));
      b.setNewGuardianId(Person("guardian", 0x203));
      b.setGuardianType(guardian_type);
      b.setReason(schema::GuardianReplaced::Reason::CAPACITY);
      b.setCaseload(static_cast<uint16_t>(r_.Between(3, 28)));
      SetRef(LinkRef(), [&](auto d) { b.setConflictRef(d); });
      return;
    }
    case Body::REFLECTION_PERIOD_GRANTED: {
      using B = schema::ReflectionPeriodGranted::Basis;
      auto b = body.initReflectionPeriodGranted();
      b.setStartAt(at());
      b.setEndAt(at() + int64_t{step_.param} * kDay * kMicrosPerSecond);
      b.setBasis(Is(Jurisdiction::EE)                           ? B::COOLING_OFF_PERIOD
                 : Is(Jurisdiction::LV)                         ? B::WAITING_PERIOD
                 : Is(Jurisdiction::NO) || Is(Jurisdiction::IS) ? B::TEMPORARY_RESIDENCE_PERMIT
                                                                : B::REFLECTION_PERIOD);
      if (Is(Jurisdiction::SE) && r_.Chance(0.5)) b.setApplicantRole(AgencyRole::CHILD_PROTECTION);
      return;
    }
    case Body::REFLECTION_PERIOD_EXTENDED: {
      auto b = body.initReflectionPeriodExtended();
      SetRef(LinkRef(), [&](auto d) { b.setGrantRef(d); });
      b.setNewEndAt(Micros(Linked()->occurred) + int64_t{step_.param} * kDay * kMicrosPerSecond);
      b.setReason("Recovery not complete; extension requested by the representative.");
      return;
    }
    case Body::REFLECTION_PERIOD_ENDED: {
      auto b = body.initReflectionPeriodEnded();
      SetRef(LinkRef(), [&](auto d) { b.setGrantRef(d); });
      b.setEndReason(static_cast<schema::ReflectionPeriodEnded::EndReason>(step_.variant));
      return;
    }
    default:
      return;
  }
}

void BuildEvent(const CasePlan& plan, const Child& child, std::span<const Step> steps, size_t index,
                schema::Event::Builder event) {
  EventWriter(plan, child, steps, index).Write(event);
}

}  // namespace caseledger::synthetic::detail
