# The event envelope. Its body is a union of one struct per event type of the catalogue of
# shared/domain/obligations.md section 2 (bodies.capnp); shared enums are in common.capnp and
# the child's personal data in personal.capnp.
#
# PERSISTED FORMAT: the canonical encoding of `Event` is what the ledger stores and hashes
# (docs/storage_format.md, docs/verification.md). Ordinals and enumerant numbers are never
# renumbered or reused; retired ones stay as a comment. New fields take the next ordinal.
#
# Conventions:
# - Member 0 of every union and enumerant 0 of every enum is `unspecified`; validation refuses it
#   (unless a field carries $optional), because the JSON codec turns a missing value into 0.
# - Times are Int64 microseconds since 1970-01-01T00:00:00Z; JSON shows them as RFC 3339 strings.
# - Ids of people and agencies are pseudonymous. Personal data of the child never sits in a clear
#   field: it goes in `PersonalData`, which the ledger serializes into `sealed`.
# - Fields marked $required must be non-empty.
@0xb74ba371bd3317fb;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("caseledger::schema");
using Json = import "/capnp/compat/json.capnp";
using import "annotations.capnp".required;
using import "annotations.capnp".optional;
using Bodies = import "bodies.capnp";
using import "common.capnp".DataClass;
using import "common.capnp".Jurisdiction;
using import "common.capnp".AgencyRole;
using import "personal.capnp".PersonalData;

const schemaVersion :UInt32 = 1;
# The version of this schema that the ledger writes into `Event.schemaVersion`.

struct Event {
  eventId @0 :Data $Json.hex $required;
  # 16 bytes chosen by the client; the idempotency key.
  caseId @1 :Text $required;
  # 1..128 bytes of printable ASCII.
  childId @2 :Text $required;
  # The child's pseudonym. One child can have several cases.
  streamVersion @3 :UInt64;
  # Set by the ledger: 0 for the first event of the case.
  globalPosition @4 :UInt64;
  # Set by the ledger: 0 for the first event of the ledger; the leaf index in the Merkle tree.
  dataClass @5 :DataClass;
  occurredAt @6 :Int64;
  # When it happened, as asserted by the agency.
  recordedAt @7 :Int64;
  # Set by the ledger from its monotonic clock.
  jurisdiction @8 :Jurisdiction;
  agencyId @9 :Text $required;
  agencyRole @10 :AgencyRole;
  actorId @11 :Text $required;
  # Pseudonymous id of the professional who acted.
  legalBasis @12 :Text;
  causationId @13 :Data $Json.hex;
  # Event id of the event that caused this one, if any (16 bytes).
  correlationId @14 :Data $Json.hex;
  # Shared by events of one workflow (16 bytes).
  supersedes @15 :Data $Json.hex;
  # For corrections: the event id of an earlier event of the same case whose facts this replaces.
  schemaVersion @16 :UInt32;
  # Set by the ledger: the `schemaVersion` constant of the schema it wrote with.
  prevLeafHash @17 :Data $Json.hex;
  # Set by the ledger: the Merkle leaf hash of the previous event of the same case; empty for
  # stream version 0.
  sealed @18 :Data $Json.base64;
  # Set by the ledger: `personal` as stored (serialized; encrypted per child once keys exist).
  personal @19 :PersonalData;
  # Input only: the client puts the child's personal data here; the ledger moves it into
  # `sealed` and never stores this field. Reads fill it only when asked to unseal.

