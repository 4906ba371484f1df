#include "tools/bench_daemon.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <sstream>
#include <thread>
#include <vector>

#include "tools/bench_util.h"

extern char** environ;

namespace caseledger::bench {

Result<uint16_t> FreeLoopbackPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return Status::IOError(std::string("socket: ") + std::strerror(errno));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    const int saved = errno;
    ::close(fd);
    return Status::IOError(std::string("bind: ") + std::strerror(saved));
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

Result<std::map<std::string, double>> ScrapeMetrics(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return Status::IOError("socket");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd);
    return Status::Unavailable("metrics endpoint: connect failed");
  }
  const std::string request = "GET /metrics HTTP/1.0\r\n\r\n";
  if (::write(fd, request.data(), request.size()) != static_cast<ssize_t>(request.size())) {
    ::close(fd);
    return Status::IOError("metrics endpoint: write failed");
  }
  std::string reply;
  char buf[8192];
  for (ssize_t n; (n = ::read(fd, buf, sizeof(buf))) > 0;) reply.append(buf, static_cast<size_t>(n));
  ::close(fd);
  const size_t body = reply.find("\r\n\r\n");
  if (reply.rfind("HTTP/1.0 200", 0) != 0 || body == std::string::npos) {
    return Status::Unavailable("metrics endpoint: no 200 reply");
  }
  std::map<std::string, double> out;
  std::istringstream lines(reply.substr(body + 4));
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line[0] == '#') continue;
    const size_t space = line.rfind(' ');
    if (space == std::string::npos) continue;
    out[line.substr(0, space)] = std::strtod(line.c_str() + space + 1, nullptr);
  }
  return out;
}

double SumOf(const std::map<std::string, double>& m, const std::string& prefix) {
  double sum = 0;
  for (const auto& [name, value] : m) {
    if (name.rfind(prefix, 0) == 0) sum += value;
  }
  return sum;
}

Result<std::unique_ptr<Daemon>> Daemon::Start(const DaemonOptions& o,
                                              const server::ClientOptions& probe) {
  auto d = std::unique_ptr<Daemon>(new Daemon());
  auto port = FreeLoopbackPort();
  if (!port.ok()) return port.status();
  auto metrics_port = FreeLoopbackPort();
  if (!metrics_port.ok()) return metrics_port.status();
  d->port_ = *port;
  d->metrics_port_ = *metrics_port;
  std::vector<std::string> args = {o.binary,
                                   "--config", o.config,
                                   "--data", o.data_dir,
                                   "--listen", "127.0.0.1:" + std::to_string(*port),
                                   "--metrics-listen", "127.0.0.1:" + std::to_string(*metrics_port),
                                   "--log-level", o.log_level};
  if (o.threads > 0) {
    args.push_back("--threads");
    args.push_back(std::to_string(o.threads));
  }
  args.insert(args.end(), o.extra_args.begin(), o.extra_args.end());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, o.log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  const int rc = ::posix_spawn(&d->pid_, o.binary.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    d->pid_ = -1;
    return Status::IOError("cannot start " + o.binary + ": " + std::strerror(rc));
  }
  server::ClientOptions c = probe;
  c.server = d->address();
  c.timeout_seconds = 5;
  const int64_t deadline = NowNanos() + 30'000'000'000LL;
  Status last;
  while (NowNanos() < deadline) {
    int status = 0;
    if (::waitpid(d->pid_, &status, WNOHANG) == d->pid_) {
      d->pid_ = -1;
      return Status::IOError("caseledgerd exited at start (see " + o.log_file + ")");
    }
    auto client = server::Client::Connect(c);
    if (client.ok()) return d;
    last = client.status();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return Status::Unavailable("caseledgerd did not answer within 30 s: " + last.ToString());
}

Daemon::~Daemon() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
}

Status Daemon::Stop() {
  if (pid_ <= 0) return Status::OK();
  ::kill(pid_, SIGTERM);
  const int64_t deadline = NowNanos() + 60'000'000'000LL;
  while (NowNanos() < deadline) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return Status::OK();
      return Status::IOError("caseledgerd exited with status " + std::to_string(status));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return Status::IOError("caseledgerd did not exit within 60 s of SIGTERM");
}

}  // namespace caseledger::bench
