// Group commit: many concurrent appends, one writer.
#include <catch2/catch.hpp>

#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>

#include "ledger/ledger.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_events.h"

namespace caseledger {
namespace {

using testing::TempDir;
using testing::TestEvents;

TEST_CASE("queued appends to one case commit in submission order with exact versions",
          "[ledger][group-commit]") {
  TempDir dir;
  ManualClock clock(testing::kT0 + 1000000);
  LedgerOptions o;
  o.data_dir = dir.Sub("data");
  o.clock = &clock;
  auto ledger = Ledger::Open(o);
  REQUIRE(ledger.ok());
  TestEvents t;
  constexpr int kAppends = 200;
  std::mutex mu;
  std::condition_variable cv;
  int done = 0;
  std::vector<Result<AppendResult>> results(kAppends, Status::Unavailable("pending"));
  for (int i = 0; i < kAppends; ++i) {
    // Each append expects the version the previous one creates: only a writer that keeps
    // submission order and sees its own group's earlier appends can satisfy all of them.
    auto expected = i == 0 ? ExpectedVersion::NoStream() : ExpectedVersion::Exact(2 * i - 1);
    (*ledger)->AppendAsync("case-1", expected, t.MakeMany(2), [&, i](Result<AppendResult> r) {
      std::lock_guard<std::mutex> l(mu);
      results[i] = std::move(r);
      ++done;
      cv.notify_all();
    });
  }
  std::unique_lock<std::mutex> l(mu);
  cv.wait(l, [&] { return done == kAppends; });
  for (int i = 0; i < kAppends; ++i) {
    INFO("append " << i << ": " << results[i].status().ToString());
    REQUIRE(results[i].ok());
    CHECK(results[i]->first_version == static_cast<uint64_t>(2 * i));
    CHECK(results[i]->positions == std::vector<uint64_t>{uint64_t(2 * i), uint64_t(2 * i + 1)});
  }
  CHECK((*ledger)->size() == 2 * kAppends);
}

TEST_CASE("a failing request in a group does not stop the others", "[ledger][group-commit]") {
  TempDir dir;
  LedgerOptions o;
  o.data_dir = dir.Sub("data");
  auto ledger = Ledger::Open(o);
  REQUIRE(ledger.ok());
  TestEvents t;
  std::mutex mu;
  std::condition_variable cv;
  int done = 0;
  std::vector<Status> statuses(3);
  auto submit = [&](int i, const std::string& case_id, ExpectedVersion e) {
    (*ledger)->AppendAsync(case_id, e, std::vector<schema::Event::Reader>{t.Make({.case_id = case_id})},
                           [&, i](Result<AppendResult> r) {
                             std::lock_guard<std::mutex> l(mu);
                             statuses[i] = r.status();
                             ++done;
                             cv.notify_all();
                           });
  };
  submit(0, "case-a", ExpectedVersion::NoStream());
  submit(1, "case-a", ExpectedVersion::NoStream());  // conflicts with the first
  submit(2, "case-b", ExpectedVersion::NoStream());
  std::unique_lock<std::mutex> l(mu);
  cv.wait(l, [&] { return done == 3; });
  CHECK(statuses[0].ok());
  CHECK(statuses[1].IsConflict());
  CHECK(statuses[2].ok());
  CHECK((*ledger)->size() == 2);
}

TEST_CASE("closing the ledger finishes appends already queued", "[ledger][group-commit]") {
  TempDir dir;
  LedgerOptions o;
  o.data_dir = dir.Sub("data");
  std::atomic<int> ok{0};
  {
    auto ledger = Ledger::Open(o);
    REQUIRE(ledger.ok());
    TestEvents t;
    for (int i = 0; i < 100; ++i) {
      (*ledger)->AppendAsync("case-1", ExpectedVersion::Any(), std::vector<schema::Event::Reader>{t.Make()},
                             [&](Result<AppendResult> r) { ok += r.ok(); });
    }
  }
  CHECK(ok == 100);
  auto reopened = Ledger::Open(o);
  REQUIRE(reopened.ok());
  CHECK((*reopened)->size() == 100);
}

}  // namespace
}  // namespace caseledger

