// Development certificates: the X.509 part (tools/dev_certs.h). The files and the server
// configuration built from them are in dev_certs_files.cc.
#include "tools/dev_certs.h"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cctype>
#include <ctime>
#include <memory>
#include <string>

namespace caseledger::tools {
namespace {

template <auto Free>
struct Deleter {
  template <typename T>
  void operator()(T* p) const {
    Free(p);
  }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY_free>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO_free>>;
using BnPtr = std::unique_ptr<BIGNUM, Deleter<BN_free>>;
using ExtPtr = std::unique_ptr<X509_EXTENSION, Deleter<X509_EXTENSION_free>>;
using GeneralNamesPtr = std::unique_ptr<GENERAL_NAMES, Deleter<GENERAL_NAMES_free>>;
using GeneralNamePtr = std::unique_ptr<GENERAL_NAME, Deleter<GENERAL_NAME_free>>;
using Ia5StringPtr = std::unique_ptr<ASN1_IA5STRING, Deleter<ASN1_IA5STRING_free>>;

// No offset or span may reach further than this; it keeps every time well inside a long.
constexpr int64_t kMaxSeconds = 100LL * 366 * 24 * 3600;
constexpr size_t kMaxCommonNameBytes = 64;  // ub-common-name, RFC 5280
constexpr char kOrganization[] = "caseledger dev";

Status OpenSslError(std::string_view what) {
  std::string detail;
  if (unsigned long e = ERR_peek_last_error(); e != 0) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    detail = std::string(": ") + buf;
  }
  ERR_clear_error();
  return Status::IOError("OpenSSL failed to " + std::string(what) + detail);
}

Status Invalid(std::string msg) {
  ERR_clear_error();  // a parse that failed leaves its reasons queued
  return Status::InvalidArgument(std::move(msg));
}

Status CheckRequest(std::string_view common_name, int64_t valid_from_offset_seconds,
                    int64_t valid_seconds) {
  if (common_name.empty() || common_name.size() > kMaxCommonNameBytes)
    return Invalid("common name must be 1 to 64 bytes");
  for (unsigned char c : common_name) {
    if (c < 0x20 || c == 0x7f) return Invalid("common name holds a control character");
  }
  if (valid_seconds <= 0) return Invalid("validity must be positive");
  if (valid_seconds > kMaxSeconds || valid_from_offset_seconds > kMaxSeconds ||
      valid_from_offset_seconds < -kMaxSeconds) {
    return Invalid("validity offset and span must each be under 100 years");
  }
  return Status::OK();
}

// Letters, digits, hyphens and dots, and '*' for a wildcard label.
bool IsDnsName(std::string_view name) {
  for (unsigned char c : name) {
    if (!std::isalnum(c) && c != '-' && c != '.' && c != '*') return false;
  }
  return true;
}

// Starts with "scheme:" (RFC 3986: a letter, then letters, digits, '+', '-' or '.').
bool HasUriScheme(std::string_view uri) {
  const size_t colon = uri.find(':');
  if (colon == std::string_view::npos || colon == 0 || !std::isalpha(static_cast<unsigned char>(uri[0]))) return false;
  for (unsigned char c : uri.substr(0, colon)) {
    if (!std::isalnum(c) && c != '+' && c != '-' && c != '.') return false;
  }
  return true;
}

// "DNS:<name>", "IP:<address>" or "URI:<uri>" as a GENERAL_NAMES to put in subjectAltName.
// Built directly rather than through an OpenSSL config string, where a comma in a value would
// start another name.
Result<GeneralNamesPtr> ParseSubjectAltNames(const std::vector<std::string>& sans) {
  GeneralNamesPtr names(GENERAL_NAMES_new());
  if (!names) return OpenSslError("allocate subjectAltName");
  for (const std::string& san : sans) {
    const size_t colon = san.find(':');
    const std::string kind = san.substr(0, colon);
    const std::string value = colon == std::string::npos ? "" : san.substr(colon + 1);
    if (value.empty()) return Invalid("subjectAltName \"" + san + "\" has no value");
    for (unsigned char c : value) {
      if (c <= 0x20 || c >= 0x7f)
        return Invalid("subjectAltName \"" + san + "\" must be printable ASCII without spaces");
    }
    if (kind == "DNS" && !IsDnsName(value))
      return Invalid("subjectAltName \"" + san + "\" is not a DNS name");
    if (kind == "URI" && !HasUriScheme(value))
      return Invalid("subjectAltName \"" + san + "\" is not a URI with a scheme");
    GeneralNamePtr name(GENERAL_NAME_new());
    if (!name) return OpenSslError("allocate a subjectAltName entry");
    if (kind == "DNS" || kind == "URI") {
      Ia5StringPtr text(ASN1_IA5STRING_new());
      if (!text || ASN1_STRING_set(text.get(), value.data(), static_cast<int>(value.size())) != 1)
        return OpenSslError("set a subjectAltName entry");
      GENERAL_NAME_set0_value(name.get(), kind == "DNS" ? GEN_DNS : GEN_URI, text.release());
    } else if (kind == "IP") {
      ASN1_OCTET_STRING* address = a2i_IPADDRESS(value.c_str());
      if (!address) return Invalid("subjectAltName \"" + san + "\" is not an IP address");
      GENERAL_NAME_set0_value(name.get(), GEN_IPADD, address);
    } else {
      return Invalid("subjectAltName \"" + san + "\" must start with DNS:, IP: or URI:");
    }
    if (sk_GENERAL_NAME_push(names.get(), name.get()) <= 0)
      return OpenSslError("add a subjectAltName entry");
    name.release();  // owned by `names` now
  }
  return names;
}

// A version 3 certificate for `key` with a random serial, the subject
// "CN=<common_name>,O=caseledger dev" and the validity window; no issuer, extensions or
// signature yet.
Result<X509Ptr> NewCertificate(EVP_PKEY* key, std::string_view common_name,
                               int64_t valid_from_offset_seconds, int64_t valid_seconds) {
  X509Ptr cert(X509_new());
  if (!cert || X509_set_version(cert.get(), X509_VERSION_3) != 1)
    return OpenSslError("make a certificate");

  // 128 random bits: unpredictable, and unique without keeping a counter (CA/B Forum asks
  // for 64). Zero is not a valid serial.
  BnPtr serial(BN_new());
  do {
    if (!serial || BN_rand(serial.get(), 128, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1)
      return OpenSslError("draw a serial number");
  } while (BN_is_zero(serial.get()));
  if (!BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get())))
    return OpenSslError("set the serial number");

