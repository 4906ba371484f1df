// What the audit queries share: filters, number formats, and the findings listing.
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "ledger/time_format.h"
#include "projections/audit_internal.h"
#include "projections/calendar.h"

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

std::string YearOf(int64_t micros) {
  return compliance::Calendar::Utc().LocalDate(micros).ToString().substr(0, 4);
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
  // Rule and trigger ids as pool ids: a rule no case has cannot match.
  std::vector<std::pair<uint32_t, const RuleIssue*>> ids;
  for (const auto& r : rules) {
    if (auto id = t.pool.Find(r.rule)) ids.emplace_back(*id, &r);
  }
  std::vector<uint32_t> types;
  for (const auto& name : trigger_types) {
    if (auto id = t.pool.Find(name)) types.push_back(*id);
  }
  if (ids.empty() || (!trigger_types.empty() && types.empty())) return;
  for (const auto& c : t.cases) {
    if (!InJurisdiction(t, c, p)) continue;
    for (const auto& o : c.obligations) {
      auto rule = std::find_if(ids.begin(), ids.end(), [&](auto& r) { return r.first == o.rule; });
      if (rule == ids.end() || !InPeriod(o.trigger_at, p)) continue;
      if (!types.empty() && std::find(types.begin(), types.end(), o.trigger_type) == types.end()) {
        continue;
      }
      if (!AgencyMatches(t, o.accountable_agency, p)) continue;
      const std::string_view status = o.StatusAsOf(p.as_of);
      if (!IsFinding(status)) continue;
      out->rows.push_back(
          MakeRow({c.case_id, t.pool[c.jurisdiction], t.pool[o.rule], rule->second->issue,
                   t.pool[o.trigger_type], TimeText(o.trigger_at), TimeText(o.due_at),
                   std::string(status), t.pool[o.accountable_agency], t.pool[o.accountable_role]},
                  {c.case_id}));
    }
  }
}

}  // namespace caseledger::projections::audit
