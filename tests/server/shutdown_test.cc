// SIGTERM and SIGINT to the real caseledgerd: it stops accepting, answers the appends in
// flight, writes a final checkpoint and exits 0; every acknowledged append is stored, none is
// half-written, and nothing it wrote without telling its client.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "ledger/checkpoint.h"
#include "ledger/ledger.h"
#include "ledger/verify.h"
#include "schema/protocol.capnp.h"
#include "server/client.h"
#include "server/frame_codec.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_events.h"
#include "tools/dev_certs.h"

extern char** environ;

namespace caseledger {
namespace {

using Clock = std::chrono::steady_clock;
using testing::EventSpec;
using testing::TestEvents;

// caseledgerd as a child process; its log (stderr) is collected line by line.
class Daemon {
 public:
  explicit Daemon(const std::vector<std::string>& args) {
    int fds[2];
    REQUIRE(::pipe2(fds, O_CLOEXEC) == 0);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], STDERR_FILENO);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    std::vector<std::string> argv_strings = {CASELEDGER_DAEMON};
    argv_strings.insert(argv_strings.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : argv_strings) argv.push_back(a.data());
    argv.push_back(nullptr);
    const int rc = ::posix_spawn(&pid_, CASELEDGER_DAEMON, &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(fds[1]);
    REQUIRE(rc == 0);
    reader_ = std::thread([this, fd = fds[0]] {
      char buf[4096];
      std::string partial;
      ssize_t n;
      while ((n = ::read(fd, buf, sizeof(buf))) > 0) {
        std::lock_guard<std::mutex> lock(mu_);
        log_.append(buf, static_cast<size_t>(n));
        cv_.notify_all();
      }
      ::close(fd);
      std::lock_guard<std::mutex> lock(mu_);
      log_closed_ = true;
      cv_.notify_all();
    });
  }

  ~Daemon() {
    if (!exited_) {
      ::kill(pid_, SIGKILL);
      int status;
      ::waitpid(pid_, &status, 0);
    }
    reader_.join();
  }

  // The first match of `pattern`'s group 1 in the log, waiting up to `timeout`.
  std::optional<std::string> WaitFor(const std::regex& pattern, std::chrono::seconds timeout) {
    std::unique_lock<std::mutex> lock(mu_);
    std::smatch match;
    const bool found = cv_.wait_for(lock, timeout, [&] {
      return std::regex_search(log_, match, pattern) || log_closed_;
    });
    if (!found || !std::regex_search(log_, match, pattern)) return std::nullopt;
    return match.size() > 1 ? match[1].str() : match[0].str();
  }

  void Signal(int sig) { REQUIRE(::kill(pid_, sig) == 0); }

