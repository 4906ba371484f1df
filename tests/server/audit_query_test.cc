// auditQuery over the server: oversight and ombudsperson principals run named audit queries,
// with a purpose; each case the answer names is recorded as searched; the answer states a
// signed checkpoint that covers it, and with proofs carries a bundle per case that verifies.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "ledger/bundle.h"
#include "ledger/checkpoint.h"
#include "ledger/ledger.h"
#include "server/client.h"
#include "tests/support/test_events.h"
#include "tests/support/test_packs.h"
#include "tests/support/test_server.h"

namespace caseledger {
namespace {

using schema::Event;
using server::Client;
using testing::EventSpec;
using testing::TestEvents;
using testing::TestServer;

bool Has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// The police report a crime in case-a and read its timeline (for an investigation).
uint64_t PoliceCase(TestServer& ts, TestEvents& events) {
  testing::ActivateShippedPacks(ts.ledger());
  EventSpec report;
  report.case_id = "case-a";
  report.type = Event::Body::CRIME_REPORTED;
  report.agency_id = TestServer::AgencyOf("police");
  report.agency_role = schema::AgencyRole::POLICE;
  auto police = ts.Connect("police");
  std::vector<Event::Reader> batch{events.Make(report)};
  auto appended = police->Append("case-a", ExpectedVersion::NoStream(), batch);
  REQUIRE(appended.ok());
  auto read = police->CaseQuery("case-a", true, "investigation follow-up",
                                appended->positions[0] + 1);
  REQUIRE(read.ok());
  return appended->positions[0] + 1;
}

size_t SearchesRecorded(TestServer& ts, const std::string& query) {
  auto access = ts.ledger().ReadStream("access:case-a", 0, 1000);
  REQUIRE(access.ok());
  size_t n = 0;
  for (const auto& e : *access) {
    auto body = e.reader().getBody();
    if (body.isRecordAccessed() && body.getRecordAccessed().getQuery().cStr() == query &&
        body.getRecordAccessed().getAccessKind() == schema::RecordAccessed::AccessKind::SEARCH) {
      ++n;
    }
  }
  return n;
}

TEST_CASE("an ombudsperson's audit query answers at a covering checkpoint and is recorded",
          "[server][audit]") {
  TestServer ts;
  TestEvents events;
  const uint64_t after = PoliceCase(ts, events);
  auto ombuds = ts.Connect("ombudsperson");
  Client::AuditQueryOptions options;
  options.params = {{"case", "case-a"}};
  options.min_position = after;
  auto answer = ombuds->AuditQuery("record_access", "annual access review", options);
  REQUIRE(answer.ok());
  INFO(answer->output);
  // Who read case-a, when and why: the police's timeline read.
  CHECK(Has(answer->output, "\"investigation follow-up\""));
  CHECK(Has(answer->output, "\"caseIds\":[\"case-a\"]"));
  auto checkpoint = ParseCheckpointUnverified(answer->checkpoint);
  REQUIRE(checkpoint.ok());
  CHECK(checkpoint->size >= answer->position);
  CHECK(answer->position >= after);
  CHECK(answer->bundles.empty());
  CHECK(SearchesRecorded(ts, "auditQuery record_access case=case-a") == 1);

  // The same as a table and as CSV.
  options.format = "csv";
  auto csv = ombuds->AuditQuery("record_access", "annual access review", options);
  REQUIRE(csv.ok());
  CHECK(Has(csv->output, "investigation follow-up"));
  CHECK(Has(csv->output, "\r\n"));

  // The list of queries needs no purpose and names every question's query.
  auto list = ombuds->AuditQuery("", "", {});
  REQUIRE(list.ok());
  CHECK(Has(list->output, "\"name\":\"representative_wait\""));
  CHECK(Has(list->output, "\"name\":\"record_access\""));
}

TEST_CASE("with proofs an audit answer carries a bundle per case that verifies offline",
          "[server][audit]") {
  TestServer ts;
  TestEvents events;
  const uint64_t after = PoliceCase(ts, events);
  auto oversight = ts.Connect("oversight");
  Client::AuditQueryOptions options;
  options.params = {{"case", "case-a"}};
  options.min_position = after;
  options.with_proofs = true;
  auto answer = oversight->AuditQuery("record_access", "inspection", options);
  REQUIRE(answer.ok());
  // The case the rows name, and its access stream, whose records the rows are.
  REQUIRE(answer->bundles.size() == 2);
  CHECK(answer->bundles[0].first == "access:case-a");
  CHECK(answer->bundles[1].first == "case-a");
  auto checkpoint = ParseCheckpointUnverified(answer->checkpoint);
  REQUIRE(checkpoint.ok());
  for (const auto& [case_id, bundle] : answer->bundles) {
    auto report = VerifyBundle(bundle, ts.ledger().VerifierKeyString());
    INFO(case_id << ": " << (report.problems.empty() ? "" : report.problems.front()));
    CHECK(report.intact());
    CHECK(report.case_id == case_id);
    CHECK(report.checkpoint_size == checkpoint->size);
  }
}

TEST_CASE("audit queries are refused without a purpose, to agencies and witnesses, and for "
          "unknown queries",
          "[server][audit]") {
  TestServer ts;
  TestEvents events;
  PoliceCase(ts, events);
  Client::AuditQueryOptions options;
  options.params = {{"case", "case-a"}};
  auto ombuds = ts.Connect("ombudsperson");
  CHECK(ombuds->AuditQuery("record_access", "", options).status().IsInvalidArgument());
  CHECK(ombuds->AuditQuery("no_such_query", "review", options).status().IsInvalidArgument());
  options.params = {{"no_such_param", "1"}};
  CHECK(ombuds->AuditQuery("repeat_interviews", "review", options).status().IsInvalidArgument());
  options.params = {{"case", "case-a"}};
  auto police = ts.Connect("police");
  CHECK(police->AuditQuery("record_access", "review", options).status().code() ==
        Status::Code::kPermissionDenied);
  auto witness = ts.Connect("witness");
  CHECK(witness->AuditQuery("record_access", "review", options).status().code() ==
        Status::Code::kPermissionDenied);
  auto admin = ts.Connect("admin");
  CHECK(admin->AuditQuery("record_access", "review", options).status().code() ==
        Status::Code::kPermissionDenied);
  // None of the refusals was recorded as a search.
  CHECK(SearchesRecorded(ts, "auditQuery record_access case=case-a") == 0);
}

}  // namespace
}  // namespace caseledger
