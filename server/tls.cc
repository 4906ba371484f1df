#include "server/tls.h"

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

namespace caseledger::server {
namespace ssl = boost::asio::ssl;

namespace {

Status Fail(const std::string& what, const boost::system::error_code& ec) {
  return Status::InvalidArgument(what + ": " + ec.message());
}

std::string NameToString(X509_NAME* name) {
  BIO* bio = BIO_new(BIO_s_mem());
  if (bio == nullptr) return {};
  X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253);
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<size_t>(len));
  BIO_free(bio);
  return out;
}

std::string IpToString(const ASN1_OCTET_STRING* ip) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (ip->length == 4) inet_ntop(AF_INET, ip->data, buf, sizeof(buf));
  if (ip->length == 16) inet_ntop(AF_INET6, ip->data, buf, sizeof(buf));
  return buf;
}

std::string Asn1String(const ASN1_IA5STRING* s) {
  return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                     static_cast<size_t>(ASN1_STRING_length(s)));
}

}  // namespace

Result<std::unique_ptr<ssl::context>> MakeServerTlsContext(const std::string& certificate_file,
                                                           const std::string& private_key_file,
                                                           const std::string& client_ca_file) {
  auto ctx = std::make_unique<ssl::context>(ssl::context::tls_server);
  SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_3_VERSION);
  boost::system::error_code ec;
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                       ssl::context::no_sslv3 | ssl::context::single_dh_use,
                   ec);
  ctx->use_certificate_chain_file(certificate_file, ec);
  if (ec) return Fail("server certificate " + certificate_file, ec);
  ctx->use_private_key_file(private_key_file, ssl::context::pem, ec);
  if (ec) return Fail("server private key " + private_key_file, ec);
  if (SSL_CTX_check_private_key(ctx->native_handle()) != 1) {
    return Status::InvalidArgument("server private key does not match its certificate");
  }
  ctx->load_verify_file(client_ca_file, ec);
  if (ec) return Fail("client CA " + client_ca_file, ec);
  ctx->set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert, ec);
  // No session tickets: every connection shows its certificate.
  SSL_CTX_set_num_tickets(ctx->native_handle(), 0);
  return ctx;
}

Result<std::unique_ptr<ssl::context>> MakeClientTlsContext(const std::string& ca_file,
                                                           const std::string& certificate_file,
                                                           const std::string& private_key_file) {
  auto ctx = std::make_unique<ssl::context>(ssl::context::tls_client);
  SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_3_VERSION);
  boost::system::error_code ec;
  // The server is always authenticated: against `ca_file`, or the system's trust store.
  if (!ca_file.empty()) {
    ctx->load_verify_file(ca_file, ec);
    if (ec) return Fail("CA " + ca_file, ec);
  } else {
    ctx->set_default_verify_paths(ec);
    if (ec) return Fail("the system's trusted CAs", ec);
  }
  ctx->set_verify_mode(ssl::verify_peer, ec);
  if (!certificate_file.empty()) {
    ctx->use_certificate_chain_file(certificate_file, ec);
    if (ec) return Fail("client certificate " + certificate_file, ec);
    ctx->use_private_key_file(private_key_file, ssl::context::pem, ec);
    if (ec) return Fail("client private key " + private_key_file, ec);
  }
  return ctx;
}

PeerIdentity PeerIdentityOf(SSL* ssl) {
  PeerIdentity identity;
  X509* cert = SSL_get1_peer_certificate(ssl);
  if (cert == nullptr) return identity;
  identity.subject = NameToString(X509_get_subject_name(cert));
  auto* names = static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  if (names != nullptr) {
    for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
      const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, i);
      switch (name->type) {
        case GEN_DNS: identity.sans.push_back("DNS:" + Asn1String(name->d.dNSName)); break;
        case GEN_URI:
          identity.sans.push_back("URI:" + Asn1String(name->d.uniformResourceIdentifier));
          break;
        case GEN_EMAIL: identity.sans.push_back("email:" + Asn1String(name->d.rfc822Name)); break;
        case GEN_IPADD: identity.sans.push_back("IP:" + IpToString(name->d.iPAddress)); break;
        default: break;
      }
    }
    GENERAL_NAMES_free(names);
  }
  X509_free(cert);
  return identity;
}

std::string LastTlsError() {
  const unsigned long code = ERR_peek_last_error();
  if (code == 0) return "no OpenSSL error";
  char buf[256];
  ERR_error_string_n(code, buf, sizeof(buf));
  return buf;
}

}  // namespace caseledger::server
