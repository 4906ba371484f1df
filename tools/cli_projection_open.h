// What the subcommands over projections share (tools/cli_projection_open.cc): opening the
// projection store beside a ledger, times on the command line, JSON strings.
#ifndef CASELEDGER_TOOLS_CLI_PROJECTION_OPEN_H_
#define CASELEDGER_TOOLS_CLI_PROJECTION_OPEN_H_

#include <cstdint>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>

#include "ledger/ledger.h"
#include "ledger/status.h"
#include "projections/projection_store.h"

namespace caseledger::cli::detail {

int64_t NowMicros();

// An RFC 3339 time, or a date "2026-03-01" (its start, UTC). Empty or "now" means now.
Result<int64_t> ParseTime(const std::string& text);

// `s` as a JSON string literal, quotes included.
std::string JsonString(std::string_view s);

struct Opened {
  std::unique_ptr<Ledger> ledger;
  std::unique_ptr<projections::ProjectionStore> store;
  bool caught_up = false;  // false: a server holds the store and keeps it fresh
};

// Opens the ledger read-only and the projections: writable and caught up when no server holds
// them, else read-only as the server keeps them. With `progress`, catch-up prints a progress
// line on `err`.
Result<Opened> OpenProjections(const std::string& data_dir, std::ostream& err, bool progress);

// A case's obligations as the `timeline` table, statuses as of `as_of`, local times.
void PrintTimelineTable(const projections::CaseState& state, int64_t as_of, std::ostream& out);

}  // namespace caseledger::cli::detail

#endif  // CASELEDGER_TOOLS_CLI_PROJECTION_OPEN_H_
