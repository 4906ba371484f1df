// Fuzz target: case bundles (ledger/bundle: VerifyBundle), the files `caseledger export`
// writes and `caseledger verify-bundle` checks offline, trusting the key inside the bundle as
// an auditor without a pinned key would.
//
// Invariants, beyond "no crash, no sanitizer report" (VerifyBundle never fails: whatever is
// wrong is a problem in its report):
// - an intact bundle names its case, has events, and says it trusted its own key; pinned to
//   that key it is intact too, and with any byte appended it is not;
// - an intact bundle stops being intact when one event's stored bytes change, when the signed
//   checkpoint's text changes, when it names another case, or when the case-head proof claims
//   another head version.
#include <capnp/message.h>
#include <capnp/serialize.h>

#include <cstring>
#include <functional>

#include "ledger/bundle.h"
#include "schema/bundle.capnp.h"
#include "tests/fuzz/fuzz_check.h"

namespace caseledger::fuzz {
namespace {

using Edit = std::function<void(schema::CaseBundle::Builder)>;

std::string Mutated(std::string_view bytes, const Edit& edit) {
  auto words = kj::heapArray<capnp::word>(bytes.size() / sizeof(capnp::word));
  std::memcpy(words.begin(), bytes.data(), words.size() * sizeof(capnp::word));
  capnp::FlatArrayMessageReader reader(words);
  capnp::MallocMessageBuilder builder;
  builder.setRoot(reader.getRoot<schema::CaseBundle>());
  edit(builder.getRoot<schema::CaseBundle>());
  auto flat = capnp::messageToFlatArray(builder);
  auto out = flat.asBytes();
  return std::string(reinterpret_cast<const char*>(out.begin()), out.size());
}

void ExpectBroken(std::string_view bytes, const char* what, const Edit& edit) {
  BundleReport report = VerifyBundle(Mutated(bytes, edit));
  FUZZ_CHECK(!report.intact(), std::string("a bundle stays intact when ") + what);
}

void FlipFirst(capnp::Data::Builder data) {
  if (data.size() > 0) data[0] ^= 0x01;
}

void CheckIntact(std::string_view bytes, const BundleReport& report) {
  FUZZ_CHECK(report.events > 0 && !report.case_id.empty() && report.used_bundle_key,
             "an intact bundle without a case, events or its own key");
  BundleReport pinned = VerifyBundle(bytes, report.key);
  FUZZ_CHECK(pinned.intact() && !pinned.used_bundle_key, "pinned to its own key, not intact");
  FUZZ_CHECK(!VerifyBundle(std::string(bytes) + '\0').intact(), "trailing bytes are accepted");

  ExpectBroken(bytes, "the first event changes",
               [](schema::CaseBundle::Builder b) { FlipFirst(b.getEvents()[0].getLeafInput()); });
  ExpectBroken(bytes, "the last event changes", [](schema::CaseBundle::Builder b) {
    FlipFirst(b.getEvents()[b.getEvents().size() - 1].getLeafInput());
  });
  ExpectBroken(bytes, "the checkpoint changes", [](schema::CaseBundle::Builder b) {
    auto text = b.getCheckpoint();
    if (text.size() > 0) text[0] = static_cast<char>(text[0] ^ 0x01);
  });
  ExpectBroken(bytes, "it names another case", [](schema::CaseBundle::Builder b) {
    b.setCaseId(std::string(b.getCaseId().cStr()) + "x");
  });
  ExpectBroken(bytes, "the head version changes", [](schema::CaseBundle::Builder b) {
    for (auto entry : b.getHeadProof().getEntries()) {
      if (entry.getCaseId() == b.getCaseId()) entry.setHeadVersion(entry.getHeadVersion() + 1);
    }
  });
}

}  // namespace
}  // namespace caseledger::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace caseledger;
  using namespace caseledger::fuzz;
  const std::string_view bytes = AsText(data, size);
  BundleReport report = VerifyBundle(bytes);
  FUZZ_CHECK(report.intact() || !report.problems.front().empty(), "a problem without words");
  if (report.intact()) CheckIntact(bytes, report);
  return 0;
}
