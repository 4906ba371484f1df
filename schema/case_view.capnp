# The case view: the current picture of one case, folded from its events in stream order
# (projections/case_view.h). Stored by the case-view projection and shown by the CLI and server.
#
# PERSISTED FORMAT: the canonical encoding of `CaseView` is what the projection stores and what
# its state digest covers. Ordinals and enumerant numbers are never renumbered or reused; retired
# ones stay as a comment. New fields take the next ordinal.
#
# Conventions (as events.capnp): times are Int64 microseconds since the epoch, 0 = not known or
# not yet (JSON: RFC 3339 or null); every Int64 field whose name ends in "At" is a time. Ids are
# pseudonymous. Event ids are the 16-byte ids of the case's events. Positions are global ledger
# positions; versions are stream versions within the case. Counts count events whose facts are
# in force: a superseded or voided event counts for nothing but its line in `history`.
@0xadff4affd24c70b8;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("caseledger::schema");
using Json = import "/capnp/compat/json.capnp";
using Common = import "common.capnp";
using B = import "bodies.capnp";

struct CaseView {
  caseId @0 :Text;
  childId @1 :Text;
  # The child's pseudonym.
  jurisdiction @2 :Common.Jurisdiction;
  # Of the latest event.
  firstPosition @3 :UInt64;
  lastPosition @4 :UInt64;
  lastVersion @5 :UInt64;
  # Stream version of the latest event.
  firstOccurredAt @6 :Int64;
  # Earliest occurred-at of the events in force.
  lastOccurredAt @7 :Int64;
  # Latest occurred-at of the events in force.
  firstRecordedAt @8 :Int64;
  lastRecordedAt @9 :Int64;

  identification @10 :Identification;
  age @11 :AgeStatus;
  representation @12 :Representation;
  reflection @13 :Reflection;
  placement @14 :Placements;
  assessments @15 :Assessments;
  support @16 :Support;
  interviews @17 :Interviews;
  legalCounsel @18 :LegalCounsel;
  criminal @19 :CriminalProceedings;
  childProtection @20 :ChildProtection;
  residence @21 :Residence;
  crossBorder @22 :CrossBorder;
  missing @23 :Missing;
  closure @24 :Closure;
  corrections @25 :List(Correction);
  # One per superseded or voided event, in the order of the corrected events.
  history @26 :List(HistoryEntry);
  # Every event of the case, in stream order, corrected or not.
  openObligations @27 :UInt32;
  findings @28 :UInt32;
  # Filled from the compliance engine by whoever shows the view; the fold leaves them 0.

  struct Identification {
    indicatorsObserved @0 :UInt32;
    # TraffickingIndicatorsObserved events.
    firstIndicatorsAt @1 :Int64;
    indicators @2 :List(B.TraffickingIndicator);
    # Distinct, in enumerant order.
    presumedVictim @3 :Bool;
    presumedAt @4 :Int64;
    # First PresumedVictimIdentified.
    exploitationTypes @5 :List(B.ExploitationType);
    # Distinct, in enumerant order, from presumption and formal decision.
    formalDecision @6 :B.FormalVictimStatusDecided.Decision;
    # Of the latest formal decision; unspecified while none.
    formalDecisionAt @7 :Int64;
    formalDecisionAppealed @8 :Bool;
    nrmReferredAt @9 :Int64;
    nrmAcceptedAt @10 :Int64;
    unaccompanied @11 :B.Answer;
    parentalConflictOfInterest @12 :B.Answer;
    foreignNational @13 :B.Answer;
    lawfulStay @14 :B.Answer;
    # The four from the latest ChildFacts (observation, presumption, formal decision).
  }

  struct AgeStatus {
    ageYears @0 :UInt8;
    ageBasis @1 :B.AgeBasis;
    # From the latest ChildFacts.
    claimedAgeYears @2 :UInt8;
    # From the latest AgeDisputed; 0 if none given.
    disputed @3 :Bool;
    disputedAt @4 :Int64;
    presumptionApplied @5 :Bool;
    presumptionAppliedAt @6 :Int64;
    presumedAgeYears @7 :UInt8;
    assessments @8 :UInt32;
    assessedAt @9 :Int64;
    result @10 :B.AgeAssessmentCompleted.Result;
    assessedAgeYears @11 :UInt8;
    minAgeYears @12 :UInt8;
    maxAgeYears @13 :UInt8;
    methods @14 :List(B.AgeAssessmentCompleted.Method);
    # Of the latest assessment.
    onAppeal @15 :Bool;
    presumptionInForce @16 :Bool;
    # The age is uncertain (disputed, presumed, or of unknown basis) and no assessment since
    # has found the person a minor or an adult: child measures apply (R01).
  }

