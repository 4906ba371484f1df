// Hand-written cases for the audit query tests: a ledger with the shipped baseline and Danish
// rule packs in force, and events appended at the times a test names (the ledger's clock is set
// to each event's occurred-at, so nothing is recorded late). Pseudonyms and agency ids are
// invented.
#ifndef CASELEDGER_TESTS_PROJECTIONS_AUDIT_CASES_H_
#define CASELEDGER_TESTS_PROJECTIONS_AUDIT_CASES_H_

#include <capnp/message.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <functional>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "ledger/clock.h"
#include "ledger/ledger.h"
#include "projections/audit.h"
#include "projections/pack_activation.h"
#include "projections/projection_store.h"
#include "projections/rule_pack.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_events.h"

namespace caseledger::testing::audit {

using schema::Event;
using Fill = std::function<void(Event::Builder)>;

inline constexpr int64_t kHour = 3600LL * 1000000;
inline constexpr int64_t kDay = 24 * kHour;

class AuditCases {
 public:
  AuditCases() : clock_(kT0 - 2 * kDay) {
    LedgerOptions o;
    o.data_dir = dir_.Sub("data");
    o.clock = &clock_;
    auto ledger = Ledger::Open(o);
    REQUIRE(ledger.ok());
    ledger_ = std::move(*ledger);
    for (const char* file : {"eu.toml", "dk.toml"}) Activate(file);
  }

  // Appends one event of `case_id` that occurred at `at`, recorded by `agency` in `role`.
  void Add(const std::string& case_id, int64_t at, const std::string& agency,
           schema::AgencyRole role, const Fill& fill) {
    capnp::MallocMessageBuilder msg;
    auto e = msg.initRoot<Event>();
    const std::string id = TestEvents::FreshId();
    e.setEventId(capnp::Data::Reader(reinterpret_cast<const uint8_t*>(id.data()), id.size()));
    e.setCaseId(case_id);
    e.setChildId("child-" + case_id);
    e.setDataClass(schema::DataClass::ORDINARY);
    e.setOccurredAt(at);
    e.setJurisdiction(schema::Jurisdiction::DK);
    e.setAgencyId(agency);
    e.setAgencyRole(role);
    e.setActorId("worker-9");
    fill(e);
    clock_.Set(std::max<int64_t>(clock_.NowMicros(), at + 60 * 1000000LL));
    std::vector<Event::Reader> events{e.asReader()};
    auto appended = ledger_->Append(case_id, ExpectedVersion::Any(), events);
    INFO(appended.status().ToString());
    REQUIRE(appended.ok());
  }

  // Folds the log into the projections and runs a query as of `as_of`.
  projections::AuditResult Run(const std::string& name,
                               std::map<std::string, std::string> params = {},
                               int64_t as_of = kT0 + 60 * kDay) {
    auto result = TryRun(name, std::move(params), as_of);
    INFO(result.status().ToString());
    REQUIRE(result.ok());
    return *result;
  }

  Result<projections::AuditResult> TryRun(const std::string& name,
                                          std::map<std::string, std::string> params,
                                          int64_t as_of = kT0 + 60 * kDay,
                                          std::optional<uint64_t> min_position = std::nullopt) {
    if (!store_) {
      auto store = projections::ProjectionStore::Open(*ledger_);
      REQUIRE(store.ok());
      store_ = std::move(*store);
    }
    REQUIRE(store_->CatchUp().ok());
    return projections::RunAuditQuery(*store_, *ledger_,
                                      {name, std::move(params), as_of, min_position});
  }

  Ledger& ledger() { return *ledger_; }
  std::string data_dir() const { return dir_.Sub("data"); }
  ManualClock& clock() { return clock_; }

 private:
  void Activate(const char* file) {
    const std::string path = compliance::DefaultRulesDir() + "/" + file;
    std::ifstream in(path);
    REQUIRE(in);
    std::stringstream text;
    text << in.rdbuf();
    std::vector<compliance::PackError> errors;
    auto pack = compliance::ParsePack(text.str(), path, &errors);
    REQUIRE(pack.ok());
    auto message =
        compliance::BuildActivation(*pack, text.str(), kT0 - 2 * kDay, "test", kT0 - 2 * kDay);
    auto event = message->getRoot<Event>().asReader();
    std::vector<Event::Reader> events{event};
    REQUIRE(ledger_->Append(event.getCaseId().cStr(), ExpectedVersion::Any(), events).ok());
  }

