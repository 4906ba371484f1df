// `caseledger keys`: master key files for sealed personal data (tools/cli_keys.cc;
// docs/storage_format.md, "Keys"). Exit codes as in tools/cli.h.
#ifndef CASELEDGER_TOOLS_CLI_KEYS_H_
#define CASELEDGER_TOOLS_CLI_KEYS_H_

#include <functional>
#include <iosfwd>
#include <optional>
#include <string>

namespace CLI {
class App;
}

namespace caseledger::cli {

struct KeysNewArgs {
  std::string out;  // the master key file to create (mode 0600; never overwritten)
};
// Prints the new key's fingerprint, never the key.
int RunKeysNew(const KeysNewArgs& args, std::ostream& out, std::ostream& err);

struct KeysRotateArgs {
  std::string data_dir;
  std::string master_key;      // the current key file; empty: $CASELEDGER_MASTER_KEY_FILE or
                               // the development key beside the data directory
  std::string new_master_key;  // made by `keys new`
};
// Rewraps every data key under the new master key; prints both fingerprints.
int RunKeysRotate(const KeysRotateArgs& args, std::ostream& out, std::ostream& err);

// Registers `keys new` and `keys rotate`; the returned function runs one when parsed.
std::function<std::optional<int>()> AddKeysCommands(CLI::App& app);

}  // namespace caseledger::cli

#endif  // CASELEDGER_TOOLS_CLI_KEYS_H_
