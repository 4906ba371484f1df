// Process-kill test: a child (tests/support/crash_appender.cc) appends under load and is killed
// with SIGKILL at a random moment; the reopened ledger must hold every acknowledged append, at
// its positions and versions, with no gap and nothing half-written. Each round continues on the
// directory the previous kill left, so recovery of a killed directory is itself tested.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "ledger/hash.h"
#include "ledger/ledger.h"
#include "tests/support/durability_check.h"
#include "tests/support/temp_dir.h"

extern char** environ;

namespace caseledger {
namespace {

using testing::AckedAppend;
using testing::CheckDurableLedger;
using testing::TempDir;
using Clock = std::chrono::steady_clock;

// Parses "ack <case> <first_version> <position>:<id hex> ...".
bool ParseAck(const std::string& line, AckedAppend* out) {
  std::istringstream in(line);
  std::string word;
  if (!(in >> word >> out->case_id >> out->first_version) || word != "ack") return false;
  while (in >> word) {
    const size_t colon = word.find(':');
    if (colon == std::string::npos) return false;
    auto id = FromHex(word.substr(colon + 1));
    if (!id.ok() || id->size() != 16) return false;
    out->positions.push_back(std::stoull(word.substr(0, colon)));
    out->event_ids.push_back(std::move(id).value());
  }
  return !out->event_ids.empty();
}

// A running crash_appender whose stdout is a pipe to us.
class Appender {
 public:
  Appender(const std::string& data_dir, int run) {
    int fds[2];
    REQUIRE(::pipe2(fds, O_CLOEXEC) == 0);
    posix_spawn_file_actions_t actions;
    ::posix_spawn_file_actions_init(&actions);
    ::posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
    std::string path = CASELEDGER_CRASH_APPENDER;
    std::string run_arg = std::to_string(run);
    std::vector<char*> argv = {path.data(), const_cast<char*>(data_dir.c_str()), run_arg.data(),
                               nullptr};
    const int err = ::posix_spawn(&pid_, path.c_str(), &actions, nullptr, argv.data(), environ);
    ::posix_spawn_file_actions_destroy(&actions);
    ::close(fds[1]);
    fd_ = fds[0];
    REQUIRE(err == 0);
  }
  ~Appender() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    if (fd_ >= 0) ::close(fd_);
  }
  Appender(const Appender&) = delete;
  Appender& operator=(const Appender&) = delete;

  // Reads acknowledgements until `deadline`; false once the child closed its end (it died).
  bool ReadUntil(Clock::time_point deadline) {
    for (;;) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      pollfd p{fd_, POLLIN, 0};
      const int ready = ::poll(&p, 1, left.count() > 0 ? static_cast<int>(left.count()) : 0);
      if (ready < 0 && errno == EINTR) continue;
      REQUIRE(ready >= 0);
      if (ready == 0) return true;
      char chunk[1 << 16];
      const ssize_t n = ::read(fd_, chunk, sizeof chunk);
      if (n < 0 && errno == EINTR) continue;
      REQUIRE(n >= 0);
      if (n == 0) return false;
      pending_.append(chunk, static_cast<size_t>(n));
      size_t eol;
      while ((eol = pending_.find('\n')) != std::string::npos) {
        AckedAppend ack;
        INFO("line: " << pending_.substr(0, eol));
        REQUIRE(ParseAck(pending_.substr(0, eol), &ack));
        acks_.push_back(std::move(ack));
        pending_.erase(0, eol + 1);
      }
    }
  }

  // Kills the child, reads what it wrote before it died, and reaps it.
  void Kill() {
    REQUIRE(::kill(pid_, SIGKILL) == 0);
    REQUIRE_FALSE(ReadUntil(Clock::now() + std::chrono::seconds(10)));
    int status = 0;
    REQUIRE(::waitpid(pid_, &status, 0) == pid_);
    pid_ = -1;
    INFO("the appender ended on its own, status " << status);
    REQUIRE(WIFSIGNALED(status));
    REQUIRE(WTERMSIG(status) == SIGKILL);
    // One write(2) per line: a kill cannot split one. Anything left is not an acknowledgement.
    CHECK(pending_.empty());
  }

  int Reap() {
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return status;
  }

  const std::vector<AckedAppend>& acks() const { return acks_; }

 private:
  pid_t pid_ = -1;
  int fd_ = -1;
  std::string pending_;
  std::vector<AckedAppend> acks_;
};

int Rounds() {
  const char* env = std::getenv("CASELEDGER_CRASH_ROUNDS");
  return env ? std::max(1, std::atoi(env)) : 6;
}

TEST_CASE("a ledger killed while appending keeps every acknowledged append, gap-free and whole",
          "[ledger][crash]") {
  constexpr size_t kMinAcks = 5;
  TempDir dir;
  const std::string data_dir = dir.Sub("data");
  std::vector<AckedAppend> acked;  // over all rounds
  uint64_t size_before = 0;
  for (int round = 1; round <= Rounds(); ++round) {
    std::mt19937 rng(static_cast<unsigned>(round));
    const auto delay = std::chrono::milliseconds(50 + rng() % 351);
    INFO("round " << round << ", kill after " << delay.count() << " ms");

    Appender child(data_dir, round);
    const auto start = Clock::now();
    bool alive = child.ReadUntil(start + delay);
    while (alive && child.acks().size() < kMinAcks &&
           Clock::now() - start < std::chrono::seconds(20)) {
      alive = child.ReadUntil(Clock::now() + std::chrono::milliseconds(20));
    }
    if (!alive) FAIL("the appender died before it was killed, status " << child.Reap());
    REQUIRE(child.acks().size() >= kMinAcks);
    child.Kill();
    acked.insert(acked.end(), child.acks().begin(), child.acks().end());

    LedgerOptions options;
    options.data_dir = data_dir;
    auto ledger = Ledger::Open(options);
    INFO("reopen: " << ledger.status().ToString());
    REQUIRE(ledger.ok());
    INFO(child.acks().size() << " appends acknowledged this round; " << (*ledger)->size()
                             << " events stored, " << size_before << " before the round");
    auto problems = CheckDurableLedger(**ledger, acked);
    for (const auto& p : problems) UNSCOPED_INFO(p);
    CHECK(problems.empty());
    CHECK((*ledger)->size() > size_before);
    size_before = (*ledger)->size();
    if (!problems.empty()) break;
  }
}

}  // namespace
}  // namespace caseledger
