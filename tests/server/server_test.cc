// End-to-end: caseledgerd over loopback mutual TLS, clients made with dev certificates.
#include <catch2/catch.hpp>

#include "server/client.h"
#include "tests/support/test_events.h"
#include "tests/support/test_server.h"

namespace caseledger {
namespace {

using testing::EventSpec;
using testing::TestEvents;
using testing::TestServer;

EventSpec CpEvent(const std::string& case_id) {
  EventSpec spec;
  spec.case_id = case_id;
  spec.agency_id = TestServer::AgencyOf("childprotection");
  spec.agency_role = schema::AgencyRole::CHILD_PROTECTION;
  return spec;
}

TEST_CASE("an agency appends over mutual TLS and reads its case back", "[server]") {
  TestServer server;
  auto cp = server.Connect("childprotection");
  CHECK(cp->hello().principal_id == "childprotection");
  CHECK(cp->hello().user_role == schema::UserRole::AGENCY);
  TestEvents events;
  auto batch = events.MakeMany(3, CpEvent("case-a"));
  auto appended = cp->Append("case-a", ExpectedVersion::NoStream(), batch);
  REQUIRE(appended.ok());
  CHECK(appended->positions == std::vector<uint64_t>{0, 1, 2});
  CHECK(appended->head_version == 2);

  auto again = cp->Append("case-a", ExpectedVersion::NoStream(), batch);
  REQUIRE(again.ok());
  CHECK(again->deduplicated);

  auto conflict = cp->Append("case-a", ExpectedVersion::Exact(0), events.MakeMany(1, CpEvent("case-a")));
  CHECK(conflict.status().IsConflict());

  auto page = cp->ReadStream("case-a", 0, 0, "case work");
  REQUIRE(page.ok());
  REQUIRE(page->events.size() == 3);
  CHECK(page->at_end);
  // Reading wrote an access record to the access stream, not to the case.
  auto head = server.ledger().GetStream("case-a");
  REQUIRE(head.ok());
  CHECK(head->head_version == 2);
  auto access = server.ledger().ReadStream("access:case-a", 0, 10);
  REQUIRE(access.ok());
  REQUIRE(access->size() == 1);
  auto record = (*access)[0].reader().getBody().getRecordAccessed();
  CHECK(std::string(record.getAccessorId().cStr()) == "childprotection");
  CHECK(std::string(record.getPurpose().cStr()) == "case work");

  // The event read verifies against the signed checkpoint with a pinned key.
  auto checkpoint = server.ledger().Checkpoint();
  REQUIRE(checkpoint.ok());
  auto pinned = VerifierKey::Parse(server.ledger().VerifierKeyString());
  REQUIRE(pinned.ok());
  auto verified = cp->VerifyInclusion(page->events[1], *pinned);
  REQUIRE(verified.ok());
  CHECK(verified->size == server.ledger().size());
}

}  // namespace
}  // namespace caseledger
