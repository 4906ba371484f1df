// The shipped packs where jurisdictions differ (NO vs DK for R14, FI vs the baseline for R28),
// a pack change taking effect only from its effective date, and a correction that changes a
// result. Expected due times worked out by hand from obligations.md section 4 and Reg. 1182/71.
#include <fstream>
#include <sstream>

#include "tests/projections/rule_scenarios.h"

namespace caseledger::compliance::scenario {
namespace {

Fill WitnessReported() {
  return [](Event::Builder e) {
    CrimeReported()(e);
    e.getBody().getCrimeReported().setChildRole(schema::CrimeReported::ChildRole::WITNESS);
  };
}

TEST_CASE("R14 under NO and DK: the same history, different results", "[scenario]") {
  // Reported Monday 2 March 2026 10:00 in Oslo / Copenhagen (CET, +01:00); interviewed
  // Thursday 12 March (day 10).
  SECTION("NO, victim, not serious: 2 weeks, met; DK: 1 week practice, met late") {
    auto no = Registry("NO");
    History hn(no, schema::Jurisdiction::NO);
    hn.Add("2026-03-02T10:00:00+01:00", CrimeReported());
    hn.Add("2026-03-12T10:00:00+01:00", Interview());
    auto o = hn.One("R14");
    CHECK(o.due_at == T("2026-03-16T23:59:59.999999+01:00"));
    CHECK(o.StatusAsOf(T("2026-05-01T00:00:00Z")) == "met");
    CHECK(o.tag == Tag::kNational);
    CHECK(o.jurisdiction == "NO");

    auto dk = Registry("DK");
    History hd(dk, schema::Jurisdiction::DK);
    hd.Add("2026-03-02T10:00:00+01:00", CrimeReported());
    hd.Add("2026-03-12T10:00:00+01:00", Interview());
    auto d = hd.One("R14");
    CHECK(d.due_at == T("2026-03-09T23:59:59.999999+01:00"));
    CHECK(d.StatusAsOf(T("2026-05-01T00:00:00Z")) == "met_late");
    CHECK(d.tag == Tag::kPractice);
    CHECK(d.jurisdiction == "DK");
  }
  SECTION("NO, serious offence: 1 week, met late") {
    auto no = Registry("NO");
    History h(no, schema::Jurisdiction::NO);
    h.Add("2026-03-02T10:00:00+01:00", CrimeReported(/*serious=*/true));
    h.Add("2026-03-12T10:00:00+01:00", Interview());
    auto o = h.One("R14");
    CHECK(o.due_at == T("2026-03-09T23:59:59.999999+01:00"));
    CHECK(o.StatusAsOf(T("2026-05-01T00:00:00Z")) == "met_late");
  }
  SECTION("NO, witness aged 15, not serious: 3 weeks") {
    auto no = Registry("NO");
    History h(no, schema::Jurisdiction::NO);
    h.Add("2026-03-01T09:00:00+01:00", Presumed());
    h.Add("2026-03-02T10:00:00+01:00", WitnessReported());
    auto o = h.One("R14");
    CHECK(o.due_at == T("2026-03-23T23:59:59.999999+01:00"));
    CHECK(o.StatusAsOf(T("2026-03-23T23:00:00+01:00")) == "open");
    CHECK(o.StatusAsOf(T("2026-03-24T00:00:00+01:00")) == "overdue");
  }
}

void CpReport(Event::Builder e) { e.initBody().initChildProtectionReportReceived(); }
void CpDecision(Event::Builder e) {
  e.initBody().initCpAssessmentDecided().setDecision(
      schema::CpAssessmentDecided::Decision::NO_FURTHER_ACTION);
}

TEST_CASE("R28 under FI: 7 working days skipping Ascension, baseline: 7 days", "[scenario]") {
  // Report Wednesday 6 May 2026 10:00 in Helsinki (EEST, +03:00). Easter 2026 is 5 April, so
  // Ascension Day is Thursday 14 May. Working days: Thu 7 (1), Fri 8 (2), Mon 11 (3), Tue 12
  // (4), Wed 13 (5), [Thu 14 holiday], Fri 15 (6), Mon 18 (7). Decided Friday 15 May.
  auto fi = Registry("FI");
  History hf(fi, schema::Jurisdiction::FI);
  hf.Add("2026-05-06T10:00:00+03:00", CpReport);
  hf.Add("2026-05-15T10:00:00+03:00", CpDecision);
  auto o = hf.One("R28");
  CHECK(o.due_at == T("2026-05-18T23:59:59.999999+03:00"));
  CHECK(o.StatusAsOf(T("2026-06-01T00:00:00Z")) == "met");
  CHECK(o.tag == Tag::kNational);

  // Baseline only (UTC): 7 calendar days from 6 May 07:00Z end at the end of 13 May.
  auto eu = Registry();
  History hb(eu, schema::Jurisdiction::FI);
  hb.Add("2026-05-06T10:00:00+03:00", CpReport);
  hb.Add("2026-05-15T10:00:00+03:00", CpDecision);
  auto b = hb.One("R28");
  CHECK(b.due_at == T("2026-05-13T23:59:59.999999Z"));
  CHECK(b.StatusAsOf(T("2026-06-01T00:00:00Z")) == "met_late");
  CHECK(b.tag == Tag::kDefault);
}

TEST_CASE("R28 under FI skips Midsummer Eve and Day", "[scenario]") {
  // Report Monday 15 June 2026; Midsummer Eve is Friday 19 June (Friday in 19-25 June),
  // Midsummer Day Saturday 20 June. Working days: Tue 16 (1), Wed 17 (2), Thu 18 (3),
  // [Fri 19 holiday], Mon 22 (4), Tue 23 (5), Wed 24 (6), Thu 25 (7).
  auto fi = Registry("FI");
  History h(fi, schema::Jurisdiction::FI);
  h.Add("2026-06-15T12:00:00+03:00", CpReport);
  auto o = h.One("R28");
  CHECK(o.due_at == T("2026-06-25T23:59:59.999999+03:00"));
  CHECK(o.StatusAsOf(T("2026-06-25T12:00:00+03:00")) == "open");
  CHECK(o.StatusAsOf(T("2026-06-26T00:00:01+03:00")) == "overdue");
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  REQUIRE(in.good());
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// eu.toml with R14's 14 days changed to 10 and the version bumped.
RulePack ChangedBaseline() {
  std::string text = ReadFile(DefaultRulesDir() + "/eu.toml");
  const std::string version = "version = \"2026.1\"";
  auto v = text.find(version);
  REQUIRE(v != std::string::npos);
  text.replace(v, version.size(), "version = \"2026.2\"");
  auto r14 = text.find("id = \"R14\"");
  REQUIRE(r14 != std::string::npos);
  const std::string limit = "amount = 14, unit = \"days\"";
  auto l = text.find(limit, r14);
  REQUIRE(l != std::string::npos);
  REQUIRE(l < text.find("[[rule]]", r14));  // still inside R14
  text.replace(l, limit.size(), "amount = 10, unit = \"days\"");
  std::vector<PackError> errors;
  auto pack = ParsePack(text, "eu-2026.2.toml", &errors);
  REQUIRE(pack.ok());
  return pack.value();
}

TEST_CASE("shipped eu.toml changed: the new R14 limit only from its effective date", "[scenario]") {
  PackRegistry reg;
  REQUIRE(reg.Add(std::make_shared<const RulePack>(Shipped("")), 0,
                  T("2000-01-01T00:00:00Z")).ok());
  REQUIRE(reg.Add(std::make_shared<const RulePack>(ChangedBaseline()), 1,
                  T("2026-04-01T00:00:00Z")).ok());
  SECTION("before: the old 14 days") {
    History h(reg, schema::Jurisdiction::NO);
    h.Add("2026-03-30T10:00:00Z", CrimeReported());
    auto o = h.One("R14");
    CHECK(o.due_at == T("2026-04-13T23:59:59.999999Z"));
    CHECK(o.pack_version == "2026.1");
    // Met on day 12: late under the new limit, but the old one governs this trigger.
    h.Add("2026-04-11T10:00:00Z", Interview());
    CHECK(h.One("R14").StatusAsOf(T("2026-05-01T00:00:00Z")) == "met");
  }
  SECTION("after: the new 10 days") {
    History h(reg, schema::Jurisdiction::NO);
    h.Add("2026-04-06T10:00:00Z", CrimeReported());
    h.Add("2026-04-18T10:00:00Z", Interview());
    auto o = h.One("R14");
    CHECK(o.due_at == T("2026-04-16T23:59:59.999999Z"));
    CHECK(o.pack_version == "2026.2");
    CHECK(o.StatusAsOf(T("2026-05-01T00:00:00Z")) == "met_late");
  }
}

TEST_CASE("a correction of the report changes the R14 limit (NO)", "[scenario]") {
  auto no = Registry("NO");
  History h(no, schema::Jurisdiction::NO);
  auto report = h.Add("2026-03-02T10:00:00+01:00", CrimeReported());
  h.Add("2026-03-12T10:00:00+01:00", Interview());
  REQUIRE(h.One("R14").StatusAsOf(T("2026-05-01T00:00:00Z")) == "met");
  // The report is corrected: the offence was serious, so the limit is 1 week.
  h.Add("2026-03-02T10:00:00+01:00", CrimeReported(/*serious=*/true), "2026-03-13T09:00:00+01:00",
        report);
  auto o = h.One("R14");
  CHECK(o.due_at == T("2026-03-09T23:59:59.999999+01:00"));
  CHECK(o.StatusAsOf(T("2026-05-01T00:00:00Z")) == "met_late");
}

}  // namespace
}  // namespace caseledger::compliance::scenario
