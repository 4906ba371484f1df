# Shared types and the typed bodies of every event in the catalogue of
# shared/domain/obligations.md section 2, one struct per event type. `Event.body`
# (events.capnp) is a union of these.
#
# PERSISTED FORMAT: these structs are part of every stored event. Ordinals and enumerant
# numbers are never renumbered or reused; new fields take the next ordinal.
@0xdadd78ed26afaa17;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("caseledger::schema");
using Json = import "/capnp/compat/json.capnp";
using import "annotations.capnp".required;
using import "annotations.capnp".optional;
using import "common.capnp".Jurisdiction;
using import "common.capnp".AgencyRole;

# ---------------------------------------------------------------------------------------------
# Types shared by several bodies.
#
# Field conventions in the bodies below:
# - Fields named `...At` of type Int64 are times in microseconds since the epoch (JSON: RFC 3339);
#   0 means "not known" or "not yet". No other Int64 field name ends in "At".
# - Fields named `...Ref` of type Data are the 16-byte event ids of earlier events of the same
#   case; empty when there is none. They are not $required where their absence is exactly what a
#   compliance rule must be able to see (a return without a BID, an interview without an exclusion
#   decision): validation must not refuse the record of a breach.
# - Fields named `...Id` of type Text are pseudonymous ids of people or agencies, never names.
# - Free-text fields in clear (`grounds`, `reason`, ...) hold professional, non-identifying
#   reasons only: no names, dates of birth, addresses or narrative about the child. Narrative goes
#   in `PersonalData.narrative`, which is sealed.
# - States are ISO 3166-1 alpha-2 codes in Text (states outside the eight of `Jurisdiction` occur);
#   languages are ISO 639 codes; currencies ISO 4217 codes.
# ---------------------------------------------------------------------------------------------

enum Answer {
  # Persisted, never renumber. A fact the agency must state, with "unknown" as an answer of its
  # own: a plain Bool would read "not known" as "no" (an unknown `unaccompanied` would then
  # silently switch off the representative rule R04).
  unspecified @0;
  yes @1;
  no @2;
  unknown @3;
}

enum ExploitationType {
  # Persisted, never renumber.
  unspecified @0;
  sexual @1;
  labour @2;
  forcedCriminality @3;
  begging @4;
  domesticServitude @5;
  forcedMarriage @6;
  organRemoval @7;
  illegalAdoption @8;
  onlineSexual @9;
  other @10;
}

enum TraffickingIndicator {
  # Persisted, never renumber. Broad indicator categories, after the common operational indicator
  # lists; national lists map onto them.
  unspecified @0;
  noIdentityDocuments @1;
  # Carries no documents, or false ones.
  documentsHeldByOthers @2;
  movementControlled @3;
  debtBondage @4;
  threatsOrViolence @5;
  signsOfPhysicalAbuse @6;
  signsOfSexualExploitation @7;
  excessiveWorkOrNoPay @8;
  livesAtWorkplace @9;
  forcedToCommitOffences @10;
  beggingObserved @11;
  travelsWithUnrelatedAdult @12;
  coachedAccount @13;
  # The account appears learnt or scripted.
  fearOfAuthorities @14;
  missingFromCare @15;
  notInSchool @16;
  onlineRecruitmentOrGrooming @17;
  substanceUseInduced @18;
  other @19;
}

enum AgeBasis {
  # Persisted, never renumber. Where `ChildFacts.ageYears` comes from.
  unspecified @0;
  claimed @1;
  # Stated by the child or the accompanying person.
  documented @2;
  # From an identity document considered reliable.
  assessed @3;
  # From a completed age assessment.
  professionalEstimate @4;
  # Estimated by the recording professional pending any assessment.
  unknown @5;
  # Age not known at all: `ageYears` is 0. The presumption of childhood applies (R01).
}

struct ChildFacts {
  # Coarse, non-identifying facts about the child as known at the event. Exact dates of birth,
  # nationality and names are personal data: they go in `PersonalData`.
  ageYears @0 :UInt8;
  # Age in years at the event, as given by `ageBasis`; 0 when the basis is `unknown`.
  ageBasis @1 :AgeBasis;
  birthYear @2 :UInt16;
  # Coarse only; 0 if unknown.
  birthMonth @3 :UInt8;
  # 1..12, coarse only; 0 if unknown.
  unaccompanied @4 :Answer;
  # No parent or person responsible by law or custom is with the child (R04).
  parentalConflictOfInterest @5 :Answer;
  # The holders of parental responsibility cannot represent the child (suspected involvement or
  # another conflict): a representative is needed (R04).
  foreignNational @6 :Answer;
  # Not a national of the jurisdiction of the event.
  lawfulStay @7 :Answer;
  # Has a right to stay in the jurisdiction. False for a foreign national without one: a
  # reflection period is due (R13).
  needsInterpreter @8 :Bool;
  # The child does not understand the language of the procedure well enough (R07, R08).
  interpreterLanguage @9 :Text;
  # ISO 639 code of the language the child understands; set when `needsInterpreter`.
}

enum RiskLevel {
  # Persisted, never renumber.
  unspecified @0;
  low @1;
  medium @2;
  high @3;
}

enum RiskKind {
  # Persisted, never renumber.
  unspecified @0;
  reTrafficking @1;
  retaliationByTraffickers @2;
  goingMissing @3;
  selfHarm @4;
  secondaryVictimisation @5;
  familyInvolvement @6;
  # Family members are suspected of involvement in the exploitation.
  substanceUse @7;
  healthDeterioration @8;
  other @9;
}

enum GuardianType {
  # Persisted, never renumber.
  unspecified @0;
  civilGuardian @1;
  # SE god man, LV orphan's court, LT State Child Rights Protection and Adoption Service, ...
  representativeCriminal @2;
  # Representative in criminal proceedings (SE särskild företrädare, FI edunvalvoja, DK
  # bistandsværge).
  provisionalRepresentative @3;
  # Until a guardian is appointed (EU asylum Pact).
  specialRepresentative @4;
  # Representative for unaccompanied minors in migration procedures (NO representant, ...).
  other @5;
}

enum RepresentationGround {
  # Persisted, never renumber. Why the child needs a representative (R04).
  unspecified @0;
  unaccompanied @1;
  parentalConflictOfInterest @2;
  parentsUnableOrUnreachable @3;
  other @4;
}

enum ReporterKind {
  # Persisted, never renumber. Who brought a matter to the agency.
  unspecified @0;
  child @1;
  parentOrFamily @2;
  guardian @3;
  police @4;
  childProtection @5;
  school @6;
  health @7;
  ngo @8;
  migration @9;
  borderGuard @10;
  placement @11;
  anonymous @12;
  other @13;
}

