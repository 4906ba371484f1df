// The audit queries of obligations.md section 5, items 7 to 18 (17, the access log, is in
// audit_access.cc), and the findings of any one rule. docs/audit.md says what each column
// counts and which cases a row lists.
#include <algorithm>
#include <map>
#include <tuple>

#include "projections/audit_internal.h"

namespace caseledger::projections::audit {

namespace {

uint32_t IdOf(const FactsTable& t, std::string_view s) { return t.pool.Find(s).value_or(0); }

// For queries whose period is the case's own time (identification): without a period every
// case counts, also one never identified.
bool CaseInPeriod(int64_t at, const Params& p) {
  if (p.from == INT64_MIN && p.to == INT64_MAX) return at <= p.as_of;
  return InPeriod(at, p);
}

std::string N(uint64_t n) { return std::to_string(n); }

}  // namespace

void ReflectionRemoval(const FactsTable& t, const Params& p, AuditResult* out) {
  ListFindings(t, p,
               {{"R13", "no reflection period granted within the limit"},
                {"R13B", "reflection period shorter than the minimum, or none"},
                {"R12", "removed while identification was pending"},
                {"R12B", "removed during the reflection period"}},
               {}, out);
}

void ReturnSafeguards(const FactsTable& t, const Params& p, AuditResult* out) {
  const uint32_t r11 = IdOf(t, "R11"), r11b = IdOf(t, "R11B");
  const uint32_t returned = IdOf(t, "returnDecided"), transferred = IdOf(t, "caseTransferred");
  // One decision per case, trigger time and type; its three checks in columns.
  struct Decision {
    uint32_t agency = 0;
    std::string bid = "-", risk = "-", views = "-";
  };
  std::map<std::tuple<uint32_t, int64_t, uint32_t>, Decision> decisions;
  for (const auto* ref : t.OfRules({"R11", "R11B", "R10"})) {
    const AuditObligation& o = t.Of(ref);
    if (o.trigger_type == 0 || (o.trigger_type != returned && o.trigger_type != transferred)) {
      continue;
    }
    if (!InPeriod(o.trigger_at, p) || !InJurisdiction(t, t.CaseOf(ref), p)) continue;
    if (!AgencyMatches(t, o.trigger_agency, p)) continue;
    Decision& d = decisions[{ref->case_index, o.trigger_at, o.trigger_type}];
    d.agency = o.trigger_agency;
    std::string status(o.StatusAsOf(p.as_of));
    (o.rule == r11 ? d.bid : o.rule == r11b ? d.risk : d.views) = std::move(status);
  }
  for (const auto& [key, d] : decisions) {
    const bool complete = d.bid == "met" && d.risk == "met" && d.views == "met";
    if (complete && !p.all) continue;
    const AuditCase& c = t.cases[std::get<0>(key)];
    out->rows.push_back(
        MakeRow({c.case_id, t.pool[c.jurisdiction], t.pool[std::get<2>(key)],
                 TimeText(std::get<1>(key)), t.pool[d.agency], d.bid, d.risk, d.views},
                {c.case_id}));
  }
}

void MissingEpisodes(const FactsTable& t, const Params& p, AuditResult* out) {
  const uint32_t r25 = IdOf(t, "R25"), r25b = IdOf(t, "R25B"), r25c = IdOf(t, "R25C");
  struct Group {
    uint64_t cases = 0, episodes = 0, still = 0, notice_late = 0, reassessed_late = 0;
    std::vector<double> notice_hours;
    CaseSet flagged;
  };
  std::map<std::string, Group> groups;
  for (const auto& c : t.cases) {
    if (c.missing_episodes == 0 || !CaseInPeriod(c.identified_at, p)) continue;
    if (!InJurisdiction(t, c, p)) continue;
    Group& g = groups[t.pool[c.jurisdiction]];
    ++g.cases;
    g.episodes += c.missing_episodes;
    if (c.missing_open) {
      ++g.still;
      g.flagged.insert(c.case_id);
    }
    // Few cases have episodes: their own obligations are a short scan.
    for (const auto& o : c.obligations) {
      if (o.trigger_at > p.as_of || (o.rule != r25 && o.rule != r25b && o.rule != r25c)) continue;
      const bool finding = IsFinding(o.StatusAsOf(p.as_of));
      if (finding) g.flagged.insert(c.case_id);
      if (o.rule == r25c) {
        g.reassessed_late += finding;
        continue;
      }
      g.notice_late += finding;
      if (o.rule == r25 && o.satisfied_at != kNone && o.satisfied_at <= p.as_of) {
        g.notice_hours.push_back(std::max(0.0, HoursBetween(o.trigger_at, o.satisfied_at)));
      }
    }
  }
  for (auto& [jurisdiction, g] : groups) {
    out->rows.push_back(
        MakeRow({jurisdiction, N(g.cases), N(g.episodes), N(g.still),
                 Percentile(g.notice_hours, 0.5), N(g.notice_late), N(g.reassessed_late)},
                g.flagged));
  }
}

void NonPunishment(const FactsTable& t, const Params& p, AuditResult* out) {
  ListFindings(t, p, {{"R24", "charged before a non-punishment assessment"}}, {}, out);
}

void SchoolTherapy(const FactsTable& t, const Params& p, AuditResult* out) {
  const uint32_t r23 = IdOf(t, "R23");
  struct Group {
    uint64_t cases = 0, provided = 0, late = 0;
    std::vector<double> days;
    CaseSet flagged;
  };
  constexpr uint32_t kNotYet = UINT32_MAX;
  std::map<std::tuple<uint32_t, bool, uint32_t>, Group> groups;  // jurisdiction, school, agency
  for (const auto* ref : t.OfRules({"R23", "R22B"})) {
    const AuditCase& c = t.CaseOf(ref);
    const AuditObligation& o = t.Of(ref);
    if (!InPeriod(o.trigger_at, p) || !InJurisdiction(t, c, p)) continue;
    const bool provided = o.satisfied_at != kNone && o.satisfied_at <= p.as_of;
    if (!p.agency.empty() && (!provided || !AgencyMatches(t, o.satisfied_agency, p))) continue;
    Group& g = groups[{c.jurisdiction, o.rule == r23, provided ? o.satisfied_agency : kNotYet}];
    ++g.cases;
    if (provided) {
      ++g.provided;
      g.days.push_back(std::max(0.0, HoursBetween(o.trigger_at, o.satisfied_at) / 24));
    }
    if (IsFinding(o.StatusAsOf(p.as_of))) {
      ++g.late;
      g.flagged.insert(c.case_id);
    }
  }
  std::map<std::tuple<std::string, std::string, std::string>, Group*> sorted;
  for (auto& [key, g] : groups) {
    const auto& [jurisdiction, school, agency] = key;
    sorted[{t.pool[jurisdiction], school ? "school" : "therapy",
            agency == kNotYet ? "(not yet)" : t.pool[agency]}] = &g;
  }
  for (auto& [key, g] : sorted) {
    const auto& [jurisdiction, measure, agency] = key;
    out->rows.push_back(MakeRow({jurisdiction, measure, agency, N(g->cases), N(g->provided),
                                 Percentile(g->days, 0.5), Percentile(g->days, 0.9), N(g->late)},
                                g->flagged));
  }
}

void ChildProtectionClocks(const FactsTable& t, const Params& p, AuditResult* out) {
  struct Group {
    uint64_t total = 0, met = 0, met_late = 0, breached = 0, overdue = 0, open = 0;
    CaseSet flagged;
  };
  std::map<std::tuple<uint32_t, uint32_t, uint32_t>, Group> groups;
  for (const auto* ref : t.OfRules({"R28", "R28B"})) {
    const AuditCase& c = t.CaseOf(ref);
    const AuditObligation& o = t.Of(ref);
    if (!InPeriod(o.trigger_at, p) || !InJurisdiction(t, c, p)) continue;
    if (!AgencyMatches(t, o.accountable_agency, p)) continue;
    Group& g = groups[{c.jurisdiction, o.accountable_agency, o.rule}];
    const std::string_view status = o.StatusAsOf(p.as_of);
    ++g.total;
    if (status == "met")
      ++g.met;
    else if (status == "met_late")
      ++g.met_late;
    else if (status == "breached")
      ++g.breached;
    else if (status == "overdue")
      ++g.overdue;
    else
      ++g.open;
    if (IsFinding(status)) g.flagged.insert(c.case_id);
  }
  std::map<std::tuple<std::string, std::string, std::string>, Group*> sorted;
  for (auto& [key, g] : groups) {
    const auto& [jurisdiction, agency, rule] = key;
    sorted[{t.pool[jurisdiction], t.pool[agency], t.pool[rule]}] = &g;
  }
  for (auto& [key, g] : sorted) {
    const auto& [jurisdiction, agency, rule] = key;
    out->rows.push_back(MakeRow({jurisdiction, agency, rule, N(g->total), N(g->met), N(g->met_late),
                                 N(g->breached), N(g->overdue), N(g->open)},
                                g->flagged));
  }
}

void Proceedings(const FactsTable& t, const Params& p, AuditResult* out) {
  const uint32_t r26 = IdOf(t, "R26");
  struct Group {
    uint64_t reports = 0, decision_late = 0, trial_late = 0, discontinued = 0, verdicts = 0,
             convictions = 0;
    std::vector<double> decision_days, trial_days;
    CaseSet flagged;
  };
  auto counted = [&](const AuditCase& c) {
    return c.crime_reported_at != 0 && InPeriod(c.crime_reported_at, p) && InJurisdiction(t, c, p);
  };
  std::map<std::string, Group> groups;
  for (const auto& c : t.cases) {
    if (!counted(c)) continue;
    Group& g = groups[t.pool[c.jurisdiction]];
    ++g.reports;
    // Case-level outcomes are as the case stands now (the view keeps no history of them).
    g.discontinued += c.discontinued;
    g.verdicts += c.verdict != 0;
    g.convictions += c.verdict == 1 || c.verdict == 2;  // conviction, partialConviction
  }
  for (const auto* ref : t.OfRules({"R26", "R26B"})) {
    const AuditCase& c = t.CaseOf(ref);
    const AuditObligation& o = t.Of(ref);
    if (o.trigger_at > p.as_of || !counted(c)) continue;
    Group& g = groups[t.pool[c.jurisdiction]];
    const bool finding = IsFinding(o.StatusAsOf(p.as_of));
    if (finding) g.flagged.insert(c.case_id);
    (o.rule == r26 ? g.decision_late : g.trial_late) += finding;
    if (o.satisfied_at != kNone && o.satisfied_at <= p.as_of) {
      (o.rule == r26 ? g.decision_days : g.trial_days)
          .push_back(std::max(0.0, HoursBetween(o.trigger_at, o.satisfied_at) / 24));
    }
  }
  for (auto& [jurisdiction, g] : groups) {
    out->rows.push_back(MakeRow({jurisdiction, N(g.reports), Percentile(g.decision_days, 0.5),
                                 N(g.decision_late), Percentile(g.trial_days, 0.5), N(g.trial_late),
                                 N(g.discontinued), N(g.verdicts), N(g.convictions)},
                                g.flagged));
  }
}

void CounselCompensation(const FactsTable& t, const Params& p, AuditResult* out) {
  struct Group {
    uint64_t interviewed = 0, before = 0, claimed = 0, awarded = 0, paid = 0;
    CaseSet flagged;  // interviewed without counsel first
  };
  std::vector<bool> counsel_before(t.cases.size(), false);  // R20B met, by case index
  for (const auto* ref : t.OfRules({"R20B"})) {
    if (t.Of(ref).StatusAsOf(p.as_of) == "met") counsel_before[ref->case_index] = true;
  }
  std::map<std::string, Group> groups;
  for (size_t k = 0; k < t.cases.size(); ++k) {
    const AuditCase& c = t.cases[k];
    if (c.interviews.empty()) continue;
    int64_t first = INT64_MAX;
    for (const auto& i : c.interviews) first = std::min(first, i.at);
    if (!InPeriod(first, p) || !InJurisdiction(t, c, p)) continue;
    Group& g = groups[t.pool[c.jurisdiction]];
    ++g.interviewed;
    if (counsel_before[k]) {
      ++g.before;
    } else {
      g.flagged.insert(c.case_id);
    }
    g.claimed += c.compensation_claims > 0;
    g.awarded += c.compensation_awards > 0;
    g.paid += c.compensation_payments > 0;
  }
  for (auto& [jurisdiction, g] : groups) {
    out->rows.push_back(
        MakeRow({jurisdiction, N(g.interviewed), N(g.before), Share(g.before, g.interviewed),
                 N(g.claimed), N(g.awarded), N(g.paid)},
                g.flagged));
  }
}

void Guardians(const FactsTable& t, const Params& p, AuditResult* out) {
  const uint32_t r06 = IdOf(t, "R06");
  struct Group {
    uint64_t with = 0, changes = 0, conflicts = 0, not_replaced = 0, caseload = 0;
    std::vector<double> replace_hours;
    CaseSet flagged;
  };
  auto counted = [&](const AuditCase& c) {
    return c.representatives > 0 && CaseInPeriod(c.identified_at, p) && InJurisdiction(t, c, p);
  };
  std::map<std::string, Group> groups;
  for (const auto& c : t.cases) {
    if (!counted(c)) continue;
    Group& g = groups[t.pool[c.jurisdiction]];
    ++g.with;
    g.changes += c.representatives - 1;
  }
  for (const auto* ref : t.OfRules({"R05", "R06"})) {
    const AuditCase& c = t.CaseOf(ref);
    const AuditObligation& o = t.Of(ref);
    if (o.trigger_at > p.as_of || !counted(c)) continue;
    Group& g = groups[t.pool[c.jurisdiction]];
    const std::string_view status = o.StatusAsOf(p.as_of);
    if (o.rule == r06) {
      if (status == "breached") {
        ++g.caseload;
        g.flagged.insert(c.case_id);
      }
      continue;
    }
    ++g.conflicts;
    if (IsFinding(status)) {
      ++g.not_replaced;
      g.flagged.insert(c.case_id);
    }
    if (o.satisfied_at != kNone && o.satisfied_at <= p.as_of) {
      g.replace_hours.push_back(std::max(0.0, HoursBetween(o.trigger_at, o.satisfied_at)));
    }
  }
  for (auto& [jurisdiction, g] : groups) {
    out->rows.push_back(
        MakeRow({jurisdiction, N(g.with), N(g.changes), N(g.conflicts),
                 Percentile(g.replace_hours, 0.5), N(g.not_replaced), N(g.caseload)},
                g.flagged));
  }
}

void CrossBorder(const FactsTable& t, const Params& p, AuditResult* out) {
  for (const auto& c : t.cases) {
    if (c.transfers == 0 || !InPeriod(c.last_transfer_at, p) || !InJurisdiction(t, c, p)) {
      continue;
    }
    const bool referred = c.last_referral_at != 0 && c.last_referral_at <= c.last_transfer_at;
    out->rows.push_back(
        MakeRow({c.case_id, t.pool[c.jurisdiction], t.pool[c.transferred_to],
                 referred ? TimeText(c.last_referral_at) : "", TimeText(c.last_transfer_at),
                 referred ? Decimal(HoursBetween(c.last_referral_at, c.last_transfer_at)) : ""},
                {c.case_id}));
  }
}

void Closures(const FactsTable& t, const Params& p, AuditResult* out) {
  ListFindings(t, p, {{"R29", "closed without a durable solution or a transition plan at 18"}}, {},
               out);
}

void RuleFindings(const FactsTable& t, const Params& p, AuditResult* out) {
  ListFindings(t, p, {{p.rule, "a finding of " + p.rule}}, {}, out);
}

}  // namespace caseledger::projections::audit
