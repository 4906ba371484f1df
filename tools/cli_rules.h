// `caseledger rules list|check`: the compliance rule packs (docs/compliance.md), as functions
// that tests can call without a process. Exit codes as in tools/cli.h.
#ifndef CASELEDGER_TOOLS_CLI_RULES_H_
#define CASELEDGER_TOOLS_CLI_RULES_H_

#include <iosfwd>
#include <string>

namespace caseledger::cli {

struct RulesArgs {
  std::string rules_dir;  // --rules; empty: DefaultRulesDir() (the shipped packs)
  bool json = false;      // list: a JSON array instead of a table
  std::string file;       // check: the pack file
};

// One row per rule, jurisdiction and limit (a rule without limits, or switched off, gets one
// row): rule, jurisdiction (EU for the baseline), kind, limit ("14 days", "15 working days",
// "cap 2", "-"), tag with " [?]" when uncertain, source. 0, or 2 when the packs do not load.
int RunRulesList(const RulesArgs& args, std::ostream& out, std::ostream& err);

// Validates one pack: "ok: <id> <version>, N rules" and 0; or every error as
// FILE:LINE:COLUMN: message on `err` and 1; 2 when the file cannot be read. A national pack
// is checked against the baseline of --rules (or the shipped one), whose states it may name.
int RunRulesCheck(const RulesArgs& args, std::ostream& out, std::ostream& err);

}  // namespace caseledger::cli

#endif  // CASELEDGER_TOOLS_CLI_RULES_H_
