#include "server/server.h"

#include <utility>  // before Asio's awaitable.hpp (TRAPS.md)

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <spdlog/spdlog.h>

#include <atomic>
#include <thread>
#include <vector>

#include "ledger/checkpoint.h"
#include "projections/projection_store.h"
#include "server/request_handler.h"
#include "server/session.h"
#include "server/session_manager.h"
#include "server/tls.h"

namespace caseledger::server {

namespace asio = boost::asio;
using asio::ip::tcp;
using asio::redirect_error;
using asio::use_awaitable;
using boost::system::error_code;

class Server::Impl {
 public:
  Impl(const ServerConfig& config, Ledger& ledger, std::shared_ptr<spdlog::logger> logger,
       projections::ProjectionStore* projections)
      : config_(config),
        ledger_(ledger),
        logger_(std::move(logger)),
        threads_(config.threads > 0 ? config.threads
                                    : std::max(1u, std::thread::hardware_concurrency())),
        io_(threads_),
        strand_(asio::make_strand(io_)),
        acceptor_(strand_),
        metrics_acceptor_(strand_),
        signals_(strand_),
        handler_(ledger, config_.limits, metrics_, nullptr, [this] {
          manager_.NotifyLogGrowth();
          if (follower_) follower_->Notify();
        }) {
    if (projections != nullptr) {
      // The projections follow the log on a thread of their own, woken by every append.
      follower_ = std::make_unique<projections::ProjectionFollower>(*projections);
      handler_.SetProjections(projections, follower_.get());
    }
  }

  Status Bind();
  void Run(bool handle_signals, int drain_seconds);
  void Shutdown();

  uint16_t port() const { return port_; }
  uint16_t metrics_port() const { return metrics_port_; }

 private:
  asio::awaitable<void> Accept();
  asio::awaitable<void> AcceptMetrics();
  asio::awaitable<void> ServeMetrics(tcp::socket socket);
  asio::awaitable<void> Drain(int drain_seconds);
  Status Listen(tcp::acceptor& acceptor, const std::string& address, uint16_t* port);

