// `caseledger query` beyond the audit library: over the network (oversight and ombudsperson
// principals, a purpose, recorded), and --with-proofs, whose bundles verify offline with the
// ledger's key, locally and remotely.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "ledger/bundle.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_server.h"
#include "tools/cli.h"
#include "tools/cli_query.h"
#include "tools/synthetic.h"

namespace caseledger::cli {
namespace {

using testing::TempDir;
using testing::TestServer;

struct Run {
  int code;
  std::string out, err;
};

Run Query(const QueryArgs& args) {
  std::ostringstream out, err;
  int code = RunQuery(args, out, err);
  return {code, out.str(), err.str()};
}

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Every *.bundle file in `dir` verifies against `key`; returns how many there were.
size_t VerifyAll(const std::string& dir, const std::string& key) {
  size_t n = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".bundle") continue;
    auto report = VerifyBundle(ReadFile(entry.path()), key);
    INFO(entry.path().string() << ": " << (report.problems.empty() ? "" : report.problems[0]));
    CHECK(report.intact());
    std::string name = report.case_id;  // as WriteCaseBundles names the file
    std::replace(name.begin(), name.end(), ':', '_');
    CHECK(entry.path().stem().string() == name);
    ++n;
  }
  return n;
}

TEST_CASE("query --with-proofs on a data directory writes a bundle per case that verifies",
          "[audit][cli]") {
  TempDir dir;
  const std::string data = dir.Sub("data");
  synthetic::GeneratorOptions g;
  g.cases = 12;
  g.seed = 3;
  g.activate_rule_packs = true;
  REQUIRE(synthetic::GenerateInto(data, g).ok());

  QueryArgs args;
  args.name = "representative_wait";
  args.data_dir = data;
  args.params = {"hours=1"};
  args.format = "json";
  args.proofs_dir = dir.Sub("proofs");
  Run run = Query(args);
  INFO(run.err);
  REQUIRE(run.code == kExitOk);
  // Children who waited more than an hour for a representative (the generator's waits run from
  // minutes to days): rows name those cases, and each has a bundle, proven against the
  // checkpoint written beside them.
  CHECK(run.out.find("\"caseIds\":[\"") != std::string::npos);
  std::string key = ReadFile(data + ".checkpoint-key.pub");
  while (!key.empty() && std::isspace(static_cast<unsigned char>(key.back()))) key.pop_back();
  CHECK(VerifyAll(args.proofs_dir, key) > 0);
  CHECK(!ReadFile(args.proofs_dir + "/checkpoint.txt").empty());

  // The drill-down: the cases behind row 1.
  args.proofs_dir.clear();
  args.format = "table";
  args.row = 1;
  run = Query(args);
  CHECK(run.code == kExitOk);
  CHECK(run.err.find("caseledger timeline --data") != std::string::npos);
}

TEST_CASE("query over the network: oversight with a purpose, proofs included, agencies refused",
          "[audit][cli-server]") {
  TestServer server;
  TempDir dir;
  QueryArgs args;
  args.name = "record_access";
  args.params = {"case=case-q"};
  args.remote.server = server.address();
  args.remote.tls_dir = server.cert_dir();
  args.remote.as = "childprotection";
  args.remote.timeout_seconds = 15;
  args.purpose = "placement review";
  // An agency records an event and reads its case (recorded in access:case-q).
  {
    ReadArgs read;
    read.remote = args.remote;
    read.case_id = "case-q";
    read.purpose = "placement review";
    AppendArgs append;
    append.remote = args.remote;
    append.expect = "none";
    std::istringstream in(
        R"({"eventId":"0000000000000000000000000000abcd","caseId":"case-q","childId":"child-1",)"
        R"("dataClass":"ordinary","occurredAt":"2025-03-03T09:00:00Z","jurisdiction":"DK",)"
        R"("agencyId":")" + TestServer::AgencyOf("childprotection") +
        R"(","agencyRole":"childProtection","actorId":"worker-17","body":{"caseConferenceHeld":)"
        R"({"kind":"initial","attendees":["childProtection"]}}})" "\n");
    std::ostringstream out, err;
    REQUIRE(RunAppend(append, in, out, err) == kExitOk);
    REQUIRE(RunRead(read, out, err) == kExitOk);
  }
  // The agency may not run audit queries.
  Run run = Query(args);
  CHECK(run.code == kExitFailed);
  args.remote.as = "oversight";
  args.purpose.clear();
  CHECK(Query(args).code == kExitUsage);  // no purpose
  args.purpose = "inspection";
  args.format = "csv";
  args.min_position = 2;
  args.proofs_dir = dir.Sub("proofs");
  run = Query(args);
  INFO(run.err);
  REQUIRE(run.code == kExitOk);
  CHECK(run.out.find("placement review") != std::string::npos);
  // The case and its access stream, whose records are the rows.
  CHECK(VerifyAll(args.proofs_dir, server.ledger().VerifierKeyString()) == 2);
  CHECK(std::filesystem::exists(args.proofs_dir + "/access_case-q.bundle"));
  // A directory and a server at once: could not run.
  args.data_dir = dir.Sub("anything");
  CHECK(Query(args).code == kExitUsage);
}

}  // namespace
}  // namespace caseledger::cli