  // Added O first, CN last: RFC 2253 prints a name last-first, "CN=...,O=caseledger dev".
  X509_NAME* subject = X509_get_subject_name(cert.get());
  if (X509_NAME_add_entry_by_NID(subject, NID_organizationName, MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(kOrganization), -1, -1,
                                 0) != 1) {
    return OpenSslError("set the subject");
  }
  if (X509_NAME_add_entry_by_NID(subject, NID_commonName, MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(common_name.data()),
                                 static_cast<int>(common_name.size()), -1, 0) != 1) {
    return Invalid("common name \"" + std::string(common_name) + "\" is not valid UTF-8");
  }

  time_t now = std::time(nullptr);  // one instant for both ends
  if (!X509_time_adj_ex(X509_getm_notBefore(cert.get()), 0,
                        static_cast<long>(valid_from_offset_seconds), &now) ||
      !X509_time_adj_ex(X509_getm_notAfter(cert.get()), 0,
                        static_cast<long>(valid_from_offset_seconds + valid_seconds), &now)) {
    return OpenSslError("set the validity");
  }
  if (X509_set_pubkey(cert.get(), key) != 1) return OpenSslError("set the public key");
  return cert;
}

// Adds an extension given in OpenSSL's config syntax ("critical,CA:TRUE").
Status AddExtension(X509* cert, X509V3_CTX* ctx, int nid, const char* value) {
  ExtPtr ext(X509V3_EXT_conf_nid(nullptr, ctx, nid, value));
  if (!ext || X509_add_ext(cert, ext.get(), -1) != 1)
    return OpenSslError(std::string("add extension ") + OBJ_nid2sn(nid) + " " + value);
  return Status::OK();
}

// Adds basicConstraints, keyUsage, extendedKeyUsage (when not null), and the key identifiers.
// The subject key identifier goes first: the authority key identifier of a self-signed
// certificate is read from it.
Status AddExtensions(X509* cert, X509* issuer, EVP_PKEY* issuer_key, const char* basic_constraints,
                     const char* key_usage, const char* extended_key_usage) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  if (X509V3_set_issuer_pkey(&ctx, issuer_key) != 1) return OpenSslError("set the issuer key");
  CL_RETURN_IF_ERROR(AddExtension(cert, &ctx, NID_basic_constraints, basic_constraints));
  CL_RETURN_IF_ERROR(AddExtension(cert, &ctx, NID_key_usage, key_usage));
  if (extended_key_usage != nullptr)
    CL_RETURN_IF_ERROR(AddExtension(cert, &ctx, NID_ext_key_usage, extended_key_usage));
  CL_RETURN_IF_ERROR(AddExtension(cert, &ctx, NID_subject_key_identifier, "hash"));
  return AddExtension(cert, &ctx, NID_authority_key_identifier, "keyid:always");
}

Result<std::string> BioText(BIO* bio) {
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  if (n <= 0 || data == nullptr) return OpenSslError("write PEM");
  return std::string(data, static_cast<size_t>(n));
}

