// The caseledger subcommands over the network (tools/cli_remote.cc), against a caseledgerd
// running in the test process on loopback mutual TLS.
#include <catch2/catch.hpp>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "ledger/checkpoint.h"
#include "ledger/hash.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_server.h"
#include "tools/cli.h"
#include "tools/cli_projections.h"
#include "tools/dev_certs.h"

namespace caseledger::cli {
namespace {

using testing::TempDir;
using testing::TestServer;

struct Run {
  int code;
  std::string out, err;
};

// Signs checkpoints soon after appends, so that verification need not wait long.
void FastCheckpoints(server::ServerConfig& config) { config.checkpoint_every_millis = 50; }

// A client event of the childprotection dev principal, as `append` reads it.
std::string CpEvent(int n, const std::string& case_id) {
  char id[33];
  std::snprintf(id, sizeof(id), "%032x", n);
  return std::string(R"({"eventId":")") + id + R"(","caseId":")" + case_id +
         R"(","childId":"child-1","dataClass":"ordinary","occurredAt":"2025-03-03T09:00:00Z",)"
         R"("jurisdiction":"DK","agencyId":")" + TestServer::AgencyOf("childprotection") +
         R"(","agencyRole":"childProtection","actorId":"worker-17","body":{"caseConferenceHeld":)"
         R"({"kind":"initial","attendees":["childProtection"]}}})";
}

std::string CpEvents(int first, int count, const std::string& case_id) {
  std::string lines;
  for (int i = first; i < first + count; ++i) lines += CpEvent(i, case_id) + "\n";
  return lines;
}

ServerArgs As(const TestServer& server, const std::string& name) {
  ServerArgs r;
  r.server = server.address();
  r.tls_dir = server.cert_dir();
  r.as = name;
  r.timeout_seconds = 15;
  return r;
}

Run Append(const ServerArgs& remote, const std::string& lines, const std::string& expect = "any") {
  AppendArgs a;
  a.remote = remote;
  a.expect = expect;
  std::istringstream in(lines);
  std::ostringstream out, err;
  int code = RunAppend(a, in, out, err);
  return {code, out.str(), err.str()};
}

Run Read(const ReadArgs& a) {
  std::ostringstream out, err;
  int code = RunRead(a, out, err);
  return {code, out.str(), err.str()};
}

