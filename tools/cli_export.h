// `caseledger export` and `caseledger verify-bundle`: case bundles (docs/verification.md,
// "Case bundles"), as functions that tests can call without a process. Exit codes as in
// tools/cli.h: export 0 written, 1 failed, 2 cannot run (no such case or directory);
// verify-bundle 0 intact, 1 corrupt, 2 cannot run (unreadable file, bad pubkey file).
#ifndef CASELEDGER_TOOLS_CLI_EXPORT_H_
#define CASELEDGER_TOOLS_CLI_EXPORT_H_

#include <iosfwd>
#include <string>

namespace caseledger::cli {

struct ExportArgs {
  std::string data_dir;
  std::string case_id;
  std::string out_file;
  std::string signing_key;  // checkpoint key file; empty: $CASELEDGER_SIGNING_KEY or the dev key
};
// Writes the bundle of one case to out_file. When the directory can be opened for writing, a
// fresh checkpoint is signed first, so that the bundle holds every event of the case; when
// another process (a running server) holds it, it is opened read-only and the bundle covers
// the events of the newest stored checkpoint, which the output says.
int RunExport(const ExportArgs& args, std::ostream& out, std::ostream& err);

struct VerifyBundleArgs {
  std::string bundle_file;
  std::string pubkey_file;  // empty: trust the key inside the bundle (and say so)
};
// Checks a bundle offline: one line per problem on `err`, a summary on `out`.
int RunVerifyBundle(const VerifyBundleArgs& args, std::ostream& out, std::ostream& err);

}  // namespace caseledger::cli

#endif  // CASELEDGER_TOOLS_CLI_EXPORT_H_
