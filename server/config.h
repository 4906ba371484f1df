// caseledgerd's configuration: a TOML file (docs/operations.md, example in
// docs/caseledgerd.example.toml) that command-line flags may override.
#ifndef CASELEDGER_SERVER_CONFIG_H_
#define CASELEDGER_SERVER_CONFIG_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/status.h"
#include "server/access_control.h"

namespace caseledger::server {

struct Limits {
  size_t max_message_bytes = 4 << 20;  // one request or reply, framing included
  size_t max_connections = 4096;       // more are accepted and closed at once
  int handshake_timeout_seconds = 10;  // TLS handshake and hello
  int idle_timeout_seconds = 300;      // no request and nothing in flight: closed
  int frame_timeout_seconds = 30;      // a message started must arrive within this
  int write_timeout_seconds = 30;      // a reply not taken by the client within this: closed
  uint32_t max_inflight_requests = 128;  // per connection; further requests wait unread
  size_t max_outbound_bytes = 8 << 20;   // per connection; replies beyond this pause reading
  uint32_t max_read_events = 1000;       // per read reply
  uint32_t max_subscription_credit = 10000;
  uint32_t subscription_batch = 256;
};

struct ServerConfig {
  // host:port; "[::1]:7450" for IPv6. Loopback unless the operator says otherwise.
  std::string listen = "127.0.0.1:7450";
  std::string data_dir;
  // Prometheus text at http://<metrics_listen>/metrics; empty turns it off. Loopback only.
  std::string metrics_listen;
  // DEVELOPMENT ONLY: plain TCP without TLS, clients name their principal in hello. Refused
  // unless `listen` is a loopback address.
  bool plain_tcp = false;
  // The server's certificate chain and key, and the CA that client certificates must chain
  // to (PEM files).
  std::string tls_certificate;
  std::string tls_private_key;
  std::string tls_client_ca;
  // Checkpoint policy (docs/verification.md).
  std::string checkpoint_origin;
  std::string signing_key;
  // The master key file that wraps the children's data keys (docs/privacy.md): outside the
  // data directory, mode 0600. Empty means $CASELEDGER_MASTER_KEY_FILE, else the development
  // key beside the data directory (DIR.master-key).
  std::string master_key;
  uint64_t checkpoint_every_events = 1000;
  int64_t checkpoint_every_millis = 1000;
  // Threads running the network; 0 means one per core.
  int threads = 0;
  Limits limits;
  std::vector<Principal> principals;
};

// Parses configuration text; relative paths are taken relative to `base_dir`.
// InvalidArgument naming the line and key on any error: unknown keys, wrong types, numbers out
// of range, addresses that are not host:port, unknown role names, and principals that
// ValidateConfig would refuse.
Result<ServerConfig> ParseConfig(std::string_view text, std::string_view base_dir);
// Reads and parses the file at `path`.
Result<ServerConfig> LoadConfig(const std::string& path);

// Checks a complete configuration (after flags were applied): a data directory, every number
// within the bounds ParseConfig applies to the file, TLS files named unless plain_tcp, plain_tcp and metrics_listen only on loopback, and principals
// well-formed (an id, an agency id, exactly one of subject and san, roles that go together,
// an unseal grant only on oversight and ombudsperson principals)
// and told apart (no id, subject or san used twice). Does not look at the files.
Status ValidateConfig(const ServerConfig& config);

struct HostPort {
  std::string host;
  uint16_t port = 0;
};
// "127.0.0.1:7450", "[::1]:7450", "localhost:7450".
Result<HostPort> ParseHostPort(std::string_view text);
// Whether `host` names the loopback interface ("localhost", 127.0.0.0/8, ::1).
bool IsLoopbackHost(std::string_view host);

}  // namespace caseledger::server

#endif  // CASELEDGER_SERVER_CONFIG_H_
