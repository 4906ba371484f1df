// A caseledgerd running in the test process: development certificates made in a temporary
// directory (tools/dev_certs.h), the configuration `caseledger certs` writes, a fresh ledger,
// and the server on a free loopback port. Clients connect as any of the dev principals.
#ifndef CASELEDGER_TESTS_SUPPORT_TEST_SERVER_H_
#define CASELEDGER_TESTS_SUPPORT_TEST_SERVER_H_

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "ledger/ledger.h"
#include "projections/projection_store.h"
#include "server/client.h"
#include "server/config.h"
#include "server/server.h"
#include "tests/support/temp_dir.h"

namespace caseledger::testing {

class TestServer {
 public:
  // `adjust` may change the configuration (limits, plain_tcp, ...) before the server starts.
  explicit TestServer(const std::function<void(server::ServerConfig&)>& adjust = nullptr);
  ~TestServer();  // shuts the server down and waits for it
  TestServer(const TestServer&) = delete;
  TestServer& operator=(const TestServer&) = delete;

  // Options for a TLS client acting as dev principal `name` ("police", "oversight", ...).
  server::ClientOptions ClientFor(const std::string& name) const;
  // Connects as `name`; fails the test when it cannot.
  std::unique_ptr<server::Client> Connect(const std::string& name) const;

  // Stops the server (SIGTERM's path) and waits until Run returns.
  void Shutdown();

  Ledger& ledger() { return *ledger_; }
  projections::ProjectionStore& projections() { return *projections_; }
  const server::ServerConfig& config() const { return config_; }
  uint16_t port() const { return server_->port(); }
  uint16_t metrics_port() const { return server_->metrics_port(); }
  std::string address() const { return "127.0.0.1:" + std::to_string(port()); }
  const std::string& cert_dir() const { return cert_dir_; }
  std::string Cert(const std::string& file) const { return cert_dir_ + "/" + file; }
  // The agency id of a dev principal.
  static std::string AgencyOf(const std::string& name);

 private:
  TempDir dir_;
  std::string cert_dir_;
  server::ServerConfig config_;
  std::unique_ptr<Ledger> ledger_;
  std::unique_ptr<projections::ProjectionStore> projections_;  // as caseledgerd keeps them
  std::unique_ptr<server::Server> server_;
  std::thread thread_;
  bool running_ = false;
};

}  // namespace caseledger::testing

#endif  // CASELEDGER_TESTS_SUPPORT_TEST_SERVER_H_
