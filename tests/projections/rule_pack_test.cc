// Rule packs: the parser's line-precise errors, the shipped packs against obligations.md
// sections 3 and 4 (expected numbers written by hand from that text), and `caseledger rules`
// run as a process from another working directory.
#include <catch2/catch.hpp>

#include <sys/wait.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <string>
#include <vector>

#include "projections/rule_pack.h"
#include "tests/projections/pack_errors.h"
#include "tests/support/run_process.h"

namespace caseledger::compliance {
namespace {

// A small valid baseline pack; each error test changes one line of it. Line numbers matter:
// the first line of the text is line 1.
constexpr const char* kValidPack = R"pack([pack]
id = "EU"
version = "test.1"
jurisdiction = ""

[[state]]
name = "reflection_period"
opens = { types = ["reflectionPeriodGranted"] }
until_field = "endAt"

[[rule]]
id = "R14"
kind = "deadline"
source = "Lanzarote 35(1)(a)"
tag = "binding"
trigger = { types = ["crimeReported"], where = ["childRole in [victim, witness]"] }
satisfied_by = { types = ["forensicInterviewConducted"] }

[[rule.limit]]
period = { amount = 14, unit = "days" }
tag = "default"

[[rule]]
id = "R12"
kind = "forbidden_while_open"
source = "CETS 13"
tag = "binding"
trigger = { types = ["returnExecuted"] }
state = "reflection_period"
)pack";

// Replaces the first occurrence of `from` (which must be there) by `to`.
std::string Edit(std::string text, const std::string& from, const std::string& to) {
  size_t at = text.find(from);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

std::vector<PackError> ErrorsOf(const std::string& text) {
  std::vector<PackError> errors;
  Result<RulePack> pack = ParsePack(text, "test.toml", &errors);
  CHECK_FALSE(pack.ok());
  return errors;
}

TEST_CASE("the valid test pack parses into its rules and state", "[rulepack]") {
  std::vector<PackError> errors;
  Result<RulePack> pack = ParsePack(kValidPack, "test.toml", &errors);
  REQUIRE(pack.ok());
  CHECK(errors.empty());
  CHECK(pack->id == "EU");
  REQUIRE(pack->rules.size() == 2);
  const Rule& r14 = pack->rules[0];
  CHECK(r14.id == "R14");
  CHECK(r14.line == 11);
  CHECK(r14.kind == RuleKind::kDeadline);
  REQUIRE(r14.trigger.where.size() == 1);
  CHECK(r14.trigger.where[0].path == "childRole");
  CHECK(r14.trigger.where[0].op == Condition::Op::kIn);
  CHECK(r14.trigger.where[0].values == std::vector<std::string>{"victim", "witness"});
  REQUIRE(r14.limits.size() == 1);
  CHECK(r14.limits[0].period->amount == 14);
  CHECK(r14.limits[0].period->unit == PeriodUnit::kDays);
  CHECK(r14.limits[0].tag == Tag::kDefault);
  CHECK(r14.limits[0].source == "Lanzarote 35(1)(a)");  // inherited from the rule
  CHECK(pack->states.size() == 1);
}

TEST_CASE("an unknown key is an error on its own line", "[rulepack]") {
  auto errors = ErrorsOf(Edit(kValidPack, "period = {", "perod = {"));
  CHECK(HasError(errors, 20, "unknown key 'perod'"));
  // The misspelt key is the one error: the period it lost is not reported again as missing.
  CHECK(errors.size() == 1);
}

TEST_CASE("an unknown event type names its line", "[rulepack]") {
  auto errors = ErrorsOf(Edit(kValidPack, "\"forensicInterviewConducted\"", "\"forensicInterview\""));
  CHECK(HasError(errors, 17, "unknown event type 'forensicInterview'"));
}

TEST_CASE("a condition with bad syntax names its line", "[rulepack]") {
  auto errors = ErrorsOf(Edit(kValidPack, "childRole in [victim, witness]", "childRole victim"));
  CHECK(HasError(errors, 16, "operator"));
  errors = ErrorsOf(Edit(kValidPack, "childRole in [victim, witness]", "childRole in victim"));
  CHECK(HasError(errors, 16, "list"));
}

TEST_CASE("a condition on a field the event lacks names its line", "[rulepack]") {
  auto errors = ErrorsOf(Edit(kValidPack, "childRole in", "childRoll in"));
  CHECK(HasError(errors, 16, "childRoll"));
}

TEST_CASE("an unknown tag names its line", "[rulepack]") {
  auto errors = ErrorsOf(Edit(kValidPack, "tag = \"default\"", "tag = \"defualt\""));
  CHECK(HasError(errors, 21, "unknown tag 'defualt'"));
}

TEST_CASE("a deadline limit without a period is an error", "[rulepack]") {
  auto errors =
      ErrorsOf(Edit(kValidPack, "period = { amount = 14, unit = \"days\" }", "name = \"x\""));
  CHECK(HasError(errors, 19, "every limit needs a 'period'"));
  // And a deadline with no limit at all.
  errors = ErrorsOf(Edit(Edit(kValidPack, "[[rule.limit]]\n", ""),
                         "period = { amount = 14, unit = \"days\" }\ntag = \"default\"\n", ""));
  CHECK(HasError(errors, 11, "at least one [[rule.limit]]"));
}

TEST_CASE("a duplicate rule id names the second rule's id line", "[rulepack]") {
  auto errors = ErrorsOf(Edit(kValidPack, "id = \"R12\"", "id = \"R14\""));
  CHECK(HasError(errors, 24, "duplicate rule id 'R14'"));
}

TEST_CASE("forbidden_while_open with an undeclared state names its line", "[rulepack]") {
  auto errors = ErrorsOf(Edit(kValidPack, "state = \"reflection_period\"", "state = \"identification\""));
  CHECK(HasError(errors, 29, "state 'identification' is not a declared [[state]]"));
}

TEST_CASE("a national pack sees the baseline's states", "[rulepack]") {
  std::vector<PackError> errors;
  Result<RulePack> baseline = ParsePack(kValidPack, "eu.toml", &errors);
  REQUIRE(baseline.ok());
  // Every national pack needs a [calendar] with its time zone: a dotted key on line 1.
  const std::string national = R"(calendar.time_zone = "Europe/Oslo"
[pack]
id = "NO"
version = "test.1"
jurisdiction = "NO"

[[rule]]
id = "R12"
kind = "forbidden_while_open"
source = "Utlendingsloven"
tag = "national"
trigger = { types = ["returnExecuted"] }
state = "reflection_period"

[[rule]]
id = "R18"
enabled = false
note = "off for the test"
)";
  // R18 is not a rule of this baseline: switching it off names the line of its id.
  errors.clear();
  CHECK_FALSE(ParsePack(national, "no.toml", &errors, &baseline.value()).ok());
  CHECK(HasError(errors, 16, "which the baseline lacks"));
  // Without R18 the pack is valid: the state comes from the baseline.
  std::string ok = national.substr(0, national.find("\n[[rule]]\nid = \"R18\""));
  errors.clear();
  CHECK(ParsePack(ok, "no.toml", &errors, &baseline.value()).ok());
  CHECK(errors.empty());
  // A state that neither declares is refused.
  errors.clear();
  std::string bad = Edit(national, "state = \"reflection_period\"", "state = \"nowhere\"");
  CHECK_FALSE(ParsePack(bad, "no.toml", &errors, &baseline.value()).ok());
  CHECK(HasError(errors, 13, "not a declared [[state]]"));
}

TEST_CASE("a bad [calendar] entry names its line", "[rulepack]") {
  std::string text = Edit(kValidPack, "jurisdiction = \"\"\n",
                          "jurisdiction = \"NO\"\n[calendar]\ntime_zone = \"Europe/Oslo\"\n"
                          "holidays = [\n  { name = \"Nowhere Day\", date = \"02-30\" },\n]\n");
  auto errors = ErrorsOf(text);
  CHECK(HasError(errors, 8, "[calendar]"));
}

TEST_CASE("a TOML syntax error reports line and column", "[rulepack]") {
  auto errors = ErrorsOf(Edit(kValidPack, "version = \"test.1\"", "version = \"test.1"));
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].line == 3);
  CHECK(errors[0].ToString().rfind("test.toml:3:", 0) == 0);
}

