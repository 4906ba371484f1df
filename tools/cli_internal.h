// Internal to the caseledger subcommands: what they share.
#ifndef CASELEDGER_TOOLS_CLI_INTERNAL_H_
#define CASELEDGER_TOOLS_CLI_INTERNAL_H_

#include <memory>
#include <ostream>
#include <string>

#include "ledger/ledger.h"
#include "tools/cli.h"

namespace caseledger::cli::detail {

// Prints the failure and returns its exit code: 2 for bad input or nothing found, else 1.
inline int Fail(std::ostream& err, const Status& s) {
  err << "caseledger: " << s.ToString() << "\n";
  return s.IsInvalidArgument() || s.IsNotFound() ? kExitUsage : kExitFailed;
}

// Opens a data directory for reading only: no lock, so it works while a server holds it.
inline Result<std::unique_ptr<Ledger>> OpenReadOnly(const std::string& dir) {
  LedgerOptions o;
  o.data_dir = dir;
  o.read_only = true;
  o.create_if_missing = false;
  return Ledger::Open(o);
}

}  // namespace caseledger::cli::detail

#endif  // CASELEDGER_TOOLS_CLI_INTERNAL_H_
