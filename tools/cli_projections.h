// The subcommands over projections and rule packs (tools/cli_projections.cc). Exit codes as in
// tools/cli.h.
#ifndef CASELEDGER_TOOLS_CLI_PROJECTIONS_H_
#define CASELEDGER_TOOLS_CLI_PROJECTIONS_H_

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "projections/rule_pack.h"
#include "tools/cli.h"

namespace CLI {
class App;
}

namespace caseledger::cli {

// `timeline` and `view`: one case's obligations or its case view.
struct TimelineArgs {
  std::string data_dir;
  std::string case_id;
  // The evaluation time: statuses are as of it (open vs overdue), and a time in the past shows
  // what the system knew then (events recorded by it). Empty: now.
  std::string as_of;
  // Instead: the case as of a global position (events before it) ...
  std::optional<uint64_t> at_position;
  // ... or as things had happened by an occurred-at time.
  std::string occurred_by;
  bool json = false;
  // Instead of data_dir: ask caseledgerd (caseQuery). The answer is the server's JSON; the
  // read needs a purpose and is recorded in the case's access stream.
  ServerArgs remote{};
  std::string purpose{};
  uint64_t min_position = 0;  // answer from projections at least this fresh
};
int RunTimeline(const TimelineArgs& args, std::ostream& out, std::ostream& err);
int RunView(const TimelineArgs& args, std::ostream& out, std::ostream& err);

struct RebuildArgs {
  std::string data_dir;
  std::vector<std::string> projections;  // empty: all
  bool quiet = false;
};
int RunRebuild(const RebuildArgs& args, std::ostream& out, std::ostream& err);

struct AccountabilityArgs {
  std::string data_dir;
  std::string from, to;  // trigger times, RFC 3339 or a date; empty: unbounded
  std::string as_of;     // empty: now
  bool monthly = false;
  bool json = false;
};
int RunAccountability(const AccountabilityArgs& args, std::ostream& out, std::ostream& err);

struct OverdueArgs {
  std::string data_dir;
  std::string as_of;
  size_t limit = 1000;
  bool json = false;
};
int RunOverdue(const OverdueArgs& args, std::ostream& out, std::ostream& err);

struct RulesActivateArgs {
  std::string data_dir;
  std::vector<std::string> files;
  std::string effective_from;  // empty: now
  std::string signing_key;
  std::string actor;
};
int RunRulesActivate(const RulesActivateArgs& args, std::ostream& out, std::ostream& err);

// Registers timeline, view, rebuild, accountability and overdue on `app`. The returned function
// runs the one that was parsed and returns its exit code, or nullopt when none was.
std::function<std::optional<int>()> AddProjectionCommands(CLI::App& app);

}  // namespace caseledger::cli

#endif  // CASELEDGER_TOOLS_CLI_PROJECTIONS_H_