// The shipped packs, from the source tree.
std::string RulesDir() { return std::string(CASELEDGER_SOURCE_DIR) + "/projections/rules"; }

const RulePack& Shipped(const std::string& id) {
  static const std::vector<RulePack> packs = [] {
    Result<std::vector<RulePack>> all = LoadPackDir(RulesDir());
    INFO(all.status().ToString());
    REQUIRE(all.ok());
    return std::move(all).value();
  }();
  for (const auto& p : packs) {
    if (p.id == id) return p;
  }
  FAIL("no shipped pack " << id);
  return packs.front();
}

const Rule& RuleOf(const RulePack& pack, const std::string& id) {
  for (const auto& r : pack.rules) {
    if (r.id == id) return r;
  }
  FAIL("pack " << pack.id << " has no rule " << id);
  return pack.rules.front();
}

TEST_CASE("every shipped pack parses: the baseline and eight national packs", "[rulepack]") {
  Result<std::vector<RulePack>> all = LoadPackDir(RulesDir());
  INFO(all.status().ToString());
  REQUIRE(all.ok());
  std::vector<std::string> ids;
  for (const auto& p : *all) ids.push_back(p.id);
  CHECK(ids == std::vector<std::string>{"EU", "DK", "EE", "FI", "IS", "LT", "LV", "NO", "SE"});
  CHECK(all->front().jurisdiction.empty());
}

