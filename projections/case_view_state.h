// Internal: the case view as plain C++ values, so that folding an event touches a few fields
// and never a Cap'n Proto arena. Each struct mirrors one struct of schema/case_view.capnp, field
// for field (see there for meanings); case_view_codec.cc converts both ways.
#ifndef CASELEDGER_PROJECTIONS_CASE_VIEW_STATE_H_
#define CASELEDGER_PROJECTIONS_CASE_VIEW_STATE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "schema/bodies.capnp.h"
#include "schema/case_view.capnp.h"
#include "schema/events.capnp.h"

namespace caseledger::detail {

namespace s = ::caseledger::schema;

struct IdentificationState {
  uint32_t indicators_observed = 0;
  int64_t first_indicators_at = 0;
  uint32_t indicator_bits = 0;       // bit n: TraffickingIndicator n seen (enumerants < 32)
  bool presumed_victim = false;
  int64_t presumed_at = 0;
  uint32_t exploitation_bits = 0;    // bit n: ExploitationType n
  s::FormalVictimStatusDecided::Decision formal_decision{};
  int64_t formal_decision_at = 0;
  bool formal_decision_appealed = false;
  int64_t nrm_referred_at = 0;
  int64_t nrm_accepted_at = 0;
  s::Answer unaccompanied{};
  s::Answer parental_conflict{};
  s::Answer foreign_national{};
  s::Answer lawful_stay{};
};

struct AgeState {
  uint8_t age_years = 0;
  s::AgeBasis age_basis{};
  uint8_t claimed_age_years = 0;
  bool disputed = false;
  int64_t disputed_at = 0;
  bool presumption_applied = false;
  int64_t presumption_applied_at = 0;
  uint8_t presumed_age_years = 0;
  uint32_t assessments = 0;
  int64_t assessed_at = 0;
  s::AgeAssessmentCompleted::Result result{};
  uint8_t assessed_age_years = 0;
  uint8_t min_age_years = 0;
  uint8_t max_age_years = 0;
  std::vector<s::AgeAssessmentCompleted::Method> methods;
  bool on_appeal = false;
  // Whether an assessment after the latest dispute settled the age (minor or adult).
  bool settled = false;
};

struct RepresentativeState {
  std::string id;
  s::GuardianType type{};
  s::RepresentationGround ground{};
  bool provisional = false;
  int64_t since_at = 0;
  int64_t until_at = 0;
  uint64_t position = 0;
  bool conflict_flagged = false;
};

struct GapState {
  int64_t start_at = 0;
  int64_t end_at = 0;
  bool open = false;
};

struct RepresentationState {
  bool needed = false;
  int64_t needed_since_at = 0;
  // history.back() is the current representative when `has_current`.
  bool has_current = false;
  std::vector<RepresentativeState> history;
  std::vector<GapState> gaps;
};

struct ReflectionState {
  bool granted = false;
  int64_t granted_at = 0;
  s::ReflectionPeriodGranted::Basis basis{};
  int64_t start_at = 0;
  int64_t end_at = 0;
  uint32_t extensions = 0;
  bool ended = false;
  int64_t ended_at = 0;
  s::ReflectionPeriodEnded::EndReason end_reason{};
};

struct PlacementState {
  s::PlacementType type{};
  std::string provider_id;
  bool secure = false;
  bool care_order = false;
  bool emergency = false;
  int64_t since_at = 0;
  int64_t until_at = 0;
  uint64_t position = 0;
  s::PlacementChanged::ChangeReason change_reason{};
  s::PlacementEnded::EndReason end_reason{};
};

struct PlacementsState {
  bool placed = false;  // history.back() is current when set
  std::vector<PlacementState> history;
};

struct AssessmentsState {
  uint32_t individual = 0;
  int64_t last_individual_at = 0;
  uint32_t risk_updates = 0;
  int64_t last_risk_update_at = 0;
  s::RiskLevel risk_level{};
  uint32_t best_interests = 0;
  int64_t last_best_interests_at = 0;
  uint32_t case_conferences = 0;
  int64_t last_case_conference_at = 0;
  int64_t next_review_at = 0;
  uint32_t child_views_heard = 0;
  uint32_t hearing_exemptions = 0;
};

struct SupportState {
  uint32_t crisis_support = 0;
  int64_t last_crisis_support_at = 0;
  bool crisis_support_declined = false;
  uint32_t therapies = 0;
  bool in_therapy = false;
  int64_t therapy_started_at = 0;
  int64_t therapy_ended_at = 0;
  uint32_t medical_examinations = 0;
  int64_t last_medical_examination_at = 0;
  bool school_enrolled = false;
  std::string school_id;
  int64_t school_enrolled_at = 0;
  uint32_t education_arrangements = 0;
  int64_t last_education_arrangement_at = 0;
  uint32_t information_sessions = 0;
  int64_t first_information_at = 0;
  uint32_t interpreters_assigned = 0;
};

struct InterviewState {
  uint64_t position = 0;
  int64_t occurred_at = 0;
  uint8_t sequence_number = 0;
  std::string interviewer_id;
  s::Premises premises{};
  bool recorded = false;
  bool guardian_present = false;
  bool support_person_present = false;
  bool counsel_present = false;
  bool interpreter_present = false;
  bool supplementary = false;
};

struct InterviewsState {
  uint32_t scheduled = 0;
  uint32_t recorded = 0;
  std::vector<std::string> interviewers;
  int64_t first_at = 0;
  int64_t last_at = 0;
  std::vector<InterviewState> held;  // conducted = held.size()
};

struct LegalCounselState {
  bool appointed = false;
  std::string counsel_id;
  int64_t appointed_at = 0;
  bool free = false;
  std::vector<s::LegalCounselAppointed::Scope> scopes;
  uint32_t appointments = 0;
};

struct CriminalState {
  uint32_t crime_reports = 0;
  int64_t first_crime_report_at = 0;
  bool investigation_opened = false;
  int64_t investigation_opened_at = 0;
  uint32_t charges = 0;
  int64_t first_charges_at = 0;
  bool trial_started = false;
  int64_t trial_started_at = 0;
  s::VerdictDelivered::Outcome verdict{};
  int64_t verdict_at = 0;
  bool final_verdict = false;
  bool discontinued = false;
  int64_t discontinued_at = 0;
  s::ProceedingsDiscontinued::Reason discontinued_reason{};
  uint32_t child_suspected = 0;
  uint32_t non_punishment_assessments = 0;
  uint32_t compensation_claims = 0;
  uint32_t compensation_awards = 0;
  uint32_t compensation_payments = 0;
};

struct ChildProtectionState {
  uint32_t reports = 0;
  int64_t first_report_at = 0;
  s::CpAssessmentDecided::Decision decision{};
  int64_t decided_at = 0;
  s::Urgency urgency{};
  bool investigation_completed = false;
  int64_t investigation_completed_at = 0;
  s::CpInvestigationCompleted::Conclusion conclusion{};
};

struct ResidenceState {
  uint32_t applications = 0;
  int64_t last_applied_at = 0;
  uint32_t granted = 0;
  int64_t last_granted_at = 0;
  s::PermitType permit_type{};
  int64_t valid_until_at = 0;
  uint32_t refused = 0;
  int64_t last_refused_at = 0;
};

struct CrossBorderState {
  uint32_t referrals_sent = 0;
  int64_t last_referral_at = 0;
  uint32_t transfers = 0;
  int64_t last_transfer_at = 0;
  std::string transferred_to;
  uint32_t return_risk_assessments = 0;
  int64_t last_return_risk_assessment_at = 0;
  bool return_decided = false;
  int64_t return_decided_at = 0;
  std::string return_state;
  bool return_executed = false;
  int64_t return_executed_at = 0;
};

struct MissingState {
  uint32_t episodes = 0;
  bool open = false;
  int64_t missing_since_at = 0;
  int64_t last_located_at = 0;
};

struct ClosureState {
  bool closed = false;
  int64_t closed_at = 0;
  s::CaseClosed::Reason reason{};
  s::DurableSolution durable_solution{};
  int64_t durable_solution_at = 0;
};

// What the fold knows of one event of the case, whether or not its facts are in force.
struct HistoryRow {
  enum class Standing : uint8_t { kInForce, kSuperseded, kVoided };
  uint64_t position = 0;
  uint64_t version = 0;
  std::string event_id;
  uint16_t type = 0;  // s::Event::Body::Which
  int64_t occurred_at = 0;
  int64_t recorded_at = 0;
  std::string agency_id;
  std::string supersedes;
  Standing standing = Standing::kInForce;
  int64_t withdrawn_by = -1;  // index of the row that superseded or voided it
  bool applied = false;       // its facts are folded into the state
};

// Everything derived from the events in force, reset by a refold.
struct Facts {
  s::Jurisdiction jurisdiction{};
  int64_t first_occurred_at = 0;
  int64_t last_occurred_at = 0;
  IdentificationState identification;
  AgeState age;
  RepresentationState representation;
  ReflectionState reflection;
  PlacementsState placement;
  AssessmentsState assessments;
  SupportState support;
  InterviewsState interviews;
  LegalCounselState legal_counsel;
  CriminalState criminal;
  ChildProtectionState child_protection;
  ResidenceState residence;
  CrossBorderState cross_border;
  MissingState missing;
  ClosureState closure;
};

struct ViewState {
  std::string case_id;
  std::string child_id;
  uint64_t first_position = 0;
  uint64_t last_position = 0;
  uint64_t last_version = 0;
  int64_t first_recorded_at = 0;
  int64_t last_recorded_at = 0;
  uint32_t open_obligations = 0;
  uint32_t findings = 0;
  Facts facts;
  std::vector<HistoryRow> history;
  // Sorted ids of events whose facts a refold skips; empty outside CaseViewFold::Refold and
  // never persisted.
  std::vector<std::string> refold_skip;
};

// Copies a Cap'n Proto list of primitives (its iterators are not standard ones).
template <typename T, typename List>
void AssignList(std::vector<T>& out, List list) {
  out.clear();
  out.reserve(list.size());
  for (auto v : list) out.push_back(v);
}

// Folds the facts of one event in force into `facts` (case_view_apply.cc).
void ApplyFacts(s::Event::Reader event, uint64_t position, Facts& facts);

// Converts between the state and its message (case_view_codec.cc). FromMessage may throw
// kj::Exception on a malformed message; the caller catches it.
void ToMessage(const ViewState& state, s::CaseView::Builder out);
void FromMessage(s::CaseView::Reader in, ViewState& state);

// The body member name of a union discriminant ("guardianAppointed"), or "unknown".
const std::string& EventTypeNameOf(uint16_t which);
// The inverse; 0 (unspecified) for an unknown name.
uint16_t EventTypeFromName(const std::string& name);

}  // namespace caseledger::detail

#endif  // CASELEDGER_PROJECTIONS_CASE_VIEW_STATE_H_
