#include "ledger/event_validation.h"

#include <capnp/message.h>
#include <catch2/catch.hpp>

#include "tests/support/test_events.h"

namespace caseledger {
namespace {

using testing::kT0;

// A valid event in a builder that each section then breaks in one way.
struct Broken {
  capnp::MallocMessageBuilder msg;
  schema::Event::Builder ev;
  Broken() : ev(nullptr) {
    testing::TestEvents t;
    msg.setRoot(t.Make());
    ev = msg.getRoot<schema::Event>();
  }
  Status Validate() { return ValidateClientEvent(ev.asReader(), kT0, 5LL * 60 * 1000000); }
};

TEST_CASE("a well-formed event validates", "[ledger][validation]") {
  Broken b;
  CHECK(b.Validate().ok());
}

TEST_CASE("validation names the first wrong field", "[ledger][validation]") {
  Broken b;
  std::string expect;
  SECTION("event id of the wrong length") {
    b.ev.setEventId(capnp::Data::Reader(reinterpret_cast<const uint8_t*>("short"), 5));
    expect = "eventId";
  }
  SECTION("case id with a space") {
    b.ev.setCaseId("case 1");
    expect = "caseId";
  }
  SECTION("case id too long") {
    b.ev.setCaseId(std::string(129, 'c'));
    expect = "caseId";
  }
  SECTION("no child id") {
    b.ev.setChildId("");
    expect = "childId";
  }
  SECTION("unspecified jurisdiction") {
    b.ev.setJurisdiction(schema::Jurisdiction::UNSPECIFIED);
    expect = "jurisdiction";
  }
  SECTION("unspecified agency role") {
    b.ev.setAgencyRole(schema::AgencyRole::UNSPECIFIED);
    expect = "agencyRole";
  }
  SECTION("unspecified data class") {
    b.ev.setDataClass(schema::DataClass::UNSPECIFIED);
    expect = "dataClass";
  }
  SECTION("an enum value this schema does not know") {
    b.ev.setAgencyRole(static_cast<schema::AgencyRole>(999));
    expect = "unknown value 999";
  }
  SECTION("no actor") {
    b.ev.setActorId("");
    expect = "actorId";
  }
  SECTION("no occurred-at") {
    b.ev.setOccurredAt(0);
    expect = "occurredAt";
  }
  SECTION("no body") {
    b.ev.getBody().setUnspecified();
    expect = "body";
  }
  SECTION("a body enum left unspecified") {
    b.ev.getBody().getCaseConferenceHeld().setKind(schema::CaseConferenceHeld::Kind::UNSPECIFIED);
    expect = "body.caseConferenceHeld.kind";
  }
  SECTION("an unspecified enum inside a list") {
    b.ev.getBody().getCaseConferenceHeld().getAttendees().set(1, schema::AgencyRole::UNSPECIFIED);
    expect = "attendees[1]";
  }
  SECTION("a required list left empty") {
    b.ev.getBody().getCaseConferenceHeld().initAttendees(0);
    expect = "attendees is required";
  }
  SECTION("a field the ledger sets") {
    b.ev.setGlobalPosition(7);
    expect = "set by the ledger";
  }
  SECTION("sealed sent by the client") {
    b.ev.initSealed(4);
    expect = "set by the ledger";
  }
  SECTION("a correction id of the wrong length") {
    b.ev.setSupersedes(capnp::Data::Reader(reinterpret_cast<const uint8_t*>("abc"), 3));
    expect = "supersedes";
  }
  SECTION("occurred-at beyond the clock skew") {
    b.ev.setOccurredAt(kT0 + 10LL * 60 * 1000000);
    expect = "clock skew";
  }
  Status s = b.Validate();
  REQUIRE(s.IsInvalidArgument());
  CHECK_THAT(s.message(), Catch::Contains(expect));
}

TEST_CASE("an enum marked optional may stay unspecified", "[ledger][validation]") {
  Broken b;
  // Contact.kind is $optional.
  auto contacts = b.ev.initPersonal().initContacts(1);
  contacts[0].setValue("+00 0000 0000");
  CHECK(contacts[0].getKind() == schema::Contact::Kind::UNSPECIFIED);
  CHECK(b.Validate().ok());
}

}  // namespace
}  // namespace caseledger
