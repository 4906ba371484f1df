// Power-loss tests. The ledger runs over PowerLossFs (tests/support/power_loss_fs.h), which
// knows what RocksDB made durable; the power is cut, what a real power cut would lose is
// dropped, and the ledger is reopened on the real disk with the default environment.
#include <rocksdb/env.h>

#include <catch2/catch.hpp>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "ledger/ledger.h"
#include "tests/support/durability_check.h"
#include "tests/support/power_loss_fs.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_events.h"

namespace caseledger {
namespace {

using testing::AckedAppend;
using testing::CheckDurableLedger;
using testing::CountLostEvents;
using testing::PowerLossFs;
using testing::TaggedAppend;
using testing::TempDir;
using testing::TestEvents;

// A data directory reached through a PowerLossFs.
struct Rig {
  TempDir dir;
  std::shared_ptr<PowerLossFs> fs = std::make_shared<PowerLossFs>();
  std::unique_ptr<rocksdb::Env> env = rocksdb::NewCompositeEnv(fs);

  std::unique_ptr<Ledger> Open(bool sync) {
    LedgerOptions o;
    o.data_dir = dir.Sub("data");
    o.env = env.get();
    o.sync = sync;
    auto r = Ledger::Open(o);
    REQUIRE(r.ok());
    return std::move(r).value();
  }
  // As the machine would after the power comes back: the real disk, the default environment.
  std::unique_ptr<Ledger> Reopen() {
    LedgerOptions o;
    o.data_dir = dir.Sub("data");
    auto r = Ledger::Open(o);
    INFO(r.status().ToString());
    REQUIRE(r.ok());
    return std::move(r).value();
  }
};

void RequireDurable(const Ledger& ledger, const std::vector<AckedAppend>& acked) {
  auto problems = CheckDurableLedger(ledger, acked);
  for (const auto& p : problems) UNSCOPED_INFO(p);
  CHECK(problems.empty());
}

std::vector<std::string> Ids(uint64_t seed, uint64_t thread, uint64_t* counter, size_t n) {
  std::vector<std::string> ids;
  for (size_t i = 0; i < n; ++i)
    ids.push_back(TestEvents::IdFor(seed << 40 | thread << 32 | (*counter)++));
  return ids;
}

AckedAppend Acked(const std::string& case_id, const std::vector<std::string>& ids,
                  const AppendResult& r) {
  return AckedAppend{case_id, r.first_version, ids, r.positions};
}

// Five tagged appends of `events_each` events to `case_id`, one thread, each acknowledged
// (REQUIREd), added to `acked`.
void AppendFive(Ledger& ledger, const std::string& case_id, uint64_t seed, size_t events_each,
                std::vector<AckedAppend>* acked) {
  uint64_t counter = 0;
  for (int i = 0; i < 5; ++i) {
    auto ids = Ids(seed, 0, &counter, events_each);
    TaggedAppend append(case_id, "child-1", std::to_string(i), ids);
    auto r = ledger.Append(case_id, ExpectedVersion::Any(), append.events());
    REQUIRE(r.ok());
    acked->push_back(Acked(case_id, ids, *r));
  }
}

// Threads appending to their own cases: tagged appends of 1 or 1..20 events, with
// ExpectedVersion::Exact while the outcome of every earlier append is known (Any after a
// failure). A thread stops after `max_failures` failed appends.
class Load {
 public:
  Load(Ledger& ledger, uint64_t seed, int threads, int max_failures)
      : ledger_(ledger), seed_(seed), max_failures_(max_failures), running_(threads) {
    for (int t = 0; t < threads; ++t) threads_.emplace_back([this, t] { Run(t); });
  }
  ~Load() { Join(); }

  // Blocks until `n` appends were acknowledged, or every thread stopped.
  void WaitForAcks(size_t n) {
    std::unique_lock<std::mutex> l(mu_);
    cv_.wait(l, [&] { return acked_.size() >= n || running_ == 0; });
  }
  // From now on, every append submitted must fail.
  void MarkFault() { fault_.store(true); }
  void Join() {
    for (auto& t : threads_) {
      if (t.joinable()) t.join();
    }
  }

