#include "server/config.h"

#include <arpa/inet.h>

#include <toml++/toml.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

namespace caseledger::server {
namespace {

std::string Where(const toml::node& node) {
  const auto& src = node.source();
  return "line " + std::to_string(src.begin.line);
}

// Reads the keys of one table, refusing any it does not know.
class TableReader {
 public:
  TableReader(const toml::table& table, std::string name) : table_(table), name_(std::move(name)) {}

  Status String(std::string_view key, std::string* out) {
    const toml::node* node = Find(key);
    if (node == nullptr) return Status::OK();
    auto value = node->value<std::string>();
    if (!node->is_string() || !value) return TypeError(key, *node, "a string");
    *out = *value;
    return Status::OK();
  }
  Status Path(std::string_view key, const std::string& base_dir, std::string* out) {
    CL_RETURN_IF_ERROR(String(key, out));
    if (!out->empty() && std::filesystem::path(*out).is_relative() && !base_dir.empty()) {
      *out = (std::filesystem::path(base_dir) / *out).lexically_normal().string();
    }
    return Status::OK();
  }
  Status Bool(std::string_view key, bool* out) {
    const toml::node* node = Find(key);
    if (node == nullptr) return Status::OK();
    if (!node->is_boolean()) return TypeError(key, *node, "true or false");
    *out = *node->value<bool>();
    return Status::OK();
  }
  template <typename T>
  Status Integer(std::string_view key, T* out, int64_t min, int64_t max) {
    const toml::node* node = Find(key);
    if (node == nullptr) return Status::OK();
    if (!node->is_integer()) return TypeError(key, *node, "an integer");
    const int64_t value = *node->value<int64_t>();
    if (value < min || value > max) {
      return Status::InvalidArgument(Name(key) + " at " + Where(*node) + " must be between " +
                                     std::to_string(min) + " and " + std::to_string(max));
    }
    *out = static_cast<T>(value);
    return Status::OK();
  }
  // After reading: every key must have been asked for.
  Status RefuseUnknown() const {
    for (const auto& [key, node] : table_) {
      if (!seen_.count(std::string(key.str()))) {
        return Status::InvalidArgument("unknown key " + Name(key.str()) + " at " + Where(node));
      }
    }
    return Status::OK();
  }
  void Allow(std::string_view key) { seen_.insert(std::string(key)); }

 private:
  const toml::node* Find(std::string_view key) {
    seen_.insert(std::string(key));
    return table_.get(key);
  }
  std::string Name(std::string_view key) const {
    return name_.empty() ? std::string(key) : name_ + "." + std::string(key);
  }
  Status TypeError(std::string_view key, const toml::node& node, const char* want) const {
    return Status::InvalidArgument(Name(key) + " at " + Where(node) + " must be " + want);
  }

  const toml::table& table_;
  std::string name_;
  std::set<std::string> seen_;
};

const toml::table* SubTable(const toml::table& root, std::string_view key, Status* status) {
  const toml::node* node = root.get(key);
  if (node == nullptr) return nullptr;
  if (!node->is_table()) {
    *status = Status::InvalidArgument(std::string(key) + " at " + Where(*node) + " must be a table");
    return nullptr;
  }
  return node->as_table();
}

// One principal on its own: what ValidateConfig and ParseConfig both refuse.
Status CheckPrincipal(const Principal& p) {
  if (p.id.empty()) return Status::InvalidArgument("id is missing");
  if (p.subject.empty() == p.san.empty()) {
    return Status::InvalidArgument("needs exactly one of subject and san");
  }
  if (p.agency_id.empty()) return Status::InvalidArgument("agency_id is missing");
  if (p.user_role == schema::UserRole::AGENCY &&
      (p.agency_role == schema::AgencyRole::SYSTEM || p.agency_role == schema::AgencyRole::OMBUDS)) {
    return Status::InvalidArgument("an agency principal needs an agency_role that records "
                                   "events (not system or ombuds)");
  }
  if (p.user_role == schema::UserRole::ADMIN && p.agency_role != schema::AgencyRole::SYSTEM) {
    return Status::InvalidArgument("an admin principal has agency_role \"system\"");
  }
  if (p.unseal && !MayHoldUnsealGrant(p.user_role)) {
    // Agencies open the cases they work without a grant; witnesses and admins read no case
    // data at all, so a grant there would be a mistake in the file, not a right.
    return Status::InvalidArgument("unseal = true is a grant for oversight and ombudsperson "
                                   "principals only (docs/privacy.md)");
  }
  return Status::OK();
}

// Principals must be told apart: by id (access records name it) and by what a certificate
// shows (otherwise the later one could never be reached, and which one a certificate with
// both names maps to would depend on the order of the file).
class PrincipalIndex {
 public:
  Status Add(const Principal& p) {
    if (!ids_.insert(p.id).second) return Status::InvalidArgument("id \"" + p.id + "\" is used twice");
    if (!p.subject.empty() && !names_.insert("subject " + p.subject).second) {
      return Status::InvalidArgument("subject \"" + p.subject + "\" maps to another principal too");
    }
    if (!p.san.empty() && !names_.insert("san " + p.san).second) {
      return Status::InvalidArgument("san \"" + p.san + "\" maps to another principal too");
    }
    return Status::OK();
  }

