#include "tools/cli_options.h"

#include <CLI/CLI.hpp>

namespace caseledger::cli {

// --server and the identity options, for the subcommands that also work over the network.
void AddServerOptions(CLI::App* cmd, ServerArgs* remote) {
  cmd->add_option("--server", remote->server,
                  "Talk to caseledgerd at host:port (e.g. 127.0.0.1:7450) instead of --data");
  cmd->add_option("--tls-dir", remote->tls_dir,
                  "With --server: a directory written by `caseledger certs`; with --as NAME, "
                  "uses DIR/ca.pem, DIR/NAME.pem and DIR/NAME.key");
  cmd->add_option("--as", remote->as,
                  "With --tls-dir: the principal to act as (police, oversight, witness, ...)");
  cmd->add_option("--ca", remote->ca_file, "With --server: CA certificate of the server (PEM)");
  cmd->add_option("--cert", remote->cert_file, "With --server: your client certificate (PEM)");
  cmd->add_option("--key", remote->key_file, "With --server: your client private key (PEM)");
  cmd->add_option("--plain-dev", remote->plain_dev,
                  "With --server: DEVELOPMENT ONLY, plain TCP to a server started with "
                  "--plain-tcp-dev, acting as this configured principal");
  cmd->add_option("--timeout", remote->timeout_seconds,
                  "With --server: seconds to wait for each reply")
      ->capture_default_str();
}

}  // namespace caseledger::cli
