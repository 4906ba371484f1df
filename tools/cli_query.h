// `caseledger query`: the named audit queries (projections/audit.h, docs/audit.md) on a data
// directory, as a table, CSV or JSON (tools/cli_query.cc). Exit codes as in tools/cli.h.
#ifndef CASELEDGER_TOOLS_CLI_QUERY_H_
#define CASELEDGER_TOOLS_CLI_QUERY_H_

#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "tools/cli.h"

namespace CLI {
class App;
}

namespace caseledger::cli {

struct QueryArgs {
  std::string name;  // a query name, or "list"
  std::string data_dir;
  std::vector<std::string> params;  // "key=value"
  std::string as_of;                // RFC 3339 or YYYY-MM-DD; empty: now
  std::string format = "table";     // table, csv or json
  std::optional<size_t> row;        // print the cases behind this row (1-based) instead
  // With a directory: a case bundle (docs/verification.md) for every case the answer names,
  // as CASE.bundle, and the checkpoint they prove against, as checkpoint.txt.
  std::string proofs_dir;
  // Instead of data_dir: ask caseledgerd (auditQuery; oversight and ombudsperson principals),
  // with a purpose, recorded as a search of each case the answer names.
  ServerArgs remote{};
  std::string purpose{};
  uint64_t min_position = 0;
};
int RunQuery(const QueryArgs& args, std::ostream& out, std::ostream& err);

// Registers `query`; the returned function runs it when parsed.
std::function<std::optional<int>()> AddQueryCommand(CLI::App& app);

}  // namespace caseledger::cli

#endif  // CASELEDGER_TOOLS_CLI_QUERY_H_