enum DecisionContext {
  # Persisted, never renumber. The decision for which the child's views are heard (R10).
  unspecified @0;
  bestInterestsDetermination @1;
  placement @2;
  careOrder @3;
  returnDecision @4;
  caseTransfer @5;
  durableSolution @6;
  caseClosure @7;
  guardianAppointment @8;
  nrmReferral @9;
  ageAssessment @10;
  residencePermit @11;
  individualAssessment @12;
  therapy @13;
  other @14;
}

enum DurableSolution {
  # Persisted, never renumber.
  unspecified @0;
  localIntegration @1;
  returnAndReintegration @2;
  # Return to the State of origin or habitual residence, with reintegration support.
  resettlement @3;
  # Integration in a third State (including family reunification there).
  other @4;
}

enum Urgency {
  # Persisted, never renumber.
  unspecified @0;
  immediate @1;
  # Acute danger: act the same day.
  urgent @2;
  nonUrgent @3;
}

enum Premises {
  # Persisted, never renumber. Where an interview or examination takes place (R17).
  unspecified @0;
  barnahus @1;
  childAdaptedRoom @2;
  # A child-adapted interview room outside a Barnahus.
  policeStation @3;
  # An ordinary police interview room.
  hospital @4;
  other @5;
}

enum ProceedingsStage {
  # Persisted, never renumber.
  unspecified @0;
  investigation @1;
  prosecution @2;
  trial @3;
  appeal @4;
}

enum CompensationPayer {
  # Persisted, never renumber.
  unspecified @0;
  offender @1;
  stateScheme @2;
  # A State compensation fund or authority.
  employer @3;
  other @4;
}

# ---------------------------------------------------------------------------------------------
# Event bodies, in catalogue order.
# ---------------------------------------------------------------------------------------------

# -- Identification --------------------------------------------------------------------------

struct TraffickingIndicatorsObserved {
  # A front-line professional sees signs of trafficking. Emitted by any agency.
  indicators @0 :List(TraffickingIndicator) $required;
  suspectedExploitation @1 :List(ExploitationType);
  # Empty when the form of exploitation is not yet apparent.
  context @2 :ObservationContext;
  child @3 :ChildFacts $required;

  enum ObservationContext {
    # Persisted, never renumber. Where the signs were seen.
    unspecified @0;
    borderCheck @1;
    policeOperation @2;
    childProtection @3;
    school @4;
    healthCare @5;
    asylumReception @6;
    labourInspection @7;
    ngoOutreach @8;
    online @9;
    other @10;
  }
}

struct PresumedVictimIdentified {
  # Reasonable grounds to believe the child is a victim: assistance starts at once (R02) and the
  # clocks of R03, R04, R07, R09, R13, R20, R22, R23 and R27 start.
  grounds @0 :Text $required;
  # Professional summary of the reasonable grounds; no narrative about the child.
  indicators @1 :List(TraffickingIndicator);
  exploitationTypes @2 :List(ExploitationType) $required;
  exploitationStates @3 :List(Text);
  # ISO 3166 codes of the States where exploitation took place, if known; more than one, or one
  # other than the jurisdiction, makes it a cross-border case.
  child @4 :ChildFacts $required;
  observationRef @5 :Data $Json.hex;
  # The TraffickingIndicatorsObserved event, if any.
}

struct FormalVictimStatusDecided {
  # The designated body's formal decision on victim status. A decision ends the identification
  # phase during which removal is barred (R12).
  decision @0 :Decision;
  decidingBody @1 :DecidingBody;
  decidingBodyId @2 :Text;
  # Agency id of the deciding body when it is not the emitting agency (e.g. an NGO commission).
  grounds @3 :Text $required;
  # Professional reasons for the decision; no narrative about the child.
  exploitationTypes @4 :List(ExploitationType);
  # May be empty when the status is not recognised.
  child @5 :ChildFacts $required;
  presumptionRef @6 :Data $Json.hex;
  # The PresumedVictimIdentified event.
  appealLodged @7 :Bool;

  enum Decision {
    # Persisted, never renumber.
    unspecified @0;
    recognised @1;
    notRecognised @2;
    discontinued @3;
    # Closed without a decision (e.g. the child left the jurisdiction).
  }

  enum DecidingBody {
    # Persisted, never renumber.
    unspecified @0;
    nrmBody @1;
    immigrationService @2;
    # DK Immigration Service / CMM, FI NAS, ...
    police @3;
    prosecutor @4;
    mandatedNgoCommission @5;
    # LV commission of a mandated NGO.
    court @6;
    other @7;
  }
}

# -- Referral ----------------------------------------------------------------------------------

enum ConsentStatus {
  # Persisted, never renumber.
  unspecified @0;
  given @1;
  refused @2;
  notRequired @3;
  notObtainable @4;
  # E.g. no representative yet appointed.
}

struct ReferredToNrm {
  # The identifying agency refers the child to the national referral mechanism (R03).
  nrmBodyId @0 :Text $required;
  # Agency id of the NRM body referred to.
  childConsent @1 :ConsentStatus;
  guardianConsent @2 :ConsentStatus;
  # Consent of the guardian or representative (FI: the representative's consent is needed).
  childHeard @3 :Bool;
  presumptionRef @4 :Data $Json.hex;
  # The PresumedVictimIdentified event.
}

struct ReferralAccepted {
  # The NRM body accepts the referral.
  referralRef @0 :Data $Json.hex;
  # The ReferredToNrm event.
  nrmCaseRef @1 :Text;
  # The NRM body's own case reference (not personal data).
}

# -- Child protection ------------------------------------------------------------------------

struct ChildProtectionReportReceived {
  # Child protection receives a notification about the child (R03; starts the R28 clock).
  reportedBy @0 :ReporterKind;
  urgencyIndicated @1 :Urgency $optional;
  # Urgency as indicated by the reporter, if any; the agency's own assessment is in
  # CpAssessmentDecided.
  presumptionRef @2 :Data $Json.hex;
  # The PresumedVictimIdentified event, when the report follows identification.
}

struct CpAssessmentDecided {
  # Child protection's first decision on a report (urgency check, decision to investigate) (R28).
  reportRef @0 :Data $Json.hex;
  # The ChildProtectionReportReceived event.
  urgency @1 :Urgency;
  decision @2 :Decision;
  grounds @3 :Text;
  # Professional reasons; no narrative about the child.

  enum Decision {
    # Persisted, never renumber.
    unspecified @0;
    openInvestigation @1;
    immediateProtection @2;
    # Emergency measures and an investigation.
    noFurtherAction @3;
    referredToOtherAuthority @4;
    addedToOpenCase @5;
    other @6;
  }
}

struct CpInvestigationCompleted {
  # Child protection completes its investigation of the child's situation (R28).
  assessmentRef @0 :Data $Json.hex;
  # The CpAssessmentDecided event.
  conclusion @1 :Conclusion;
  extensionGrounds @2 :Text;
  # Why the investigation took longer than the standard limit, where the law allows it (NO up to
  # 6 months); professional reasons only.

