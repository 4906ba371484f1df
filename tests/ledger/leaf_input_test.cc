// The worked example of docs/verification.md, byte for byte: if the stored encoding of an
// event ever changes, this test fails and the document must change with it.
#include <capnp/message.h>
#include <catch2/catch.hpp>

#include "ledger/event_json.h"
#include "ledger/hash.h"
#include "ledger/ledger.h"
#include "ledger/time_format.h"
#include "tests/support/temp_dir.h"

namespace caseledger {
namespace {

// docs/verification.md, "Worked example".
constexpr char kEventJson[] =
    R"({"eventId":"000102030405060708090a0b0c0d0e0f","caseId":"NO-1","childId":"c-1",)"
    R"("dataClass":"ordinary","occurredAt":"2025-03-03T09:00:00Z","jurisdiction":"NO",)"
    R"("agencyId":"cp","agencyRole":"childProtection","actorId":"w-7",)"
    R"("body":{"caseConferenceHeld":{"kind":"initial","attendees":["childProtection","police"]}}})";
constexpr char kRecordedAt[] = "2025-03-03T09:05:00Z";
// Word by word as docs/verification.md explains them.
constexpr char kLeafInputHex[] =
    "0000000006000d00"                                  // root: struct, 6 data words, 13 pointers
    "0000000000000000"                                  // streamVersion 0
    "0000000000000000"                                  // globalPosition 0
    "0100070004001600"                                  // dataClass, jurisdiction, agencyRole, body
    "00048f616c2f0600"                                  // occurredAt
    "00a770736c2f0600"                                  // recordedAt
    "0100000000000000"                                  // schemaVersion 1
    "3100000082000000"                                  // ptr 0: eventId
    "350000002a000000"                                  // ptr 1: caseId
    "3500000022000000"                                  // ptr 2: childId
    "350000001a000000"                                  // ptr 3: agencyId
    "3500000022000000"                                  // ptr 4: actorId
    "0000000000000000" "0000000000000000" "0000000000000000" "0000000000000000"
    "0000000000000000" "0000000000000000" "0000000000000000"  // ptrs 5-11: null
    "1800000001000100"                                  // ptr 12: body.caseConferenceHeld
    "0001020304050607" "08090a0b0c0d0e0f"               // eventId bytes
    "4e4f2d3100000000"                                  // "NO-1"
    "632d310000000000"                                  // "c-1"
    "6370000000000000"                                  // "cp"
    "772d370000000000"                                  // "w-7"
    "0100000000000000"                                  // CaseConferenceHeld data: kind initial
    "0100000013000000"                                  // its ptr 0: attendees
    "0400010000000000";                                 // [childProtection, police]
constexpr char kLeafHash[] = "ce2c9ad37730473ebb7adac294ac646dfc1fc624cc5118d45d5a217759e4bbd2";

TEST_CASE("the documented leaf input is what the ledger stores and hashes",
          "[ledger][verify][format]") {
  testing::TempDir dir;
  auto recorded = ParseRfc3339(kRecordedAt);
  REQUIRE(recorded.ok());
  ManualClock clock(*recorded);
  LedgerOptions o;
  o.data_dir = dir.Sub("data");
  o.clock = &clock;
  auto ledger = Ledger::Open(o);
  REQUIRE(ledger.ok());
  capnp::MallocMessageBuilder msg;
  EventJson json;
  REQUIRE(json.ParseEvent(kEventJson, msg.initRoot<schema::Event>()).ok());
  std::vector<schema::Event::Reader> events{msg.getRoot<schema::Event>().asReader()};
  REQUIRE((*ledger)->Append("NO-1", ExpectedVersion::NoStream(), events).ok());
  auto stored = (*ledger)->ReadEvent(0);
  REQUIRE(stored.ok());
  CHECK(ToHex(stored->bytes()) == kLeafInputHex);
  CHECK(ToHex(LeafHash(stored->bytes())) == kLeafHash);
  CHECK(stored->bytes().size() == 232);
}

}  // namespace
}  // namespace caseledger
