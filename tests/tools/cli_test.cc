#include "tools/cli.h"

#include <catch2/catch.hpp>

#include <filesystem>
#include <sstream>

#include "ledger/ledger.h"
#include "tests/support/temp_dir.h"

namespace caseledger::cli {
namespace {

using testing::TempDir;

std::string Event(const std::string& id_suffix, const std::string& case_id = "NO-2025-000001") {
  return R"({"eventId":"0001020304050607080900000000)" + id_suffix + R"(","caseId":")" + case_id +
         R"(","childId":"child-1","dataClass":"ordinary","occurredAt":"2025-03-03T09:00:00Z",)"
         R"("jurisdiction":"NO","agencyId":"no-cp-oslo","agencyRole":"childProtection",)"
         R"("actorId":"worker-17","body":{"caseConferenceHeld":{"kind":"initial",)"
         R"("attendees":["childProtection"]}}})";
}

struct Run {
  int code;
  std::string out, err;
};

Run Append(const std::string& dir, const std::string& input, const std::string& expect = "any") {
  std::istringstream in(input);
  std::ostringstream out, err;
  AppendArgs a;
  a.data_dir = dir;
  a.expect = expect;
  int code = RunAppend(a, in, out, err);
  return {code, out.str(), err.str()};
}

Run Read(ReadArgs a) {
  std::ostringstream out, err;
  int code = RunRead(a, out, err);
  return {code, out.str(), err.str()};
}

TEST_CASE("append takes JSON lines as one atomic append and read prints them back",
          "[tools][cli]") {
  TempDir dir;
  const std::string data = dir.Sub("data");
  Run a = Append(data, Event("0001") + "\n\n" + Event("0002") + "\n", "none");
  INFO(a.err);
  REQUIRE(a.code == kExitOk);
  CHECK_THAT(a.out, Catch::Contains("\"positions\":[0,1]"));

  ReadArgs r;
  r.data_dir = data;
  r.case_id = "NO-2025-000001";
  Run read = Read(r);
  REQUIRE(read.code == kExitOk);
  std::istringstream lines(read.out);
  std::string line;
  int n = 0;
  while (std::getline(lines, line)) {
    ++n;
    // Each line is one event object with the schema's names at its top level.
    CHECK(line.front() == '{');
    CHECK_THAT(line, Catch::Contains("\"caseId\":\"NO-2025-000001\""));
    CHECK_THAT(line, Catch::Contains("\"eventId\":\"00010203040506070809000000000"));
    CHECK_THAT(line, Catch::Contains("\"globalPosition\":" + std::to_string(n - 1)));
  }
  CHECK(n == 2);

  ReadArgs log;
  log.data_dir = data;
  log.from_position = 1;
  log.limit = 10;
  Run tail = Read(log);
  REQUIRE(tail.code == kExitOk);
  CHECK(std::count(tail.out.begin(), tail.out.end(), '\n') == 1);
}

TEST_CASE("append reports conflicts and bad input with exit codes and nothing written",
          "[tools][cli]") {
  TempDir dir;
  const std::string data = dir.Sub("data");
  REQUIRE(Append(data, Event("0001"), "none").code == kExitOk);

  Run conflict = Append(data, Event("0002"), "none");
  CHECK(conflict.code == kExitFailed);
  CHECK_THAT(conflict.err, Catch::Contains("Conflict"));

  Run bad_json = Append(data, Event("0003") + "\n{not json\n");
  CHECK(bad_json.code == kExitUsage);
  CHECK_THAT(bad_json.err, Catch::Contains("line 2"));

  Run bad_expect = Append(data, Event("0004"), "soon");
  CHECK(bad_expect.code == kExitUsage);

  Run empty = Append(data, "\n");
  CHECK(empty.code == kExitUsage);

  StatArgs s;
  s.data_dir = data;
  s.json = true;
  std::ostringstream out, err;
  REQUIRE(RunStat(s, out, err) == kExitOk);
  CHECK_THAT(out.str(), Catch::Contains("\"events\":1"));
  CHECK_THAT(out.str(), Catch::Contains("\"cases\":1"));
}

TEST_CASE("read of a missing directory or case fails clearly", "[tools][cli]") {
  TempDir dir;
  ReadArgs r;
  r.data_dir = dir.Sub("nothing-here");
  r.from_position = 0;
  Run missing = Read(r);
  CHECK(missing.code == kExitUsage);
  CHECK_THAT(missing.err, Catch::Contains("no ledger"));

  REQUIRE(Append(dir.Sub("data"), Event("0001")).code == kExitOk);
  ReadArgs c;
  c.data_dir = dir.Sub("data");
  c.case_id = "NO-2025-999999";
  Run no_case = Read(c);
  CHECK(no_case.code != kExitOk);
  CHECK_THAT(no_case.err, Catch::Contains("no case"));
}

TEST_CASE("gen refuses simulated time that would run past now, and leaves nothing behind",
          "[tools][cli][synthetic]") {
  TempDir dir;
  GenArgs g;
  g.data_dir = dir.Sub("data");
  g.cases = 5;
  g.start = "2099-01-01T00:00:00Z";
  g.quiet = true;
  std::ostringstream out, err;
  CHECK(RunGen(g, out, err) == kExitUsage);
  CHECK_THAT(err.str(), Catch::Contains("later than now"));
  CHECK_FALSE(std::filesystem::exists(g.data_dir));
  g.start = "2024-01-08T08:00:00Z";
  CHECK(RunGen(g, out, err) == kExitOk);
}

TEST_CASE("a ledger with checkpoints whose development key is gone refuses to make a new one",
          "[tools][cli][checkpoint]") {
  TempDir dir;
  const std::string data = dir.Sub("data");
  REQUIRE(Append(data, Event("0001")).code == kExitOk);
  std::filesystem::remove(data + ".checkpoint-key");
  Run again = Append(data, Event("0002"));
  CHECK(again.code != kExitOk);
  CHECK_THAT(again.err, Catch::Contains("is missing"));
  CHECK_FALSE(std::filesystem::exists(data + ".checkpoint-key"));
}

int RunCli(const std::string& args, std::string* out) {
  const std::string cmd = std::string(CASELEDGER_CLI) + " " + args + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  REQUIRE(p != nullptr);
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), p)) > 0) out->append(buf, n);
  int status = pclose(p);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST_CASE("every subcommand answers --help and exits 0", "[tools][cli]") {
  for (const char* sub : {"", "append", "read", "stat", "show", "gen", "keygen", "checkpoint",
                          "prove", "prove inclusion", "prove consistency", "verify",
                          "verify-proof"}) {
    std::string out;
    INFO(sub);
    CHECK(RunCli(std::string(sub) + " --help", &out) == 0);
    CHECK_THAT(out, Catch::Contains("--"));
  }
  std::string out;
  CHECK(RunCli("gen --help", &out) == 0);
  CHECK_THAT(out, Catch::Contains("--late-share"));
  out.clear();
  CHECK(RunCli("frobnicate", &out) == 2);
  out.clear();
  CHECK(RunCli("read", &out) == 2);
}

}  // namespace
}  // namespace caseledger::cli
