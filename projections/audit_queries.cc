// The audit queries of obligations.md section 5, items 1 to 6: representation, interviews and
// age. Each is one pass over the audit facts of every case (audit_facts.h); docs/audit.md says
// what each column counts and which cases a row lists.
#include <capnp/schema.h>

#include <algorithm>
#include <map>
#include <tuple>

#include "projections/audit_internal.h"
#include "schema/bodies.capnp.h"

namespace caseledger::projections::audit {

namespace {

// The schema's name of an enumerant ("policeStation").
template <typename Enum>
std::string EnumName(uint16_t value) {
  auto enumerants = capnp::Schema::from<Enum>().getEnumerants();
  if (value >= enumerants.size()) return std::to_string(value);
  return enumerants[value].getProto().getName();
}

uint32_t IdOf(const FactsTable& t, std::string_view s) {
  // 0 is the empty string, which no rule id or event type is.
  return t.pool.Find(s).value_or(0);
}

std::string DeadlineText(double lo, double hi) {
  if (lo > hi) return "";
  return lo == hi ? Decimal(lo) : Decimal(lo) + "-" + Decimal(hi);
}

}  // namespace

void RepresentativeWait(const FactsTable& t, const Params& p, AuditResult* out) {
  struct Group {
    uint64_t cases = 0, over = 0, waiting = 0;
    std::vector<double> hours;  // completed waits
    CaseSet flagged;
  };
  // Keyed by pool ids and year while scanning; by text for the output.
  std::map<std::tuple<uint32_t, uint32_t, int>, Group> groups;
  for (const auto& c : t.cases) {
    if (!InPeriod(c.identified_at, p) || !InJurisdiction(t, c, p)) continue;
    if (!c.representation_needed && c.first_representative_at == 0) continue;
    if (!AgencyMatches(t, c.identifying_agency, p)) continue;
    const bool appointed = c.first_representative_at != 0 && c.first_representative_at <= p.as_of;
    // A representative already there when the child was identified: no wait.
    const double hours =
        appointed ? std::max(0.0, HoursBetween(c.identified_at, c.first_representative_at))
                  : HoursBetween(c.identified_at, p.as_of);
    Group& g = groups[{c.jurisdiction, c.identifying_agency, YearOf(c.identified_at)}];
    ++g.cases;
    if (appointed) {
      g.hours.push_back(hours);
    } else {
      ++g.waiting;
    }
    if (hours > p.hours) {
      ++g.over;
      g.flagged.insert(c.case_id);
    }
  }
  std::map<std::tuple<std::string, std::string, int>, Group*> sorted;
  for (auto& [key, g] : groups) {
    sorted[{t.pool[std::get<0>(key)], t.pool[std::get<1>(key)], std::get<2>(key)}] = &g;
  }
  for (auto& [key, g] : sorted) {
    const auto& [jurisdiction, agency, year] = key;
    out->rows.push_back(
        MakeRow({jurisdiction, agency, std::to_string(year), std::to_string(g->cases),
                 std::to_string(g->over), std::to_string(g->waiting), Percentile(g->hours, 0.5),
                 Percentile(g->hours, 0.9)},
                g->flagged));
  }
}

void RepeatInterviews(const FactsTable& t, const Params& p, AuditResult* out) {
  const uint32_t r15b = IdOf(t, "R15B"), r16 = IdOf(t, "R16");
  for (const auto& c : t.cases) {
    // Count first: most children have no more than N interviews.
    if (c.interviews.size() <= static_cast<uint64_t>(p.count)) continue;
    const auto n = std::count_if(c.interviews.begin(), c.interviews.end(),
                                 [&](const AuditInterview& i) { return i.at <= p.as_of; });
    if (n <= p.count || !InJurisdiction(t, c, p)) continue;
    std::vector<const AuditInterview*> held;
    bool agency = p.agency.empty();
    for (const auto& i : c.interviews) {
      if (i.at > p.as_of) continue;
      held.push_back(&i);
      agency = agency || AgencyMatches(t, i.agency, p);
    }
    if (!agency) continue;
    std::stable_sort(held.begin(), held.end(), [](auto* a, auto* b) { return a->at < b->at; });
    if (!InPeriod(held.front()->at, p)) continue;
    uint64_t without_reason = 0, changes_without_reason = 0;
    for (const auto& o : c.obligations) {
      if ((o.rule != r15b && o.rule != r16) || o.trigger_at > p.as_of) continue;
      if (o.StatusAsOf(p.as_of) != "breached") continue;
      ++(o.rule == r15b ? without_reason : changes_without_reason);
    }
    std::set<uint32_t> interviewers;
    uint64_t changes = 0;
    for (const auto* i : held) {
      interviewers.insert(i->interviewer);
      if (i->interviewer != held.front()->interviewer) ++changes;
    }
    const uint64_t repeats = held.size() - 1;
    out->rows.push_back(MakeRow(
        {c.case_id, t.pool[c.jurisdiction], std::to_string(held.size()), std::to_string(repeats),
         std::to_string(repeats - std::min(repeats, without_reason)),
         std::to_string(interviewers.size()), std::to_string(changes),
         std::to_string(changes_without_reason)},
        {c.case_id}));
  }
}

void InterviewDelay(const FactsTable& t, const Params& p, AuditResult* out) {
  struct Group {
    uint64_t reports = 0, interviewed = 0, over = 0;
    std::vector<double> hours;
    double deadline_lo = 1e300, deadline_hi = -1e300;
    CaseSet flagged;
  };
  constexpr uint32_t kNotYet = UINT32_MAX;  // no interview yet: the row after the agencies
  std::map<std::pair<uint32_t, uint32_t>, Group> groups;
  for (const auto* ref : t.OfRules({"R14"})) {
    const AuditCase& c = t.CaseOf(ref);
    const AuditObligation& o = t.Of(ref);
    if (!InPeriod(o.trigger_at, p) || !InJurisdiction(t, c, p)) continue;
    const bool interviewed = o.satisfied_at != kNone && o.satisfied_at <= p.as_of;
    if (!p.agency.empty() && (!interviewed || !AgencyMatches(t, o.satisfied_agency, p))) {
      continue;
    }
    Group& g = groups[{c.jurisdiction, interviewed ? o.satisfied_agency : kNotYet}];
    ++g.reports;
    if (interviewed) {
      ++g.interviewed;
      g.hours.push_back(std::max(0.0, HoursBetween(o.trigger_at, o.satisfied_at)));
    }
    if (o.due_at != kNone) {
      const double limit = HoursBetween(o.trigger_at, o.due_at);
      g.deadline_lo = std::min(g.deadline_lo, limit);
      g.deadline_hi = std::max(g.deadline_hi, limit);
    }
    if (IsFinding(o.StatusAsOf(p.as_of))) {
      ++g.over;
      g.flagged.insert(c.case_id);
    }
  }
  std::map<std::pair<std::string, std::string>, Group*> sorted;
  for (auto& [key, g] : groups) {
    sorted[{t.pool[key.first],
            key.second == kNotYet ? "(not interviewed yet)" : t.pool[key.second]}] = &g;
  }
  for (auto& [key, g] : sorted) {
    out->rows.push_back(
        MakeRow({key.first, key.second, std::to_string(g->reports), std::to_string(g->interviewed),
                 Percentile(g->hours, 0.5), Percentile(g->hours, 0.9),
                 DeadlineText(g->deadline_lo, g->deadline_hi), std::to_string(g->over)},
                g->flagged));
  }
}

void InterviewInformation(const FactsTable& t, const Params& p, AuditResult* out) {
  ListFindings(t, p,
               {{"R07B", "interview held before the child was informed"},
                {"R08", "no interpreter though the child needed one"}},
               {"forensicInterviewConducted"}, out);
}

void InterviewSetting(const FactsTable& t, const Params& p, AuditResult* out) {
  for (const auto& c : t.cases) {
    if (c.interviews.empty() || !InJurisdiction(t, c, p)) continue;
    for (const auto& i : c.interviews) {
      if (!InPeriod(i.at, p) || !AgencyMatches(t, i.agency, p)) continue;
      const auto premises = static_cast<schema::Premises>(i.premises);
      const bool adapted = premises == schema::Premises::BARNAHUS ||
                           premises == schema::Premises::CHILD_ADAPTED_ROOM;
      if (adapted && i.recorded) continue;
      out->rows.push_back(MakeRow(
          {c.case_id, t.pool[c.jurisdiction], std::to_string(i.sequence), TimeText(i.at),
           EnumName<schema::Premises>(i.premises), i.recorded ? "yes" : "no", t.pool[i.agency]},
          {c.case_id}));
    }
  }
}

void AgeDisputes(const FactsTable& t, const Params& p, AuditResult* out) {
  const uint32_t r01 = IdOf(t, "R01"), r01b = IdOf(t, "R01B");
  struct Group {
    uint64_t disputes = 0, assessed = 0, adult_track = 0;
    std::vector<double> days;
    std::map<uint32_t, uint64_t> methods;  // method -> cases
    CaseSet cases;
  };
  std::map<std::pair<std::string, std::string>, Group> groups;
  for (const auto& c : t.cases) {
    if (!InPeriod(c.age_disputed_at, p) || !InJurisdiction(t, c, p)) continue;
    Group& g = groups[{t.pool[c.jurisdiction], std::to_string(YearOf(c.age_disputed_at))}];
    ++g.disputes;
    g.cases.insert(c.case_id);
    if (c.age_assessed_at != 0 && c.age_assessed_at >= c.age_disputed_at &&
        c.age_assessed_at <= p.as_of) {
      ++g.assessed;
      g.days.push_back(HoursBetween(c.age_disputed_at, c.age_assessed_at) / 24);
      for (uint32_t m = 0; m < 32; ++m) {
        if (c.age_methods & (1u << m)) ++g.methods[m];
      }
    }
    const bool adult_track = std::any_of(c.obligations.begin(), c.obligations.end(), [&](auto& o) {
      return (o.rule == r01 || o.rule == r01b) && o.trigger_at <= p.as_of &&
             o.StatusAsOf(p.as_of) == "breached";
    });
    if (adult_track) ++g.adult_track;
  }
  for (auto& [key, g] : groups) {
    std::string methods;
    for (const auto& [m, n] : g.methods) {
      methods += (methods.empty() ? "" : " ") +
                 EnumName<schema::AgeAssessmentCompleted::Method>(static_cast<uint16_t>(m)) + ":" +
                 std::to_string(n);
    }
    out->rows.push_back(MakeRow(
        {key.first, key.second, std::to_string(g.disputes), std::to_string(g.assessed),
         Percentile(g.days, 0.5), Percentile(g.days, 0.9), methods, std::to_string(g.adult_track)},
        g.cases));
  }
}

}  // namespace caseledger::projections::audit
