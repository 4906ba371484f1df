// ParsePack: walks a pack's TOML tree (toml++), builds a RulePack and validates it, collecting
// every problem with the line and column of the offending key or value. Unknown keys are
// errors: a misspelt `perod` must not silently drop a limit. The format is docs/compliance.md.
#include <capnp/schema.h>

#include <algorithm>
#include <cstdio>
#include <toml++/toml.h>

#include "projections/condition.h"
#include "projections/rule_pack.h"
#include "projections/rule_pack_internal.h"
#include "schema/events.capnp.h"

namespace caseledger::compliance {

const std::vector<std::string>& EventTypeNames() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    auto body = capnp::Schema::from<schema::Event::Body>();
    for (auto field : body.getUnionFields()) {
      std::string name = field.getProto().getName();
      if (name != "unspecified") out.push_back(std::move(name));
    }
    return out;
  }();
  return names;
}

namespace detail {

PackParser::PackParser(std::string_view file, std::vector<PackError>* errors,
                       const RulePack* baseline)
    : file_(file), errors_(errors), baseline_(baseline) {}

void PackParser::Error(const toml::source_region& where, std::string message) {
  errors_->push_back(PackError{file_, static_cast<int>(where.begin.line),
                               static_cast<int>(where.begin.column), std::move(message)});
}

void PackParser::CheckKeys(const toml::table& table, std::initializer_list<std::string_view> allowed,
                           std::string_view what) {
  for (auto&& [key, value] : table) {
    bool known = false;
    for (auto a : allowed) known = known || a == key.str();
    if (!known) {
      std::string list;
      for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
      Error(key.source(), "unknown key '" + std::string(key.str()) + "' in " + std::string(what) +
                              " (known: " + list + ")");
    }
  }
}

std::optional<std::string> PackParser::String(const toml::table& t, std::string_view key) {
  const toml::node* n = t.get(key);
  if (n == nullptr) return std::nullopt;
  if (const auto* s = n->as_string()) return s->get();
  Error(n->source(), "'" + std::string(key) + "' must be a string");
  return std::nullopt;
}

std::string PackParser::RequiredString(const toml::table& t, std::string_view key,
                                       std::string_view what) {
  std::optional<std::string> s = String(t, key);
  if (!s && t.get(key) == nullptr) {
    Error(t.source(), std::string(what) + " needs '" + std::string(key) + "'");
  }
  return s.value_or("");
}

bool PackParser::Bool(const toml::table& t, std::string_view key, bool fallback) {
  const toml::node* n = t.get(key);
  if (n == nullptr) return fallback;
  if (const auto* b = n->as_boolean()) return b->get();
  Error(n->source(), "'" + std::string(key) + "' must be true or false");
  return fallback;
}

std::optional<int64_t> PackParser::Int(const toml::table& t, std::string_view key) {
  const toml::node* n = t.get(key);
  if (n == nullptr) return std::nullopt;
  if (const auto* i = n->as_integer()) {
    if (i->get() < 0) {
      Error(n->source(), "'" + std::string(key) + "' must not be negative");
      return std::nullopt;
    }
    return i->get();
  }
  Error(n->source(), "'" + std::string(key) + "' must be an integer");
  return std::nullopt;
}

std::optional<Tag> PackParser::TagOf(const toml::table& t) {
  std::optional<std::string> name = String(t, "tag");
  if (!name) return std::nullopt;
  std::optional<Tag> tag = ParseTag(*name);
  if (!tag) {
    Error(t.get("tag")->source(), "unknown tag '" + *name +
                                      "' (binding, national, practice, standard, default)");
  }
  return tag;
}

// Dates of effective_from / effective_until: a TOML local date or a "YYYY-MM-DD" string; the
// instant is midnight UTC at its start.
std::optional<int64_t> PackParser::DateMicros(const toml::table& t, std::string_view key) {
  const toml::node* n = t.get(key);
  if (n == nullptr) return std::nullopt;
  int y = 0, m = 0, d = 0;
  if (const auto* date = n->as_date()) {
    y = date->get().year;
    m = date->get().month;
    d = date->get().day;
  } else if (const auto* s = n->as_string();
             s == nullptr || std::sscanf(s->get().c_str(), "%4d-%2d-%2d", &y, &m, &d) != 3 ||
             s->get().size() != 10) {
    Error(n->source(), "'" + std::string(key) + "' must be a date such as \"2026-06-12\"");
    return std::nullopt;
  }
  if (m < 1 || m > 12 || d < 1 || d > 31) {
    Error(n->source(), "'" + std::string(key) + "' is not a valid date");
    return std::nullopt;
  }
  // Days from civil (H. Hinnant's algorithm), then microseconds.
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  const int64_t days = era * 146097 + doe - 719468;
  return days * 86400LL * 1000000LL;
}

std::optional<Period> PackParser::PeriodOf(const toml::table& t, std::string_view key) {
  const toml::node* n = t.get(key);
  if (n == nullptr) return std::nullopt;
  const toml::table* p = n->as_table();
  if (p == nullptr) {
    Error(n->source(), "'" + std::string(key) + "' must be a table { amount = N, unit = \"days\" }");
    return std::nullopt;
  }
  CheckKeys(*p, {"amount", "unit"}, key);
  Period period;
  std::optional<int64_t> amount = Int(*p, "amount");
  std::string unit = RequiredString(*p, "unit", key);
  if (!amount) {
    if (p->get("amount") == nullptr) Error(p->source(), std::string(key) + " needs 'amount'");
    return std::nullopt;
  }
  if (*amount == 0) {
    Error(p->get("amount")->source(), "'amount' must be positive");
    return std::nullopt;
  }
  period.amount = *amount;
  if (unit.empty()) return std::nullopt;
  std::optional<PeriodUnit> u = ParsePeriodUnit(unit);
  if (!u) {
    Error(p->get("unit")->source(),
          "unknown unit '" + unit + "' (hours, days, working_days, weeks, months)");
    return std::nullopt;
  }
  period.unit = *u;
  return period;
}

std::vector<Condition> PackParser::Conditions(const toml::table& t, std::string_view key,
                                              const std::vector<std::string>& types) {
  std::vector<Condition> out;
  const toml::node* n = t.get(key);
  if (n == nullptr) return out;
  const toml::array* a = n->as_array();
  if (a == nullptr) {
    Error(n->source(), "'" + std::string(key) + "' must be a list of condition strings");
    return out;
  }
  for (const toml::node& item : *a) {
    std::optional<Condition> c = OneCondition(item, types);
    if (c) out.push_back(std::move(*c));
  }
  return out;
}

std::optional<Condition> PackParser::OneCondition(const toml::node& item,
                                                  const std::vector<std::string>& types) {
  const auto* s = item.as_string();
  if (s == nullptr) {
    Error(item.source(), "a condition must be a string \"PATH OP VALUE\"");
    return std::nullopt;
  }
  Result<Condition> c = ParseCondition(s->get());
  if (!c.ok()) {
    Error(item.source(), c.status().message());
    return std::nullopt;
  }
  c->line = static_cast<int>(item.source().begin.line);
  Status st = CheckConditionPath(*c, types);
  if (!st.ok()) {
    Error(item.source(), "condition '" + c->text + "': " + st.message());
    return std::nullopt;
  }
  return std::move(c).value();
}

EventMatch PackParser::Match(const toml::table& t, std::string_view key) {
  EventMatch m;
  const toml::node* n = t.get(key);
  if (n == nullptr) return m;
  const toml::table* mt = n->as_table();
  if (mt == nullptr) {
    Error(n->source(), "'" + std::string(key) + "' must be a table { types = [...], where = [...] }");
    return m;
  }
  CheckKeys(*mt, {"types", "where"}, key);
  const toml::node* types = mt->get("types");
  const toml::array* ta = types ? types->as_array() : nullptr;
  if (ta == nullptr || ta->empty()) {
    Error(types ? types->source() : mt->source(),
          std::string(key) + " needs 'types', a non-empty list of event types");
    return m;
  }
  const auto& known = EventTypeNames();
  for (const toml::node& item : *ta) {
    const auto* s = item.as_string();
    if (s == nullptr) {
      Error(item.source(), "an event type must be a string");
    } else if (std::find(known.begin(), known.end(), s->get()) == known.end()) {
      Error(item.source(), "unknown event type '" + s->get() +
                               "' (a member of Event.body in schema/events.capnp)");
    } else {
      m.types.push_back(s->get());
    }
  }
  if (m.types.empty()) return m;
  m.where = Conditions(*mt, "where", m.types);
  return m;
}

void PackParser::FieldPath(const toml::table& t, std::string_view key,
                           const std::vector<std::string>& types, std::string* out) {
  std::optional<std::string> path = String(t, key);
  if (!path) return;
  *out = *path;
  if (types.empty()) return;
  Status st = CheckFieldPath(*path, types);
  if (!st.ok()) Error(t.get(key)->source(), "'" + std::string(key) + "': " + st.message());
}

}  // namespace detail

Result<RulePack> ParsePack(std::string_view text, std::string_view file,
                           std::vector<PackError>* errors, const RulePack* baseline) {
  std::vector<PackError> local;
  if (errors == nullptr) errors = &local;
  const size_t before = errors->size();
  toml::table root;
  try {
    root = toml::parse(text, file);
  } catch (const toml::parse_error& e) {
    errors->push_back(PackError{std::string(file), static_cast<int>(e.source().begin.line),
                                static_cast<int>(e.source().begin.column),
                                std::string(e.description())});
    return Status::InvalidArgument(errors->back().ToString());
  }
  detail::PackParser parser(file, errors, baseline);
  RulePack pack = parser.Pack(root);
  pack.text = std::string(text);
  if (errors->size() > before) return Status::InvalidArgument((*errors)[before].ToString());
  return pack;
}

}  // namespace caseledger::compliance
