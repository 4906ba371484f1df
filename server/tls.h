// TLS set-up shared by the server and the client: TLS 1.3 only, client certificates
// required by the server, and the identity a peer certificate carries.
#ifndef CASELEDGER_SERVER_TLS_H_
#define CASELEDGER_SERVER_TLS_H_

#include <boost/asio/ssl/context.hpp>

#include <memory>
#include <string>
#include <vector>

#include "ledger/status.h"

typedef struct ssl_st SSL;

namespace caseledger::server {

// A server context: TLS 1.3, this certificate chain and key, and client certificates
// required and checked against `client_ca_file`.
Result<std::unique_ptr<boost::asio::ssl::context>> MakeServerTlsContext(
    const std::string& certificate_file, const std::string& private_key_file,
    const std::string& client_ca_file);

// A client context: TLS 1.3, the server always checked (against `ca_file`, or the system
// trust store when it is empty), and this client
// certificate (both may be empty for tests of refusal).
Result<std::unique_ptr<boost::asio::ssl::context>> MakeClientTlsContext(
    const std::string& ca_file, const std::string& certificate_file,
    const std::string& private_key_file);

// What a verified peer certificate says about who it is.
struct PeerIdentity {
  std::string subject;             // RFC 2253 ("CN=police,O=caseledger dev")
  std::vector<std::string> sans;   // "URI:...", "DNS:...", "email:...", "IP:..."
};
// Empty when the peer sent no certificate.
PeerIdentity PeerIdentityOf(SSL* ssl);

// The newest OpenSSL error as text, for messages.
std::string LastTlsError();

}  // namespace caseledger::server

#endif  // CASELEDGER_SERVER_TLS_H_
