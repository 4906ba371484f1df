// The case-head map: checkpoints commit to every case's head (docs/verification.md,
// "Case-head commitment"). Expected roots are recomputed here from the grammar in the doc,
// from the events read back, never from the map's own code.
#include "ledger/case_heads.h"

#include <rocksdb/db.h>

#include <catch2/catch.hpp>
#include <map>
#include <thread>

#include "ledger/checkpoint.h"
#include "ledger/ledger.h"
#include "ledger/storage_format.h"
#include "ledger/verify.h"
#include "tests/support/power_loss_fs.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_events.h"
#include "tests/support/test_ledger.h"

namespace caseledger {
namespace {

using testing::EventSpec;
using testing::TempDir;
using testing::Append;
using testing::TestEvents;

std::unique_ptr<Ledger> Open(const std::string& dir, bool read_only = false,
                             uint64_t every_events = 1000) {
  LedgerOptions o;
  o.data_dir = dir;
  o.read_only = read_only;
  o.create_if_missing = !read_only;
  o.checkpoint_every_events = every_events;
  o.checkpoint_every_micros = 3600LL * 1000000;  // only the event count, on demand and close
  auto r = Ledger::Open(o);
  INFO(r.status().ToString());
  REQUIRE(r.ok());
  return std::move(r).value();
}

// The doc's grammar, written out independently: bucket = first two bytes of SHA-256(case id);
// bucket hash = SHA-256(0x02 || (len:u8 | id | version:u64be | leaf hash)* sorted by id);
// root = Merkle tree with NodeHash over the 65536 bucket hashes.
Hash256 ReferenceRoot(const std::map<std::string, std::pair<uint64_t, Hash256>>& heads) {
  std::vector<std::string> buckets(1 << 16, std::string(1, '\x02'));
  for (const auto& [id, head] : heads) {  // std::map: sorted by case id
    const Hash256 h = Sha256(AsBytes(id));
    std::string& b = buckets[(h[0] << 8) | h[1]];
    b.push_back(static_cast<char>(id.size()));
    b += id;
    for (int i = 7; i >= 0; --i) b.push_back(static_cast<char>((head.first >> (8 * i)) & 0xff));
    b.append(reinterpret_cast<const char*>(head.second.data()), 32);
  }
  std::vector<Hash256> level;
  for (const auto& b : buckets) level.push_back(Sha256(AsBytes(b)));
  while (level.size() > 1) {
    std::vector<Hash256> up;
    for (size_t i = 0; i < level.size(); i += 2) up.push_back(NodeHash(level[i], level[i + 1]));
    level = up;
  }
  return level[0];
}

// Every case's head among the first `size` events, from the log itself.
std::map<std::string, std::pair<uint64_t, Hash256>> HeadsAt(const Ledger& ledger, uint64_t size) {
  std::map<std::string, std::pair<uint64_t, Hash256>> heads;
  auto log = ledger.ReadLog(0, size);
  REQUIRE(log.ok());
  for (const auto& ev : *log) {
    heads[ev.reader().getCaseId().cStr()] = {ev.reader().getStreamVersion(), LeafHash(ev.bytes())};
  }
  return heads;
}

Hash256 HeadsRootOf(const std::string& note) {
  auto cp = ParseCheckpointUnverified(note);
  REQUIRE(cp.ok());
  auto root = FindHeadsRoot(cp->extensions);
  REQUIRE(root.ok());
  REQUIRE(root->has_value());
  return **root;
}

// Every stored checkpoint of the ledger in `data` (at least `min_checkpoints` of them) commits
// to the heads the log gives at its size.
void CheckEveryCheckpoint(const std::string& data, size_t min_checkpoints) {
  auto ledger = Open(data, /*read_only=*/true);
  auto sizes = ledger->CheckpointSizes();
  REQUIRE(sizes.ok());
  REQUIRE(sizes->size() >= min_checkpoints);
  for (uint64_t size : *sizes) {
    auto note = ledger->GetCheckpoint(size);
    REQUIRE(note.ok());
    INFO("checkpoint size " << size);
    CHECK(HeadsRootOf(*note) == ReferenceRoot(HeadsAt(*ledger, size)));
  }
}

TEST_CASE(
    "every checkpoint's heads line is the map of every case's head at its size, "
    "recomputed from scratch",
    "[case_heads]") {
  TempDir dir;
  const std::string data = dir.Sub("data");
  {
    auto ledger = Open(data, false, /*every_events=*/37);
    TestEvents t;
    for (int round = 0; round < 6; ++round) {
      for (int c = 0; c < 60; ++c) {
        if ((c + round) % 3 == 0) continue;  // not every case every round
        Append(*ledger, t, "case-" + std::to_string(c * 7 + round / 2), 1 + (c % 3));
      }
    }
  }
  {
    // A reopened writer continues the map from what it stored.
    auto ledger = Open(data, false, 37);
    TestEvents t;
    for (int c = 0; c < 20; ++c) Append(*ledger, t, "late-case-" + std::to_string(c), 2);
    Append(*ledger, t, "case-0", 1);
    REQUIRE(ledger->Checkpoint().ok());
  }
  CheckEveryCheckpoint(data, 11);
}

TEST_CASE(
    "checkpoints signed while groups are pipelined (concurrent appenders) commit to the "
    "heads at their size",
    "[case_heads]") {
  TempDir dir;
  const std::string data = dir.Sub("data");
  {
    auto ledger = Open(data, false, /*every_events=*/25);
    std::vector<std::thread> threads;
    for (int w = 0; w < 4; ++w) {
      threads.emplace_back([&ledger, w] {
        TestEvents t;  // one per thread: not thread-safe
        for (int i = 0; i < 150; ++i) {
          // New cases keep arriving, so that cases join buckets while a group is in flight.
          const std::string case_id = "w" + std::to_string(w) + "-case-" + std::to_string(i % 40);
          EventSpec spec;
          spec.case_id = case_id;
          spec.child_id = "child-of-" + case_id;
          std::vector<schema::Event::Reader> one{t.Make(spec)};
          auto r = ledger->Append(case_id, ExpectedVersion::Any(), one);
          if (!r.ok()) FAIL(r.status().ToString());
        }
      });
    }
    for (auto& th : threads) th.join();
  }
  CheckEveryCheckpoint(data, 10);
}

TEST_CASE(
    "after a failed commit the writer reloads the map from disk, and later checkpoints "
    "still commit to the heads at their size",
    "[case_heads]") {
  TempDir dir;
  const std::string data = dir.Sub("data");
  auto fs = std::make_shared<testing::PowerLossFs>();
  std::unique_ptr<rocksdb::Env> env = rocksdb::NewCompositeEnv(fs);
  {
    LedgerOptions o;
    o.data_dir = data;
    o.env = env.get();
    o.checkpoint_every_events = 4;  // checkpoints ride in most groups
    o.checkpoint_every_micros = 3600LL * 1000000;
    auto opened = Ledger::Open(o);
    REQUIRE(opened.ok());
    auto& ledger = *opened;
    TestEvents t;
    for (int c = 0; c < 6; ++c) Append(*ledger, t, "case-" + std::to_string(c), 2);
    fs->SetSyncFailure(true);
    for (int c = 0; c < 3; ++c) {
      EventSpec spec;
      spec.case_id = "failed-" + std::to_string(c);
      spec.child_id = "child-of-" + spec.case_id;
      auto events = t.MakeMany(3, spec);
      CHECK_FALSE(ledger->Append(spec.case_id, ExpectedVersion::Any(), events).ok());
    }
    fs->SetSyncFailure(false);
    for (int c = 0; c < 8; ++c) Append(*ledger, t, "case-" + std::to_string(c), 2);
    REQUIRE(ledger->Checkpoint().ok());
  }
  CheckEveryCheckpoint(data, 1);
}

TEST_CASE(
    "a head proof at an older checkpoint shows the head as it was then, and a case "
    "created later as absent",
    "[case_heads]") {
  TempDir dir;
  auto ledger = Open(dir.Sub("data"));
  TestEvents t;
  Append(*ledger, t, "case-a", 3);
  Append(*ledger, t, "case-b", 1);
  auto old_note = ledger->Checkpoint();
  REQUIRE(old_note.ok());
  const uint64_t old_size = ledger->size();  // 4
  Append(*ledger, t, "case-a", 2);
  Append(*ledger, t, "case-c", 1);
  auto new_note = ledger->Checkpoint();
  REQUIRE(new_note.ok());

  auto a_then = ledger->ProveCaseHead("case-a", old_size);
  REQUIRE(a_then.ok());
  auto entry = VerifyHeadProof(*a_then, "case-a", HeadsRootOf(*old_note));
  REQUIRE(entry.ok());
  REQUIRE(entry->has_value());
  CHECK((*entry)->head_version == 2);  // versions 0..2 before the checkpoint
  auto third = ledger->ReadEvent(2);
  REQUIRE(third.ok());
  CHECK((*entry)->head_leaf_hash == LeafHash(third->bytes()));

  auto a_now = ledger->ProveCaseHead("case-a", ledger->size());
  REQUIRE(a_now.ok());
  auto entry_now = VerifyHeadProof(*a_now, "case-a", HeadsRootOf(*new_note));
  REQUIRE(entry_now.ok());
  REQUIRE(entry_now->has_value());
  CHECK((*entry_now)->head_version == 4);

  auto c_then = ledger->ProveCaseHead("case-c", old_size);
  REQUIRE(c_then.ok());
  auto absent = VerifyHeadProof(*c_then, "case-c", HeadsRootOf(*old_note));
  REQUIRE(absent.ok());
  CHECK_FALSE(absent->has_value());

  // The old proof does not pass for the new root.
  CHECK(VerifyHeadProof(*a_then, "case-a", HeadsRootOf(*new_note)).status().IsCorruption());
}

TEST_CASE("a head proof with an altered entry or the wrong shape is refused", "[case_heads]") {
  HeadProof proof;
  proof.bucket = HeadBucket("case-x");
  proof.entries.push_back(HeadEntry{"case-x", 5, Sha256(AsBytes(std::string("leaf")))});
  proof.siblings.assign(kHeadMapLevels, Hash256{});
  for (int l = 0; l < kHeadMapLevels; ++l) proof.siblings[l] = EmptyHeadSubtree(l);
  auto root = HeadProofRoot(proof);
  REQUIRE(root.ok());
  REQUIRE(VerifyHeadProof(proof, "case-x", *root).ok());

  HeadProof altered = proof;
  altered.entries[0].head_version = 4;
  CHECK(VerifyHeadProof(altered, "case-x", *root).status().IsCorruption());
  HeadProof short_path = proof;
  short_path.siblings.pop_back();
  CHECK(VerifyHeadProof(short_path, "case-x", *root).status().IsInvalidArgument());
  // Dropping the entry would claim the case is absent: the root says otherwise.
  HeadProof dropped = proof;
  dropped.entries.clear();
  CHECK(VerifyHeadProof(dropped, "case-x", *root).status().IsCorruption());
}

TEST_CASE(
    "a directory from before the map is backfilled and its newest size re-signed with "
    "the heads line",
    "[case_heads]") {
  TempDir dir;
  const std::string data = dir.Sub("data");
  uint64_t size = 0;
  {
    auto ledger = Open(data);
    TestEvents t;
    for (int c = 0; c < 30; ++c) Append(*ledger, t, "case-" + std::to_string(c), 1 + c % 4);
    size = ledger->size();
  }
  {
    // Make it a directory of the previous format: no case_heads column family.
    rocksdb::DBOptions options;
    std::vector<std::string> names;
    REQUIRE(rocksdb::DB::ListColumnFamilies(options, data, &names).ok());
    std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
    for (const auto& n : names) cfs.emplace_back(n, rocksdb::ColumnFamilyOptions());
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* db = nullptr;
    REQUIRE(rocksdb::DB::Open(options, data, cfs, &handles, &db).ok());
    for (size_t i = 0; i < names.size(); ++i) {
      if (names[i] == storage::kCaseHeadsCf) REQUIRE(db->DropColumnFamily(handles[i]).ok());
    }
    for (auto* h : handles) REQUIRE(db->DestroyColumnFamilyHandle(h).ok());
    delete db;
  }
  {
    auto ro = Open(data, /*read_only=*/true);
    CHECK(ro->ProveCaseHead("case-1", size).status().IsNotFound());
  }
  auto ledger = Open(data);
  auto note = ledger->Checkpoint();
  REQUIRE(note.ok());
  auto cp = ParseCheckpointUnverified(*note);
  REQUIRE(cp.ok());
  CHECK(cp->size == size);
  CHECK(HeadsRootOf(*note) == ReferenceRoot(HeadsAt(*ledger, size)));
}

// Runs `edit` on the raw database of a closed ledger directory (the insider's view).
template <typename Edit>
void EditRaw(const std::string& data, Edit edit) {
  rocksdb::DBOptions options;
  std::vector<std::string> names;
  REQUIRE(rocksdb::DB::ListColumnFamilies(options, data, &names).ok());
  std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
  for (const auto& n : names) cfs.emplace_back(n, rocksdb::ColumnFamilyOptions());
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* db = nullptr;
  REQUIRE(rocksdb::DB::Open(options, data, cfs, &handles, &db).ok());
  rocksdb::ColumnFamilyHandle* checkpoints = nullptr;
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i] == storage::kCheckpointsCf) checkpoints = handles[i];
  }
  edit(db, checkpoints);
  for (auto* h : handles) REQUIRE(db->DestroyColumnFamilyHandle(h).ok());
  delete db;
}

