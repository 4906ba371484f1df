#include "ledger/ledger.h"

#include <catch2/catch.hpp>

#include <set>
#include <thread>

#include "ledger/hash.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_events.h"

namespace caseledger {
namespace {

using testing::EventSpec;
using testing::kT0;
using testing::TempDir;
using testing::TestEvents;

struct Fixture {
  TempDir dir;
  ManualClock clock{kT0 + 60'000'000};
  std::unique_ptr<Ledger> ledger;

  Fixture() { Reopen(); }
  void Reopen() {
    ledger.reset();
    LedgerOptions o;
    o.data_dir = dir.Sub("data");
    o.clock = &clock;
    auto r = Ledger::Open(o);
    REQUIRE(r.ok());
    ledger = std::move(r).value();
  }
  Result<AppendResult> Append(const std::string& case_id, ExpectedVersion ev,
                              std::vector<schema::Event::Reader> events) {
    return ledger->Append(case_id, ev, events);
  }
};

TEST_CASE("appends get gap-free positions and per-case versions", "[ledger]") {
  Fixture f;
  TestEvents t;
  auto a = f.Append("case-1", ExpectedVersion::NoStream(), {t.Make({.case_id = "case-1"})});
  REQUIRE(a.ok());
  CHECK(a->positions == std::vector<uint64_t>{0});
  CHECK(a->first_version == 0);
  auto b = f.Append("case-2", ExpectedVersion::Any(), t.MakeMany(2, {.case_id = "case-2", .child_id = "child-2"}));
  REQUIRE(b.ok());
  CHECK(b->positions == std::vector<uint64_t>{1, 2});
  auto c = f.Append("case-1", ExpectedVersion::Exact(0), {t.Make({.case_id = "case-1"})});
  REQUIRE(c.ok());
  CHECK(c->positions == std::vector<uint64_t>{3});
  CHECK(c->first_version == 1);
  CHECK(f.ledger->size() == 4);

  auto stream = f.ledger->ReadStream("case-1", 0, 100);
  REQUIRE(stream.ok());
  REQUIRE(stream->size() == 2);
  CHECK((*stream)[0].position() == 0);
  CHECK((*stream)[1].position() == 3);
  CHECK((*stream)[1].reader().getStreamVersion() == 1);
  CHECK((*stream)[1].reader().getRecordedAt() == f.clock.NowMicros());
  CHECK((*stream)[1].reader().getSchemaVersion() == schema::SCHEMA_VERSION);
}

TEST_CASE("each event links to the leaf hash of its case's previous event", "[ledger]") {
  Fixture f;
  TestEvents t;
  REQUIRE(f.Append("case-1", ExpectedVersion::Any(), t.MakeMany(3)).ok());
  auto stream = f.ledger->ReadStream("case-1", 0, 10);
  REQUIRE(stream.ok());
  REQUIRE(stream->size() == 3);
  CHECK_FALSE((*stream)[0].reader().hasPrevLeafHash());
  for (size_t i = 1; i < 3; ++i) {
    Hash256 prev = LeafHash((*stream)[i - 1].bytes());
    auto link = (*stream)[i].reader().getPrevLeafHash();
    REQUIRE(link.size() == 32);
    CHECK(std::equal(link.begin(), link.end(), prev.begin()));
  }
  auto info = f.ledger->GetStream("case-1");
  REQUIRE(info.ok());
  CHECK(info->head_version == 2);
  CHECK(info->head_leaf_hash == LeafHash((*stream)[2].bytes()));
}

TEST_CASE("a wrong expected version is a Conflict naming the current version", "[ledger][conflict]") {
  Fixture f;
  TestEvents t;
  REQUIRE(f.Append("case-1", ExpectedVersion::Any(), t.MakeMany(3)).ok());

  auto exact = f.Append("case-1", ExpectedVersion::Exact(1), {t.Make()});
  REQUIRE(exact.status().IsConflict());
  CHECK_THAT(exact.status().message(), Catch::Contains("is at version 2"));

  auto none = f.Append("case-1", ExpectedVersion::NoStream(), {t.Make()});
  REQUIRE(none.status().IsConflict());
  CHECK_THAT(none.status().message(), Catch::Contains("version 2"));

  auto missing = f.Append("case-9", ExpectedVersion::Exact(0), {t.Make({.case_id = "case-9"})});
  REQUIRE(missing.status().IsConflict());
  CHECK_THAT(missing.status().message(), Catch::Contains("does not exist"));
  CHECK(f.ledger->size() == 3);
}

TEST_CASE("re-appending stored ids returns the original positions, even after a reopen",
          "[ledger][idempotency]") {
  Fixture f;
  TestEvents t;
  auto events = t.MakeMany(3);
  auto first = f.Append("case-1", ExpectedVersion::NoStream(), events);
  REQUIRE(first.ok());
  REQUIRE(f.Append("case-1", ExpectedVersion::Any(), {t.Make()}).ok());

  f.Reopen();
  // The retry still says NoStream, which no longer holds: a retry is answered as the original.
  auto retry = f.Append("case-1", ExpectedVersion::NoStream(), events);
  REQUIRE(retry.ok());
  CHECK(retry->deduplicated);
  CHECK(retry->positions == first->positions);
  CHECK(retry->first_version == 0);
  CHECK(f.ledger->size() == 4);
}

TEST_CASE("an id reused for other content is refused", "[ledger][idempotency]") {
  Fixture f;
  TestEvents t;
  const std::string id = TestEvents::FreshId();
  REQUIRE(f.Append("case-1", ExpectedVersion::Any(), {t.Make({.event_id = id})}).ok());
  auto other = f.Append("case-1", ExpectedVersion::Any(),
                        {t.Make({.event_id = id, .occurred_at = kT0 + 1})});
  REQUIRE(other.status().IsInvalidArgument());
  CHECK_THAT(other.status().message(), Catch::Contains("different content"));
  CHECK(f.ledger->size() == 1);
}

TEST_CASE("a batch mixing stored and new ids is refused and writes nothing", "[ledger][idempotency]") {
  Fixture f;
  TestEvents t;
  auto stored = t.Make();
  REQUIRE(f.Append("case-1", ExpectedVersion::Any(), {stored}).ok());
  auto mixed = f.Append("case-1", ExpectedVersion::Any(), {stored, t.Make()});
  REQUIRE(mixed.status().IsInvalidArgument());
  CHECK_THAT(mixed.status().message(), Catch::Contains("mixes"));
  CHECK(f.ledger->size() == 1);
}

TEST_CASE("a multi-event append is atomic: one bad event and none is written", "[ledger][atomicity]") {
  Fixture f;
  TestEvents t;
  std::vector<schema::Event::Reader> batch = t.MakeMany(4);
  // An event of another case inside the batch.
  batch.push_back(t.Make({.case_id = "case-2"}));
  auto r = f.Append("case-1", ExpectedVersion::Any(), batch);
  REQUIRE(r.status().IsInvalidArgument());
  CHECK(f.ledger->size() == 0);
  auto stream = f.ledger->ReadStream("case-1", 0, 10);
  CHECK(stream.status().IsNotFound());

  // The same ids, fixed, are still free.
  batch.pop_back();
  REQUIRE(f.Append("case-1", ExpectedVersion::Any(), batch).ok());
  CHECK(f.ledger->size() == 4);
}

TEST_CASE("validation failures write nothing", "[ledger][validation]") {
  Fixture f;
  TestEvents t;
  SECTION("occurred-at too far in the future") {
    auto r = f.Append("case-1", ExpectedVersion::Any(),
                      {t.Make({.occurred_at = f.clock.NowMicros() + 3600LL * 1000000})});
    REQUIRE(r.status().IsInvalidArgument());
    CHECK_THAT(r.status().message(), Catch::Contains("clock skew"));
  }
  SECTION("supersedes an event of another case") {
    auto other = t.Make({.case_id = "case-2"});
    REQUIRE(f.Append("case-2", ExpectedVersion::Any(), {other}).ok());
    std::string other_id(reinterpret_cast<const char*>(other.getEventId().begin()), 16);
    auto r = f.Append("case-1", ExpectedVersion::Any(), {t.Make({.supersedes = other_id})});
    REQUIRE(r.status().IsInvalidArgument());
    CHECK_THAT(r.status().message(), Catch::Contains("not an event of case"));
    CHECK(f.ledger->size() == 1);
    return;
  }
  SECTION("supersedes an unknown event") {
    auto r = f.Append("case-1", ExpectedVersion::Any(),
                      {t.Make({.supersedes = TestEvents::FreshId()})});
    REQUIRE(r.status().IsInvalidArgument());
  }
  SECTION("the same id twice in one append") {
    const std::string id = TestEvents::FreshId();
    auto r = f.Append("case-1", ExpectedVersion::Any(),
                      {t.Make({.event_id = id}), t.Make({.event_id = id})});
    REQUIRE(r.status().IsInvalidArgument());
  }
  SECTION("another child for an existing case") {
    REQUIRE(f.Append("case-1", ExpectedVersion::Any(), {t.Make()}).ok());
    auto r = f.Append("case-1", ExpectedVersion::Any(), {t.Make({.child_id = "child-2"})});
    REQUIRE(r.status().IsInvalidArgument());
    CHECK(f.ledger->size() == 1);
    return;
  }
  SECTION("an empty append") {
    auto r = f.Append("case-1", ExpectedVersion::Any(), {});
    REQUIRE(r.status().IsInvalidArgument());
  }
  CHECK(f.ledger->size() == 0);
}

TEST_CASE("a correction of an event of the same case is accepted", "[ledger][validation]") {
  Fixture f;
  TestEvents t;
  const std::string id = TestEvents::FreshId();
  REQUIRE(f.Append("case-1", ExpectedVersion::Any(), {t.Make({.event_id = id})}).ok());
  auto r = f.Append("case-1", ExpectedVersion::Exact(0), {t.Make({.supersedes = id})});
  REQUIRE(r.ok());
  // And within one append, a correction of an earlier event of the same append.
  const std::string id2 = TestEvents::FreshId();
  REQUIRE(f.Append("case-1", ExpectedVersion::Any(),
                   {t.Make({.event_id = id2}), t.Make({.supersedes = id2})})
              .ok());
}

TEST_CASE("recorded-at stays monotonic when the wall clock steps back", "[ledger][clock]") {
  Fixture f;
  TestEvents t;
  REQUIRE(f.Append("case-1", ExpectedVersion::Any(), {t.Make()}).ok());
  const int64_t before = f.clock.NowMicros();
  f.clock.Set(before - 3600LL * 1000000);
  auto r = f.Append("case-1", ExpectedVersion::Any(), {t.Make({.occurred_at = kT0})});
  REQUIRE(r.ok());
  CHECK(r->recorded_at == before);
  // Also across a reopen: the newest stored recorded-at is the floor.
  f.Reopen();
  auto r2 = f.Append("case-1", ExpectedVersion::Any(), {t.Make({.occurred_at = kT0})});
  REQUIRE(r2.ok());
  CHECK(r2->recorded_at == before);
}

TEST_CASE("events persist across a reopen", "[ledger][persistence]") {
  Fixture f;
  TestEvents t;
  REQUIRE(f.Append("case-1", ExpectedVersion::Any(), t.MakeMany(5)).ok());
  REQUIRE(f.Append("case-2", ExpectedVersion::Any(), t.MakeMany(2, {.case_id = "case-2"})).ok());
  f.Reopen();
  CHECK(f.ledger->size() == 7);
  auto log = f.ledger->ReadLog(0, 100);
  REQUIRE(log.ok());
  REQUIRE(log->size() == 7);
  for (uint64_t i = 0; i < 7; ++i) CHECK((*log)[i].reader().getGlobalPosition() == i);
  auto next = f.Append("case-1", ExpectedVersion::Exact(4), {t.Make()});
  REQUIRE(next.ok());
  CHECK(next->positions.front() == 7);
  auto stats = f.ledger->Stats();
  REQUIRE(stats.ok());
  CHECK(stats->stream_count == 2);
  CHECK(stats->event_count == 8);
}

TEST_CASE("reads are paged and bounded", "[ledger][read]") {
  Fixture f;
  TestEvents t;
  REQUIRE(f.Append("case-1", ExpectedVersion::Any(), t.MakeMany(10)).ok());
  auto page = f.ledger->ReadLog(3, 4);
  REQUIRE(page.ok());
  REQUIRE(page->size() == 4);
  CHECK(page->front().position() == 3);
  auto tail = f.ledger->ReadLog(8, 100);
  REQUIRE(tail.ok());
  CHECK(tail->size() == 2);
  auto past = f.ledger->ReadLog(100, 10);
  REQUIRE(past.ok());
  CHECK(past->empty());
  auto stream = f.ledger->ReadStream("case-1", 7, 100);
  REQUIRE(stream.ok());
  CHECK(stream->size() == 3);
  CHECK(f.ledger->ReadEvent(10).status().IsNotFound());
  auto list = f.ledger->ListStreams("", 10);
  REQUIRE(list.ok());
  CHECK(list->size() == 1);
}

TEST_CASE("personal data is moved into the sealed section and the clear field is not stored",
          "[ledger][privacy]") {
  Fixture f;
  TestEvents t;
  REQUIRE(f.Append("case-1", ExpectedVersion::Any(), {t.Make({.given_name = "Zorblatt"})}).ok());
  auto ev = f.ledger->ReadEvent(0);
  REQUIRE(ev.ok());
  CHECK_FALSE(ev->reader().hasPersonal());
  REQUIRE(ev->reader().hasSealed());
  // Scheme 0x01: encrypted under the child's data key (docs/storage_format.md); seal_test.cc
  // checks what it opens to.
  CHECK(ev->reader().getSealed()[0] == 0x01);
}

TEST_CASE("positions stay gap-free under concurrent appenders", "[ledger][concurrency]") {
  Fixture f;
  constexpr int kThreads = 8;
  constexpr int kPerThread = 50;
  std::vector<std::thread> threads;
  std::vector<std::vector<uint64_t>> got(kThreads);
  std::atomic<int> failures{0};
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      TestEvents t;
      const std::string case_id = "case-" + std::to_string(i);
      for (int k = 0; k < kPerThread; ++k) {
        // Half the appends use exact versions: each thread owns its case, so none conflicts.
        auto expected = k % 2 ? ExpectedVersion::Exact(k - 1) : ExpectedVersion::Any();
        auto r = f.ledger->Append(case_id, expected, std::vector<schema::Event::Reader>{t.Make({.case_id = case_id, .child_id = "child-" + std::to_string(i)})});
        if (!r.ok()) {
          ++failures;
          continue;
        }
        got[i].push_back(r->positions.front());
      }
    });
  }
  for (auto& th : threads) th.join();
  REQUIRE(failures == 0);
  std::set<uint64_t> all;
  for (auto& v : got) {
    CHECK(std::is_sorted(v.begin(), v.end()));
    all.insert(v.begin(), v.end());
  }
  REQUIRE(all.size() == kThreads * kPerThread);
  CHECK(*all.rbegin() == kThreads * kPerThread - 1);
  auto log = f.ledger->ReadLog(0, 1000);
  REQUIRE(log.ok());
  CHECK(log->size() == kThreads * kPerThread);
}

