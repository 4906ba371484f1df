// caseledgerd's network side (as the Asio http/server example's server): the io_context and
// its threads, the acceptor, the signals, the metrics endpoint. Sessions do the rest.
#ifndef CASELEDGER_SERVER_SERVER_H_
#define CASELEDGER_SERVER_SERVER_H_

#include <cstdint>
#include <memory>

#include "ledger/ledger.h"
#include "ledger/status.h"
#include "server/config.h"

namespace spdlog {
class logger;
}

namespace caseledger::projections {
class ProjectionStore;
}

namespace caseledger::server {

class Server {
 public:
  // Binds the listening sockets (port 0 picks a free one) and loads the TLS files. `ledger`
  // must outlive the server, and so must `projections` when given: the server then keeps them
  // folding the log as it grows and answers caseQuery from them. Errors: InvalidArgument
  // (configuration, TLS files), IOError (cannot bind).
  static Result<std::unique_ptr<Server>> Create(const ServerConfig& config, Ledger& ledger,
                                                std::shared_ptr<spdlog::logger> logger,
                                                projections::ProjectionStore* projections = nullptr);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  uint16_t port() const;
  uint16_t metrics_port() const;  // 0 when there is no metrics endpoint

  // Serves until Shutdown() or, with `handle_signals`, SIGTERM or SIGINT. Shutting down stops
  // accepting (the listening socket closes: new connections are refused), refuses requests
  // read from then on with `unavailable`, lets every session answer and send what is in
  // flight and close gracefully (at most `drain_seconds`, then the rest are closed), waits
  // for requests still with the ledger, then returns. The caller then writes a checkpoint and
  // closes the ledger.
  void Run(bool handle_signals, int drain_seconds = 10);
  // Starts the shutdown from any thread.
  void Shutdown();

  class Impl;

 private:
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace caseledger::server

#endif  // CASELEDGER_SERVER_SERVER_H_