  std::vector<AckedAppend> acked() const {
    std::lock_guard<std::mutex> l(mu_);
    return acked_;
  }
  std::vector<Status> failures() const {
    std::lock_guard<std::mutex> l(mu_);
    return failures_;
  }
  size_t acked_after_fault() const {
    std::lock_guard<std::mutex> l(mu_);
    return acked_after_fault_;
  }

 private:
  void Run(int t) {
    std::mt19937_64 rng(seed_ * 100 + t);
    const std::string case_id = "load-" + std::to_string(t);
    const std::string child_id = "child-" + std::to_string(t);
    uint64_t counter = 0;
    int failures = 0;
    bool known = true;  // the outcome of every earlier append is known
    bool exists = false;
    uint64_t head = 0;
    if (auto stream = ledger_.GetStream(case_id); stream.ok()) {
      exists = true;
      head = stream->head_version;
    } else if (!stream.status().IsNotFound()) {
      known = false;
    }
    for (uint64_t seq = 0; failures < max_failures_ && seq < 5000; ++seq) {
      const size_t n = rng() % 2 == 0 ? 1 : 1 + rng() % 20;
      auto ids = Ids(seed_, t, &counter, n);
      const std::string token =
          std::to_string(seed_) + "." + std::to_string(t) + "." + std::to_string(seq);
      TaggedAppend append(case_id, child_id, token, ids);
      auto expected = !known   ? ExpectedVersion::Any()
                      : exists ? ExpectedVersion::Exact(head)
                               : ExpectedVersion::NoStream();
      const bool after_fault = fault_.load();
      auto r = ledger_.Append(case_id, expected, append.events());
      std::lock_guard<std::mutex> l(mu_);
      if (r.ok()) {
        acked_.push_back(Acked(case_id, ids, *r));
        acked_after_fault_ += after_fault ? 1 : 0;
        exists = true;
        head = r->head_version;
      } else {
        failures_.push_back(r.status());
        ++failures;
        known = false;
      }
      cv_.notify_all();
    }
    std::lock_guard<std::mutex> l(mu_);
    --running_;
    cv_.notify_all();
  }