  enum Conclusion {
    # Persisted, never renumber.
    unspecified @0;
    supportMeasures @1;
    placementOutsideHome @2;
    careOrderSought @3;
    noMeasures @4;
    referredElsewhere @5;
    other @6;
  }
}

# -- Age -----------------------------------------------------------------------------------------

struct AgeDisputed {
  # An agency doubts the age the person gives; the presumption of childhood must apply at once
  # (R01).
  claimedAgeYears @0 :UInt8;
  # Age the person claims; 0 if none given.
  documentsAvailable @1 :Bool;
  grounds @2 :Text $required;
  # Professional reasons for the doubt; no narrative or physical description.
}

struct AgePresumptionApplied {
  # The person is treated as a child until the age is verified (R01).
  disputeRef @0 :Data $Json.hex;
  # The AgeDisputed event.
  presumedAgeYears @1 :UInt8;
  # Age used meanwhile (normally the claimed age); 0 if only "under 18" is presumed.
}

struct AgeAssessmentCompleted {
  # An age assessment (or an appeal against one) is completed (R01).
  methods @0 :List(Method) $required;
  assessedAgeYears @1 :UInt8;
  # Most likely age in years.
  minAgeYears @2 :UInt8;
  maxAgeYears @3 :UInt8;
  # The range given by the margin of error; with the benefit of the doubt the lower bound counts.
  result @4 :Result;
  benefitOfDoubtApplied @5 :Bool;
  informedConsent @6 :Bool;
  # The child and representative consented to the methods used.
  appealLodged @7 :Bool;
  onAppeal @8 :Bool;
  # This event records the outcome of an appeal against an earlier assessment.
  disputeRef @9 :Data $Json.hex;
  # The AgeDisputed event.

  enum Method {
    # Persisted, never renumber.
    unspecified @0;
    documentExamination @1;
    psychosocialInterview @2;
    physicalObservation @3;
    dentalXray @4;
    boneXray @5;
    mri @6;
    other @7;
  }

  enum Result {
    # Persisted, never renumber.
    unspecified @0;
    minor @1;
    adult @2;
    # Found to be 18 or over: the only result that ends the presumption of childhood.
    inconclusive @3;
    # Treated as a minor.
  }
}

# -- Representation ----------------------------------------------------------------------------

struct ProvisionalRepresentativeDesignated {
  # A representative acts for the child until a guardian is appointed (R04).
  representativeId @0 :Text $required;
  representativeType @1 :GuardianType;
  ground @2 :RepresentationGround;
  caseload @3 :UInt16;
  # Active wards of this representative including this child (R06).
  appointingBodyId @4 :Text;
  # Agency id of the appointing body when it is not the emitting agency.
}

struct GuardianAppointed {
  # A guardian or representative is appointed (R04, R06).
  guardianId @0 :Text $required;
  guardianType @1 :GuardianType;
  ground @2 :RepresentationGround;
  caseload @3 :UInt16;
  # Active wards of this guardian including this child (R06).
  caseloadExceptional @4 :Bool;
  # The appointing body accepted a caseload above the normal cap as exceptional (R06).
  appointingBodyId @5 :Text;
  # Agency id of the appointing body (e.g. the court) when it is not the emitting agency.
}

struct GuardianConflictFlagged {
  # A conflict of interest or unsuitability of the guardian is raised (R05).
  guardianId @0 :Text $required;
  conflict @1 :Conflict;
  grounds @2 :Text;
  # Professional reasons; no narrative.

  enum Conflict {
    # Persisted, never renumber.
    unspecified @0;
    suspectedInvolvement @1;
    # Suspected of involvement in the exploitation.
    parentalConflictOfInterest @2;
    insufficientCapacity @3;
    childObjects @4;
    misconduct @5;
    other @6;
  }
}

struct GuardianReplaced {
  # A new guardian takes over from an earlier one (R05, R06).
  previousGuardianId @0 :Text $required;
  newGuardianId @1 :Text $required;
  guardianType @2 :GuardianType;
  reason @3 :Reason;
  caseload @4 :UInt16;
  # Active wards of the new guardian including this child (R06).
  caseloadExceptional @5 :Bool;
  conflictRef @6 :Data $Json.hex;
  # The GuardianConflictFlagged event this resolves, if any.

  enum Reason {
    # Persisted, never renumber.
    unspecified @0;
    conflictOfInterest @1;
    guardianRequest @2;
    childRequest @3;
    capacity @4;
    misconduct @5;
    relocation @6;
    other @7;
  }
}

# -- Reflection period -------------------------------------------------------------------------

struct ReflectionPeriodGranted {
  # A recovery and reflection period (or its national equivalent) is granted (R12, R13).
  startAt @0 :Int64;
  endAt @1 :Int64;
  # Microseconds since the epoch. At least 30 days after `startAt` (CETS 13; national length §4).
  basis @2 :Basis;
  applicantRole @3 :AgencyRole $optional;
  # Who applied, when not the child or representative (SE: social services may apply).

  enum Basis {
    # Persisted, never renumber.
    unspecified @0;
    reflectionPeriod @1;
    # CETS 197 Art 13 as transposed (DK, FI, SE, LT).
    coolingOffPeriod @2;
    # EE prosecutor's cooling-off period.
    waitingPeriod @3;
    # LV waiting period.
    temporaryResidencePermit @4;
    # NO, IS: a permit serves as the reflection period.
    other @5;
  }
}

struct ReflectionPeriodExtended {
  grantRef @0 :Data $Json.hex;
  # The ReflectionPeriodGranted event.
  newEndAt @1 :Int64;
  reason @2 :Text;
  # Professional reason for the extension.
}

struct ReflectionPeriodEnded {
  grantRef @0 :Data $Json.hex;
  endReason @1 :EndReason;

  enum EndReason {
    # Persisted, never renumber.
    unspecified @0;
    expired @1;
    decidedToCooperate @2;
    decidedNotToCooperate @3;
    residencePermitGranted @4;
    publicOrder @5;
    # CETS 13(3).
    victimStatusImproperlyClaimed @6;
    # CETS 13(3).
    victimStatusNotRecognised @7;
    childMissing @8;
    leftJurisdiction @9;
    other @10;
  }
}

# -- Assessment and case management ----------------------------------------------------------

enum NeedKind {
  # Persisted, never renumber.
  unspecified @0;
  safeAccommodation @1;
  medicalCare @2;
  psychologicalSupport @3;
  # Crisis support and therapy (R22: TherapyStarted is due when assessed as needed).
  legalAssistance @4;
  education @5;
  interpretation @6;
  familyTracing @7;
  protectionMeasures @8;
  materialSupport @9;
  other @10;
}

struct IndividualAssessmentCompleted {
  # Individual needs and protection-risk assessment (R09, R22).
  needs @0 :List(NeedKind);
  specificProtectionNeeds @1 :Bool;
  # Child victims are presumed to have them (VRD Art 22(4)); false only with reasons.
  risks @2 :List(RiskKind);
  riskLevel @3 :RiskLevel;
  childViewsTaken @4 :Bool;
  # The child's views were taken into account (2011/36 Art 14(1)).
  nextReviewAt @5 :Int64;
  # When the assessment is due for review; 0 if not set.
}

