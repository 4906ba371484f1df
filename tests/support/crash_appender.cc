// A child process for tests/ledger/crash_test.cc: appends under load until it is killed.
//
// Usage: crash_appender <data_dir> <run> [threads]
//
// Opens the ledger in <data_dir> (sync on) and runs <threads> appenders (default 8). Appender t
// owns the cases "crash-<t>-0" and "crash-<t>-1" and continues them where earlier runs left
// them, with ExpectedVersion::Exact (NoStream for a new case). Half of the appends carry one
// event, the others 1..20. Events are tagged as tests/support/durability_check.h describes;
// their ids are unique to (run, thread, counter), so runs on one directory never collide.
//
// After each acknowledged append it writes one line to stdout with one write(2) (atomic on a
// pipe: a line is far below PIPE_BUF):
//   ack <case> <first_version> <position>:<event id hex> [<position>:<event id hex> ...]
// A failed open or append is printed to stderr and ends the process with exit code 2 or 3; so
// does an acknowledgement that contradicts the expected version. It dies with its parent.
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "ledger/hash.h"
#include "ledger/ledger.h"
#include "tests/support/durability_check.h"
#include "tests/support/test_events.h"

namespace caseledger::testing {
namespace {

[[noreturn]] void Die(int code, const std::string& what) {
  std::string line = "crash_appender: " + what + "\n";
  (void)!::write(STDERR_FILENO, line.data(), line.size());
  std::_Exit(code);
}

void WriteLine(const std::string& line) {
  size_t done = 0;
  while (done < line.size()) {
    ssize_t n = ::write(STDOUT_FILENO, line.data() + done, line.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) Die(4, "cannot write to stdout");
    done += static_cast<size_t>(n);
  }
}

void AppendForever(Ledger& ledger, uint64_t run, uint64_t thread) {
  std::mt19937_64 rng(run * 1000 + thread);
  struct Case {
    std::string id;
    std::string child;
    bool exists = false;
    uint64_t head = 0;
  };
  std::vector<Case> cases;
  for (int c = 0; c < 2; ++c) {
    Case k;
    k.id = "crash-" + std::to_string(thread) + "-" + std::to_string(c);
    k.child = "child-" + std::to_string(thread) + "-" + std::to_string(c);
    auto head = ledger.GetStream(k.id);
    if (head.ok()) {
      k.exists = true;
      k.head = head->head_version;
    } else if (!head.status().IsNotFound()) {
      Die(2, "read head of " + k.id + ": " + head.status().ToString());
    }
    cases.push_back(k);
  }
  uint64_t counter = 0;
  for (uint64_t seq = 0;; ++seq) {
    Case& k = cases[rng() % cases.size()];
    const size_t n = rng() % 2 == 0 ? 1 : 1 + rng() % 20;
    std::vector<std::string> ids;
    for (size_t i = 0; i < n; ++i)
      ids.push_back(TestEvents::IdFor(run << 40 | thread << 32 | counter++));
    const std::string token =
        std::to_string(run) + "." + std::to_string(thread) + "." + std::to_string(seq);
    TaggedAppend append(k.id, k.child, token, ids);
    auto expected = k.exists ? ExpectedVersion::Exact(k.head) : ExpectedVersion::NoStream();
    auto r = ledger.Append(k.id, expected, append.events());
    if (!r.ok()) Die(3, "append to " + k.id + ": " + r.status().ToString());
    const uint64_t want_first = k.exists ? k.head + 1 : 0;
    if (r->first_version != want_first || r->positions.size() != n ||
        r->head_version != want_first + n - 1) {
      Die(3, "append to " + k.id + " acknowledged version " + std::to_string(r->first_version) +
                 ", expected " + std::to_string(want_first));
    }
    k.exists = true;
    k.head = r->head_version;
    std::string line = "ack " + k.id + " " + std::to_string(r->first_version);
    for (size_t i = 0; i < n; ++i) {
      line += " " + std::to_string(r->positions[i]) + ":" + ToHex(AsBytes(ids[i]));
    }
    WriteLine(line + "\n");
  }
}

int Main(int argc, char** argv) {
  if (argc < 3) Die(1, "usage: crash_appender <data_dir> <run> [threads]");
  // Never outlive the test that spawned us.
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() == 1) Die(1, "parent is gone");
  const uint64_t run = std::strtoull(argv[2], nullptr, 10);
  const int threads = argc > 3 ? std::atoi(argv[3]) : 8;

  LedgerOptions options;
  options.data_dir = argv[1];
  options.sync = true;
  auto ledger = Ledger::Open(options);
  if (!ledger.ok()) Die(2, "open " + options.data_dir + ": " + ledger.status().ToString());

  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] { AppendForever(**ledger, run, static_cast<uint64_t>(t)); });
  }
  for (auto& w : workers) w.join();  // never: killed first
  return 0;
}

}  // namespace
}  // namespace caseledger::testing

int main(int argc, char** argv) { return caseledger::testing::Main(argc, argv); }