  // The exit code, or nullopt when the process has not exited by `timeout` (or was killed).
  std::optional<int> Wait(std::chrono::seconds timeout) {
    const auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
      int status = 0;
      const pid_t r = ::waitpid(pid_, &status, WNOHANG);
      if (r == pid_) {
        exited_ = true;
        if (WIFEXITED(status)) return WEXITSTATUS(status);
        return std::nullopt;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return std::nullopt;
  }

  std::string log() {
    std::lock_guard<std::mutex> lock(mu_);
    return log_;
  }

 private:
  pid_t pid_ = -1;
  bool exited_ = false;
  std::thread reader_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::string log_;
  bool log_closed_ = false;
};

// One append as its client saw it.
struct Attempt {
  std::vector<std::string> event_ids;
  bool acknowledged = false;
  std::vector<uint64_t> positions;
  std::string error;
};

void RunSignalTest(int sig) {
  testing::TempDir dir;
  tools::DevCertOptions cert_options;
  cert_options.out_dir = dir.Sub("certs");
  REQUIRE(tools::MakeDevCertificates(cert_options).ok());
  const std::string data = dir.Sub("data");
  Daemon daemon({"--config", dir.Sub("certs/caseledgerd.toml"), "--data", data, "--listen",
                 "127.0.0.1:0", "--metrics-listen", "127.0.0.1:0", "--threads", "2",
                 "--log-level", "debug"});
  auto port = daemon.WaitFor(std::regex("serving on port ([0-9]+)"), std::chrono::seconds(20));
  if (!port) FAIL("caseledgerd did not start:\n" << daemon.log());

  server::ClientOptions options;
  options.server = "127.0.0.1:" + *port;
  options.ca_file = dir.Sub("certs/ca.pem");
  options.cert_file = dir.Sub("certs/childprotection.pem");
  options.key_file = dir.Sub("certs/childprotection.key");
  options.timeout_seconds = 30;
  const std::string agency = "dk-child-protection-kbh";

  // Client threads append two events at a time until their connection ends: some in a
  // closed loop (one append at a time), some pipelined (kWindow appends in flight, so that
  // requests are on their way and replies unread whenever the signal comes).
  constexpr int kThreads = 4;
  constexpr size_t kWindow = 8;
  std::atomic<int> acknowledged{0};
  std::array<std::atomic<int>, kThreads> acknowledged_by{};
  std::vector<std::vector<Attempt>> attempts(kThreads);
  std::vector<std::string> connect_errors(kThreads);
  std::vector<std::thread> threads;
  auto spec_for = [&](int t) {
    EventSpec spec;
    spec.case_id = "sig-case-" + std::to_string(t);
    spec.agency_id = agency;
    spec.agency_role = schema::AgencyRole::CHILD_PROTECTION;
    return spec;
  };
  auto ids_of = [](const std::vector<schema::Event::Reader>& batch) {
    std::vector<std::string> ids;
    for (auto e : batch) {
      auto id = e.getEventId();
      ids.emplace_back(reinterpret_cast<const char*>(id.begin()), id.size());
    }
    return ids;
  };
  auto closed_loop = [&](int t, server::Client& client) {
    TestEvents events;
    const EventSpec spec = spec_for(t);
    while (true) {
      auto batch = events.MakeMany(2, spec);
      Attempt attempt;
      attempt.event_ids = ids_of(batch);
      auto r = client.Append(spec.case_id, ExpectedVersion::Any(), batch);
      if (r.ok()) {
        attempt.acknowledged = true;
        attempt.positions = r->positions;
        acknowledged.fetch_add(1);
        acknowledged_by[t].fetch_add(1);
      } else {
        attempt.error = r.status().ToString();
      }
      attempts[t].push_back(std::move(attempt));
      if (!r.ok()) return;
    }
  };
  auto pipelined = [&](int t, server::Client& client) {
    TestEvents events;
    const EventSpec spec = spec_for(t);
    std::map<uint64_t, Attempt> in_flight;
    auto send_one = [&] {
      auto batch = events.MakeMany(2, spec);
      capnp::MallocMessageBuilder builder;
      auto append = builder.initRoot<schema::Request>().getBody().initAppend();
      append.setCaseId(spec.case_id);
      append.initExpected().setAny();
      auto list = append.initEvents(static_cast<unsigned>(batch.size()));
      for (size_t i = 0; i < batch.size(); ++i) list.setWithCaveats(i, batch[i]);
      auto id = client.Send(builder);
      Attempt attempt;
      attempt.event_ids = ids_of(batch);
      if (!id.ok()) {
        attempt.error = id.status().ToString();
        attempts[t].push_back(std::move(attempt));
        return false;
      }
      in_flight.emplace(*id, std::move(attempt));
      return true;
    };
    // After the first error no more is sent, but replies are read until every request is
    // answered or the connection ends: an earlier append may be acknowledged after a later
    // one was refused.
    bool sending = true;
    for (size_t i = 0; i < kWindow && sending; ++i) sending = send_one();
    std::string ended = "no reply before the connection ended";
    while (!in_flight.empty()) {
      auto frame = client.ReceiveFrame();
      if (!frame.ok()) {
        ended += ": " + frame.status().ToString();
        break;
      }
      auto root = server::GetRoot<schema::Response>(**frame);
      REQUIRE(root.ok());
      auto it = in_flight.find(root->getId());
      if (it == in_flight.end()) {
        // An error about no request in particular ends the connection.
        REQUIRE(root->getBody().isError());
        break;
      }
      Attempt attempt = std::move(it->second);
      in_flight.erase(it);
      if (root->getBody().isAppend()) {
        attempt.acknowledged = true;
        for (uint64_t p : root->getBody().getAppend().getPositions()) attempt.positions.push_back(p);
        acknowledged.fetch_add(1);
        acknowledged_by[t].fetch_add(1);
      } else {
        REQUIRE(root->getBody().isError());
        attempt.error = root->getBody().getError().getMessage().cStr();
        sending = false;
      }
      attempts[t].push_back(std::move(attempt));
      if (sending) sending = send_one();
    }
    // Whatever is still outstanding failed: the connection ended before its reply.
    for (auto& [id, attempt] : in_flight) {
      attempt.error = ended;
      attempts[t].push_back(std::move(attempt));
    }
  };
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto client = server::Client::Connect(options);
      if (!client.ok()) {
        connect_errors[t] = client.status().ToString();
        return;
      }
      if (t % 2 == 0) {
        closed_loop(t, **client);
      } else {
        pipelined(t, **client);
      }
    });
  }
  const auto busy_deadline = Clock::now() + std::chrono::seconds(20);
  // Signal once every client is busy.
  auto all_busy = [&] {
    for (auto& n : acknowledged_by) {
      if (n.load() == 0) return false;
    }
    return acknowledged.load() >= 60;
  };
  while (!all_busy() && Clock::now() < busy_deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  REQUIRE(all_busy());

  daemon.Signal(sig);
  // Once the server says it stopped accepting, a new connection is refused.
  REQUIRE(daemon.WaitFor(std::regex("shutting down: no new connections"),
                         std::chrono::seconds(10)));
  auto late = server::Client::Connect(options);
  CHECK_FALSE(late.ok());

  for (auto& t : threads) t.join();
  auto exit_code = daemon.Wait(std::chrono::seconds(30));
  INFO("caseledgerd log:\n" << daemon.log());
  REQUIRE(exit_code.has_value());
  CHECK(*exit_code == 0);
  auto final_size = daemon.WaitFor(std::regex("final checkpoint written at tree size ([0-9]+)"),
                                   std::chrono::seconds(1));
  REQUIRE(final_size.has_value());
  for (int t = 0; t < kThreads; ++t) CHECK(connect_errors[t].empty());

  // Open what the daemon left behind.
  LedgerOptions ledger_options;
  ledger_options.data_dir = data;
  ledger_options.create_if_missing = false;
  auto ledger = Ledger::Open(ledger_options);
  REQUIRE(ledger.ok());
  const uint64_t size = (*ledger)->size();
  CHECK(std::to_string(size) == *final_size);
  auto note = (*ledger)->GetCheckpoint();
  REQUIRE(note.ok());
  auto checkpoint = ParseCheckpointUnverified(*note);
  REQUIRE(checkpoint.ok());
  CHECK(checkpoint->size == size);
  auto root = (*ledger)->RootAt(size);
  REQUIRE(root.ok());
  CHECK(checkpoint->root == *root);

  size_t acked = 0, failed = 0;
  for (int t = 0; t < kThreads; ++t) {
    uint64_t acked_events = 0;
    for (const Attempt& a : attempts[t]) {
      size_t stored = 0;
      for (size_t i = 0; i < a.event_ids.size(); ++i) {
        auto position = (*ledger)->FindEvent(a.event_ids[i]);
        if (!position.ok()) {
          CHECK(position.status().IsNotFound());
          continue;
        }
        ++stored;
        if (a.acknowledged) CHECK(*position == a.positions[i]);
      }
      if (a.acknowledged) {
        ++acked;
        acked_events += a.event_ids.size();
        // Every acknowledged append is stored.
        CHECK(stored == a.event_ids.size());
      } else {
        ++failed;
        INFO("failed append: " << a.error);
        CHECK_FALSE(a.error.empty());
        // None half-written; and none written without its client being told.
        CHECK(stored == 0);
      }
    }
    // The case holds exactly the acknowledged events (a thread that connected just before
    // the signal may have none).
    auto head = (*ledger)->GetStream("sig-case-" + std::to_string(t));
    if (acked_events == 0) {
      CHECK(head.status().IsNotFound());
    } else {
      REQUIRE(head.ok());
      CHECK(head->head_version + 1 == acked_events);
    }
  }
  CHECK(acked >= 60);
  // Every thread learned of the shutdown through a failed append.
  CHECK(failed >= kThreads);
  ledger->reset();

  VerifyOptions verify_options;
  verify_options.data_dir = data;
  auto report = VerifyLedger(verify_options);
  REQUIRE(report.ok());
  CHECK(report->intact());
}

TEST_CASE("SIGTERM: in-flight appends are answered, a final checkpoint written, exit 0",
          "[robustness][shutdown]") {
  RunSignalTest(SIGTERM);
}

TEST_CASE("SIGINT shuts down as SIGTERM does", "[robustness][shutdown]") {
  RunSignalTest(SIGINT);
}

}  // namespace
}  // namespace caseledger
