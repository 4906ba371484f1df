// caseledgerd: the ledger served over mutual TLS (docs/operations.md).
#include <CLI/CLI.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <iostream>

#include "ledger/ledger.h"
#include "projections/projection_store.h"
#include "server/config.h"
#include "server/server.h"

int main(int argc, char** argv) {
  using caseledger::server::ServerConfig;
  CLI::App app{
      "caseledgerd: the caseledger server. Agencies append case events and oversight reads "
      "them over mutually authenticated TLS 1.3; every read of a case is recorded in the "
      "ledger. Settings come from --config (TOML, see docs/caseledgerd.example.toml); the "
      "flags below override it. Principals are configured in the file only."};
  std::string config_path, listen, data_dir, metrics_listen, cert, key, ca, signing_key, origin,
      master_key;
  std::string log_level = "info";
  bool plain_tcp = false;
  int64_t checkpoint_events = 0, checkpoint_millis = 0, max_connections = 0, idle_timeout = 0,
          max_message = 0, threads = -1;
  app.add_option("--config", config_path, "TOML configuration file");
  app.add_option("--listen", listen, "host:port to listen on (default 127.0.0.1:7450)");
  app.add_option("--data", data_dir, "the ledger's data directory (created when missing)");
  app.add_option("--metrics-listen", metrics_listen,
                 "loopback host:port for Prometheus metrics at /metrics (default off)");
  app.add_option("--cert", cert, "server certificate chain (PEM)");
  app.add_option("--key", key, "server private key (PEM)");
  app.add_option("--ca", ca, "CA that client certificates must chain to (PEM)");
  app.add_flag("--plain-tcp-dev", plain_tcp,
               "DEVELOPMENT ONLY: plain TCP without TLS, loopback only; clients name their "
               "principal in hello");
  app.add_option("--checkpoint-every-events", checkpoint_events,
                 "sign a checkpoint after this many new events (default 1000)");
  app.add_option("--checkpoint-every-ms", checkpoint_millis,
                 "or after this many milliseconds with new events (default 1000)");
  app.add_option("--signing-key", signing_key,
                 "Ed25519 checkpoint signing key from `caseledger keygen` (default: a "
                 "development key beside the data directory)");
  app.add_option("--origin", origin, "checkpoint origin line for a new ledger");
  app.add_option("--master-key", master_key,
                 "master key file wrapping the children's data keys, outside the data directory, "
                 "mode 0600 (default: $CASELEDGER_MASTER_KEY_FILE, else a development key beside "
                 "the data directory; docs/privacy.md)");
  app.add_option("--max-connections", max_connections, "connections served at once (4096)");
  app.add_option("--idle-timeout", idle_timeout, "seconds before an idle connection is closed (300)");
  app.add_option("--max-message-bytes", max_message, "largest request or reply (4 MiB)");
  app.add_option("--threads", threads, "network threads (default: one per core)");
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}));
  CLI11_PARSE(app, argc, argv);

  auto logger = spdlog::stderr_color_mt("caseledgerd");
  logger->set_level(spdlog::level::from_str(log_level));
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%fZ %l %n: %v", spdlog::pattern_time_type::utc);

  ServerConfig config;
  if (!config_path.empty()) {
    auto loaded = caseledger::server::LoadConfig(config_path);
    if (!loaded.ok()) {
      std::cerr << "caseledgerd: " << loaded.status().ToString() << "\n";
      return 2;
    }
    config = std::move(*loaded);
  }
  if (!listen.empty()) config.listen = listen;
  if (!data_dir.empty()) config.data_dir = data_dir;
  if (!metrics_listen.empty()) config.metrics_listen = metrics_listen;
  if (!cert.empty()) config.tls_certificate = cert;
  if (!key.empty()) config.tls_private_key = key;
  if (!ca.empty()) config.tls_client_ca = ca;
  if (plain_tcp) config.plain_tcp = true;
  if (!signing_key.empty()) config.signing_key = signing_key;
  if (!origin.empty()) config.checkpoint_origin = origin;
  if (!master_key.empty()) config.master_key = master_key;
  if (checkpoint_events > 0) config.checkpoint_every_events = static_cast<uint64_t>(checkpoint_events);
  if (checkpoint_millis > 0) config.checkpoint_every_millis = checkpoint_millis;
  if (max_connections > 0) config.limits.max_connections = static_cast<size_t>(max_connections);
  if (idle_timeout > 0) config.limits.idle_timeout_seconds = static_cast<int>(idle_timeout);
  if (max_message > 0) config.limits.max_message_bytes = static_cast<size_t>(max_message);
  if (threads >= 0) config.threads = static_cast<int>(threads);
  if (auto valid = caseledger::server::ValidateConfig(config); !valid.ok()) {
    std::cerr << "caseledgerd: " << valid.ToString() << "\n";
    return 2;
  }

  caseledger::LedgerOptions options;
  options.data_dir = config.data_dir;
  options.logger = logger;
  options.signing_key_path = config.signing_key;
  options.master_key_path = config.master_key;
  options.checkpoint_origin = config.checkpoint_origin;
  options.checkpoint_every_events = config.checkpoint_every_events;
  options.checkpoint_every_micros = config.checkpoint_every_millis * 1000;
  auto ledger = caseledger::Ledger::Open(options);
  if (!ledger.ok()) {
    std::cerr << "caseledgerd: cannot open the ledger in " << config.data_dir << ": "
              << ledger.status().ToString() << "\n";
    return 1;
  }
  // The projections (case views, compliance timelines) catch up with the log before serving,
  // then follow it.
  caseledger::projections::StoreOptions projection_options;
  uint64_t last_logged = 0;
  projection_options.progress = [&](uint64_t reached, uint64_t target) {
    if (reached - last_logged >= 1000000 || reached == target) {
      logger->info("projections folded {} of {} events", reached, target);
      last_logged = reached;
    }
  };
  auto projections = caseledger::projections::ProjectionStore::Open(**ledger, projection_options);
  if (!projections.ok()) {
    std::cerr << "caseledgerd: cannot open the projections: " << projections.status().ToString()
              << "\n";
    return 1;
  }
  if (auto reached = (*projections)->CatchUp(); !reached.ok()) {
    std::cerr << "caseledgerd: the projections cannot fold the log: "
              << reached.status().ToString() << "\n";
    return 1;
  }
  auto server =
      caseledger::server::Server::Create(config, **ledger, logger, projections->get());
  if (!server.ok()) {
    std::cerr << "caseledgerd: " << server.status().ToString() << "\n";
    return 1;
  }
  logger->info("ledger {} open with {} events", config.data_dir, (*ledger)->size());
  (*server)->Run(/*handle_signals=*/true);
  // Every acknowledged append is durable already; sign the final tree so that witnesses see it.
  auto checkpoint = (*ledger)->Checkpoint();
  if (!checkpoint.ok()) {
    logger->error("final checkpoint failed: {}", checkpoint.status().ToString());
    return 1;
  }
  logger->info("final checkpoint written at tree size {}; exiting", (*ledger)->size());
  return 0;
}
