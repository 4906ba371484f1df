// Sealed personal data: encrypted per child, never on disk in the clear, and refused when
// altered (docs/storage_format.md, "Sealed personal data").
#include "ledger/seal.h"

#include <capnp/serialize.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <cstring>
#include <thread>

#include "ledger/ledger.h"
#include "tests/ledger/seal_test_util.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_events.h"

namespace caseledger {
namespace {

using testing::EventSpec;
using testing::FilesContaining;
using testing::kT0;
using testing::TempDir;
using testing::TestEvents;

// Invented names, distinctive enough that no file holds them by chance.
constexpr char kName[] = "Quillontrix";
constexpr char kOtherName[] = "Vendabrisk";
// Stored in a clear field: the control that proves the search can find what is there.
constexpr char kClearMarker[] = "agency-Plaintextcontrolmark";

struct Fixture {
  TempDir dir;
  ManualClock clock{kT0 + 60'000'000};
  std::unique_ptr<Ledger> ledger;

  Fixture() { Reopen(); }
  LedgerOptions Options() {
    LedgerOptions o;
    o.data_dir = dir.Sub("data");
    o.clock = &clock;
    o.disable_compression = true;
    return o;
  }
  void Reopen() {
    ledger.reset();
    auto r = Ledger::Open(Options());
    REQUIRE(r.ok());
    ledger = std::move(r).value();
  }
};

std::string GivenName(const UnsealedPersonal& u) {
  REQUIRE(u.state == UnsealedPersonal::State::kOpen);
  REQUIRE(u.canonical.size() % 8 == 0);
  auto words = kj::heapArray<capnp::word>(u.canonical.size() / 8);
  std::memcpy(words.begin(), u.canonical.data(), u.canonical.size());
  kj::ArrayPtr<const capnp::word> segments[1] = {words};
  capnp::SegmentArrayMessageReader reader(segments);
  return reader.getRoot<schema::PersonalData>().getGivenName().cStr();
}

TEST_CASE("AES-256-GCM opens what it sealed and refuses other associated data", "[seal]") {
  auto key = SecretKey::Random();
  REQUIRE(key.ok());
  const std::string plain = "sixteen bytes!!!";
  auto sealed = AeadSeal(*key, AsBytes("ad"), AsBytes(plain));
  REQUIRE(sealed.ok());
  CHECK(sealed->size() == plain.size() + kAeadNonceSize + kAeadTagSize);
  CHECK(sealed->find(plain) == std::string::npos);
  auto opened = AeadOpen(*key, AsBytes("ad"), AsBytes(*sealed));
  REQUIRE(opened.ok());
  CHECK(*opened == plain);
  auto other = AeadOpen(*key, AsBytes("other"), AsBytes(*sealed));
  CHECK(other.status().IsCorruption());
}

TEST_CASE("no file of the data directory or the log holds a sealed name, plain or base64",
          "[seal][privacy]") {
  Fixture f;
  auto sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>(f.dir.Sub("ledger.log"));
  auto logger = std::make_shared<spdlog::logger>("ledger-test", sink);
  logger->set_level(spdlog::level::trace);
  {
    f.ledger.reset();
    LedgerOptions o = f.Options();
    o.logger = logger;
    auto r = Ledger::Open(o);
    REQUIRE(r.ok());
    f.ledger = std::move(r).value();
  }
  TestEvents t;
  REQUIRE(
      f.ledger
          ->Append("case-1", ExpectedVersion::Any(),
                   std::vector<schema::Event::Reader>{t.Make(
                       {.child_id = "child-q", .given_name = kName, .agency_id = kClearMarker})})
          .ok());
  REQUIRE(f.ledger
              ->Append("case-2", ExpectedVersion::Any(),
                       std::vector<schema::Event::Reader>{t.Make(
                           {.case_id = "case-2", .child_id = "child-v", .given_name = kOtherName})})
              .ok());
  REQUIRE(f.ledger->Sync().ok());  // table files too, not only the write-ahead log
  f.Reopen();
  auto ev = f.ledger->ReadEvent(0);
  REQUIRE(ev.ok());
  auto u = f.ledger->Unseal(*ev);
  REQUIRE(u.ok());
  CHECK(GivenName(*u) == kName);
  f.ledger.reset();
  logger->flush();

  CHECK_FALSE(FilesContaining(f.dir.path(), kClearMarker).empty());  // the search works
  CHECK(FilesContaining(f.dir.path(), kName).empty());
  CHECK(FilesContaining(f.dir.path(), kOtherName).empty());
}

TEST_CASE("sealed data is scheme 1 and unseals to what the client sent, across a restart",
          "[seal]") {
  Fixture f;
  TestEvents t;
  REQUIRE(
      f.ledger
          ->Append("case-1", ExpectedVersion::Any(),
                   std::vector<schema::Event::Reader>{t.Make({.given_name = kName}), t.Make({})})
          .ok());
  f.Reopen();
  auto log = f.ledger->ReadLog(0, 10);
  REQUIRE(log.ok());
  REQUIRE(log->size() == 2);
  auto sealed = (*log)[0].reader().getSealed();
  REQUIRE(sealed.size() > 0);
  CHECK(sealed[0] == kSealedAes256Gcm);
  auto u = f.ledger->Unseal((*log)[0]);
  REQUIRE(u.ok());
  CHECK(GivenName(*u) == kName);
  auto none = f.ledger->Unseal((*log)[1]);
  REQUIRE(none.ok());
  CHECK(none->state == UnsealedPersonal::State::kNone);
}

TEST_CASE("a flipped ciphertext byte fails to unseal with a clear error", "[seal][corruption]") {
  Fixture f;
  TestEvents t;
  REQUIRE(f.ledger
              ->Append("case-1", ExpectedVersion::Any(),
                       std::vector<schema::Event::Reader>{t.Make({.given_name = kName})})
              .ok());
  f.Reopen();
  auto ev = f.ledger->ReadEvent(0);
  REQUIRE(ev.ok());
  auto sealed = ev->reader().getSealed();
  const std::string sealed_bytes(reinterpret_cast<const char*>(sealed.begin()), sealed.size());
  auto bytes = ev->bytes();
  std::string altered(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  const size_t at = altered.find(sealed_bytes);
  REQUIRE(at != std::string::npos);
  // A byte of the ciphertext: past scheme, generation and nonce.
  altered[at + 1 + 4 + kAeadNonceSize + 3] ^= 0x01;
  auto tampered = StoredEvent::FromBytes(0, altered);
  REQUIRE(tampered.ok());
  auto u = f.ledger->Unseal(*tampered);
  REQUIRE(u.status().IsCorruption());
  CHECK_THAT(u.status().message(),
             Catch::Contains("position 0") && Catch::Contains("authentication failed"));
  // The stored event itself is untouched and still opens.
  CHECK(f.ledger->Unseal(*ev).ok());
}

TEST_CASE("an event moved to another child does not unseal", "[seal][corruption]") {
  Fixture f;
  TestEvents t;
  REQUIRE(f.ledger
              ->Append("case-1", ExpectedVersion::Any(),
                       std::vector<schema::Event::Reader>{
                           t.Make({.child_id = "child-a", .given_name = kName})})
              .ok());
  REQUIRE(f.ledger
              ->Append("case-2", ExpectedVersion::Any(),
                       std::vector<schema::Event::Reader>{t.Make(
                           {.case_id = "case-2", .child_id = "child-b", .given_name = kOtherName})})
              .ok());
  auto ev = f.ledger->ReadEvent(0);
  REQUIRE(ev.ok());
  // The same ciphertext under child-b's envelope: the associated data (and key) differ.
  capnp::MallocMessageBuilder msg;
  msg.setRoot(ev->reader());
  msg.getRoot<schema::Event>().setChildId("child-b");
  auto words = capnp::canonicalize(msg.getRoot<schema::Event>().asReader());
  auto moved = StoredEvent::FromBytes(
      0,
      std::string(reinterpret_cast<const char*>(words.asBytes().begin()), words.asBytes().size()));
  REQUIRE(moved.ok());
  CHECK(f.ledger->Unseal(*moved).status().IsCorruption());
}

TEST_CASE("idempotency keeps no unkeyed digest of personal data, and retries still match",
          "[seal][privacy]") {
  Fixture f;
  TestEvents t;
  auto personal = t.Make({.given_name = kName});
  auto plain = t.Make({});
  const Hash256 personal_digest = ClientContentDigest(personal);
  const Hash256 plain_digest = ClientContentDigest(plain);
  auto first = f.ledger->Append("case-1", ExpectedVersion::Any(),
                                std::vector<schema::Event::Reader>{personal, plain});
  REQUIRE(first.ok());
  f.Reopen();
  auto retry = f.ledger->Append("case-1", ExpectedVersion::Any(),
                                std::vector<schema::Event::Reader>{personal, plain});
  REQUIRE(retry.ok());
  CHECK(retry->deduplicated);
  CHECK(retry->positions == first->positions);
  // Same id, other personal data: refused.
  capnp::MallocMessageBuilder changed;
  changed.setRoot(personal);
  changed.getRoot<schema::Event>().getPersonal().setGivenName(kOtherName);
  auto refused = f.ledger->Append(
      "case-1", ExpectedVersion::Any(),
      std::vector<schema::Event::Reader>{changed.getRoot<schema::Event>().asReader()});
  CHECK(refused.status().IsInvalidArgument());
  REQUIRE(f.ledger->Sync().ok());
  f.ledger.reset();
  const std::string plain_bytes(reinterpret_cast<const char*>(plain_digest.data()), 32);
  const std::string personal_bytes(reinterpret_cast<const char*>(personal_digest.data()), 32);
  CHECK_FALSE(FilesContaining(f.dir.path(), plain_bytes).empty());  // the search works
  CHECK(FilesContaining(f.dir.path(), personal_bytes).empty());
}

// `event` as a directory from before encryption stored it: sealed = 0x00 | canonical words.
StoredEvent AsUnencrypted(const StoredEvent& event, const std::string& canonical) {
  capnp::MallocMessageBuilder msg;
  msg.setRoot(event.reader());
  auto sealed = msg.getRoot<schema::Event>().initSealed(canonical.size() + 1);
  sealed[0] = kSealedUnencrypted;
  std::memcpy(sealed.begin() + 1, canonical.data(), canonical.size());
  auto words = capnp::canonicalize(msg.getRoot<schema::Event>().asReader());
  auto ev = StoredEvent::FromBytes(
      event.position(),
      std::string(reinterpret_cast<const char*>(words.asBytes().begin()), words.asBytes().size()));
  REQUIRE(ev.ok());
  return std::move(ev).value();
}

TEST_CASE("unencrypted sealed sections of old directories still read, as erased after erasure",
          "[seal][erasure]") {
  Fixture f;
  TestEvents t;
  testing::PrivacyEvents p;
  REQUIRE(f.ledger
              ->Append("case-1", ExpectedVersion::Any(),
                       std::vector<schema::Event::Reader>{t.Make({.given_name = kName})})
              .ok());
  auto ev = f.ledger->ReadEvent(0);
  REQUIRE(ev.ok());
  auto opened = f.ledger->Unseal(*ev);
  REQUIRE(opened.ok());
  const StoredEvent old = AsUnencrypted(*ev, opened->canonical);
  auto legacy = f.ledger->Unseal(old);
  REQUIRE(legacy.ok());
  CHECK(GivenName(*legacy) == kName);
  REQUIRE(
      f.ledger
          ->Append("case-1", ExpectedVersion::Any(),
                   std::vector<schema::Event::Reader>{p.ErasureRequested(t, {.case_id = "case-1"}),
                                                      p.ErasureExecuted(t, {.case_id = "case-1"})})
          .ok());
  f.Reopen();
  auto after = f.ledger->Unseal(old);
  REQUIRE(after.ok());
  CHECK(after->state == UnsealedPersonal::State::kErased);
}

TEST_CASE("concurrent first appends of one child's personal data share one data key",
          "[seal][concurrency]") {
  Fixture f;
  constexpr int kThreads = 6;
  constexpr int kPerThread = 20;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      TestEvents t;
      const std::string case_id = "case-" + std::to_string(i);
      for (int k = 0; k < kPerThread; ++k) {
        auto r = f.ledger->Append(
            case_id, ExpectedVersion::Any(),
            std::vector<schema::Event::Reader>{
                t.Make({.case_id = case_id, .child_id = "child-shared", .given_name = kName})});
        if (!r.ok()) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  REQUIRE(failures == 0);
  f.Reopen();
  auto log = f.ledger->ReadLog(0, kThreads * kPerThread);
  REQUIRE(log.ok());
  REQUIRE(log->size() == kThreads * kPerThread);
  int opened = 0;
  for (const auto& ev : *log) {
    auto u = f.ledger->Unseal(ev);
    INFO("position " << ev.position() << ": " << u.status().ToString());
    REQUIRE(u.ok());
    if (GivenName(*u) == kName) ++opened;
  }
  CHECK(opened == kThreads * kPerThread);
}

}  // namespace
}  // namespace caseledger