 private:
  std::set<std::string> ids_;
  std::set<std::string> names_;
};

Status ReadPrincipal(const toml::table& table, size_t index, PrincipalIndex* index_of_all,
                     Principal* p) {
  TableReader r(table, "principal[" + std::to_string(index) + "]");
  std::string agency_role, user_role;
  CL_RETURN_IF_ERROR(r.String("id", &p->id));
  CL_RETURN_IF_ERROR(r.String("agency_id", &p->agency_id));
  CL_RETURN_IF_ERROR(r.String("agency_role", &agency_role));
  CL_RETURN_IF_ERROR(r.String("user_role", &user_role));
  CL_RETURN_IF_ERROR(r.String("subject", &p->subject));
  CL_RETURN_IF_ERROR(r.String("san", &p->san));
  CL_RETURN_IF_ERROR(r.Bool("unseal", &p->unseal));
  CL_RETURN_IF_ERROR(r.RefuseUnknown());
  const std::string where = "principal[" + std::to_string(index) + "] at " + Where(table);
  auto ur = ParseUserRole(user_role);
  if (!ur.ok()) return ur.status().WithContext(where + ", user_role");
  p->user_role = *ur;
  auto ar = ParseAgencyRole(agency_role);
  if (!ar.ok()) return ar.status().WithContext(where + ", agency_role");
  p->agency_role = *ar;
  CL_RETURN_IF_ERROR(CheckPrincipal(*p).WithContext(where));
  return index_of_all->Add(*p).WithContext(where);
}

// Every number of the configuration, with its bounds, as (table, key, value, min, max): the
// file's values are read against them, and ValidateConfig checks them again once flags have
// been applied.
template <typename Config, typename Fn>
Status ForEachNumber(Config& c, Fn&& fn) {
  auto& l = c.limits;
  CL_RETURN_IF_ERROR(fn("", "threads", c.threads, 0, 256));
  CL_RETURN_IF_ERROR(fn("checkpoint", "every_events", c.checkpoint_every_events, 1, 1LL << 40));
  CL_RETURN_IF_ERROR(fn("checkpoint", "every_millis", c.checkpoint_every_millis, 1, 24LL * 3600 * 1000));
  CL_RETURN_IF_ERROR(fn("limits", "max_message_bytes", l.max_message_bytes, 4096, 256 << 20));
  CL_RETURN_IF_ERROR(fn("limits", "max_connections", l.max_connections, 1, 1 << 20));
  CL_RETURN_IF_ERROR(fn("limits", "handshake_timeout_seconds", l.handshake_timeout_seconds, 1, 3600));
  CL_RETURN_IF_ERROR(fn("limits", "idle_timeout_seconds", l.idle_timeout_seconds, 1, 7 * 86400));
  CL_RETURN_IF_ERROR(fn("limits", "frame_timeout_seconds", l.frame_timeout_seconds, 1, 3600));
  CL_RETURN_IF_ERROR(fn("limits", "write_timeout_seconds", l.write_timeout_seconds, 1, 3600));
  CL_RETURN_IF_ERROR(fn("limits", "max_inflight_requests", l.max_inflight_requests, 1, 65536));
  CL_RETURN_IF_ERROR(fn("limits", "max_outbound_bytes", l.max_outbound_bytes, 65536, 1LL << 32));
  CL_RETURN_IF_ERROR(fn("limits", "max_read_events", l.max_read_events, 1, 100000));
  CL_RETURN_IF_ERROR(fn("limits", "max_subscription_credit", l.max_subscription_credit, 1, 1 << 24));
  CL_RETURN_IF_ERROR(fn("limits", "subscription_batch", l.subscription_batch, 1, 100000));
  return Status::OK();
}

// Reads the numbers of one table of the file.
Status ReadNumbers(ServerConfig& config, std::string_view table, TableReader& reader) {
  return ForEachNumber(config, [&](std::string_view t, std::string_view key, auto& value,
                                   int64_t min, int64_t max) {
    if (t != table) return Status::OK();
    return reader.Integer(key, &value, min, max);
  });
}

// An address key, when the file sets it to something: host:port, checked where its line is
// known.
Status CheckAddress(const toml::table& table, std::string_view key, const std::string& value) {
  const toml::node* node = table.get(key);
  if (node == nullptr || value.empty()) return Status::OK();
  auto hp = ParseHostPort(value);
  if (!hp.ok()) return hp.status().WithContext(std::string(key) + " at " + Where(*node));
  return Status::OK();
}

}  // namespace

Result<ServerConfig> ParseConfig(std::string_view text, std::string_view base_dir_view) {
  const std::string base_dir(base_dir_view);
  // toml++ reports parse errors by exception (the Debian library is built with them): catch
  // at this one boundary.
  toml::table root;
  try {
    root = toml::parse(text);
  } catch (const toml::parse_error& error) {
    return Status::InvalidArgument("configuration line " +
                                   std::to_string(error.source().begin.line) + ": " +
                                   std::string(error.description()));
  }
  ServerConfig config;
  TableReader top(root, "");
  CL_RETURN_IF_ERROR(top.String("listen", &config.listen));
  CL_RETURN_IF_ERROR(top.Path("data_dir", base_dir, &config.data_dir));
  CL_RETURN_IF_ERROR(top.String("metrics_listen", &config.metrics_listen));
  CL_RETURN_IF_ERROR(top.Bool("plain_tcp", &config.plain_tcp));
  CL_RETURN_IF_ERROR(top.Path("master_key", base_dir, &config.master_key));
  CL_RETURN_IF_ERROR(ReadNumbers(config, "", top));
  for (const char* key : {"tls", "checkpoint", "limits", "principal"}) top.Allow(key);
  CL_RETURN_IF_ERROR(top.RefuseUnknown());
  CL_RETURN_IF_ERROR(CheckAddress(root, "listen", config.listen));
  CL_RETURN_IF_ERROR(CheckAddress(root, "metrics_listen", config.metrics_listen));

  Status status;
  if (const toml::table* tls = SubTable(root, "tls", &status)) {
    TableReader r(*tls, "tls");
    CL_RETURN_IF_ERROR(r.Path("certificate", base_dir, &config.tls_certificate));
    CL_RETURN_IF_ERROR(r.Path("private_key", base_dir, &config.tls_private_key));
    CL_RETURN_IF_ERROR(r.Path("client_ca", base_dir, &config.tls_client_ca));
    CL_RETURN_IF_ERROR(r.RefuseUnknown());
  }
  CL_RETURN_IF_ERROR(status);
  if (const toml::table* cp = SubTable(root, "checkpoint", &status)) {
    TableReader r(*cp, "checkpoint");
    CL_RETURN_IF_ERROR(r.String("origin", &config.checkpoint_origin));
    CL_RETURN_IF_ERROR(r.Path("signing_key", base_dir, &config.signing_key));
    CL_RETURN_IF_ERROR(ReadNumbers(config, "checkpoint", r));
    CL_RETURN_IF_ERROR(r.RefuseUnknown());
  }
  CL_RETURN_IF_ERROR(status);
  if (const toml::table* lt = SubTable(root, "limits", &status)) {
    TableReader r(*lt, "limits");
    CL_RETURN_IF_ERROR(ReadNumbers(config, "limits", r));
    CL_RETURN_IF_ERROR(r.RefuseUnknown());
  }
  CL_RETURN_IF_ERROR(status);
  if (const toml::node* node = root.get("principal")) {
    const toml::array* list = node->as_array();
    if (list == nullptr || !list->is_array_of_tables()) {
      return Status::InvalidArgument("principal at " + Where(*node) +
                                     " must be an array of tables ([[principal]])");
    }
    PrincipalIndex index;
    for (size_t i = 0; i < list->size(); ++i) {
      Principal p;
      CL_RETURN_IF_ERROR(ReadPrincipal(*list->get(i)->as_table(), i, &index, &p));
      config.principals.push_back(std::move(p));
    }
  }
  return config;
}

Result<ServerConfig> LoadConfig(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("cannot read configuration file " + path);
  std::ostringstream text;
  text << in.rdbuf();
  auto config = ParseConfig(text.str(), std::filesystem::path(path).parent_path().string());
  if (!config.ok()) return config.status().WithContext(path);
  return config;
}

Status ValidateConfig(const ServerConfig& config) {
  auto listen = ParseHostPort(config.listen);
  if (!listen.ok()) return listen.status().WithContext("listen");
  if (config.data_dir.empty()) return Status::InvalidArgument("no data directory (data_dir or --data)");
  if (config.plain_tcp && !IsLoopbackHost(listen->host)) {
    return Status::InvalidArgument("plain TCP is a development mode allowed only on a loopback "
                                   "address; " + config.listen + " is not one");
  }
  if (!config.plain_tcp) {
    if (config.tls_certificate.empty() || config.tls_private_key.empty() ||
        config.tls_client_ca.empty()) {
      return Status::InvalidArgument(
          "TLS needs tls.certificate, tls.private_key and tls.client_ca (or --cert, --key, --ca)");
    }
  }
  if (!config.metrics_listen.empty()) {
    auto metrics = ParseHostPort(config.metrics_listen);
    if (!metrics.ok()) return metrics.status().WithContext("metrics_listen");
    if (!IsLoopbackHost(metrics->host)) {
      return Status::InvalidArgument("metrics_listen must be a loopback address (the endpoint "
                                     "has no authentication)");
    }
  }
  // Flags set numbers too: they must keep to the file's bounds.
  CL_RETURN_IF_ERROR(ForEachNumber(config, [](std::string_view table, std::string_view key,
                                              const auto& value, int64_t min, int64_t max) {
    const auto v = static_cast<int64_t>(value);
    if (v >= min && v <= max) return Status::OK();
    return Status::InvalidArgument((table.empty() ? "" : std::string(table) + ".") +
                                   std::string(key) + " is " + std::to_string(v) +
                                   "; it must be between " + std::to_string(min) + " and " +
                                   std::to_string(max));
  }));
  PrincipalIndex index;
  for (const Principal& p : config.principals) {
    const std::string where = "principal " + (p.id.empty() ? std::string("(no id)") : p.id);
    CL_RETURN_IF_ERROR(CheckPrincipal(p).WithContext(where));
    CL_RETURN_IF_ERROR(index.Add(p).WithContext(where));
  }
  return Status::OK();
}

Result<HostPort> ParseHostPort(std::string_view text) {
  HostPort hp;
  std::string_view port;
  if (!text.empty() && text.front() == '[') {
    const size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return Status::InvalidArgument("\"" + std::string(text) + "\" is not [IPv6]:port");
    }
    hp.host = std::string(text.substr(1, close - 1));
    port = text.substr(close + 2);
    if (hp.host.empty()) return Status::InvalidArgument("\"" + std::string(text) + "\" has no host");
  } else {
    const size_t colon = text.rfind(':');
    if (colon == std::string_view::npos || colon == 0 ||
        text.find(':') != colon) {
      return Status::InvalidArgument("\"" + std::string(text) + "\" is not host:port");
    }
    hp.host = std::string(text.substr(0, colon));
    port = text.substr(colon + 1);
  }
  if (port.empty() || port.size() > 5) return Status::InvalidArgument("bad port in " + std::string(text));
  uint32_t value = 0;
  for (char c : port) {
    if (c < '0' || c > '9') return Status::InvalidArgument("bad port in " + std::string(text));
    value = value * 10 + static_cast<uint32_t>(c - '0');
  }
  if (value > 65535) return Status::InvalidArgument("port out of range in " + std::string(text));
  hp.port = static_cast<uint16_t>(value);
  return hp;
}

bool IsLoopbackHost(std::string_view host) {
  if (host == "localhost") return true;
  const std::string h(host);
  in_addr v4{};
  if (inet_pton(AF_INET, h.c_str(), &v4) == 1) {
    return (ntohl(v4.s_addr) >> 24) == 127;
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, h.c_str(), &v6) == 1) return IN6_IS_ADDR_LOOPBACK(&v6);
  return false;
}

}  // namespace caseledger::server
