// Offline verification of a data directory (ledger/verify.h): an intact ledger verifies clean,
// and every kind of tampering an insider with file access can do through RocksDB is found and
// named at its exact place.
#include "ledger/verify.h"

#include <capnp/message.h>
#include <capnp/serialize.h>
#include <rocksdb/db.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "ledger/checkpoint.h"
#include "ledger/hash.h"
#include "ledger/ledger.h"
#include "ledger/storage_format.h"
#include "ledger/stored_event.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_events.h"

namespace caseledger {
namespace {

using testing::TempDir;
using testing::TestEvents;

constexpr char kOrigin[] = "caseledger.local/dev";
constexpr uint64_t kEvents = 42;  // position p is version p / 4 of case-(p % 4)

std::string CaseOf(uint64_t position) { return "case-" + std::to_string(position % 4); }

LedgerOptions Options(const std::string& dir) {
  LedgerOptions o;
  o.data_dir = dir;
  o.sync = false;  // keeps the tests fast; the ledger is closed before tampering
  o.checkpoint_every_events = 10;
  o.checkpoint_every_micros = 3600LL * 1000000;  // only the event count and on demand
  return o;
}

// Appends `count` events, one per append, to case-(p % 4) for each new position p. Under
// Options() a checkpoint is signed every ten events.
void AppendEvents(Ledger& ledger, uint64_t count) {
  TestEvents t;
  for (uint64_t i = 0; i < count; ++i) {
    const uint64_t p = ledger.size();
    testing::EventSpec spec;
    spec.case_id = CaseOf(p);
    spec.child_id = "child-" + spec.case_id;
    auto r = ledger.Append(spec.case_id, ExpectedVersion::Any(),
                           std::vector<schema::Event::Reader>{t.Make(spec)});
    INFO(r.status().ToString());
    REQUIRE(r.ok());
  }
}

// A closed ledger of kEvents events with checkpoints at 10, 20, 30, 40 and (on demand) 42;
// returns its verifier key.
std::string BuildLedger(const std::string& dir) {
  auto ledger = Ledger::Open(Options(dir));
  INFO(ledger.status().ToString());
  REQUIRE(ledger.ok());
  AppendEvents(**ledger, kEvents);
  REQUIRE((*ledger)->Checkpoint().ok());
  return (*ledger)->VerifierKeyString();
}

struct Built {
  std::string dir;
  std::string verifier_key;
};

// Makes `dir` a copy of a closed ledger of kEvents events (with its development signing key
// beside it), built once per process: building costs fsyncs, copying does not.
Built CopyOfLedger(const std::string& dir) {
  namespace fs = std::filesystem;
  static TempDir template_dir;
  static const std::string key = BuildLedger(template_dir.Sub("data"));
  const std::string from = template_dir.Sub("data");
  fs::copy(from, dir, fs::copy_options::recursive);
  for (const char* suffix : {".checkpoint-key", ".checkpoint-key.pub"}) {
    fs::copy_file(from + suffix, dir + suffix);
    fs::permissions(dir + suffix, fs::status(from + suffix).permissions());
  }
  return {dir, key};
}

// A read-write RocksDB handle on a closed data directory: what an insider with file access
// has. Values are written through RocksDB, never by editing compressed SST bytes.
class RawDb {
 public:
  explicit RawDb(const std::string& dir) {
    rocksdb::Options options;
    REQUIRE(rocksdb::DB::ListColumnFamilies(options, dir, &names_).ok());
    std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
    for (const auto& n : names_) cfs.emplace_back(n, rocksdb::ColumnFamilyOptions());
    rocksdb::DB* db = nullptr;
    REQUIRE(rocksdb::DB::Open(options, dir, cfs, &handles_, &db).ok());
    db_.reset(db);
  }
  ~RawDb() {
    for (auto* h : handles_) (void)db_->DestroyColumnFamilyHandle(h);
  }
  RawDb(const RawDb&) = delete;
  RawDb& operator=(const RawDb&) = delete;