TEST_CASE("a directory of another format is refused", "[ledger][open]") {
  TempDir dir;
  LedgerOptions o;
  o.data_dir = dir.Sub("none");
  o.create_if_missing = false;
  CHECK(Ledger::Open(o).status().IsNotFound());
  o.read_only = true;
  CHECK(Ledger::Open(o).status().IsNotFound());
}

TEST_CASE("a read-only ledger reads and refuses appends", "[ledger][open]") {
  Fixture f;
  TestEvents t;
  REQUIRE(f.Append("case-1", ExpectedVersion::Any(), t.MakeMany(2)).ok());
  LedgerOptions o;
  o.data_dir = f.dir.Sub("data");
  o.read_only = true;
  auto ro = Ledger::Open(o);  // while the writer still holds the directory
  REQUIRE(ro.ok());
  CHECK((*ro)->size() == 2);
  auto r = (*ro)->Append("case-1", ExpectedVersion::Any(), std::vector<schema::Event::Reader>{t.Make()});
  CHECK(r.status().code() == Status::Code::kUnavailable);
}

TEST_CASE("a second writer on the same directory is Busy", "[ledger][open]") {
  Fixture f;
  LedgerOptions o;
  o.data_dir = f.dir.Sub("data");
  auto second = Ledger::Open(o);
  CHECK(second.status().code() == Status::Code::kBusy);
}

}  // namespace
}  // namespace caseledger