TEST_CASE("the baseline has R01 to R31 and LR, with R30 switched off and explained", "[rulepack]") {
  const RulePack& eu = Shipped("EU");
  for (int i = 1; i <= 31; ++i) {
    char id[8];
    std::snprintf(id, sizeof id, "R%02d", i);
    INFO(id);
    CHECK(RuleOf(eu, id).id == id);
  }
  const Rule& lr = RuleOf(eu, "LR");
  CHECK(lr.kind == RuleKind::kRecordingDelay);
  REQUIRE(lr.limits.size() == 1);
  CHECK(lr.limits[0].period->amount == 72);
  CHECK(lr.limits[0].period->unit == PeriodUnit::kHours);
  const Rule& r30 = RuleOf(eu, "R30");
  CHECK_FALSE(r30.enabled);
  CHECK(r30.note.find("RecordAccessed") != std::string::npos);
  // R18: the EU says "may": not a breach at EU level.
  CHECK_FALSE(RuleOf(eu, "R18").enabled);
}

TEST_CASE("baseline limits carry the catalogue's numbers and tags", "[rulepack]") {
  const RulePack& eu = Shipped("EU");
  const Rule& r14 = RuleOf(eu, "R14");
  CHECK(r14.tag == Tag::kBinding);
  REQUIRE(r14.limits.size() == 1);
  CHECK(r14.limits[0].period->amount == 14);
  CHECK(r14.limits[0].period->unit == PeriodUnit::kDays);
  CHECK(r14.limits[0].tag == Tag::kDefault);

  // R04: provisional representative 24 h [D]; guardian for asylum-seekers 15 wd [B][?] from
  // 12 Jun 2026 (2026-06-12T00:00:00Z = 1781222400 s).
  const Rule& r04 = RuleOf(eu, "R04");
  REQUIRE_FALSE(r04.limits.empty());
  CHECK(r04.limits[0].period->amount == 24);
  CHECK(r04.limits[0].period->unit == PeriodUnit::kHours);
  CHECK(r04.limits[0].tag == Tag::kDefault);
  const Rule& r04b = RuleOf(eu, "R04B");
  REQUIRE(r04b.limits.size() == 1);
  CHECK(r04b.limits[0].period->amount == 15);
  CHECK(r04b.limits[0].period->unit == PeriodUnit::kWorkingDays);
  CHECK(r04b.limits[0].tag == Tag::kBinding);
  CHECK(r04b.limits[0].uncertain);
  CHECK(r04b.limits[0].effective_from == int64_t{1781222400} * 1000000);

  // R06: 30, 50 exceptional, uncertain.
  const Rule& r06 = RuleOf(eu, "R06");
  CHECK(r06.kind == RuleKind::kCrossCaseCap);
  CHECK(r06.limits.at(0).cap == 30);
  CHECK(r06.limits.at(0).exceptional_cap == 50);
  CHECK(r06.limits.at(0).uncertain);

  // R23 for asylum applicants: 3 months until 12 Jun 2026, 2 months from then.
  const Rule& r23b = RuleOf(eu, "R23B");
  REQUIRE(r23b.limits.size() == 2);
  CHECK(r23b.limits[0].period->amount == 3);
  CHECK(r23b.limits[0].effective_until == int64_t{1781222400} * 1000000);
  CHECK(r23b.limits[1].period->amount == 2);
  CHECK(r23b.limits[1].effective_from == int64_t{1781222400} * 1000000);

  // R15: cap 2 [D]. R26: 90 days [D]. R31: 1 month + 2 months.
  CHECK(RuleOf(eu, "R15").limits.at(0).cap == 2);
  CHECK(RuleOf(eu, "R15").limits.at(0).tag == Tag::kDefault);
  CHECK(RuleOf(eu, "R26").limits.at(0).period->amount == 90);
  const Limit& r31 = RuleOf(eu, "R31").limits.at(0);
  CHECK(r31.period->unit == PeriodUnit::kMonths);
  REQUIRE(r31.extensions.size() == 1);
  CHECK(r31.extensions[0].period.amount == 2);
}

