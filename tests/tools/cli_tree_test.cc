#include <catch2/catch.hpp>
#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include "ledger/hash.h"
#include "ledger/ledger.h"
#include "ledger/proof.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_events.h"
#include "tools/cli.h"

namespace caseledger::cli {
namespace {

using testing::TempDir;

struct Fixture {
  TempDir dir;
  std::string data = dir.Sub("data");
  Fixture() {
    LedgerOptions o;
    o.data_dir = data;
    auto ledger = Ledger::Open(o);
    REQUIRE(ledger.ok());
    testing::TestEvents t;
    for (int i = 0; i < 9; ++i) {
      REQUIRE((*ledger)->Append("case-1", ExpectedVersion::Any(), std::vector<schema::Event::Reader>{t.Make()}).ok());
    }
    REQUIRE((*ledger)->Checkpoint().ok());
  }
  std::string Write(const std::string& name, const std::string& text) {
    std::ofstream(dir.Sub(name)) << text;
    return dir.Sub(name);
  }
};

template <typename Args, typename Fn>
std::pair<int, std::string> Call(Fn fn, const Args& args, std::string* err_text = nullptr) {
  std::ostringstream out, err;
  int code = fn(args, out, err);
  if (err_text) *err_text = err.str();
  return {code, out.str()};
}

TEST_CASE("an inclusion proof from prove verifies offline against the checkpoint and pinned key",
          "[tools][cli][proof]") {
  Fixture f;
  ProveInclusionArgs p{f.data, 4, std::nullopt};
  auto [code, proof] = Call(RunProveInclusion, p);
  REQUIRE(code == kExitOk);
  CHECK_THAT(proof, Catch::Contains("\"leafIdx\":4"));
  CHECK_THAT(proof, Catch::Contains("\"treeSize\":9"));
  auto doc = ParseProof(proof);
  REQUIRE(doc.ok());
  const std::string checkpoint = std::get<InclusionProofDoc>(*doc).checkpoint;
  REQUIRE_FALSE(checkpoint.empty());

  VerifyProofArgs v{f.Write("proof.json", proof), f.Write("cp.txt", checkpoint),
                    f.data + ".checkpoint-key.pub"};
  std::string err;
  CHECK(Call(RunVerifyProof, v, &err).first == kExitOk);

  SECTION("an altered proof is invalid") {
    auto d = std::get<InclusionProofDoc>(*doc);
    d.proof[0][3] ^= 1;
    v.proof_file = f.Write("bad.json", FormatProof(d));
    CHECK(Call(RunVerifyProof, v, &err).first == kExitFailed);
  }
  SECTION("a proof for another leaf position is invalid") {
    auto d = std::get<InclusionProofDoc>(*doc);
    d.leaf_idx = 5;
    v.proof_file = f.Write("bad.json", FormatProof(d));
    CHECK(Call(RunVerifyProof, v, &err).first == kExitFailed);
  }
  SECTION("a checkpoint checked with another pinned key is invalid") {
    KeygenArgs k{f.dir.Sub("other.key"), "other.example/log"};
    REQUIRE(Call(RunKeygen, k).first == kExitOk);
    v.pubkey_file = f.dir.Sub("other.key.pub");
    CHECK(Call(RunVerifyProof, v, &err).first == kExitFailed);
    CHECK_THAT(err, Catch::Contains("not signed by"));
  }
  SECTION("a missing file cannot run") {
    v.proof_file = f.dir.Sub("nothing.json");
    CHECK(Call(RunVerifyProof, v, &err).first == kExitUsage);
  }
  SECTION("garbage instead of a proof cannot run") {
    v.proof_file = f.Write("garbage.json", "{\"leafIdx\": \"three\"}");
    CHECK(Call(RunVerifyProof, v, &err).first == kExitUsage);
  }
}

TEST_CASE("a consistency proof links an older tree size to the newest checkpoint",
          "[tools][cli][proof]") {
  Fixture f;
  ProveConsistencyArgs p{f.data, 3, std::nullopt};
  auto [code, proof] = Call(RunProveConsistency, p);
  REQUIRE(code == kExitOk);
  auto doc = ParseProof(proof);
  REQUIRE(doc.ok());
  auto d = std::get<ConsistencyProofDoc>(*doc);
  CHECK(d.size1 == 3);
  CHECK(d.size2 == 9);
  CHECK(VerifyProof(d).ok());
  VerifyProofArgs v{f.Write("proof.json", proof), f.Write("cp.txt", d.checkpoint),
                    f.data + ".checkpoint-key.pub"};
  CHECK(Call(RunVerifyProof, v).first == kExitOk);
  d.root1[0] ^= 1;
  v.proof_file = f.Write("bad.json", FormatProof(d));
  CHECK(Call(RunVerifyProof, v).first == kExitFailed);

  ProveConsistencyArgs from_empty{f.data, 0, 9};
  CHECK(Call(RunProveConsistency, from_empty).first == kExitUsage);
}

TEST_CASE("read --leaf-hash prints the leaf hash that prove inclusion proves",
          "[tools][cli][proof]") {
  Fixture f;
  ReadArgs r;
  r.data_dir = f.data;
  r.from_position = 4;
  r.limit = 1;
  r.leaf_hash = true;
  auto [code, line] = Call(RunRead, r);
  REQUIRE(code == kExitOk);
  auto proof = ParseProof(Call(RunProveInclusion, ProveInclusionArgs{f.data, 4, std::nullopt}).second);
  REQUIRE(proof.ok());
  const std::string& leaf = std::get<InclusionProofDoc>(*proof).leaf_hash;
  CHECK(line.rfind("{\"leafHash\":\"" + ToHex(AsBytes(leaf)) + "\",", 0) == 0);
}

TEST_CASE("checkpoint prints the stored note, newest or by size", "[tools][cli][checkpoint]") {
  Fixture f;
  auto [code, note] = Call(RunCheckpoint, CheckpointArgs{f.data, std::nullopt});
  REQUIRE(code == kExitOk);
  CHECK(note.rfind("caseledger.local/dev\n9\n", 0) == 0);
  CHECK(Call(RunCheckpoint, CheckpointArgs{f.data, 9}).second == note);
  CHECK(Call(RunCheckpoint, CheckpointArgs{f.data, 4}).first == kExitUsage);
}

TEST_CASE("keygen writes a private key only its owner can read and never overwrites one",
          "[tools][cli][checkpoint]") {
  TempDir dir;
  KeygenArgs k{dir.Sub("ledger.key"), "ledger.ombudsman.example/children"};
  auto [code, out] = Call(RunKeygen, k);
  REQUIRE(code == kExitOk);
  CHECK_THAT(out, Catch::Contains("ledger.ombudsman.example/children+"));
  struct stat st;
  REQUIRE(::stat(k.out.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  CHECK(Call(RunKeygen, k).first != kExitOk);
}

TEST_CASE("verify exits 0 on an intact directory, 1 against another pinned key, 2 when it cannot run",
          "[tools][cli][verify]") {
  Fixture f;
  std::string err;
  auto [ok, out] = Call(RunVerify, VerifyArgs{f.data, "", true}, &err);
  CHECK(ok == kExitOk);
  CHECK_THAT(out, Catch::Contains("recorded with the data"));
  CHECK_THAT(out, Catch::Contains("intact"));
  CHECK(Call(RunVerify, VerifyArgs{f.data, f.data + ".checkpoint-key.pub", true}, &err).first == kExitOk);

  KeygenArgs k{f.dir.Sub("other.key"), "other.example/log"};
  REQUIRE(Call(RunKeygen, k).first == kExitOk);
  CHECK(Call(RunVerify, VerifyArgs{f.data, f.dir.Sub("other.key.pub"), true}, &err).first == kExitFailed);
  CHECK_THAT(err, Catch::StartsWith("checkpoint "));

  CHECK(Call(RunVerify, VerifyArgs{f.dir.Sub("missing"), "", true}, &err).first == kExitUsage);
  CHECK(Call(RunVerify, VerifyArgs{f.data, f.dir.Sub("missing.pub"), true}, &err).first == kExitUsage);
}

TEST_CASE("proofs refuse positions and sizes outside the tree", "[tools][cli][proof]") {
  Fixture f;
  std::string err;
  CHECK(Call(RunProveInclusion, ProveInclusionArgs{f.data, 9, std::nullopt}, &err).first == kExitUsage);
  CHECK(Call(RunProveInclusion, ProveInclusionArgs{f.data, 1, 100}, &err).first != kExitOk);
}

}  // namespace
}  // namespace caseledger::cli