struct RiskAssessmentUpdated {
  # The risk assessment is revisited (R09; after ChildLocated, R25).
  trigger @0 :Trigger;
  triggerRef @1 :Data $Json.hex;
  # The event that prompted the update, if any.
  risks @2 :List(RiskKind);
  riskLevel @3 :RiskLevel;
  needsChanged @4 :Bool;
  nextReviewAt @5 :Int64;

  enum Trigger {
    # Persisted, never renumber.
    unspecified @0;
    scheduledReview @1;
    placementChange @2;
    childLocated @3;
    returnDecided @4;
    newInformation @5;
    other @6;
  }
}

struct BestInterestsDeterminationCompleted {
  # Formal multidisciplinary best-interests determination (R10, R11, R29).
  purpose @0 :Purpose;
  panelRoles @1 :List(AgencyRole) $required;
  # Roles represented in the determination (it must be multidisciplinary).
  recommendedSolution @2 :DurableSolution $optional;
  # Set when the purpose is a durable solution, return or transfer.
  receivingState @3 :Text;
  # ISO 3166 code, when the determination concerns a move to another State.
  childViewsRef @4 :Data $Json.hex;
  # The ChildViewsHeard event for this decision.
  riskAssessmentRef @5 :Data $Json.hex;
  # The ReturnRiskAssessmentCompleted event, for a return or transfer.

  enum Purpose {
    # Persisted, never renumber.
    unspecified @0;
    durableSolution @1;
    returnToState @2;
    caseTransfer @3;
    careAndPlacement @4;
    familyReunification @5;
    other @6;
  }
}

struct CaseConferenceHeld {
  # Interagency case conference (R27).
  kind @0 :Kind;
  attendees @1 :List(AgencyRole) $required;
  childParticipated @2 :Bool;
  guardianParticipated @3 :Bool;
  nextReviewAt @4 :Int64;
  # When the next review is due; 0 if none planned.

  enum Kind {
    # Persisted, never renumber.
    unspecified @0;
    initial @1;
    review @2;
    emergency @3;
  }
}

# -- Placement ---------------------------------------------------------------------------------

enum PlacementType {
  # Persisted, never renumber.
  unspecified @0;
  fosterFamily @1;
  kinshipCare @2;
  residentialChildCare @3;
  specialisedShelter @4;
  # A shelter for child victims of trafficking.
  supportedLodging @5;
  unaccompaniedMinorsReception @6;
  secureUnit @7;
  adultAccommodation @8;
  # An adult-track measure: a breach of R01 while the age is disputed.
  immigrationDetention @9;
  # An adult-track measure for a child (R01).
  other @10;
}

struct PlacementStarted {
  # The child is placed (assistance under R02; decision under R10).
  placementType @0 :PlacementType;
  placementProviderId @1 :Text;
  # Pseudonymous id of the provider; never its address.
  secure @2 :Bool;
  careOrder @3 :Bool;
  # Placed under a compulsory care order.
  emergency @4 :Bool;
  reason @5 :Text;
  # Professional reason for the placement; no narrative.
  childViewsRef @6 :Data $Json.hex;
  # The ChildViewsHeard event for this decision (R10).
}

struct PlacementChanged {
  # The child moves to another placement (R09 update; R10).
  placementType @0 :PlacementType;
  placementProviderId @1 :Text;
  secure @2 :Bool;
  careOrder @3 :Bool;
  emergency @4 :Bool;
  changeReason @5 :ChangeReason;
  reason @6 :Text;
  # Professional reason; no narrative.
  previousPlacementRef @7 :Data $Json.hex;
  # The PlacementStarted or PlacementChanged event it replaces.
  childViewsRef @8 :Data $Json.hex;

  enum ChangeReason {
    # Persisted, never renumber.
    unspecified @0;
    childRequest @1;
    safety @2;
    needsChanged @3;
    placementBreakdown @4;
    relocation @5;
    other @6;
  }
}

struct PlacementEnded {
  placementRef @0 :Data $Json.hex;
  # The PlacementStarted or PlacementChanged event.
  endReason @1 :EndReason;

  enum EndReason {
    # Persisted, never renumber.
    unspecified @0;
    reachedMajority @1;
    returnedToFamily @2;
    durableSolutionImplemented @3;
    leftJurisdiction @4;
    childMissing @5;
    nonCooperation @6;
    # Ended because the child did not cooperate with the authorities: a breach of R02.
    childDeclined @7;
    other @8;
  }
}

# -- Health and psychosocial support ---------------------------------------------------------

struct MedicalExaminationPerformed {
  # Forensic or care examination (R21). Health data: the envelope's data class is `health`.
  purpose @0 :Purpose;
  acute @1 :Bool;
  providerId @2 :Text $required;
  # Pseudonymous id of the examining clinician or unit.
  premises @3 :Premises;
  crimeReportRef @4 :Data $Json.hex;
  # The CrimeReported event it answers, if any.
  repeatReason @5 :Text;
  # Clinical reason when the child has been examined before (R21); professional, no narrative.

  enum Purpose {
    # Persisted, never renumber.
    unspecified @0;
    forensic @1;
    care @2;
    forensicAndCare @3;
  }
}

struct CrisisSupportProvided {
  # Crisis or psychosocial support offered (R22).
  providerId @0 :Text $required;
  declinedByChild @1 :Bool;
  # Offered but declined: the offer still satisfies R22.
}

struct TherapyStarted {
  # Therapy starts (R22).
  providerId @0 :Text $required;
  modality @1 :Modality $optional;
  assessmentRef @2 :Data $Json.hex;
  # The IndividualAssessmentCompleted event that found the need.

  enum Modality {
    # Persisted, never renumber.
    unspecified @0;
    individual @1;
    inGroup @2;
    family @3;
    other @4;
  }
}

struct TherapyEnded {
  startRef @0 :Data $Json.hex;
  # The TherapyStarted event.
  endReason @1 :EndReason;

  enum EndReason {
    # Persisted, never renumber.
    unspecified @0;
    completed @1;
    childDeclined @2;
    movedOrTransferred @3;
    childMissing @4;
    nonCooperation @5;
    # Ended because the child did not cooperate with the authorities: a breach of R02.
    reachedMajority @6;
    other @7;
  }
}

# -- Education ---------------------------------------------------------------------------------

struct SchoolEnrolled {
  # The child is enrolled in school (R23).
  schoolId @0 :Text $required;
  # Pseudonymous id of the school; never its name or address.
  level @1 :Level $optional;
  languageClass @2 :Bool;
  # Enrolled in an introductory or language class.