  ServerConfig config_;
  Ledger& ledger_;
  std::shared_ptr<spdlog::logger> logger_;
  const int threads_;
  asio::io_context io_;
  // The acceptors, the signals and the shutdown run here: a connection accepted after the
  // shutdown began is closed, never served and never missed by the drain.
  asio::strand<asio::io_context::executor_type> strand_;
  tcp::acceptor acceptor_;
  tcp::acceptor metrics_acceptor_;
  asio::signal_set signals_;
  std::unique_ptr<asio::ssl::context> tls_;
  asio::ssl::context plain_placeholder_{asio::ssl::context::tls_server};
  Metrics metrics_;
  SessionManager manager_;
  RequestHandler handler_;
  std::unique_ptr<projections::ProjectionFollower> follower_;
  uint16_t port_ = 0;
  uint16_t metrics_port_ = 0;
  std::atomic<uint64_t> next_session_{1};
  std::atomic<bool> shutting_down_{false};
  int drain_seconds_ = 10;
};

Status Server::Impl::Listen(tcp::acceptor& acceptor, const std::string& address, uint16_t* port) {
  auto hp = ParseHostPort(address);
  if (!hp.ok()) return hp.status();
  error_code ec;
  tcp::resolver resolver(io_);
  auto endpoints = resolver.resolve(hp->host, std::to_string(hp->port),
                                    tcp::resolver::numeric_service, ec);
  if (ec || endpoints.empty()) {
    return Status::InvalidArgument("cannot resolve " + address + ": " + ec.message());
  }
  tcp::endpoint endpoint = endpoints.begin()->endpoint();
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return Status::IOError("cannot listen on " + address + ": " + ec.message());
  *port = acceptor.local_endpoint().port();
  return Status::OK();
}

Status Server::Impl::Bind() {
  CL_RETURN_IF_ERROR(ValidateConfig(config_));
  if (!config_.plain_tcp) {
    auto tls = MakeServerTlsContext(config_.tls_certificate, config_.tls_private_key,
                                    config_.tls_client_ca);
    if (!tls.ok()) return tls.status();
    tls_ = std::move(*tls);
  }
  CL_RETURN_IF_ERROR(Listen(acceptor_, config_.listen, &port_));
  if (!config_.metrics_listen.empty()) {
    CL_RETURN_IF_ERROR(Listen(metrics_acceptor_, config_.metrics_listen, &metrics_port_));
  }
  return Status::OK();
}

asio::awaitable<void> Server::Impl::Accept() {
  while (!shutting_down_) {
    error_code ec;
    auto strand = asio::make_strand(io_);
    tcp::socket socket = co_await acceptor_.async_accept(strand, redirect_error(use_awaitable, ec));
    if (ec) {
      if (shutting_down_ || ec == asio::error::operation_aborted) break;
      // Out of file descriptors and the like: log, pause, go on serving the others.
      logger_->warn("accept failed: {}", ec.message());
      asio::steady_timer pause(strand_, std::chrono::milliseconds(100));
      co_await pause.async_wait(redirect_error(use_awaitable, ec));
      continue;
    }
    if (shutting_down_) {
      socket.close(ec);
      break;
    }
    if (manager_.size() >= config_.limits.max_connections) {
      metrics_.ConnectionRefused();
      // A line per refusal, as for every other refusal: a flood shows in the log.
      logger_->info("refusing a connection: {} open, limits.max_connections is {}",
                    manager_.size(), config_.limits.max_connections);
      socket.close(ec);
      continue;
    }
    socket.set_option(tcp::no_delay(true), ec);
    const std::string id = "c" + std::to_string(next_session_++);
    Session::Stream stream(std::move(socket), tls_ ? *tls_ : plain_placeholder_);
    SessionEnvironment env{&config_, &handler_, &metrics_, &manager_, logger_};
    auto session = std::make_shared<Session>(std::move(stream), tls_ != nullptr, env, id);
    manager_.Add(session);
    session->Start();
  }
}

asio::awaitable<void> Server::Impl::AcceptMetrics() {
  while (!shutting_down_) {
    error_code ec;
    // Each scrape on a strand of its own: its timeout and its I/O touch the socket.
    tcp::socket socket = co_await metrics_acceptor_.async_accept(
        asio::make_strand(io_), redirect_error(use_awaitable, ec));
    if (ec) {
      if (shutting_down_ || ec == asio::error::operation_aborted) break;
      continue;
    }
    if (shutting_down_) break;
    auto executor = socket.get_executor();
    asio::co_spawn(executor, ServeMetrics(std::move(socket)), asio::detached);
  }
}

asio::awaitable<void> Server::Impl::ServeMetrics(tcp::socket socket) {
  // A minimal HTTP/1.0 responder: one GET, one reply, close.
  asio::steady_timer timeout(socket.get_executor(), std::chrono::seconds(5));
  timeout.async_wait([&socket](error_code ec) {
    if (!ec) socket.close(ec);
  });
  asio::streambuf request(8192);
  error_code ec;
  co_await asio::async_read_until(socket, request, "\r\n\r\n", redirect_error(use_awaitable, ec));
  if (!ec) {
    std::string line(asio::buffers_begin(request.data()),
                     asio::buffers_begin(request.data()) +
                         std::min<size_t>(request.size(), 64));
    std::string status = "200 OK", body;
    if (line.rfind("GET /metrics ", 0) == 0 || line.rfind("GET /metrics\r", 0) == 0) {
      MetricsSnapshot snapshot;
      snapshot.tree_size = ledger_.size();
      snapshot.commit = ledger_.GetCommitStats();
      if (auto note = ledger_.GetCheckpoint(); note.ok()) {
        if (auto parsed = ParseCheckpointUnverified(*note); parsed.ok()) {
          snapshot.checkpoint_size = parsed->size;
        }
      }
      body = metrics_.RenderPrometheus(snapshot);
    } else {
      status = "404 Not Found";
      body = "only GET /metrics is served here\n";
    }
    const std::string reply = "HTTP/1.0 " + status +
                              "\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\n"
                              "Content-Length: " + std::to_string(body.size()) +
                              "\r\nConnection: close\r\n\r\n" + body;
    co_await asio::async_write(socket, asio::buffer(reply), redirect_error(use_awaitable, ec));
  }
  timeout.cancel();
  socket.close(ec);
}

asio::awaitable<void> Server::Impl::Drain(int drain_seconds) {
  error_code ec;
  acceptor_.close(ec);
  metrics_acceptor_.close(ec);
  signals_.cancel(ec);
  logger_->info("shutting down: no new connections; answering what is in flight");
  manager_.DrainAll();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(drain_seconds);
  asio::steady_timer poll(strand_);
  while (manager_.size() > 0 && std::chrono::steady_clock::now() < deadline) {
    poll.expires_after(std::chrono::milliseconds(20));
    co_await poll.async_wait(redirect_error(use_awaitable, ec));
  }
  if (manager_.size() > 0) {
    logger_->warn("{} sessions did not finish within {} s; closing them", manager_.size(),
                  drain_seconds);
    manager_.StopAll();
    poll.expires_after(std::chrono::milliseconds(50));
    co_await poll.async_wait(redirect_error(use_awaitable, ec));
  }
  io_.stop();
}

void Server::Impl::Shutdown() {
  asio::post(strand_, [this] {
    if (shutting_down_.exchange(true)) return;
    asio::co_spawn(strand_, Drain(drain_seconds_), asio::detached);
  });
}

void Server::Impl::Run(bool handle_signals, int drain_seconds) {
  drain_seconds_ = drain_seconds;
  if (handle_signals) {
    signals_.add(SIGTERM);
    signals_.add(SIGINT);
    signals_.async_wait([this](error_code ec, int signal) {
      if (ec) return;
      logger_->info("signal {} received", signal);
      Shutdown();
    });
  }
  asio::co_spawn(strand_, Accept(), asio::detached);
  if (metrics_acceptor_.is_open()) asio::co_spawn(strand_, AcceptMetrics(), asio::detached);
  if (config_.plain_tcp) {
    logger_->warn("PLAIN TCP DEVELOPMENT MODE on {}: no TLS, no client certificates; clients "
                  "choose their principal. Never use this with real data.",
                  config_.listen);
  }
  logger_->info("serving on port {} ({}, {} threads, {} principals)", port_,
                config_.plain_tcp ? "plain TCP" : "TLS 1.3 with client certificates", threads_,
                config_.principals.size());
  std::vector<std::thread> threads;
  for (int i = 1; i < threads_; ++i) threads.emplace_back([this] { io_.run(); });
  io_.run();
  for (auto& t : threads) t.join();
  // Requests still with the ledger (only after a drain that timed out) post their replies to
  // io_; wait for them before io_ can go away.
  if (!manager_.WaitForCalls(std::chrono::steady_clock::now() + std::chrono::seconds(60))) {
    logger_->error("requests still pending with the ledger after the server stopped");
  }
  logger_->info("stopped serving");
}

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Server::~Server() = default;

Result<std::unique_ptr<Server>> Server::Create(const ServerConfig& config, Ledger& ledger,
                                               std::shared_ptr<spdlog::logger> logger,
                                               projections::ProjectionStore* projections) {
  if (!logger) logger = spdlog::default_logger();
  auto impl = std::make_unique<Impl>(config, ledger, std::move(logger), projections);
  CL_RETURN_IF_ERROR(impl->Bind());
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

uint16_t Server::port() const { return impl_->port(); }
uint16_t Server::metrics_port() const { return impl_->metrics_port(); }
void Server::Run(bool handle_signals, int drain_seconds) { impl_->Run(handle_signals, drain_seconds); }
void Server::Shutdown() { impl_->Shutdown(); }

}  // namespace caseledger::server
