// Fuzz target: compliance rule packs (projections/rule_pack), the TOML text a
// RulePackActivated event carries, parsed and checked as the compliance engine does: on its
// own, and as a national pack against the shipped baseline (projections/rules/eu.toml).
//
// Invariants, beyond "no crash, no sanitizer report":
// - a pack is refused exactly when at least one error is reported, and every error has a
//   message and a line that is not negative;
// - an accepted pack keeps its text, and parses again to the same pack (id, version,
//   jurisdiction, states, rules and limits);
// - every condition of an accepted pack parses again from its own text to the same condition.
#include <cstdlib>

#include "projections/rule_pack.h"
#include "tests/fuzz/fuzz_check.h"

namespace caseledger::fuzz {
namespace {

using compliance::Condition;
using compliance::PackError;
using compliance::RulePack;

const RulePack* Baseline() {
  static const RulePack* baseline = [] {
    auto packs = compliance::LoadPackDir(compliance::DefaultRulesDir());
    FUZZ_CHECK(packs.ok() && !packs->empty(), "the shipped packs do not load");
    return new RulePack((*packs)[0]);
  }();
  return baseline;
}

void CheckCondition(const Condition& c) {
  auto again = compliance::ParseCondition(c.text);
  FUZZ_CHECK(again.ok(), "condition does not parse from its text: " + c.text);
  FUZZ_CHECK(again->path == c.path && again->op == c.op && again->values == c.values,
             "condition parses to another condition: " + c.text);
}

void CheckConditions(const RulePack& pack) {
  for (const auto& rule : pack.rules) {
    for (const auto* match : {&rule.trigger, &rule.satisfied_by, &rule.exempted_by,
                              &rule.cancelled_by, &rule.released_by, &rule.stop}) {
      for (const Condition& c : match->where) CheckCondition(c);
    }
    for (const auto& group : rule.require_any) {
      for (const Condition& c : group) CheckCondition(c);
    }
    for (const auto& limit : rule.limits) {
      for (const Condition& c : limit.when) CheckCondition(c);
      for (const Condition& c : limit.exceptional_when) CheckCondition(c);
      for (const auto& extension : limit.extensions) {
        for (const Condition& c : extension.when) CheckCondition(c);
      }
    }
  }
}

size_t LimitCount(const RulePack& pack) {
  size_t n = 0;
  for (const auto& rule : pack.rules) n += rule.limits.size();
  return n;
}

void CheckParse(std::string_view text, const RulePack* baseline) {
  std::vector<PackError> errors;
  auto pack = compliance::ParsePack(text, "fuzz.toml", &errors, baseline);
  if (!pack.ok()) {
    FUZZ_CHECK(!errors.empty(), "refused without an error: " + pack.status().message());
    FUZZ_CHECK(!pack.status().message().empty(), "refusal without a message");
    for (const PackError& e : errors) {
      FUZZ_CHECK(!e.message.empty() && e.line >= 0 && e.column >= 0, e.ToString());
    }
    return;
  }
  FUZZ_CHECK(errors.empty(), "accepted with errors: " + errors.front().ToString());
  FUZZ_CHECK(pack->text == text, "the pack does not keep its text");
  std::vector<PackError> again_errors;
  auto again = compliance::ParsePack(pack->text, "fuzz.toml", &again_errors, baseline);
  FUZZ_CHECK(again.ok(), "the pack's own text is refused: " + again.status().message());
  FUZZ_CHECK(again->id == pack->id && again->version == pack->version &&
                 again->jurisdiction == pack->jurisdiction &&
                 again->states.size() == pack->states.size() &&
                 again->rules.size() == pack->rules.size() &&
                 LimitCount(*again) == LimitCount(*pack),
             "the pack parses differently a second time");
  CheckConditions(*pack);
}

}  // namespace
}  // namespace caseledger::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace caseledger::fuzz;
  const std::string_view text = AsText(data, size);
  CheckParse(text, nullptr);
  CheckParse(text, Baseline());
  return 0;
}
