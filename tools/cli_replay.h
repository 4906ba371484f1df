// `caseledger replay`: a case as it stood at a point of its history, and what changed between
// two points (tools/cli_replay.cc). Exit codes as in tools/cli.h.
#ifndef CASELEDGER_TOOLS_CLI_REPLAY_H_
#define CASELEDGER_TOOLS_CLI_REPLAY_H_

#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace caseledger::cli {

struct ReplayArgs {
  std::string data_dir;
  std::string case_id;
  // A point: an RFC 3339 time (or YYYY-MM-DD) or a global position (digits only).
  std::string as_of;
  std::vector<std::string> diff;  // two points, instead of as_of
  bool json = false;
};
int RunReplay(const ReplayArgs& args, std::ostream& out, std::ostream& err);

// Registers `replay`; the returned function runs it when parsed.
std::function<std::optional<int>()> AddReplayCommand(CLI::App& app);

}  // namespace caseledger::cli

#endif  // CASELEDGER_TOOLS_CLI_REPLAY_H_
