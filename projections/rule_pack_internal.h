// Internal to the rule-pack parser: the TOML walker shared by rule_pack_parse.cc (values,
// conditions, event matches) and rule_pack_rules.cc (pack, states, rules, limits, and the
// checks per rule kind).
#ifndef CASELEDGER_PROJECTIONS_RULE_PACK_INTERNAL_H_
#define CASELEDGER_PROJECTIONS_RULE_PACK_INTERNAL_H_

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <toml++/toml.h>

#include "projections/rule_pack.h"

namespace caseledger::compliance::detail {

// Builds one pack from a parsed TOML tree. Every problem becomes a PackError in `errors`; the
// walk goes on after one, so that a single run reports them all. Not thread-safe.
class PackParser {
 public:
  PackParser(std::string_view file, std::vector<PackError>* errors, const RulePack* baseline);

  RulePack Pack(const toml::table& root);

 private:
  void Error(const toml::source_region& where, std::string message);
  void CheckKeys(const toml::table& table, std::initializer_list<std::string_view> allowed,
                 std::string_view what);

  // Typed values; a wrong type is an error and reads as absent.
  std::optional<std::string> String(const toml::table& t, std::string_view key);
  std::string RequiredString(const toml::table& t, std::string_view key, std::string_view what);
  bool Bool(const toml::table& t, std::string_view key, bool fallback);
  std::optional<int64_t> Int(const toml::table& t, std::string_view key);
  std::optional<Tag> TagOf(const toml::table& t);
  std::optional<int64_t> DateMicros(const toml::table& t, std::string_view key);
  std::optional<Period> PeriodOf(const toml::table& t, std::string_view key);

  // Conditions, each checked against the fields of `types` (CheckConditionPath).
  std::vector<Condition> Conditions(const toml::table& t, std::string_view key,
                                    const std::vector<std::string>& types);
  std::optional<Condition> OneCondition(const toml::node& item,
                                        const std::vector<std::string>& types);
  EventMatch Match(const toml::table& t, std::string_view key);
  // A bare field path of `types` (same_field, span_from, ...), stored in `out`.
  void FieldPath(const toml::table& t, std::string_view key,
                 const std::vector<std::string>& types, std::string* out);

  void PackTable(const toml::table& root, RulePack* pack);
  void CalendarTable(const toml::node& node, RulePack* pack);
  void States(const toml::node& node, RulePack* pack);
  std::optional<StateDef> State(const toml::table& t);
  std::optional<Rule> RuleOf(const toml::table& t);
  void Limits(const toml::table& t, Rule* rule);
  std::optional<Limit> LimitOf(const toml::table& t, const Rule& rule);
  std::vector<Extension> Extensions(const toml::table& t, const Rule& rule);
  // The checks that depend on the rule's kind (deadline needs a period in every limit, ...).
  void CheckKind(const toml::table& t, const Rule& rule);
  void CheckAccountable(const toml::table& t, Rule* rule);

  std::string file_;
  std::vector<PackError>* errors_;
  const RulePack* baseline_;
  std::string jurisdiction_;       // of the pack being parsed
  std::vector<StateDef> states_;  // declared by the pack being parsed
};

}  // namespace caseledger::compliance::detail

#endif  // CASELEDGER_PROJECTIONS_RULE_PACK_INTERNAL_H_
