// Need to know and the erasure workflow over the server (docs/privacy.md; issue 7): who may
// open a case's sealed personal data, that every opening needs a purpose and leaves an access
// record with unsealed = true, and that an erasure decided through the server (refused under a
// legal hold) leaves the data erased and the ledger verifiable. The server is stopped and
// started again on the same data directory between steps, so that nothing depends on memory.
#include <catch2/catch.hpp>

#include <capnp/message.h>
#include <capnp/serialize.h>

#include <cstring>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "ledger/ledger.h"
#include "schema/protocol.capnp.h"
#include "server/client.h"
#include "server/config.h"
#include "tests/support/run_process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_events.h"
#include "tests/support/test_server.h"

namespace caseledger {
namespace {

using schema::AgencyRole;
using schema::Event;
using testing::EventSpec;
using testing::TempDir;
using testing::TestEvents;
using testing::TestServer;
using State = UnsealedPersonal::State;

// Invented for these tests; never a real person.
constexpr char kGivenName[] = "Zorbalina";
constexpr char kFamilyName[] = "Testperson";  // what TestEvents puts beside a given name
constexpr char kCase[] = "priv-case-1";
constexpr char kChild[] = "child-priv-1";
constexpr char kPurpose[] = "placement review, case worker";

std::string Str(capnp::Text::Reader text) { return {text.cStr(), text.size()}; }

// A server on `data_dir`; `grant` names principals given `unseal = true`.
std::unique_ptr<TestServer> Start(const std::string& data_dir,
                                  const std::vector<std::string>& grant = {}) {
  return std::make_unique<TestServer>([&](server::ServerConfig& config) {
    config.data_dir = data_dir;
    for (auto& p : config.principals) {
      for (const auto& name : grant) {
        if (p.id == name) p.unseal = true;
      }
    }
  });
}

EventSpec CpSpec() {
  EventSpec spec;
  spec.case_id = kCase;
  spec.child_id = kChild;
  spec.agency_id = TestServer::AgencyOf("childprotection");
  spec.agency_role = AgencyRole::CHILD_PROTECTION;
  spec.jurisdiction = schema::Jurisdiction::DK;
  return spec;
}

// The case: a conference with the child's name in its personal section, one without.
void MakeCase(TestServer& server) {
  TestEvents events;
  EventSpec named = CpSpec();
  named.given_name = kGivenName;
  std::vector<Event::Reader> batch = {events.Make(named), events.Make(CpSpec())};
  auto cp = server.Connect("childprotection");
  auto r = cp->Append(kCase, ExpectedVersion::NoStream(), batch);
  REQUIRE(r.ok());
}

// A system event of the erasure workflow as the admin principal records it.
class AdminEvents {
 public:
  Event::Reader Make(Event::Body::Which type, schema::ErasureDecided::Decision decision =
                                                  schema::ErasureDecided::Decision::EXECUTED) {
    auto msg = std::make_unique<capnp::MallocMessageBuilder>();
    auto ev = msg->initRoot<Event>();
    const std::string id = TestEvents::FreshId();
    ev.setEventId(capnp::Data::Reader(reinterpret_cast<const uint8_t*>(id.data()), id.size()));
    ev.setCaseId(kCase);
    ev.setChildId(kChild);
    ev.setDataClass(schema::DataClass::ORDINARY);
    ev.setOccurredAt(testing::kT0);
    ev.setJurisdiction(schema::Jurisdiction::DK);
    ev.setAgencyId(TestServer::AgencyOf("admin"));
    ev.setAgencyRole(AgencyRole::SYSTEM);
    ev.setActorId("dpo-1");
    switch (type) {
      case Event::Body::ERASURE_REQUESTED: {
        request_id_ = id;  // the decisions made after it answer it
        auto b = ev.initBody().initErasureRequested();
        b.setRequestRef("era-1");
        b.setRequester(schema::ErasureRequested::Requester::GUARDIAN);
        b.setScope(schema::ErasureRequested::Scope::ALL_PERSONAL_DATA);
        break;
      }
      case Event::Body::ERASURE_DECIDED: {
        auto b = ev.initBody().initErasureDecided();
        b.setRequestRef("era-1");
        b.setRequestEventRef(capnp::Data::Reader(
            reinterpret_cast<const uint8_t*>(request_id_.data()), request_id_.size()));
        b.setDecision(decision);
        b.setGrounds("GDPR Art 17(1)(a)");
        break;
      }
      case Event::Body::LEGAL_HOLD_APPLIED: {
        auto b = ev.initBody().initLegalHoldApplied();
        b.setHoldId("hold-7");
        b.setReason(schema::LegalHoldApplied::Reason::CRIMINAL_PROCEEDINGS);
        break;
      }
      case Event::Body::LEGAL_HOLD_RELEASED: {
        ev.initBody().initLegalHoldReleased().setHoldId("hold-7");
        break;
      }
      default:
        FAIL("no such admin event in this test");
    }
    messages_.push_back(std::move(msg));
    return messages_.back()->getRoot<Event>().asReader();
  }

