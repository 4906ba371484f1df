// The `caseledger` subcommands as functions, so that tests can run them without a process.
// Each returns the process exit code: 0 done, 1 the operation failed (conflict, corruption,
// storage error; over the network also: cannot connect, certificate refused or unreadable,
// permission denied, a proof or signature that does not verify), 2 it could not run (bad
// arguments, missing or unreadable directory, no such case).
//
// append, read, stat, checkpoint and prove work either on a data directory (data_dir, --data)
// or on a server (remote.server, --server): exactly one of the two. Their output is the same
// either way, so that scripts work with both.
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

// How to reach caseledgerd. TLS identity: ca_file, cert_file and key_file; or tls_dir and as
// (tls_dir/ca.pem, tls_dir/<as>.pem, tls_dir/<as>.key, as `caseledger certs` writes them); or,
// for a plain-TCP development server only, plain_dev naming the principal to act as.
struct ServerArgs {
  std::string server;  // host:port; empty: not over the network
  std::string ca_file;
  std::string cert_file;
  std::string key_file;
  std::string tls_dir;
  std::string as;
  std::string plain_dev;
  int timeout_seconds = 60;  // for each reply
};

struct AppendArgs {
  std::string data_dir;
  std::string case_id;      // empty: take it from the events
  std::string expect = "any";  // any | none | a version number
  std::string input = "-";     // a file of JSON lines, or - for standard input
  std::string signing_key;     // checkpoint key file; empty: $CASELEDGER_SIGNING_KEY or the dev key
  std::string origin;          // checkpoint origin for a new ledger; empty: the recorded one
  std::string master_key;      // master key file; empty: $CASELEDGER_MASTER_KEY_FILE or the dev key
  ServerArgs remote{};  // instead of data_dir
};
int RunAppend(const AppendArgs& args, std::istream& in, std::ostream& out, std::ostream& err);

struct ReadArgs {
  std::string data_dir;
  std::optional<std::string> case_id;
  std::optional<uint64_t> from_position;
  uint64_t from_version = 0;
  uint64_t limit = 1000;
  bool leaf_hash = false;  // add each event's Merkle leaf hash ("leafHash", hex)
  ServerArgs remote{};  // instead of data_dir
  // Over the network: why the data is read (required; the server records it). Ignored locally.
  std::string purpose{};
  // Over the network: a verifier key ("name+id+key") or a file holding one. Every event read
  // must be included in the newest checkpoint signed by it, or the read fails (exit 1) and
  // prints no unverified event.
  std::string verify_with{};
  // With a case: add each event's opened personal data as "personal" (docs/privacy.md), or
  // "erased". Locally this needs the master key (master_key, else $CASELEDGER_MASTER_KEY_FILE,
  // else the development key beside the data directory); over the network the server opens it
  // for a principal with need to know and records the access.
  bool unseal = false;
  std::string master_key{};
};
int RunRead(const ReadArgs& args, std::ostream& out, std::ostream& err);

struct StatArgs {
  std::string data_dir;
  bool json = false;
  ServerArgs remote{};  // instead of data_dir
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
  bool no_rule_packs = false;  // skip activating the shipped rule packs first
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
  ServerArgs remote{};           // instead of data_dir
  // Over the network: a verifier key or a file holding one; the checkpoint printed must be
  // signed by it (else exit 1).
  std::string verify_with{};
  // With verify_with: a file holding a checkpoint note trusted earlier; the newest checkpoint
  // must extend it (a consistency proof, checked locally), else exit 1.
  std::string trusted{};
};
int RunCheckpoint(const CheckpointArgs& args, std::ostream& out, std::ostream& err);

struct ProveInclusionArgs {
  std::string data_dir;
  uint64_t position = 0;
  std::optional<uint64_t> size;  // the newest checkpoint's size when empty
  ServerArgs remote{};           // instead of data_dir
  // Over the network the proof's leafHash comes from leaf_hash (hex, as `read --leaf-hash`
  // prints it) or, with a purpose, from reading the event (recorded as an access).
  std::string leaf_hash{};
  std::string purpose{};
};
int RunProveInclusion(const ProveInclusionArgs& args, std::ostream& out, std::ostream& err);

struct ProveConsistencyArgs {
  std::string data_dir;
  uint64_t from = 0;
  std::optional<uint64_t> to;  // the newest checkpoint's size when empty
  ServerArgs remote{};  // instead of data_dir
};
int RunProveConsistency(const ProveConsistencyArgs& args, std::ostream& out, std::ostream& err);

struct SubscribeArgs {
  ServerArgs remote;
  uint64_t from_position = 0;
  std::string purpose;  // required; the server records it
  uint32_t credit = 256;  // events the server may send ahead of what is printed
  std::optional<uint64_t> limit;  // stop after this many events; none: follow for ever
  bool leaf_hash = false;
  int wait_seconds = 0;  // give up (exit 1) when nothing arrives for this long; 0: never
};
// Prints the global log from from_position as JSON lines, as `read` does, then follows it
// live, granting the server credit as events are printed. Exit 0 after `limit` events.
int RunSubscribe(const SubscribeArgs& args, std::ostream& out, std::ostream& err);

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
