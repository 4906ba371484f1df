// Access records, end to end: every read of case data over the network leaves one
// recordAccessed per case shown in that case's access stream, durable before the reply, and
// the case's own stream is untouched (issue 4, "Every request that reads case data ...";
// obligations.md R30, audit question 17).
#include <catch2/catch.hpp>

#include <capnp/message.h>

#include <functional>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "ledger/ledger.h"
#include "schema/protocol.capnp.h"
#include "server/client.h"
#include "tests/support/test_events.h"
#include "tests/support/test_server.h"

namespace caseledger {
namespace {

using schema::AgencyRole;
using schema::Jurisdiction;
using schema::RecordAccessed;
using testing::EventSpec;
using testing::TestEvents;
using testing::TestServer;

std::string Str(capnp::Text::Reader text) { return {text.cStr(), text.size()}; }

EventSpec CpEvent(const std::string& case_id, const std::string& child_id,
                  Jurisdiction jurisdiction) {
  EventSpec spec;
  spec.case_id = case_id;
  spec.child_id = child_id;
  spec.jurisdiction = jurisdiction;
  spec.agency_id = TestServer::AgencyOf("childprotection");
  spec.agency_role = AgencyRole::CHILD_PROTECTION;
  return spec;
}

// Appends `n` events of a case as the child-protection agency, in process.
void MakeCase(TestServer& server, const std::string& case_id, const std::string& child_id,
              Jurisdiction jurisdiction, size_t n) {
  TestEvents events;
  auto batch = events.MakeMany(n, CpEvent(case_id, child_id, jurisdiction));
  REQUIRE(server.ledger().Append(case_id, ExpectedVersion::Any(), batch).ok());
}

// The access stream of a case as stored now (what an auditor with the ledger would see).
std::vector<StoredEvent> AccessRecords(TestServer& server, const std::string& case_id) {
  auto events = server.ledger().ReadStream("access:" + case_id, 0, 10000);
  if (events.status().IsNotFound()) return {};
  REQUIRE(events.ok());
  return std::move(*events);
}

// A readStream or readLog sent by hand, so the test knows its request id.
struct RawReply {
  uint64_t id = 0;
  std::unique_ptr<server::DecodedFrame> frame;
  schema::Response::Reader response() const {
    return frame->reader().getRoot<schema::Response>();
  }
};

RawReply SendRead(server::Client& client, const std::string& purpose,
                  const std::function<void(schema::Request::Body::Builder)>& fill) {
  capnp::MallocMessageBuilder builder;
  auto request = builder.initRoot<schema::Request>();
  request.setPurpose(purpose);
  fill(request.getBody());
  RawReply out;
  auto id = client.Send(builder);
  REQUIRE(id.ok());
  out.id = *id;
  auto frame = client.ReceiveFrame();
  REQUIRE(frame.ok());
  out.frame = std::move(*frame);
  REQUIRE(out.response().getId() == out.id);
  return out;
}

// "c12/5" -> "c12": the connection part of a request reference.
std::string ConnectionOf(const std::string& request_ref) {
  static const std::regex kRef("^(c[0-9]+)/[0-9]+$");
  std::smatch m;
  if (!std::regex_match(request_ref, m, kRef)) return {};
  return m[1];
}

TEST_CASE("a stream read leaves one access record, durable before the reply, and the case "
          "unchanged",
          "[e2e][access]") {
  TestServer server;
  MakeCase(server, "acc-1", "child-77", Jurisdiction::SE, 3);
  auto head_before = server.ledger().GetStream("acc-1");
  REQUIRE(head_before.ok());
  auto cp = server.Connect("childprotection");

  auto reply = SendRead(*cp, "case work: placement review", [](auto body) {
    auto read = body.initReadStream();
    read.setCaseId("acc-1");
  });
  REQUIRE(reply.response().getBody().isRead());
  CHECK(reply.response().getBody().getRead().getEvents().size() == 3);

  // Read the ledger right after the reply: the record is already there (reads show only what
  // was acknowledged, that is synced).
  auto records = AccessRecords(server, "acc-1");
  REQUIRE(records.size() == 1);
  auto r = records[0].reader();
  CHECK(Str(r.getCaseId()) == "access:acc-1");
  CHECK(Str(r.getChildId()) == "child-77");
  CHECK(r.getJurisdiction() == Jurisdiction::SE);
  CHECK(r.getAgencyRole() == AgencyRole::SYSTEM);
  REQUIRE(r.getBody().isRecordAccessed());
  auto body = r.getBody().getRecordAccessed();
  CHECK(Str(body.getAccessorId()) == "childprotection");
  CHECK(body.getAccessorRole() == AgencyRole::CHILD_PROTECTION);
  CHECK(Str(body.getPurpose()) == "case work: placement review");
  const std::string request_ref = Str(body.getRequestId());
  CHECK(ConnectionOf(request_ref) != "");
  CHECK(request_ref == ConnectionOf(request_ref) + "/" + std::to_string(reply.id));
  CHECK(Str(body.getQuery()).find("acc-1") != std::string::npos);
  CHECK(body.getAccessKind() == RecordAccessed::AccessKind::CONSULTATION);

  // Reading did not touch the case.
  auto head_after = server.ledger().GetStream("acc-1");
  REQUIRE(head_after.ok());
  CHECK(head_after->head_version == head_before->head_version);
  CHECK(head_after->head_position == head_before->head_position);

  // Another connection, another record, naming its own connection.
  auto oversight = server.Connect("oversight");
  REQUIRE(oversight->ReadStream("acc-1", 1, 1, "supervision").ok());
  records = AccessRecords(server, "acc-1");
  REQUIRE(records.size() == 2);
  auto second = records[1].reader().getBody().getRecordAccessed();
  CHECK(Str(second.getAccessorId()) == "oversight");
  CHECK(second.getAccessorRole() == AgencyRole::OMBUDS);
  CHECK(Str(second.getPurpose()) == "supervision");
  CHECK(ConnectionOf(Str(second.getRequestId())) != "");
  CHECK(ConnectionOf(Str(second.getRequestId())) != ConnectionOf(request_ref));

  // A page past the end shows nothing of the case, so it records nothing.
  const uint64_t size = server.ledger().size();
  auto empty = cp->ReadStream("acc-1", 50, 0, "case work");
  REQUIRE(empty.ok());
  CHECK(empty->events.empty());
  CHECK(server.ledger().size() == size);
}

TEST_CASE("a log read records one bulk export per case shown, and none for access streams",
          "[e2e][access]") {
  TestServer server;
  // Positions 0-1 case A, 2-3 case B, 4-5 case C.
  MakeCase(server, "log-a", "child-a", Jurisdiction::NO, 2);
  MakeCase(server, "log-b", "child-b", Jurisdiction::FI, 2);
  MakeCase(server, "log-c", "child-c", Jurisdiction::LT, 2);
  auto oversight = server.Connect("oversight");

  auto reply = SendRead(*oversight, "annual review", [](auto body) {
    auto read = body.initReadLog();
    read.setFromPosition(0);
    read.setLimit(6);
  });
  REQUIRE(reply.response().getBody().isRead());
  REQUIRE(reply.response().getBody().getRead().getEvents().size() == 6);
  struct Expect {
    const char* case_id;
    const char* child_id;
    Jurisdiction jurisdiction;
  };
  std::string request_ref;
  for (const Expect& e : {Expect{"log-a", "child-a", Jurisdiction::NO},
                          Expect{"log-b", "child-b", Jurisdiction::FI},
                          Expect{"log-c", "child-c", Jurisdiction::LT}}) {
    INFO(e.case_id);
    auto records = AccessRecords(server, e.case_id);
    REQUIRE(records.size() == 1);
    auto r = records[0].reader();
    CHECK(Str(r.getChildId()) == e.child_id);
    CHECK(r.getJurisdiction() == e.jurisdiction);
    auto body = r.getBody().getRecordAccessed();
    CHECK(Str(body.getAccessorId()) == "oversight");
    CHECK(Str(body.getPurpose()) == "annual review");
    CHECK(body.getAccessKind() == RecordAccessed::AccessKind::BULK_EXPORT);
    CHECK(Str(body.getQuery()).find("readLog") != std::string::npos);
    CHECK(Str(body.getRequestId()) ==
          ConnectionOf(Str(body.getRequestId())) + "/" + std::to_string(reply.id));
    if (request_ref.empty()) request_ref = Str(body.getRequestId());
    CHECK(Str(body.getRequestId()) == request_ref);  // one request, one reference
  }
  CHECK(server.ledger().size() == 9);

  // A page of case B alone records only B.
  REQUIRE(oversight->ReadLog(2, 2, "spot check").ok());
  CHECK(AccessRecords(server, "log-a").size() == 1);
  CHECK(AccessRecords(server, "log-b").size() == 2);
  CHECK(AccessRecords(server, "log-c").size() == 1);

  // A page of access records only: the ombudsperson reads the audit trail without adding to
  // it.
  auto ombudsperson = server.Connect("ombudsperson");
  const uint64_t size = server.ledger().size();
  auto page = ombudsperson->ReadLog(6, 0, "audit of access");
  REQUIRE(page.ok());
  CHECK(page->events.size() == size - 6);
  CHECK(server.ledger().size() == size);
}

TEST_CASE("a subscription records one bulk export per case in each batch it delivers",
          "[e2e][access]") {
  TestServer server;
  MakeCase(server, "sub-a", "child-a", Jurisdiction::DK, 2);
  MakeCase(server, "sub-b", "child-b", Jurisdiction::EE, 2);
  auto ombudsperson = server.Connect("ombudsperson");
  REQUIRE(ombudsperson->Subscribe(0, 4, 4, "audit export").ok());
  auto batch = ombudsperson->NextBatch();
  REQUIRE(batch.ok());
  REQUIRE(batch->events.size() == 4);
  // Durable before the batch was sent.
  auto a = AccessRecords(server, "sub-a");
  auto b = AccessRecords(server, "sub-b");
  REQUIRE(a.size() == 1);
  REQUIRE(b.size() == 1);
  auto ra = a[0].reader();
  auto rb = b[0].reader();
  CHECK(Str(ra.getChildId()) == "child-a");
  CHECK(ra.getJurisdiction() == Jurisdiction::DK);
  CHECK(Str(rb.getChildId()) == "child-b");
  CHECK(rb.getJurisdiction() == Jurisdiction::EE);
  for (auto r : {ra, rb}) {
    auto body = r.getBody().getRecordAccessed();
    CHECK(Str(body.getAccessorId()) == "ombudsperson");
    CHECK(body.getAccessorRole() == AgencyRole::OMBUDS);
    CHECK(Str(body.getPurpose()) == "audit export");
    CHECK(body.getAccessKind() == RecordAccessed::AccessKind::BULK_EXPORT);
    CHECK(Str(body.getQuery()).find("subscribe") != std::string::npos);
    CHECK(ConnectionOf(Str(body.getRequestId())) != "");
  }
  CHECK(Str(ra.getBody().getRecordAccessed().getRequestId()) ==
        Str(rb.getBody().getRecordAccessed().getRequestId()));
  CHECK(server.ledger().GetStream("sub-a")->head_version == 1);

  // The next batch holds the two access records just written: access streams are not
  // recorded again, so the subscription does not feed itself.
  REQUIRE(ombudsperson->Credit(10).ok());
  auto next = ombudsperson->NextBatch();
  REQUIRE(next.ok());
  REQUIRE(next->events.size() == 2);
  for (const StoredEvent& e : next->events) {
    CHECK(Str(e.reader().getCaseId()).rfind("access:", 0) == 0);
  }
  auto end = ombudsperson->Unsubscribe();
  REQUIRE(end.ok());
  CHECK(*end == 6);
  CHECK(server.ledger().size() == 6);
}

TEST_CASE("a read without a purpose is refused and writes nothing", "[e2e][access]") {
  TestServer server;
  MakeCase(server, "np-1", "child-1", Jurisdiction::NO, 2);
  auto cp = server.Connect("childprotection");
  auto oversight = server.Connect("oversight");
  const uint64_t size = server.ledger().size();
  CHECK(cp->ReadStream("np-1", 0, 0, "").status().IsInvalidArgument());
  CHECK(oversight->ReadStream("np-1", 0, 0, "").status().IsInvalidArgument());
  CHECK(oversight->ReadLog(0, 0, "").status().IsInvalidArgument());
  REQUIRE(oversight->Subscribe(0, 10, 0, "").ok());
  CHECK(oversight->NextBatch().status().IsInvalidArgument());
  CHECK(server.ledger().size() == size);
  CHECK(AccessRecords(server, "np-1").empty());
  // With a purpose the same reads work: the refusal was about the purpose.
  CHECK(cp->ReadStream("np-1", 0, 0, "case work").ok());
  CHECK(AccessRecords(server, "np-1").size() == 1);
}

TEST_CASE("a read refused for want of permission writes nothing", "[e2e][access]") {
  TestServer server;
  MakeCase(server, "pd-1", "child-1", Jurisdiction::NO, 2);
  const uint64_t size = server.ledger().size();
  auto police = server.Connect("police");  // took no part in pd-1
  CHECK(police->ReadStream("pd-1", 0, 0, "curiosity").status().code() == Status::Code::kPermissionDenied);
  CHECK(police->ReadLog(0, 0, "curiosity").status().code() == Status::Code::kPermissionDenied);
  auto admin = server.Connect("admin");
  CHECK(admin->ReadStream("pd-1", 0, 0, "maintenance").status().code() == Status::Code::kPermissionDenied);
  auto witness = server.Connect("witness");
  CHECK(witness->ReadLog(0, 0, "witnessing").status().code() == Status::Code::kPermissionDenied);
  CHECK(server.ledger().size() == size);
  CHECK(AccessRecords(server, "pd-1").empty());
}

TEST_CASE("the ombudsperson reads access streams without writing to them", "[e2e][access]") {
  TestServer server;
  MakeCase(server, "os-1", "child-1", Jurisdiction::NO, 1);
  auto cp = server.Connect("childprotection");
  REQUIRE(cp->ReadStream("os-1", 0, 0, "case work").ok());
  const uint64_t size = server.ledger().size();
  auto ombudsperson = server.Connect("ombudsperson");
  for (int i = 0; i < 3; ++i) {
    auto page = ombudsperson->ReadStream("access:os-1", 0, 0, "complaint 2025-17");
    REQUIRE(page.ok());
    CHECK(page->events.size() == 1);
  }
  CHECK(server.ledger().size() == size);
  CHECK(AccessRecords(server, "os-1").size() == 1);
}

TEST_CASE("who looked at this child's file and why is answered by its access stream",
          "[e2e][access]") {
  TestServer server;
  // A case that the police and child protection both worked on.
  {
    TestEvents events;
    auto cp_event = events.Make(CpEvent("who-1", "child-9", Jurisdiction::DK));
    EventSpec police_spec = CpEvent("who-1", "child-9", Jurisdiction::DK);
    police_spec.agency_id = TestServer::AgencyOf("police");
    police_spec.agency_role = AgencyRole::POLICE;
    police_spec.type = schema::Event::Body::CRIME_REPORTED;
    auto police_event = events.Make(police_spec);
    REQUIRE(server.ledger().Append("who-1", ExpectedVersion::NoStream(), std::span(&cp_event, 1)).ok());
    REQUIRE(server.ledger().Append("who-1", ExpectedVersion::Exact(0), std::span(&police_event, 1)).ok());
  }
  MakeCase(server, "who-2", "child-8", Jurisdiction::DK, 1);
  struct Look {
    const char* principal;
    const char* case_id;
    const char* purpose;
    bool allowed;
  };
  const Look looks[] = {
      {"childprotection", "who-1", "initial assessment", true},
      {"police", "who-1", "investigation 2025/118", true},
      {"health", "who-1", "looking around", false},  // took no part: refused, not recorded
      {"oversight", "who-1", "inspection of case handling", true},
      {"police", "who-2", "investigation 2025/118", false},
      {"childprotection", "who-1", "case conference preparation", true},
  };
  for (const Look& look : looks) {
    auto client = server.Connect(look.principal);
    auto page = client->ReadStream(look.case_id, 0, 0, look.purpose);
    INFO(look.principal << " reading " << look.case_id << ": " << page.status().ToString());
    CHECK(page.ok() == look.allowed);
  }
  REQUIRE(server.ledger().Checkpoint().ok());

  // The ombudsperson asks the server, and can check the answer against the signed tree.
  auto ombudsperson = server.Connect("ombudsperson");
  auto trail = ombudsperson->ReadStream("access:who-1", 0, 0, "complaint by guardian");
  REQUIRE(trail.ok());
  std::vector<std::pair<std::string, std::string>> who_why;
  for (const StoredEvent& e : trail->events) {
    auto body = e.reader().getBody().getRecordAccessed();
    who_why.emplace_back(Str(body.getAccessorId()), Str(body.getPurpose()));
    CHECK(Str(e.reader().getChildId()) == "child-9");
  }
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"childprotection", "initial assessment"},
      {"police", "investigation 2025/118"},
      {"oversight", "inspection of case handling"},
      {"childprotection", "case conference preparation"},
  };
  CHECK(who_why == expected);
  auto pinned = VerifierKey::Parse(server.ledger().VerifierKeyString());
  REQUIRE(pinned.ok());
  REQUIRE(!trail->events.empty());
  CHECK(ombudsperson->VerifyInclusion(trail->events.front(), *pinned).ok());
  CHECK(AccessRecords(server, "who-2").empty());
}

}  // namespace
}  // namespace caseledger
