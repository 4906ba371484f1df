// The audit queries on generated data, checked against the synthetic generator's manifest
// (tools/synthetic.h): what it seeded, never what the engine computed. The generator plans each
// step inside its limit unless the manifest lists a deviation ("late", "missing") for it, with
// margins of hours to days, so the cases a query flags must be exactly the cases the manifest
// lists for the rule the query reads:
// - representative_wait (24 h): R04 deviations of the provisional representative (a missing
//   one leaves the wait to the guardian, 2 to 8 days later, or open);
// - interview_delay: R14 deviations (a late first interview);
// - return_safeguards: every R11 deviation (no BID or no risk assessment) and every missing
//   R10 hearing for a return or transfer. The other direction is not asserted: R10 reads a
//   hearing exemption recorded on ChildViewsHeard as no hearing (generator_oracle_test.cc,
//   top comment).
#include <capnp/compat/json.h>
#include <capnp/message.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>
#include <string>

#include "ledger/ledger.h"
#include "projections/audit.h"
#include "projections/projection_store.h"
#include "tests/support/temp_dir.h"
#include "tools/synthetic.h"

namespace caseledger {
namespace {

using CaseSet = std::set<std::string>;

struct Seeded {
  std::string rule, kind, step, for_step;
};

// case id -> the deviations the generator seeded into it.
std::map<std::string, std::vector<Seeded>> ReadManifest(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  const std::string s = text.str();
  capnp::MallocMessageBuilder msg;
  auto root = msg.initRoot<capnp::JsonValue>();
  capnp::JsonCodec().decodeRaw(kj::ArrayPtr<const char>(s.data(), s.size()), root);
  auto str = [](capnp::JsonValue::Reader v) {
    return v.isString() ? std::string(v.getString().cStr()) : std::string();
  };
  std::map<std::string, std::vector<Seeded>> out;
  for (auto top : root.asReader().getObject()) {
    if (top.getName() != "cases") continue;
    for (auto c : top.getValue().getArray()) {
      std::string id;
      std::vector<Seeded> seeded;
      for (auto f : c.getObject()) {
        if (f.getName() == "caseId") id = str(f.getValue());
        if (f.getName() != "deviations") continue;
        for (auto d : f.getValue().getArray()) {
          Seeded x;
          for (auto g : d.getObject()) {
            const std::string name = g.getName().cStr();
            if (name == "rule") x.rule = str(g.getValue());
            if (name == "kind") x.kind = str(g.getValue());
            if (name == "step") x.step = str(g.getValue());
            if (name == "for") x.for_step = str(g.getValue());
          }
          seeded.push_back(x);
        }
      }
      out[id] = std::move(seeded);
    }
  }
  return out;
}

struct Generated {
  testing::TempDir dir;
  std::map<std::string, std::vector<Seeded>> manifest;
  std::unique_ptr<Ledger> ledger;
  std::unique_ptr<projections::ProjectionStore> store;
  int64_t end = 0;  // the last event's recorded-at: the end of the generated period

  Generated(uint64_t cases, double late_share) {
    synthetic::GeneratorOptions o;
    o.cases = cases;
    o.seed = 11;
    o.late_share = late_share;
    o.activate_rule_packs = true;
    auto summary = synthetic::GenerateInto(dir.Sub("data"), o);
    REQUIRE(summary.ok());
    manifest = ReadManifest(summary->manifest_path);
    REQUIRE(manifest.size() == cases);
    LedgerOptions lo;
    lo.data_dir = dir.Sub("data");
    lo.read_only = true;
    lo.create_if_missing = false;
    auto opened = Ledger::Open(lo);
    REQUIRE(opened.ok());
    ledger = std::move(*opened);
    auto last = ledger->ReadLog(ledger->size() - 1, 1);
    REQUIRE(last.ok());
    end = (*last)[0].reader().getRecordedAt();
    auto s = projections::ProjectionStore::Open(*ledger);
    REQUIRE(s.ok());
    store = std::move(*s);
    REQUIRE(store->CatchUp().ok());
  }

  projections::AuditResult Run(const std::string& name,
                               std::map<std::string, std::string> params = {}) {
    auto r = projections::RunAuditQuery(*store, *ledger, {name, std::move(params), end});
    INFO(r.status().ToString());
    REQUIRE(r.ok());
    CHECK(r->position == ledger->size());
    return *r;
  }

  // The cases with a seeded deviation that `match` accepts.
  CaseSet SeededCases(const std::function<bool(const Seeded&)>& match) const {
    CaseSet out;
    for (const auto& [id, list] : manifest) {
      for (const auto& d : list) {
        if (match(d)) out.insert(id);
      }
    }
    return out;
  }
};

CaseSet Flagged(const projections::AuditResult& r) {
  CaseSet out;
  for (const auto& row : r.rows) out.insert(row.case_ids.begin(), row.case_ids.end());
  return out;
}

bool Deviates(const Seeded& d) { return d.kind == "late" || d.kind == "missing"; }

TEST_CASE("audit queries on generated data flag exactly the cases the generator seeded",
          "[audit][oracle]") {
  Generated g(60, 0.3);

  const CaseSet rep = g.SeededCases([](const Seeded& d) {
    return d.rule == "R04" && d.step == "provisionalRepresentativeDesignated" && Deviates(d);
  });
  CHECK(!rep.empty());
  CHECK(Flagged(g.Run("representative_wait", {{"hours", "24"}})) == rep);

  const CaseSet interview =
      g.SeededCases([](const Seeded& d) { return d.rule == "R14" && Deviates(d); });
  CHECK(!interview.empty());
  CHECK(Flagged(g.Run("interview_delay")) == interview);

  const CaseSet returns = g.SeededCases([](const Seeded& d) {
    return (d.rule == "R11" && Deviates(d)) ||
           (d.rule == "R10" && d.kind == "missing" &&
            (d.for_step == "returnDecided" || d.for_step == "caseTransferred"));
  });
  const CaseSet flagged = Flagged(g.Run("return_safeguards"));
  for (const auto& id : returns) {
    INFO(id);
    CHECK(flagged.count(id) == 1);
  }
}

TEST_CASE("audit queries on compliant generated data find nothing late", "[audit][oracle]") {
  Generated g(40, 0.0);
  for (const auto& row : g.Run("representative_wait", {{"hours", "24"}}).rows) {
    CHECK(row.cells[4] == "0");
  }
  auto delay = g.Run("interview_delay");
  CHECK(!delay.rows.empty());
  for (const auto& row : delay.rows) CHECK(row.cells[7] == "0");
  for (const auto& row : g.Run("return_safeguards").rows) {
    CHECK(row.cells[5] == "met");  // BID
    CHECK(row.cells[6] == "met");  // return risk assessment
  }
  CHECK(g.Run("non_punishment").rows.empty());
  CHECK(g.Run("closures").rows.empty());
}

}  // namespace
}  // namespace caseledger
