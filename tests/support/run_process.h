// Runs a shell command and collects its exit code and its output (stdout and stderr).
#ifndef CASELEDGER_TESTS_SUPPORT_RUN_PROCESS_H_
#define CASELEDGER_TESTS_SUPPORT_RUN_PROCESS_H_

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <string>
#include <utility>

namespace caseledger::testing {

// Exit code (-1 when the command did not exit normally) and what it printed on both streams.
inline std::pair<int, std::string> RunProcess(const std::string& command) {
  std::string out;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return {-1, "popen failed"};
  std::array<char, 4096> buffer;
  size_t n;
  while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0) out.append(buffer.data(), n);
  const int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

// `caseledger ARGS` run from /tmp (not the source or build tree) without CASELEDGER_RULES, as
// a user would.
inline std::pair<int, std::string> RunCaseledger(const std::string& cli, const std::string& args) {
  return RunProcess("cd /tmp && env -u CASELEDGER_RULES " + cli + " " + args);
}

}  // namespace caseledger::testing

#endif  // CASELEDGER_TESTS_SUPPORT_RUN_PROCESS_H_