  Ledger& ledger_;
  const uint64_t seed_;
  const int max_failures_;
  std::atomic<bool> fault_{false};
  mutable std::mutex mu_;
  std::condition_variable cv_;
  int running_;                     // GUARDED_BY(mu_)
  std::vector<AckedAppend> acked_;  // GUARDED_BY(mu_)
  std::vector<Status> failures_;    // GUARDED_BY(mu_)
  size_t acked_after_fault_ = 0;    // GUARDED_BY(mu_)
  std::vector<std::thread> threads_;
};

bool IsStorageFailure(const Status& s) {
  return s.code() == Status::Code::kIOError || s.code() == Status::Code::kUnavailable;
}

TEST_CASE("a power cut during appends loses no acknowledged append and leaves no gap",
          "[ledger][power-loss]") {
  const uint64_t seed = GENERATE(1, 2, 3, 4);
  Rig rig;
  std::vector<AckedAppend> acked;  // over both cuts
  // The second cut falls on a directory recovered from the first.
  for (uint64_t cut = 1; cut <= 2; ++cut) {
    std::mt19937 rng(static_cast<unsigned>(seed * 10 + cut));
    const size_t cut_after = 20 + rng() % 200;
    INFO("seed " << seed << ", cut " << cut << " after " << cut_after << " acknowledged appends");
    {
      auto ledger = rig.Open(/*sync=*/true);
      RequireDurable(*ledger, acked);
      Load load(*ledger, seed * 10 + cut, /*threads=*/6, /*max_failures=*/1);
      load.WaitForAcks(cut_after);
      rig.fs->PowerOff();  // while the other threads' appends are in flight
      load.Join();
      auto more = load.acked();
      REQUIRE(more.size() >= cut_after);
      acked.insert(acked.end(), more.begin(), more.end());
      for (const Status& s : load.failures()) {
        INFO(s.ToString());
        CHECK(IsStorageFailure(s));
      }
    }  // closing the ledger cannot write anything now
    REQUIRE(rig.fs->DropUnsyncedData().ok());
  }

  auto ledger = rig.Reopen();
  RequireDurable(*ledger, acked);
}

TEST_CASE(
    "without sync, a power cut loses acknowledged appends: the file system sees a missing sync",
    "[ledger][power-loss]") {
  Rig rig;
  std::vector<AckedAppend> acked;
  {
    auto ledger = rig.Open(/*sync=*/false);
    AppendFive(*ledger, "nosync", /*seed=*/9, /*events_each=*/1, &acked);
    // Far below the memtable size: nothing was flushed, the WAL holds the appends unsynced.
    REQUIRE(rig.fs->UnsyncedBytes() > 0);
    rig.fs->PowerOff();
  }
  REQUIRE(rig.fs->DropUnsyncedData().ok());

  auto ledger = rig.Reopen();
  const size_t lost = CountLostEvents(*ledger, acked);
  INFO(lost << " of 5 acknowledged events lost");
  CHECK(lost > 0);
  RequireDurable(*ledger, {});  // what is left is still whole and gap-free
}

TEST_CASE("Ledger::Sync makes appends made without sync survive a power cut",
          "[ledger][power-loss]") {
  Rig rig;
  std::vector<AckedAppend> acked;
  {
    auto ledger = rig.Open(/*sync=*/false);
    AppendFive(*ledger, "bulk", /*seed=*/10, /*events_each=*/3, &acked);
    REQUIRE(ledger->Sync().ok());
    CHECK(rig.fs->UnsyncedBytes() == 0);
    rig.fs->PowerOff();
  }
  REQUIRE(rig.fs->DropUnsyncedData().ok());

  auto ledger = rig.Reopen();
  RequireDurable(*ledger, acked);
  CHECK(ledger->size() == 15);
}

TEST_CASE("a failing sync is never acknowledged, and every acknowledged append survives it",
          "[ledger][power-loss]") {
  const uint64_t seed = GENERATE(5, 6);
  std::mt19937 rng(static_cast<unsigned>(seed));
  const size_t fail_after = 10 + rng() % 100;
  INFO("seed " << seed << ", syncs fail after " << fail_after << " acknowledged appends");
  Rig rig;
  std::vector<AckedAppend> acked;
  {
    auto ledger = rig.Open(/*sync=*/true);
    Load load(*ledger, seed, /*threads=*/4, /*max_failures=*/3);
    load.WaitForAcks(fail_after);
    rig.fs->SetSyncFailure(true);
    load.MarkFault();
    load.Join();
    acked = load.acked();
    CHECK(load.acked_after_fault() == 0);
    CHECK(load.failures().size() == 4 * 3);
    for (const Status& s : load.failures()) {
      INFO(s.ToString());
      CHECK(IsStorageFailure(s));
    }
  }

  SECTION("reopened once the fault is gone") {
    rig.fs->SetSyncFailure(false);
    auto ledger = rig.Reopen();
    RequireDurable(*ledger, acked);
  }
  SECTION("reopened after a power cut that drops what the failed syncs left unsynced") {
    REQUIRE(rig.fs->DropUnsyncedData().ok());
    auto ledger = rig.Reopen();
    RequireDurable(*ledger, acked);
  }
}

TEST_CASE("after a failed sync the same ledger appends again, gap-free, once syncs work",
          "[ledger][power-loss]") {
  Rig rig;
  auto ledger = rig.Open(/*sync=*/true);
  std::vector<AckedAppend> acked;
  uint64_t counter = 0;
  auto append = [&](const std::string& token, size_t n, ExpectedVersion expected,
                    std::vector<std::string>* ids_out = nullptr) {
    auto ids = Ids(11, 0, &counter, n);
    if (ids_out) *ids_out = ids;
    TaggedAppend events("case-1", "child-1", token, ids);
    auto r = ledger->Append("case-1", expected, events.events());
    if (r.ok()) acked.push_back(Acked("case-1", ids, *r));
    return r;
  };

  REQUIRE(append("a1", 3, ExpectedVersion::NoStream()).ok());
  REQUIRE(append("a2", 1, ExpectedVersion::Exact(2)).ok());

  rig.fs->SetSyncFailure(true);
  std::vector<std::string> failed_ids;
  auto f1 = append("f1", 3, ExpectedVersion::Exact(3), &failed_ids);
  INFO("first append with failing syncs: " << f1.status().ToString());
  REQUIRE_FALSE(f1.ok());
  CHECK(f1.status().IsIOError());
  // The next commit reopens the database, which cannot sync either.
  auto f2 = append("f2", 2, ExpectedVersion::Any());
  INFO("second append with failing syncs: " << f2.status().ToString());
  REQUIRE_FALSE(f2.ok());
  CHECK(f2.status().code() == Status::Code::kUnavailable);

  rig.fs->SetSyncFailure(false);
  auto b1 = append("b1", 2, ExpectedVersion::Any());
  INFO("first append once syncs work: " << b1.status().ToString());
  REQUIRE(b1.ok());
  auto b2 = append("b2", 1, ExpectedVersion::Exact(b1->head_version));
  REQUIRE(b2.ok());
  // The outcome of the failed append is unknown to its client, but whole. What happens here:
  // it reached the WAL before its sync failed, and the reopen replayed it, so it holds 4..6
  // and b1 follows at 7..8. A retry with its ids is answered with those positions.
  const std::vector<AckedAppend> failed = {AckedAppend{"case-1", 0, failed_ids, {}}};
  const size_t failed_present = 3 - CountLostEvents(*ledger, failed);
  INFO("events of the failed append present after recovery: " << failed_present);
  CHECK((failed_present == 0 || failed_present == 3));
  CHECK(b1->positions.front() == 4 + failed_present);
  if (failed_present == 3) {
    TaggedAppend retry("case-1", "child-1", "f1", failed_ids);
    auto again = ledger->Append("case-1", ExpectedVersion::Exact(3), retry.events());
    REQUIRE(again.ok());
    CHECK(again->deduplicated);
    CHECK(again->positions == std::vector<uint64_t>{4, 5, 6});
  }
  RequireDurable(*ledger, acked);

  SECTION("reopened") {
    ledger.reset();
    ledger = rig.Reopen();
    RequireDurable(*ledger, acked);
    CHECK(ledger->size() == 7 + failed_present);
  }
  SECTION("reopened after a power cut") {
    rig.fs->PowerOff();
    ledger.reset();
    REQUIRE(rig.fs->DropUnsyncedData().ok());
    ledger = rig.Reopen();
    RequireDurable(*ledger, acked);
    CHECK(ledger->size() == 7 + failed_present);
  }
}

// Reproduces a ledger bug (reported, not fixed here; hidden until the ledger is fixed): after a
// failed commit, Recover() falls back to a read-only open, whose WAL replay includes the failed
// group's unsynced records; LoadTail then raises size() over them and reads serve them. They
// were never acknowledged nor made durable, and a power cut takes them away: positions 4..6
// were visible and then held nothing (and will be reused by other events).
TEST_CASE("after a failed sync, reads serve only what was acknowledged", "[ledger][power-loss]") {
  Rig rig;
  auto ledger = rig.Open(/*sync=*/true);
  uint64_t counter = 0;
  auto append = [&](const std::string& token, size_t n) {
    auto ids = Ids(12, 0, &counter, n);
    TaggedAppend events("case-1", "child-1", token, ids);
    return ledger->Append("case-1", ExpectedVersion::Any(), events.events());
  };
  REQUIRE(append("a1", 4).ok());
  rig.fs->SetSyncFailure(true);
  REQUIRE_FALSE(append("f1", 3).ok());  // IOError; the ledger is left with failed_ set
  REQUIRE_FALSE(append("f2", 2).ok());  // Unavailable: Recover() reopened read-only
  auto log = ledger->ReadLog(0, 100);
  REQUIRE(log.ok());
  CHECK(ledger->size() == 4);
  CHECK(log->size() == 4);  // the failed append's events, replayed from the WAL, stay hidden
  CHECK(ledger->ReadEvent(4).status().IsNotFound());
  auto head = ledger->GetStream("case-1");
  REQUIRE(head.ok());
  CHECK(head->head_version == 3);
  CHECK(ledger->ReadStream("case-1", 0, 100)->size() == 4);

  rig.fs->PowerOff();
  ledger.reset();
  REQUIRE(rig.fs->DropUnsyncedData().ok());
  ledger = rig.Reopen();
  CHECK(ledger->size() == 4);  // what was never acknowledged is gone, and was never served
}

}  // namespace
}  // namespace caseledger
