// What the audit queries share: filters, number formats, and the findings listing.
#include <date/date.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>

#include "ledger/time_format.h"
#include "projections/audit_internal.h"

namespace caseledger::projections::audit {

bool InJurisdiction(const FactsTable& t, const AuditCase& c, const Params& p) {
  return p.jurisdiction.empty() || t.pool[c.jurisdiction] == p.jurisdiction;
}

bool InPeriod(int64_t at, const Params& p) {
  return at != 0 && at >= p.from && at < p.to && at <= p.as_of;
}

bool AgencyMatches(const FactsTable& t, uint32_t agency, const Params& p) {
  return p.agency.empty() || t.pool[agency] == p.agency;
}

int YearOf(int64_t micros) {
  const date::sys_days day = date::floor<date::days>(
      date::sys_time<std::chrono::microseconds>(std::chrono::microseconds(micros)));
  return static_cast<int>(date::year_month_day(day).year());
}

std::string TimeText(int64_t micros) {
  return micros == 0 || micros == kNone ? std::string() : FormatRfc3339(micros);
}

double HoursBetween(int64_t from, int64_t to) { return static_cast<double>(to - from) / 3.6e9; }

std::string Decimal(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.1f", v);
  return buf;
}

std::string Percentile(std::vector<double>& values, double p) {
  if (values.empty()) return "";
  std::sort(values.begin(), values.end());
  const auto rank = static_cast<size_t>(std::ceil(p * static_cast<double>(values.size())));
  return Decimal(values[std::clamp<size_t>(rank, 1, values.size()) - 1]);
}

bool IsFinding(std::string_view status) {
  return status == "breached" || status == "met_late" || status == "overdue";
}

std::string Share(uint64_t part, uint64_t whole) {
  return whole == 0 ? std::string()
                    : Decimal(100.0 * static_cast<double>(part) / static_cast<double>(whole));
}

AuditRow MakeRow(std::vector<std::string> cells, const CaseSet& cases) {
  return {std::move(cells), std::vector<std::string>(cases.begin(), cases.end())};
}

void ListFindings(const FactsTable& t, const Params& p, const std::vector<RuleIssue>& rules,
                  const std::vector<std::string>& trigger_types, AuditResult* out) {
  std::vector<std::string_view> ids;
  for (const auto& r : rules) ids.push_back(r.rule);
  std::vector<uint32_t> types;  // pool ids; a type no case has cannot match
  for (const auto& name : trigger_types) {
    if (auto id = t.pool.Find(name)) types.push_back(*id);
  }
  if (!trigger_types.empty() && types.empty()) return;
  for (const auto* ref : t.OfRules(ids, /*sorted=*/true)) {
    const AuditCase& c = t.CaseOf(ref);
    const AuditObligation& o = t.Of(ref);
    if (!InPeriod(o.trigger_at, p) || !InJurisdiction(t, c, p)) continue;
    if (!types.empty() && std::find(types.begin(), types.end(), o.trigger_type) == types.end()) {
      continue;
    }
    if (!AgencyMatches(t, o.accountable_agency, p)) continue;
    const std::string_view status = o.StatusAsOf(p.as_of);
    if (!IsFinding(status)) continue;
    const std::string& rule = t.pool[o.rule];
    auto issue = std::find_if(rules.begin(), rules.end(), [&](auto& r) { return r.rule == rule; });
    out->rows.push_back(
        MakeRow({c.case_id, t.pool[c.jurisdiction], rule, issue->issue, t.pool[o.trigger_type],
                 TimeText(o.trigger_at), TimeText(o.due_at), std::string(status),
                 t.pool[o.accountable_agency], t.pool[o.accountable_role]},
                {c.case_id}));
  }
}

}  // namespace caseledger::projections::audit
