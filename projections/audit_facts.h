// Internal: the audit facts of a case, the few values the audit queries read (projections/
// audit.h), extracted from a case's view and compliance state whenever the projection store
// writes the case, and kept in the column family "audit_facts" (docs/storage_format.md,
// "Projections"). Statuses as of a time are never stored: queries compute them from the times.
//
// Value grammar (all integers little-endian varints, zig-zag for signed times; strings are a
// varint length then bytes):
//
//   value       = version=1 jurisdiction identified_at identifying_agency rep_needed
//                 first_rep_at representatives age_disputed age_disputed_at age_assessed_at
//                 age_assessments age_methods missing_episodes missing_open
//                 referrals last_referral_at transfers last_transfer_at transferred_to
//                 crime_reported_at charges_at trial_at discontinued verdict
//                 comp_claims comp_awards comp_payments closed_at
//                 n_interviews *interview n_obligations *obligation
//   interview   = at sequence interviewer agency premises flags  ; flags bit0 recorded,
//                                                                ; bit1 interpreter present
//   obligation  = rule limit trigger_type trigger_agency satisfied_agency accountable_agency
//                 accountable_role trigger_at due_at+1 satisfied_at+1 breached_at+1 status
//                 justified            ; "+1": 0 when unset, else the zig-zag time plus one
//
// Times are microseconds since the epoch (occurred-at); 0 means "none" for the case-level
// times (no event of the case falls on 1970-01-01). The recording-delay rule (LR) is left out:
// one obligation per event, and no audit question asks about it.
#ifndef CASELEDGER_PROJECTIONS_AUDIT_FACTS_H_
#define CASELEDGER_PROJECTIONS_AUDIT_FACTS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "ledger/status.h"
#include "projections/compliance.h"

namespace caseledger::projections::audit {

// Strings that repeat across cases (rule ids, agency ids, roles) are interned: the facts of
// 100k cases hold small indices into one pool.
class StringPool {
 public:
  StringPool() { Intern(""); }
  uint32_t Intern(std::string_view s);
  const std::string& operator[](uint32_t id) const { return strings_[id]; }
  // The id of `s`, or nullopt when no fact holds it.
  std::optional<uint32_t> Find(std::string_view s) const;

 private:
  std::vector<std::string> strings_;
  std::unordered_map<std::string, uint32_t> ids_;
};

inline constexpr int64_t kNone = INT64_MIN;  // an unset optional time in an AuditObligation

struct AuditInterview {
  int64_t at = 0;
  uint32_t sequence = 0;
  uint32_t interviewer = 0;  // pool ids
  uint32_t agency = 0;       // the agency that recorded the interview
  uint8_t premises = 0;      // schema::Premises
  bool recorded = false;
  bool interpreter_present = false;
};

struct AuditObligation {
  uint32_t rule = 0, limit = 0, trigger_type = 0;  // pool ids
  uint32_t trigger_agency = 0, satisfied_agency = 0, accountable_agency = 0, accountable_role = 0;
  int64_t trigger_at = 0;
  int64_t due_at = kNone, satisfied_at = kNone, breached_at = kNone;
  uint8_t status = 0;  // compliance::ObligationStatus
  bool justified = false;

  // "met", "met_late", "breached", "overdue" or "open" as of a time (Obligation::StatusAsOf).
  std::string_view StatusAsOf(int64_t as_of) const;
};

struct AuditCase {
  std::string case_id;
  uint32_t jurisdiction = 0;  // pool id of "NO"
  int64_t identified_at = 0;  // presumed victim
  uint32_t identifying_agency = 0;
  bool representation_needed = false;
  int64_t first_representative_at = 0;
  uint32_t representatives = 0;
  bool age_disputed = false;
  int64_t age_disputed_at = 0, age_assessed_at = 0;
  uint32_t age_assessments = 0;
  uint32_t age_methods = 0;  // bit n: AgeAssessmentCompleted::Method n
  uint32_t missing_episodes = 0;
  bool missing_open = false;
  uint32_t referrals = 0;
  int64_t last_referral_at = 0;
  uint32_t transfers = 0;
  int64_t last_transfer_at = 0;
  uint32_t transferred_to = 0;  // pool id of the receiving State's code
  int64_t crime_reported_at = 0, charges_at = 0, trial_at = 0;
  bool discontinued = false;
  uint8_t verdict = 0;  // schema::VerdictDelivered::Outcome
  uint32_t compensation_claims = 0, compensation_awards = 0, compensation_payments = 0;
  int64_t closed_at = 0;
  std::vector<AuditInterview> interviews;
  std::vector<AuditObligation> obligations;
};

// The facts of one case from its serialized case view (CaseViewFold::Serialize) and its
// compliance state. Corruption when the view bytes do not decode.
Result<AuditCase> ExtractFacts(const std::string& case_id, std::string_view view_bytes,
                               const compliance::CaseCompliance& compliance, StringPool* pool);

// The stored value of a case's facts (grammar above), and back. Decode: Corruption when the
// bytes are not such a value.
std::string EncodeFacts(const AuditCase& c, const StringPool& pool);
Result<AuditCase> DecodeFacts(std::string_view case_id, std::string_view bytes, StringPool* pool);

// Every case's facts at one projection position, in case-id order: what the queries scan.
struct FactsTable {
  // One obligation of a rule, copied next to its rule's others so that a scan of a rule reads
  // memory in order rather than jumping from case to case.
  struct Ref {
    uint32_t case_index, obligation_index;
    AuditObligation o;
  };
  uint64_t position = 0;
  StringPool pool;
  std::vector<AuditCase> cases;
  // The obligations of each rule (by pool id), in case order: a query about a few rules scans
  // only theirs, not every obligation of every case.
  std::unordered_map<uint32_t, std::vector<Ref>> by_rule;

  // Fills by_rule from the cases.
  void IndexRules();
  // The obligations of these rules: rule by rule, or with `sorted` in case order then the
  // case's own order. The pointers point into by_rule.
  std::vector<const Ref*> OfRules(const std::vector<std::string_view>& rules,
                                  bool sorted = false) const;
  const AuditCase& CaseOf(const Ref* r) const { return cases[r->case_index]; }
  const AuditObligation& Of(const Ref* r) const { return r->o; }
};

}  // namespace caseledger::projections::audit

#endif  // CASELEDGER_PROJECTIONS_AUDIT_FACTS_H_
