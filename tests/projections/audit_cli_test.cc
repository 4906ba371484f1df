// `caseledger query` on a data directory: the list, each format, the drill-down to a row's
// cases, and bad input. The cases are those of audit_test.cc (representative_wait there has
// two rows: dk-police-aarhus with no wait over 24 h, dk-police-cph with case a over it).
#include <catch2/catch.hpp>
#include <string>

#include "tests/projections/audit_cases.h"
#include "tests/support/run_process.h"

namespace caseledger {
namespace {

using testing::kT0;
using testing::audit::kDay;
using testing::audit::kHour;
using Role = schema::AgencyRole;

std::string Cli(const std::string& args, int* code) {
  auto [exit_code, out] = testing::RunCaseledger(CASELEDGER_CLI, args);
  *code = exit_code;
  return out;
}

TEST_CASE(
    "caseledger query lists the queries and answers as a table, CSV or JSON with the "
    "cases behind each row",
    "[audit][cli]") {
  namespace t = testing::audit;
  t::AuditCases c;
  c.Add("dk-case-a", kT0, "dk-police-cph", Role::POLICE, t::Presumed(schema::Answer::YES));
  c.Add("dk-case-a", kT0 + 30 * kHour, "dk-guardianship", Role::GUARDIANSHIP,
        t::ProvisionalRepresentative("rep-owl"));
  c.Add("dk-case-b", kT0 + kDay, "dk-police-aarhus", Role::POLICE,
        t::Presumed(schema::Answer::YES));
  c.Add("dk-case-b", kT0 + kDay + 2 * kHour, "dk-guardianship", Role::GUARDIANSHIP,
        t::ProvisionalRepresentative("rep-wren"));
  REQUIRE(c.ledger().Checkpoint().ok());
  const std::string data = " --data " + c.data_dir();
  const std::string as_of = " --as-of 2025-05-01";
  int code = 0;

  std::string out = Cli("query list", &code);
  CHECK(code == 0);
  CHECK(out.find("representative_wait  (obligations.md 5.1)") != std::string::npos);
  CHECK(out.find("record_access  (obligations.md 5.17)") != std::string::npos);

  out = Cli("query representative_wait" + data + as_of, &code);
  INFO(out);
  CHECK(code == 0);
  CHECK(out.find("query representative_wait hours=24 as of 2025-05-01T00:00:00Z") !=
        std::string::npos);
  CHECK(out.find("newest signed checkpoint: size ") != std::string::npos);
  CHECK(out.find("(covers every event behind this answer)") != std::string::npos);
  CHECK(out.find("dk-police-cph") != std::string::npos);
  CHECK(out.find("30.0") != std::string::npos);
  CHECK(out.find("caseledger timeline --data DIR --case dk-case-a") != std::string::npos);

  out = Cli("query representative_wait" + data + as_of + " --format csv", &code);
  CHECK(code == 0);
  // Stderr (the position line) and stdout arrive together here: find the CSV in it.
  CHECK(out.find("jurisdiction,agency,year,cases,overThreshold,stillWaiting,medianHours,p90Hours,"
                 "caseIds\r\n"
                 "DK,dk-police-aarhus,2025,1,0,0,2.0,2.0,\r\n"
                 "DK,dk-police-cph,2025,1,1,0,30.0,30.0,dk-case-a\r\n") != std::string::npos);
  CHECK(out.find("ledger position 6; newest signed checkpoint: size 6") != std::string::npos);

  out = Cli("query representative_wait" + data + as_of + " --format json --param hours=1", &code);
  CHECK(code == 0);
  CHECK(out.find("\"params\":{\"hours\":\"1\"}") != std::string::npos);
  CHECK(out.find("\"caseIds\":[\"dk-case-b\"]") != std::string::npos);

  out = Cli("query representative_wait" + data + as_of + " --row 2", &code);
  CHECK(code == 0);
  CHECK(out.find("dk-case-a\n") != std::string::npos);
  CHECK(out.find("open one: caseledger timeline --data ") != std::string::npos);
  CHECK(out.find("dk-case-b") == std::string::npos);

  out = Cli("query representative_wait" + data + " --param colour=red", &code);
  CHECK(code == 2);
  CHECK(out.find("no parameter \"colour\"") != std::string::npos);
  out = Cli("query representative_wait" + data + " --param hours", &code);
  CHECK(code == 2);
  out = Cli("query no_such" + data, &code);
  CHECK(code == 2);
  CHECK(out.find("caseledger query list") != std::string::npos);
  out = Cli("query representative_wait" + data + " --format xml", &code);
  CHECK(code == 2);
  out = Cli("query representative_wait" + data + as_of + " --row 9", &code);
  CHECK(code == 2);
}

}  // namespace
}  // namespace caseledger