namespace caseledger {
namespace {

TEST_CASE("a retry queued in the same group as its original gets the original's answer",
          "[ledger][group-commit][idempotency]") {
  testing::TempDir dir;
  LedgerOptions o;
  o.data_dir = dir.Sub("data");
  auto ledger = Ledger::Open(o);
  REQUIRE(ledger.ok());
  testing::TestEvents t;
  // Many rounds, so that at least some retries land in their original's group.
  for (int round = 0; round < 50; ++round) {
    auto events = t.MakeMany(3, {.case_id = "case-" + std::to_string(round)});
    std::mutex mu;
    std::condition_variable cv;
    std::vector<Result<AppendResult>> results;
    for (int k = 0; k < 2; ++k) {
      (*ledger)->AppendAsync("case-" + std::to_string(round), ExpectedVersion::NoStream(), events,
                             [&](Result<AppendResult> r) {
                               std::lock_guard<std::mutex> l(mu);
                               results.push_back(std::move(r));
                               cv.notify_all();
                             });
    }
    std::unique_lock<std::mutex> l(mu);
    cv.wait(l, [&] { return results.size() == 2; });
    REQUIRE(results[0].ok());
    REQUIRE(results[1].ok());
    CHECK(results[0]->positions == results[1]->positions);
    CHECK(results[0]->first_version == 0);
    CHECK(results[1]->first_version == 0);
    CHECK(results[0]->deduplicated != results[1]->deduplicated);
  }
  CHECK((*ledger)->size() == 150);
}

TEST_CASE("groups capped by max_group_bytes still commit every queued append in order",
          "[ledger][group-commit]") {
  TempDir dir;
  ManualClock clock(testing::kT0 + 1000000);
  LedgerOptions o;
  o.data_dir = dir.Sub("data");
  o.clock = &clock;
  o.max_group_bytes = 4096;  // a few appends per group: staging fills while a group syncs
  auto ledger = Ledger::Open(o);
  REQUIRE(ledger.ok());
  TestEvents t;
  constexpr int kAppends = 300;
  std::mutex mu;
  std::condition_variable cv;
  int done = 0;
  std::vector<Result<AppendResult>> results(kAppends, Status::Unavailable("pending"));
  for (int i = 0; i < kAppends; ++i) {
    // Two cases interleaved, each append expecting the version its predecessor made.
    const std::string case_id = i % 2 == 0 ? "case-a" : "case-b";
    const int k = i / 2;
    auto expected = k == 0 ? ExpectedVersion::NoStream() : ExpectedVersion::Exact(2 * k - 1);
    auto events = t.MakeMany(2, {.case_id = case_id, .child_id = "child-" + case_id});
    (*ledger)->AppendAsync(case_id, expected, events, [&, i](Result<AppendResult> r) {
      std::lock_guard<std::mutex> l(mu);
      results[i] = std::move(r);
      ++done;
      cv.notify_all();
    });
  }
  {
    std::unique_lock<std::mutex> l(mu);
    cv.wait(l, [&] { return done == kAppends; });
  }
  for (int i = 0; i < kAppends; ++i) {
    INFO("append " << i << ": " << results[i].status().ToString());
    REQUIRE(results[i].ok());
    CHECK(results[i]->first_version == static_cast<uint64_t>(2 * (i / 2)));
    CHECK(results[i]->positions == std::vector<uint64_t>{uint64_t(2 * i), uint64_t(2 * i + 1)});
  }
  CHECK((*ledger)->size() == 2 * kAppends);
  CHECK((*ledger)->GetCommitStats().groups > 10);
}

TEST_CASE("appenders are answered in submission order, whichever writer thread answers",
          "[ledger][group-commit]") {
  TempDir dir;
  ManualClock clock(testing::kT0 + 1000000);
  LedgerOptions o;
  o.data_dir = dir.Sub("data");
  o.clock = &clock;
  auto ledger = Ledger::Open(o);
  REQUIRE(ledger.ok());
  TestEvents t;
  std::mutex mu;
  std::condition_variable cv;
  std::vector<int> answered;
  int submitted = 0;
  auto submit = [&](int n) {
    for (int k = 0; k < n; ++k) {
      const int i = submitted++;
      (*ledger)->AppendAsync("case-" + std::to_string(i), ExpectedVersion::NoStream(),
                             t.MakeMany(1, {.case_id = "case-" + std::to_string(i)}),
                             [&, i](Result<AppendResult> r) {
                               // A slow answer (the server posts replies here) must not let a
                               // later group's answer overtake it.
                               if (i % 4 == 2) std::this_thread::sleep_for(std::chrono::milliseconds(3));
                               std::lock_guard<std::mutex> l(mu);
                               answered.push_back(r.ok() ? i : -1);
                               cv.notify_all();
                             });
    }
  };
  auto wait_for = [&](int n) {
    std::unique_lock<std::mutex> l(mu);
    cv.wait(l, [&] { return static_cast<int>(answered.size()) >= n; });
  };
  // Rounds of a pair (a group for the syncer), then two lone appends one after the other (the
  // second may be written by the stager itself while the first's answer is still running).
  for (int round = 0; round < 30; ++round) {
    submit(2);
    wait_for(submitted);
    submit(1);
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
    submit(1);
    wait_for(submitted);
  }
  std::vector<int> expected(submitted);
  for (int i = 0; i < submitted; ++i) expected[i] = i;
  CHECK(answered == expected);
}

TEST_CASE("the writer counts one synced write per group and none for a refused append",
          "[ledger][group-commit]") {
  TempDir dir;
  LedgerOptions o;
  o.data_dir = dir.Sub("data");
  o.checkpoint_every_micros = 3600LL * 1000 * 1000;  // no timed checkpoint during the test
  auto ledger = Ledger::Open(o);
  REQUIRE(ledger.ok());
  TestEvents t;
  const CommitStats before = (*ledger)->GetCommitStats();
  // One at a time: each append is a group of its own.
  for (int i = 0; i < 3; ++i) {
    REQUIRE((*ledger)->Append("case-1", ExpectedVersion::Any(), t.MakeMany(2)).ok());
  }
  // Refused before anything is written: no group write, no sync.
  auto refused = (*ledger)->Append("case-1", ExpectedVersion::NoStream(), t.MakeMany(1));
  REQUIRE(refused.status().IsConflict());
  const CommitStats after = (*ledger)->GetCommitStats();
  CHECK(after.groups - before.groups == 3);
  CHECK(after.synced_writes - before.synced_writes == 3);
  CHECK(after.requests - before.requests == 4);
  CHECK(after.events - before.events == 6);
  CHECK(after.write_nanos > before.write_nanos);
  CHECK(after.stage_nanos > before.stage_nanos);
}

}  // namespace
}  // namespace caseledger
