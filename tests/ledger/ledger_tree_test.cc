// The ledger's Merkle tree and checkpoints, through the public API.
#include <catch2/catch.hpp>
#include <rocksdb/db.h>

#include <filesystem>
#include <sys/stat.h>

#include "ledger/checkpoint.h"
#include "ledger/ledger.h"
#include "ledger/merkle.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_events.h"

namespace caseledger {
namespace {

using testing::TempDir;
using testing::TestEvents;

// RFC 6962 section 2.1, straight from the definition.
Hash256 ReferenceRoot(const std::vector<Hash256>& leaves, size_t begin, size_t end) {
  if (end - begin == 1) return leaves[begin];
  size_t k = 1;
  while (k * 2 < end - begin) k *= 2;
  return NodeHash(ReferenceRoot(leaves, begin, begin + k), ReferenceRoot(leaves, begin + k, end));
}

std::vector<Hash256> LeafHashes(const Ledger& ledger) {
  auto log = ledger.ReadLog(0, 1 << 20);
  REQUIRE(log.ok());
  std::vector<Hash256> out;
  for (const auto& ev : *log) out.push_back(LeafHash(ev.bytes()));
  return out;
}

std::unique_ptr<Ledger> Open(const std::string& dir, uint64_t every_events = 1000) {
  LedgerOptions o;
  o.data_dir = dir;
  o.checkpoint_every_events = every_events;
  o.checkpoint_every_micros = 3600LL * 1000000;  // only the event count and close trigger
  auto r = Ledger::Open(o);
  INFO(r.status().ToString());
  REQUIRE(r.ok());
  return std::move(r).value();
}

TEST_CASE("the tree's root is the RFC 6962 root of the stored events' leaf hashes",
          "[ledger][merkle]") {
  TempDir dir;
  auto ledger = Open(dir.Sub("data"));
  TestEvents t;
  for (int i = 0; i < 37; ++i) {
    REQUIRE(ledger->Append("case-" + std::to_string(i % 5), ExpectedVersion::Any(),
                           t.MakeMany(1 + i % 3, {.case_id = "case-" + std::to_string(i % 5)}))
                .ok());
  }
  auto leaves = LeafHashes(*ledger);
  REQUIRE(leaves.size() == ledger->size());
  for (uint64_t size = 1; size <= leaves.size(); ++size) {
    auto root = ledger->RootAt(size);
    REQUIRE(root.ok());
    CHECK(*root == ReferenceRoot(leaves, 0, size));
  }
  CHECK(ledger->RootAt(leaves.size() + 1).status().IsInvalidArgument());

  for (uint64_t size : {uint64_t{1}, uint64_t{16}, uint64_t{leaves.size()}}) {
    for (uint64_t i = 0; i < size; ++i) {
      auto proof = ledger->InclusionProof(i, size);
      REQUIRE(proof.ok());
      CHECK(VerifyInclusion(i, size, leaves[i], *proof, *ledger->RootAt(size)).ok());
    }
  }
  auto consistency = ledger->ConsistencyProof(10, leaves.size());
  REQUIRE(consistency.ok());
  CHECK(VerifyConsistency(10, leaves.size(), *consistency, *ledger->RootAt(10),
                          *ledger->RootAt(leaves.size()))
            .ok());
}

TEST_CASE("checkpoints are signed every N events, on demand and at close", "[ledger][checkpoint]") {
  TempDir dir;
  const std::string data = dir.Sub("data");
  std::string verifier;
  {
    auto ledger = Open(data, /*every_events=*/10);
    TestEvents t;
    for (int i = 0; i < 25; ++i) REQUIRE(ledger->Append("case-1", ExpectedVersion::Any(), std::vector<schema::Event::Reader>{t.Make()}).ok());
    auto sizes = ledger->CheckpointSizes();
    REQUIRE(sizes.ok());
    CHECK(*sizes == std::vector<uint64_t>{10, 20});

    auto note = ledger->Checkpoint();
    REQUIRE(note.ok());
    verifier = ledger->VerifierKeyString();
    auto key = VerifierKey::Parse(verifier);
    REQUIRE(key.ok());
    auto cp = ParseAndVerifyCheckpoint(*note, *key);
    REQUIRE(cp.ok());
    CHECK(cp->size == 25);
    CHECK(cp->root == *ledger->RootAt(25));
    CHECK(cp->origin == "caseledger.local/dev");
    // Asking again with nothing new returns the same checkpoint.
    CHECK(*ledger->Checkpoint() == *note);

    REQUIRE(ledger->Append("case-1", ExpectedVersion::Any(), std::vector<schema::Event::Reader>{t.Make()}).ok());
  }
  auto reopened = Open(data);
  auto sizes = reopened->CheckpointSizes();
  REQUIRE(sizes.ok());
  CHECK(sizes->back() == 26);  // the checkpoint written at close
  CHECK(reopened->VerifierKeyString() == verifier);
}

TEST_CASE("a checkpoint taken earlier verifies against a later one through a consistency proof",
          "[ledger][checkpoint][merkle]") {
  TempDir dir;
  auto ledger = Open(dir.Sub("data"));
  TestEvents t;
  auto key = VerifierKey::Parse(ledger->VerifierKeyString());
  REQUIRE(key.ok());
  REQUIRE(ledger->Append("case-1", ExpectedVersion::Any(), t.MakeMany(13)).ok());
  auto old_note = ledger->Checkpoint();
  REQUIRE(old_note.ok());
  for (int i = 0; i < 7; ++i) {
    REQUIRE(ledger->Append("case-2", ExpectedVersion::Any(), t.MakeMany(3, {.case_id = "case-2"})).ok());
  }
  auto new_note = ledger->Checkpoint();
  REQUIRE(new_note.ok());
  auto old_cp = ParseAndVerifyCheckpoint(*old_note, *key);
  auto new_cp = ParseAndVerifyCheckpoint(*new_note, *key);
  REQUIRE(old_cp.ok());
  REQUIRE(new_cp.ok());
  REQUIRE(old_cp->size == 13);
  REQUIRE(new_cp->size == 34);
  auto proof = ledger->ConsistencyProof(old_cp->size, new_cp->size);
  REQUIRE(proof.ok());
  CHECK(VerifyConsistency(old_cp->size, new_cp->size, *proof, old_cp->root, new_cp->root).ok());
  // A forked history (another root at the old size) is caught by the same proof.
  Hash256 forked = old_cp->root;
  forked[5] ^= 1;
  CHECK_FALSE(VerifyConsistency(old_cp->size, new_cp->size, *proof, forked, new_cp->root).ok());
}

TEST_CASE("a development key is made beside the data directory, private and never inside it",
          "[ledger][checkpoint]") {
  TempDir dir;
  const std::string data = dir.Sub("data");
  { auto ledger = Open(data); }
  const std::string key = data + ".checkpoint-key";
  struct stat st;
  REQUIRE(::stat(key.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  CHECK(std::filesystem::exists(key + ".pub"));
  for (const auto& entry : std::filesystem::recursive_directory_iterator(data)) {
    CHECK(entry.path().filename().string().find("key") == std::string::npos);
  }
}

TEST_CASE("a ledger whose newest checkpoint disagrees with the tree refuses to open",
          "[ledger][checkpoint][corruption]") {
  TempDir dir;
  const std::string data = dir.Sub("data");
  {
    auto ledger = Open(data);
    TestEvents t;
    REQUIRE(ledger->Append("case-1", ExpectedVersion::Any(), t.MakeMany(5)).ok());
    REQUIRE(ledger->Checkpoint().ok());
  }
  std::string forged;
  SECTION("signed by the right key over the wrong root") {
    auto key = SigningKey::LoadFromFile(data + ".checkpoint-key");
    REQUIRE(key.ok());
    Hash256 wrong{};
    wrong[0] = 1;
    forged = *SignCheckpoint(*key, "caseledger.local/dev", 5, wrong);
  }
  SECTION("signed by another key") {
    auto other = SigningKey::Generate("caseledger.local/dev");
    REQUIRE(other.ok());
    TempDir scratch;
    auto ledger = Open(data);  // read the true root
    forged = *SignCheckpoint(*other, "caseledger.local/dev", 5, *ledger->RootAt(5));
  }
  // An insider with file access replaces the newest checkpoint.
  {
    rocksdb::Options options;
    std::vector<std::string> names;
    REQUIRE(rocksdb::DB::ListColumnFamilies(options, data, &names).ok());
    std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
    for (auto& n : names) cfs.emplace_back(n, rocksdb::ColumnFamilyOptions());
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* db = nullptr;
    REQUIRE(rocksdb::DB::Open(options, data, cfs, &handles, &db).ok());
    for (size_t i = 0; i < names.size(); ++i) {
      if (names[i] == "checkpoints") {
        std::string key(8, '\0');
        key[7] = 5;
        REQUIRE(db->Put(rocksdb::WriteOptions(), handles[i], key, forged).ok());
      }
    }
    for (auto* h : handles) REQUIRE(db->DestroyColumnFamilyHandle(h).ok());
    delete db;
  }
  LedgerOptions o;
  o.data_dir = data;
  auto r = Ledger::Open(o);
  REQUIRE(r.status().IsCorruption());
  CHECK_THAT(r.status().message(), Catch::Contains("newest stored checkpoint"));
}

}  // namespace
}  // namespace caseledger