ReadArgs ReadCase(const ServerArgs& remote, const std::string& case_id) {
  ReadArgs r;
  r.remote = remote;
  r.case_id = case_id;
  r.purpose = "case review";
  return r;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// The newest checkpoint's tree size, read from the ledger directly.
uint64_t CheckpointSize(TestServer& server) {
  auto note = server.ledger().GetCheckpoint();
  if (!note.ok()) return 0;
  auto cp = ParseCheckpointUnverified(*note);
  return cp.ok() ? cp->size : 0;
}

void WaitForCheckpointOf(TestServer& server, uint64_t size) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (CheckpointSize(server) < size && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  REQUIRE(CheckpointSize(server) >= size);
}

TEST_CASE("append over mutual TLS, then read back: the same lines as a local read",
          "[cli-server]") {
  TestServer server(FastCheckpoints);
  Run a = Append(As(server, "childprotection"), CpEvents(1, 3, "DK-1"), "none");
  INFO(a.err);
  REQUIRE(a.code == kExitOk);
  CHECK_THAT(a.out, Catch::StartsWith("{\"caseId\":\"DK-1\",\"positions\":[0,1,2],"));
  CHECK(server.ledger().size() == 3);

  // The same append again is deduplicated by its event ids; expecting no case is a conflict.
  Run again = Append(As(server, "childprotection"), CpEvents(1, 3, "DK-1"), "none");
  CHECK(again.code == kExitOk);
  CHECK_THAT(again.out, Catch::Contains("\"deduplicated\":true"));
  Run conflict = Append(As(server, "childprotection"), CpEvents(10, 1, "DK-1"), "none");
  CHECK(conflict.code == kExitFailed);
  CHECK_THAT(conflict.err, Catch::Contains("Conflict"));

  ReadArgs r = ReadCase(As(server, "childprotection"), "DK-1");
  r.leaf_hash = true;
  Run remote = Read(r);
  INFO(remote.err);
  REQUIRE(remote.code == kExitOk);
  auto lines = Lines(remote.out);
  REQUIRE(lines.size() == 3);
  CHECK_THAT(lines[2], Catch::Contains("\"streamVersion\":2"));

  // Reading over the network left an access record, with the purpose, out of the case.
  auto access = server.ledger().ReadStream("access:DK-1", 0, 10);
  REQUIRE(access.ok());
  REQUIRE(access->size() == 1);
  auto record = (*access)[0].reader().getBody().getRecordAccessed();
  CHECK(std::string(record.getPurpose().cStr()) == "case review");
  CHECK(std::string(record.getAccessorId().cStr()) == "childprotection");

  // A local read of the server's directory prints byte-identical lines.
  ReadArgs local;
  local.data_dir = server.config().data_dir;
  local.case_id = "DK-1";
  local.leaf_hash = true;
  Run on_disk = Read(local);
  REQUIRE(on_disk.code == kExitOk);
  CHECK(on_disk.out == remote.out);

  // The global log by position, as oversight: the three events first.
  ReadArgs log;
  log.remote = As(server, "oversight");
  log.from_position = 0;
  log.limit = 2;
  log.leaf_hash = true;
  log.purpose = "audit";
  Run by_position = Read(log);
  REQUIRE(by_position.code == kExitOk);
  CHECK(by_position.out == lines[0] + "\n" + lines[1] + "\n");

  StatArgs s;
  s.remote = As(server, "police");
  s.json = true;
  std::ostringstream out, err;
  const int stat_code = RunStat(s, out, err);
  INFO(err.str());
  REQUIRE(stat_code == kExitOk);
  CHECK_THAT(out.str(), Catch::Contains("\"events\":" + std::to_string(server.ledger().size())));
  CHECK_THAT(out.str(), Catch::Contains("\"principal\":\"police\""));
}

TEST_CASE("a read over the network without a purpose is refused before connecting",
          "[cli-server]") {
  ReadArgs r;
  r.remote.server = "127.0.0.1:1";  // nothing listens: the refusal must come first
  r.remote.tls_dir = "/nonexistent";
  r.remote.as = "oversight";
  r.case_id = "DK-1";
  Run run = Read(r);
  CHECK(run.code == kExitUsage);
  CHECK_THAT(run.err, Catch::Contains("needs --purpose"));

  SubscribeArgs s;
  s.remote = r.remote;
  std::ostringstream out, err;
  CHECK(RunSubscribe(s, out, err) == kExitUsage);
  CHECK_THAT(err.str(), Catch::Contains("needs --purpose"));

  // Exactly one of --data and --server; identity options only with --server.
  r.purpose = "review";
  r.data_dir = "/tmp";
  Run both = Read(r);
  CHECK(both.code == kExitUsage);
  CHECK_THAT(both.err, Catch::Contains("not both"));
  ReadArgs none;
  none.case_id = "DK-1";
  none.remote.as = "oversight";
  Run no_server = Read(none);
  CHECK(no_server.code == kExitUsage);
  CHECK_THAT(no_server.err, Catch::Contains("need --server"));
  ReadArgs two_identities = ReadCase(r.remote, "DK-1");
  two_identities.remote.plain_dev = "oversight";
  Run mixed = Read(two_identities);
  CHECK(mixed.code == kExitUsage);
  CHECK_THAT(mixed.err, Catch::Contains("exactly one of"));
}

TEST_CASE("a missing or foreign client certificate fails with exit 1 and says why",
          "[cli-server]") {
  TestServer server;
  ServerArgs missing = As(server, "oversight");
  missing.tls_dir = server.cert_dir() + "/no-such-dir";
  Run run = Read(ReadCase(missing, "DK-1"));
  CHECK(run.code == kExitFailed);
  CHECK_THAT(run.err, Catch::Contains("cannot connect to " + server.address()));
  CHECK_THAT(run.err, Catch::Contains("cannot read the CA certificate " + missing.tls_dir + "/ca.pem"));

  ServerArgs no_such_principal = As(server, "nobody");
  Run nobody = Read(ReadCase(no_such_principal, "DK-1"));
  CHECK(nobody.code == kExitFailed);
  CHECK_THAT(nobody.err, Catch::Contains("nobody.pem"));

  // A certificate from another CA: the server refuses it in the handshake.
  TempDir other;
  tools::DevCertOptions o;
  o.out_dir = other.Sub("certs");
  REQUIRE(tools::MakeDevCertificates(o).ok());
  ServerArgs foreign = As(server, "oversight");
  foreign.cert_file = o.out_dir + "/oversight.pem";
  foreign.key_file = o.out_dir + "/oversight.key";
  foreign.ca_file = server.Cert("ca.pem");
  foreign.tls_dir.clear();
  foreign.as.clear();
  Run refused = Read(ReadCase(foreign, "DK-1"));
  CHECK(refused.code == kExitFailed);
  CHECK_THAT(refused.err, Catch::Contains("cannot connect to " + server.address()));
  CHECK(refused.out.empty());
}

TEST_CASE("a witness reading a case, or an agency following the log, is refused with exit 1",
          "[cli-server]") {
  TestServer server;
  REQUIRE(Append(As(server, "childprotection"), CpEvents(1, 1, "DK-7")).code == kExitOk);
  Run run = Read(ReadCase(As(server, "witness"), "DK-7"));
  CHECK(run.code == kExitFailed);
  CHECK_THAT(run.err, Catch::Contains("PermissionDenied"));
  CHECK_THAT(run.err, Catch::Contains("witness"));
  CHECK(run.out.empty());
  // An agency that took no part in the case is refused the same way.
  Run police = Read(ReadCase(As(server, "police"), "DK-7"));
  CHECK(police.code == kExitFailed);
  CHECK_THAT(police.err, Catch::Contains("PermissionDenied"));
  // Agencies do not follow the whole log; the refusal reaches the subscriber as its first batch.
  SubscribeArgs sub;
  sub.remote = As(server, "police");
  sub.purpose = "curious";
  sub.wait_seconds = 10;
  std::ostringstream out, err;
  CHECK(RunSubscribe(sub, out, err) == kExitFailed);
  CHECK_THAT(err.str(), Catch::Contains("PermissionDenied"));
  CHECK(out.str().empty());
}

TEST_CASE("read --verify-with passes with the server's key and fails with another",
          "[cli-server][checkpoint]") {
  TestServer server(FastCheckpoints);
  REQUIRE(Append(As(server, "childprotection"), CpEvents(1, 4, "DK-2")).code == kExitOk);
  const std::string key = server.ledger().VerifierKeyString();
  auto pinned = VerifierKey::Parse(key);
  REQUIRE(pinned.ok());

  ReadArgs r = ReadCase(As(server, "oversight"), "DK-2");
  r.verify_with = key;
  Run good = Read(r);
  INFO(good.err);
  REQUIRE(good.code == kExitOk);
  CHECK(Lines(good.out).size() == 4);
  CHECK_THAT(good.err, Catch::Contains("verified: 4 events"));

  // The key may also be given as a file, as keygen writes FILE.pub.
  TempDir dir;
  {
    std::ofstream(dir.Sub("key.pub")) << key << "\n";
  }
  r.verify_with = dir.Sub("key.pub");
  CHECK(Read(r).code == kExitOk);

  // Another key with the very same name: nothing is printed, exit 1.
  auto other = SigningKey::Generate(pinned->name());
  REQUIRE(other.ok());
  r.verify_with = other->verifier().ToString();
  Run bad = Read(r);
  CHECK(bad.code == kExitFailed);
  CHECK_THAT(bad.err, Catch::Contains("NOT VERIFIED"));
  CHECK(bad.out.empty());

  // Not a key at all: a usage error.
  r.verify_with = "not-a-key";
  CHECK(Read(r).code == kExitUsage);
}

TEST_CASE("checkpoint --verify-with checks the signature and --trusted the growth",
          "[cli-server][checkpoint]") {
  TestServer server(FastCheckpoints);
  REQUIRE(Append(As(server, "childprotection"), CpEvents(1, 2, "DK-3")).code == kExitOk);
  WaitForCheckpointOf(server, 2);
  const std::string key = server.ledger().VerifierKeyString();

  CheckpointArgs c;
  c.remote = As(server, "witness");
  c.verify_with = key;
  std::ostringstream first, err;
  REQUIRE(RunCheckpoint(c, first, err) == kExitOk);
  CHECK_THAT(err.str(), Catch::Contains("verified: the checkpoint of size"));
  TempDir dir;
  const std::string trusted = dir.Sub("trusted.txt");
  {
    std::ofstream(trusted) << first.str();
  }

  REQUIRE(Append(As(server, "childprotection"), CpEvents(3, 2, "DK-3")).code == kExitOk);
  WaitForCheckpointOf(server, 4);
  c.trusted = trusted;
  std::ostringstream newer, err2;
  REQUIRE(RunCheckpoint(c, newer, err2) == kExitOk);
  CHECK_THAT(err2.str(), Catch::Contains("extends the trusted one"));
  auto cp = ParseAndVerifyCheckpoint(newer.str(), *VerifierKey::Parse(key));
  REQUIRE(cp.ok());
  CHECK(cp->size >= 4);

  // A checkpoint signed with the ledger's own key but for a root the log never had: the
  // server cannot prove that the newest extends it.
  auto signing = SigningKey::LoadFromFile(server.config().data_dir + ".checkpoint-key");
  REQUIRE(signing.ok());
  auto forged = SignCheckpoint(*signing, cp->origin, 2, LeafHash({}));
  REQUIRE(forged.ok());
  {
    std::ofstream(dir.Sub("forged.txt")) << *forged;
  }
  c.trusted = dir.Sub("forged.txt");
  std::ostringstream out3, err3;
  CHECK(RunCheckpoint(c, out3, err3) == kExitFailed);
  CHECK_THAT(err3.str(), Catch::Contains("NOT VERIFIED"));
  CHECK(out3.str().empty());

  // Another key: the signature check fails.
  auto other = SigningKey::Generate(cp->origin);
  REQUIRE(other.ok());
  c.trusted.clear();
  c.verify_with = other->verifier().ToString();
  std::ostringstream out4, err4;
  CHECK(RunCheckpoint(c, out4, err4) == kExitFailed);
  CHECK_THAT(err4.str(), Catch::Contains("not signed by"));
}

TEST_CASE("a witness proves inclusion over the network and verify-proof accepts it offline",
          "[cli-server][checkpoint]") {
  TestServer server(FastCheckpoints);
  REQUIRE(Append(As(server, "childprotection"), CpEvents(1, 5, "DK-4")).code == kExitOk);
  WaitForCheckpointOf(server, 5);
  ReadArgs r;
  r.remote = As(server, "oversight");
  r.from_position = 3;
  r.limit = 1;
  r.leaf_hash = true;
  r.purpose = "proof for the ombudsperson";
  Run read = Read(r);
  REQUIRE(read.code == kExitOk);
  const std::string marker = "\"leafHash\":\"";
  const size_t at = read.out.find(marker);
  REQUIRE(at != std::string::npos);
  const std::string leaf_hash = read.out.substr(at + marker.size(), 64);

  // Nothing appends after the read's access record: once a checkpoint covers it, the newest
  // checkpoint stays put (a witness's requests are not recorded).
  WaitForCheckpointOf(server, server.ledger().size());
  TempDir dir;
  ProveInclusionArgs p;
  p.remote = As(server, "witness");
  p.position = 3;
  p.leaf_hash = leaf_hash;
  std::ostringstream proof, err;
  REQUIRE(RunProveInclusion(p, proof, err) == kExitOk);
  std::ofstream(dir.Sub("proof.json")) << proof.str();
  CheckpointArgs c;
  c.remote = As(server, "witness");
  std::ostringstream note, err2;
  REQUIRE(RunCheckpoint(c, note, err2) == kExitOk);
  std::ofstream(dir.Sub("cp.txt")) << note.str();
  std::ofstream(dir.Sub("key.pub")) << server.ledger().VerifierKeyString() << "\n";

  VerifyProofArgs v;
  v.proof_file = dir.Sub("proof.json");
  v.checkpoint_file = dir.Sub("cp.txt");
  v.pubkey_file = dir.Sub("key.pub");
  std::ostringstream vout, verr;
  CHECK(RunVerifyProof(v, vout, verr) == kExitOk);
  INFO(verr.str());

  // A wrong leaf hash makes a proof that does not verify.
  p.leaf_hash = std::string(64, '0');
  std::ostringstream wrong, err4;
  REQUIRE(RunProveInclusion(p, wrong, err4) == kExitOk);
  std::ofstream(dir.Sub("wrong.json")) << wrong.str();
  v.proof_file = dir.Sub("wrong.json");
  std::ostringstream vout3, verr3;
  CHECK(RunVerifyProof(v, vout3, verr3) == kExitFailed);

  // Without a leaf hash or a purpose there is nothing to prove.
  p.leaf_hash.clear();
  std::ostringstream none, err5;
  CHECK(RunProveInclusion(p, none, err5) == kExitUsage);
}

TEST_CASE("subscribe --limit prints the log in order, catching up then live, granting credit",
          "[cli-server]") {
  TestServer server;
  REQUIRE(Append(As(server, "childprotection"), CpEvents(1, 5, "DK-5")).code == kExitOk);

  // Catch-up with less credit than events: the rest comes only because credit is granted.
  SubscribeArgs s;
  s.remote = As(server, "oversight");
  s.from_position = 0;
  s.purpose = "monitoring";
  s.credit = 2;
  s.limit = 5;
  s.wait_seconds = 15;
  std::ostringstream out, err;
  REQUIRE(RunSubscribe(s, out, err) == kExitOk);
  auto lines = Lines(out.str());
  REQUIRE(lines.size() == 5);
  for (size_t i = 0; i < lines.size(); ++i) {
    INFO(lines[i]);
    CHECK_THAT(lines[i], Catch::Contains("\"globalPosition\":" + std::to_string(i) + ","));
    CHECK_THAT(lines[i], Catch::Contains("\"caseId\":\"DK-5\""));
  }

  // Live: subscribed at the end of the log before the events exist.
  const uint64_t end = server.ledger().size();
  SubscribeArgs live = s;
  live.from_position = end;
  live.limit = 3;
  live.credit = 1;
  std::ostringstream live_out, live_err;
  int live_code = -1;
  std::thread subscriber([&] { live_code = RunSubscribe(live, live_out, live_err); });
  // No REQUIRE until the subscriber is joined: it ends once the events below are appended.
  auto watcher = server::Client::Connect(server.ClientFor("oversight"));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  bool subscribed = false;
  while (watcher.ok() && !subscribed && std::chrono::steady_clock::now() < deadline) {
    auto st = (*watcher)->GetServerStatus();
    subscribed = st.ok() && st->subscribers == 1;
    if (!subscribed) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  Run appended = Append(As(server, "childprotection"), CpEvents(6, 3, "DK-5"));
  subscriber.join();
  CHECK(subscribed);
  REQUIRE(appended.code == kExitOk);
  INFO(live_err.str());
  REQUIRE(live_code == kExitOk);
  auto live_lines = Lines(live_out.str());
  REQUIRE(live_lines.size() == 3);
  for (size_t i = 0; i < live_lines.size(); ++i) {
    CHECK_THAT(live_lines[i], Catch::Contains("\"globalPosition\":" + std::to_string(end + i) + ","));
    CHECK_THAT(live_lines[i], Catch::Contains("\"caseId\":\"DK-5\""));
  }
}

TEST_CASE("a plain-TCP development server is reached with --plain-dev, as the principal named",
          "[cli-server]") {
  TestServer server([](server::ServerConfig& c) { c.plain_tcp = true; });
  ServerArgs cp;
  cp.server = server.address();
  cp.plain_dev = "childprotection";
  REQUIRE(Append(cp, CpEvents(1, 2, "DK-6")).code == kExitOk);
  ServerArgs witness = cp;
  witness.plain_dev = "witness";
  Run refused = Read(ReadCase(witness, "DK-6"));
  CHECK(refused.code == kExitFailed);
  CHECK_THAT(refused.err, Catch::Contains("PermissionDenied"));
  Run read = Read(ReadCase(cp, "DK-6"));
  REQUIRE(read.code == kExitOk);
  CHECK(Lines(read.out).size() == 2);
  // TLS options against a plain server: the handshake fails, exit 1.
  Run tls = Read(ReadCase(As(server, "childprotection"), "DK-6"));
  CHECK(tls.code == kExitFailed);
  CHECK_THAT(tls.err, Catch::Contains("cannot connect"));
}

TEST_CASE("timeline and view over the network ask the server's projections, with a purpose",
          "[cli-server]") {
  TestServer server;
  REQUIRE(Append(As(server, "childprotection"), CpEvents(1, 2, "case-tl")).code == 0);
  TimelineArgs args;
  args.remote = As(server, "childprotection");
  args.case_id = "case-tl";
  args.min_position = 2;  // the two events just appended
  {
    std::ostringstream out, err;
    CHECK(RunView(args, out, err) == kExitUsage);  // no purpose
    CHECK(err.str().find("--purpose") != std::string::npos);
  }
  args.purpose = "case planning";
  {
    std::ostringstream out, err;
    INFO(err.str());
    CHECK(RunView(args, out, err) == kExitOk);
    CHECK(out.str().find("\"caseId\":\"case-tl\"") != std::string::npos);
  }
  {
    // No rule pack is active on this server: the timeline is an empty array.
    std::ostringstream out, err;
    CHECK(RunTimeline(args, out, err) == kExitOk);
    CHECK(out.str() == "[]\n");
  }
  {
    // An agency that took no part is refused (exit 1), as for a read.
    TimelineArgs other = args;
    other.remote = As(server, "health");
    std::ostringstream out, err;
    CHECK(RunTimeline(other, out, err) == kExitFailed);
  }
  {
    // Both a directory and a server: could not run.
    TimelineArgs both = args;
    both.data_dir = "/tmp/anything";
    std::ostringstream out, err;
    CHECK(RunTimeline(both, out, err) == kExitUsage);
  }
}

TEST_CASE("subscribe and the new options answer --help", "[cli-server]") {
  for (const char* sub : {"subscribe", "read", "checkpoint", "stat", "append", "prove inclusion"}) {
    const std::string cmd = std::string(CASELEDGER_CLI) + " " + sub + " --help 2>&1";
    FILE* p = popen(cmd.c_str(), "r");
    REQUIRE(p != nullptr);
    std::string out;
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), p)) > 0) out.append(buf, n);
    INFO(sub);
    CHECK(pclose(p) == 0);
    CHECK_THAT(out, Catch::Contains("--server"));
  }
}

}  // namespace
}  // namespace caseledger::cli
