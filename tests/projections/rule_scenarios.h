// Scenario tests of the SHIPPED rule packs (projections/rules/*.toml): short case histories
// written by hand, folded through the compliance engine. Expected statuses and due times are
// worked out by hand from obligations.md and Regulation 1182/71, never taken from the engine.
#ifndef CASELEDGER_TESTS_PROJECTIONS_RULE_SCENARIOS_H_
#define CASELEDGER_TESTS_PROJECTIONS_RULE_SCENARIOS_H_

#include <capnp/message.h>
#include <catch2/catch.hpp>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "ledger/time_format.h"
#include "projections/compliance.h"
#include "projections/rule_pack.h"

namespace caseledger::compliance::scenario {

using schema::Event;
using Fill = std::function<void(Event::Builder)>;

inline int64_t T(const char* rfc3339) {
  auto t = ParseRfc3339(rfc3339);
  REQUIRE(t.ok());
  return t.value();
}

// The shipped packs, by jurisdiction ("" for the baseline).
inline const std::vector<RulePack>& ShippedPacks() {
  static const std::vector<RulePack> packs = [] {
    auto loaded = LoadPackDir(DefaultRulesDir());
    REQUIRE(loaded.ok());
    return loaded.value();
  }();
  return packs;
}

inline const RulePack& Shipped(const std::string& jurisdiction) {
  for (const auto& p : ShippedPacks()) {
    if (p.jurisdiction == jurisdiction) return p;
  }
  FAIL("no shipped pack for '" << jurisdiction << "'");
  throw;  // unreachable
}

// A registry with the baseline and, when given, one national pack, in force from 2000.
inline PackRegistry Registry(const std::string& national = "") {
  PackRegistry reg;
  const int64_t from = T("2000-01-01T00:00:00Z");
  REQUIRE(reg.Add(std::make_shared<const RulePack>(Shipped("")), 0, from).ok());
  if (!national.empty()) {
    REQUIRE(reg.Add(std::make_shared<const RulePack>(Shipped(national)), 1, from).ok());
  }
  return reg;
}

// One case's history, folded event by event.
class History {
 public:
  History(const PackRegistry& packs, schema::Jurisdiction jurisdiction)
      : packs_(packs), jurisdiction_(jurisdiction), counts_(&own_counts_) {}
  // A case among several that share cross-case counts (R06), at positions from `first`.
  History(const PackRegistry& packs, schema::Jurisdiction jurisdiction, std::string case_id,
          CrossCaseCounts* counts, uint64_t first)
      : packs_(packs), jurisdiction_(jurisdiction), case_id_(std::move(case_id)),
        counts_(counts), position_(first) {}

  // Appends an event that occurred at `occurred` (recorded at `recorded`, default the same).
  // Returns its event id in hex.
  std::string Add(const char* occurred, const Fill& fill, const char* recorded = nullptr,
                  const std::string& supersedes_hex = "") {
    auto msg = std::make_unique<capnp::MallocMessageBuilder>();
    auto e = msg->initRoot<Event>();
    uint8_t id[16] = {0xc5};
    id[15] = static_cast<uint8_t>(++counter_);
    id[14] = static_cast<uint8_t>(position_ >> 8);
    e.setEventId(capnp::Data::Reader(id, 16));
    e.setCaseId(case_id_);
    e.setChildId("child-pseudonym-kestrel");
    e.setOccurredAt(T(occurred));
    e.setRecordedAt(T(recorded != nullptr ? recorded : occurred));
    e.setJurisdiction(jurisdiction_);
    e.setAgencyId("agency-1");
    e.setAgencyRole(schema::AgencyRole::POLICE);
    e.setActorId("actor-1");
    e.setDataClass(schema::DataClass::ORDINARY);
    if (!supersedes_hex.empty()) {
      std::vector<uint8_t> bytes;
      for (size_t i = 0; i < supersedes_hex.size(); i += 2) {
        bytes.push_back(static_cast<uint8_t>(std::stoi(supersedes_hex.substr(i, 2), nullptr, 16)));
      }
      e.setSupersedes(capnp::Data::Reader(bytes.data(), bytes.size()));
    }
    fill(e);
    compliance_.Apply(e.asReader(), ++position_, packs_, *counts_);
    messages_.push_back(std::move(msg));
    std::string hex;
    static const char kDigits[] = "0123456789abcdef";
    for (uint8_t b : id) {
      hex += kDigits[b >> 4];
      hex += kDigits[b & 15];
    }
    return hex;
  }

  std::vector<Obligation> Of(const std::string& rule) const {
    std::vector<Obligation> out;
    for (auto& o : compliance_.Obligations()) {
      if (o.rule_id == rule) out.push_back(o);
    }
    return out;
  }

  // The single obligation of `rule`; fails the test when there is not exactly one.
  Obligation One(const std::string& rule) const {
    auto all = Of(rule);
    INFO("rule " << rule);
    REQUIRE(all.size() == 1);
    return all[0];
  }

  // The statuses of `rule` as of `as_of`, in trigger order.
  std::vector<std::string> Statuses(const std::string& rule, const char* as_of) const {
    std::vector<std::string> out;
    for (auto& o : Of(rule)) out.emplace_back(o.StatusAsOf(T(as_of)));
    return out;
  }

 private:
  const PackRegistry& packs_;
  schema::Jurisdiction jurisdiction_;
  std::string case_id_ = "case-scenario-1";
  MemoryCrossCaseCounts own_counts_;
  CrossCaseCounts* counts_;
  CaseCompliance compliance_;
  std::vector<std::unique_ptr<capnp::MallocMessageBuilder>> messages_;
  uint64_t position_ = 10;
  int counter_ = 0;
};

// -- Event bodies used by several scenarios -----------------------------------------------------

inline Fill CrimeReported(bool serious = false, bool violence = false, bool acute = false) {
  return [=](Event::Builder e) {
    auto b = e.initBody().initCrimeReported();
    b.initOffenceCodes(1).set(0, "NO:strl 257");
    b.setChildRole(schema::CrimeReported::ChildRole::VICTIM);
    b.setSeriousOffence(serious);
    b.setViolence(violence);
    b.setAcute(acute);
  };
}

inline Fill Interview(uint8_t sequence = 1, const char* interviewer = "iv-1") {
  return [=](Event::Builder e) {
    auto b = e.initBody().initForensicInterviewConducted();
    b.setSequenceNumber(sequence);
    b.setInterviewerId(interviewer);
    b.setInterviewerCertified(true);
    b.setPremises(schema::Premises::BARNAHUS);
    b.setRecorded(true);
    b.setGuardianPresent(true);
  };
}

inline Fill Presumed(schema::Answer unaccompanied = schema::Answer::NO) {
  return [=](Event::Builder e) {
    auto b = e.initBody().initPresumedVictimIdentified();
    b.setGrounds("indicator checklist");
    b.initExploitationTypes(1).set(0, schema::ExploitationType::LABOUR);
    auto c = b.initChild();
    c.setAgeYears(15);
    c.setUnaccompanied(unaccompanied);
    c.setParentalConflictOfInterest(schema::Answer::NO);
    c.setForeignNational(schema::Answer::NO);
    c.setLawfulStay(schema::Answer::YES);
  };
}

}  // namespace caseledger::compliance::scenario

#endif  // CASELEDGER_TESTS_PROJECTIONS_RULE_SCENARIOS_H_
