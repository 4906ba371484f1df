// The ledger on a file system that fills up (docs/reliability.md, "I/O faults"): a tmpfs with
// a size limit, mounted by the test when it runs as root and skipped with a message otherwise.
// Appends then fail with a clear error, reads keep working, nothing acknowledged is lost,
// positions stay gap-free, and appends resume on the same ledger when space returns.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "ledger/ledger.h"
#include "ledger/verify.h"
#include "tests/support/durability_check.h"
#include "tests/support/small_fs.h"

namespace caseledger::testing {
namespace {

constexpr size_t kSmall = 6 << 20;   // fills after a few thousand events
constexpr size_t kLarge = 256 << 20;
constexpr size_t kEventsPerAppend = 64;

bool NamesNoSpace(const Status& s) {
  std::string m = s.ToString();
  std::transform(m.begin(), m.end(), m.begin(), [](unsigned char c) { return std::tolower(c); });
  return m.find("no space") != std::string::npos;
}

// Appends tagged batches to a few cases; remembers what was acknowledged and what failed.
struct Appends {
  std::vector<AckedAppend> acked;
  std::vector<Status> failures;
  uint64_t next_token = 0;

  Status One(Ledger& ledger) {
    const uint64_t token = next_token++;
    const std::string case_id = "case-" + std::to_string(token % 5);
    std::vector<std::string> ids;
    for (size_t k = 0; k < kEventsPerAppend; ++k) ids.push_back(TestEvents::IdFor(token * 1000 + k));
    TaggedAppend batch(case_id, "child-" + std::to_string(token % 5), std::to_string(token), ids);
    auto r = ledger.Append(case_id, ExpectedVersion::Any(), batch.events());
    if (!r.ok()) {
      failures.push_back(r.status());
      return r.status();
    }
    acked.push_back({case_id, r->first_version, ids, r->positions});
    return Status::OK();
  }
};

std::string Joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

LedgerOptions OnSmallFs(const SmallFs& fs) {
  LedgerOptions o;
  o.data_dir = fs.path() + "/data";
  return o;
}

}  // namespace

TEST_CASE("a full disk refuses appends with a clear error, reads, acknowledged events and "
          "positions survive, and appends resume on the same ledger when space returns",
          "[ledger][io-fault]") {
  std::string why;
  auto fs = SmallFs::Mount(kSmall, &why);
  if (!fs) {
    WARN("skipped: " << why);
    return;
  }
  auto ledger = Ledger::Open(OnSmallFs(*fs));
  REQUIRE(ledger.ok());
  Appends appends;

  // Fill the disk: append until one fails, then a few more tries that must fail too or
  // succeed cleanly (the ledger reopens its database after a failed commit).
  Status first_failure;
  for (int i = 0; i < 5000 && first_failure.ok(); ++i) first_failure = appends.One(**ledger);
  REQUIRE(!first_failure.ok());
  INFO("first failure after " << appends.acked.size() << " appends: " << first_failure.ToString());
  CHECK((first_failure.code() == Status::Code::kIOError ||
         first_failure.code() == Status::Code::kUnavailable));
  CHECK(NamesNoSpace(first_failure));
  // After a failed commit the ledger reopens its database, which may free space (the write-ahead
  // log becomes a compressed table file) and let appends through again: go on until three in a
  // row are refused, so the disk is full for good.
  int refused_in_a_row = 1;
  for (int i = 0; i < 5000 && refused_in_a_row < 3; ++i) {
    refused_in_a_row = appends.One(**ledger).ok() ? 0 : refused_in_a_row + 1;
  }
  REQUIRE(refused_in_a_row == 3);
  for (const Status& s : appends.failures) {
    INFO(s.ToString());
    CHECK((s.code() == Status::Code::kIOError || s.code() == Status::Code::kUnavailable));
    CHECK(NamesNoSpace(s));
  }
  const uint64_t size_when_full = (*ledger)->size();

  // Reads keep working on the full disk, and show exactly what was acknowledged.
  CHECK(Joined(CheckDurableLedger(**ledger, appends.acked)) == "");
  CHECK(size_when_full == appends.acked.size() * kEventsPerAppend);
  auto last = (*ledger)->ReadEvent(size_when_full - 1);
  REQUIRE(last.ok());

  // Space returns: the same ledger takes appends again, at the next position.
  REQUIRE(fs->Resize(kLarge, &why));
  Status resumed;
  for (int i = 0; i < 20; ++i) {
    resumed = appends.One(**ledger);
    if (resumed.ok()) break;
  }
  REQUIRE(resumed.ok());
  CHECK(appends.acked.back().positions.front() == size_when_full);
  for (int i = 0; i < 5; ++i) REQUIRE(appends.One(**ledger).ok());

  // Everything acknowledged, before and after the fault, survives a reopen, and verify agrees.
  ledger->reset();
  auto reopened = Ledger::Open(OnSmallFs(*fs));
  REQUIRE(reopened.ok());
  const auto problems = CheckDurableLedger(**reopened, appends.acked);
  CHECK(Joined(problems) == "");
  CHECK((*reopened)->size() == appends.acked.size() * kEventsPerAppend);
  reopened->reset();
  VerifyOptions v;
  v.data_dir = fs->path() + "/data";
  auto report = VerifyLedger(v);
  REQUIRE(report.ok());
  std::vector<std::string> findings;
  for (const auto& f : report->findings) findings.push_back(f.ToString());
  CHECK(Joined(findings) == "");
  CHECK(report->intact());
}

}  // namespace caseledger::testing
