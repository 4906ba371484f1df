// `caseledger read --unseal` as a user runs it, as a process: offline on a data directory with
// the master key, and over the network for a principal with need to know and a purpose
// (docs/privacy.md).
#include <catch2/catch.hpp>

#include <capnp/message.h>

#include <algorithm>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "ledger/ledger.h"
#include "tests/support/run_process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_events.h"
#include "tests/support/test_server.h"

namespace caseledger {
namespace {

using testing::EventSpec;
using testing::RunCaseledger;
using testing::TempDir;
using testing::TestEvents;
using testing::TestServer;

// Invented for these tests; never a real person.
constexpr char kGivenName[] = "Quillonia";
constexpr char kCase[] = "unseal-cli-1";

bool Has(const std::string& text, const std::string& what) {
  return text.find(what) != std::string::npos;
}

EventSpec CpSpec(bool named) {
  EventSpec spec;
  spec.case_id = kCase;
  spec.child_id = "child-u1";
  spec.agency_id = TestServer::AgencyOf("childprotection");
  spec.agency_role = schema::AgencyRole::CHILD_PROTECTION;
  spec.jurisdiction = schema::Jurisdiction::DK;
  if (named) spec.given_name = kGivenName;
  return spec;
}

// The controller's executed erasure of the child (as an admin records it over the server).
void EraseChild(Ledger& ledger) {
  capnp::MallocMessageBuilder message;
  auto ev = message.initRoot<schema::Event>();
  const std::string id = TestEvents::FreshId();
  ev.setEventId(capnp::Data::Reader(reinterpret_cast<const uint8_t*>(id.data()), id.size()));
  ev.setCaseId(kCase);
  ev.setChildId("child-u1");
  ev.setDataClass(schema::DataClass::ORDINARY);
  ev.setOccurredAt(testing::kT0);
  ev.setJurisdiction(schema::Jurisdiction::DK);
  ev.setAgencyId("caseledger-ops");
  ev.setAgencyRole(schema::AgencyRole::SYSTEM);
  ev.setActorId("dpo-1");
  // The request it answers (R31), recorded in the same append.
  capnp::MallocMessageBuilder request_message;
  request_message.setRoot(ev.asReader());
  auto request = request_message.getRoot<schema::Event>();
  const std::string request_id = TestEvents::FreshId();
  request.setEventId(
      capnp::Data::Reader(reinterpret_cast<const uint8_t*>(request_id.data()), request_id.size()));
  auto asked = request.initBody().initErasureRequested();
  asked.setRequestRef("era-9");
  asked.setRequester(schema::ErasureRequested::Requester::CHILD);
  asked.setScope(schema::ErasureRequested::Scope::ALL_PERSONAL_DATA);
  auto body = ev.initBody().initErasureDecided();
  body.setRequestRef("era-9");
  body.setRequestEventRef(
      capnp::Data::Reader(reinterpret_cast<const uint8_t*>(request_id.data()), request_id.size()));
  body.setDecision(schema::ErasureDecided::Decision::EXECUTED);
  std::vector<schema::Event::Reader> both = {request.asReader(), ev.asReader()};
  REQUIRE(ledger.Append(kCase, ExpectedVersion::Any(), both).ok());
}

void AppendCase(Ledger& ledger) {
  TestEvents events;
  std::vector<schema::Event::Reader> batch = {events.Make(CpSpec(true)),
                                              events.Make(CpSpec(false))};
  REQUIRE(ledger.Append(kCase, ExpectedVersion::NoStream(), batch).ok());
}

TEST_CASE("read --unseal on a data directory prints the personal section with the schema's "
          "field names",
          "[privacy][cli]") {
  TempDir dir;
  const std::string data = dir.Sub("data");
  {
    LedgerOptions options;
    options.data_dir = data;
    auto ledger = Ledger::Open(options);
    REQUIRE(ledger.ok());
    AppendCase(**ledger);
  }
  auto [code, out] =
      RunCaseledger(CASELEDGER_CLI, "read --data " + data + " --case " + kCase + " --unseal");
  INFO(out);
  REQUIRE(code == 0);
  CHECK(Has(out, std::string("\"personal\":{\"givenName\":\"") + kGivenName +
                     "\",\"familyName\":\"Testperson\"}"));
  // One line per event; the second has no personal data and so no "personal".
  CHECK(std::count(out.begin(), out.end(), '\n') == 2);
  CHECK(out.find("\"personal\"") == out.rfind("\"personal\""));

  // Without --unseal the name is nowhere in the output.
  auto [plain_code, plain] = RunCaseledger(CASELEDGER_CLI, "read --data " + data + " --case " + kCase);
  REQUIRE(plain_code == 0);
  CHECK_FALSE(Has(plain, kGivenName));

  // --unseal opens one case, not the global log.
  auto [log_code, log] =
      RunCaseledger(CASELEDGER_CLI, "read --data " + data + " --from-position 0 --unseal");
  CHECK(log_code == 2);
  CHECK(Has(log, "--case"));

  // Another master key opens nothing: a clear refusal, no personal data printed.
  const std::string other = dir.Sub("other.key");
  auto [new_code, new_out] = RunCaseledger(CASELEDGER_CLI, "keys new --out " + other);
  REQUIRE(new_code == 0);
  auto [wrong_code, wrong] = RunCaseledger(
      CASELEDGER_CLI, "read --data " + data + " --case " + kCase + " --unseal --master-key " + other);
  INFO(wrong);
  CHECK(wrong_code != 0);
  CHECK(Has(wrong, "master key"));
  CHECK_FALSE(Has(wrong, kGivenName));

  // After an executed erasure the same read shows the data as erased, the events still there.
  {
    LedgerOptions options;
    options.data_dir = data;
    auto ledger = Ledger::Open(options);
    REQUIRE(ledger.ok());
    EraseChild(**ledger);
  }
  auto [erased_code, erased] =
      RunCaseledger(CASELEDGER_CLI, "read --data " + data + " --case " + kCase + " --unseal");
  INFO(erased);
  REQUIRE(erased_code == 0);
  CHECK(std::count(erased.begin(), erased.end(), '\n') == 4);  // with the erasure request
  CHECK(Has(erased, "\"personal\":\"erased\",\"eventId\""));
  CHECK(Has(erased, "caseConferenceHeld"));
  CHECK_FALSE(Has(erased, kGivenName));
}

TEST_CASE("read --unseal over the server needs a purpose and need to know", "[privacy][cli]") {
  auto server = std::make_unique<TestServer>();
  {
    TestEvents events;
    std::vector<schema::Event::Reader> batch = {events.Make(CpSpec(true)),
                                                events.Make(CpSpec(false))};
    auto cp = server->Connect("childprotection");
    REQUIRE(cp->Append(kCase, ExpectedVersion::NoStream(), batch).ok());
  }
  auto as = [&](const std::string& who) {
    return "read --server " + server->address() + " --tls-dir " + server->cert_dir() + " --as " +
           who + " --case " + kCase + " --unseal";
  };
  auto [code, out] = RunCaseledger(CASELEDGER_CLI, as("childprotection") + " --purpose 'case review'");
  INFO(out);
  REQUIRE(code == 0);
  CHECK(Has(out, std::string("\"givenName\":\"") + kGivenName + "\""));

  auto [no_purpose, why] = RunCaseledger(CASELEDGER_CLI, as("childprotection"));
  CHECK(no_purpose == 2);
  CHECK(Has(why, "--purpose"));
  CHECK_FALSE(Has(why, kGivenName));

  auto [ombuds, refused] = RunCaseledger(CASELEDGER_CLI, as("ombudsperson") + " --purpose audit");
  CHECK(ombuds == 1);
  CHECK(Has(refused, "pseudonyms only"));
  CHECK_FALSE(Has(refused, kGivenName));

  auto [master, master_out] =
      RunCaseledger(CASELEDGER_CLI, as("childprotection") + " --purpose x --master-key /tmp/k");
  CHECK(master == 2);
  CHECK(Has(master_out, "server holds the key"));
}

}  // namespace
}  // namespace caseledger