  std::string Get(std::string_view cf, const std::string& key) {
    std::string value;
    REQUIRE(db_->Get(rocksdb::ReadOptions(), Cf(cf), key, &value).ok());
    return value;
  }
  void Put(std::string_view cf, const std::string& key, const std::string& value) {
    REQUIRE(db_->Put(rocksdb::WriteOptions(), Cf(cf), key, value).ok());
  }
  void Delete(std::string_view cf, const std::string& key) {
    REQUIRE(db_->Delete(rocksdb::WriteOptions(), Cf(cf), key).ok());
  }

 private:
  rocksdb::ColumnFamilyHandle* Cf(std::string_view name) {
    for (size_t i = 0; i < names_.size(); ++i) {
      if (names_[i] == name) return handles_[i];
    }
    FAIL("no column family " << name);
    return nullptr;
  }

  std::vector<std::string> names_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  std::unique_ptr<rocksdb::DB> db_;
};

VerifyReport Verify(const std::string& dir, std::optional<std::string> pinned = std::nullopt) {
  VerifyOptions o;
  o.data_dir = dir;
  o.pinned_verifier_key = std::move(pinned);
  auto r = VerifyLedger(o);
  INFO(r.status().ToString());
  REQUIRE(r.ok());
  return std::move(r).value();
}

std::string AllFindings(const VerifyReport& report) {
  std::string out;
  for (const auto& f : report.findings) out += f.ToString() + "\n";
  return out;
}

// The stored event at `position`, re-encoded canonically after `edit`.
std::string Reencode(const std::string& stored, uint64_t position,
                     const std::function<void(schema::Event::Builder)>& edit) {
  auto ev = StoredEvent::FromBytes(position, stored);
  REQUIRE(ev.ok());
  capnp::MallocMessageBuilder message;
  message.setRoot(ev->reader());
  edit(message.getRoot<schema::Event>());
  auto words = capnp::canonicalize(message.getRoot<schema::Event>().asReader());
  auto bytes = words.asBytes();
  return std::string(reinterpret_cast<const char*>(bytes.begin()), bytes.size());
}

TEST_CASE("an intact ledger verifies clean, with the recorded key, and says so",
          "[ledger][verify]") {
  TempDir dir;
  const auto [data, key] = CopyOfLedger(dir.Sub("data"));

  std::vector<std::pair<uint64_t, uint64_t>> progress;
  VerifyOptions o;
  o.data_dir = data;
  o.progress = [&](uint64_t done, uint64_t total) { progress.emplace_back(done, total); };
  auto report = VerifyLedger(o);
  REQUIRE(report.ok());
  INFO(AllFindings(*report));
  CHECK(report->intact());
  CHECK(report->events == kEvents);
  CHECK(report->cases == 4);
  CHECK(report->checkpoints == 5);
  CHECK(report->tree_nodes == 2 * kEvents - 3);  // 42 leaves, 21 + 10 + 5 + 2 + 1 parents
  CHECK(report->used_recorded_key);
  CHECK(report->keys_used == std::vector<std::string>{key});
  REQUIRE(!progress.empty());
  CHECK(progress.back() == std::make_pair(kEvents, kEvents));

  SECTION("pinned to the ledger's own key, it is clean and uses only that key") {
    auto pinned = Verify(data, key + "\n");
    CHECK(pinned.intact());
    CHECK_FALSE(pinned.used_recorded_key);
    CHECK(pinned.keys_used == std::vector<std::string>{key});
  }
  SECTION("pinned to another key, every checkpoint is a finding") {
    auto other = SigningKey::Generate(kOrigin);
    REQUIRE(other.ok());
    auto pinned = Verify(data, other->verifier().ToString());
    REQUIRE(pinned.findings.size() == 5);
    for (const auto& f : pinned.findings) {
      CHECK_THAT(f.where, Catch::StartsWith("checkpoint "));
      CHECK_THAT(f.what, Catch::Contains("not validly signed by the pinned key"));
    }
    CHECK(pinned.findings.back().where == "checkpoint 42");
  }
}

TEST_CASE("verify names the exact place of each kind of tampering",
          "[ledger][verify][corruption]") {
  TempDir dir;
  const std::string data = CopyOfLedger(dir.Sub("data")).dir;
  std::string first;       // the place the first finding must name
  std::string first_what;  // a part of what it must say
  std::string also;        // another finding that must be present, if set
  {
    RawDb db(data);
    SECTION("one byte of a text field: the event still parses") {
      std::string v = db.Get("log", storage::LogKey(7));
      const size_t at = v.find("worker-17");
      REQUIRE(at != std::string::npos);
      v[at + 7] = '8';
      db.Put("log", storage::LogKey(7), v);
      first = "position 7";
      first_what = "the event was altered";
    }
    SECTION("one byte that breaks parsing") {
      std::string v = db.Get("log", storage::LogKey(11));
      v[2] = '\x7f';  // the root pointer's offset now points far outside the segment
      db.Put("log", storage::LogKey(11), v);
      first = "position 11";
      first_what = "not a readable event";
    }
    SECTION("a readable event that is not in canonical form") {
      db.Put("log", storage::LogKey(3), db.Get("log", storage::LogKey(3)) + std::string(8, '\0'));
      first = "position 3";
      first_what = "not the canonical encoding";
    }
    SECTION("one event deleted") {
      db.Delete("log", storage::LogKey(12));
      first = "position 12";
      first_what = "missing from the log";
    }
    SECTION("the newest event deleted") {
      db.Delete("log", storage::LogKey(kEvents - 1));
      first = "position 41";
      first_what = "missing from the log";
    }
    SECTION("two events swapped") {
      const std::string a = db.Get("log", storage::LogKey(5));
      const std::string b = db.Get("log", storage::LogKey(9));
      db.Put("log", storage::LogKey(5), b);
      db.Put("log", storage::LogKey(9), a);
      first = "position 5";
      first_what = "says it is at position 9";
    }
    SECTION("a stored subtree hash altered") {
      std::string h = db.Get("tree", storage::TreeKey(2, 3));
      h[0] ^= 1;
      db.Put("tree", storage::TreeKey(2, 3), h);
      first = "tree node (2, 3)";
      first_what = "recomputed from the events at positions 12..15";
    }
    SECTION("a stored leaf hash altered") {
      std::string h = db.Get("tree", storage::TreeKey(0, 6));
      h[31] ^= 0x80;
      db.Put("tree", storage::TreeKey(0, 6), h);
      first = "tree node (0, 6)";
      first_what = "the parent node agrees with the event";
    }
    SECTION("an extra tree node") {
      db.Put("tree", storage::TreeKey(3, 7), std::string(32, 'x'));
      first = "tree node (3, 7)";
      first_what = "has no such node";
    }
    SECTION("a case back-link broken") {
      // Position 9 is version 2 of case-1; its predecessor is position 5.
      const std::string v = db.Get("log", storage::LogKey(9));
      const std::string wrong(32, '\xaa');
      db.Put("log", storage::LogKey(9), Reencode(v, 9, [&](schema::Event::Builder ev) {
               ev.setPrevLeafHash(capnp::Data::Reader(
                   reinterpret_cast<const uint8_t*>(wrong.data()), wrong.size()));
             }));
      first = "position 9";
      first_what = "back-link broken";
      also = "position 9: the event was altered";
    }
    SECTION("the newest checkpoint replaced by one signed with another key") {
      auto other = SigningKey::Generate(kOrigin);
      REQUIRE(other.ok());
      auto cp = ParseCheckpointUnverified(db.Get("checkpoints", storage::LogKey(42)));
      REQUIRE(cp.ok());
      db.Put("checkpoints", storage::LogKey(42), *SignCheckpoint(*other, kOrigin, 42, cp->root));
      first = "checkpoint 42";
      first_what = "not validly signed by a recorded key";
    }
    SECTION("the newest checkpoint replaced by one with a wrong root, signed by the right key") {
      auto key = SigningKey::LoadFromFile(data + ".checkpoint-key");
      REQUIRE(key.ok());
      Hash256 wrong{};
      wrong[0] = 1;
      db.Put("checkpoints", storage::LogKey(42), *SignCheckpoint(*key, kOrigin, 42, wrong));
      first = "checkpoint 42";
      first_what = "recomputed from the log at size 42";
    }
    SECTION("the format marker deleted from a ledger with events") {
      db.Delete("meta", "format");
      first = "meta key format";
      first_what = "is missing";
    }
    SECTION("a streams entry deleted") {
      db.Delete("streams", storage::StreamKey("case-1", 3));
      first = "streams key case-1/3";
      first_what = "missing; the event is at position 13";
    }
    SECTION("a streams entry pointing at another version") {
      db.Put("streams", storage::StreamKey("case-2", 1), storage::LogKey(10));
      first = "streams key case-2/1";
      first_what = "points at position 10, which holds version 2";
    }
    SECTION("a heads record with a stale version") {
      std::string v = db.Get("heads", "case-3");
      storage::Head head;
      REQUIRE(storage::DecodeHead(v, &head));
      head.version -= 1;
      db.Put("heads", "case-3", storage::EncodeHead(head));
      first = "heads key case-3";
      first_what = "says version 8";
    }
    SECTION("an idempotency entry pointing at another event") {
      auto ev = StoredEvent::FromBytes(8, db.Get("log", storage::LogKey(8)));
      REQUIRE(ev.ok());
      auto id = ev->reader().getEventId();
      const std::string key(reinterpret_cast<const char*>(id.begin()), id.size());
      std::string v = db.Get("idempotency", key);
      db.Put("idempotency", key, storage::LogKey(20) + v.substr(8));
      first = "idempotency key " + ToHex(AsBytes(key));
      first_what = "points at position 20, whose event has another id";
    }
    SECTION("an idempotency entry deleted") {
      auto ev = StoredEvent::FromBytes(30, db.Get("log", storage::LogKey(30)));
      REQUIRE(ev.ok());
      auto id = ev->reader().getEventId();
      const std::string key(reinterpret_cast<const char*>(id.begin()), id.size());
      db.Delete("idempotency", key);
      first = "idempotency key " + ToHex(AsBytes(key));
      first_what = "missing; the event with this id is at position 30";
    }
  }
  const VerifyReport report = Verify(data);
  INFO(AllFindings(report));
  CHECK_FALSE(report.intact());
  REQUIRE(!report.findings.empty());
  CHECK(report.findings.front().where == first);
  CHECK_THAT(report.findings.front().what, Catch::Contains(first_what));
  if (!also.empty()) CHECK_THAT(AllFindings(report), Catch::Contains(also));
}

TEST_CASE("findings beyond the limit are counted, not kept", "[ledger][verify][corruption]") {
  TempDir dir;
  const std::string data = CopyOfLedger(dir.Sub("data")).dir;
  {
    RawDb db(data);
    db.Delete("log", storage::LogKey(12));  // also breaks case-0's versions and two indexes
  }
  VerifyOptions o;
  o.data_dir = data;
  o.max_findings = 1;
  auto report = VerifyLedger(o);
  REQUIRE(report.ok());
  REQUIRE(report->findings.size() == 1);
  CHECK(report->findings.front().where == "position 12");
  CHECK(report->findings_dropped >= 3);
  CHECK_FALSE(report->intact());
}

TEST_CASE("verify checks a directory that a ledger holds open for writing", "[ledger][verify]") {
  TempDir dir;
  const std::string data = dir.Sub("data");
  auto ledger = Ledger::Open(Options(data));
  REQUIRE(ledger.ok());
  AppendEvents(**ledger, 25);
  const VerifyReport report = Verify(data);
  INFO(AllFindings(report));
  CHECK(report.intact());
  CHECK(report.events == 25);
  CHECK(report.checkpoints == 2);
  AppendEvents(**ledger, 5);
  CHECK(Verify(data).events == 30);
}

TEST_CASE("verify cannot run without a ledger directory or with a malformed pinned key",
          "[ledger][verify]") {
  TempDir dir;
  VerifyOptions o;
  o.data_dir = dir.Sub("absent");
  CHECK(VerifyLedger(o).status().IsNotFound());
  o.data_dir = dir.path();  // a directory, but no database in it
  CHECK(VerifyLedger(o).status().IsInvalidArgument());

  o.data_dir = CopyOfLedger(dir.Sub("data")).dir;
  o.pinned_verifier_key = "not a key";
  CHECK(VerifyLedger(o).status().IsInvalidArgument());
}

}  // namespace
}  // namespace caseledger
