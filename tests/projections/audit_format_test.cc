// The shapes of an audit answer: RFC 4180 CSV, JSON with its drill-down ids, and the table
// with the checkpoint line and the way to a row's case timeline. Built from a result written
// by hand, so each expected byte is known.
#include <capnp/compat/json.h>
#include <capnp/message.h>

#include <catch2/catch.hpp>
#include <string>

#include "projections/audit.h"
#include "tests/support/test_events.h"

namespace caseledger {
namespace {

using projections::AuditResult;

AuditResult Example() {
  AuditResult r;
  r.query = "repeat_interviews";
  r.params = {{"count", "2"}};
  r.as_of = testing::kT0;  // 2025-03-03T09:00:00Z
  r.position = 120;
  r.checkpoint_size = 100;
  r.columns = {"case", "note"};
  r.rows.push_back({{"case-fox", "plain"}, {"case-fox"}});
  r.rows.push_back({{"case-owl", "a, \"quoted\"\nline"}, {"case-lynx", "case-owl"}});
  return r;
}

TEST_CASE("audit CSV is RFC 4180 with the case ids as the last column", "[audit]") {
  CHECK(projections::FormatAuditCsv(Example()) ==
        "case,note,caseIds\r\n"
        "case-fox,plain,case-fox\r\n"
        "case-owl,\"a, \"\"quoted\"\"\nline\",case-lynx case-owl\r\n");
}

TEST_CASE("audit JSON carries the query, position, checkpoint, columns and each row's case ids",
          "[audit]") {
  const std::string json = projections::FormatAuditJson(Example());
  capnp::MallocMessageBuilder msg;
  auto root = msg.initRoot<capnp::JsonValue>();
  capnp::JsonCodec codec;
  codec.decodeRaw(kj::ArrayPtr<const char>(json.data(), json.size()), root);
  std::map<std::string, capnp::JsonValue::Reader> top;
  for (auto f : root.asReader().getObject()) top.emplace(f.getName().cStr(), f.getValue());
  CHECK(std::string(top.at("query").getString().cStr()) == "repeat_interviews");
  CHECK(std::string(top.at("asOf").getString().cStr()) == "2025-03-03T09:00:00Z");
  CHECK(top.at("position").getNumber() == 120);
  CHECK(top.at("checkpointSize").getNumber() == 100);
  CHECK(top.at("checkpointCovers").getBoolean() == false);  // 100 < 120
  CHECK(top.at("params").getObject()[0].getName() == "count");
  CHECK(top.at("columns").getArray().size() == 2);
  auto rows = top.at("rows").getArray();
  REQUIRE(rows.size() == 2);
  auto row = rows[1].getObject();
  CHECK(row[0].getName() == "cells");
  CHECK(row[0].getValue().getArray()[1].getString() == "a, \"quoted\"\nline");
  CHECK(row[1].getName() == "values");
  CHECK(row[1].getValue().getObject()[0].getName() == "case");
  CHECK(row[2].getName() == "caseIds");
  CHECK(row[2].getValue().getArray().size() == 2);
  CHECK(row[2].getValue().getArray()[0].getString() == "case-lynx");
}

TEST_CASE("the audit table states position and checkpoint and points to the case timeline",
          "[audit]") {
  AuditResult r = Example();
  r.checkpoint_size = 120;
  const std::string table = projections::FormatAuditTable(r);
  CHECK(table.find("query repeat_interviews count=2 as of 2025-03-03T09:00:00Z\n") == 0);
  CHECK(table.find("ledger position 120; newest signed checkpoint: size 120 (covers every event "
                   "behind this answer)") != std::string::npos);
  CHECK(table.find("row  case      note\n") != std::string::npos);
  CHECK(table.find("1    case-fox  plain\n") != std::string::npos);
  CHECK(table.find("caseledger timeline --data DIR --case case-fox") != std::string::npos);
  r.checkpoint_size.reset();
  CHECK(projections::FormatAuditTable(r).find("no signed checkpoint yet") != std::string::npos);
}

}  // namespace
}  // namespace caseledger
