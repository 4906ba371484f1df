// caseledgerd's configuration (server/config.cc): the documented example parses and says what
// the defaults are, and every kind of bad file is refused with the key and line named.
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>
#include <string>

#include "ledger/ledger.h"
#include "server/config.h"
#include "server/server.h"
#include "tests/support/temp_dir.h"

namespace caseledger::server {
namespace {

const std::string kExample = std::string(CASELEDGER_SOURCE_DIR) + "/docs/caseledgerd.example.toml";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The message of the error that parsing `text` gives; fails the test when it parses.
std::string ParseError(const std::string& text) {
  auto config = ParseConfig(text, "/etc/caseledger");
  REQUIRE_FALSE(config.ok());
  CHECK(config.status().IsInvalidArgument());
  return config.status().message();
}

// A file that parses and validates: plain TCP on loopback needs no TLS files.
const char kPrincipal[] =
    "[[principal]]\n"                           // line N
    "id = \"police-1\"\n"
    "san = \"URI:caseledger://principal/police-1\"\n"
    "agency_id = \"dk-police\"\n"
    "agency_role = \"police\"\n"
    "user_role = \"agency\"\n";

ServerConfig ValidBase() {
  auto config = ParseConfig(std::string("data_dir = \"/tmp/x\"\nplain_tcp = true\n") + kPrincipal,
                            "");
  REQUIRE(config.ok());
  REQUIRE(ValidateConfig(*config).ok());
  return *config;
}

TEST_CASE("the example configuration parses, validates and states the defaults", "[config]") {
  const std::string text = ReadFile(kExample);
  REQUIRE_FALSE(text.empty());
  auto config = LoadConfig(kExample);
  REQUIRE(config.ok());
  testing::TempDir dir;
  config->data_dir = dir.Sub("data");
  CHECK(ValidateConfig(*config).ok());

  // Every key the parser knows is shown in the example, with a value.
  for (const char* key :
       {"listen", "data_dir", "metrics_listen", "plain_tcp", "threads", "certificate",
        "private_key", "client_ca", "origin", "signing_key", "every_events", "every_millis",
        "max_message_bytes", "max_connections", "handshake_timeout_seconds",
        "idle_timeout_seconds", "frame_timeout_seconds", "write_timeout_seconds",
        "max_inflight_requests", "max_outbound_bytes", "max_read_events",
        "max_subscription_credit", "subscription_batch", "id", "san", "subject", "agency_id",
        "agency_role", "user_role"}) {
    INFO(key);
    CHECK(text.find("\n" + std::string(key) + " = ") != std::string::npos);
  }

  // The values it shows for the limits and the checkpoint policy are the real defaults.
  const ServerConfig defaults;
  const Limits& l = config->limits;
  const Limits& d = defaults.limits;
  CHECK(config->listen == defaults.listen);
  CHECK(config->plain_tcp == defaults.plain_tcp);
  CHECK(config->threads == defaults.threads);
  CHECK(config->checkpoint_every_events == defaults.checkpoint_every_events);
  CHECK(config->checkpoint_every_millis == defaults.checkpoint_every_millis);
  CHECK(l.max_message_bytes == d.max_message_bytes);
  CHECK(l.max_connections == d.max_connections);
  CHECK(l.handshake_timeout_seconds == d.handshake_timeout_seconds);
  CHECK(l.idle_timeout_seconds == d.idle_timeout_seconds);
  CHECK(l.frame_timeout_seconds == d.frame_timeout_seconds);
  CHECK(l.write_timeout_seconds == d.write_timeout_seconds);
  CHECK(l.max_inflight_requests == d.max_inflight_requests);
  CHECK(l.max_outbound_bytes == d.max_outbound_bytes);
  CHECK(l.max_read_events == d.max_read_events);
  CHECK(l.max_subscription_credit == d.max_subscription_credit);
  CHECK(l.subscription_batch == d.subscription_batch);

  // Principals by san and by subject, each role of the matrix.
  REQUIRE(config->principals.size() == 6);
  const Principal& police = config->principals[0];
  CHECK(police.id == "police-cph-1");
  CHECK(police.san == "URI:caseledger://principal/police-cph-1");
  CHECK(police.subject.empty());
  CHECK(police.agency_role == schema::AgencyRole::POLICE);
  CHECK(police.user_role == schema::UserRole::AGENCY);
  const Principal& guardianship = config->principals[1];
  CHECK(guardianship.subject ==
        "CN=guardianship-1,OU=Guardianship Service,O=Example Ministry,C=DK");
  CHECK(guardianship.san.empty());
  CHECK(FindPrincipal(config->principals, guardianship.subject, {}) == &guardianship);
  CHECK(FindPrincipal(config->principals, "CN=nobody", {"DNS:witness-1.example.org"}) ==
        &config->principals[4]);
  CHECK(config->principals[5].user_role == schema::UserRole::ADMIN);
}

TEST_CASE("configuration paths are taken relative to the file's directory", "[config]") {
  auto config = ParseConfig(
      "data_dir = \"data\"\n"
      "[tls]\ncertificate = \"tls/../tls/server.pem\"\nprivate_key = \"/abs/server.key\"\n"
      "[checkpoint]\nsigning_key = \"ledger.key\"\n",
      "/etc/caseledger");
  REQUIRE(config.ok());
  CHECK(config->data_dir == "/etc/caseledger/data");
  CHECK(config->tls_certificate == "/etc/caseledger/tls/server.pem");
  CHECK(config->tls_private_key == "/abs/server.key");
  CHECK(config->signing_key == "/etc/caseledger/ledger.key");
}

TEST_CASE("configuration refuses unknown keys, naming the key and line", "[config]") {
  std::string m = ParseError("listen = \"127.0.0.1:1\"\nlisten_adress = \"x\"\n");
  CHECK(m.find("unknown key listen_adress") != std::string::npos);
  CHECK(m.find("line 2") != std::string::npos);

  m = ParseError("[limits]\nmax_message_bytes = 8192\nmax_conections = 5\n");
  CHECK(m.find("limits.max_conections") != std::string::npos);
  CHECK(m.find("line 3") != std::string::npos);

  m = ParseError("[tls]\ncert = \"a.pem\"\n");
  CHECK(m.find("tls.cert ") != std::string::npos);

  m = ParseError("[checkpoint]\nevery = 5\n");
  CHECK(m.find("checkpoint.every ") != std::string::npos);

  m = ParseError("[metrics]\nlisten = \"127.0.0.1:9\"\n");
  CHECK(m.find("unknown key metrics") != std::string::npos);

  m = ParseError(std::string(kPrincipal) + "role = \"admin\"\n");
  CHECK(m.find("principal[0].role") != std::string::npos);
  CHECK(m.find("line 7") != std::string::npos);
}

TEST_CASE("configuration refuses values of the wrong type, naming the key and line", "[config]") {
  std::string m = ParseError("\n\nplain_tcp = \"yes\"\n");
  CHECK(m.find("plain_tcp at line 3 must be true or false") != std::string::npos);
  m = ParseError("threads = \"4\"\n");
  CHECK(m.find("threads at line 1 must be an integer") != std::string::npos);
  m = ParseError("listen = 7450\n");
  CHECK(m.find("listen at line 1 must be a string") != std::string::npos);
  m = ParseError("[limits]\nidle_timeout_seconds = 1.5\n");
  CHECK(m.find("limits.idle_timeout_seconds at line 2 must be an integer") != std::string::npos);
  m = ParseError("tls = \"server.pem\"\n");
  CHECK(m.find("tls at line 1 must be a table") != std::string::npos);
  m = ParseError("[principal]\nid = \"x\"\n");
  CHECK(m.find("array of tables ([[principal]])") != std::string::npos);
  m = ParseError("[[principal]]\nid = 7\n");
  CHECK(m.find("principal[0].id at line 2 must be a string") != std::string::npos);
  // Not TOML at all: the parser's own message, with the line.
  m = ParseError("listen = \"127.0.0.1:7450\"\ndata_dir = \n");
  CHECK(m.find("configuration line 2") != std::string::npos);
}

TEST_CASE("configuration refuses numbers out of range, naming the key and line", "[config]") {
  std::string m = ParseError("threads = 257\n");
  CHECK(m.find("threads at line 1 must be between 0 and 256") != std::string::npos);
  m = ParseError("threads = -1\n");
  CHECK(m.find("threads at line 1") != std::string::npos);
  m = ParseError("[limits]\nmax_message_bytes = 100\n");
  CHECK(m.find("limits.max_message_bytes at line 2 must be between 4096") != std::string::npos);
  m = ParseError("[limits]\nidle_timeout_seconds = 0\n");
  CHECK(m.find("limits.idle_timeout_seconds") != std::string::npos);
  m = ParseError("[limits]\nmax_outbound_bytes = 5000000000\n");
  CHECK(m.find("limits.max_outbound_bytes") != std::string::npos);
  m = ParseError("[checkpoint]\nevery_events = 0\n");
  CHECK(m.find("checkpoint.every_events at line 2") != std::string::npos);
  m = ParseError("[checkpoint]\nevery_millis = 86400001\n");
  CHECK(m.find("checkpoint.every_millis") != std::string::npos);

  // Flags set numbers after parsing: validation holds them to the same bounds.
  ServerConfig config = ValidBase();
  config.limits.max_message_bytes = 100;
  CHECK(ValidateConfig(config).message() ==
        "limits.max_message_bytes is 100; it must be between 4096 and 268435456");
  config.limits.max_message_bytes = 4096;
  config.limits.idle_timeout_seconds = 0;
  CHECK(ValidateConfig(config).message().find("limits.idle_timeout_seconds is 0") !=
        std::string::npos);
  config.limits.idle_timeout_seconds = 1;
  config.threads = -1;
  CHECK(ValidateConfig(config).message().find("threads is -1") != std::string::npos);
  config.threads = 0;
  config.checkpoint_every_events = 0;
  CHECK(ValidateConfig(config).message().find("checkpoint.every_events is 0") !=
        std::string::npos);
  config.checkpoint_every_events = 1;
  CHECK(ValidateConfig(config).ok());

  // The bounds themselves are accepted.
  auto edge = ParseConfig("threads = 256\n[limits]\nmax_message_bytes = 4096\n"
                          "max_outbound_bytes = 4294967296\n",
                          "");
  REQUIRE(edge.ok());
  CHECK(edge->threads == 256);
  CHECK(edge->limits.max_message_bytes == 4096);
  CHECK(edge->limits.max_outbound_bytes == 4294967296ULL);
}

TEST_CASE("configuration refuses addresses that are not host:port, naming the key and line",
          "[config]") {
  std::string m = ParseError("\nlisten = \"localhost\"\n");
  CHECK(m.find("listen at line 2") != std::string::npos);
  m = ParseError("metrics_listen = \"127.0.0.1:http\"\n");
  CHECK(m.find("metrics_listen at line 1") != std::string::npos);
}

TEST_CASE("configuration refuses principals that are ill-formed or not unique", "[config]") {
  const std::string p = kPrincipal;
  // Both subject and san; neither.
  std::string m = ParseError(p + "subject = \"CN=police-1,O=x\"\n");
  CHECK(m.find("principal[0] at line 1") != std::string::npos);
  CHECK(m.find("exactly one of subject and san") != std::string::npos);
  m = ParseError("[[principal]]\nid = \"a\"\nagency_id = \"x\"\nagency_role = \"police\"\n"
                 "user_role = \"agency\"\n");
  CHECK(m.find("exactly one of subject and san") != std::string::npos);

  // Missing id and agency id.
  m = ParseError("[[principal]]\nsan = \"DNS:a\"\nagency_id = \"x\"\nagency_role = \"police\"\n"
                 "user_role = \"agency\"\n");
  CHECK(m.find("id is missing") != std::string::npos);
  m = ParseError("[[principal]]\nid = \"a\"\nsan = \"DNS:a\"\nagency_role = \"police\"\n"
                 "user_role = \"agency\"\n");
  CHECK(m.find("agency_id is missing") != std::string::npos);

  // The same id twice: the second is named, with its line.
  const std::string twice = p + "\n" +
                            "[[principal]]\n"  // line 8
                            "id = \"police-1\"\n"
                            "san = \"URI:caseledger://principal/police-2\"\n"
                            "agency_id = \"dk-police\"\nagency_role = \"police\"\n"
                            "user_role = \"agency\"\n";
  m = ParseError(twice);
  CHECK(m.find("principal[1] at line 8") != std::string::npos);
  CHECK(m.find("id \"police-1\" is used twice") != std::string::npos);

  // Another id, the same san: the second could never be reached.
  m = ParseError(p + "\n[[principal]]\nid = \"police-2\"\n"
                     "san = \"URI:caseledger://principal/police-1\"\n"
                     "agency_id = \"dk-police\"\nagency_role = \"police\"\nuser_role = \"agency\"\n");
  CHECK(m.find("principal[1]") != std::string::npos);
  CHECK(m.find("san \"URI:caseledger://principal/police-1\" maps to another principal") !=
        std::string::npos);
  m = ParseError("[[principal]]\nid = \"a\"\nsubject = \"CN=a\"\nagency_id = \"x\"\n"
                 "agency_role = \"police\"\nuser_role = \"agency\"\n"
                 "[[principal]]\nid = \"b\"\nsubject = \"CN=a\"\nagency_id = \"x\"\n"
                 "agency_role = \"police\"\nuser_role = \"agency\"\n");
  CHECK(m.find("subject \"CN=a\" maps to another principal") != std::string::npos);

  // ValidateConfig refuses the same for a configuration built in code.
  ServerConfig config = ValidBase();
  config.principals.push_back(config.principals[0]);
  config.principals[1].san = "DNS:other";
  CHECK(ValidateConfig(config).message().find("is used twice") != std::string::npos);
  config.principals[1].id = "police-2";
  CHECK(ValidateConfig(config).ok());
  config.principals[1].subject = "CN=x";
  CHECK(ValidateConfig(config).message().find("exactly one of subject and san") !=
        std::string::npos);
}

TEST_CASE("configuration refuses unknown role names and roles that do not go together",
          "[config]") {
  std::string m = ParseError(
      "\n[[principal]]\nid = \"a\"\nsan = \"DNS:a\"\nagency_id = \"x\"\nagency_role = \"police\"\n"
      "user_role = \"superuser\"\n");
  CHECK(m.find("principal[0] at line 2, user_role") != std::string::npos);
  CHECK(m.find("unknown user role \"superuser\"") != std::string::npos);
  // Enumerant names as the schema spells them, case and all.
  m = ParseError("[[principal]]\nid = \"a\"\nsan = \"DNS:a\"\nagency_id = \"x\"\n"
                 "agency_role = \"Police\"\nuser_role = \"agency\"\n");
  CHECK(m.find("agency_role") != std::string::npos);
  CHECK(m.find("unknown agency role \"Police\"") != std::string::npos);
  m = ParseError("[[principal]]\nid = \"a\"\nsan = \"DNS:a\"\nagency_id = \"x\"\n"
                 "agency_role = \"unspecified\"\nuser_role = \"agency\"\n");
  CHECK(m.find("unknown agency role \"unspecified\"") != std::string::npos);
  // Left out: refused as well.
  m = ParseError("[[principal]]\nid = \"a\"\nsan = \"DNS:a\"\nagency_id = \"x\"\n"
                 "agency_role = \"police\"\n");
  CHECK(m.find("unknown user role \"\"") != std::string::npos);
  // An agency that records nothing; an admin that is not the system.
  m = ParseError("[[principal]]\nid = \"a\"\nsan = \"DNS:a\"\nagency_id = \"x\"\n"
                 "agency_role = \"ombuds\"\nuser_role = \"agency\"\n");
  CHECK(m.find("an agency principal needs an agency_role that records events") !=
        std::string::npos);
  m = ParseError("[[principal]]\nid = \"a\"\nsan = \"DNS:a\"\nagency_id = \"x\"\n"
                 "agency_role = \"police\"\nuser_role = \"admin\"\n");
  CHECK(m.find("an admin principal has agency_role \"system\"") != std::string::npos);
}

TEST_CASE("plain TCP and the metrics endpoint are refused off loopback", "[config]") {
  ServerConfig config = ValidBase();
  for (const char* address : {"127.0.0.1:7450", "127.9.9.9:1", "localhost:7450", "[::1]:7450"}) {
    INFO(address);
    config.listen = address;
    CHECK(ValidateConfig(config).ok());
  }
  for (const char* address : {"0.0.0.0:7450", "192.0.2.1:7450", "[::]:7450", "example.org:7450",
                              "[::ffff:127.0.0.1]:7450"}) {
    INFO(address);
    config.listen = address;
    Status s = ValidateConfig(config);
    CHECK(s.IsInvalidArgument());
    CHECK(s.message().find("plain TCP") != std::string::npos);
  }
  // With TLS any address will do.
  config.plain_tcp = false;
  config.tls_certificate = "s.pem";
  config.tls_private_key = "s.key";
  config.tls_client_ca = "ca.pem";
  config.listen = "0.0.0.0:7450";
  CHECK(ValidateConfig(config).ok());

  config.metrics_listen = "0.0.0.0:7451";
  Status s = ValidateConfig(config);
  CHECK(s.message().find("metrics_listen must be a loopback address") != std::string::npos);
  config.metrics_listen = "127.0.0.1:7451";
  CHECK(ValidateConfig(config).ok());
  config.metrics_listen = "127.0.0.1";
  CHECK(ValidateConfig(config).message().find("metrics_listen") != std::string::npos);
}

TEST_CASE("TLS files must be named, and must exist, unless in plain TCP mode", "[config]") {
  ServerConfig config = ValidBase();
  config.plain_tcp = false;
  config.tls_certificate = "s.pem";
  config.tls_private_key = "s.key";
  config.tls_client_ca = "ca.pem";
  CHECK(ValidateConfig(config).ok());
  for (std::string* file :
       {&config.tls_certificate, &config.tls_private_key, &config.tls_client_ca}) {
    const std::string kept = *file;
    file->clear();
    Status s = ValidateConfig(config);
    CHECK(s.IsInvalidArgument());
    CHECK(s.message().find("tls.certificate, tls.private_key and tls.client_ca") !=
          std::string::npos);
    *file = kept;
  }
  config.plain_tcp = true;
  config.tls_certificate.clear();
  CHECK(ValidateConfig(config).ok());
  config.plain_tcp = false;
  config.tls_certificate = "s.pem";
  config.data_dir.clear();
  CHECK(ValidateConfig(config).message().find("data_dir") != std::string::npos);

  // Named but absent: the server refuses to start and names the file.
  testing::TempDir dir;
  config.data_dir = dir.Sub("data");
  config.listen = "127.0.0.1:0";
  config.tls_certificate = dir.Sub("missing-server.pem");
  config.tls_private_key = dir.Sub("missing-server.key");
  config.tls_client_ca = dir.Sub("missing-ca.pem");
  LedgerOptions options;
  options.data_dir = config.data_dir;
  auto ledger = Ledger::Open(options);
  REQUIRE(ledger.ok());
  auto server = Server::Create(config, **ledger, nullptr);
  REQUIRE_FALSE(server.ok());
  CHECK(server.status().IsInvalidArgument());
  CHECK(server.status().message().find(dir.Sub("missing-server.pem")) != std::string::npos);
}

TEST_CASE("LoadConfig names the file it cannot read or parse", "[config]") {
  testing::TempDir dir;
  auto missing = LoadConfig(dir.Sub("nope.toml"));
  CHECK(missing.status().IsNotFound());
  CHECK(missing.status().message().find("nope.toml") != std::string::npos);
  {
    std::ofstream out(dir.Sub("bad.toml"));
    out << "threads = 1000\n";
  }
  auto bad = LoadConfig(dir.Sub("bad.toml"));
  CHECK(bad.status().message().find(dir.Sub("bad.toml") + ": threads at line 1") !=
        std::string::npos);
}

TEST_CASE("ParseHostPort reads host:port and [IPv6]:port, and nothing else", "[config]") {
  struct Good {
    const char* text;
    const char* host;
    uint16_t port;
  };
  for (const Good& g : {Good{"127.0.0.1:7450", "127.0.0.1", 7450}, Good{"localhost:0", "localhost", 0},
                        Good{"[::1]:65535", "::1", 65535}, Good{"example.org:1", "example.org", 1},
                        Good{"[fe80::1%eth0]:80", "fe80::1%eth0", 80}}) {
    INFO(g.text);
    auto hp = ParseHostPort(g.text);
    REQUIRE(hp.ok());
    CHECK(hp->host == g.host);
    CHECK(hp->port == g.port);
  }
  for (const char* bad : {"", "localhost", ":7450", "127.0.0.1:", "127.0.0.1:65536",
                          "127.0.0.1:99999999", "127.0.0.1:-1", "127.0.0.1:+80", "127.0.0.1:80x",
                          "::1:7450", "[::1]", "[::1]7450", "[::1:7450", "[]:7450"}) {
    INFO(bad);
    CHECK(ParseHostPort(bad).status().IsInvalidArgument());
  }
}

TEST_CASE("IsLoopbackHost takes localhost, 127.0.0.0/8 and ::1 only", "[config]") {
  for (const char* host : {"localhost", "127.0.0.1", "127.0.0.2", "127.255.255.255", "::1",
                           "0:0:0:0:0:0:0:1"}) {
    INFO(host);
    CHECK(IsLoopbackHost(host));
  }
  for (const char* host : {"", "0.0.0.0", "128.0.0.1", "10.0.0.1", "::", "[::1]", "::2",
                           "localhost.example.org", "127.0.0.1.example.org", "1.127.0.0",
                           "::ffff:127.0.0.1", "127.1"}) {
    INFO(host);
    CHECK_FALSE(IsLoopbackHost(host));
  }
}

}  // namespace
}  // namespace caseledger::server