// Signs `cert` with `signing_key` and returns `key` and `cert` as PEM.
Result<PemKeyAndCert> SignAndEncode(X509* cert, EVP_PKEY* signing_key, EVP_PKEY* key) {
  if (X509_sign(cert, signing_key, EVP_sha256()) <= 0) return OpenSslError("sign the certificate");
  BioPtr key_bio(BIO_new(BIO_s_mem()));
  BioPtr cert_bio(BIO_new(BIO_s_mem()));
  if (!key_bio || !cert_bio ||
      PEM_write_bio_PrivateKey(key_bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1 ||
      PEM_write_bio_X509(cert_bio.get(), cert) != 1) {
    return OpenSslError("write PEM");
  }
  PemKeyAndCert out;
  auto key_pem = BioText(key_bio.get());
  if (!key_pem.ok()) return key_pem.status();
  auto cert_pem = BioText(cert_bio.get());
  if (!cert_pem.ok()) return cert_pem.status();
  out.key_pem = std::move(*key_pem);
  out.cert_pem = std::move(*cert_pem);
  return out;
}

Result<PkeyPtr> NewP256Key() {
  PkeyPtr key(EVP_EC_gen("P-256"));
  if (!key) return OpenSslError("generate an EC P-256 key");
  return key;
}

// Never prompts for a passphrase: an encrypted key simply fails to load.
int NoPassphrase(char*, int, int, void*) { return 0; }

Result<PkeyPtr> ParseKey(const std::string& pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return OpenSslError("read PEM");
  PkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, NoPassphrase, nullptr));
  if (!key) return Invalid("the CA key is not an unencrypted PEM private key");
  return key;
}

Result<X509Ptr> ParseCertificate(const std::string& pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return OpenSslError("read PEM");
  X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, NoPassphrase, nullptr));
  if (!cert) return Invalid("the CA certificate is not a PEM certificate");
  return cert;
}

}  // namespace

Result<PemKeyAndCert> MakeCertificateAuthority(std::string_view common_name,
                                               int64_t valid_from_offset_seconds,
                                               int64_t valid_seconds) {
  CL_RETURN_IF_ERROR(CheckRequest(common_name, valid_from_offset_seconds, valid_seconds));
  auto key = NewP256Key();
  if (!key.ok()) return key.status();
  auto cert = NewCertificate(key->get(), common_name, valid_from_offset_seconds, valid_seconds);
  if (!cert.ok()) return cert.status();
  if (X509_set_issuer_name(cert->get(), X509_get_subject_name(cert->get())) != 1)
    return OpenSslError("set the issuer");
  CL_RETURN_IF_ERROR(AddExtensions(cert->get(), cert->get(), key->get(), "critical,CA:TRUE",
                                   "critical,keyCertSign,cRLSign", nullptr));
  return SignAndEncode(cert->get(), key->get(), key->get());
}

Result<PemKeyAndCert> IssueCertificate(const PemKeyAndCert& ca, const CertRequest& request) {
  CL_RETURN_IF_ERROR(CheckRequest(request.common_name, request.valid_from_offset_seconds,
                                  request.valid_seconds));
  auto sans = ParseSubjectAltNames(request.subject_alt_names);
  if (!sans.ok()) return sans.status();
  auto ca_key = ParseKey(ca.key_pem);
  if (!ca_key.ok()) return ca_key.status();
  auto ca_cert = ParseCertificate(ca.cert_pem);
  if (!ca_cert.ok()) return ca_cert.status();
  if (X509_check_ca(ca_cert->get()) == 0) return Invalid("the CA certificate is not a CA");
  if (X509_check_private_key(ca_cert->get(), ca_key->get()) != 1)
    return Invalid("the CA key does not match the CA certificate");

  auto key = NewP256Key();
  if (!key.ok()) return key.status();
  auto cert = NewCertificate(key->get(), request.common_name, request.valid_from_offset_seconds,
                             request.valid_seconds);
  if (!cert.ok()) return cert.status();
  if (X509_set_issuer_name(cert->get(), X509_get_subject_name(ca_cert->get())) != 1)
    return OpenSslError("set the issuer");
  CL_RETURN_IF_ERROR(AddExtensions(cert->get(), ca_cert->get(), ca_key->get(), "critical,CA:FALSE",
                                   "critical,digitalSignature",
                                   request.server ? "serverAuth" : "clientAuth"));
  if (sk_GENERAL_NAME_num(sans->get()) > 0 &&
      X509_add1_ext_i2d(cert->get(), NID_subject_alt_name, sans->get(), 0, X509V3_ADD_DEFAULT) != 1) {
    return OpenSslError("add subjectAltName");
  }
  return SignAndEncode(cert->get(), ca_key->get(), key->get());
}

}  // namespace caseledger::tools