  struct Representative {
    id @0 :Text;
    type @1 :B.GuardianType;
    ground @2 :B.RepresentationGround;
    provisional @3 :Bool;
    # Designated by ProvisionalRepresentativeDesignated.
    sinceAt @4 :Int64;
    untilAt @5 :Int64;
    # 0 while current.
    position @6 :UInt64;
    # Of the event that designated or appointed them.
    conflictFlagged @7 :Bool;
    # A GuardianConflictFlagged names them.
  }

  struct Gap {
    # A time with a representative needed and none: from identification of an unaccompanied
    # child or one whose parents have a conflict of interest (R04), or between representatives.
    startAt @0 :Int64;
    endAt @1 :Int64;
    # 0 while open.
    open @2 :Bool;
  }

  struct Representation {
    needed @0 :Bool;
    neededSinceAt @1 :Int64;
    current @2 :Representative;
    # Empty id when there is none.
    history @3 :List(Representative);
    # Every representative, current included, in order of appointment.
    gaps @4 :List(Gap);
  }

  struct Reflection {
    granted @0 :Bool;
    grantedAt @1 :Int64;
    basis @2 :B.ReflectionPeriodGranted.Basis;
    startAt @3 :Int64;
    endAt @4 :Int64;
    # The end in force: the latest extension's new end, or the grant's.
    extensions @5 :UInt32;
    ended @6 :Bool;
    endedAt @7 :Int64;
    endReason @8 :B.ReflectionPeriodEnded.EndReason;
  }

  struct Placement {
    type @0 :B.PlacementType;
    providerId @1 :Text;
    secure @2 :Bool;
    careOrder @3 :Bool;
    emergency @4 :Bool;
    sinceAt @5 :Int64;
    untilAt @6 :Int64;
    # 0 while current.
    position @7 :UInt64;
    changeReason @8 :B.PlacementChanged.ChangeReason;
    # Why the next placement replaced it; unspecified if it did not.
    endReason @9 :B.PlacementEnded.EndReason;
    # Set when a PlacementEnded ended it.
  }

  struct Placements {
    placed @0 :Bool;
    current @1 :Placement;
    # Meaningful when `placed`.
    history @2 :List(Placement);
    # Every placement, current included, in order.
  }

  struct Assessments {
    individual @0 :UInt32;
    lastIndividualAt @1 :Int64;
    riskUpdates @2 :UInt32;
    lastRiskUpdateAt @3 :Int64;
    riskLevel @4 :B.RiskLevel;
    # From the latest individual or risk assessment.
    bestInterests @5 :UInt32;
    lastBestInterestsAt @6 :Int64;
    caseConferences @7 :UInt32;
    lastCaseConferenceAt @8 :Int64;
    nextReviewAt @9 :Int64;
    # Set by the latest assessment or conference that set one.
    childViewsHeard @10 :UInt32;
    hearingExemptions @11 :UInt32;
  }

  struct Support {
    crisisSupport @0 :UInt32;
    lastCrisisSupportAt @1 :Int64;
    crisisSupportDeclined @2 :Bool;
    # The latest offer was declined.
    therapies @3 :UInt32;
    inTherapy @4 :Bool;
    therapyStartedAt @5 :Int64;
    therapyEndedAt @6 :Int64;
    medicalExaminations @7 :UInt32;
    lastMedicalExaminationAt @8 :Int64;
    schoolEnrolled @9 :Bool;
    schoolId @10 :Text;
    schoolEnrolledAt @11 :Int64;
    educationArrangements @12 :UInt32;
    lastEducationArrangementAt @13 :Int64;
    informationSessions @14 :UInt32;
    firstInformationAt @15 :Int64;
    interpretersAssigned @16 :UInt32;
  }

  struct Interview {
    position @0 :UInt64;
    occurredAt @1 :Int64;
    sequenceNumber @2 :UInt8;
    interviewerId @3 :Text;
    premises @4 :B.Premises;
    recorded @5 :Bool;
    guardianPresent @6 :Bool;
    supportPersonPresent @7 :Bool;
    counselPresent @8 :Bool;
    interpreterPresent @9 :Bool;
    # An interpreter id is recorded.
    supplementary @10 :Bool;
  }

