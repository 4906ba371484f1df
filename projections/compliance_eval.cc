// The obligations of one rule from its track: one pure function per rule kind.
//
// Semantics (docs/compliance.md says the same for pack authors). Only triggers that occurred
// within the rule set's interval [effective_from, effective_until) give obligations; other
// events of the track (satisfiers, exemptions, states) count whenever they occurred.
// - deadline: each trigger opens an obligation under its limit (the first whose `when` holds
//   on the trigger and whose effective dates contain the trigger's occurred-at); due =
//   PeriodEnd(trigger occurred-at, period), moved by the longest extension whose `when` holds
//   on the satisfying event. Met by the first satisfying event at or after the trigger (or
//   any, with satisfied_before_trigger); with first_only only the case's first satisfying
//   event counts. met_late after due; a min_span that the satisfier's span_from..span_to
//   does not cover makes it breached. A cancelling event at or after the trigger, before any
//   satisfier, withdraws the obligation (it is not listed: the duty passed elsewhere). A
//   caseClosed event before any satisfier makes it breached. Otherwise pending.
// - count_cap: each counted trigger (exempt_field not set) beyond the cap: breached.
// - ordering: each trigger needs a satisfying or exempting event that occurred before it:
//   met, else breached.
// - presence: each trigger must satisfy one require_any group: met; else met when an
//   exempting event occurred before it; else breached.
// - continuity: each trigger after the first: same same_field value as the first, or a
//   reason_field set: met; else breached.
// - absence_at_closure: the closing trigger needs a satisfying event at or before it.
// - forbidden_while_open: a trigger while the state is open (or always, without a state):
//   breached. Only breaches are listed.
// - recurring: from the first trigger (or, without trigger types, the first satisfier), a
//   satisfier is due within each period after the previous one, until a stop event or
//   caseClosed; each due review is an obligation.
// - cross_case_cap: a trigger whose group count after joining exceeds the cap (the
//   exceptional cap when exceptional_when held): breached. Only breaches are listed.
// - recording_delay: an event recorded more than the period after it occurred: met_late.
#include <algorithm>

#include "projections/compliance_internal.h"

