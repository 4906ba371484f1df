// Internal to the caseledger subcommands: what they share.
#ifndef CASELEDGER_TOOLS_CLI_INTERNAL_H_
#define CASELEDGER_TOOLS_CLI_INTERNAL_H_

#include <capnp/message.h>

#include <istream>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "ledger/event_json.h"
#include "ledger/ledger.h"
#include "ledger/stored_event.h"
#include "tools/cli.h"
#include "tools/cli_projections.h"

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

// Where a subcommand works. kBad after printing why (exit 2): both --data and --server, neither,
// or server options without --server.
enum class Target { kLocal, kRemote, kBad };
Target ChooseTarget(const std::string& data_dir, const ServerArgs& remote, const char* command,
                    std::ostream& err);

// Events parsed from JSON lines (`append`'s input): owns the messages the readers point into.
struct ParsedEvents {
  std::vector<std::unique_ptr<capnp::MallocMessageBuilder>> messages;
  std::vector<schema::Event::Reader> events;
};
// Reads `input` ("-" for `in`). InvalidArgument naming the line, or when there is no event;
// NotFound when the file cannot be read.
Result<ParsedEvents> ParseEventLines(const std::string& input, std::istream& in);

// "any", "none" or a version number.
Result<ExpectedVersion> ParseExpect(const std::string& s);

// The JSON line `append` prints for a result.
std::string AppendResultJson(const std::string& case_id, const AppendResult& r);

// One event as `read` prints it (no newline), with "leafHash" first when asked.
std::string EventLine(const EventJson& json, const StoredEvent& event, bool leaf_hash);

// The subcommands over the network (tools/cli_remote.cc); the Run* functions call them when
// ChooseTarget says kRemote.
int RunAppendRemote(const AppendArgs& args, std::istream& in, std::ostream& out, std::ostream& err);
int RunReadRemote(const ReadArgs& args, std::ostream& out, std::ostream& err);
// `read --unseal` on a data directory (tools/cli_unseal.cc).
int RunReadUnsealedLocal(const ReadArgs& args, std::ostream& out, std::ostream& err);
// The read arguments that --unseal and --master-key refuse: exit 2 after saying why, or 0.
int CheckUnsealArgs(const ReadArgs& args, bool remote, std::ostream& err);
int RunStatRemote(const StatArgs& args, std::ostream& out, std::ostream& err);
int RunCheckpointRemote(const CheckpointArgs& args, std::ostream& out, std::ostream& err);
int RunProveInclusionRemote(const ProveInclusionArgs& args, std::ostream& out, std::ostream& err);
int RunProveConsistencyRemote(const ProveConsistencyArgs& args, std::ostream& out,
                              std::ostream& err);
// `timeline` (timeline true) or `view` over the network: caseQuery, printing the server's JSON.
int RunCaseQueryRemote(const TimelineArgs& args, bool timeline, std::ostream& out,
                       std::ostream& err);

// `query` over the network: auditQuery, printing the output and writing the case bundles into
// `proofs_dir` (when set) as CASE.bundle, with checkpoint.txt.
struct AuditRemoteArgs {
  ServerArgs remote;
  std::string name;  // a query name, or "list"
  std::vector<std::string> params;  // NAME=VALUE
  std::string as_of, format = "table", purpose, proofs_dir;
  uint64_t min_position = 0;
};
int RunAuditQueryRemote(const AuditRemoteArgs& args, std::ostream& out, std::ostream& err);

// The most case bundles `query --with-proofs` writes for one answer (the server's limit too).
inline constexpr size_t kMaxBundlesPerAnswer = 1000;
// Writes `checkpoint` as DIR/checkpoint.txt and each (case id, bundle) as DIR/CASE.bundle,
// creating DIR; says on `err` what it wrote.
Status WriteCaseBundles(const std::string& dir, const std::string& checkpoint,
                        const std::vector<std::pair<std::string, std::string>>& bundles,
                        std::ostream& err);

}  // namespace caseledger::cli::detail

#endif  // CASELEDGER_TOOLS_CLI_INTERNAL_H_
