// The audit queries against hand-written cases whose answers are worked out by hand from
// obligations.md (section 5 questions; R04, R14 with the Danish 7 days, R15, R16, R10, R11),
// their parameter checks, and the table, CSV and JSON shapes.
#include <capnp/compat/json.h>
#include <capnp/message.h>

#include <catch2/catch.hpp>
#include <set>
#include <string>
#include <vector>

#include "ledger/time_format.h"
#include "tests/projections/audit_cases.h"

namespace caseledger {
namespace {

using projections::AuditResult;
using testing::kT0;
using testing::audit::AuditCases;
using testing::audit::kDay;
using testing::audit::kHour;
using Role = schema::AgencyRole;
using testing::audit::Cells;
using testing::audit::CellsOf;

// Four cases of 2025 in Denmark:
// a: identified (unaccompanied) at T0 by dk-police-cph, provisional representative 30 h later;
//    crime reported at T0; interviews on day 3 (iv-1, Barnahus), day 10 (iv-2, no reason for
//    the repeat nor the change) and day 20 (iv-1 again, reason recorded, police station, not
//    recorded).
// b: identified (unaccompanied) at T0+1d by dk-police-aarhus, representative 2 h later; crime
//    reported at T0+1d, first interview on day 10 (9 days: over the Danish 7).
// c: return decided on day 5 with no views heard, no best-interests determination, no return
//    risk assessment.
// d: the child heard on day 1, BID on day 2, return risk assessment on day 3, return on day 5.
void WriteCases(AuditCases& c) {
  using testing::audit::InterviewSpec;
  namespace t = testing::audit;
  c.Add("dk-case-a", kT0, "dk-police-cph", Role::POLICE, t::Presumed(schema::Answer::YES));
  c.Add("dk-case-a", kT0, "dk-police-cph", Role::POLICE, t::CrimeReported());
  c.Add("dk-case-a", kT0 + 30 * kHour, "dk-guardianship", Role::GUARDIANSHIP,
        t::ProvisionalRepresentative("rep-owl"));
  c.Add("dk-case-a", kT0 + 3 * kDay, "dk-barnahus-cph", Role::POLICE,
        t::Interview(InterviewSpec{1, "iv-1"}));
  c.Add("dk-case-a", kT0 + 10 * kDay, "dk-barnahus-cph", Role::POLICE,
        t::Interview(InterviewSpec{2, "iv-2"}));
  c.Add("dk-case-a", kT0 + 20 * kDay, "dk-police-cph", Role::POLICE,
        t::Interview(
            InterviewSpec{3, "iv-1", schema::Premises::POLICE_STATION, false, "new disclosure"}));

  c.Add("dk-case-b", kT0 + kDay, "dk-police-aarhus", Role::POLICE,
        t::Presumed(schema::Answer::YES));
  c.Add("dk-case-b", kT0 + kDay, "dk-police-aarhus", Role::POLICE, t::CrimeReported());
  c.Add("dk-case-b", kT0 + kDay + 2 * kHour, "dk-guardianship", Role::GUARDIANSHIP,
        t::ProvisionalRepresentative("rep-wren"));
  c.Add("dk-case-b", kT0 + 10 * kDay, "dk-barnahus-aarhus", Role::POLICE,
        t::Interview(InterviewSpec{1, "iv-7"}));

  c.Add("dk-case-c", kT0, "dk-cp-odense", Role::CHILD_PROTECTION, t::Presumed(schema::Answer::NO));
  c.Add("dk-case-c", kT0 + 5 * kDay, "dk-migration", Role::MIGRATION, t::ReturnDecided());

  c.Add("dk-case-d", kT0, "dk-cp-odense", Role::CHILD_PROTECTION, t::Presumed(schema::Answer::NO));
  c.Add("dk-case-d", kT0 + kDay, "dk-cp-odense", Role::CHILD_PROTECTION,
        t::ViewsHeard(schema::DecisionContext::RETURN_DECISION));
  c.Add("dk-case-d", kT0 + 2 * kDay, "dk-cp-odense", Role::CHILD_PROTECTION, t::BestInterests());
  c.Add("dk-case-d", kT0 + 3 * kDay, "dk-cp-odense", Role::CHILD_PROTECTION, t::ReturnRisk());
  c.Add("dk-case-d", kT0 + 5 * kDay, "dk-migration", Role::MIGRATION, t::ReturnDecided());
}

TEST_CASE(
    "representative_wait measures identification to the first representative by "
    "identifying agency and year, and counts waits over the threshold",
    "[audit]") {
  AuditCases c;
  WriteCases(c);
  auto r = c.Run("representative_wait");
  CHECK(r.params.at("hours") == "24");
  CHECK(CellsOf(r) ==
        std::vector<Cells>{{"DK", "dk-police-aarhus", "2025", "1", "0", "0", "2.0", "2.0"},
                           {"DK", "dk-police-cph", "2025", "1", "1", "0", "30.0", "30.0"}});
  CHECK(r.rows[0].case_ids.empty());
  CHECK(r.rows[1].case_ids == std::vector<std::string>{"dk-case-a"});

  // A higher threshold: nobody waited over 48 hours.
  r = c.Run("representative_wait", {{"hours", "48"}});
  CHECK(r.rows[1].cells[4] == "0");

  // Ten hours after T0 case a was still waiting and case b not yet identified.
  r = c.Run("representative_wait", {}, kT0 + 10 * kHour);
  CHECK(CellsOf(r) == std::vector<Cells>{{"DK", "dk-police-cph", "2025", "1", "0", "1", "", ""}});

  // Filters: an agency, a jurisdiction with no cases, a period.
  CHECK(c.Run("representative_wait", {{"agency", "dk-police-aarhus"}}).rows.size() == 1);
  CHECK(c.Run("representative_wait", {{"jurisdiction", "no"}}).rows.empty());
  CHECK(c.Run("representative_wait", {{"from", "2025-03-04"}}).rows.size() == 1);
}

TEST_CASE(
    "repeat_interviews lists children interviewed more than N times with the reasons "
    "and interviewer changes recorded",
    "[audit]") {
  AuditCases c;
  WriteCases(c);
  // Case a: 3 interviews; interview 2 gave no necessity reason, interview 3 did; the
  // interviewer changed once (iv-2) without a reason; interview 3 is iv-1 again, the same as
  // interview 1, which R16 asks for.
  auto r = c.Run("repeat_interviews");
  CHECK(CellsOf(r) == std::vector<Cells>{{"dk-case-a", "DK", "3", "2", "1", "2", "1", "1"}});
  CHECK(r.rows[0].case_ids == std::vector<std::string>{"dk-case-a"});
  CHECK(c.Run("repeat_interviews", {{"count", "3"}}).rows.empty());
  // More than 0 interviews: both interviewed children.
  CHECK(c.Run("repeat_interviews", {{"count", "0"}}).rows.size() == 2);
  // As of day 15 case a had two interviews.
  r = c.Run("repeat_interviews", {{"count", "1"}}, kT0 + 15 * kDay);
  CHECK(CellsOf(r) == std::vector<Cells>{{"dk-case-a", "DK", "2", "1", "0", "2", "1", "1"}});
}

TEST_CASE(
    "interview_delay gives report-to-first-interview hours per interviewing agency "
    "against the Danish 7-day deadline",
    "[audit]") {
  AuditCases c;
  WriteCases(c);
  // The deadline: 7 days not counting the day of the report, to the end of the last local day
  // (Regulation 1182/71, docs/compliance.md). A report at 10:00 Copenhagen time (UTC+1 in
  // March) is due at 24:00 local seven days later: 7 * 24 + 14 = 182 hours.
  auto r = c.Run("interview_delay");
  CHECK(CellsOf(r) ==
        std::vector<Cells>{{"DK", "dk-barnahus-aarhus", "1", "1", "216.0", "216.0", "182.0", "1"},
                           {"DK", "dk-barnahus-cph", "1", "1", "72.0", "72.0", "182.0", "0"}});
  CHECK(r.rows[0].case_ids == std::vector<std::string>{"dk-case-b"});
  // On day 5 case b's report waited, not yet overdue; case a was interviewed.
  r = c.Run("interview_delay", {}, kT0 + 5 * kDay);
  CHECK(CellsOf(r) ==
        std::vector<Cells>{{"DK", "(not interviewed yet)", "1", "0", "", "", "182.0", "0"},
                           {"DK", "dk-barnahus-cph", "1", "1", "72.0", "72.0", "182.0", "0"}});
}

TEST_CASE("interview_setting lists interviews not recorded or outside adapted premises",
          "[audit]") {
  AuditCases c;
  WriteCases(c);
  auto r = c.Run("interview_setting");
  CHECK(CellsOf(r) == std::vector<Cells>{{"dk-case-a", "DK", "3", "2025-03-23T09:00:00Z",
                                          "policeStation", "no", "dk-police-cph"}});
}

TEST_CASE(
    "return_safeguards shows each return with its BID, risk assessment and the child's "
    "views",
    "[audit]") {
  AuditCases c;
  WriteCases(c);
  auto r = c.Run("return_safeguards");
  CHECK(CellsOf(r) ==
        std::vector<Cells>{{"dk-case-c", "DK", "returnDecided", "2025-03-08T09:00:00Z",
                            "dk-migration", "breached", "breached", "breached"}});
  r = c.Run("return_safeguards", {{"all", "yes"}});
  REQUIRE(r.rows.size() == 2);
  CHECK(r.rows[1].cells == Cells{"dk-case-d", "DK", "returnDecided", "2025-03-08T09:00:00Z",
                                 "dk-migration", "met", "met", "met"});
}

TEST_CASE("record_access lists the reads of a case's access stream and its disclosures",
          "[audit]") {
  AuditCases c;
  WriteCases(c);
  auto access = [&](int64_t at, const char* purpose) {
    c.Add("access:dk-case-a", at, "caseledger", Role::SYSTEM, [=](schema::Event::Builder e) {
      auto b = e.initBody().initRecordAccessed();
      b.setAccessorId("ombuds-3");
      b.setAccessorRole(Role::OMBUDS);
      b.setPurpose(purpose);
      b.setRequestId("req-1");
      b.setAccessKind(schema::RecordAccessed::AccessKind::CONSULTATION);
      b.setLegalBasis("LED Art 25");
    });
  };
  access(kT0 + 30 * kDay, "annual oversight review");
  c.Add("dk-case-a", kT0 + 31 * kDay, "dk-police-cph", Role::POLICE, [](schema::Event::Builder e) {
    auto b = e.initBody().initRecordDisclosed();
    b.setAccessorId("officer-4");
    b.setAccessorRole(Role::POLICE);
    b.setRecipient("se-police");
    b.setPurpose("joint investigation");
    b.setLegalBasis("EIO 2014/41");
  });
  access(kT0 + 32 * kDay, "complaint follow-up");
  auto r = c.Run("record_access", {{"case", "dk-case-a"}});
  REQUIRE(r.rows.size() == 3);
  CHECK(r.rows[0].cells[0] == "2025-04-02T09:01:00Z");  // recorded a minute after it occurred
  CHECK(r.rows[0].cells[1] == "consultation");
  CHECK(r.rows[0].cells[2] == "ombuds-3");
  CHECK(r.rows[0].cells[3] == "ombuds");
  CHECK(r.rows[0].cells[4] == "annual oversight review");
  CHECK(r.rows[1].cells[1] == "disclosure");
  CHECK(r.rows[1].cells[5] == "EIO 2014/41");
  CHECK(r.rows[1].cells[6] == "se-police");
  CHECK(r.rows[2].cells[4] == "complaint follow-up");
  CHECK(r.rows[2].case_ids == std::vector<std::string>{"dk-case-a"});
  // A period keeps only the reads within it.
  CHECK(c.Run("record_access", {{"case", "dk-case-a"}, {"from", "2025-04-04"}}).rows.size() == 1);
  // A case that was never read has no rows; a case that does not exist is an error.
  CHECK(c.Run("record_access", {{"case", "dk-case-b"}}).rows.empty());
  CHECK(c.TryRun("record_access", {{"case", "dk-case-zz"}}).status().IsInvalidArgument());
}

TEST_CASE(
    "an audit answer reuses the loaded facts while they are as fresh as asked, and "
    "names the position they reflect",
    "[audit]") {
  AuditCases c;
  WriteCases(c);
  const auto first = c.Run("repeat_interviews", {{"count", "0"}});
  CHECK(first.position == c.ledger().size());
  CHECK(first.rows.size() == 2);  // cases a and b
  // A third interviewed child arrives.
  c.Add("dk-case-c", kT0 + 6 * kDay, "dk-barnahus-cph", Role::POLICE,
        testing::audit::Interview(testing::audit::InterviewSpec{1, "iv-3"}));
  // At least as fresh as the first answer: the loaded facts do, and say so.
  auto r = c.TryRun("repeat_interviews", {{"count", "0"}}, kT0 + 60 * kDay, first.position);
  REQUIRE(r.ok());
  CHECK(r->position == first.position);
  CHECK(r->rows.size() == 2);
  // Without a floor the facts are reloaded at the new position.
  r = c.TryRun("repeat_interviews", {{"count", "0"}});
  REQUIRE(r.ok());
  CHECK(r->position == c.ledger().size());
  CHECK(r->rows.size() == 3);
}

TEST_CASE("audit queries refuse unknown queries, unknown parameters and bad values", "[audit]") {
  AuditCases c;
  WriteCases(c);
  auto bad = [&](const std::string& query, std::map<std::string, std::string> params,
                 const std::string& says) {
    auto r = c.TryRun(query, std::move(params));
    INFO(query << ": " << r.status().ToString());
    REQUIRE(r.status().IsInvalidArgument());
    CHECK(r.status().ToString().find(says) != std::string::npos);
  };
  bad("no_such_query", {}, "no audit query named \"no_such_query\"");
  bad("representative_wait", {{"colour", "red"}}, "no parameter \"colour\"");
  bad("representative_wait", {{"jurisdiction", "XX"}}, "is none of DK");
  bad("representative_wait", {{"hours", "-3"}}, "not a positive number");
  bad("representative_wait", {{"hours", "12h"}}, "not a positive number");
  bad("repeat_interviews", {{"count", "two"}}, "not a whole number");
  bad("representative_wait", {{"from", "yesterday"}}, "not RFC 3339");
  bad("representative_wait", {{"from", "2025-05-01"}, {"to", "2025-04-01"}},
      "from must be before to");
  bad("record_access", {}, "\"case\" is required");
  bad("return_safeguards", {{"all", "maybe"}}, "not yes or no");
  // A rule no case has an obligation of (a typo) is refused, not answered "no findings"; the
  // id is case-insensitive.
  bad("rule_findings", {{"rule", "R99"}}, "rule \"R99\" has no obligation in any case");
  auto lower = c.TryRun("rule_findings", {{"rule", "r14"}});
  REQUIRE(lower.ok());
  CHECK(lower->rows.size() == c.Run("rule_findings", {{"rule", "R14"}}).rows.size());
}

TEST_CASE("every named query has its question, parameters and columns, and runs", "[audit]") {
  AuditCases c;
  WriteCases(c);
  const auto queries = projections::AuditQueries();
  std::set<std::string> questions;
  for (const auto& q : queries) {
    INFO(q.name);
    CHECK(!q.summary.empty());
    CHECK(!q.columns.empty());
    questions.insert(q.question);
    std::map<std::string, std::string> params;
    if (q.name == "record_access") params["case"] = "dk-case-a";
    if (q.name == "rule_findings") params["rule"] = "R14";
    auto r = c.TryRun(q.name, params);
    INFO(r.status().ToString());
    REQUIRE(r.ok());
    for (const auto& row : r->rows) CHECK(row.cells.size() == r->columns.size());
  }
  // Every question of obligations.md section 5 has a query.
  for (int i = 1; i <= 18; ++i) CHECK(questions.count("5." + std::to_string(i)) == 1);
}

}  // namespace
}  // namespace caseledger
