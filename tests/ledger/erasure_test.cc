// Erasure: an executed ErasureDecided destroys the child's data key for good, a legal hold
// refuses it, and every proof still holds (docs/storage_format.md, "Erasure"). A restart
// between each step.
#include <catch2/catch.hpp>

#include "ledger/keys.h"
#include "ledger/ledger.h"
#include "ledger/verify.h"
#include "projections/projection_store.h"
#include "tests/ledger/seal_test_util.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_events.h"
#include "tools/synthetic.h"

namespace caseledger {
namespace {

using testing::EventSpec;
using testing::FilesContaining;
using testing::kT0;
using testing::PrivacyEvents;
using testing::RawChildKeyRecord;
using testing::TempDir;
using testing::TestEvents;

constexpr char kChild[] = "child-erase";
constexpr char kName[] = "Thornevaliq";
constexpr char kOtherName[] = "Mirrowquist";

struct Fixture {
  TempDir dir;
  ManualClock clock{kT0 + 60'000'000};
  std::unique_ptr<Ledger> ledger;
  TestEvents t;
  PrivacyEvents p;

  Fixture() { Reopen(); }
  void Reopen() {
    ledger.reset();
    LedgerOptions o;
    o.data_dir = dir.Sub("data");
    o.clock = &clock;
    o.disable_compression = true;
    auto r = Ledger::Open(o);
    REQUIRE(r.ok());
    ledger = std::move(r).value();
  }
  void Close() { ledger.reset(); }
  Result<AppendResult> Append(const std::string& case_id, schema::Event::Reader ev) {
    return ledger->Append(case_id, ExpectedVersion::Any(), std::vector<schema::Event::Reader>{ev});
  }
  EventSpec Spec(const std::string& case_id, const std::string& child = kChild) {
    EventSpec s;
    s.case_id = case_id;
    s.child_id = child;
    return s;
  }
  void Verify() {
    VerifyOptions o;
    o.data_dir = dir.Sub("data");
    auto report = VerifyLedger(o);
    REQUIRE(report.ok());
    CHECK(report->findings.empty());
  }
};

TEST_CASE(
    "a legal hold refuses erasure until released, then the key is gone from every file "
    "and every proof still holds",
    "[erasure]") {
  Fixture f;
  EventSpec a = f.Spec("case-a");
  a.given_name = kName;
  REQUIRE(f.Append("case-a", f.t.Make(a)).ok());
  EventSpec other = f.Spec("case-o", "child-other");
  other.given_name = kOtherName;
  REQUIRE(f.Append("case-o", f.t.Make(other)).ok());
  // The hold is on another case of the same child: erasure goes by child.
  REQUIRE(f.Append("case-b", f.p.HoldApplied(f.t, f.Spec("case-b"), "hold-court-7")).ok());
  f.Reopen();

  // R31: an executed erasure answers a recorded request; without one it is refused.
  auto unasked = f.Append("case-a", f.p.ErasureExecuted(f.t, f.Spec("case-a")));
  REQUIRE(unasked.status().IsInvalidArgument());
  CHECK_THAT(unasked.status().message(), Catch::Contains("requestEventRef"));
  REQUIRE(f.Append("case-a", f.p.ErasureRequested(f.t, f.Spec("case-a"))).ok());
  auto refused = f.Append("case-a", f.p.ErasureExecuted(f.t, f.Spec("case-a")));
  REQUIRE(refused.status().IsInvalidArgument());
  CHECK_THAT(refused.status().message(), Catch::Contains("hold-court-7") &&
                                             Catch::Contains("case-b") &&
                                             Catch::Contains("not released"));
  CHECK(f.ledger->size() == 4);  // nothing stored but the request
  f.Reopen();
  CHECK_FALSE(*f.ledger->IsErased(kChild));

  REQUIRE(f.Append("case-b", f.p.HoldReleased(f.t, f.Spec("case-b"), "hold-court-7")).ok());
  f.Close();
  const std::string record = RawChildKeyRecord(f.dir.Sub("data"), kChild);
  REQUIRE_FALSE(record.empty());
  REQUIRE_FALSE(FilesContaining(f.dir.Sub("data"), record).empty());  // the search works
  f.Reopen();

  auto executed = f.Append("case-a", f.p.ErasureExecuted(f.t, f.Spec("case-a")));
  REQUIRE(executed.ok());
  f.Close();
  CHECK(FilesContaining(f.dir.path(), record).empty());
  CHECK(RawChildKeyRecord(f.dir.Sub("data"), kChild).empty());
  f.Verify();
  f.Reopen();

  CHECK(*f.ledger->IsErased(kChild));
  CHECK_FALSE(*f.ledger->IsErased("child-other"));
  auto first = f.ledger->ReadEvent(0);
  REQUIRE(first.ok());
  auto u = f.ledger->Unseal(*first);
  REQUIRE(u.ok());
  CHECK(u->state == UnsealedPersonal::State::kErased);
  // The audit facts stay: the event, its type, agency and time.
  CHECK(first->reader().getBody().which() == schema::Event::Body::CASE_CONFERENCE_HELD);
  CHECK(std::string(first->reader().getAgencyId().cStr()) == "no-cp-oslo");
  // Another child's data is untouched.
  auto kept = f.ledger->ReadEvent(1);
  REQUIRE(kept.ok());
  auto ku = f.ledger->Unseal(*kept);
  REQUIRE(ku.ok());
  CHECK(ku->state == UnsealedPersonal::State::kOpen);
  // Proofs: an inclusion proof of the erased child's event against the current root.
  auto proof = f.ledger->InclusionProof(0, f.ledger->size());
  CHECK(proof.ok());
  // New personal data for the erased child is refused; events without it are not.
  EventSpec again = f.Spec("case-a");
  again.given_name = kName;
  auto more = f.Append("case-a", f.t.Make(again));
  REQUIRE(more.status().IsInvalidArgument());
  CHECK_THAT(more.status().message(), Catch::Contains("was erased"));
  CHECK(f.Append("case-a", f.t.Make(f.Spec("case-a"))).ok());
  f.Close();
  f.Verify();
}

TEST_CASE("a hold applied and erasure executed in one append is refused", "[erasure]") {
  Fixture f;
  EventSpec a = f.Spec("case-a");
  a.given_name = kName;
  REQUIRE(f.Append("case-a", f.t.Make(a)).ok());
  std::vector<schema::Event::Reader> both = {f.p.HoldApplied(f.t, f.Spec("case-a"), "hold-1"),
                                             f.p.ErasureRequested(f.t, f.Spec("case-a")),
                                             f.p.ErasureExecuted(f.t, f.Spec("case-a"))};
  auto r = f.ledger->Append("case-a", ExpectedVersion::Any(), both);
  REQUIRE(r.status().IsInvalidArgument());
  CHECK_THAT(r.status().message(), Catch::Contains("hold-1"));
  f.Reopen();
  CHECK(f.ledger->size() == 1);
  auto ev = f.ledger->ReadEvent(0);
  REQUIRE(ev.ok());
  CHECK(f.ledger->Unseal(*ev)->state == UnsealedPersonal::State::kOpen);
}

TEST_CASE("erasure of a child whose data key was made in the same append leaves no key",
          "[erasure]") {
  Fixture f;
  EventSpec a = f.Spec("case-a");
  a.given_name = kName;
  std::vector<schema::Event::Reader> both = {f.t.Make(a),
                                             f.p.ErasureRequested(f.t, f.Spec("case-a")),
                                             f.p.ErasureExecuted(f.t, f.Spec("case-a"))};
  REQUIRE(f.ledger->Append("case-a", ExpectedVersion::Any(), both).ok());
  f.Reopen();
  auto ev = f.ledger->ReadEvent(0);
  REQUIRE(ev.ok());
  CHECK(f.ledger->Unseal(*ev)->state == UnsealedPersonal::State::kErased);
  f.Close();
  CHECK(RawChildKeyRecord(f.dir.Sub("data"), kChild).empty());
  f.Verify();
}

TEST_CASE("a stop between an erasure's write and its purge is finished at the next open",
          "[erasure][crash]") {
  Fixture f;
  EventSpec a = f.Spec("case-a");
  a.given_name = kName;
  REQUIRE(f.Append("case-a", f.t.Make(a)).ok());
  REQUIRE(f.ledger->Sync().ok());  // the wrapped key into a table file
  f.Close();
  const std::string record = RawChildKeyRecord(f.dir.Sub("data"), kChild);
  REQUIRE_FALSE(record.empty());
  REQUIRE(testing::LeaveUnpurgedErasure(f.dir.Sub("data"), kChild, 0));
  REQUIRE_FALSE(FilesContaining(f.dir.Sub("data"), record).empty());  // still in a file
  f.Reopen();
  CHECK(*f.ledger->IsErased(kChild));
  f.Close();
  CHECK(FilesContaining(f.dir.path(), record).empty());
  f.Verify();
}

TEST_CASE("compliance and case views rebuilt after an erasure equal those computed before it",
          "[erasure][projections]") {
  TempDir dir;
  ManualClock clock(1736150400LL * 1000000);  // 2025-01-06T08:00:00Z, the generator's start
  LedgerOptions lo;
  lo.data_dir = dir.Sub("data");
  lo.clock = &clock;
  lo.sync = false;
  auto ledger = Ledger::Open(lo);
  REQUIRE(ledger.ok());
  synthetic::GeneratorOptions go;
  go.cases = 30;
  go.seed = 11;
  go.late_share = 0.3;
  go.activate_rule_packs = true;
  std::string manifest;
  auto generated = synthetic::Generate(**ledger, clock, go, &manifest);
  INFO(generated.status().ToString());
  REQUIRE(generated.ok());
  // A child whose events carry personal data.
  std::string child, case_id;
  auto log = (*ledger)->ReadLog(0, 1'000'000);
  REQUIRE(log.ok());
  for (const auto& ev : *log) {
    if (ev.reader().hasSealed()) {
      child = ev.reader().getChildId().cStr();
      case_id = ev.reader().getCaseId().cStr();
      break;
    }
  }
  REQUIRE_FALSE(child.empty());

  std::string compliance, view;
  {
    auto store = projections::ProjectionStore::Open(**ledger);
    REQUIRE(store.ok());
    REQUIRE((*store)->CatchUp().ok());  // while the data is readable
    TestEvents t;
    PrivacyEvents p;
    EventSpec spec;
    spec.case_id = case_id;
    spec.child_id = child;
    spec.occurred_at = clock.NowMicros();
    REQUIRE((*ledger)
                ->Append(case_id, ExpectedVersion::Any(),
                         std::vector<schema::Event::Reader>{p.ErasureRequested(t, spec),
                                                            p.ErasureExecuted(t, spec)})
                .ok());
    REQUIRE((*store)->CatchUp().ok());
    compliance = ToHex((*store)->Digest(projections::kCompliance).value());
    view = ToHex((*store)->Digest(projections::kCaseView).value());
  }
  ledger->reset();
  ledger = Ledger::Open(lo);
  REQUIRE(ledger.ok());
  REQUIRE(*(*ledger)->IsErased(child));
  auto store = projections::ProjectionStore::Open(**ledger);
  REQUIRE(store.ok());
  REQUIRE((*store)->Rebuild({}).ok());  // from a log whose personal data no key opens
  CHECK(ToHex((*store)->Digest(projections::kCompliance).value()) == compliance);
  CHECK(ToHex((*store)->Digest(projections::kCaseView).value()) == view);
}

}  // namespace
}  // namespace caseledger
