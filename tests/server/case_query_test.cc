// caseQuery: a case's timeline and case view from the projections caseledgerd keeps, at least
// as fresh as the client asks, permitted as a read of the case and recorded like one.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "ledger/ledger.h"
#include "server/client.h"
#include "tests/support/test_events.h"
#include "tests/support/test_packs.h"
#include "tests/support/test_server.h"

namespace caseledger {
namespace {

using schema::Event;
using testing::EventSpec;
using testing::TestEvents;
using testing::TestServer;

TEST_CASE("caseQuery answers a timeline and a case view from projections at least as fresh "
          "as asked, and records the read",
          "[server][projections]") {
  TestServer ts;
  testing::ActivateShippedPacks(ts.ledger());
  TestEvents events;
  EventSpec report;
  report.case_id = "case-q";
  report.type = Event::Body::CRIME_REPORTED;
  report.agency_id = TestServer::AgencyOf("police");
  report.agency_role = schema::AgencyRole::POLICE;
  auto police = ts.Connect("police");
  std::vector<Event::Reader> batch{events.Make(report)};
  auto appended = police->Append("case-q", ExpectedVersion::NoStream(), batch);
  REQUIRE(appended.ok());
  const uint64_t after = appended->positions[0] + 1;

  // Norway: the victim's first interview within 2 weeks of the report, 2025-03-03 10:00 in
  // Oslo, so by the end of 17 March 2025 (+01:00); long past, nothing met: overdue.
  auto timeline = police->CaseQuery("case-q", true, "investigation follow-up", after);
  REQUIRE(timeline.ok());
  INFO(timeline->json);
  CHECK(timeline->position >= after);
  CHECK(timeline->json.find("\"rule\":\"R14\",\"limit\":\"2 weeks: victim\"") !=
        std::string::npos);
  CHECK(timeline->json.find("\"status\":\"overdue\"") != std::string::npos);
  CHECK(timeline->json.find("\"due\":\"2025-03-17T23:59:59.999999+01:00\"") != std::string::npos);

  auto view = police->CaseQuery("case-q", false, "investigation follow-up", after);
  REQUIRE(view.ok());
  CHECK(view->json.find("case-q") != std::string::npos);

  // Recorded as reads of the case, in its access stream.
  auto oversight = ts.Connect("oversight");
  auto access = oversight->ReadStream("access:case-q", 0, 100, "audit of access");
  REQUIRE(access.ok());
  size_t timeline_reads = 0;
  for (const auto& e : access->events) {
    auto body = e.reader().getBody();
    if (body.isRecordAccessed() &&
        std::string(body.getRecordAccessed().getQuery().cStr()) == "caseQuery timeline case=case-q") {
      ++timeline_reads;
    }
  }
  CHECK(timeline_reads == 1);

  // Refusals: no purpose; an agency that took no part; a witness; no such case.
  CHECK(police->CaseQuery("case-q", true, "").status().IsInvalidArgument());
  auto health = ts.Connect("health");
  CHECK(health->CaseQuery("case-q", true, "curiosity").status().code() ==
        Status::Code::kPermissionDenied);
  auto witness = ts.Connect("witness");
  CHECK(witness->CaseQuery("case-q", true, "audit").status().code() ==
        Status::Code::kPermissionDenied);
  CHECK(oversight->CaseQuery("no-such-case", true, "audit").status().IsNotFound());

  auto status = oversight->GetServerStatus();
  REQUIRE(status.ok());
}

}  // namespace
}  // namespace caseledger
