// The synthetic data generator: realistic, entirely invented case histories for the demo, the
// tests and the benchmarks. No real personal data: names come from an invented syllable list.
//
// Each case follows the path of a child through identification, referral, representation,
// assessments, interviews, proceedings and closure, in one of the eight jurisdictions. A share
// of the steps (late_share) is made late, left out, or recorded long after it occurred; which
// ones is written to a manifest, so that tests can compare the compliance engine's findings
// with the generator's inputs rather than with the engine's own output.
#ifndef CASELEDGER_TOOLS_SYNTHETIC_H_
#define CASELEDGER_TOOLS_SYNTHETIC_H_

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/status.h"
#include "schema/events.capnp.h"

namespace caseledger {
class Ledger;
class ManualClock;
}  // namespace caseledger

namespace caseledger::synthetic {

struct GeneratorOptions {
  uint64_t cases = 100;
  uint64_t seed = 1;
  // Share of the steps made late, left out or recorded late, in [0, 1].
  double late_share = 0.15;
  // Jurisdictions to draw from; empty means all eight.
  std::vector<schema::Jurisdiction> jurisdictions;
  // The first case starts at this time; cases start spread over `span_days` after it. Used
  // to the whole second; 0 means 2025-01-06T08:00:00Z.
  int64_t start_micros = 0;
  uint32_t span_days = 365;
  // Refuse (InvalidArgument, before writing anything) when the simulated recorded-at times
  // would run past this time; 0 means no limit. The CLI passes the real time now.
  int64_t not_after_micros = 0;
  // Append a RulePackActivated event for every shipped rule pack (compliance::DefaultRulesDir)
  // first, in force from the start, so that the compliance timelines have rules to apply.
  bool activate_rule_packs = false;
  // Called now and then with the number of events appended and the total planned.
  std::function<void(uint64_t done, uint64_t total)> progress;
};

struct Summary {
  uint64_t cases = 0;
  uint64_t events = 0;      // case events
  uint64_t rule_packs = 0;  // activation events appended before them
  std::string manifest_path;
};

// "DK" -> schema::Jurisdiction::DK; InvalidArgument for anything else.
Result<schema::Jurisdiction> ParseJurisdiction(std::string_view code);

// Opens a ledger in `data_dir` (which must be missing or empty: InvalidArgument otherwise),
// appends every planned event through the ledger API with a simulated clock, in recorded-at
// order, and writes the manifest to `data_dir`/generator-manifest.json. The same options on an
// empty directory give the same events, byte for byte but for what encryption randomizes: the
// sealed sections (random data keys and nonces) and the back-links that hash them.
Result<Summary> GenerateInto(const std::string& data_dir, const GeneratorOptions& options);

// As GenerateInto, into a ledger the caller opened with `clock` as its clock. The manifest is
// returned as JSON text instead of written.
Result<Summary> Generate(Ledger& ledger, ManualClock& clock, const GeneratorOptions& options,
                         std::string* manifest_json);

}  // namespace caseledger::synthetic

#endif  // CASELEDGER_TOOLS_SYNTHETIC_H_
