// The `caseledger` subcommands as functions, so that tests can run them without a process.
// Each returns the process exit code: 0 done, 1 the operation failed (conflict, corruption,
// storage error), 2 it could not run (bad arguments, missing or unreadable directory).
#ifndef CASELEDGER_TOOLS_CLI_H_
#define CASELEDGER_TOOLS_CLI_H_

#include <cstdint>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace spdlog {
class logger;
}

namespace caseledger::cli {

// Warnings and errors of the ledger, to standard error (never personal data).
std::shared_ptr<spdlog::logger> StderrLogger();

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitUsage = 2;

struct AppendArgs {
  std::string data_dir;
  std::string case_id;      // empty: take it from the events
  std::string expect = "any";  // any | none | a version number
  std::string input = "-";     // a file of JSON lines, or - for standard input
  std::string signing_key;     // checkpoint key file; empty: $CASELEDGER_SIGNING_KEY or the dev key
  std::string origin;          // checkpoint origin for a new ledger; empty: the recorded one
};
int RunAppend(const AppendArgs& args, std::istream& in, std::ostream& out, std::ostream& err);

struct ReadArgs {
  std::string data_dir;
  std::optional<std::string> case_id;
  std::optional<uint64_t> from_position;
  uint64_t from_version = 0;
  uint64_t limit = 1000;
  bool leaf_hash = false;  // add each event's Merkle leaf hash ("leafHash", hex)
};
int RunRead(const ReadArgs& args, std::ostream& out, std::ostream& err);

struct StatArgs {
  std::string data_dir;
  bool json = false;
};
int RunStat(const StatArgs& args, std::ostream& out, std::ostream& err);

struct ShowArgs {
  std::string data_dir;
  std::string case_id;
};
int RunShow(const ShowArgs& args, std::ostream& out, std::ostream& err);

struct GenArgs {
  std::string data_dir;
  uint64_t cases = 100;
  uint64_t seed = 1;
  double late_share = 0.15;
  std::vector<std::string> jurisdictions;  // empty: all eight
  std::string start = "2024-01-08T08:00:00Z";
  bool quiet = false;
};
int RunGen(const GenArgs& args, std::ostream& out, std::ostream& err);

struct KeygenArgs {
  std::string out;   // private key file; the verifier key goes to out + ".pub"
  std::string name;  // key name; should be the checkpoint origin
};
int RunKeygen(const KeygenArgs& args, std::ostream& out, std::ostream& err);

struct CheckpointArgs {
  std::string data_dir;
  std::optional<uint64_t> size;  // newest when empty
};
int RunCheckpoint(const CheckpointArgs& args, std::ostream& out, std::ostream& err);

struct ProveInclusionArgs {
  std::string data_dir;
  uint64_t position = 0;
  std::optional<uint64_t> size;  // the newest checkpoint's size when empty
};
int RunProveInclusion(const ProveInclusionArgs& args, std::ostream& out, std::ostream& err);

struct ProveConsistencyArgs {
  std::string data_dir;
  uint64_t from = 0;
  std::optional<uint64_t> to;  // the newest checkpoint's size when empty
};
int RunProveConsistency(const ProveConsistencyArgs& args, std::ostream& out, std::ostream& err);

struct VerifyArgs {
  std::string data_dir;
  std::string pubkey_file;  // empty: the keys recorded with the data
  bool quiet = false;       // no progress line
};
// Exit 0 intact, 1 corruption found (one line per finding on `err`, the first naming the
// earliest damaged place), 2 cannot run.
int RunVerify(const VerifyArgs& args, std::ostream& out, std::ostream& err);

struct VerifyProofArgs {
  std::string proof_file;
  std::string checkpoint_file;
  std::string pubkey_file;
};
// Exit 0 when the proof holds against the checkpoint and the checkpoint is signed by the
// pinned key; 1 when it does not; 2 when it cannot run.
int RunVerifyProof(const VerifyProofArgs& args, std::ostream& out, std::ostream& err);

}  // namespace caseledger::cli

#endif  // CASELEDGER_TOOLS_CLI_H_
