// The subcommands over the network (`--server HOST:PORT`), through the client library
// (server/client.h). Output is what the same subcommand prints on a data directory, so that
// scripts work either way; what only the network adds (verification against a pinned key,
// the server's status) goes to standard error or to fields of its own.
//
// Exit codes: 2 for bad arguments found before connecting and for the server's NotFound and
// InvalidArgument (as on a data directory); 1 for everything else: cannot connect, a refused
// or unreadable certificate, PermissionDenied, a proof or a signature that does not verify.
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include "ledger/checkpoint.h"
#include "ledger/hash.h"
#include "ledger/proof.h"
#include "ledger/time_format.h"
#include "server/client.h"
#include "server/config.h"
#include "server/privacy.h"
#include "tools/cli.h"
#include "tools/cli_internal.h"

namespace caseledger::cli {
namespace detail {
namespace {

// How long `read --verify-with` waits for the server to sign a checkpoint that covers the
// events it read (caseledgerd signs one within a second of new events by default).
constexpr int kCheckpointWaitSeconds = 15;
constexpr uint64_t kPage = 1000;

int Usage(std::ostream& err, const char* command, const std::string& why) {
  err << "caseledger " << command << ": " << why << "\n";
  return kExitUsage;
}

// A failure reported by the server, or on the way to it.
int ServerFail(std::ostream& err, const ServerArgs& args, const Status& s) {
  err << "caseledger: " << args.server << ": " << s.ToString() << "\n";
  return s.IsInvalidArgument() || s.IsNotFound() ? kExitUsage : kExitFailed;
}

// Local verification failed: always exit 1.
int NotVerified(std::ostream& err, const std::string& why) {
  err << "caseledger: NOT VERIFIED: " << why << "\n";
  return kExitFailed;
}

Result<std::string> ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("cannot read " + path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// A verifier key given as its text ("name+id+key") or as a file holding it (FILE.pub).
Result<VerifierKey> LoadVerifierKey(const std::string& arg) {
  auto direct = VerifierKey::Parse(arg);
  if (direct.ok()) return direct;
  std::ifstream probe(arg);
  if (!probe) {
    return Status::InvalidArgument("--verify-with takes a verifier key (name+id+key, as `stat` "
                                   "and keygen print it) or a file holding one; \"" + arg +
                                   "\" is neither: " + direct.status().message());
  }
  auto text = ReadWholeFile(arg);
  if (!text.ok()) return text.status();
  std::string key = *text;
  while (!key.empty() && std::isspace(static_cast<unsigned char>(key.back()))) key.pop_back();
  auto parsed = VerifierKey::Parse(key);
  if (!parsed.ok()) return parsed.status().WithContext(arg);
  return parsed;
}

// Client options from the command line. InvalidArgument for a bad address or a wrong mix of
// identity options.
Result<server::ClientOptions> OptionsFor(const ServerArgs& args) {
  auto hp = server::ParseHostPort(args.server);
  if (!hp.ok()) return hp.status().WithContext("--server");
  server::ClientOptions o;
  o.server = args.server;
  o.client_name = "caseledger-cli/1";
  o.timeout_seconds = args.timeout_seconds;
  const bool explicit_tls = !args.ca_file.empty() || !args.cert_file.empty() || !args.key_file.empty();
  const bool dir_tls = !args.tls_dir.empty() || !args.as.empty();
  const bool plain = !args.plain_dev.empty();
  if (int(explicit_tls) + int(dir_tls) + int(plain) != 1) {
    return Status::InvalidArgument(
        "say who you are with exactly one of: --ca FILE --cert FILE --key FILE; "
        "--tls-dir DIR --as NAME (as `caseledger certs` writes them); --plain-dev NAME (a "
        "plain-TCP development server)");
  }
  if (explicit_tls) {
    if (args.ca_file.empty() || args.cert_file.empty() || args.key_file.empty()) {
      return Status::InvalidArgument("TLS needs all of --ca, --cert and --key");
    }
    o.ca_file = args.ca_file;
    o.cert_file = args.cert_file;
    o.key_file = args.key_file;
  } else if (dir_tls) {
    if (args.tls_dir.empty() || args.as.empty()) {
      return Status::InvalidArgument("--tls-dir and --as go together");
    }
    o.ca_file = args.tls_dir + "/ca.pem";
    o.cert_file = args.tls_dir + "/" + args.as + ".pem";
    o.key_file = args.tls_dir + "/" + args.as + ".key";
  } else {
    o.plain_tcp = true;
    o.dev_principal = args.plain_dev;
  }
  return o;
}

// Unavailable, with the system's reason, when a file cannot be opened for reading.
Status Readable(const std::string& path, const char* what) {
  std::ifstream in(path, std::ios::binary);
  if (in) return Status::OK();
  return Status::Unavailable(std::string("cannot read ") + what + " " + path + ": " +
                             std::strerror(errno));
}

// One connection for one subcommand; says goodbye when it ends, so that the server sees a
// clean end rather than a dropped connection.
class Connection {
 public:
  // Null, after printing why and setting *code (2 bad options, 1 anything else), when it
  // cannot connect.
  static std::unique_ptr<Connection> Open(const ServerArgs& args, std::ostream& err, int* code) {
    auto options = OptionsFor(args);
    if (!options.ok()) {
      err << "caseledger: " << options.status().message() << "\n";
      *code = kExitUsage;
      return nullptr;
    }
    Status files;
    if (!options->plain_tcp) {
      files = Readable(options->ca_file, "the CA certificate");
      if (files.ok()) files = Readable(options->cert_file, "the client certificate");
      if (files.ok()) files = Readable(options->key_file, "the client key");
    }
    auto client = files.ok() ? server::Client::Connect(*options)
                             : Result<std::unique_ptr<server::Client>>(files);
    if (!client.ok()) {
      err << "caseledger: cannot connect to " << args.server << ": "
          << client.status().ToString() << "\n";
      *code = kExitFailed;
      return nullptr;
    }
    return std::unique_ptr<Connection>(new Connection(std::move(*client), args.timeout_seconds));
  }
  ~Connection() {
    client_->SetTimeout(timeout_seconds_);
    (void)client_->Goodbye();  // the work is done; how the exchange ends changes nothing
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  server::Client* operator->() { return client_.get(); }
  server::Client& operator*() { return *client_; }

 private:
  Connection(std::unique_ptr<server::Client> client, int timeout_seconds)
      : client_(std::move(client)), timeout_seconds_(timeout_seconds) {}
  std::unique_ptr<server::Client> client_;
  int timeout_seconds_;
};

const char kPurposeNeeded[] =
    "reading case data over the network needs --purpose TEXT: why you read it (the server "
    "records it, with who you are, in the case's access stream)";

// Waits until the newest checkpoint covers `position`: one is signed soon after new events.
Status WaitForCheckpointCovering(server::Client& client, uint64_t position) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(kCheckpointWaitSeconds);
  for (;;) {
    auto note = client.GetCheckpoint(0);
    if (!note.ok() && !note.status().IsNotFound()) return note.status();
    uint64_t size = 0;
    if (note.ok()) {
      auto parsed = ParseCheckpointUnverified(*note);
      if (!parsed.ok()) return Status::Corruption("the server's newest checkpoint is malformed: " + parsed.status().message());
      size = parsed->size;
    }
    if (size > position) return Status::OK();
    if (std::chrono::steady_clock::now() >= deadline) {
      return Status::Unavailable("no signed checkpoint covers position " + std::to_string(position) +
                                 " yet (newest: size " + std::to_string(size) +
                                 "); try again once the server has signed a newer one");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

}  // namespace

int RunAppendRemote(const AppendArgs& args, std::istream& in, std::ostream& out, std::ostream& err) {
  if (!args.signing_key.empty() || !args.origin.empty()) {
    return Usage(err, "append", "--signing-key and --origin are the server's (caseledgerd "
                                "--signing-key, --origin), not the client's");
  }
  auto expect = ParseExpect(args.expect);
  if (!expect.ok()) return Fail(err, expect.status());
  auto parsed = ParseEventLines(args.input, in);
  if (!parsed.ok()) return Fail(err, parsed.status());
  const std::string case_id =
      args.case_id.empty() ? parsed->events.front().getCaseId().cStr() : args.case_id;
  int code = kExitOk;
  auto client = Connection::Open(args.remote, err, &code);
  if (!client) return code;
  auto r = (*client)->Append(case_id, *expect, parsed->events);
  if (!r.ok()) return ServerFail(err, args.remote, r.status());
  out << AppendResultJson(case_id, *r) << "\n";
  return kExitOk;
}

int RunReadRemote(const ReadArgs& args, std::ostream& out, std::ostream& err) {
  if (args.purpose.empty()) return Usage(err, "read", kPurposeNeeded);
  std::optional<VerifierKey> key;
  if (!args.verify_with.empty()) {
    auto loaded = LoadVerifierKey(args.verify_with);
    if (!loaded.ok()) return Fail(err, loaded.status());
    key = std::move(*loaded);
  }
  int code = kExitOk;
  auto client = Connection::Open(args.remote, err, &code);
  if (!client) return code;

  EventJson json;
  uint64_t remaining = args.limit;
  uint64_t next = args.case_id ? args.from_version : *args.from_position;
  uint64_t verified = 0;
  caseledger::Checkpoint newest;
  while (remaining > 0) {
    const auto n = static_cast<uint32_t>(std::min(remaining, kPage));
    auto page = args.case_id
                    ? (*client)->ReadStream(*args.case_id, next, n, args.purpose, args.unseal)
                    : (*client)->ReadLog(next, n, args.purpose);
    if (!page.ok()) return ServerFail(err, args.remote, page.status());
    auto& events = page->events;
    if (events.size() > remaining) events.erase(events.begin() + static_cast<ptrdiff_t>(remaining), events.end());
    if (key && !events.empty()) {
      // Before anything is printed: what the server sent must be what was asked for, and in
      // the tree that the pinned key signed.
      for (size_t i = 0; i < events.size(); ++i) {
        auto r = events[i].reader();
        const bool in_place =
            args.case_id ? std::string_view(r.getCaseId().cStr()) == *args.case_id &&
                               r.getStreamVersion() == next + i
                         : events[i].position() == next + i;
        if (!in_place) {
          return NotVerified(err, "the server sent the event at position " +
                                      std::to_string(events[i].position()) +
                                      " where another was asked for");
        }
      }
      Status covered = WaitForCheckpointCovering(**client, events.back().position());
      if (!covered.ok()) return ServerFail(err, args.remote, covered);
      for (const StoredEvent& ev : events) {
        auto cp = (*client)->VerifyInclusion(ev, *key);
        if (!cp.ok()) {
          return NotVerified(err, "the event at position " + std::to_string(ev.position()) +
                                      " is not shown to be in a tree signed by " + key->name() +
                                      ": " + cp.status().ToString());
        }
        newest = std::move(*cp);
        ++verified;
      }
    }
    for (size_t i = 0; i < events.size(); ++i) {
      std::string line = EventLine(json, events[i], args.leaf_hash);
      if (args.unseal) {
        auto opened = server::UnsealedEventLine(json, line, page->personal[i]);
        if (!opened.ok()) return ServerFail(err, args.remote, opened.status());
        line = std::move(*opened);
      }
      out << line << "\n";
    }
    if (events.empty() || page->at_end) break;
    remaining -= events.size();
    next = page->next;
  }
  if (key) {
    err << "verified: " << verified << " events are in the tree of size " << newest.size
        << " signed by " << key->name() << "\n";
  }
  return kExitOk;
}

int RunStatRemote(const StatArgs& args, std::ostream& out, std::ostream& err) {
  int code = kExitOk;
  auto client = Connection::Open(args.remote, err, &code);
  if (!client) return code;
  auto st = (*client)->GetServerStatus();
  if (!st.ok()) return ServerFail(err, args.remote, st.status());
  const server::HelloInfo& hello = (*client)->hello();
  const std::string last = st->last_recorded_at ? FormatRfc3339(st->last_recorded_at) : "";
  if (args.json) {
    out << "{\"events\":" << st->tree_size
        << ",\"lastRecordedAt\":" << (last.empty() ? "null" : "\"" + last + "\"")
        << ",\"checkpointSize\":" << st->checkpoint_size << ",\"server\":\"" << st->server
        << "\",\"origin\":\"" << hello.origin << "\",\"principal\":\"" << hello.principal_id
        << "\",\"connections\":" << st->connections << ",\"subscribers\":" << st->subscribers
        << ",\"uptimeSeconds\":" << st->uptime_seconds
        << ",\"projectionPosition\":" << st->projection_position
        << ",\"readOnly\":" << (st->read_only ? "true" : "false") << "}\n";
  } else {
    out << "server           " << args.remote.server << " (" << st->server << ")\n"
        << "you are          " << hello.principal_id << " (agency " << hello.agency_id << ")\n"
        << "origin           " << (hello.origin.empty() ? "-" : hello.origin) << "\n"
        << "events           " << st->tree_size << "\n"
        << "projections at   " << st->projection_position << "\n"
        << "checkpoint size  " << st->checkpoint_size << "\n"
        << "last recorded at " << (last.empty() ? "-" : last) << "\n"
        << "connections      " << st->connections << "\n"
        << "subscribers      " << st->subscribers << "\n"
        << "up for           " << st->uptime_seconds << " s\n";
    if (st->read_only) out << "READ ONLY        appends are refused after a storage failure\n";
  }
  return kExitOk;
}

int RunCheckpointRemote(const CheckpointArgs& args, std::ostream& out, std::ostream& err) {
  if (!args.trusted.empty() && args.verify_with.empty()) {
    return Usage(err, "checkpoint", "--trusted needs --verify-with KEY (the key that signed it)");
  }
  if (!args.trusted.empty() && args.size) {
    return Usage(err, "checkpoint", "--trusted checks the newest checkpoint; leave out --size");
  }
  std::optional<VerifierKey> key;
  if (!args.verify_with.empty()) {
    auto loaded = LoadVerifierKey(args.verify_with);
    if (!loaded.ok()) return Fail(err, loaded.status());
    key = std::move(*loaded);
  }
  std::string trusted_note;
  caseledger::Checkpoint trusted;
  if (!args.trusted.empty()) {
    auto text = ReadWholeFile(args.trusted);
    if (!text.ok()) return Fail(err, text.status());
    auto parsed = ParseAndVerifyCheckpoint(*text, *key);
    if (!parsed.ok()) {
      return Usage(err, "checkpoint", args.trusted + " is not a checkpoint signed by " +
                                          key->name() + ": " + parsed.status().message());
    }
    trusted_note = std::move(*text);
    trusted = std::move(*parsed);
  }
  int code = kExitOk;
  auto client = Connection::Open(args.remote, err, &code);
  if (!client) return code;

  uint64_t size = args.size.value_or(0);
  if (!args.trusted.empty()) {
    auto extends = (*client)->VerifyExtends(trusted_note, *key);
    if (!extends.ok()) {
      return NotVerified(err, "the server's newest checkpoint does not extend the trusted one "
                              "of size " + std::to_string(trusted.size) + ": " +
                              extends.status().ToString());
    }
    size = extends->size;
    // Print the very checkpoint that was checked: fetched again by its size, and compared.
    auto note = (*client)->GetCheckpoint(size);
    if (!note.ok()) return ServerFail(err, args.remote, note.status());
    auto cp = ParseAndVerifyCheckpoint(*note, *key);
    if (!cp.ok() || cp->root != extends->root) {
      return NotVerified(err, "the server sent another checkpoint of size " +
                                  std::to_string(size) + " than the one it proved");
    }
    out << *note;
    err << "verified: the checkpoint of size " << size << " is signed by " << key->name()
        << " and extends the trusted one of size " << trusted.size << "\n";
    return kExitOk;
  }
  auto note = (*client)->GetCheckpoint(size);
  if (!note.ok()) return ServerFail(err, args.remote, note.status());
  if (key) {
    auto cp = ParseAndVerifyCheckpoint(*note, *key);
    if (!cp.ok()) {
      return NotVerified(err, "the checkpoint is not signed by " + key->name() + ": " +
                                  cp.status().message());
    }
    if (args.size && cp->size != *args.size) {
      return NotVerified(err, "asked for the checkpoint of size " + std::to_string(*args.size) +
                                  ", the server sent one of size " + std::to_string(cp->size));
    }
    out << *note;
    err << "verified: the checkpoint of size " << cp->size << " is signed by " << key->name()
        << "\n";
    return kExitOk;
  }
  out << *note;
  return kExitOk;
}

namespace {

// The root a stored checkpoint note states (unverified, as the local `prove` does).
Result<std::string> RootOf(const std::string& note, uint64_t size) {
  if (note.empty()) {
    return Status::InvalidArgument(
        "the server holds no signed checkpoint of size " + std::to_string(size) +
        "; over the network proofs are made between signed checkpoints (leave out the size "
        "for the newest, or use one that `checkpoint` printed)");
  }
  auto cp = ParseCheckpointUnverified(note);
  if (!cp.ok()) return Status::Corruption("the server's checkpoint is malformed: " + cp.status().message());
  if (cp->size != size) return Status::Corruption("the server's checkpoint is for another tree size");
  return std::string(cp->root.begin(), cp->root.end());
}

}  // namespace

int RunProveInclusionRemote(const ProveInclusionArgs& args, std::ostream& out, std::ostream& err) {
  std::string leaf_hash;
  if (!args.leaf_hash.empty()) {
    auto bytes = FromHex(args.leaf_hash);
    if (!bytes.ok() || bytes->size() != 32) {
      return Usage(err, "prove inclusion", "--leaf-hash takes 64 hex digits, as `read --leaf-hash` prints them");
    }
    leaf_hash = std::move(*bytes);
  } else if (args.purpose.empty()) {
    return Usage(err, "prove inclusion",
                 "over the network the proof needs the event's leaf hash: give --leaf-hash HEX "
                 "(from `read --leaf-hash`) or --purpose TEXT to read the event (recorded as an "
                 "access)");
  }
  int code = kExitOk;
  auto client = Connection::Open(args.remote, err, &code);
  if (!client) return code;
  auto proof = (*client)->InclusionProof(args.position, args.size.value_or(0));
  if (!proof.ok()) return ServerFail(err, args.remote, proof.status());
  auto root = RootOf(proof->checkpoint, proof->tree_size);
  if (!root.ok()) return ServerFail(err, args.remote, root.status());
  if (leaf_hash.empty()) {
    auto page = (*client)->ReadLog(args.position, 1, args.purpose);
    if (!page.ok()) return ServerFail(err, args.remote, page.status());
    if (page->events.size() != 1 || page->events[0].position() != args.position) {
      return ServerFail(err, args.remote,
                        Status::Corruption("the server did not send the event at position " +
                                           std::to_string(args.position)));
    }
    const Hash256 h = LeafHash(page->events[0].bytes());
    leaf_hash.assign(h.begin(), h.end());
  }
  InclusionProofDoc doc;
  doc.leaf_idx = args.position;
  doc.tree_size = proof->tree_size;
  doc.root = *root;
  doc.leaf_hash = leaf_hash;
  for (const auto& h : proof->hashes) doc.proof.emplace_back(h.begin(), h.end());
  doc.checkpoint = proof->checkpoint;
  out << FormatProof(doc);
  return kExitOk;
}

int RunProveConsistencyRemote(const ProveConsistencyArgs& args, std::ostream& out,
                              std::ostream& err) {
  if (args.from == 0) {
    return Usage(err, "prove consistency",
                 "need 0 < --from <= --to (a proof from the empty tree proves nothing)");
  }
  int code = kExitOk;
  auto client = Connection::Open(args.remote, err, &code);
  if (!client) return code;
  auto proof = (*client)->ConsistencyProof(args.from, args.to.value_or(0));
  if (!proof.ok()) return ServerFail(err, args.remote, proof.status());
  auto root1 = RootOf(proof->old_checkpoint, proof->size1);
  if (!root1.ok()) return ServerFail(err, args.remote, root1.status());
  auto root2 = RootOf(proof->checkpoint, proof->tree_size);
  if (!root2.ok()) return ServerFail(err, args.remote, root2.status());
  ConsistencyProofDoc doc;
  doc.size1 = proof->size1;
  doc.size2 = proof->tree_size;
  doc.root1 = *root1;
  doc.root2 = *root2;
  for (const auto& h : proof->hashes) doc.proof.emplace_back(h.begin(), h.end());
  doc.checkpoint = proof->checkpoint;
  out << FormatProof(doc);
  return kExitOk;
}

int RunCaseQueryRemote(const TimelineArgs& args, bool timeline, std::ostream& out,
                       std::ostream& err) {
  if (args.purpose.empty()) {
    err << "caseledger: " << kPurposeNeeded << "\n";
    return kExitUsage;
  }
  int64_t as_of = 0;
  if (!args.as_of.empty() && args.as_of != "now") {
    auto t = ParseRfc3339(args.as_of.size() == 10 ? args.as_of + "T00:00:00Z" : args.as_of);
    if (!t.ok()) return Fail(err, t.status());
    as_of = *t;
  }
  if (args.at_position || !args.occurred_by.empty()) {
    err << "caseledger: --at-position and --occurred-by work on a data directory; over the "
           "network use --as-of\n";
    return kExitUsage;
  }
  int code = kExitOk;
  auto client = Connection::Open(args.remote, err, &code);
  if (!client) return code;
  auto reply =
      (*client)->CaseQuery(args.case_id, timeline, args.purpose, args.min_position, as_of);
  if (!reply.ok()) return ServerFail(err, args.remote, reply.status());
  out << reply->json << "\n";
  return kExitOk;
}

int RunAuditQueryRemote(const AuditRemoteArgs& args, std::ostream& out, std::ostream& err) {
  if (args.purpose.empty() && args.name != "list") {
    err << "caseledger: " << kPurposeNeeded << "\n";
    return kExitUsage;
  }
  server::Client::AuditQueryOptions options;
  for (const auto& p : args.params) {
    const auto eq = p.find('=');
    if (eq == std::string::npos || eq == 0) {
      err << "caseledger: --param takes NAME=VALUE, not \"" << p << "\"\n";
      return kExitUsage;
    }
    options.params.emplace_back(p.substr(0, eq), p.substr(eq + 1));
  }
  if (!args.as_of.empty() && args.as_of != "now") {
    auto t = ParseRfc3339(args.as_of.size() == 10 ? args.as_of + "T00:00:00Z" : args.as_of);
    if (!t.ok()) return Fail(err, t.status());
    options.as_of = *t;
  }
  options.format = args.format;
  options.with_proofs = !args.proofs_dir.empty();
  options.min_position = args.min_position;
  int code = kExitOk;
  auto client = Connection::Open(args.remote, err, &code);
  if (!client) return code;
  auto reply = (*client)->AuditQuery(args.name == "list" ? "" : args.name, args.purpose, options);
  if (!reply.ok()) return ServerFail(err, args.remote, reply.status());
  out << reply->output;
  if (!reply->output.empty() && reply->output.back() != '\n') out << "\n";
  if (args.format == "csv" && !reply->checkpoint.empty()) {
    // CSV has no place for it: what the answer was computed at goes to stderr.
    auto cp = ParseCheckpointUnverified(reply->checkpoint);
    err << "projection position " << reply->position;
    if (cp.ok()) {
      err << "; signed checkpoint: size " << cp->size << ", root " << EncodeBase64(cp->root);
    }
    err << "\n";
  }
  if (!options.with_proofs) return kExitOk;
  if (Status s = WriteCaseBundles(args.proofs_dir, reply->checkpoint, reply->bundles, err);
      !s.ok()) {
    return Fail(err, s);
  }
  return kExitOk;
}

}  // namespace detail

int RunSubscribe(const SubscribeArgs& args, std::ostream& out, std::ostream& err) {
  if (args.remote.server.empty()) {
    return detail::Usage(err, "subscribe", "needs --server HOST:PORT (a caseledgerd)");
  }
  if (args.purpose.empty()) return detail::Usage(err, "subscribe", detail::kPurposeNeeded);
  if (args.credit == 0) return detail::Usage(err, "subscribe", "--credit must be at least 1");
  if (args.limit && *args.limit == 0) return kExitOk;
  int code = kExitOk;
  auto client = detail::Connection::Open(args.remote, err, &code);
  if (!client) return code;
  // Never ask for more than the limit: the server sends at most what it was granted.
  uint64_t granted = args.limit ? std::min<uint64_t>(args.credit, *args.limit) : args.credit;
  Status s = (*client)->Subscribe(args.from_position, static_cast<uint32_t>(granted), 0, args.purpose);
  if (!s.ok()) return detail::ServerFail(err, args.remote, s);
  (*client)->SetTimeout(args.wait_seconds);
  EventJson json;
  uint64_t printed = 0;
  uint64_t next = args.from_position;
  for (;;) {
    auto batch = (*client)->NextBatch();
    if (!batch.ok()) return detail::ServerFail(err, args.remote, batch.status());
    for (const StoredEvent& ev : batch->events) {
      if (ev.position() != next) {
        err << "caseledger: " << args.remote.server << " sent position " << ev.position()
            << " where " << next << " was due\n";
        return kExitFailed;
      }
      ++next;
      out << detail::EventLine(json, ev, args.leaf_hash) << "\n";
      if (args.limit && ++printed == *args.limit) break;
    }
    out.flush();
    if (args.limit && printed >= *args.limit) return kExitOk;
    // Printed: the server may send as many again.
    uint64_t grant = batch->events.size();
    if (args.limit) grant = std::min(grant, *args.limit - granted);
    if (grant > 0) {
      s = (*client)->Credit(static_cast<uint32_t>(grant));
      if (!s.ok()) return detail::ServerFail(err, args.remote, s);
      granted += grant;
    }
  }
}

}  // namespace caseledger::cli