 private:
  std::vector<std::unique_ptr<capnp::MallocMessageBuilder>> messages_;
  std::string request_id_;  // of the newest erasure request made
};

Result<AppendResult> AppendAs(TestServer& server, const std::string& principal,
                              Event::Reader event) {
  auto client = server.Connect(principal);
  return client->Append(kCase, ExpectedVersion::Any(), std::span(&event, 1));
}

Result<server::ReadPage> ReadAs(TestServer& server, const std::string& principal, bool unseal,
                                const std::string& purpose = kPurpose) {
  auto client = server.Connect(principal);
  return client->ReadStream(kCase, 0, 100, purpose, unseal);
}

std::string GivenNameOf(const UnsealedPersonal& opened) {
  REQUIRE(opened.state == State::kOpen);
  REQUIRE(opened.canonical.size() % sizeof(capnp::word) == 0);
  auto words = kj::heapArray<capnp::word>(opened.canonical.size() / sizeof(capnp::word));
  std::memcpy(words.begin(), opened.canonical.data(), opened.canonical.size());
  kj::ArrayPtr<const capnp::word> segments[1] = {words.asPtr()};
  capnp::SegmentArrayMessageReader reader(kj::arrayPtr(segments, 1));
  auto data = reader.getRoot<schema::PersonalData>();
  CHECK(Str(data.getFamilyName()) == kFamilyName);
  return Str(data.getGivenName());
}

// The access records of the case, as stored: (unsealed, query) of each.
std::vector<std::pair<bool, std::string>> AccessRecords(TestServer& server) {
  auto events = server.ledger().ReadStream(std::string("access:") + kCase, 0, 1000);
  if (events.status().IsNotFound()) return {};
  REQUIRE(events.ok());
  std::vector<std::pair<bool, std::string>> out;
  for (const auto& ev : *events) {
    auto body = ev.reader().getBody().getRecordAccessed();
    out.emplace_back(body.getUnsealed(), Str(body.getQuery()));
  }
  return out;
}

TEST_CASE("an agency working the case opens its personal data with a purpose, and the access "
          "is recorded as unsealed",
          "[privacy][e2e]") {
  TempDir dir;
  const std::string data = dir.Sub("data");
  {
    auto server = Start(data);
    MakeCase(*server);
  }
  auto server = Start(data);
  auto page = ReadAs(*server, "childprotection", /*unseal=*/true);
  REQUIRE(page.ok());
  REQUIRE(page->events.size() == 2);
  REQUIRE(page->personal.size() == 2);
  CHECK(GivenNameOf(page->personal[0]) == kGivenName);
  CHECK(page->personal[1].state == State::kNone);
  // The events themselves stay as stored: sealed, nothing opened inside them.
  CHECK(page->events[0].reader().hasSealed());
  CHECK_FALSE(page->events[0].reader().hasPersonal());

  auto records = AccessRecords(*server);
  REQUIRE(records.size() == 1);
  CHECK(records[0].first);
  CHECK(records[0].second == "readStream case=priv-case-1 fromVersion=0 limit=100 unseal");

  // A read without unseal stays as before: pseudonyms only, recorded as not unsealed.
  server.reset();
  server = Start(data);
  auto plain = ReadAs(*server, "childprotection", /*unseal=*/false);
  REQUIRE(plain.ok());
  CHECK(plain->personal.empty());
  records = AccessRecords(*server);
  REQUIRE(records.size() == 2);
  CHECK_FALSE(records[1].first);
}

TEST_CASE("opening personal data needs a purpose, and a refused opening leaves no record",
          "[privacy][e2e]") {
  TempDir dir;
  const std::string data = dir.Sub("data");
  {
    auto server = Start(data);
    MakeCase(*server);
  }
  auto server = Start(data);
  auto page = ReadAs(*server, "childprotection", /*unseal=*/true, /*purpose=*/"");
  REQUIRE(page.status().IsInvalidArgument());
  CHECK(page.status().message().find("needs a purpose") != std::string::npos);
  CHECK(AccessRecords(*server).empty());
}

TEST_CASE("need to know per role: pseudonyms only for oversight, ombudspersons, witnesses and "
          "admins without a grant",
          "[privacy][e2e]") {
  TempDir dir;
  const std::string data = dir.Sub("data");
  {
    auto server = Start(data);
    MakeCase(*server);
  }
  {
    auto server = Start(data);
    // An agency that took no part: the same refusal as for any read of the case.
    auto police = ReadAs(*server, "police", true);
    CHECK(police.status().code() == Status::Code::kPermissionDenied);
    for (const char* who : {"ombudsperson", "oversight"}) {
      INFO(who);
      auto opened = ReadAs(*server, who, true);
      REQUIRE(opened.status().code() == Status::Code::kPermissionDenied);
      CHECK(opened.status().message().find("pseudonyms only") != std::string::npos);
      // Without unseal they read the case as before, with the personal section still sealed.
      auto plain = ReadAs(*server, who, false);
      REQUIRE(plain.ok());
      CHECK(plain->events.size() == 2);
      CHECK(plain->personal.empty());
      CHECK_FALSE(plain->events[0].reader().hasPersonal());
    }
    for (const char* who : {"witness", "admin"}) {
      INFO(who);
      CHECK(ReadAs(*server, who, true).status().code() == Status::Code::kPermissionDenied);
    }
    // Two plain reads were recorded; no refused opening was.
    auto records = AccessRecords(*server);
    REQUIRE(records.size() == 2);
    CHECK_FALSE(records[0].first);
    CHECK_FALSE(records[1].first);
  }
  // With the grant in the configuration, the ombudsperson may open the case; oversight, not
  // granted, still may not.
  auto server = Start(data, {"ombudsperson"});
  auto opened = ReadAs(*server, "ombudsperson", true);
  REQUIRE(opened.ok());
  REQUIRE(opened->personal.size() == 2);
  CHECK(GivenNameOf(opened->personal[0]) == kGivenName);
  CHECK(ReadAs(*server, "oversight", true).status().code() == Status::Code::kPermissionDenied);
  auto records = AccessRecords(*server);
  REQUIRE(records.size() == 3);
  CHECK(records[2].first);
}

TEST_CASE("the configuration gives the unseal grant to oversight and ombudspersons only",
          "[privacy]") {
  const std::string base = R"(
data_dir = "/tmp/x"
plain_tcp = true
master_key = "keys/master.key"
[[principal]]
id = "p1"
san = "URI:caseledger://principal/p1"
agency_id = "a1"
)";
  auto ok = server::ParseConfig(base + "agency_role = \"ombuds\"\nuser_role = \"ombudsperson\"\n"
                                       "unseal = true\n",
                                "/etc/caseledger");
  REQUIRE(ok.ok());
  CHECK(ok->principals[0].unseal);
  CHECK(ok->master_key == "/etc/caseledger/keys/master.key");
  for (const char* roles : {"agency_role = \"police\"\nuser_role = \"agency\"\n",
                            "agency_role = \"system\"\nuser_role = \"witness\"\n",
                            "agency_role = \"system\"\nuser_role = \"admin\"\n"}) {
    INFO(roles);
    auto refused = server::ParseConfig(base + roles + "unseal = true\n", "/etc/caseledger");
    REQUIRE(refused.status().IsInvalidArgument());
    CHECK(refused.status().message().find("unseal") != std::string::npos);
  }
}

TEST_CASE("erasure through the server: an agency may not decide it, a legal hold refuses it, "
          "after release it executes, reads show erased and the ledger verifies",
          "[privacy][e2e]") {
  TempDir dir;
  const std::string data = dir.Sub("data");
  AdminEvents admin;
  {
    auto server = Start(data);
    MakeCase(*server);
    REQUIRE(AppendAs(*server, "admin", admin.Make(Event::Body::ERASURE_REQUESTED)).ok());
  }
  {
    auto server = Start(data);
    // The decision is the controller's, through an admin: an agency's is refused.
    EventSpec spec = CpSpec();
    auto mine = admin.Make(Event::Body::ERASURE_DECIDED);
    capnp::MallocMessageBuilder as_cp;
    as_cp.setRoot(mine);
    as_cp.getRoot<Event>().setAgencyId(spec.agency_id);
    as_cp.getRoot<Event>().setAgencyRole(AgencyRole::CHILD_PROTECTION);
    auto refused = AppendAs(*server, "childprotection", as_cp.getRoot<Event>().asReader());
    CHECK(refused.status().code() == Status::Code::kPermissionDenied);
    REQUIRE(AppendAs(*server, "admin", admin.Make(Event::Body::LEGAL_HOLD_APPLIED)).ok());
  }
  {
    auto server = Start(data);
    auto head = server->ledger().GetStream(kCase);
    REQUIRE(head.ok());
    auto refused = AppendAs(*server, "admin", admin.Make(Event::Body::ERASURE_DECIDED));
    REQUIRE_FALSE(refused.ok());
    INFO(refused.status().ToString());
    // The ledger's refusal reaches the client whole: what, which hold, why.
    CHECK(refused.status().IsInvalidArgument());
    CHECK(refused.status().message().find("legal hold \"hold-7\"") != std::string::npos);
    CHECK(refused.status().message().find("is refused") != std::string::npos);
    auto after = server->ledger().GetStream(kCase);
    REQUIRE(after.ok());
    CHECK(after->head_version == head->head_version);
    // Nothing was erased: the case still opens.
    auto page = ReadAs(*server, "childprotection", true);
    REQUIRE(page.ok());
    CHECK(GivenNameOf(page->personal[0]) == kGivenName);
  }
  {
    auto server = Start(data);
    REQUIRE(AppendAs(*server, "admin", admin.Make(Event::Body::LEGAL_HOLD_RELEASED)).ok());
  }
  {
    auto server = Start(data);
    REQUIRE(AppendAs(*server, "admin", admin.Make(Event::Body::ERASURE_DECIDED)).ok());
  }
  {
    auto server = Start(data);
    auto page = ReadAs(*server, "childprotection", true);
    REQUIRE(page.ok());
    REQUIRE(page->events.size() == 6);
    CHECK(page->personal[0].state == State::kErased);
    CHECK(page->personal[1].state == State::kNone);
    // The audit facts remain: types, agencies, times; and the ciphertext, which proofs need.
    auto first = page->events[0].reader();
    CHECK(first.getBody().isCaseConferenceHeld());
    CHECK(Str(first.getAgencyId()) == TestServer::AgencyOf("childprotection"));
    CHECK(first.getOccurredAt() == testing::kT0);
    CHECK(first.hasSealed());
    CHECK(page->events[5].reader().getBody().isErasureDecided());
    // The unsealing read was recorded like any other.
    auto records = AccessRecords(*server);
    REQUIRE_FALSE(records.empty());
    CHECK(records.back().first);
  }
  auto [code, out] = testing::RunCaseledger(CASELEDGER_CLI, "verify --data " + data);
  INFO(out);
  CHECK(code == 0);
}

}  // namespace
}  // namespace caseledger