  TempDir dir_;
  ManualClock clock_;
  std::unique_ptr<Ledger> ledger_;
  std::unique_ptr<projections::ProjectionStore> store_;
};

// ---- Bodies ----------------------------------------------------------------------------------

inline Fill Presumed(schema::Answer unaccompanied) {
  return [=](Event::Builder e) {
    auto b = e.initBody().initPresumedVictimIdentified();
    b.setGrounds("indicator checklist");
    b.initExploitationTypes(1).set(0, schema::ExploitationType::LABOUR);
    auto c = b.initChild();
    c.setAgeYears(15);
    c.setAgeBasis(schema::AgeBasis::DOCUMENTED);
    c.setUnaccompanied(unaccompanied);
    c.setParentalConflictOfInterest(schema::Answer::NO);
    c.setForeignNational(schema::Answer::NO);
    c.setLawfulStay(schema::Answer::YES);
  };
}

inline Fill ProvisionalRepresentative(const char* id) {
  return [=](Event::Builder e) {
    auto b = e.initBody().initProvisionalRepresentativeDesignated();
    b.setRepresentativeId(id);
    b.setRepresentativeType(schema::GuardianType::PROVISIONAL_REPRESENTATIVE);
    b.setGround(schema::RepresentationGround::UNACCOMPANIED);
  };
}

inline Fill CrimeReported() {
  return [](Event::Builder e) {
    auto b = e.initBody().initCrimeReported();
    b.initOffenceCodes(1).set(0, "DK:straffeloven 262a");
    b.setReportedBy(schema::ReporterKind::GUARDIAN);
    b.setChildRole(schema::CrimeReported::ChildRole::VICTIM);
  };
}

struct InterviewSpec {
  uint8_t sequence = 1;
  const char* interviewer = "iv-1";
  schema::Premises premises = schema::Premises::BARNAHUS;
  bool recorded = true;
  const char* repeat_reason = "";
};

inline Fill Interview(InterviewSpec s) {
  return [=](Event::Builder e) {
    auto b = e.initBody().initForensicInterviewConducted();
    b.setSequenceNumber(s.sequence);
    b.setInterviewerId(s.interviewer);
    b.setInterviewerCertified(true);
    b.setProtocol(schema::ForensicInterviewConducted::Protocol::NICHD);
    b.setPremises(s.premises);
    b.setRecorded(s.recorded);
    if (s.recorded) {
      const uint8_t hash[32] = {7};
      b.setRecordingHash(capnp::Data::Reader(hash, 32));
    }
    b.setGuardianPresent(true);
    if (*s.repeat_reason) b.setRepeatReason(s.repeat_reason);
  };
}

inline Fill ViewsHeard(schema::DecisionContext context) {
  return [=](Event::Builder e) {
    auto b = e.initBody().initChildViewsHeard();
    b.setDecisionContext(context);
    b.setHeard(true);
  };
}

inline Fill BestInterests() {
  return [](Event::Builder e) {
    auto b = e.initBody().initBestInterestsDeterminationCompleted();
    b.setPurpose(schema::BestInterestsDeterminationCompleted::Purpose::RETURN_TO_STATE);
    b.initPanelRoles(1).set(0, schema::AgencyRole::CHILD_PROTECTION);
  };
}

inline Fill ReturnRisk() {
  return [](Event::Builder e) {
    auto b = e.initBody().initReturnRiskAssessmentCompleted();
    b.setReceivingState("SE");
    b.setRiskLevel(schema::RiskLevel::LOW);
  };
}

inline Fill ReturnDecided() {
  return [](Event::Builder e) {
    auto b = e.initBody().initReturnDecided();
    b.setReceivingState("SE");
    b.setReturnKind(schema::ReturnKind::VOLUNTARY);
  };
}

// An answer's rows as their cells, each checked to have one cell per column.
using Cells = std::vector<std::string>;
inline std::vector<Cells> CellsOf(const projections::AuditResult& r) {
  std::vector<Cells> out;
  for (const auto& row : r.rows) {
    REQUIRE(row.cells.size() == r.columns.size());
    out.push_back(row.cells);
  }
  return out;
}

}  // namespace caseledger::testing::audit

#endif  // CASELEDGER_TESTS_PROJECTIONS_AUDIT_CASES_H_
