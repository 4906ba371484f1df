// The reports' HTML without a browser: escaping, the SVG they draw for hand-built inputs
// (statuses and colours worked out by hand from the obligations below), determinism, the
// checkpoint section, and the CLI's refusals.
#include "tools/report.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "tests/support/run_process.h"
#include "tests/support/temp_dir.h"
#include "tools/synthetic.h"

namespace caseledger {
namespace {

using compliance::Obligation;
using compliance::ObligationStatus;

constexpr int64_t kHour = 3600LL * 1000000;
constexpr int64_t kT0 = 1740992400LL * 1000000;  // 2025-03-03T09:00:00Z

size_t Count(const std::string& haystack, const std::string& needle) {
  size_t n = 0;
  for (size_t at = haystack.find(needle); at != std::string::npos;
       at = haystack.find(needle, at + needle.size())) {
    ++n;
  }
  return n;
}

Obligation Make(std::string rule, ObligationStatus status, int64_t trigger,
                std::optional<int64_t> due, std::optional<int64_t> met) {
  Obligation o;
  o.rule_id = std::move(rule);
  o.title = "a rule";
  o.jurisdiction = "EU";
  o.source = "Directive 2011/36/EU Art 14";
  o.status = status;
  o.trigger_at = trigger;
  o.trigger_type = "crimeReported";
  o.due_at = due;
  o.satisfied_at = met;
  if (met) o.satisfied_type = "forensicInterviewConducted";
  o.accountable_agency = "no-police-oslo";
  o.accountable_role = "police";
  return o;
}

// As of kT0 + 100 h: R1 met on time, R2 met late, R3 breached, R4 pending and due after the
// evaluation time (open), R5 pending and due before it (overdue), R6 a check with no due time
// that was met.
report::CaseReportInput Input() {
  report::CaseReportInput in;
  in.case_id = "NO-case<1>&\"x\"";
  in.as_of = kT0 + 100 * kHour;
  in.position = 42;
  in.events = {{0, 10, kT0, "no-police-oslo", "police", "crimeReported"},
               {1, 11, kT0 + 5 * kHour, "no-cp-<oslo>", "childProtection", "caseConferenceHeld"},
               {2, 12, kT0 + 30 * kHour, "no-police-oslo", "police", "chargesFiled"}};
  in.obligations = {
      Make("R1", ObligationStatus::kMet, kT0, kT0 + 24 * kHour, kT0 + 10 * kHour),
      Make("R2", ObligationStatus::kMetLate, kT0, kT0 + 24 * kHour, kT0 + 30 * kHour),
      Make("R3", ObligationStatus::kBreached, kT0, kT0 + 24 * kHour, std::nullopt),
      Make("R4", ObligationStatus::kPending, kT0, kT0 + 200 * kHour, std::nullopt),
      Make("R5", ObligationStatus::kPending, kT0, kT0 + 48 * kHour, std::nullopt),
      Make("R6", ObligationStatus::kMet, kT0 + 5 * kHour, std::nullopt, kT0 + 5 * kHour),
  };
  in.obligations[2].title = "</title><script>alert('x')</script>";
  in.obligations[3].accountable_agency = "";  // no agency of the role took part
  in.checkpoint = report::ParseCheckpointNote(
      "caseledger.local/dev\n43\nAAAA<root>=\n\n\xE2\x80\x94 caseledger.local/dev sig\n", 42);
  return in;
}

TEST_CASE("HtmlEscape escapes markup and quotes and replaces control characters", "[report]") {
  CHECK(report::HtmlEscape("a<b>&\"c'") == "a&lt;b&gt;&amp;&quot;c&#39;");
  CHECK(report::HtmlEscape(std::string("x\x01y\x7f", 4)) == "x\xEF\xBF\xBDy\xEF\xBF\xBD");
  CHECK(report::HtmlEscape("tab\tline\n") == "tab\tline\n");
  CHECK(report::HtmlEscape("Bod\xC3\xB8") == "Bod\xC3\xB8");  // UTF-8 passes through
}

TEST_CASE("the case report draws one bar per obligation with its status as of the report",
          "[report]") {
  const auto in = Input();
  const std::string page = report::RenderCaseReport(in);
  CHECK(Count(page, "class=\"obligation-bar\"") == 6);
  CHECK(Count(page, "data-rule=\"R1\" data-status=\"met\"") == 1);
  CHECK(Count(page, "data-rule=\"R2\" data-status=\"met_late\"") == 1);
  CHECK(Count(page, "data-rule=\"R3\" data-status=\"breached\"") == 1);
  CHECK(Count(page, "data-rule=\"R4\" data-status=\"open\"") == 1);
  CHECK(Count(page, "data-rule=\"R5\" data-status=\"overdue\"") == 1);
  CHECK(Count(page, "data-rule=\"R6\" data-status=\"met\"") == 1);
  // The colours of docs/reports.md: green, amber, red, grey, orange.
  CHECK(Count(page, "fill=\"#2e7d32\"") >= 2);
  CHECK(Count(page, "fill=\"#f9a825\"") >= 1);
  CHECK(Count(page, "fill=\"#c62828\"") >= 1);
  CHECK(Count(page, "fill=\"#90a4ae\"") >= 1);
  CHECK(Count(page, "fill=\"#ef6c00\"") >= 1);
  // One lane per agency: the two with events, and one for the role with no agency.
  CHECK(Count(page, "class=\"lane\"") == 3);
  CHECK(page.find("data-agency=\"(no police agency)\"") != std::string::npos);
  // The rule text and source on hover.
  CHECK(page.find("<title>R1 (EU): a rule\nSource: Directive 2011/36/EU Art 14") !=
        std::string::npos);
  // Data never ends an element: the hostile title, case id and agency are escaped.
  CHECK(page.find("<script") == std::string::npos);
  CHECK(page.find("&lt;/title&gt;&lt;script&gt;alert(&#39;x&#39;)") != std::string::npos);
  CHECK(page.find("NO-case&lt;1&gt;&amp;&quot;x&quot;") != std::string::npos);
  CHECK(page.find("no-cp-<oslo>") == std::string::npos);
  CHECK(page.find("no-cp-&lt;oslo&gt;") != std::string::npos);
  // Self-contained: no reference to anything outside the file.
  CHECK(page.find("http") == std::string::npos);
  CHECK(page.find("src=") == std::string::npos);
  CHECK(page.find("@media print") != std::string::npos);
}

TEST_CASE("the case report is the same for the same input and names the checkpoint", "[report]") {
  auto in = Input();
  const std::string a = report::RenderCaseReport(in);
  CHECK(a == report::RenderCaseReport(in));
  CHECK(a.find("no --as-of was given") == std::string::npos);
  CHECK(a.find("tree size <span data-checkpoint-size>43</span>") != std::string::npos);
  CHECK(a.find("root <code>AAAA&lt;root&gt;=</code>") != std::string::npos);
  CHECK(a.find("It covers every event") != std::string::npos);
  in.as_of_defaulted = true;
  in.checkpoint = report::ParseCheckpointNote("origin\n41\nroot=\n\n", 42);
  const std::string b = report::RenderCaseReport(in);
  CHECK(b.find("no --as-of was given") != std::string::npos);
  CHECK(b.find("does not cover the newest events") != std::string::npos);
  in.checkpoint = report::ParseCheckpointNote("origin\nnot a size\nroot=\n\n", 42);
  CHECK_FALSE(in.checkpoint.present);
  CHECK(report::RenderCaseReport(in).find("No signed checkpoint") != std::string::npos);
}

TEST_CASE("time-to-meet buckets are shares of the time allowed", "[report]") {
  CHECK(report::MeetBucket(0.0) == 0);
  CHECK(report::MeetBucket(0.25) == 0);
  CHECK(report::MeetBucket(0.26) == 1);
  CHECK(report::MeetBucket(1.0) == 3);
  CHECK(report::MeetBucket(1.01) == 4);
  CHECK(report::MeetBucket(2.0) == 5);
  CHECK(report::MeetBucket(7.0) == 6);
}

TEST_CASE("the agency report charts breaches, the distribution and the monthly trend", "[report]") {
  report::AgencyReportInput in;
  in.from = kT0;
  in.to = kT0 + 400 * 24 * kHour;
  in.as_of = in.to;
  auto row = [](std::string agency, std::string rule, std::string period, uint64_t met,
                uint64_t breached) {
    projections::AccountabilityRow r;
    r.agency = std::move(agency);
    r.rule_id = std::move(rule);
    r.jurisdiction = "NO";
    r.period = std::move(period);
    r.met = met;
    r.breached = breached;
    return r;
  };
  in.yearly = {row("no-police-<x>", "R14", "2025", 5, 2), row("no-cp-oslo", "R09", "2025", 3, 7)};
  in.monthly = {row("no-police-<x>", "R14", "2025-03", 5, 2),
                row("no-cp-oslo", "R09", "2025-06", 3, 7)};
  in.samples = {{"R14", 10, 0.2}, {"R14", 30, 0.9}, {"R09", 100, 1.6}, {"R09", 5, 0.05}};
  const std::string page = report::RenderAgencyReport(in);
  // Most breaches first.
  const size_t r09 = page.find("class=\"rule-agency\" data-rule=\"R09\"");
  const size_t r14 = page.find("class=\"rule-agency\" data-rule=\"R14\"");
  REQUIRE(r09 != std::string::npos);
  REQUIRE(r14 != std::string::npos);
  CHECK(r09 < r14);
  CHECK(page.find("data-agency=\"no-police-&lt;x&gt;\" data-breached=\"2\"") != std::string::npos);
  // Buckets by hand: 0.2 and 0.05 in <=25 %, 0.9 in 75-100 %, 1.6 in 150-200 %.
  CHECK(page.find("data-bucket=\"0\"") != std::string::npos);
  CHECK(page.find("of the time allowed: 2</title>") != std::string::npos);
  CHECK(Count(page, "of the time allowed: 1</title>") == 2);
  // March to June with the empty months between.
  CHECK(Count(page, "class=\"month\"") == 4);
  CHECK(page.find("data-month=\"2025-04\"") != std::string::npos);
  CHECK(page.find("<td>2025-05</td><td class=\"n\">0</td>") != std::string::npos);
  CHECK(page.find("<script") == std::string::npos);
  CHECK(page == report::RenderAgencyReport(in));
  // Empty: still a page, saying so.
  in.yearly.clear();
  in.monthly.clear();
  in.samples.clear();
  CHECK(report::RenderAgencyReport(in).find("no obligations in the period") != std::string::npos);
}

TEST_CASE("caseledger report refuses bad input with exit 2 and writes nothing", "[report]") {
  testing::TempDir dir;
  synthetic::GeneratorOptions o;
  o.cases = 1;
  o.seed = 7;
  o.activate_rule_packs = true;
  const std::string data = dir.Sub("data");
  REQUIRE(synthetic::GenerateInto(data, o).ok());
  const std::string cli = CASELEDGER_CLI;
  const std::string out = dir.Sub("r.html");
  auto [code, text] = testing::RunCaseledger(
      cli, "report case --data " + data + " --case no-such-case --out " + out);
  CHECK(code == 2);
  CHECK(text.find("NotFound") != std::string::npos);
  std::tie(code, text) = testing::RunCaseledger(
      cli, "report case --data " + data + " --case x --as-of yesterday --out " + out);
  CHECK(code == 2);
  std::tie(code, text) = testing::RunCaseledger(
      cli, "report agency --data " + data + " --from 2026-01-01 --to 2025-01-01 --out " + out);
  CHECK(code == 2);
  CHECK(text.find("--to must be after --from") != std::string::npos);
  std::tie(code, text) =
      testing::RunCaseledger(cli, "report agency --data " + data +
                                      " --jurisdiction XX --from 2025-01-01 --to "
                                      "2026-01-01 --out " +
                                      out);
  CHECK(code == 2);
  CHECK(text.find("unknown jurisdiction") != std::string::npos);
  std::tie(code, text) = testing::RunCaseledger(cli, "report agency --data " + dir.Sub("missing") +
                                                         " --from 2025-01-01 --to 2026-01-01 "
                                                         "--out " +
                                                         out);
  CHECK(code == 2);
  CHECK_FALSE(std::filesystem::exists(out));
}

std::string ReadFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

TEST_CASE("the agency report's table has the rows of caseledger accountability", "[report]") {
  testing::TempDir dir;
  synthetic::GeneratorOptions o;
  o.cases = 4;
  o.seed = 11;
  o.late_share = 0.5;
  o.activate_rule_packs = true;
  const std::string data = dir.Sub("data");
  REQUIRE(synthetic::GenerateInto(data, o).ok());
  const std::string cli = CASELEDGER_CLI, out = dir.Sub("agency.html");
  const std::string period = " --from 2020-01-01 --to 2030-01-01 --as-of 2099-01-01";
  auto [code, text] =
      testing::RunCaseledger(cli, "report agency --data " + data + period + " --out " + out);
  REQUIRE(code == 0);
  std::string json;
  std::tie(code, json) =
      testing::RunCaseledger(cli, "accountability --json --data " + data + period);
  REQUIRE(code == 0);
  const std::string page = ReadFile(out);
  const size_t table = page.find("<table class=\"accountability\">");
  REQUIRE(table != std::string::npos);
  const std::string rows = page.substr(table, page.find("</table>", table) - table);
  CHECK(Count(json, "{\"agency\":") > 5);
  CHECK(Count(rows, "<tr><td>") == Count(json, "{\"agency\":"));
  CHECK(page.find("no --as-of was given") == std::string::npos);
}

}  // namespace
}  // namespace caseledger