  enum Level {
    # Persisted, never renumber.
    unspecified @0;
    preschool @1;
    primary @2;
    lowerSecondary @3;
    upperSecondary @4;
    vocational @5;
  }
}

struct EducationArrangementProvided {
  # Education support other than or besides enrolment.
  arrangement @0 :Arrangement;
  providerId @1 :Text;
  languageClass @2 :Bool;

  enum Arrangement {
    # Persisted, never renumber.
    unspecified @0;
    languageSupport @1;
    preparatoryClass @2;
    homeTuition @3;
    remoteLearning @4;
    vocationalTraining @5;
    specialNeedsSupport @6;
    other @7;
  }
}

# -- Information, interpretation, participation ----------------------------------------------

struct InformationProvidedToChild {
  # The child is informed of rights and procedures (R07: before the first interview).
  topics @0 :List(Topic) $required;
  language @1 :Text $required;
  # ISO 639 code of the language used.
  format @2 :Format;
  understood @3 :Understanding;
  interpreterId @4 :Text;
  # Pseudonymous id of the interpreter, if one was used.
  guardianPresent @5 :Bool;

  enum Topic {
    # Persisted, never renumber.
    unspecified @0;
    rights @1;
    procedures @2;
    supportServices @3;
    legalAid @4;
    compensation @5;
    reflectionPeriod @6;
    residence @7;
    interviewProcess @8;
    complaints @9;
    dataProtection @10;
    returnAndTransfer @11;
    other @12;
  }

  enum Format {
    # Persisted, never renumber.
    unspecified @0;
    oral @1;
    written @2;
    easyRead @3;
    audiovisual @4;
    mixed @5;
  }

  enum Understanding {
    # Persisted, never renumber.
    unspecified @0;
    confirmed @1;
    partly @2;
    notConfirmed @3;
    notChecked @4;
  }
}

struct InterpreterAssigned {
  # An interpreter is assigned for an interview, hearing or meeting (R08).
  interpreterId @0 :Text $required;
  language @1 :Text $required;
  # ISO 639 code.
  mode @2 :Mode;
  setting @3 :Setting;
  forEventRef @4 :Data $Json.hex;
  # The event it is assigned for (e.g. ForensicInterviewScheduled), if recorded before.
  certified @5 :Bool;
  # The interpreter holds a recognised qualification.

  enum Mode {
    # Persisted, never renumber.
    unspecified @0;
    inPerson @1;
    video @2;
    telephone @3;
  }

  enum Setting {
    # Persisted, never renumber.
    unspecified @0;
    forensicInterview @1;
    courtHearing @2;
    informationSession @3;
    childViews @4;
    medical @5;
    assessment @6;
    meeting @7;
    other @8;
  }
}

struct ChildViewsHeard {
  # The child is heard before a decision, or an exemption is reasoned (R10).
  decisionContext @0 :DecisionContext;
  heard @1 :Bool;
  exemptionReason @2 :ExemptionReason $optional;
  # Set when `heard` is false.
  exemptionGrounds @3 :Text;
  # Professional reasons for not hearing the child; no narrative.
  weightGiven @4 :Weight $optional;
  # How far the views shaped the decision, when known.
  language @5 :Text;
  # ISO 639 code of the language used.
  interpreterId @6 :Text;
  guardianPresent @7 :Bool;
  decisionRef @8 :Data $Json.hex;
  # The decision event, when the views are recorded after it.

  enum ExemptionReason {
    # Persisted, never renumber.
    unspecified @0;
    insufficientMaturity @1;
    childDeclined @2;
    riskOfHarm @3;
    urgency @4;
    childUnavailable @5;
    other @6;
  }

  enum Weight {
    # Persisted, never renumber.
    unspecified @0;
    decisive @1;
    significant @2;
    considered @3;
    notFollowed @4;
    # Not followed; reasons belong in the decision.
  }
}

# -- Forensic interview ------------------------------------------------------------------------

enum InterviewDelayReason {
  # Persisted, never renumber. Accepted reasons for a first interview beyond the base limit (R14;
  # NO: +1 week).
  unspecified @0;
  investigativeSteps @1;
  # Time-consuming investigative steps.
  necessaryPreparation @2;
  childsInterest @3;
  # A delay is clearly in the child's interest.
  childUnavailable @4;
  other @5;
}

enum ExcludedRole {
  # Persisted, never renumber. Whose presence at the interview a reasoned decision excludes (R19).
  unspecified @0;
  guardian @1;
  parent @2;
  supportPerson @3;
  legalRepresentative @4;
}

struct ForensicInterviewScheduled {
  # A forensic interview is planned.
  plannedAt @0 :Int64;
  # When the interview is planned to take place.
  sequenceNumber @1 :UInt8;
  # 1 for the child's first interview in this case.
  interviewerId @2 :Text $required;
  premises @3 :Premises;
  interpreterLanguage @4 :Text;
  # ISO 639 code, when an interpreter is needed.
  crimeReportRef @5 :Data $Json.hex;
  accompanimentExcluded @6 :Bool;
  # A reasoned decision excludes a person from accompanying the child (R19); this event is then
  # the exclusion decision that ForensicInterviewConducted.exclusionDecisionRef names.
  excludedRole @7 :ExcludedRole $optional;
  exclusionGrounds @8 :Text;
  # Professional reasons for the exclusion; no narrative.
  delayReason @9 :InterviewDelayReason $optional;
  delayGrounds @10 :Text;
}

struct ForensicInterviewConducted {
  # A forensic interview is held (R07, R08, R14-R20).
  sequenceNumber @0 :UInt8;
  # 1 for the child's first interview in this case, 2 for the second, ...
  interviewerId @1 :Text $required;
  interviewerCertified @2 :Bool;
  # Trained and certified in child forensic interviewing (R17).
  protocol @3 :Protocol;
  premises @4 :Premises;
  recorded @5 :Bool;
  # Audio-visual recording (R18).
  recordingHash @6 :Data $Json.hex;
  # SHA-256 of the recording file, when recorded.
  observers @7 :List(Text);
  # Pseudonymous ids or roles of those watching from another room.
  guardianPresent @8 :Bool;
  supportPersonPresent @9 :Bool;
  exclusionDecisionRef @10 :Data $Json.hex;
  # The event holding the reasoned exclusion decision, when neither was present (R19).
  interpreterId @11 :Text;
  interpreterLanguage @12 :Text;
  # ISO 639 code.
  supplementary @13 :Bool;
  # A supplementary interview (follow-up questions, e.g. from the defence).
  repeatBasis @14 :RepeatBasis $optional;
  # Set for sequence number 2 and above (R15).
  repeatReason @15 :Text;
  # Necessity reason for interview 2 and above (R15); professional, no narrative.
  interviewerChangeReason @16 :Text;
  # Why the interviewer differs from interview 1 (R16); professional, no narrative.
  childSpecialistPresent @17 :Bool;
  # A psychologist or child specialist took part (LT, EE).
  judgeSupervised @18 :Bool;
  # IS: a judge supervised the interview.
  counselPresent @19 :Bool;
  replacesCourtTestimony @20 :Bool;
  # Intended to be used in place of the child's testimony at trial.
  crimeReportRef @21 :Data $Json.hex;
  scheduledRef @22 :Data $Json.hex;
  delayReason @23 :InterviewDelayReason $optional;
  delayGrounds @24 :Text;