TEST_CASE("verify checks every checkpoint's heads line against the log, an older one too",
          "[case_heads]") {
  TempDir dir;
  const std::string data = dir.Sub("data");
  uint64_t middle = 0;
  {
    auto ledger = Open(data);
    TestEvents t;
    for (int c = 0; c < 12; ++c) Append(*ledger, t, "case-" + std::to_string(c), 2);
    REQUIRE(ledger->Checkpoint().ok());
    middle = ledger->size();
    for (int c = 0; c < 12; c += 3) Append(*ledger, t, "case-" + std::to_string(c), 1);
  }  // closing signs a checkpoint at the end
  auto verify = [&] {
    VerifyOptions o;
    o.data_dir = data;
    auto report = VerifyLedger(o);
    REQUIRE(report.ok());
    return std::move(report).value();
  };
  VerifyReport intact = verify();
  INFO((intact.findings.empty() ? std::string() : intact.findings[0].ToString()));
  CHECK(intact.intact());

  // The older checkpoint re-signed by the right key over a wrong heads root.
  auto key = SigningKey::LoadFromFile(data + ".checkpoint-key");
  REQUIRE(key.ok());
  EditRaw(data, [&](rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cps) {
    std::string note;
    REQUIRE(db->Get(rocksdb::ReadOptions(), cps, storage::LogKey(middle), &note).ok());
    auto cp = ParseCheckpointUnverified(note);
    REQUIRE(cp.ok());
    Hash256 wrong = HeadsRootOf(note);
    wrong[0] ^= 1;
    auto forged = SignCheckpoint(*key, cp->origin, cp->size, cp->root, {HeadsExtensionLine(wrong)});
    REQUIRE(forged.ok());
    REQUIRE(db->Put(rocksdb::WriteOptions(), cps, storage::LogKey(middle), *forged).ok());
  });
  VerifyReport broken = verify();
  REQUIRE(broken.findings.size() == 1);
  CHECK(broken.findings[0].where == "checkpoint " + std::to_string(middle));
  CHECK_THAT(broken.findings[0].what, Catch::Matchers::Contains("heads root"));
}

}  // namespace
}  // namespace caseledger
