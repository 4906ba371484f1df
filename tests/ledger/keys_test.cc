// Master key files, the wrong key at open, and rotation (docs/storage_format.md, "Keys").
#include "ledger/keys.h"

#include <sys/stat.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "ledger/ledger.h"
#include "tests/ledger/seal_test_util.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_events.h"
#include "tools/cli.h"
#include "tools/cli_keys.h"

namespace caseledger {
namespace {

using testing::FilesContaining;
using testing::kT0;
using testing::RawChildKeyRecord;
using testing::TempDir;
using testing::TestEvents;

constexpr char kName[] = "Brastomelka";

std::string NewKeyFile(const TempDir& dir, const std::string& name) {
  auto key = MasterKey::Generate();
  REQUIRE(key.ok());
  const std::string path = dir.Sub(name);
  REQUIRE(key->SaveToFile(path).ok());
  return path;
}

Result<std::unique_ptr<Ledger>> OpenWith(const TempDir& dir, Clock* clock, const std::string& key,
                                         bool read_only = false) {
  LedgerOptions o;
  o.data_dir = dir.Sub("data");
  o.clock = clock;
  o.master_key_path = key;
  o.disable_compression = true;
  o.read_only = read_only;
  return Ledger::Open(o);
}

// Every event's stored bytes and unsealed personal data, in log order.
std::vector<std::string> Contents(Ledger& ledger) {
  std::vector<std::string> out;
  auto log = ledger.ReadLog(0, 1000);
  REQUIRE(log.ok());
  for (const auto& ev : *log) {
    out.emplace_back(reinterpret_cast<const char*>(ev.bytes().data()), ev.bytes().size());
    auto u = ledger.Unseal(ev);
    REQUIRE(u.ok());
    out.push_back(u->canonical);
  }
  return out;
}

TEST_CASE("a master key file round-trips and has mode 0600", "[keys]") {
  TempDir dir;
  const std::string path = NewKeyFile(dir, "k");
  struct stat st;
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  auto a = MasterKey::LoadFromFile(path);
  REQUIRE(a.ok());
  auto b = MasterKey::LoadFromFile(path);
  REQUIRE(b.ok());
  CHECK(a->fingerprint_hex() == b->fingerprint_hex());
  CHECK(a->fingerprint_hex().size() == 16);
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  CHECK(line.size() == 64);
}

TEST_CASE("a master key file open to others, inside the data directory or malformed is refused",
          "[keys]") {
  TempDir dir;
  const std::string path = NewKeyFile(dir, "k");
  REQUIRE(::chmod(path.c_str(), 0640) == 0);
  auto loose = MasterKey::LoadFromFile(path);
  REQUIRE(loose.status().code() == Status::Code::kPermissionDenied);
  CHECK_THAT(loose.status().message(), Catch::Contains("0640") && Catch::Contains("chmod 600"));

  CHECK(CheckKeyOutsideDataDir(dir.Sub("data/inner.key"), dir.Sub("data")).IsInvalidArgument());
  CHECK(CheckKeyOutsideDataDir(dir.Sub("data/../data/x"), dir.Sub("data/")).IsInvalidArgument());
  CHECK(CheckKeyOutsideDataDir(dir.Sub("data.master-key"), dir.Sub("data")).ok());
  CHECK(CheckKeyOutsideDataDir(dir.Sub("database.key"), dir.Sub("data")).ok());
  ManualClock clock{kT0};
  std::filesystem::create_directories(dir.Sub("data"));
  const std::string inside = NewKeyFile(dir, "data/inner.key");
  CHECK(OpenWith(dir, &clock, inside).status().IsInvalidArgument());

  const std::string bad = dir.Sub("bad");
  {
    std::ofstream out(bad);
    out << "not a key\n";
  }
  REQUIRE(::chmod(bad.c_str(), 0600) == 0);
  CHECK(MasterKey::LoadFromFile(bad).status().IsInvalidArgument());
  CHECK(MasterKey::LoadFromFile(dir.Sub("missing")).status().IsNotFound());
}

TEST_CASE("without a key file the development key is made beside the data directory", "[keys]") {
  TempDir dir;
  ManualClock clock{kT0};
  ::unsetenv(kMasterKeyEnv);
  {
    auto l = OpenWith(dir, &clock, "");
    REQUIRE(l.ok());
  }
  CHECK(std::filesystem::exists(dir.Sub("data.master-key")));
  auto key = MasterKey::LoadFromFile(dir.Sub("data.master-key"));
  REQUIRE(key.ok());
  auto l = OpenWith(dir, &clock, "");
  REQUIRE(l.ok());
  CHECK((*l)->MasterKeyFingerprint() == key->fingerprint_hex());
}

TEST_CASE("a wrong master key is refused at open with its fingerprint, and nothing changes",
          "[keys]") {
  TempDir dir;
  ManualClock clock{kT0 + 60'000'000};
  const std::string right = NewKeyFile(dir, "right.key");
  const std::string wrong = NewKeyFile(dir, "wrong.key");
  TestEvents t;
  std::vector<std::string> before;
  {
    auto l = OpenWith(dir, &clock, right);
    REQUIRE(l.ok());
    REQUIRE((*l)->Append("case-1", ExpectedVersion::Any(),
                         std::vector<schema::Event::Reader>{t.Make({.given_name = kName})})
                .ok());
    before = Contents(**l);
  }
  const std::string record = RawChildKeyRecord(dir.Sub("data"), "child-1");
  REQUIRE_FALSE(record.empty());
  auto wrong_key = MasterKey::LoadFromFile(wrong);
  REQUIRE(wrong_key.ok());
  for (bool read_only : {false, true}) {
    auto refused = OpenWith(dir, &clock, wrong, read_only);
    REQUIRE(refused.status().IsInvalidArgument());
    CHECK_THAT(refused.status().message(), Catch::Contains("does not match this ledger") &&
                                               Catch::Contains(wrong_key->fingerprint_hex()));
  }
  CHECK(RawChildKeyRecord(dir.Sub("data"), "child-1") == record);
  auto l = OpenWith(dir, &clock, right);
  REQUIRE(l.ok());
  CHECK(Contents(**l) == before);
}

TEST_CASE("a read-only open without a key reads events but cannot unseal", "[keys]") {
  TempDir dir;
  ManualClock clock{kT0 + 60'000'000};
  const std::string right = NewKeyFile(dir, "right.key");
  TestEvents t;
  {
    auto l = OpenWith(dir, &clock, right);
    REQUIRE(l.ok());
    REQUIRE((*l)->Append("case-1", ExpectedVersion::Any(),
                         std::vector<schema::Event::Reader>{t.Make({.given_name = kName})})
                .ok());
  }
  auto named = OpenWith(dir, &clock, dir.Sub("no-such.key"), /*read_only=*/true);
  REQUIRE(named.status().IsNotFound());
  CHECK_THAT(named.status().message(), Catch::Contains("no-such.key"));
  ::unsetenv(kMasterKeyEnv);
  auto l = OpenWith(dir, &clock, "", /*read_only=*/true);
  REQUIRE(l.ok());
  auto ev = (*l)->ReadEvent(0);
  REQUIRE(ev.ok());
  auto u = (*l)->Unseal(*ev);
  REQUIRE(u.status().IsInvalidArgument());
  CHECK_THAT(u.status().message(), Catch::Contains("--master-key"));
}

TEST_CASE("rotation rewraps the data keys: the new key reads everything, the old one is refused",
          "[keys]") {
  TempDir dir;
  ManualClock clock{kT0 + 60'000'000};
  const std::string old_key = NewKeyFile(dir, "old.key");
  const std::string new_key = NewKeyFile(dir, "new.key");
  TestEvents t;
  std::vector<std::string> before;
  {
    auto l = OpenWith(dir, &clock, old_key);
    REQUIRE(l.ok());
    REQUIRE((*l)->Append("case-1", ExpectedVersion::Any(),
                         std::vector<schema::Event::Reader>{t.Make({.given_name = kName})})
                .ok());
    REQUIRE(
        (*l)->Append("case-2", ExpectedVersion::Any(),
                     std::vector<schema::Event::Reader>{t.Make(
                         {.case_id = "case-2", .child_id = "child-2", .given_name = "Orvantisel"})})
            .ok());
    before = Contents(**l);
  }
  const std::string old_record = RawChildKeyRecord(dir.Sub("data"), "child-1");
  REQUIRE_FALSE(old_record.empty());
  REQUIRE_FALSE(FilesContaining(dir.Sub("data"), old_record).empty());  // the search works
  {
    auto l = OpenWith(dir, &clock, old_key);
    REQUIRE(l.ok());
    CHECK((*l)->RotateMasterKey(old_key).IsInvalidArgument());
    REQUIRE((*l)->RotateMasterKey(new_key).ok());
    CHECK(Contents(**l) == before);  // still readable in the same process
    REQUIRE(
        (*l)->Append("case-3", ExpectedVersion::Any(),
                     std::vector<schema::Event::Reader>{t.Make(
                         {.case_id = "case-3", .child_id = "child-3", .given_name = "Pellomarq"})})
            .ok());
  }
  auto refused = OpenWith(dir, &clock, old_key);
  REQUIRE(refused.status().IsInvalidArgument());
  CHECK_THAT(refused.status().message(), Catch::Contains("does not match this ledger"));
  auto l = OpenWith(dir, &clock, new_key);
  REQUIRE(l.ok());
  auto after = Contents(**l);
  REQUIRE(after.size() == before.size() + 2);
  after.resize(before.size());
  CHECK(after == before);
  l->reset();
  CHECK(RawChildKeyRecord(dir.Sub("data"), "child-1") != old_record);
  CHECK(FilesContaining(dir.Sub("data"), old_record).empty());
}

TEST_CASE("a rotation among concurrent appends leaves every event readable with the new key",
          "[keys][concurrency]") {
  TempDir dir;
  ManualClock clock{kT0 + 60'000'000};
  const std::string old_key = NewKeyFile(dir, "old.key");
  const std::string new_key = NewKeyFile(dir, "new.key");
  constexpr int kThreads = 4;
  constexpr int kPerThread = 25;
  {
    auto l = OpenWith(dir, &clock, old_key);
    REQUIRE(l.ok());
    Ledger& ledger = **l;
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < kThreads; ++i) {
      threads.emplace_back([&, i] {
        TestEvents t;
        for (int k = 0; k < kPerThread; ++k) {
          // A new child every other event: keys are made while the rotation runs.
          const std::string child = "child-" + std::to_string(i) + "-" + std::to_string(k / 2);
          const std::string case_id = "case-" + child;
          auto r = ledger.Append(
              case_id, ExpectedVersion::Any(),
              std::vector<schema::Event::Reader>{
                  t.Make({.case_id = case_id, .child_id = child, .given_name = kName})});
          if (!r.ok()) ++failures;
        }
      });
    }
    REQUIRE(ledger.RotateMasterKey(new_key).ok());
    for (auto& th : threads) th.join();
    REQUIRE(failures == 0);
  }
  CHECK(OpenWith(dir, &clock, old_key).status().IsInvalidArgument());
  auto l = OpenWith(dir, &clock, new_key);
  REQUIRE(l.ok());
  auto log = (*l)->ReadLog(0, 1000);
  REQUIRE(log.ok());
  REQUIRE(log->size() == kThreads * kPerThread);
  for (const auto& ev : *log) {
    auto u = (*l)->Unseal(ev);
    INFO("position " << ev.position() << ": " << u.status().ToString());
    REQUIRE(u.ok());
    CHECK(u->state == UnsealedPersonal::State::kOpen);
  }
}

TEST_CASE("keys new writes a 0600 key file and never overwrites, keys rotate switches the key",
          "[keys][tools]") {
  TempDir dir;
  std::ostringstream out, err;
  cli::KeysNewArgs made{dir.Sub("a.key")};
  REQUIRE(cli::RunKeysNew(made, out, err) == cli::kExitOk);
  auto a = MasterKey::LoadFromFile(made.out);
  REQUIRE(a.ok());
  CHECK_THAT(out.str(), Catch::Contains(a->fingerprint_hex()));
  CHECK(out.str().find(ToHex(a->key().span())) == std::string::npos);  // never the key
  CHECK(cli::RunKeysNew(made, out, err) != cli::kExitOk);
  auto still = MasterKey::LoadFromFile(made.out);
  REQUIRE(still.ok());
  CHECK(still->fingerprint_hex() == a->fingerprint_hex());

  ManualClock clock{kT0 + 60'000'000};
  TestEvents t;
  {
    auto l = OpenWith(dir, &clock, made.out);
    REQUIRE(l.ok());
    REQUIRE((*l)->Append("case-1", ExpectedVersion::Any(),
                         std::vector<schema::Event::Reader>{t.Make({.given_name = kName})})
                .ok());
  }
  cli::KeysNewArgs next{dir.Sub("b.key")};
  REQUIRE(cli::RunKeysNew(next, out, err) == cli::kExitOk);
  cli::KeysRotateArgs rotate{dir.Sub("data"), made.out, next.out};
  REQUIRE(cli::RunKeysRotate(rotate, out, err) == cli::kExitOk);
  CHECK(OpenWith(dir, &clock, made.out).status().IsInvalidArgument());
  auto l = OpenWith(dir, &clock, next.out);
  REQUIRE(l.ok());
  auto ev = (*l)->ReadEvent(0);
  REQUIRE(ev.ok());
  CHECK((*l)->Unseal(*ev)->state == UnsealedPersonal::State::kOpen);
}

}  // namespace
}  // namespace caseledger
