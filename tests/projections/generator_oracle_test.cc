// The synthetic generator as an oracle for the compliance engine. The two were written
// independently from shared/domain/obligations.md: the generator plans each step inside or well
// outside its limit and lists every deviation it made in its manifest, so the engine, folding
// the generated log, should find exactly those deviations for the rules both model.
//
// (a) With late share 0 the generator claims every step of the rules it models meets its limit
//     and is recorded within a day: no obligation of those rules may be breached, met late or
//     overdue at the end of the generated period.
// (b) With late share 0.3 every manifest deviation of kind "late" or "missing" of an encoded
//     rule must show up in that case's timeline as met_late, breached or overdue for that rule
//     (R03 covers R03, R03B, ...), and every "lateRecorded" one as an LR finding on its event.
//
// What is left out, and why (both sides model the rest):
// - R06 (caseload cap) and R12 (no removal): the generator keeps them met by construction and
//   lists no deviation for them; they are still checked in (a), as the generator claims them.
// - Rules the engine checks that the generator does not claim to model (R30, R31) never arise
//   from generated events; rule ids outside R01-R29 and LR are not looked at.
// - "outOfOrder" (R07: the interview held before the child was informed) is counted, not
//   asserted beyond (b)'s rule match: the generator lists it as R07, the engine's R07B.
// - R10 before an emergency placement: the generator records the reasoned exemption the way
//   ChildViewsHeard allows (heard = false with exemptionReason and exemptionGrounds); eu.toml
//   exempts only by a ChildHearingExemptionDecided, and a pack condition cannot say
//   "exemptionReason is set" for one type of a match only, so the engine reads it as a
//   decision without the child heard. Left out of (a) for decisions of a context the case has
//   such a recorded exemption for, until the pack format can express it.
// - (b) leaves out two kinds of "missing" the engine does not encode, each a gap documented
//   in docs/compliance.md or here:
//   - R04 guardianAppointed: the engine checks the guardian only for unaccompanied asylum
//     applicants from 12 Jun 2026 (R04B, 15 wd); elsewhere obligations.md gives no number, so
//     R04 is met by the provisional representative.
//   - R10 childViewsHeard "for" a BID: R10 is met by any earlier hearing, the hearing's
//     decisionContext is not matched to the decision (docs/compliance.md, coverage R10).
// The hidden test "[.oracle-survey]" prints the disagreements of a bigger run (ORACLE_CASES,
// ORACLE_SHARE) grouped by kind, for investigating a change to either side.
#include <capnp/compat/json.h>
#include <capnp/message.h>

#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "ledger/ledger.h"
#include "projections/projection_store.h"
#include "tests/support/temp_dir.h"
#include "tools/synthetic.h"

