#include "tests/support/test_server.h"

#include <catch2/catch.hpp>

#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include "tools/dev_certs.h"

namespace caseledger::testing {

TestServer::TestServer(const std::function<void(server::ServerConfig&)>& adjust) {
  cert_dir_ = dir_.Sub("certs");
  tools::DevCertOptions options;
  options.out_dir = cert_dir_;
  auto made = tools::MakeDevCertificates(options);
  REQUIRE(made.ok());
  auto config = server::LoadConfig(cert_dir_ + "/caseledgerd.toml");
  REQUIRE(config.ok());
  config_ = std::move(*config);
  config_.data_dir = dir_.Sub("data");
  config_.listen = "127.0.0.1:0";
  config_.metrics_listen = "127.0.0.1:0";
  config_.threads = 2;
  if (adjust) adjust(config_);
  LedgerOptions ledger_options;
  ledger_options.data_dir = config_.data_dir;
  ledger_options.signing_key_path = "";
  ledger_options.master_key_path = config_.master_key;
  ledger_options.checkpoint_every_events = config_.checkpoint_every_events;
  ledger_options.checkpoint_every_micros = config_.checkpoint_every_millis * 1000;
  auto ledger = Ledger::Open(ledger_options);
  REQUIRE(ledger.ok());
  ledger_ = std::move(*ledger);
  // Quiet unless a test fails badly: warnings and errors only.
  auto logger = std::make_shared<spdlog::logger>("test-server",
                                                 std::make_shared<spdlog::sinks::null_sink_mt>());
  if (std::getenv("CASELEDGER_TEST_LOG") != nullptr) logger = spdlog::default_logger();
  auto projections = projections::ProjectionStore::Open(*ledger_);
  REQUIRE(projections.ok());
  projections_ = std::move(*projections);
  auto server = server::Server::Create(config_, *ledger_, logger, projections_.get());
  if (!server.ok()) FAIL(server.status().ToString());
  server_ = std::move(*server);
  running_ = true;
  thread_ = std::thread([this] { server_->Run(/*handle_signals=*/false, /*drain_seconds=*/5); });
}

TestServer::~TestServer() { Shutdown(); }

void TestServer::Shutdown() {
  if (!running_) return;
  running_ = false;
  server_->Shutdown();
  thread_.join();
}

server::ClientOptions TestServer::ClientFor(const std::string& name) const {
  server::ClientOptions options;
  options.server = address();
  if (config_.plain_tcp) {
    options.plain_tcp = true;
    options.dev_principal = name;
  } else {
    options.ca_file = Cert("ca.pem");
    options.cert_file = Cert(name + ".pem");
    options.key_file = Cert(name + ".key");
  }
  options.timeout_seconds = 30;
  return options;
}

std::unique_ptr<server::Client> TestServer::Connect(const std::string& name) const {
  auto client = server::Client::Connect(ClientFor(name));
  if (!client.ok()) FAIL("connect as " << name << ": " << client.status().ToString());
  return std::move(*client);
}

std::string TestServer::AgencyOf(const std::string& name) {
  for (const auto& p : tools::DevPrincipals()) {
    if (p.name == name) return p.agency_id;
  }
  return {};
}

}  // namespace caseledger::testing
