// Internal to the audit queries: validated parameters, the query table, and what the query
// files share.
#ifndef CASELEDGER_PROJECTIONS_AUDIT_INTERNAL_H_
#define CASELEDGER_PROJECTIONS_AUDIT_INTERNAL_H_

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "projections/audit.h"
#include "projections/audit_facts.h"

namespace caseledger::projections::audit {

// The parameters of one request, checked and converted.
struct Params {
  std::string jurisdiction;  // "" means every jurisdiction
  std::string agency;        // "" means every agency
  int64_t from = INT64_MIN;  // the period [from, to) of the query's trigger time
  int64_t to = INT64_MAX;
  double hours = 0;
  int64_t count = 0;
  std::string case_id;
  std::string rule;
  bool all = false;
  int64_t as_of = 0;
};

// A query over the facts of every case.
using FactsQuery = void (*)(const FactsTable& table, const Params& params, AuditResult* out);

struct QueryDef {
  AuditQueryInfo info;
  FactsQuery run = nullptr;  // null for queries over the ledger (record_access)
};

// The named queries, in question order (audit.cc).
const std::vector<QueryDef>& QueryTable();

// The queries themselves (audit_queries*.cc).
void RepresentativeWait(const FactsTable&, const Params&, AuditResult*);
void RepeatInterviews(const FactsTable&, const Params&, AuditResult*);
void InterviewDelay(const FactsTable&, const Params&, AuditResult*);
void InterviewInformation(const FactsTable&, const Params&, AuditResult*);
void InterviewSetting(const FactsTable&, const Params&, AuditResult*);
void AgeDisputes(const FactsTable&, const Params&, AuditResult*);
void ReflectionRemoval(const FactsTable&, const Params&, AuditResult*);
void ReturnSafeguards(const FactsTable&, const Params&, AuditResult*);
void MissingEpisodes(const FactsTable&, const Params&, AuditResult*);
void NonPunishment(const FactsTable&, const Params&, AuditResult*);
void SchoolTherapy(const FactsTable&, const Params&, AuditResult*);
void ChildProtectionClocks(const FactsTable&, const Params&, AuditResult*);
void Proceedings(const FactsTable&, const Params&, AuditResult*);
void CounselCompensation(const FactsTable&, const Params&, AuditResult*);
void Guardians(const FactsTable&, const Params&, AuditResult*);
void CrossBorder(const FactsTable&, const Params&, AuditResult*);
void Closures(const FactsTable&, const Params&, AuditResult*);
void RuleFindings(const FactsTable&, const Params&, AuditResult*);

// ---- Helpers (audit_util.cc) ----------------------------------------------------------------

// Whether the case is in the requested jurisdiction.
bool InJurisdiction(const FactsTable& t, const AuditCase& c, const Params& p);
// Whether a trigger time is inside the period and had happened by the evaluation time.
bool InPeriod(int64_t at, const Params& p);
// Whether `agency` (a pool id) is the requested agency (or none was requested).
bool AgencyMatches(const FactsTable& t, uint32_t agency, const Params& p);
// The year of an instant, in UTC.
int YearOf(int64_t micros);
// RFC 3339 in UTC, "" for 0.
std::string TimeText(int64_t micros);
// Hours (or days) between two instants, with one decimal.
double HoursBetween(int64_t from, int64_t to);
std::string Decimal(double v);
// Nearest-rank percentile of the values (sorted in place); "" when there are none.
std::string Percentile(std::vector<double>& values, double p);
// Whether an obligation's status as of then is a finding: breached, met late or overdue.
bool IsFinding(std::string_view status);
// Share as a percentage with one decimal, "" when the whole is 0.
std::string Share(uint64_t part, uint64_t whole);

// Accumulates case ids for a row without duplicates.
using CaseSet = std::set<std::string>;
AuditRow MakeRow(std::vector<std::string> cells, const CaseSet& cases);

// One row per obligation of `rules` (optionally only those triggered by `trigger_types`) whose
// status as of then is a finding, in case order: the shape of the "findings" queries.
struct RuleIssue {
  std::string rule;
  std::string issue;  // what the finding means, one line
};
void ListFindings(const FactsTable& t, const Params& p, const std::vector<RuleIssue>& rules,
                  const std::vector<std::string>& trigger_types, AuditResult* out);

}  // namespace caseledger::projections::audit

#endif  // CASELEDGER_PROJECTIONS_AUDIT_INTERNAL_H_