TEST_CASE("national limits: NO 1/2/3 weeks with +1 week, DK practice week, R28 clocks, R13", "[rulepack]") {
  const Rule& no14 = RuleOf(Shipped("NO"), "R14");
  std::vector<int64_t> days;
  for (const Limit& l : no14.limits) {
    INFO(l.name);
    CHECK(l.tag == Tag::kNational);
    CHECK(l.period->unit == PeriodUnit::kDays);
    REQUIRE(l.extensions.size() == 1);
    CHECK(l.extensions[0].period.amount == 7);
    CHECK(l.extensions[0].when.at(0).path == "delayReason");
    if (std::find(days.begin(), days.end(), l.period->amount) == days.end()) {
      days.push_back(l.period->amount);
    }
  }
  CHECK(days == std::vector<int64_t>{7, 14, 21});
  // The 3-week limit is the fallback: last, without conditions.
  CHECK(no14.limits.back().when.empty());
  CHECK(no14.limits.back().period->amount == 21);

  const Rule& dk14 = RuleOf(Shipped("DK"), "R14");
  REQUIRE(dk14.limits.size() == 1);
  CHECK(dk14.limits[0].period->amount == 7);
  CHECK(dk14.limits[0].tag == Tag::kPractice);

  // R28: FI 7 working days / 3 months, DK 24 h / 4 months, NO 1 week / 3 months (+3).
  CHECK(RuleOf(Shipped("FI"), "R28").limits.at(0).period->unit == PeriodUnit::kWorkingDays);
  CHECK(RuleOf(Shipped("FI"), "R28").limits.at(0).period->amount == 7);
  CHECK(RuleOf(Shipped("DK"), "R28").limits.at(0).period->unit == PeriodUnit::kHours);
  CHECK(RuleOf(Shipped("DK"), "R28B").limits.at(0).period->amount == 4);
  CHECK(RuleOf(Shipped("NO"), "R28B").limits.at(0).extensions.at(0).period.amount == 3);

  // R13B minimum length: NO 6 months [N], LT 30 days [?], FI the CETS floor [B].
  const Limit& no13 = RuleOf(Shipped("NO"), "R13B").limits.at(0);
  CHECK(no13.min_span->amount == 6);
  CHECK(no13.min_span->unit == PeriodUnit::kMonths);
  CHECK(no13.tag == Tag::kNational);
  CHECK(RuleOf(Shipped("LT"), "R13B").limits.at(0).uncertain);
  CHECK(RuleOf(Shipped("FI"), "R13B").limits.at(0).tag == Tag::kBinding);
  // LT: one interview unless new circumstances; R18 on in IS by law, in NO by practice.
  CHECK(RuleOf(Shipped("LT"), "R15").limits.at(0).cap == 1);
  CHECK(RuleOf(Shipped("LT"), "R15").exempt_field == "repeatBasis");
  CHECK(RuleOf(Shipped("IS"), "R18").tag == Tag::kNational);
  CHECK(RuleOf(Shipped("NO"), "R18").tag == Tag::kPractice);
  CHECK(RuleOf(Shipped("FI"), "R26B").limits.at(0).uncertain);
}

