// The tables of a pack ([pack], [calendar], [[state]], [[rule]], [[rule.limit]]) and the
// checks each rule kind needs (docs/compliance.md, "Rule kinds").
#include <capnp/schema.h>

#include <algorithm>
#include <cctype>
#include <set>

#include "projections/calendar_toml.h"
#include "projections/condition.h"
#include "projections/rule_pack.h"
#include "projections/rule_pack_internal.h"
#include "schema/common.capnp.h"

namespace caseledger::compliance::detail {

namespace {

const std::set<std::string>& AgencyRoleNames() {
  static const std::set<std::string> names = [] {
    std::set<std::string> out;
    for (auto e : capnp::Schema::from<schema::AgencyRole>().getEnumerants()) {
      std::string name = e.getProto().getName();
      if (name != "unspecified") out.insert(std::move(name));
    }
    return out;
  }();
  return names;
}

bool IsJurisdictionCode(std::string_view code) {
  static constexpr std::string_view kCodes[] = {"DK", "EE", "FI", "LV", "LT", "SE", "NO", "IS"};
  return std::find(std::begin(kCodes), std::end(kCodes), code) != std::end(kCodes);
}

bool IsRuleId(std::string_view id) {
  if (id.empty()) return false;
  for (char c : id) {
    if (!(std::isupper(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) ||
          c == '_')) {
      return false;
    }
  }
  return true;
}

// The event types a limit's `when` conditions are tested on: the trigger's, or for a
// recurring rule without a trigger, the satisfying event's.
const std::vector<std::string>& WhenTypes(const Rule& rule) {
  return rule.trigger.empty() ? rule.satisfied_by.types : rule.trigger.types;
}

}  // namespace

RulePack PackParser::Pack(const toml::table& root) {
  RulePack pack;
  CheckKeys(root, {"pack", "calendar", "state", "rule"}, "the pack");
  PackTable(root, &pack);
  if (const toml::node* cal = root.get("calendar")) {
    // The baseline runs under the national pack's calendar (docs/compliance.md): a calendar of
    // its own would be ignored, so it is refused rather than silently dropped.
    if (pack.jurisdiction.empty() && root.get("pack") != nullptr) {
      Error(cal->source(), "the baseline pack has no [calendar]: its rules run under the "
                           "national pack's calendar");
    } else {
      CalendarTable(*cal, &pack);
    }
  }
  // Without a time zone a national pack's days would end at midnight UTC, not local midnight.
  if (!pack.jurisdiction.empty() && pack.time_zone.empty()) {
    const toml::node* cal = root.get("calendar");
    const toml::table* ct = cal ? cal->as_table() : nullptr;
    if (cal == nullptr) {
      Error(root.source(), "national pack " + pack.jurisdiction +
                               " needs a [calendar] table with 'time_zone' (e.g. \"Europe/Oslo\")");
    } else if (ct != nullptr && ct->get("time_zone") == nullptr) {
      Error(cal->source(), "[calendar] of a national pack needs 'time_zone'");
    }
  }
  if (const toml::node* states = root.get("state")) States(*states, &pack);

  const toml::node* rules = root.get("rule");
  const toml::array* ra = rules ? rules->as_array() : nullptr;
  if (rules != nullptr && (ra == nullptr || !ra->is_array_of_tables())) {
    Error(rules->source(), "'rule' must be an array of tables: [[rule]]");
    return pack;
  }
  if (ra == nullptr) return pack;
  std::set<std::string> ids;
  for (const toml::node& item : *ra) {
    std::optional<Rule> rule = RuleOf(*item.as_table());
    if (!rule) continue;
    if (!ids.insert(rule->id).second) {
      const toml::node* id = item.as_table()->get("id");
      Error(id->source(), "duplicate rule id '" + rule->id + "'");
      continue;
    }
    pack.rules.push_back(std::move(*rule));
  }
  return pack;
}

void PackParser::PackTable(const toml::table& root, RulePack* pack) {
  const toml::node* n = root.get("pack");
  const toml::table* t = n ? n->as_table() : nullptr;
  if (t == nullptr) {
    Error(n ? n->source() : root.source(), "a pack needs a [pack] table with id and version");
    return;
  }
  CheckKeys(*t, {"id", "version", "jurisdiction", "title"}, "[pack]");
  pack->id = RequiredString(*t, "id", "[pack]");
  pack->version = RequiredString(*t, "version", "[pack]");
  pack->jurisdiction = String(*t, "jurisdiction").value_or("");
  pack->title = String(*t, "title").value_or("");
  jurisdiction_ = pack->jurisdiction;
  if (!pack->jurisdiction.empty() && !IsJurisdictionCode(pack->jurisdiction)) {
    Error(t->get("jurisdiction")->source(),
          "unknown jurisdiction '" + pack->jurisdiction +
              "' (DK, EE, FI, LV, LT, SE, NO, IS; \"\" for the baseline)");
    return;
  }
  // The id names the pack in activation events and `rules list`: a national pack's id is its
  // jurisdiction, the baseline's is "EU" (docs/compliance.md, "Pack identity").
  if (pack->id.empty()) return;
  const toml::node* id = t->get("id");
  if (pack->jurisdiction.empty() && pack->id != "EU") {
    Error(id->source(), "the baseline pack (jurisdiction \"\") must have id \"EU\", not '" +
                            pack->id + "'");
  } else if (!pack->jurisdiction.empty() && pack->id != pack->jurisdiction) {
    Error(id->source(), "pack id '" + pack->id + "' must equal its jurisdiction '" +
                            pack->jurisdiction + "'");
  }
}

void PackParser::CalendarTable(const toml::node& node, RulePack* pack) {
  const toml::table* t = node.as_table();
  if (t == nullptr) {
    Error(node.source(), "'calendar' must be a table");
    return;
  }
  std::vector<std::pair<int, std::string>> problems;
  (void)ParseCalendarTable(*t, &pack->time_zone, &pack->calendar, &problems);
  for (auto& [line, message] : problems) {
    errors_->push_back(PackError{file_, line, 1, "[calendar]: " + message});
  }
}

void PackParser::States(const toml::node& node, RulePack* pack) {
  const toml::array* a = node.as_array();
  if (a == nullptr || !a->is_array_of_tables()) {
    Error(node.source(), "'state' must be an array of tables: [[state]]");
    return;
  }
  for (const toml::node& item : *a) {
    std::optional<StateDef> s = State(*item.as_table());
    if (!s) continue;
    bool dup = std::any_of(pack->states.begin(), pack->states.end(),
                           [&](const StateDef& d) { return d.name == s->name; });
    if (dup) {
      Error(item.as_table()->get("name")->source(), "duplicate state '" + s->name + "'");
      continue;
    }
    pack->states.push_back(std::move(*s));
  }
  states_ = pack->states;
}

std::optional<StateDef> PackParser::State(const toml::table& t) {
  CheckKeys(t, {"name", "opens", "closes", "until_field", "extends", "extend_field"}, "[[state]]");
  StateDef s;
  s.line = static_cast<int>(t.source().begin.line);
  s.name = RequiredString(t, "name", "[[state]]");
  s.opens = Match(t, "opens");
  s.closes = Match(t, "closes");
  s.extends = Match(t, "extends");
  if (t.get("opens") == nullptr) Error(t.source(), "[[state]] needs 'opens'");
  FieldPath(t, "until_field", s.opens.types, &s.until_field);
  FieldPath(t, "extend_field", s.extends.types, &s.extend_field);
  if (!s.extend_field.empty() && t.get("extends") == nullptr) {
    Error(t.get("extend_field")->source(), "'extend_field' needs 'extends'");
  }
  if (s.name.empty()) return std::nullopt;
  return s;
}

std::optional<Rule> PackParser::RuleOf(const toml::table& t) {
  CheckKeys(t,
            {"id", "title", "kind", "source", "tag", "uncertain", "enabled", "note", "accountable",
             "trigger", "satisfied_by", "exempted_by", "cancelled_by", "require_any", "state",
             "same_field", "reason_field", "exempt_field", "group_field", "released_by", "stop",
             "first_only", "satisfied_before_trigger", "limit"},
            "[[rule]]");
  // Errors of this table so far: the kind checks below only speak when there are none, so
  // that one mistake (an unknown event type) does not also read as a missing 'trigger'.
  const size_t errors_before = errors_->size();
  Rule rule;
  rule.line = static_cast<int>(t.source().begin.line);
  rule.id = RequiredString(t, "id", "[[rule]]");
  if (rule.id.empty()) return std::nullopt;
  if (!IsRuleId(rule.id)) {
    Error(t.get("id")->source(), "rule id '" + rule.id + "' must be upper-case letters and digits");
  }
  rule.enabled = Bool(t, "enabled", true);
  rule.note = String(t, "note").value_or("");
  rule.title = String(t, "title").value_or("");
  rule.uncertain = Bool(t, "uncertain", false);
  if (!rule.enabled) {
    if (rule.note.empty()) Error(t.source(), "rule " + rule.id + " is disabled: say why in 'note'");
    if (baseline_ != nullptr) {
      bool known = std::any_of(baseline_->rules.begin(), baseline_->rules.end(),
                               [&](const Rule& r) { return r.id == rule.id; });
      if (!known && t.get("kind") == nullptr) {
        Error(t.get("id")->source(), "disables rule " + rule.id + ", which the baseline lacks");
      }
    }
    // A rule that only switches a baseline rule off needs nothing more.
    if (t.get("kind") == nullptr) return rule;
  }
  // A bad kind is reported and the rest of the table still checked: every problem at once.
  std::optional<std::string> kind = String(t, "kind");
  std::optional<RuleKind> k = kind ? ParseRuleKind(*kind) : std::nullopt;
  if (!kind) {
    if (t.get("kind") == nullptr) Error(t.source(), "rule " + rule.id + " needs 'kind'");
  } else if (!k) {
    Error(t.get("kind")->source(),
          "unknown rule kind '" + *kind +
              "' (deadline, count_cap, ordering, presence, continuity, absence_at_closure, "
              "forbidden_while_open, recurring, cross_case_cap, recording_delay)");
  }
  if (k) rule.kind = *k;
  rule.source = RequiredString(t, "source", "rule " + rule.id);
  if (t.get("tag") == nullptr) Error(t.source(), "rule " + rule.id + " needs 'tag'");
  rule.tag = TagOf(t).value_or(Tag::kBinding);
  CheckAccountable(t, &rule);

  rule.trigger = Match(t, "trigger");
  rule.satisfied_by = Match(t, "satisfied_by");
  rule.exempted_by = Match(t, "exempted_by");
  rule.cancelled_by = Match(t, "cancelled_by");
  rule.released_by = Match(t, "released_by");
  rule.stop = Match(t, "stop");
  rule.first_only = Bool(t, "first_only", false);
  rule.satisfied_before_trigger = Bool(t, "satisfied_before_trigger", false);
  rule.state = String(t, "state").value_or("");
  FieldPath(t, "same_field", rule.trigger.types, &rule.same_field);
  FieldPath(t, "reason_field", rule.trigger.types, &rule.reason_field);
  FieldPath(t, "exempt_field", rule.trigger.types, &rule.exempt_field);
  FieldPath(t, "group_field", rule.trigger.types, &rule.group_field);

  if (const toml::node* ra = t.get("require_any")) {
    const toml::array* groups = ra->as_array();
    if (groups == nullptr) {
      Error(ra->source(), "'require_any' must be a list of lists of conditions");
    } else {
      for (const toml::node& g : *groups) {
        const toml::array* conds = g.as_array();
        if (conds == nullptr || conds->empty()) {
          Error(g.source(), "each 'require_any' group must be a non-empty list of conditions");
          continue;
        }
        std::vector<Condition> group;
        for (const toml::node& c : *conds) {
          if (auto cond = OneCondition(c, rule.trigger.types)) group.push_back(std::move(*cond));
        }
        rule.require_any.push_back(std::move(group));
      }
    }
  }
  if (!rule.state.empty()) {
    auto declared = [&](const std::vector<StateDef>& states) {
      return std::any_of(states.begin(), states.end(),
                         [&](const StateDef& s) { return s.name == rule.state; });
    };
    bool national_unchecked = !jurisdiction_.empty() && baseline_ == nullptr;
    if (!declared(states_) && !(baseline_ != nullptr && declared(baseline_->states)) &&
        !national_unchecked) {
      Error(t.get("state")->source(), "state '" + rule.state + "' is not a declared [[state]]");
    }
  }
  Limits(t, &rule);
  if (!k) return std::nullopt;
  if (rule.enabled && errors_->size() == errors_before) CheckKind(t, rule);
  return rule;
}

void PackParser::CheckAccountable(const toml::table& t, Rule* rule) {
  const toml::node* n = t.get("accountable");
  if (n == nullptr) return;
  const toml::array* a = n->as_array();
  if (a == nullptr) {
    Error(n->source(), "'accountable' must be a list of strings");
    return;
  }
  for (const toml::node& item : *a) {
    const auto* s = item.as_string();
    if (s == nullptr) {
      Error(item.source(), "'accountable' entries must be strings");
      continue;
    }
    const std::string& v = s->get();
    if (v != "trigger" && v != "violator" && v != "satisfier" && !AgencyRoleNames().count(v)) {
      Error(item.source(), "unknown accountable '" + v +
                               "' (trigger, violator, satisfier or an agency role such as "
                               "guardianship)");
      continue;
    }
    rule->accountable.push_back(v);
  }
}

void PackParser::Limits(const toml::table& t, Rule* rule) {
  const toml::node* n = t.get("limit");
  if (n == nullptr) return;
  const toml::array* a = n->as_array();
  if (a == nullptr || !a->is_array_of_tables()) {
    Error(n->source(), "'limit' must be an array of tables: [[rule.limit]]");
    return;
  }
  for (const toml::node& item : *a) {
    if (auto limit = LimitOf(*item.as_table(), *rule)) rule->limits.push_back(std::move(*limit));
  }
}

std::optional<Limit> PackParser::LimitOf(const toml::table& t, const Rule& rule) {
  CheckKeys(t,
            {"name", "when", "period", "roll_forward", "cap", "exceptional_cap",
             "exceptional_when", "min_span", "span_from", "span_to", "effective_from",
             "effective_until", "source", "tag", "uncertain", "extensions"},
            "[[rule.limit]]");
  Limit l;
  l.line = static_cast<int>(t.source().begin.line);
  l.name = String(t, "name").value_or("");
  l.when = Conditions(t, "when", WhenTypes(rule));
  l.period = PeriodOf(t, "period");
  l.roll_forward = Bool(t, "roll_forward", false);
  l.cap = Int(t, "cap");
  l.exceptional_cap = Int(t, "exceptional_cap");
  l.exceptional_when = Conditions(t, "exceptional_when", rule.trigger.types);
  if (l.exceptional_cap && l.exceptional_when.empty()) {
    Error(t.get("exceptional_cap")->source(), "'exceptional_cap' needs 'exceptional_when'");
  }
  l.min_span = PeriodOf(t, "min_span");
  FieldPath(t, "span_from", rule.satisfied_by.types, &l.span_from);
  FieldPath(t, "span_to", rule.satisfied_by.types, &l.span_to);
  if (l.min_span && (l.span_from.empty() || l.span_to.empty())) {
    Error(t.get("min_span")->source(), "'min_span' needs 'span_from' and 'span_to'");
  }
  l.effective_from = DateMicros(t, "effective_from");
  l.effective_until = DateMicros(t, "effective_until");
  if (l.effective_from && l.effective_until && *l.effective_until <= *l.effective_from) {
    Error(t.get("effective_until")->source(), "'effective_until' must be after 'effective_from'");
  }
  l.source = String(t, "source").value_or(rule.source);
  l.tag = t.get("tag") ? TagOf(t).value_or(rule.tag) : rule.tag;
  l.uncertain = Bool(t, "uncertain", false);
  l.extensions = Extensions(t, rule);
  return l;
}

std::vector<Extension> PackParser::Extensions(const toml::table& t, const Rule& rule) {
  std::vector<Extension> out;
  const toml::node* n = t.get("extensions");
  if (n == nullptr) return out;
  const toml::array* a = n->as_array();
  if (a == nullptr) {
    Error(n->source(), "'extensions' must be a list of tables");
    return out;
  }
  for (const toml::node& item : *a) {
    const toml::table* e = item.as_table();
    if (e == nullptr) {
      Error(item.source(), "an extension must be a table { period = {...}, when = [...] }");
      continue;
    }
    CheckKeys(*e, {"period", "when", "source", "tag"}, "an extension");
    Extension ext;
    std::optional<Period> p = PeriodOf(*e, "period");
    if (!p) {
      if (e->get("period") == nullptr) Error(e->source(), "an extension needs 'period'");
      continue;
    }
    ext.period = *p;
    ext.when = Conditions(*e, "when", rule.satisfied_by.types);
    ext.source = String(*e, "source").value_or(rule.source);
    ext.tag = e->get("tag") ? TagOf(*e).value_or(rule.tag) : rule.tag;
    out.push_back(std::move(ext));
  }
  return out;
}

void PackParser::CheckKind(const toml::table& t, const Rule& rule) {
  const std::string who = "rule " + rule.id + " (" + std::string(RuleKindName(rule.kind)) + ")";
  auto need = [&](bool ok, std::string_view what) {
    if (!ok) Error(t.source(), who + " needs " + std::string(what));
  };
  const toml::node* limit_node = t.get("limit");
  auto each_limit = [&](auto has, std::string_view what) {
    if (rule.limits.empty()) {
      Error(t.source(), who + " needs at least one [[rule.limit]] with " + std::string(what));
      return;
    }
    const toml::array* a = limit_node ? limit_node->as_array() : nullptr;
    for (size_t i = 0; i < rule.limits.size(); ++i) {
      if (!has(rule.limits[i]) && a != nullptr && i < a->size()) {
        Error((*a)[i].source(), who + ": every limit needs " + std::string(what));
      }
    }
  };
  switch (rule.kind) {
    case RuleKind::kDeadline:
      need(!rule.trigger.empty(), "'trigger'");
      need(!rule.satisfied_by.empty(), "'satisfied_by'");
      each_limit([](const Limit& l) { return l.period.has_value(); }, "a 'period'");
      break;
    case RuleKind::kCountCap:
      need(!rule.trigger.empty(), "'trigger' (the events counted)");
      each_limit([](const Limit& l) { return l.cap.has_value(); }, "a 'cap'");
      break;
    case RuleKind::kOrdering:
    case RuleKind::kAbsenceAtClosure:
      need(!rule.trigger.empty(), "'trigger'");
      need(!rule.satisfied_by.empty(), "'satisfied_by' (what must come first)");
      break;
    case RuleKind::kPresence:
      need(!rule.trigger.empty(), "'trigger'");
      need(!rule.require_any.empty(), "'require_any'");
      break;
    case RuleKind::kContinuity:
      need(!rule.trigger.empty(), "'trigger'");
      need(!rule.same_field.empty(), "'same_field'");
      break;
    case RuleKind::kForbiddenWhileOpen:
      need(!rule.trigger.empty(), "'trigger' (the forbidden events)");
      break;
    case RuleKind::kRecurring:
      need(!rule.satisfied_by.empty(), "'satisfied_by' (the recurring event)");
      each_limit([](const Limit& l) { return l.period.has_value(); }, "a 'period'");
      break;
    case RuleKind::kCrossCaseCap:
      need(!rule.trigger.empty(), "'trigger'");
      need(!rule.group_field.empty(), "'group_field'");
      each_limit([](const Limit& l) { return l.cap.has_value(); }, "a 'cap'");
      break;
    case RuleKind::kRecordingDelay:
      each_limit([](const Limit& l) { return l.period.has_value(); }, "a 'period'");
      break;
  }
}

}  // namespace caseledger::compliance::detail