  enum Protocol {
    # Persisted, never renumber.
    unspecified @0;
    nichd @1;
    dialogicalCommunication @2;
    # The Norwegian dialogical communication method (DCM).
    cognitiveInterview @3;
    stepwise @4;
    nationalGuideline @5;
    other @6;
  }

  enum RepeatBasis {
    # Persisted, never renumber.
    unspecified @0;
    newCircumstances @1;
    defenceRequest @2;
    courtOrder @3;
    incompleteAccount @4;
    childRequest @5;
    other @6;
  }
}

# -- Legal counsel -----------------------------------------------------------------------------

struct LegalCounselAppointed {
  # Legal counsel for the child (R20).
  counselId @0 :Text $required;
  free @1 :Bool;
  # Free of charge to the child.
  scopes @2 :List(Scope) $required;

  enum Scope {
    # Persisted, never renumber.
    unspecified @0;
    criminal @1;
    compensation @2;
    asylum @3;
    civil @4;
    other @5;
  }
}

# -- Criminal proceedings ----------------------------------------------------------------------

struct CrimeReported {
  # An offence against the child is reported to the police (starts R14, R21).
  offenceCodes @0 :List(Text) $required;
  # National penal-code references (e.g. "SE:BrB 4:1a"), never a description of the facts.
  violence @1 :Bool;
  # The offence involved violence or sexual abuse: a medical examination is due (R21).
  acute @2 :Bool;
  # Recent enough for forensic findings (R21: 72 h limit).
  reportedBy @3 :ReporterKind;
  childRole @4 :ChildRole;
  offenceOccurredAt @5 :Int64;
  # When the offence (or its latest act) took place, if known; 0 otherwise. NO: an offence less
  # than 2 weeks old shortens the interview limit (R14).
  seriousOffence @6 :Bool;
  protectionNeed @7 :Bool;
  # The child needs protection; NO: shortens the interview limit (R14).
  immediateAccountNeeded @8 :Bool;
  # NO: a full account is needed at once (R14).
  policeRef @9 :Text;
  # The police case reference (not personal data).

  enum ChildRole {
    # Persisted, never renumber.
    unspecified @0;
    victim @1;
    witness @2;
  }
}

struct InvestigationOpened {
  # A criminal investigation is opened (R26).
  crimeReportRef @0 :Data $Json.hex;
  offenceCodes @1 :List(Text) $required;
  particularlyUrgent @2 :Bool;
  # SE: a particularly urgent investigation (victim under 18).
  reasonableSuspicionAt @3 :Int64;
  # When a person was first reasonably suspected; 0 if no one yet (a correction then sets it).
  # SE: the prosecution decision is due within 3 months of it (R26).
}

struct ChargesFiled {
  # The prosecutor charges someone (R24, R26).
  offenceCodes @0 :List(Text) $required;
  defendantIsChild @1 :Bool;
  # The child of this case is the defendant: a non-punishment assessment must come first (R24).
  treatedAsAdult @2 :Bool;
  # The child is prosecuted as an adult (adult track, R01).
  investigationRef @3 :Data $Json.hex;
  nonPunishmentRef @4 :Data $Json.hex;
  # The NonPunishmentAssessed event, when the child is the defendant (R24).
  delayGrounds @5 :Text;
  # Why the charge decision came later than the limit (R26); professional reasons only.
}

struct TrialStarted {
  # The main hearing starts (R26).
  courtId @0 :Text;
  # Agency id of the court.
  chargesRef @1 :Data $Json.hex;
  childTestifiesInCourt @2 :Bool;
  recordedEvidenceUsed @3 :Bool;
  # The recorded forensic interview is played instead of live testimony.
  closedHearing @4 :Bool;
  interpreterId @5 :Text;
  # Interpreter for the child, when the child takes part (R08).
  delayGrounds @6 :Text;
  # Why the trial started later than the limit (R26; FI 30 days); professional reasons only.
}

struct VerdictDelivered {
  outcome @0 :Outcome;
  instance @1 :Instance;
  finalVerdict @2 :Bool;
  # No further appeal possible.
  convictedOffenceCodes @3 :List(Text);
  chargesRef @4 :Data $Json.hex;

  enum Outcome {
    # Persisted, never renumber.
    unspecified @0;
    conviction @1;
    partialConviction @2;
    acquittal @3;
    dismissal @4;
  }

  enum Instance {
    # Persisted, never renumber.
    unspecified @0;
    firstInstance @1;
    appealCourt @2;
    supremeCourt @3;
  }
}

struct ProceedingsDiscontinued {
  stage @0 :ProceedingsStage;
  reason @1 :Reason;
  grounds @2 :Text;
  # Professional reasons; no narrative.
  investigationRef @3 :Data $Json.hex;

  enum Reason {
    # Persisted, never renumber.
    unspecified @0;
    insufficientEvidence @1;
    suspectUnknown @2;
    noOffence @3;
    nonPunishment @4;
    # Discontinued against the child under the non-punishment principle (R24).
    timeBarred @5;
    publicInterest @6;
    suspectAbroad @7;
    other @8;
  }
}

# -- Compensation ------------------------------------------------------------------------------

struct CompensationClaimFiled {
  payer @0 :CompensationPayer;
  # Against whom the claim is made.
  amountMinor @1 :Int64;
  # Amount claimed in minor units of `currency` (cents, öre, ...); 0 if not quantified.
  currency @2 :Text;
  # ISO 4217 code; set when `amountMinor` is.
  counselId @3 :Text;
}

struct CompensationAwarded {
  claimRef @0 :Data $Json.hex;
  # The CompensationClaimFiled event.
  payer @1 :CompensationPayer;
  amountMinor @2 :Int64;
  # In minor units of `currency`.
  currency @3 :Text $required;
  # ISO 4217 code.
}

struct CompensationPaid {
  awardRef @0 :Data $Json.hex;
  # The CompensationAwarded event.
  payer @1 :CompensationPayer;
  amountMinor @2 :Int64;
  # In minor units of `currency`; a part payment pays less than awarded.
  currency @3 :Text $required;
}

# -- Non-punishment ----------------------------------------------------------------------------

struct ChildSuspectedOfOffence {
  # The child is suspected of an offence (starts R24).
  offenceCodes @0 :List(Text) $required;
  exploitationLinkSuspected @1 :Bool;
  # Signs that the offence is linked to the exploitation (R24).
  belowCriminalAge @2 :Bool;
  # Under the age of criminal responsibility.
  policeRef @3 :Text;
}