  struct Interviews {
    scheduled @0 :UInt32;
    conducted @1 :UInt32;
    recorded @2 :UInt32;
    interviewers @3 :List(Text);
    # Distinct ids, in order of first interview.
    firstAt @4 :Int64;
    lastAt @5 :Int64;
    held @6 :List(Interview);
    # Every interview held, in stream order.
  }

  struct LegalCounsel {
    appointed @0 :Bool;
    counselId @1 :Text;
    appointedAt @2 :Int64;
    free @3 :Bool;
    scopes @4 :List(B.LegalCounselAppointed.Scope);
    appointments @5 :UInt32;
  }

  struct CriminalProceedings {
    crimeReports @0 :UInt32;
    firstCrimeReportAt @1 :Int64;
    investigationOpened @2 :Bool;
    investigationOpenedAt @3 :Int64;
    charges @4 :UInt32;
    firstChargesAt @5 :Int64;
    trialStarted @6 :Bool;
    trialStartedAt @7 :Int64;
    verdict @8 :B.VerdictDelivered.Outcome;
    # Of the latest verdict.
    verdictAt @9 :Int64;
    finalVerdict @10 :Bool;
    discontinued @11 :Bool;
    discontinuedAt @12 :Int64;
    discontinuedReason @13 :B.ProceedingsDiscontinued.Reason;
    childSuspected @14 :UInt32;
    nonPunishmentAssessments @15 :UInt32;
    compensationClaims @16 :UInt32;
    compensationAwards @17 :UInt32;
    compensationPayments @18 :UInt32;
  }

  struct ChildProtection {
    reports @0 :UInt32;
    firstReportAt @1 :Int64;
    decision @2 :B.CpAssessmentDecided.Decision;
    # Of the latest assessment decision.
    decidedAt @3 :Int64;
    urgency @4 :B.Urgency;
    investigationCompleted @5 :Bool;
    investigationCompletedAt @6 :Int64;
    conclusion @7 :B.CpInvestigationCompleted.Conclusion;
  }

  struct Residence {
    applications @0 :UInt32;
    lastAppliedAt @1 :Int64;
    granted @2 :UInt32;
    lastGrantedAt @3 :Int64;
    permitType @4 :B.PermitType;
    # Of the latest grant.
    validUntilAt @5 :Int64;
    refused @6 :UInt32;
    lastRefusedAt @7 :Int64;
  }

  struct CrossBorder {
    referralsSent @0 :UInt32;
    lastReferralAt @1 :Int64;
    transfers @2 :UInt32;
    lastTransferAt @3 :Int64;
    transferredTo @4 :Text;
    # ISO 3166 code of the latest transfer.
    returnRiskAssessments @5 :UInt32;
    lastReturnRiskAssessmentAt @6 :Int64;
    returnDecided @7 :Bool;
    returnDecidedAt @8 :Int64;
    returnState @9 :Text;
    returnExecuted @10 :Bool;
    returnExecutedAt @11 :Int64;
  }

  struct Missing {
    episodes @0 :UInt32;
    open @1 :Bool;
    missingSinceAt @2 :Int64;
    # Occurred-at of the report of the open episode, or of the latest one.
    lastLocatedAt @3 :Int64;
  }

  struct Closure {
    closed @0 :Bool;
    closedAt @1 :Int64;
    reason @2 :B.CaseClosed.Reason;
    durableSolution @3 :B.DurableSolution;
    durableSolutionAt @4 :Int64;
  }

  struct Correction {
    eventId @0 :Data $Json.hex;
    # The corrected event.
    position @1 :UInt64;
    byEventId @2 :Data $Json.hex;
    byPosition @3 :UInt64;
    voided @4 :Bool;
    # Withdrawn by an EntryVoided; otherwise replaced by the correcting event's facts.
  }

  struct HistoryEntry {
    position @0 :UInt64;
    version @1 :UInt64;
    eventId @2 :Data $Json.hex;
    type @3 :Text;
    # The body's member name ("guardianAppointed").
    occurredAt @4 :Int64;
    recordedAt @5 :Int64;
    agencyId @6 :Text;
    supersedes @7 :Data $Json.hex;
    # The event this one corrects, if any.
    superseded @8 :Bool;
    voided @9 :Bool;
    # Its facts are replaced (superseded) or withdrawn (voided) by a later event in force.
  }
}
