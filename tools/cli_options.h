// Command-line options shared by the subcommands that work on a data directory or a server.
#ifndef CASELEDGER_TOOLS_CLI_OPTIONS_H_
#define CASELEDGER_TOOLS_CLI_OPTIONS_H_

#include "tools/cli.h"

namespace CLI {
class App;
}

namespace caseledger::cli {

// --server and the identity options (--tls-dir/--as, --ca/--cert/--key, --plain-dev, --timeout).
void AddServerOptions(CLI::App* cmd, ServerArgs* remote);

}  // namespace caseledger::cli

#endif  // CASELEDGER_TOOLS_CLI_OPTIONS_H_