struct NonPunishmentAssessed {
  # The non-punishment principle is assessed (R24: before any charge).
  suspicionRef @0 :Data $Json.hex;
  # The ChildSuspectedOfOffence event.
  exploitationLink @1 :Bool;
  # The offence was committed as a direct consequence of being trafficked.
  outcome @2 :Outcome;
  grounds @3 :Text;
  # Professional reasons; no narrative.

  enum Outcome {
    # Persisted, never renumber.
    unspecified @0;
    notProsecuted @1;
    prosecutionWaived @2;
    penaltyWaived @3;
    proceedNoLink @4;
    # No link found: proceedings may continue.
    other @5;
  }
}

# -- Residence ---------------------------------------------------------------------------------

enum PermitType {
  # Persisted, never renumber.
  unspecified @0;
  traffickingVictim @1;
  # Directive 2004/81 or national equivalent.
  internationalProtection @2;
  # Asylum: starts R04's 15-working-day clock for an unaccompanied child and R23.
  humanitarian @3;
  familyReunification @4;
  unaccompaniedMinor @5;
  other @6;
}

struct ResidencePermitApplied {
  permitType @0 :PermitType;
  duringReflection @1 :Bool;
  # Lodged during a reflection period (FI: keeps the stay lawful while processed).
  treatedAsAdult @2 :Bool;
  # Processed in the adult procedure (adult track, R01).
}

struct ResidencePermitGranted {
  applicationRef @0 :Data $Json.hex;
  permitType @1 :PermitType;
  validUntilAt @2 :Int64;
  # 0 for a permanent permit.
  renewable @3 :Bool;
}

struct ResidencePermitRefused {
  applicationRef @0 :Data $Json.hex;
  permitType @1 :PermitType;
  grounds @2 :Text;
  # Professional reasons; no narrative.
  appealLodged @3 :Bool;
}

# -- Cross-border ------------------------------------------------------------------------------

struct TransnationalReferralSent {
  receivingState @0 :Text $required;
  # ISO 3166 code.
  receivingAgencyId @1 :Text;
  purpose @2 :Purpose;

  enum Purpose {
    # Persisted, never renumber.
    unspecified @0;
    familyTracing @1;
    riskAssessment @2;
    caseTransfer @3;
    informationRequest @4;
    other @5;
  }
}

struct CaseTransferred {
  # The file is transferred to another State (R11).
  receivingState @0 :Text $required;
  receivingAgencyId @1 :Text;
  bidRef @2 :Data $Json.hex;
  # The BestInterestsDeterminationCompleted event (R11).
  riskAssessmentRef @3 :Data $Json.hex;
  # The ReturnRiskAssessmentCompleted event (R11).
  childViewsRef @4 :Data $Json.hex;
  referralRef @5 :Data $Json.hex;
  # The TransnationalReferralSent event, if any.
  receiptConfirmedAt @6 :Int64;
  # When the receiving State confirmed receipt; 0 if not yet (a correction then sets it).
}

struct ReturnRiskAssessmentCompleted {
  # Risk assessment for a return or transfer (R11).
  receivingState @0 :Text $required;
  riskLevel @1 :RiskLevel;
  risks @2 :List(ReturnRisk);
  safeReceptionConfirmed @3 :Bool;
  # Care and reception arrangements in the receiving State are confirmed.
  familyTraced @4 :Bool;
  receivingAgencyId @5 :Text;

  enum ReturnRisk {
    # Persisted, never renumber.
    unspecified @0;
    reTrafficking @1;
    familyInvolvement @2;
    reprisals @3;
    noAdequateCare @4;
    persecution @5;
    noReceptionArrangement @6;
    other @7;
  }
}

enum ReturnKind {
  # Persisted, never renumber.
  unspecified @0;
  voluntary @1;
  enforced @2;
  transferUnderDublin @3;
  familyReunification @4;
}

struct ReturnDecided {
  # A decision to return the child to another State (R10, R11).
  receivingState @0 :Text $required;
  returnKind @1 :ReturnKind;
  bidRef @2 :Data $Json.hex;
  # The BestInterestsDeterminationCompleted event (R11).
  riskAssessmentRef @3 :Data $Json.hex;
  # The ReturnRiskAssessmentCompleted event (R11).
  childViewsRef @4 :Data $Json.hex;
  # The ChildViewsHeard event (R10).
  treatedAsAdult @5 :Bool;
  # Decided in the adult procedure (adult track, R01).
  appealLodged @6 :Bool;
}

struct ReturnExecuted {
  # The child leaves the jurisdiction under a return (R12: never while identification or a
  # reflection period is pending).
  receivingState @0 :Text $required;
  returnKind @1 :ReturnKind;
  returnDecisionRef @2 :Data $Json.hex;
  escorted @3 :Bool;
  receivingAgencyId @4 :Text;
  # Agency that received the child, if known.
}

# -- Missing children --------------------------------------------------------------------------

struct ChildMissingReported {
  # The child is missing (R25).
  lastSeenAt @0 :Int64;
  policeRef @1 :Text;
  # The police reference of the missing-person report (not personal data).
  sisAlert @2 :Bool;
  # A Schengen Information System alert was issued.
  policeNotifiedAt @3 :Int64;
  guardianNotifiedAt @4 :Int64;
  # 0 if not yet notified (R25: within 24 h).
  placementRef @5 :Data $Json.hex;
  # The placement the child went missing from.
  reTraffickingSuspected @6 :Bool;
  crossBorderSuspected @7 :Bool;
}

struct ChildLocated {
  # The child is found (R25: a risk assessment update is then due).
  missingRef @0 :Data $Json.hex;
  # The ChildMissingReported event.
  locatedInState @1 :Text;
  # ISO 3166 code.
  locatedByRole @2 :AgencyRole $optional;
  reTraffickingIndicated @3 :Bool;
  sisAlertWithdrawn @4 :Bool;
}

# -- Durable solution and closure ------------------------------------------------------------

struct DurableSolutionDetermined {
  # The durable solution is chosen through a BID (R29).
  solution @0 :DurableSolution;
  bidRef @1 :Data $Json.hex;
  receivingState @2 :Text;
  # ISO 3166 code, for return or resettlement.
  childViewsRef @3 :Data $Json.hex;
}

struct CaseClosed {
  # The case is closed (R10, R29).
  reason @0 :Reason;
  durableSolutionRef @1 :Data $Json.hex;
  # The DurableSolutionDetermined event (R29).
  transitionPlanAt18 @2 :Bool;
  # A transition plan for the child's 18th birthday is in place (R29).
  childViewsRef @3 :Data $Json.hex;
  receivingAgencyId @4 :Text;
  # Where the case went on, if transferred.

  enum Reason {
    # Persisted, never renumber.
    unspecified @0;
    durableSolutionImplemented @1;
    reachedMajority @2;
    transferredAbroad @3;
    returned @4;
    victimStatusNotRecognised @5;
    childDeceased @6;
    missingLongTerm @7;
    mergedWithOtherCase @8;
    other @9;
  }
}

