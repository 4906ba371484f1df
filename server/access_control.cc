#include "server/access_control.h"

#include <capnp/schema.h>

#include <initializer_list>

#include "ledger/event_json.h"

namespace caseledger::server {
namespace {

using schema::AgencyRole;
using schema::UserRole;
using Body = schema::Event::Body;

bool In(AgencyRole role, std::initializer_list<AgencyRole> roles) {
  for (AgencyRole r : roles) {
    if (r == role) return true;
  }
  return false;
}

// Agencies that meet children first and may identify them ("any front line" in the
// catalogue).
bool FrontLine(AgencyRole role) {
  return In(role, {AgencyRole::POLICE, AgencyRole::BORDER_GUARD, AgencyRole::CHILD_PROTECTION,
                   AgencyRole::BARNAHUS, AgencyRole::MIGRATION, AgencyRole::HEALTH,
                   AgencyRole::EDUCATION, AgencyRole::NRM_BODY, AgencyRole::PLACEMENT});
}

// Every role that is an agency acting on a case (not oversight, not the system).
bool AnyAgency(AgencyRole role) {
  return role != AgencyRole::UNSPECIFIED && role != AgencyRole::OMBUDS &&
         role != AgencyRole::SYSTEM;
}

std::string_view Lower(UserRole role) { return UserRoleName(role); }

}  // namespace

std::string_view OperationName(Operation op) {
  switch (op) {
    case Operation::kAppend: return "append";
    case Operation::kReadStream: return "readStream";
    case Operation::kReadLog: return "readLog";
    case Operation::kSubscribe: return "subscribe";
    case Operation::kCheckpoint: return "checkpoint";
    case Operation::kProof: return "proof";
    case Operation::kStatus: return "status";
    case Operation::kAuditQuery: return "auditQuery";
  }
  return "unknown";
}

Status CheckOperation(const Principal& principal, Operation op) {
  bool allowed = false;
  switch (principal.user_role) {
    case UserRole::AGENCY:
      allowed = op == Operation::kAppend || op == Operation::kReadStream ||
                op == Operation::kCheckpoint || op == Operation::kProof ||
                op == Operation::kStatus;
      break;
    case UserRole::OVERSIGHT:
    case UserRole::OMBUDSPERSON:
      allowed = op != Operation::kAppend;
      break;
    case UserRole::WITNESS:
      // "Checkpoints and proofs only" (issue 4): not even the server's status.
      allowed = op == Operation::kCheckpoint || op == Operation::kProof;
      break;
    case UserRole::ADMIN:
      // Erasure and legal holds are appends of system events (checked per event).
      allowed = op == Operation::kAppend || op == Operation::kCheckpoint ||
                op == Operation::kProof || op == Operation::kStatus;
      break;
    default:
      allowed = false;
  }
  if (allowed) return Status::OK();
  return Status::PermissionDenied("principal " + principal.id + " (" +
                                  std::string(Lower(principal.user_role)) + ") may not " +
                                  std::string(OperationName(op)));
}

bool MayHoldUnsealGrant(UserRole role) {
  return role == UserRole::OVERSIGHT || role == UserRole::OMBUDSPERSON;
}

Status CheckUnseal(const Principal& principal, bool took_part) {
  const std::string who =
      "principal " + principal.id + " (" + std::string(Lower(principal.user_role)) + ")";
  switch (principal.user_role) {
    case UserRole::AGENCY:
      if (took_part) return Status::OK();
      return Status::PermissionDenied(who + " may open personal data only of cases its agency "
                                      "works (recorded an event in)");
    case UserRole::OVERSIGHT:
    case UserRole::OMBUDSPERSON:
      // Supervisors check lawfulness on pseudonyms; who the child is matters only when the
      // configuration says so for this principal.
      if (principal.unseal) return Status::OK();
      return Status::PermissionDenied(who + " sees pseudonyms only: it holds no unseal grant");
    default:
      return Status::PermissionDenied(who + " may not open personal data");
  }
}

bool MayRecord(AgencyRole role, Body::Which type) {
  switch (type) {
    case Body::TRAFFICKING_INDICATORS_OBSERVED:
    case Body::PRESUMED_VICTIM_IDENTIFIED:
    case Body::REFERRED_TO_NRM:
      return FrontLine(role);
    case Body::FORMAL_VICTIM_STATUS_DECIDED:
    case Body::REFERRAL_ACCEPTED:
      // The national referral mechanism: an NRM body, or where the state gave the role to
      // its migration service (DK) or police and prosecutor (LV; domain glossary).
      return In(role, {AgencyRole::NRM_BODY, AgencyRole::MIGRATION, AgencyRole::POLICE,
                       AgencyRole::PROSECUTION});
    case Body::CHILD_PROTECTION_REPORT_RECEIVED:
    case Body::CP_ASSESSMENT_DECIDED:
    case Body::CP_INVESTIGATION_COMPLETED:
      return role == AgencyRole::CHILD_PROTECTION;
    case Body::AGE_DISPUTED:
    case Body::AGE_PRESUMPTION_APPLIED:
      // R01 holds the identifier accountable for treating the child as a child at once.
      return FrontLine(role);
    case Body::AGE_ASSESSMENT_COMPLETED:
      return In(role, {AgencyRole::MIGRATION, AgencyRole::CHILD_PROTECTION, AgencyRole::HEALTH});
    case Body::PROVISIONAL_REPRESENTATIVE_DESIGNATED:
    case Body::GUARDIAN_APPOINTED:
    case Body::GUARDIAN_CONFLICT_FLAGGED:
    case Body::GUARDIAN_REPLACED:
      return In(role, {AgencyRole::GUARDIANSHIP, AgencyRole::COURT});
    case Body::REFLECTION_PERIOD_GRANTED:
    case Body::REFLECTION_PERIOD_EXTENDED:
    case Body::REFLECTION_PERIOD_ENDED:
      // FI: granted by the NRM body (NAS), the police or the Border Guard (domain §4).
      return In(role, {AgencyRole::MIGRATION, AgencyRole::POLICE, AgencyRole::NRM_BODY,
                       AgencyRole::BORDER_GUARD});
    case Body::INDIVIDUAL_ASSESSMENT_COMPLETED:
    case Body::RISK_ASSESSMENT_UPDATED:
    case Body::BEST_INTERESTS_DETERMINATION_COMPLETED:
    case Body::CASE_CONFERENCE_HELD:
      return In(role, {AgencyRole::CHILD_PROTECTION, AgencyRole::BARNAHUS});
    case Body::PLACEMENT_STARTED:
    case Body::PLACEMENT_CHANGED:
    case Body::PLACEMENT_ENDED:
      // Child protection decides placements; the placement itself does not.
      return role == AgencyRole::CHILD_PROTECTION;
    case Body::MEDICAL_EXAMINATION_PERFORMED:
    case Body::CRISIS_SUPPORT_PROVIDED:
    case Body::THERAPY_STARTED:
    case Body::THERAPY_ENDED:
      return In(role, {AgencyRole::HEALTH, AgencyRole::BARNAHUS});
    case Body::SCHOOL_ENROLLED:
    case Body::EDUCATION_ARRANGEMENT_PROVIDED:
      return role == AgencyRole::EDUCATION;
    case Body::INFORMATION_PROVIDED_TO_CHILD:
    case Body::INTERPRETER_ASSIGNED:
    case Body::CHILD_VIEWS_HEARD:
      return AnyAgency(role);
    case Body::FORENSIC_INTERVIEW_SCHEDULED:
    case Body::FORENSIC_INTERVIEW_CONDUCTED:
      // Police conducts the interview, at the Barnahus where there is one.
      return In(role, {AgencyRole::POLICE, AgencyRole::BARNAHUS});
    case Body::ACCOMPANIMENT_EXCLUSION_DECIDED:
      // The investigator, the prosecutor or the court decides who may not accompany the child.
      return In(role, {AgencyRole::POLICE, AgencyRole::PROSECUTION, AgencyRole::COURT});
    case Body::LEGAL_COUNSEL_APPOINTED:
      return In(role, {AgencyRole::LEGAL_AID, AgencyRole::COURT});
    case Body::CRIME_REPORTED:
    case Body::INVESTIGATION_OPENED:
    case Body::CHARGES_FILED:
    case Body::TRIAL_STARTED:
    case Body::VERDICT_DELIVERED:
    case Body::PROCEEDINGS_DISCONTINUED:
      return In(role, {AgencyRole::POLICE, AgencyRole::PROSECUTION, AgencyRole::COURT});
    case Body::COMPENSATION_CLAIM_FILED:
    case Body::COMPENSATION_AWARDED:
    case Body::COMPENSATION_PAID:
      return In(role, {AgencyRole::LEGAL_AID, AgencyRole::COURT,
                       AgencyRole::COMPENSATION_AUTHORITY});
    case Body::CHILD_SUSPECTED_OF_OFFENCE:
    case Body::NON_PUNISHMENT_ASSESSED:
      return In(role, {AgencyRole::POLICE, AgencyRole::PROSECUTION});
    case Body::RESIDENCE_PERMIT_APPLIED:
    case Body::RESIDENCE_PERMIT_GRANTED:
    case Body::RESIDENCE_PERMIT_REFUSED:
      return role == AgencyRole::MIGRATION;
    case Body::TRANSNATIONAL_REFERRAL_SENT:
    case Body::CASE_TRANSFERRED:
    case Body::RETURN_RISK_ASSESSMENT_COMPLETED:
    case Body::RETURN_DECIDED:
      return In(role, {AgencyRole::NRM_BODY, AgencyRole::MIGRATION, AgencyRole::CHILD_PROTECTION});
    case Body::RETURN_EXECUTED:
      // R12 holds the Border Guard accountable for removals it carries out.
      return In(role, {AgencyRole::NRM_BODY, AgencyRole::MIGRATION, AgencyRole::CHILD_PROTECTION,
                       AgencyRole::BORDER_GUARD});
    case Body::CHILD_MISSING_REPORTED:
    case Body::CHILD_LOCATED:
      return In(role, {AgencyRole::PLACEMENT, AgencyRole::CHILD_PROTECTION, AgencyRole::POLICE});
    case Body::DURABLE_SOLUTION_DETERMINED:
    case Body::CASE_CLOSED:
      return In(role, {AgencyRole::CHILD_PROTECTION, AgencyRole::NRM_BODY});
    case Body::RECORD_DISCLOSED:
    case Body::ENTRY_VOIDED:
    case Body::NOTIFICATION_SENT:
    case Body::CHILD_HEARING_EXEMPTION_DECIDED:
      // An agency records its own disclosures and voids its own mistaken entries.
      return AnyAgency(role);
    case Body::ERASURE_REQUESTED:
    case Body::ERASURE_DECIDED:
    case Body::LEGAL_HOLD_APPLIED:
    case Body::LEGAL_HOLD_RELEASED:
    case Body::RULE_PACK_ACTIVATED:
      return role == AgencyRole::SYSTEM;
    case Body::RECORD_ACCESSED:
    case Body::UNSPECIFIED:
      return false;
  }
  return false;
}

Status CheckAppend(const Principal& principal, schema::Event::Reader event) {
  const std::string_view agency_id(event.getAgencyId().cStr(), event.getAgencyId().size());
  if (agency_id != principal.agency_id || event.getAgencyRole() != principal.agency_role) {
    return Status::PermissionDenied("principal " + principal.id + " acts for agency " +
                                    principal.agency_id + " (" +
                                    AgencyRoleName(principal.agency_role) +
                                    "), not for the agency the event names");
  }
  const bool system_event = event.getAgencyRole() == AgencyRole::SYSTEM;
  if (system_event != (principal.user_role == UserRole::ADMIN)) {
    return Status::PermissionDenied("principal " + principal.id + " (" +
                                    std::string(UserRoleName(principal.user_role)) +
                                    ") may not record " + EventTypeName(event));
  }
  if (!MayRecord(principal.agency_role, event.getBody().which())) {
    return Status::PermissionDenied("an agency of role " + AgencyRoleName(principal.agency_role) +
                                    " may not record " + EventTypeName(event));
  }
  return Status::OK();
}

std::string AccessStreamId(std::string_view case_id) {
  return std::string(kAccessStreamPrefix) + std::string(case_id);
}

bool IsAccessStream(std::string_view stream_id) {
  return stream_id.substr(0, kAccessStreamPrefix.size()) == kAccessStreamPrefix;
}

std::string_view UserRoleName(UserRole role) {
  switch (role) {
    case UserRole::AGENCY: return "agency";
    case UserRole::OVERSIGHT: return "oversight";
    case UserRole::OMBUDSPERSON: return "ombudsperson";
    case UserRole::WITNESS: return "witness";
    case UserRole::ADMIN: return "admin";
    default: return "unspecified";
  }
}

Result<UserRole> ParseUserRole(std::string_view name) {
  for (UserRole role : {UserRole::AGENCY, UserRole::OVERSIGHT, UserRole::OMBUDSPERSON,
                        UserRole::WITNESS, UserRole::ADMIN}) {
    if (UserRoleName(role) == name) return role;
  }
  return Status::InvalidArgument("unknown user role \"" + std::string(name) +
                                 "\" (agency, oversight, ombudsperson, witness, admin)");
}

Result<AgencyRole> ParseAgencyRole(std::string_view name) {
  for (auto enumerant : capnp::Schema::from<AgencyRole>().getEnumerants()) {
    if (enumerant.getOrdinal() == 0) continue;
    auto proto_name = enumerant.getProto().getName();
    if (std::string_view(proto_name.cStr(), proto_name.size()) == name) {
      return static_cast<AgencyRole>(enumerant.getOrdinal());
    }
  }
  return Status::InvalidArgument("unknown agency role \"" + std::string(name) + "\"");
}

const Principal* FindPrincipal(const std::vector<Principal>& principals, std::string_view subject,
                               const std::vector<std::string>& sans) {
  for (const Principal& p : principals) {
    if (!p.subject.empty() && p.subject == subject) return &p;
    if (!p.san.empty()) {
      for (const std::string& san : sans) {
        if (san == p.san) return &p;
      }
    }
  }
  return nullptr;
}

const Principal* FindPrincipalById(const std::vector<Principal>& principals, std::string_view id) {
  for (const Principal& p : principals) {
    if (p.id == id) return &p;
  }
  return nullptr;
}

}  // namespace caseledger::server
