#include "ledger/time_format.h"

#include <catch2/catch.hpp>

namespace caseledger {
namespace {

TEST_CASE("RFC 3339 times format in UTC with microseconds only when present", "[ledger][time]") {
  CHECK(FormatRfc3339(0) == "1970-01-01T00:00:00Z");
  CHECK(FormatRfc3339(1740992400LL * 1000000) == "2025-03-03T09:00:00Z");
  CHECK(FormatRfc3339(1740992400LL * 1000000 + 1500) == "2025-03-03T09:00:00.001500Z");
}

TEST_CASE("RFC 3339 parsing honours offsets and fractions", "[ledger][time]") {
  CHECK(*ParseRfc3339("2025-03-03T09:00:00Z") == 1740992400LL * 1000000);
  CHECK(*ParseRfc3339("2025-03-03T10:00:00+01:00") == 1740992400LL * 1000000);
  CHECK(*ParseRfc3339("2025-03-03T08:30:00-00:30") == 1740992400LL * 1000000);
  CHECK(*ParseRfc3339("2025-03-03T09:00:00.25Z") == 1740992400LL * 1000000 + 250000);
  CHECK(*ParseRfc3339("2025-03-03T09:00:00.123456789Z") == 1740992400LL * 1000000 + 123456);
  CHECK(*ParseRfc3339("1969-12-31T23:59:59Z") == -1000000);
  for (int64_t t : {0LL, 1740992400123456LL, 4102444800000000LL}) {
    CHECK(*ParseRfc3339(FormatRfc3339(t)) == t);
  }
}

TEST_CASE("RFC 3339 parsing refuses what is not a timestamp", "[ledger][time]") {
  for (const char* bad : {"", "2025-03-03", "2025-03-03T09:00:00", "2025-13-03T09:00:00Z",
                          "2025-02-30T09:00:00Z", "2025-03-03T25:00:00Z", "2025-03-03T09:00:00.Z",
                          "2025-03-03T09:00:00+1:00", "2025-03-03T09:00:00Zjunk", "yesterday"}) {
    INFO(bad);
    CHECK(ParseRfc3339(bad).status().IsInvalidArgument());
  }
}

}  // namespace
}  // namespace caseledger
