// Case bundles: round trip, and every kind of tampering named (docs/verification.md,
// "Case bundles").
#include "ledger/bundle.h"

#include <catch2/catch.hpp>
#include <numeric>

#include "ledger/checkpoint.h"
#include "ledger/ledger.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_events.h"
#include "tests/support/test_ledger.h"

namespace caseledger {
namespace {

using Catch::Matchers::Contains;
using testing::EventSpec;
using testing::TempDir;
using testing::Append;
using testing::TestEvents;

std::unique_ptr<Ledger> Open(const std::string& dir, bool read_only = false) {
  LedgerOptions o;
  o.data_dir = dir;
  o.read_only = read_only;
  o.create_if_missing = !read_only;
  o.checkpoint_every_micros = 3600LL * 1000000;
  auto r = Ledger::Open(o);
  INFO(r.status().ToString());
  REQUIRE(r.ok());
  return std::move(r).value();
}

std::string AllProblems(const BundleReport& r) {
  return std::accumulate(r.problems.begin(), r.problems.end(), std::string(),
                         [](std::string a, const std::string& b) { return a + b + "\n"; });
}

// A ledger with case "case-t" at versions 0..5 interleaved with other cases, checkpointed.
struct Fixture {
  TempDir dir;
  std::unique_ptr<Ledger> ledger;
  TestEvents t;
  CaseProofs proofs;
  Fixture() {
    ledger = Open(dir.Sub("data"));
    for (int i = 0; i < 6; ++i) {
      Append(*ledger, t, "case-t", 1);
      Append(*ledger, t, "other-" + std::to_string(i % 2), 2);
    }
    REQUIRE(ledger->Checkpoint().ok());
    auto p = ProveCase(*ledger, "case-t", ledger->size());
    INFO(p.status().ToString());
    REQUIRE(p.ok());
    proofs = std::move(p).value();
  }
  BundleReport Verify(const CaseProofs& p, std::optional<std::string> key = std::nullopt) {
    return VerifyBundle(EncodeCaseBundle(p), key);
  }
};

TEST_CASE("a bundle round-trips: every event of the case, intact with and without a pinned key",
          "[bundle]") {
  Fixture f;
  REQUIRE(f.proofs.events.size() == 6);
  for (size_t v = 0; v < 6; ++v) CHECK(f.proofs.events[v].version == v);
  auto built = BuildCaseBundle(*f.ledger, "case-t", {});
  REQUIRE(built.ok());
  BundleReport trusted = VerifyBundle(*built);
  INFO(AllProblems(trusted));
  CHECK(trusted.intact());
  CHECK(trusted.used_bundle_key);
  CHECK(trusted.events == 6);
  CHECK(trusted.committed_head_version == std::optional<uint64_t>(5));
  BundleReport pinned = VerifyBundle(*built, f.ledger->VerifierKeyString());
  CHECK(pinned.intact());
  CHECK_FALSE(pinned.used_bundle_key);
}

TEST_CASE("a flipped byte in an event names that event as altered", "[bundle]") {
  Fixture f;
  CaseProofs p = f.proofs;
  std::string& bytes = p.events[3].leaf_input;
  bytes[bytes.size() / 2] ^= 0x01;
  BundleReport r = f.Verify(p);
  CHECK_FALSE(r.intact());
  CHECK_THAT(AllProblems(r),
             Contains("event #3 (position " + std::to_string(p.events[3].position) + ")") &&
                 Contains("altered"));
}

TEST_CASE("a dropped middle event is reported as the missing version", "[bundle]") {
  Fixture f;
  CaseProofs p = f.proofs;
  p.events.erase(p.events.begin() + 2);
  BundleReport r = f.Verify(p);
  CHECK_FALSE(r.intact());
  CHECK_THAT(AllProblems(r), Contains("missing event: version 2 "));
}

TEST_CASE("two swapped events are reported as reordered", "[bundle]") {
  Fixture f;
  CaseProofs p = f.proofs;
  std::swap(p.events[1], p.events[2]);
  BundleReport r = f.Verify(p);
  CHECK_FALSE(r.intact());
  CHECK_THAT(AllProblems(r), Contains("reordered"));
  CHECK_THAT(AllProblems(r), !Contains("missing"));
}

TEST_CASE("a bundle with its tail dropped fails: the checkpoint commits to the case's head",
          "[bundle]") {
  Fixture f;
  CaseProofs p = f.proofs;
  p.events.pop_back();
  p.events.pop_back();  // versions 0..3 left, each with a valid proof and back-link
  BundleReport r = f.Verify(p);
  CHECK_FALSE(r.intact());
  CHECK(r.problems.size() == 1);
  CHECK_THAT(AllProblems(r), Contains("tail dropped: the checkpoint commits to head version 5, "
                                      "but the bundle ends at version 3 (missing versions 4..5)"));
}

TEST_CASE("a replaced checkpoint fails: another key's, or an older one of the same ledger",
          "[bundle]") {
  Fixture f;
  SECTION("signed by another key") {
    auto other = SigningKey::Generate("caseledger.local/dev");
    REQUIRE(other.ok());
    auto cp = ParseCheckpointUnverified(f.proofs.checkpoint);
    REQUIRE(cp.ok());
    auto forged = SignCheckpoint(*other, cp->origin, cp->size, cp->root, cp->extensions);
    REQUIRE(forged.ok());
    CaseProofs p = f.proofs;
    p.checkpoint = *forged;
    BundleReport r = f.Verify(p);
    CHECK_THAT(AllProblems(r), Contains("wrong key or altered checkpoint"));
  }
  SECTION("an older checkpoint of the same ledger") {
    auto sizes = f.ledger->CheckpointSizes();
    REQUIRE(sizes.ok());
    Append(*f.ledger, f.t, "case-t", 1);
    REQUIRE(f.ledger->Checkpoint().ok());
    auto newer = ProveCase(*f.ledger, "case-t", f.ledger->size());
    REQUIRE(newer.ok());
    CaseProofs p = *newer;
    p.checkpoint = f.proofs.checkpoint;  // proofs made for the newer tree
    BundleReport r = f.Verify(p);
    CHECK_FALSE(r.intact());
    CHECK_THAT(AllProblems(r), Contains("altered") || Contains("outside the checkpoint"));
  }
}

TEST_CASE("a pinned key other than the signer's is reported as the wrong key", "[bundle]") {
  Fixture f;
  auto other = SigningKey::Generate("someone-else");
  REQUIRE(other.ok());
  BundleReport r = f.Verify(f.proofs, other->verifier().ToString());
  CHECK_FALSE(r.intact());
  CHECK_THAT(AllProblems(r), Contains("wrong key"));
}

TEST_CASE("a truncated or garbage file is reported as malformed", "[bundle]") {
  Fixture f;
  const std::string bytes = EncodeCaseBundle(f.proofs);
  BundleReport truncated = VerifyBundle(bytes.substr(0, bytes.size() / 16 * 8));
  CHECK_THAT(AllProblems(truncated), Contains("malformed file"));
  BundleReport odd = VerifyBundle(bytes.substr(0, bytes.size() - 3));
  CHECK_THAT(AllProblems(odd), Contains("malformed file"));
  // Bytes appended after the message (a whole word of them) are refused, not ignored.
  BundleReport appended = VerifyBundle(bytes + std::string(8, '\0'));
  CHECK_THAT(AllProblems(appended), Contains("8 bytes after the bundle's message"));
  BundleReport garbage = VerifyBundle(std::string(256, '\xa5'));
  CHECK_THAT(AllProblems(garbage), Contains("malformed file"));
  CHECK_FALSE(VerifyBundle("").intact());
}

TEST_CASE(
    "a read-only open exports the events of its newest checkpoint while another handle "
    "appends, and they verify",
    "[bundle]") {
  TempDir dir;
  const std::string data = dir.Sub("data");
  auto writer = Open(data);
  TestEvents t;
  Append(*writer, t, "case-r", 3);
  REQUIRE(writer->Checkpoint().ok());
  const uint64_t first_size = writer->size();
  auto reader = Open(data, /*read_only=*/true);
  Append(*writer, t, "case-r", 2);  // not in the reader's checkpoint
  REQUIRE(writer->Checkpoint().ok());

  auto bundle = BuildCaseBundle(*reader, "case-r", {});
  REQUIRE(bundle.ok());
  BundleReport r = VerifyBundle(*bundle, writer->VerifierKeyString());
  INFO(AllProblems(r));
  CHECK(r.intact());
  CHECK(r.events == 3);
  CHECK(r.checkpoint_size == first_size);

  // The writer proves the same older checkpoint too, and the newest with all five events.
  BundleOptions older;
  older.checkpoint_size = first_size;
  auto old_bundle = BuildCaseBundle(*writer, "case-r", older);
  REQUIRE(old_bundle.ok());
  CHECK(VerifyBundle(*old_bundle).intact());
  auto newest = BuildCaseBundle(*writer, "case-r", {});
  REQUIRE(newest.ok());
  BundleReport all = VerifyBundle(*newest);
  CHECK(all.intact());
  CHECK(all.events == 5);
}

TEST_CASE("exporting a case the checkpoint does not hold is NotFound", "[bundle]") {
  Fixture f;
  CHECK(BuildCaseBundle(*f.ledger, "no-such-case", {}).status().IsNotFound());
}

}  // namespace
}  // namespace caseledger
