// Development certificates for caseledgerd's mutual TLS: a throwaway CA, a server certificate
// for localhost, one client certificate per development principal, and a server configuration
// that maps each principal by its subjectAltName. Development only: the CA key sits on disk
// beside the certificates it signs, unencrypted.
//
// Every key is EC P-256 and every signature ECDSA with SHA-256. Subjects are
// "CN=<common name>,O=caseledger dev" (as X509_NAME_print_ex prints with XN_FLAG_RFC2253).
#ifndef CASELEDGER_TOOLS_DEV_CERTS_H_
#define CASELEDGER_TOOLS_DEV_CERTS_H_

#include <cstdint>
#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/status.h"

namespace caseledger::tools {

// A private key (PKCS#8, unencrypted) and its certificate, both PEM.
struct PemKeyAndCert {
  std::string key_pem;
  std::string cert_pem;
};

// Makes a self-signed CA: basicConstraints CA:TRUE (critical), keyUsage keyCertSign and
// cRLSign (critical), subject and authority key identifiers, a random 128-bit serial.
// notBefore is now + valid_from_offset_seconds (negative: in the past), notAfter is notBefore +
// valid_seconds. InvalidArgument for an empty common name or one over 64 bytes, a
// valid_seconds that is not positive, or an offset or a span over 100 years; IOError if
// OpenSSL fails.
Result<PemKeyAndCert> MakeCertificateAuthority(std::string_view common_name,
                                               int64_t valid_from_offset_seconds,
                                               int64_t valid_seconds);

struct CertRequest {
  std::string common_name;  // subject "CN=<common_name>,O=caseledger dev"
  // Each "DNS:<name>", "IP:<IPv4 or IPv6 address>" or "URI:<uri>", e.g.
  // "URI:caseledger://principal/police-dk". Values are printable ASCII without spaces; a DNS
  // name holds only letters, digits, '-', '.' and '*'; a URI starts with its scheme.
  std::vector<std::string> subject_alt_names;
  bool server = false;  // extendedKeyUsage serverAuth; otherwise clientAuth
  int64_t valid_from_offset_seconds = -3600;  // notBefore = now + offset (negative: in the past)
  int64_t valid_seconds = 365LL * 24 * 3600;
};

// Issues a leaf certificate signed by `ca`: a new EC P-256 key, a random 128-bit serial,
// basicConstraints CA:FALSE (critical), keyUsage digitalSignature (critical), the extended key
// usage of request.server, subject and authority key identifiers, and the SANs. The leaf's
// validity is not clipped to the CA's. InvalidArgument for a malformed request (as for
// MakeCertificateAuthority, plus a SAN without a known prefix or with a bad value), or when
// `ca` does not parse, is not a CA, or its key does not match its certificate; IOError if
// OpenSSL fails.
Result<PemKeyAndCert> IssueCertificate(const PemKeyAndCert& ca, const CertRequest& request);

// A client identity for development, with the roles caseledgerd gives it.
struct DevPrincipal {
  std::string name;         // file stem, [[principal]] id, and SAN caseledger://principal/<name>
  std::string agency_id;
  std::string agency_role;  // an AgencyRole enumerant name, as the schema spells it
  std::string user_role;
};

// The development principals: one per agency role the demo uses, the oversight roles, a
// witness and an operator. The same list on every call; never empty.
const std::vector<DevPrincipal>& DevPrincipals();

struct DevCertOptions {
  std::string out_dir;
  int64_t valid_days = 365;
};

// Writes into options.out_dir (created when missing), every certificate valid from an hour ago
// for valid_days days:
//   ca.pem, ca.key                    the CA;
//   server.pem, server.key            serverAuth, SANs DNS:localhost, IP:127.0.0.1, IP:::1;
//   <name>.pem, <name>.key            clientAuth, SAN URI:caseledger://principal/<name>, for
//                                     each DevPrincipals() entry;
//   caseledgerd.toml                  a server configuration using these files (paths relative
//                                     to its own directory) and mapping every principal by SAN.
// Private keys are created mode 0600 (open with O_EXCL; never chmod-ed later), the rest 0644,
// both less the umask. Returns the paths written, in the order above. InvalidArgument, with
// nothing written, when valid_days is not in 1..36500, out_dir is empty, or any of these files
// already exists (so a re-run never replaces a CA); IOError when a file cannot be written, in
// which case the files this call made are removed again.
Result<std::vector<std::string>> MakeDevCertificates(const DevCertOptions& options);

// `caseledger certs`.
struct CertsArgs {
  std::string out_dir;
  int64_t days = 365;
};
// Runs MakeDevCertificates and prints the files written and a reminder that these are for
// development only. Exit codes as tools/cli.h: 0 done, 1 failed (I/O), 2 could not run (bad
// arguments, files already there).
int RunCerts(const CertsArgs& args, std::ostream& out, std::ostream& err);

}  // namespace caseledger::tools

#endif  // CASELEDGER_TOOLS_DEV_CERTS_H_
