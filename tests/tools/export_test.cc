// `caseledger export` and `caseledger verify-bundle` as processes: exit codes and what they say.
#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>

#include "ledger/ledger.h"
#include "tests/support/run_process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_events.h"
#include "tests/support/test_ledger.h"

namespace caseledger {
namespace {

using Catch::Matchers::Contains;
using testing::EventSpec;
using testing::RunCaseledger;
using testing::TempDir;
using testing::Append;
using testing::TestEvents;

const std::string kCli = CASELEDGER_CLI;

std::unique_ptr<Ledger> OpenWritable(const std::string& dir) {
  LedgerOptions o;
  o.data_dir = dir;
  auto r = Ledger::Open(o);
  INFO(r.status().ToString());
  REQUIRE(r.ok());
  return std::move(r).value();
}

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void Spit(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

TEST_CASE(
    "export and verify-bundle exit 0 on an intact bundle, 1 on a tampered one, 2 when "
    "they cannot run",
    "[bundle][cli]") {
  TempDir dir;
  const std::string data = dir.Sub("data");
  {
    auto ledger = OpenWritable(data);
    TestEvents t;
    Append(*ledger, t, "case-e", 4);
    Append(*ledger, t, "case-f", 2);
    Append(*ledger, t, "case-e", 1);
  }
  const std::string bundle = dir.Sub("case-e.bundle");
  auto [code, out] =
      RunCaseledger(kCli, "export --data " + data + " --case case-e --out " + bundle);
  INFO(out);
  REQUIRE(code == 0);
  CHECK_THAT(out, Contains("5 events (versions 0..4)"));

  auto [trusting, trusting_out] = RunCaseledger(kCli, "verify-bundle " + bundle);
  CHECK(trusting == 0);
  CHECK_THAT(trusting_out, Contains("trusted the verifier key inside the bundle"));
  CHECK_THAT(trusting_out, Contains("intact"));

  const std::string pub = data + ".checkpoint-key.pub";  // the development key beside the data
  auto [pinned, pinned_out] = RunCaseledger(kCli, "verify-bundle " + bundle + " --pubkey " + pub);
  CHECK(pinned == 0);
  CHECK_THAT(pinned_out, Contains("pinned key"));

  SECTION("a flipped byte inside the file is corrupt, exit 1") {
    std::string bytes = Slurp(bundle);
    bytes[bytes.size() / 2] ^= 0x10;
    Spit(bundle, bytes);
    auto [c, o] = RunCaseledger(kCli, "verify-bundle " + bundle);
    INFO(o);
    CHECK(c == 1);
    CHECK_THAT(o, Contains("corrupt: "));
  }
  SECTION("a pinned key of another ledger is the wrong key, exit 1") {
    TempDir other;
    { auto o = OpenWritable(other.Sub("data")); }
    auto [c, o] = RunCaseledger(
        kCli, "verify-bundle " + bundle + " --pubkey " + other.Sub("data") + ".checkpoint-key.pub");
    CHECK(c == 1);
    CHECK_THAT(o, Contains("wrong key"));
  }
  SECTION("a missing bundle or an unreadable or invalid pubkey file cannot run, exit 2") {
    CHECK(RunCaseledger(kCli, "verify-bundle " + dir.Sub("none.bundle")).first == 2);
    CHECK(
        RunCaseledger(kCli, "verify-bundle " + bundle + " --pubkey " + dir.Sub("none.pub")).first ==
        2);
    Spit(dir.Sub("bad.pub"), "not a key\n");
    CHECK(
        RunCaseledger(kCli, "verify-bundle " + bundle + " --pubkey " + dir.Sub("bad.pub")).first ==
        2);
  }
  SECTION("a truncated file is malformed, exit 1") {
    Spit(bundle, Slurp(bundle).substr(0, 64));
    auto [c, o] = RunCaseledger(kCli, "verify-bundle " + bundle);
    CHECK(c == 1);
    CHECK_THAT(o, Contains("malformed file"));
  }
  SECTION("exporting a case that does not exist cannot run, exit 2") {
    auto [c, o] = RunCaseledger(
        kCli, "export --data " + data + " --case no-such --out " + dir.Sub("x.bundle"));
    CHECK(c == 2);
  }
}

TEST_CASE(
    "export while another process holds the directory opens it read-only and says the "
    "bundle stops at the newest checkpoint",
    "[bundle][cli]") {
  TempDir dir;
  const std::string data = dir.Sub("data");
  auto ledger = OpenWritable(data);
  TestEvents t;
  Append(*ledger, t, "case-h", 3);
  REQUIRE(ledger->Checkpoint().ok());
  Append(*ledger, t, "case-h", 2);  // after the newest checkpoint
  REQUIRE(ledger->Sync().ok());     // so that a read-only open sees the log
  const std::string bundle = dir.Sub("case-h.bundle");
  auto [code, out] =
      RunCaseledger(kCli, "export --data " + data + " --case case-h --out " + bundle);
  INFO(out);
  REQUIRE(code == 0);
  CHECK_THAT(out, Contains("opened read-only"));
  CHECK_THAT(out, Contains("3 events (versions 0..2)"));
  auto [c, o] = RunCaseledger(kCli, "verify-bundle " + bundle);
  INFO(o);
  CHECK(c == 0);
}

}  // namespace
}  // namespace caseledger
