// `caseledger report case` and `caseledger report agency` (docs/reports.md): gather the inputs
// of tools/report.h from a data directory and write the page. Exit codes as in tools/cli.h.
#ifndef CASELEDGER_TOOLS_REPORT_CLI_H_
#define CASELEDGER_TOOLS_REPORT_CLI_H_

#include <functional>
#include <iosfwd>
#include <optional>
#include <string>

#include "ledger/status.h"
#include "tools/report.h"

namespace CLI {
class App;
}

namespace caseledger {
class Ledger;
}

namespace caseledger::cli {

struct ReportCaseArgs {
  std::string data_dir;
  std::string case_id;
  std::string out_file;
  std::string as_of;  // RFC 3339 or a date; empty: now (and the page says so)
  bool time = false;  // print how long gathering and rendering took
};
int RunReportCase(const ReportCaseArgs& args, std::ostream& out, std::ostream& err);

struct ReportAgencyArgs {
  std::string data_dir;
  std::string jurisdiction;  // "NO"; empty: all
  std::string agency;        // agency id; empty: all
  std::string from, to;      // trigger times, RFC 3339 or a date (required)
  std::string as_of;         // empty: now (and the page says so)
  std::string out_file;
  bool time = false;
};
int RunReportAgency(const ReportAgencyArgs& args, std::ostream& out, std::ostream& err);

// The case report's input from an open ledger and its projection store: the case as the
// ledger knew it at `as_of` when `past` (events recorded by then), else as it is now; the
// events without bodies or sealed sections; the first stored checkpoint that covers them (else
// the newest). NotFound when the case has no events at that point.
Result<report::CaseReportInput> GatherCaseReport(const Ledger& ledger,
                                                 const projections::ProjectionStore& store,
                                                 const std::string& case_id, int64_t as_of,
                                                 bool past);

// The stored checkpoint that covers `position` events, or the newest; absent when none.
report::CheckpointInfo CheckpointFor(const Ledger& ledger, uint64_t position);

// Registers `report case` and `report agency` on `app`. The returned function runs the one
// that was parsed and returns its exit code, or nullopt when none was.
std::function<std::optional<int>()> AddReportCommands(CLI::App& app);

}  // namespace caseledger::cli

#endif  // CASELEDGER_TOOLS_REPORT_CLI_H_
