#include "ledger/event_json.h"

#include <capnp/message.h>
#include <catch2/catch.hpp>

#include "ledger/event_validation.h"
#include "tests/support/test_events.h"

namespace caseledger {
namespace {

const char kValid[] =
    R"({"eventId":"000102030405060708090a0b0c0d0e0f","caseId":"NO-2025-000001",)"
    R"("childId":"child-1","dataClass":"ordinary","occurredAt":"2025-03-03T10:00:00+01:00",)"
    R"("jurisdiction":"NO","agencyId":"no-cp-oslo","agencyRole":"childProtection",)"
    R"("actorId":"worker-17","body":{"caseConferenceHeld":{"kind":"initial",)"
    R"("attendees":["childProtection","police"]}},)"
    R"("personal":{"givenName":"Kalu","familyName":"Renvi"}})";

Status Parse(const std::string& json, capnp::MallocMessageBuilder* msg) {
  static const EventJson codec;
  return codec.ParseEvent(json, msg->initRoot<schema::Event>());
}

std::string Replace(std::string s, const std::string& from, const std::string& to) {
  auto pos = s.find(from);
  REQUIRE(pos != std::string::npos);
  return s.replace(pos, from.size(), to);
}

TEST_CASE("a JSON event parses with hex ids, RFC 3339 times and ISO jurisdiction codes",
          "[ledger][json]") {
  capnp::MallocMessageBuilder msg;
  REQUIRE(Parse(kValid, &msg).ok());
  auto ev = msg.getRoot<schema::Event>().asReader();
  CHECK(ev.getEventId().size() == 16);
  CHECK(ev.getEventId()[15] == 0x0f);
  CHECK(ev.getOccurredAt() == testing::kT0);
  CHECK(ev.getJurisdiction() == schema::Jurisdiction::NO);
  CHECK(ev.getBody().isCaseConferenceHeld());
  CHECK(ev.getBody().getCaseConferenceHeld().getAttendees().size() == 2);
  CHECK(ev.getPersonal().getGivenName() == "Kalu");
  CHECK(ValidateClientEvent(ev, testing::kT0, 0).ok());
}

TEST_CASE("formatting then parsing gives the same event", "[ledger][json]") {
  testing::TestEvents t;
  auto ev = t.Make({.given_name = "Kalu"});
  EventJson codec;
  const std::string json = codec.Format(ev);
  CHECK(json.find("\"occurredAt\":\"2025-03-03T09:00:00Z\"") != std::string::npos);
  CHECK(json.find("\"jurisdiction\":\"NO\"") != std::string::npos);
  capnp::MallocMessageBuilder msg;
  REQUIRE(codec.ParseEvent(json, msg.initRoot<schema::Event>()).ok());
  CHECK(codec.Format(msg.getRoot<schema::Event>().asReader()) == json);
}

TEST_CASE("positions and versions print as JSON numbers", "[ledger][json]") {
  capnp::MallocMessageBuilder msg;
  REQUIRE(Parse(kValid, &msg).ok());
  msg.getRoot<schema::Event>().setGlobalPosition(42);
  EventJson codec;
  const std::string json = codec.Format(msg.getRoot<schema::Event>().asReader());
  CHECK(json.find("\"globalPosition\":42") != std::string::npos);
  CHECK(json.find("\"caseId\":\"NO-2025-000001\"") != std::string::npos);
}

TEST_CASE("bad JSON input gets an error naming what is wrong", "[ledger][json][validation]") {
  capnp::MallocMessageBuilder msg;
  SECTION("malformed JSON") { CHECK(Parse("{\"eventId\":", &msg).IsInvalidArgument()); }
  SECTION("not an object") { CHECK(Parse("[1,2]", &msg).IsInvalidArgument()); }
  SECTION("an unknown field") {
    Status s = Parse(Replace(kValid, "\"occurredAt\"", "\"occuredAt\""), &msg);
    REQUIRE(s.IsInvalidArgument());
    CHECK_THAT(s.message(), Catch::Contains("occuredAt"));
  }
  SECTION("an unknown field inside the body") {
    CHECK(Parse(Replace(kValid, "\"kind\"", "\"kindd\""), &msg).IsInvalidArgument());
  }
  SECTION("an id that is not hex") {
    Status s = Parse(Replace(kValid, "000102030405060708090a0b0c0d0e0f",
                             "zz0102030405060708090a0b0c0d0e0f"),
                     &msg);
    REQUIRE(s.IsInvalidArgument());
    CHECK_THAT(s.message(), Catch::Contains("eventId"));
  }
  SECTION("a number where an id belongs") {
    CHECK(Parse(Replace(kValid, "\"000102030405060708090a0b0c0d0e0f\"", "17"), &msg)
              .IsInvalidArgument());
  }
  SECTION("a time that is not RFC 3339") {
    Status s = Parse(Replace(kValid, "2025-03-03T10:00:00+01:00", "last Tuesday"), &msg);
    REQUIRE(s.IsInvalidArgument());
    CHECK_THAT(s.message(), Catch::Contains("RFC 3339"));
  }
  SECTION("an unknown enum value") {
    CHECK(Parse(Replace(kValid, "\"NO\"", "\"XX\""), &msg).IsInvalidArgument());
  }
  SECTION("an enum given by its number") {
    Status s = Parse(Replace(kValid, "\"NO\"", "7"), &msg);
    REQUIRE(s.IsInvalidArgument());
    CHECK_THAT(s.message(), Catch::Contains("jurisdiction"));
  }
  SECTION("an enum in a list given by its number") {
    CHECK(Parse(Replace(kValid, "[\"childProtection\",\"police\"]", "[\"police\",4]"), &msg)
              .IsInvalidArgument());
  }
  SECTION("an unknown field is named without the codec's internals") {
    Status s = Parse(Replace(kValid, "\"actorId\"", "\"bogus\":1,\"actorId\""), &msg);
    REQUIRE(s.IsInvalidArgument());
    CHECK_THAT(s.message(), Catch::Contains("unknown field \"bogus\""));
    CHECK_THAT(s.message(), !Catch::Contains("codec"));
  }
  SECTION("a string where a list belongs") {
    CHECK(Parse(Replace(kValid, "[\"childProtection\",\"police\"]", "\"police\""), &msg)
              .IsInvalidArgument());
  }
}

}  // namespace
}  // namespace caseledger