namespace caseledger {
namespace {

using projections::ProjectionStore;

struct Deviation {
  std::string step, kind, rule, event_id, for_step;
};

struct ManifestCase {
  std::string case_id, jurisdiction;
  std::vector<Deviation> deviations;
};

std::string Text(capnp::JsonValue::Reader v) {
  if (v.which() == capnp::JsonValue::STRING) return v.getString();
  return "";
}

capnp::JsonValue::Reader Member(capnp::JsonValue::Reader obj, const char* name) {
  for (auto f : obj.getObject()) {
    if (f.getName() == name) return f.getValue();
  }
  FAIL("manifest lacks \"" << name << "\"");
  return obj;
}

std::vector<ManifestCase> ParseManifest(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  const std::string s = text.str();
  capnp::MallocMessageBuilder msg;
  auto root = msg.initRoot<capnp::JsonValue>();
  capnp::JsonCodec codec;
  codec.decodeRaw(kj::ArrayPtr<const char>(s.data(), s.size()), root);
  std::vector<ManifestCase> out;
  for (auto c : Member(root.asReader(), "cases").getArray()) {
    ManifestCase mc;
    mc.case_id = Text(Member(c, "caseId"));
    mc.jurisdiction = Text(Member(c, "jurisdiction"));
    for (auto d : Member(c, "deviations").getArray()) {
      Deviation dv;
      for (auto f : d.getObject()) {
        const std::string name = f.getName();
        if (name == "step") dv.step = Text(f.getValue());
        if (name == "kind") dv.kind = Text(f.getValue());
        if (name == "rule") dv.rule = Text(f.getValue());
        if (name == "eventId") dv.event_id = Text(f.getValue());
        if (name == "for") dv.for_step = Text(f.getValue());
      }
      mc.deviations.push_back(dv);
    }
    out.push_back(std::move(mc));
  }
  return out;
}

// One obligation of a case's timeline, with its status at the end of the generated period.
struct Finding {
  std::string rule, status, trigger_type, trigger_event, satisfied_type, satisfied_event, detail;
  std::string jurisdiction;
};

struct Folded {
  std::vector<ManifestCase> manifest;
  std::map<std::string, std::vector<Finding>> timeline;  // by case id
  // Decision types each case has a ChildViewsHeard exemption (heard = false, with a reason)
  // for: R10 breaches of these are the known format gap above.
  std::map<std::string, std::set<std::string>> views_exempted;
};

// The decision event types a ChildViewsHeard's decisionContext stands for (eu.toml R10).
std::vector<std::string> DecisionTypes(schema::DecisionContext context) {
  using DC = schema::DecisionContext;
  switch (context) {
    case DC::PLACEMENT: return {"placementStarted", "placementChanged"};
    case DC::BEST_INTERESTS_DETERMINATION: return {"bestInterestsDeterminationCompleted"};
    case DC::RETURN_DECISION: return {"returnDecided"};
    case DC::CASE_TRANSFER: return {"caseTransferred"};
    case DC::CASE_CLOSURE: return {"caseClosed"};
    default: return {};
  }
}

// "R03B" -> "R03"; "LR" -> "LR".
std::string BaseRule(const std::string& id) { return id.size() > 3 ? id.substr(0, 3) : id; }

// The rules the generator says it models (tools/synthetic.cc, top comment): R01-R29 except
// none; R06 and R12 are kept met by construction.
bool Modelled(const std::string& id) {
  const std::string base = BaseRule(id);
  if (base == "LR") return true;
  if (base.size() != 3 || base[0] != 'R') return false;
  const int n = std::atoi(base.c_str() + 1);
  return n >= 1 && n <= 29;
}

bool IsFinding(const std::string& status) {
  return status == "breached" || status == "met_late" || status == "overdue";
}

Folded GenerateAndFold(testing::TempDir& dir, uint64_t cases, double late_share, uint64_t seed) {
  synthetic::GeneratorOptions o;
  o.cases = cases;
  o.seed = seed;
  o.late_share = late_share;
  o.activate_rule_packs = true;
  const std::string data = dir.Sub("data");
  auto summary = synthetic::GenerateInto(data, o);
  INFO(summary.status().ToString());
  REQUIRE(summary.ok());

  Folded f;
  f.manifest = ParseManifest(summary->manifest_path);
  REQUIRE(f.manifest.size() == cases);

  LedgerOptions lo;
  lo.data_dir = data;
  lo.read_only = true;
  lo.create_if_missing = false;
  auto ledger = Ledger::Open(lo);
  REQUIRE(ledger.ok());
  // The end of the generated period: the last event's recorded-at (the log is appended in
  // recorded-at order).
  const uint64_t size = (*ledger)->size();
  auto last = (*ledger)->ReadLog(size - 1, 1);
  REQUIRE(last.ok());
  REQUIRE(last->size() == 1);
  const int64_t as_of = (*last)[0].reader().getRecordedAt();
  auto log = (*ledger)->ReadLog(0, size);
  REQUIRE(log.ok());
  for (const auto& ev : *log) {
    auto e = ev.reader();
    if (e.getBody().which() != schema::Event::Body::CHILD_VIEWS_HEARD) continue;
    auto v = e.getBody().getChildViewsHeard();
    if (v.getHeard() || !v.hasExemptionGrounds()) continue;
    for (auto& t : DecisionTypes(v.getDecisionContext())) {
      f.views_exempted[e.getCaseId().cStr()].insert(t);
    }
  }

  auto store = ProjectionStore::Open(**ledger);
  REQUIRE(store.ok());
  REQUIRE((*store)->CatchUp().ok());
  for (const auto& mc : f.manifest) {
    auto state = (*store)->Case(mc.case_id);
    INFO(mc.case_id << ": " << state.status().ToString());
    REQUIRE(state.ok());
    auto& list = f.timeline[mc.case_id];
    for (const auto& ob : state->compliance.Obligations()) {
      list.push_back({ob.rule_id, std::string(ob.StatusAsOf(as_of)), ob.trigger_type,
                      ob.trigger_event_id, ob.satisfied_type, ob.satisfied_event_id, ob.detail,
                      ob.jurisdiction});
    }
  }
  return f;
}

// (a): findings of modelled rules in a run the generator claims is fully compliant.
std::vector<std::pair<std::string, Finding>> Unexpected(const Folded& f) {
  std::vector<std::pair<std::string, Finding>> out;
  for (const auto& [case_id, list] : f.timeline) {
    auto exempted = f.views_exempted.find(case_id);
    for (const auto& ob : list) {
      if (!Modelled(ob.rule) || !IsFinding(ob.status)) continue;
      if (ob.rule == "R10" && exempted != f.views_exempted.end() &&
          exempted->second.count(ob.trigger_type)) {
        continue;  // the format gap of the top comment
      }
      out.emplace_back(case_id, ob);
    }
  }
  return out;
}

// (b): whether the engine found a manifest deviation in the case's timeline.
bool Found(const std::vector<Finding>& list, const Deviation& d) {
  for (const auto& ob : list) {
    if (!IsFinding(ob.status)) continue;
    if (d.kind == "lateRecorded") {
      if (ob.rule == "LR" && ob.trigger_event == d.event_id) return true;
    } else if (ob.rule != "LR" && BaseRule(ob.rule) == d.rule) {
      return true;
    }
  }
  return false;
}

struct Agreement {
  std::map<std::string, std::pair<int, int>> by_kind;  // kind -> (found, listed)
  std::vector<std::pair<std::string, Deviation>> missed;
  std::vector<std::pair<std::string, Deviation>> not_encoded;  // the gaps of the top comment
};

// A "missing" deviation the engine does not encode (top comment).
bool NotEncoded(const Deviation& d) {
  if (d.kind != "missing") return false;
  if (d.rule == "R04" && d.step == "guardianAppointed") return true;
  return d.rule == "R10" && d.step == "childViewsHeard";
}

Agreement Compare(const Folded& f) {
  Agreement a;
  for (const auto& mc : f.manifest) {
    for (const auto& d : mc.deviations) {
      if (d.kind != "late" && d.kind != "missing" && d.kind != "lateRecorded" &&
          d.kind != "outOfOrder") {
        continue;
      }
      const bool found = Found(f.timeline.at(mc.case_id), d);
      if (!found && NotEncoded(d)) {
        a.not_encoded.emplace_back(mc.jurisdiction + " " + mc.case_id, d);
        continue;
      }
      auto& [hit, listed] = a.by_kind[d.kind];
      ++listed;
      if (found) ++hit;
      else a.missed.emplace_back(mc.jurisdiction + " " + mc.case_id, d);
    }
  }
  return a;
}

std::string Describe(const std::string& where, const Finding& ob) {
  return where + " " + ob.rule + " " + ob.status + " trigger " + ob.trigger_type + " satisfied " +
         (ob.satisfied_type.empty() ? "-" : ob.satisfied_type) + " (" + ob.detail + ")";
}

std::string Describe(const std::string& where, const Deviation& d) {
  return where + " " + d.rule + " " + d.kind + " " + d.step + (d.for_step.empty() ? "" : " for ") +
         d.for_step;
}

TEST_CASE("late share 0: the engine finds no deviation in the rules the generator models",
          "[oracle]") {
  testing::TempDir dir;
  const Folded f = GenerateAndFold(dir, 60, 0.0, 11);
  for (const auto& mc : f.manifest) REQUIRE(mc.deviations.empty());
  const auto unexpected = Unexpected(f);
  for (const auto& [case_id, ob] : unexpected) UNSCOPED_INFO(Describe(case_id, ob));
  CHECK(unexpected.empty());
}

TEST_CASE("late share 0.3: every late, missing and late-recorded step is found by the engine",
          "[oracle]") {
  testing::TempDir dir;
  const Folded f = GenerateAndFold(dir, 60, 0.3, 12);
  Agreement a = Compare(f);
  // The run has deviations of each kind to find.
  REQUIRE(a.by_kind["late"].second > 20);
  REQUIRE(a.by_kind["missing"].second > 10);
  REQUIRE(a.by_kind["lateRecorded"].second > 10);
  for (const auto& [where, d] : a.missed) UNSCOPED_INFO(Describe(where, d));
  CHECK(a.missed.empty());
}

// Not run by default: a bigger run, its disagreements grouped by kind and a few examples.
TEST_CASE("survey of generator and engine disagreements", "[.oracle-survey]") {
  const char* n = std::getenv("ORACLE_CASES");
  const char* share = std::getenv("ORACLE_SHARE");
  const uint64_t cases = n ? std::strtoull(n, nullptr, 10) : 300;
  const double late_share = share ? std::atof(share) : 0.0;
  testing::TempDir dir;
  const Folded f = GenerateAndFold(dir, cases, late_share, 1);
  std::map<std::string, std::vector<std::string>> groups;
  for (const auto& [case_id, ob] : Unexpected(f)) {
    groups[ob.jurisdiction + " " + ob.rule + " " + ob.status + " " + ob.trigger_type + " -> " +
           ob.satisfied_type]
        .push_back(Describe(case_id, ob));
  }
  std::map<std::string, int> by_status;
  for (const auto& [case_id, list] : f.timeline) {
    for (const auto& ob : list) {
      ++by_status[ob.status];
      if (IsFinding(ob.status)) ++by_status[ob.rule + ":" + ob.status];
    }
  }
  std::cout << "== engine findings (" << cases << " cases, share " << late_share << ";";
  for (const auto& [status, n] : by_status) std::cout << " " << status << " " << n;
  std::cout << ")\n";
  for (const auto& [key, list] : groups) {
    std::cout << list.size() << "  " << key << "\n      e.g. " << list.front() << "\n";
  }
  const Agreement a = Compare(f);
  std::cout << "== manifest deviations found by the engine\n";
  for (const auto& [kind, c] : a.by_kind) {
    std::cout << kind << ": " << c.first << " / " << c.second << "\n";
  }
  std::cout << "not encoded, left out: " << a.not_encoded.size() << "\n";
  std::map<std::string, std::vector<std::string>> missed;
  for (const auto& [where, d] : a.not_encoded) {
    missed["(not encoded) " + d.rule + " " + d.kind + " " + d.step].push_back(Describe(where, d));
  }
  for (const auto& [where, d] : a.missed) {
    missed[d.rule + " " + d.kind + " " + d.step + " " + d.for_step].push_back(Describe(where, d));
  }
  for (const auto& [key, list] : missed) {
    std::cout << list.size() << "  missed " << key << "\n      e.g. " << list.front() << "\n";
  }
}

}  // namespace
}  // namespace caseledger
