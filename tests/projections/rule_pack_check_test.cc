// Rule packs, the checks a reviewer found missing: fact values, the national calendar, pack
// identity, R13's default timing apart from its binding length, every error of a table without
// its follow-ons, and `caseledger rules` exit codes and rows. Expectations are written by hand
// from docs/compliance.md and obligations.md.
#include <catch2/catch.hpp>

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <string>
#include <vector>

#include "projections/rule_pack.h"
#include "tests/projections/pack_errors.h"
#include "tests/support/run_process.h"

namespace caseledger::compliance {
namespace {

// A valid national pack; line numbers matter (the first line is line 1).
constexpr const char* kNational = R"pack([pack]
id = "NO"
version = "test.1"
jurisdiction = "NO"

[calendar]
time_zone = "Europe/Oslo"

[[rule]]
id = "R14"
kind = "deadline"
source = "Straffeprosessloven"
tag = "national"
trigger = { types = ["crimeReported"], where = ["fact.unaccompanied = yes"] }
satisfied_by = { types = ["forensicInterviewConducted"] }

[[rule.limit]]
period = { amount = 7, unit = "days" }
when = ["fact.ageYears < 6"]
)pack";

std::string Edit(std::string text, const std::string& from, const std::string& to) {
  size_t at = text.find(from);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

std::vector<PackError> Errors(const std::string& text) {
  std::vector<PackError> errors;
  (void)ParsePack(text, "t.toml", &errors);
  return errors;
}

bool HasWords(const std::vector<PackError>& errors, const std::string& words) {
  for (const auto& e : errors) {
    if (e.message.find(words) != std::string::npos) return true;
  }
  return false;
}

TEST_CASE("the valid national test pack parses", "[rulepack]") {
  CHECK(Errors(kNational).empty());
}

TEST_CASE("fact values are checked against what each fact holds", "[rulepack]") {
  // Line 14 holds the trigger's where, line 19 the limit's when.
  const char* bad_where[] = {"fact.unaccompanied = maybe", "fact.lawfulStay = perhaps",
                             "fact.identified = 7", "fact.needsInterpreter = yes",
                             "fact.offenceRecent = no", "fact.jurisdiction = XX",
                             "fact.foreignNational in [yes, true]", "fact.lawfulStay < no",
                             "fact.unaccompanied contains yes"};
  for (const char* c : bad_where) {
    INFO(c);
    CHECK(HasError(Errors(Edit(kNational, "fact.unaccompanied = yes", c)), 14, "fact."));
  }
  for (const char* c : {"fact.ageYears < abc", "fact.ageYears = -1", "fact.ageYears >= 6.5"}) {
    INFO(c);
    CHECK(HasError(Errors(Edit(kNational, "fact.ageYears < 6", c)), 19, "fact.ageYears"));
  }
  const char* good[] = {"fact.unaccompanied = unknown", "fact.lawfulStay != no",
                        "fact.identified = true", "fact.needsInterpreter = false",
                        "fact.offenceRecent != unknown", "fact.jurisdiction in [NO, SE]",
                        "fact.identified is set", "fact.ageYears is set"};
  for (const char* c : good) {
    INFO(c);
    CHECK(Errors(Edit(kNational, "fact.unaccompanied = yes", c)).empty());
  }
  CHECK(Errors(Edit(kNational, "fact.ageYears < 6", "fact.ageYears >= 15")).empty());
}

TEST_CASE("a national pack needs [calendar] with time_zone", "[rulepack]") {
  auto errors = Errors(Edit(kNational, "[calendar]\ntime_zone = \"Europe/Oslo\"\n", ""));
  CHECK(HasWords(errors, "needs a [calendar] table with 'time_zone'"));
  errors = Errors(Edit(kNational, "time_zone = \"Europe/Oslo\"\n", "weekend = [6, 7]\n"));
  CHECK(HasWords(errors, "time_zone"));
  // The baseline has none: it runs under the national pack's calendar.
  errors = Errors("[pack]\nid = \"EU\"\nversion = \"1\"\njurisdiction = \"\"\n"
                  "[calendar]\ntime_zone = \"Europe/Oslo\"\n");
  CHECK(HasError(errors, 5, "the baseline pack has no [calendar]"));
}

TEST_CASE("a national pack's id is its jurisdiction, the baseline's is EU", "[rulepack]") {
  CHECK(HasError(Errors(Edit(kNational, "id = \"NO\"", "id = \"SE\"")), 2,
            "pack id 'SE' must equal its jurisdiction 'NO'"));
  const std::string baseline = "[pack]\nid = \"EU2\"\nversion = \"1\"\njurisdiction = \"\"\n";
  CHECK(HasError(Errors(baseline), 2, "must have id \"EU\""));
  CHECK(Errors(Edit(baseline, "EU2", "EU")).empty());
}

TEST_CASE("every problem of a file is reported, without follow-on errors", "[rulepack]") {
  // A misspelt kind does not hide the unknown unit and tag of the same file.
  std::string text = Edit(Edit(Edit(kNational, "kind = \"deadline\"", "kind = \"deadlin\""),
                               "unit = \"days\"", "unit = \"dayz\""),
                          "tag = \"national\"", "tag = \"nationl\"");
  auto errors = Errors(text);
  CHECK(HasError(errors, 11, "unknown rule kind 'deadlin'"));
  CHECK(HasError(errors, 13, "unknown tag 'nationl'"));
  CHECK(HasError(errors, 18, "unknown unit 'dayz'"));
  // An unknown event type is one error, not also "needs 'trigger'".
  errors = Errors(Edit(kNational, "\"crimeReported\"", "\"crimeReport\""));
  CHECK(HasError(errors, 14, "unknown event type 'crimeReport'"));
  CHECK(errors.size() == 1);
  // A bad amount is one error, not also "every limit needs a 'period'".
  errors = Errors(Edit(kNational, "amount = 7", "amount = -7"));
  CHECK(HasError(errors, 18, "must not be negative"));
  CHECK(errors.size() == 1);
  // An envelope field names the envelope, not an empty type.
  errors = Errors(Edit(kNational, "fact.unaccompanied = yes", "envelope.nosuch = 1"));
  CHECK(HasError(errors, 14, "no field envelope.nosuch in the event envelope"));
}

// The shipped packs, from the source tree.
std::string RulesDir() { return std::string(CASELEDGER_SOURCE_DIR) + "/projections/rules"; }

const std::vector<RulePack>& Shipped() {
  static const std::vector<RulePack> packs = [] {
    Result<std::vector<RulePack>> all = LoadPackDir(RulesDir());
    INFO(all.status().ToString());
    REQUIRE(all.ok());
    return std::move(all).value();
  }();
  return packs;
}

const Rule* Find(const RulePack& pack, const std::string& id) {
  for (const auto& r : pack.rules) {
    if (r.id == id) return &r;
  }
  return nullptr;
}

TEST_CASE("R13: the grant's 30 days are a default, the minimum length R13B's law",
          "[rulepack]") {
  // obligations.md R13: "at least 30 days" is CETS Art 13 [B]; the timing has no number in law.
  const RulePack& eu = Shipped().front();
  REQUIRE(eu.id == "EU");
  const Rule* r13 = Find(eu, "R13");
  REQUIRE(r13 != nullptr);
  REQUIRE(r13->limits.size() == 1);
  CHECK(r13->limits[0].period->amount == 30);
  CHECK(r13->limits[0].tag == Tag::kDefault);
  CHECK_FALSE(r13->limits[0].min_span.has_value());
  const Rule* r13b = Find(eu, "R13B");
  REQUIRE(r13b != nullptr);
  REQUIRE(r13b->limits.size() == 1);
  CHECK(r13b->limits[0].min_span->amount == 30);
  CHECK(r13b->limits[0].tag == Tag::kBinding);
  for (const RulePack& p : Shipped()) {
    INFO(p.id);
    if (const Rule* r = Find(p, "R13")) {
      for (const Limit& l : r->limits) {
        CHECK_FALSE(l.min_span.has_value());
        CHECK(l.tag == Tag::kDefault);
      }
    }
    if (p.jurisdiction.empty()) continue;
    const Rule* b = Find(p, "R13B");
    REQUIRE(b != nullptr);
    CHECK(b->limits.at(0).min_span.has_value());
    CHECK(b->limits.at(0).tag != Tag::kDefault);
    // The source names each citation once (fi.toml once read "CETS 197 Art 13; CETS 197 Art 13
    // floor ..."): no part of it begins with an earlier part.
    std::vector<std::string> parts;
    for (size_t from = 0; from <= b->source.size();) {
      size_t semi = b->source.find("; ", from);
      parts.push_back(b->source.substr(from, semi == std::string::npos ? semi : semi - from));
      from = semi == std::string::npos ? b->source.size() + 1 : semi + 2;
    }
    for (size_t i = 0; i < parts.size(); ++i) {
      for (size_t j = i + 1; j < parts.size(); ++j) CHECK(parts[j].rfind(parts[i], 0) != 0);
    }
  }
}

std::pair<int, std::string> RunCli(const std::string& args) {
  return testing::RunCaseledger(CASELEDGER_CLI, args);
}

TEST_CASE("caseledger rules check: a directory or a missing --rules is exit 2", "[rulepack]") {
  auto [dir_code, dir_out] = RunCli("rules check /tmp");
  CHECK(dir_code == 2);
  CHECK(dir_out.find("cannot read /tmp: is a directory") != std::string::npos);
  const std::string file = "/tmp/caseledger_rule_pack_check_test.toml";
  {
    FILE* f = std::fopen(file.c_str(), "w");
    REQUIRE(f != nullptr);
    std::fputs(kNational, f);
    std::fclose(f);
  }
  auto [missing_code, missing_out] = RunCli("rules check --rules /nonexistent-rules-dir " + file);
  CHECK(missing_code == 2);
  CHECK(missing_out.find("/nonexistent-rules-dir") != std::string::npos);
  auto [ok_code, ok_out] = RunCli("rules check " + file);
  CHECK(ok_code == 0);
  CHECK(ok_out == "ok: NO test.1, 1 rule\n");
  std::remove(file.c_str());
}

TEST_CASE("caseledger rules list: a disabled rule shows its source and 'off'", "[rulepack]") {
  auto [code, out] = RunCli("rules list --json");
  CHECK(code == 0);
  // R30 (eu.toml): presence, disabled, source "LED 2016/680 Art 25; GDPR Art 5(2), 32".
  CHECK(out.find(R"({"rule":"R30","jurisdiction":"EU","kind":"presence","limit":"off","name":"","tag":"binding","uncertain":false,"enabled":false,"source":"LED 2016/680 Art 25; GDPR Art 5(2), 32"})") !=
        std::string::npos);
}

}  // namespace
}  // namespace caseledger::compliance