  body :union {
    unspecified @20 :Void;
    traffickingIndicatorsObserved @21 :Bodies.TraffickingIndicatorsObserved;
    presumedVictimIdentified @22 :Bodies.PresumedVictimIdentified;
    formalVictimStatusDecided @23 :Bodies.FormalVictimStatusDecided;
    referredToNrm @24 :Bodies.ReferredToNrm;
    referralAccepted @25 :Bodies.ReferralAccepted;
    childProtectionReportReceived @26 :Bodies.ChildProtectionReportReceived;
    cpAssessmentDecided @27 :Bodies.CpAssessmentDecided;
    cpInvestigationCompleted @28 :Bodies.CpInvestigationCompleted;
    ageDisputed @29 :Bodies.AgeDisputed;
    agePresumptionApplied @30 :Bodies.AgePresumptionApplied;
    ageAssessmentCompleted @31 :Bodies.AgeAssessmentCompleted;
    provisionalRepresentativeDesignated @32 :Bodies.ProvisionalRepresentativeDesignated;
    guardianAppointed @33 :Bodies.GuardianAppointed;
    guardianConflictFlagged @34 :Bodies.GuardianConflictFlagged;
    guardianReplaced @35 :Bodies.GuardianReplaced;
    reflectionPeriodGranted @36 :Bodies.ReflectionPeriodGranted;
    reflectionPeriodExtended @37 :Bodies.ReflectionPeriodExtended;
    reflectionPeriodEnded @38 :Bodies.ReflectionPeriodEnded;
    individualAssessmentCompleted @39 :Bodies.IndividualAssessmentCompleted;
    riskAssessmentUpdated @40 :Bodies.RiskAssessmentUpdated;
    bestInterestsDeterminationCompleted @41 :Bodies.BestInterestsDeterminationCompleted;
    caseConferenceHeld @42 :Bodies.CaseConferenceHeld;
    placementStarted @43 :Bodies.PlacementStarted;
    placementChanged @44 :Bodies.PlacementChanged;
    placementEnded @45 :Bodies.PlacementEnded;
    medicalExaminationPerformed @46 :Bodies.MedicalExaminationPerformed;
    crisisSupportProvided @47 :Bodies.CrisisSupportProvided;
    therapyStarted @48 :Bodies.TherapyStarted;
    therapyEnded @49 :Bodies.TherapyEnded;
    schoolEnrolled @50 :Bodies.SchoolEnrolled;
    educationArrangementProvided @51 :Bodies.EducationArrangementProvided;
    informationProvidedToChild @52 :Bodies.InformationProvidedToChild;
    interpreterAssigned @53 :Bodies.InterpreterAssigned;
    childViewsHeard @54 :Bodies.ChildViewsHeard;
    forensicInterviewScheduled @55 :Bodies.ForensicInterviewScheduled;
    forensicInterviewConducted @56 :Bodies.ForensicInterviewConducted;
    legalCounselAppointed @57 :Bodies.LegalCounselAppointed;
    crimeReported @58 :Bodies.CrimeReported;
    investigationOpened @59 :Bodies.InvestigationOpened;
    chargesFiled @60 :Bodies.ChargesFiled;
    trialStarted @61 :Bodies.TrialStarted;
    verdictDelivered @62 :Bodies.VerdictDelivered;
    proceedingsDiscontinued @63 :Bodies.ProceedingsDiscontinued;
    compensationClaimFiled @64 :Bodies.CompensationClaimFiled;
    compensationAwarded @65 :Bodies.CompensationAwarded;
    compensationPaid @66 :Bodies.CompensationPaid;
    childSuspectedOfOffence @67 :Bodies.ChildSuspectedOfOffence;
    nonPunishmentAssessed @68 :Bodies.NonPunishmentAssessed;
    residencePermitApplied @69 :Bodies.ResidencePermitApplied;
    residencePermitGranted @70 :Bodies.ResidencePermitGranted;
    residencePermitRefused @71 :Bodies.ResidencePermitRefused;
    transnationalReferralSent @72 :Bodies.TransnationalReferralSent;
    caseTransferred @73 :Bodies.CaseTransferred;
    returnRiskAssessmentCompleted @74 :Bodies.ReturnRiskAssessmentCompleted;
    returnDecided @75 :Bodies.ReturnDecided;
    returnExecuted @76 :Bodies.ReturnExecuted;
    childMissingReported @77 :Bodies.ChildMissingReported;
    childLocated @78 :Bodies.ChildLocated;
    durableSolutionDetermined @79 :Bodies.DurableSolutionDetermined;
    caseClosed @80 :Bodies.CaseClosed;
    recordAccessed @81 :Bodies.RecordAccessed;
    recordDisclosed @82 :Bodies.RecordDisclosed;
    erasureRequested @83 :Bodies.ErasureRequested;
    erasureDecided @84 :Bodies.ErasureDecided;
    legalHoldApplied @85 :Bodies.LegalHoldApplied;
    legalHoldReleased @86 :Bodies.LegalHoldReleased;
    entryVoided @87 :Bodies.EntryVoided;
    # A correction: withdraws an earlier event entered in error, named by `supersedes`.
    rulePackActivated @88 :Bodies.RulePackActivated;
    # A compliance rule pack version takes effect.
    notificationSent @89 :Bodies.NotificationSent;
    accompanimentExclusionDecided @90 :Bodies.AccompanimentExclusionDecided;
    childHearingExemptionDecided @91 :Bodies.ChildHearingExemptionDecided;
  }
}