// Runs the CLI from /tmp (not the source or build tree), returning exit code and output.
std::pair<int, std::string> RunCli(const std::string& args) {
  return testing::RunCaseledger(CASELEDGER_CLI, args);
}

TEST_CASE("caseledger rules list --json finds the shipped packs from any directory", "[rulepack]") {
  auto [code, out] = RunCli("rules list --json");
  CHECK(code == 0);
  CHECK(out.find(R"({"rule":"R14","jurisdiction":"NO","kind":"deadline","limit":"21 days, +7 days")") !=
        std::string::npos);
  CHECK(out.find(R"({"rule":"R14","jurisdiction":"DK","kind":"deadline","limit":"7 days","name":"","tag":"practice")") !=
        std::string::npos);
  CHECK(out.find(R"("rule":"R04B","jurisdiction":"EU","kind":"deadline","limit":"15 working days, from 2026-06-12","name":"","tag":"binding","uncertain":true)") !=
        std::string::npos);
  CHECK(out.find(R"("rule":"R30","jurisdiction":"EU")") != std::string::npos);
}

TEST_CASE("caseledger rules check: ok and exit 0, or FILE:LINE:COL errors and exit 1", "[rulepack]") {
  auto [ok_code, ok_out] = RunCli("rules check " + RulesDir() + "/no.toml");
  CHECK(ok_code == 0);
  CHECK(ok_out.rfind("ok: NO 2026.1, ", 0) == 0);

  const std::string bad = "/tmp/caseledger_rulepack_test_bad.toml";
  {
    FILE* f = std::fopen(bad.c_str(), "w");
    REQUIRE(f != nullptr);
    std::fputs(Edit(kValidPack, "tag = \"default\"", "tag = \"defualt\"").c_str(), f);
    std::fclose(f);
  }
  auto [bad_code, bad_out] = RunCli("rules check " + bad);
  CHECK(bad_code == 1);
  CHECK(bad_out.find(bad + ":21:7: unknown tag 'defualt'") != std::string::npos);
  std::remove(bad.c_str());
}

TEST_CASE("conditions parse every operator", "[rulepack]") {
  struct Case {
    const char* text;
    Condition::Op op;
    std::vector<std::string> values;
  };
  const Case cases[] = {
      {"child.unaccompanied = yes", Condition::Op::kEq, {"yes"}},
      {"recorded != true", Condition::Op::kNe, {"true"}},
      {"caseload > 30", Condition::Op::kGt, {"30"}},
      {"caseload >= 30", Condition::Op::kGe, {"30"}},
      {"caseload < 30", Condition::Op::kLt, {"30"}},
      {"caseload <= 30", Condition::Op::kLe, {"30"}},
      {"premises not in [policeStation, other]", Condition::Op::kNotIn, {"policeStation", "other"}},
      {"recordingHash is set", Condition::Op::kSet, {}},
      {"recordingHash is unset", Condition::Op::kUnset, {}},
      {"exploitationTypes contains forcedCriminality", Condition::Op::kContains,
       {"forcedCriminality"}},
      {"grounds = \"two words\"", Condition::Op::kEq, {"two words"}},
  };
  for (const auto& c : cases) {
    INFO(c.text);
    Result<Condition> parsed = ParseCondition(c.text);
    REQUIRE(parsed.ok());
    CHECK(parsed->op == c.op);
    CHECK(parsed->values == c.values);
  }
  CHECK_FALSE(ParseCondition("= yes").ok());
  CHECK_FALSE(ParseCondition("a is set now").ok());
  CHECK_FALSE(ParseCondition("a = two words").ok());
  CHECK_FALSE(ParseCondition("a in []").ok());
}

TEST_CASE("tags and kinds have names both ways", "[rulepack]") {
  CHECK(TagName(Tag::kPractice) == "practice");
  CHECK(ParseTag("national") == Tag::kNational);
  CHECK_FALSE(ParseTag("Binding").has_value());
  CHECK(RuleKindName(RuleKind::kForbiddenWhileOpen) == "forbidden_while_open");
  CHECK(ParseRuleKind("cross_case_cap") == RuleKind::kCrossCaseCap);
  CHECK_FALSE(ParseRuleKind("deadlines").has_value());
}

}  // namespace
}  // namespace caseledger::compliance