namespace caseledger::compliance::detail {
namespace {

struct Ctx {
  const RuleSet& set;
  const CompiledRule& cr;
  const Rule& rule;
  const std::map<std::string, std::string>& agency_by_role;
};

bool InSet(const Ctx& c, const Item& t) {
  return c.set.effective_from <= t.at && t.at < c.set.effective_until;
}

std::string TypeName(uint16_t type) {
  auto fields = capnp::Schema::from<schema::Event>()
                    .getFieldByName("body").getType().asStruct().getUnionFields();
  for (auto f : fields) {
    if (f.getProto().getDiscriminantValue() == type) return f.getProto().getName().cStr();
  }
  return "unspecified";
}

Obligation Base(const Ctx& c, const Item& trigger, int limit_index) {
  Obligation o;
  o.rule_id = c.rule.id;
  o.title = c.rule.title;
  o.jurisdiction = c.cr.entry->jurisdiction;
  o.pack_id = c.cr.entry->pack->id;
  o.pack_version = c.cr.entry->pack->version;
  o.kind = c.rule.kind;
  o.tag = c.rule.tag;
  o.uncertain = c.rule.uncertain;
  o.source = c.rule.source;
  if (limit_index >= 0 && limit_index < static_cast<int>(c.rule.limits.size())) {
    const Limit& l = c.rule.limits[limit_index];
    o.limit_name = l.name;
    o.tag = l.tag;
    o.uncertain = o.uncertain || l.uncertain;
    if (!l.source.empty()) o.source = l.source;
  }
  o.trigger_position = trigger.position;
  o.trigger_event_id = trigger.event_id;
  o.trigger_type = TypeName(trigger.type);
  o.trigger_at = trigger.at;
  return o;
}

void SetSatisfied(Obligation& o, const Item& s) {
  o.satisfied_position = s.position;
  o.satisfied_event_id = s.event_id;
  o.satisfied_type = TypeName(s.type);
  o.satisfied_at = s.at;
}

// Accountability: the first selector that resolves to an agency.
void Account(const Ctx& c, Obligation& o, const Item& trigger, const Item* violator,
             const Item* satisfier) {
  std::vector<std::string> selectors = c.rule.accountable;
  if (selectors.empty()) selectors = {"trigger"};
  for (const auto& s : selectors) {
    const Item* who = nullptr;
    if (s == "trigger") who = &trigger;
    else if (s == "violator") who = violator;
    else if (s == "satisfier") who = satisfier;
    if (who != nullptr) {
      o.accountable_agency = who->agency;
      o.accountable_role = who->role;
      return;
    }
    auto it = c.agency_by_role.find(s);
    if (it != c.agency_by_role.end()) {
      o.accountable_agency = it->second;
      o.accountable_role = s;
      return;
    }
  }
  // No agency of the roles the rule names took part: the first of those roles answers, with no
  // agency id yet (the case shows which body should have acted). A rule that names only
  // events ("violator" with nothing broken): the agency whose event the obligation is about.
  for (const auto& s : selectors) {
    if (s != "trigger" && s != "violator" && s != "satisfier") {
      o.accountable_role = s;
      return;
    }
  }
  o.accountable_agency = trigger.agency;
  o.accountable_role = trigger.role;
}

const Limit* LimitOf(const Ctx& c, const Item& t) {
  if (t.limit < 0 || t.limit >= static_cast<int>(c.rule.limits.size())) return nullptr;
  return &c.rule.limits[t.limit];
}

int64_t End(const Ctx& c, int64_t start, const Period& p, bool roll) {
  return PeriodEnd(c.set.calendar, start, p.amount, p.unit, roll);
}

void Deadline(const Ctx& c, const Track& tr, std::vector<Obligation>* out) {
  const Item* first_sat = nullptr;
  for (const auto& i : tr.items) {
    if (i.Has(Item::kSatisfier)) { first_sat = &i; break; }
  }
  for (const auto& t : tr.items) {
    if (!t.Has(Item::kTrigger) || !InSet(c, t)) continue;
    const Limit* l = LimitOf(c, t);
    if (l == nullptr || !l->period) continue;
    Obligation o = Base(c, t, t.limit);
    int64_t due = End(c, t.at, *l->period, l->roll_forward);
    o.due_at = due;
    const Item* sat = nullptr;
    const Item* cancel = nullptr;
    const Item* closed = nullptr;
    for (const auto& s : tr.items) {
      if (&s == &t) continue;
      bool after = s.at >= t.at;
      if (!sat && s.Has(Item::kSatisfier) && (after || c.rule.satisfied_before_trigger) &&
          (!c.rule.first_only || &s == first_sat)) {
        sat = &s;
      }
      if (!cancel && after && s.Has(Item::kCancel)) cancel = &s;
      if (!closed && after && s.Has(Item::kClosure)) closed = &s;
    }
    if (cancel && (!sat || cancel->at < sat->at)) continue;  // withdrawn, not listed
    if (sat) {
      SetSatisfied(o, *sat);
      int64_t extended = due;
      for (size_t e = 0; e < l->extensions.size(); ++e) {
        if (sat->extensions & (uint64_t{1} << (t.limit * 8 + e))) {
          extended = std::max(extended, End(c, due, l->extensions[e].period, false));
        }
      }
      o.due_at = extended;
      o.status = sat->at <= extended ? ObligationStatus::kMet : ObligationStatus::kMetLate;
      if (extended != due) o.detail = "due extended by the satisfying event's grounds";
      if (o.status == ObligationStatus::kMetLate) {
        o.justified = sat->Has(Item::kGrounds);
        o.detail = "met after the due time";
      }
      if (l->min_span && sat->span_from && sat->span_to) {
        int64_t need = End(c, *sat->span_from, *l->min_span, false);
        bool short_span = l->min_span->unit == PeriodUnit::kHours
                              ? *sat->span_to < need
                              : c.set.calendar.LocalDate(*sat->span_to) <
                                    c.set.calendar.LocalDate(need);
        if (short_span) {
          o.status = ObligationStatus::kBreached;
          o.breached_at = sat->at;
          o.detail = "span " + l->span_from + ".." + l->span_to + " shorter than " +
                     std::to_string(l->min_span->amount) + " " +
                     std::string(PeriodUnitName(l->min_span->unit));
        }
      }
      Account(c, o, t, o.status == ObligationStatus::kMet ? nullptr : sat, sat);
    } else if (closed) {
      o.status = ObligationStatus::kBreached;
      o.breached_at = closed->at;
      o.detail = "case closed with the obligation unmet";
      Account(c, o, t, nullptr, nullptr);
    } else {
      o.status = ObligationStatus::kPending;
      Account(c, o, t, nullptr, nullptr);
    }
    out->push_back(std::move(o));
  }
}

void CountCap(const Ctx& c, const Track& tr, std::vector<Obligation>* out) {
  int64_t counted = 0;
  for (const auto& t : tr.items) {
    if (!t.Has(Item::kTrigger) || t.Has(Item::kExemptSet)) continue;
    ++counted;
    const Limit* l = LimitOf(c, t);
    if (!InSet(c, t) || l == nullptr || !l->cap || counted <= *l->cap) continue;
    Obligation o = Base(c, t, t.limit);
    o.status = ObligationStatus::kBreached;
    o.detail = "number " + std::to_string(counted) + " beyond the cap of " +
               std::to_string(*l->cap);
    Account(c, o, t, &t, nullptr);
    out->push_back(std::move(o));
  }
}

// Ordering, presence, absence at closure: one check per trigger against earlier events.
void Checks(const Ctx& c, const Track& tr, std::vector<Obligation>* out) {
  for (const auto& t : tr.items) {
    if (!t.Has(Item::kTrigger) || !InSet(c, t)) continue;
    Obligation o = Base(c, t, t.limit);
    const Item* before = nullptr;
    const Item* exempt = nullptr;
    bool inclusive = c.rule.kind == RuleKind::kAbsenceAtClosure;
    for (const auto& s : tr.items) {
      if (&s == &t) continue;
      bool earlier = inclusive ? s.at <= t.at : s.at < t.at;
      if (!earlier) continue;
      if (!before && s.Has(Item::kSatisfier)) before = &s;
      if (!exempt && s.Has(Item::kExempt)) exempt = &s;
    }
    if (c.rule.kind == RuleKind::kPresence) {
      if (t.Has(Item::kRequireOk)) {
        o.status = ObligationStatus::kMet;
      } else if (exempt) {
        o.status = ObligationStatus::kMet;
        SetSatisfied(o, *exempt);
        o.detail = "exempted";
      } else {
        o.status = ObligationStatus::kBreached;
        o.detail = "no required field group holds";
      }
    } else {
      const Item* s = before ? before : exempt;
      if (s) {
        o.status = ObligationStatus::kMet;
        SetSatisfied(o, *s);
        if (!before) o.detail = "exempted";
      } else {
        o.status = ObligationStatus::kBreached;
        o.detail = c.rule.kind == RuleKind::kOrdering ? "required earlier event missing"
                                                      : "closed without the required event";
      }
    }
    Account(c, o, t, o.status == ObligationStatus::kBreached ? &t : nullptr, nullptr);
    out->push_back(std::move(o));
  }
}

void Continuity(const Ctx& c, const Track& tr, std::vector<Obligation>* out) {
  const Item* first = nullptr;
  for (const auto& t : tr.items) {
    if (!t.Has(Item::kTrigger)) continue;
    if (!first) { first = &t; continue; }
    if (!InSet(c, t)) continue;
    Obligation o = Base(c, t, t.limit);
    if (t.value == first->value) {
      o.status = ObligationStatus::kMet;
    } else if (t.Has(Item::kReasonSet)) {
      o.status = ObligationStatus::kMet;
      o.justified = true;
      o.detail = "changed with a reason recorded";
    } else {
      o.status = ObligationStatus::kBreached;
      o.detail = c.rule.same_field + " changed from " + first->value + " to " + t.value +
                 " without a reason";
    }
    Account(c, o, t, o.status == ObligationStatus::kBreached ? &t : nullptr, nullptr);
    out->push_back(std::move(o));
  }
}

void Forbidden(const Ctx& c, const Track& tr, std::vector<Obligation>* out) {
  // The state's open intervals, from the track's opening, extending and closing events.
  std::vector<std::pair<int64_t, int64_t>> open;
  bool is_open = false;
  for (const auto& s : tr.items) {
    if (s.Has(Item::kOpen) && !is_open) {
      open.emplace_back(s.at, s.until.value_or(INT64_MAX));
      is_open = true;
    } else if (s.Has(Item::kExtend) && is_open && s.until) {
      open.back().second = *s.until;
    } else if (s.Has(Item::kClose) && is_open) {
      open.back().second = std::min(open.back().second, s.at);
      is_open = false;
    }
    if (is_open && open.back().second <= s.at) is_open = false;
  }
  for (const auto& t : tr.items) {
    if (!t.Has(Item::kTrigger) || !InSet(c, t)) continue;
    bool forbidden = !c.cr.state;
    for (const auto& [from, until] : open) forbidden |= from <= t.at && t.at < until;
    if (!forbidden) continue;
    Obligation o = Base(c, t, t.limit);
    o.status = ObligationStatus::kBreached;
    o.detail = c.rule.state.empty() ? "forbidden" : "forbidden while " + c.rule.state + " is open";
    Account(c, o, t, &t, nullptr);
    out->push_back(std::move(o));
  }
}

void Recurring(const Ctx& c, const Track& tr, std::vector<Obligation>* out) {
  bool from_trigger = !c.rule.trigger.types.empty();
  const Item* prev = nullptr;
  const Item* end = nullptr;
  for (const auto& s : tr.items) {
    if (from_trigger ? s.Has(Item::kTrigger) : s.Has(Item::kSatisfier)) { prev = &s; break; }
  }
  if (!prev) return;
  for (const auto& s : tr.items) {
    if (!end && s.at > prev->at && (s.Has(Item::kStop) || s.Has(Item::kClosure))) end = &s;
  }
  const Item* start = prev;
  const Limit* l = LimitOf(c, *start);
  if (l == nullptr || !l->period || !InSet(c, *start)) return;
  while (true) {
    int64_t due = End(c, prev->at, *l->period, l->roll_forward);
    const Item* next = nullptr;
    for (const auto& s : tr.items) {
      if (s.Has(Item::kSatisfier) && s.at > prev->at) { next = &s; break; }
    }
    Obligation o = Base(c, *prev, start->limit);
    o.due_at = due;
    if (end && (!next || end->at < next->at)) {
      if (end->at <= due) return;  // stopped (or closed) before this review was due
      o.status = ObligationStatus::kBreached;
      o.breached_at = end->at;
      o.detail = "review missing before the reviews stopped";
      Account(c, o, *prev, nullptr, nullptr);
      out->push_back(std::move(o));
      return;
    }
    if (!next) {
      o.status = ObligationStatus::kPending;
      Account(c, o, *prev, nullptr, nullptr);
      out->push_back(std::move(o));
      return;
    }
    SetSatisfied(o, *next);
    o.status = next->at <= due ? ObligationStatus::kMet : ObligationStatus::kMetLate;
    if (o.status == ObligationStatus::kMetLate) o.justified = next->Has(Item::kGrounds);
    Account(c, o, *prev, o.status == ObligationStatus::kMet ? nullptr : next, next);
    out->push_back(std::move(o));
    prev = next;
  }
}

void CrossCaseCap(const Ctx& c, const Track& tr, std::vector<Obligation>* out) {
  for (const auto& t : tr.items) {
    if (!t.Has(Item::kTrigger) || !InSet(c, t)) continue;
    const Limit* l = LimitOf(c, t);
    if (l == nullptr || !l->cap) continue;
    int64_t cap = t.Has(Item::kExceptional) && l->exceptional_cap ? *l->exceptional_cap : *l->cap;
    if (t.count_after <= cap) continue;
    Obligation o = Base(c, t, t.limit);
    o.status = ObligationStatus::kBreached;
    o.detail = c.rule.group_field + " " + t.value + " has " + std::to_string(t.count_after) +
               " cases, cap " + std::to_string(cap);
    Account(c, o, t, &t, nullptr);
    out->push_back(std::move(o));
  }
}

void RecordingDelay(const Ctx& c, const Track& tr, std::vector<Obligation>* out) {
  for (const auto& t : tr.items) {
    if (!t.Has(Item::kTrigger) || !InSet(c, t)) continue;
    const Limit* l = LimitOf(c, t);
    if (l == nullptr || !l->period) continue;
    int64_t due = End(c, t.at, *l->period, l->roll_forward);
    if (t.recorded <= due) continue;
    Obligation o = Base(c, t, t.limit);
    o.due_at = due;
    SetSatisfied(o, t);
    o.satisfied_at = t.recorded;  // met when it was recorded
    o.status = ObligationStatus::kMetLate;
    o.justified = t.Has(Item::kGrounds);
    o.detail = "recorded after the allowed delay";
    Account(c, o, t, &t, &t);
    out->push_back(std::move(o));
  }
}

}  // namespace

std::vector<Obligation> Evaluate(const RuleSet& set, const CompiledRule& rule, const Track& track,
                                 const std::map<std::string, std::string>& agency_by_role) {
  Ctx c{set, rule, *rule.rule, agency_by_role};
  std::vector<Obligation> out;
  switch (c.rule.kind) {
    case RuleKind::kDeadline: Deadline(c, track, &out); break;
    case RuleKind::kCountCap: CountCap(c, track, &out); break;
    case RuleKind::kOrdering:
    case RuleKind::kPresence:
    case RuleKind::kAbsenceAtClosure: Checks(c, track, &out); break;
    case RuleKind::kContinuity: Continuity(c, track, &out); break;
    case RuleKind::kForbiddenWhileOpen: Forbidden(c, track, &out); break;
    case RuleKind::kRecurring: Recurring(c, track, &out); break;
    case RuleKind::kCrossCaseCap: CrossCaseCap(c, track, &out); break;
    case RuleKind::kRecordingDelay: RecordingDelay(c, track, &out); break;
  }
  return out;
}

}  // namespace caseledger::compliance::detail