# -- Data protection (R30, R31) ---------------------------------------------------------------

struct RecordAccessed {
  # A read of the case (LED Art 25 consultation log; R30). Emitted by the system.
  accessorId @0 :Text $required;
  # Pseudonymous principal id of who read.
  accessorRole @1 :AgencyRole;
  purpose @2 :Text $required;
  # The justification given for the access.
  requestId @3 :Text $required;
  # Id of the request that read, for correlation with server logs.
  query @4 :Text;
  # The query as issued (filters, event types), without any personal data.
  accessKind @5 :AccessKind;
  unsealed @6 :Bool;
  # Personal data was unsealed for this access.
  legalBasis @7 :Text;

  enum AccessKind {
    # Persisted, never renumber.
    unspecified @0;
    consultation @1;
    search @2;
    bulkExport @3;
    combination @4;
  }
}

struct RecordDisclosed {
  # Data of the case is disclosed to a recipient (LED Art 25 disclosure log; R30).
  accessorId @0 :Text $required;
  # Pseudonymous principal id of who disclosed.
  accessorRole @1 :AgencyRole;
  recipient @2 :Text $required;
  # Agency id or pseudonymous id of the recipient.
  recipientRole @3 :AgencyRole $optional;
  # Unspecified for recipients outside the roles (e.g. a foreign authority).
  recipientState @4 :Text;
  # ISO 3166 code, for cross-border disclosure.
  purpose @5 :Text $required;
  legalBasis @6 :Text $required;
  requestId @7 :Text;
  query @8 :Text;
  # What was disclosed, as a query without personal data.
  unsealed @9 :Bool;
}

struct ErasureRequested {
  # A request to erase the child's personal data (GDPR Art 17; R31).
  requestRef @0 :Text $required;
  # The controller's reference for the request.
  requester @1 :Requester;
  scope @2 :Scope;

  enum Requester {
    # Persisted, never renumber.
    unspecified @0;
    child @1;
    guardian @2;
    legalRepresentative @3;
    other @4;
  }

  enum Scope {
    # Persisted, never renumber.
    unspecified @0;
    allPersonalData @1;
    specificData @2;
  }
}

struct ErasureDecided {
  # The decision on an erasure request (R31: within 1 month, extendable by 2).
  requestRef @0 :Text $required;
  requestEventRef @1 :Data $Json.hex;
  # The ErasureRequested event.
  decision @2 :Decision;
  grounds @3 :Text;
  # Legal grounds (e.g. the retention duty); professional, no narrative.
  legalHoldRef @4 :Data $Json.hex;
  # The LegalHoldApplied event, for `deferredLegalHold`.
  retainUntilAt @5 :Int64;
  # End of the retention duty, for `deferredRetention`; 0 if open-ended.
  deadlineExtended @6 :Bool;
  # The 1-month limit was extended (GDPR Art 12(3)).

  enum Decision {
    # Persisted, never renumber.
    unspecified @0;
    executed @1;
    # The child's key was destroyed: sealed personal data is gone.
    deferredRetention @2;
    # Art 17(3)(b): a legal retention duty applies.
    deferredLegalHold @3;
    # Art 17(3)(e): a legal hold applies.
    refused @4;
  }
}

struct LegalHoldApplied {
  # A hold that forbids erasure of the case (R31).
  holdId @0 :Text $required;
  reason @1 :Reason;
  orderedById @2 :Text;
  # Agency id of who ordered the hold.
  grounds @3 :Text;
  expiresAt @4 :Int64;
  # 0 until released.

  enum Reason {
    # Persisted, never renumber.
    unspecified @0;
    criminalProceedings @1;
    civilClaim @2;
    supervisoryInquiry @3;
    audit @4;
    other @5;
  }
}

struct LegalHoldReleased {
  holdId @0 :Text $required;
  holdRef @1 :Data $Json.hex;
  # The LegalHoldApplied event.
  grounds @2 :Text;
}

# -- Ledger ------------------------------------------------------------------------------------

struct EntryVoided {
  # Withdraws an earlier event entered in error; the envelope's `supersedes` names it. Rules treat
  # the voided event as never recorded.
  reason @0 :Text $required;
  # Why it was entered in error; professional, no personal data.
}

struct RulePackActivated {
  # A compliance rule pack version takes effect.
  packId @0 :Text $required;
  packVersion @1 :Text $required;
  jurisdiction @2 :Jurisdiction $optional;
  # Unspecified for the pack of defaults that applies where no national pack overrides it.
  effectiveFrom @3 :Int64;
  # When the pack starts to apply, in microseconds since the epoch.
  digest @4 :Data $Json.hex $required;
  # SHA-256 of `content`; the ledger refuses an activation whose digest does not match.
  content @5 :Text $required;
  # The whole pack, as the TOML text of docs/compliance.md. Carried in the ledger so that any
  # replay evaluates every obligation under exactly the rules that were in force, without
  # trusting files outside the log.
}

struct NotificationSent {
  # Someone who must know was told (R25: police and guardian told of a missing child).
  recipient @0 :Recipient;
  recipientId @1 :Text;
  # Pseudonymous id of the recipient agency or person, when known.
  subject @2 :Subject;
  subjectRef @3 :Data $Json.hex;
  # Event id of what the notification is about (the missing report, the decision).
  channel @4 :Channel $optional;

  enum Recipient {
    unspecified @0;
    police @1;
    guardian @2;
    childProtection @3;
    parents @4;
    legalCounsel @5;
    consulateOrEmbassy @6;
    receivingStateAuthority @7;
    nrmBody @8;
    other @9;
  }
  enum Subject {
    unspecified @0;
    childMissing @1;
    childLocated @2;
    interviewScheduled @3;
    decision @4;
    caseTransfer @5;
    other @6;
  }
  enum Channel {
    unspecified @0;
    phone @1;
    secureMessage @2;
    inPerson @3;
    letter @4;
    system @5;
  }
}

struct AccompanimentExclusionDecided {
  # A reasoned decision that a person may not accompany the child at an interview or hearing
  # (R19: 2011/36 Art 15(3)(f), Lanzarote Art 35(1)(f)). Recorded before the interview.
  excludedRole @0 :ExcludedRole;
  grounds @1 :Text $required;
  # Why; professional, no personal data.
  interviewRef @2 :Data $Json.hex;
  # Event id of the scheduled interview, when it was scheduled first.
  decidedById @3 :Text;
  # Pseudonymous id of the prosecutor or judge who decided.
}

struct ChildHearingExemptionDecided {
  # A reasoned decision not to hear the child before a decision (R10: the "reasoned exemption").
  decisionContext @0 :DecisionContext;
  reason @1 :ChildViewsHeard.ExemptionReason;
  grounds @2 :Text $required;
  decisionRef @3 :Data $Json.hex;
}

