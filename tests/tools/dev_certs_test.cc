#include "tools/dev_certs.h"

#include <catch2/catch.hpp>
#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>

#include "tests/support/temp_dir.h"

namespace caseledger::tools {
namespace {

using testing::TempDir;

struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
struct StoreFree {
  void operator()(X509_STORE* s) const { X509_STORE_free(s); }
};
struct StoreCtxFree {
  void operator()(X509_STORE_CTX* c) const { X509_STORE_CTX_free(c); }
};
struct NamesFree {
  void operator()(GENERAL_NAMES* n) const { GENERAL_NAMES_free(n); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;

X509Ptr ParseCert(const std::string& pem) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free);
  return X509Ptr(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
}

// X509_verify_cert of `leaf` against the one trusted `ca`, for `purpose`: the verify error
// (X509_V_OK when it verifies).
int VerifyError(const std::string& ca_pem, const std::string& leaf_pem,
                int purpose = X509_PURPOSE_SSL_CLIENT) {
  X509Ptr ca = ParseCert(ca_pem);
  X509Ptr leaf = ParseCert(leaf_pem);
  REQUIRE(ca);
  REQUIRE(leaf);
  std::unique_ptr<X509_STORE, StoreFree> store(X509_STORE_new());
  REQUIRE(X509_STORE_add_cert(store.get(), ca.get()) == 1);
  std::unique_ptr<X509_STORE_CTX, StoreCtxFree> ctx(X509_STORE_CTX_new());
  REQUIRE(X509_STORE_CTX_init(ctx.get(), store.get(), leaf.get(), nullptr) == 1);
  REQUIRE(X509_STORE_CTX_set_purpose(ctx.get(), purpose) == 1);
  const int verified = X509_verify_cert(ctx.get());
  const int error = X509_STORE_CTX_get_error(ctx.get());
  CHECK((verified == 1) == (error == X509_V_OK));
  return error;
}

std::string Rfc2253(const X509_NAME* name) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
  REQUIRE(X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253) >= 0);
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(n));
}

// The subjectAltName entries as "URI:...", "DNS:..." or "IP:<bytes>" (IP as raw length).
std::vector<std::string> SubjectAltNames(X509* cert) {
  std::unique_ptr<GENERAL_NAMES, NamesFree> names(static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr)));
  std::vector<std::string> out;
  for (int i = 0; names && i < sk_GENERAL_NAME_num(names.get()); ++i) {
    const GENERAL_NAME* n = sk_GENERAL_NAME_value(names.get(), i);
    int type = 0;
    const auto* value = static_cast<const ASN1_STRING*>(GENERAL_NAME_get0_value(n, &type));
    const std::string text(reinterpret_cast<const char*>(ASN1_STRING_get0_data(value)),
                           static_cast<size_t>(ASN1_STRING_length(value)));
    if (type == GEN_URI) out.push_back("URI:" + text);
    if (type == GEN_DNS) out.push_back("DNS:" + text);
    if (type == GEN_IPADD) out.push_back("IP:" + std::to_string(text.size()) + " bytes");
  }
  return out;
}

bool ExtensionIsCritical(X509* cert, int nid) {
  const int at = X509_get_ext_by_NID(cert, nid, -1);
  return at >= 0 && X509_EXTENSION_get_critical(X509_get_ext(cert, at)) == 1;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

PemKeyAndCert TestCa(const char* name = "test CA") {
  auto ca = MakeCertificateAuthority(name, -3600, 24 * 3600);
  REQUIRE(ca.ok());
  return *ca;
}

CertRequest ClientRequest() {
  CertRequest r;
  r.common_name = "police-dk";
  r.subject_alt_names = {"URI:caseledger://principal/police-dk"};
  return r;
}

TEST_CASE("a CA is self-signed with critical CA:TRUE and may only sign certificates and CRLs",
          "[tools][certs]") {
  PemKeyAndCert ca = TestCa("caseledger development CA");
  X509Ptr cert = ParseCert(ca.cert_pem);
  REQUIRE(cert);
  CHECK(Rfc2253(X509_get_subject_name(cert.get())) == "CN=caseledger development CA,O=caseledger dev");
  CHECK(X509_NAME_cmp(X509_get_subject_name(cert.get()), X509_get_issuer_name(cert.get())) == 0);
  CHECK(X509_check_ca(cert.get()) == 1);
  CHECK(ExtensionIsCritical(cert.get(), NID_basic_constraints));
  CHECK(ExtensionIsCritical(cert.get(), NID_key_usage));
  CHECK(X509_get_key_usage(cert.get()) == (KU_KEY_CERT_SIGN | KU_CRL_SIGN));
  CHECK(X509_get0_subject_key_id(cert.get()) != nullptr);
  CHECK(X509_get_signature_nid(cert.get()) == NID_ecdsa_with_SHA256);
  // It verifies against itself: the self-signature is good.
  CHECK(VerifyError(ca.cert_pem, ca.cert_pem, X509_PURPOSE_ANY) == X509_V_OK);
  CHECK(ca.key_pem.rfind("-----BEGIN PRIVATE KEY-----", 0) == 0);
}

TEST_CASE("a client certificate verifies against its CA with its SAN and clientAuth",
          "[tools][certs]") {
  PemKeyAndCert ca = TestCa();
  auto client = IssueCertificate(ca, ClientRequest());
  REQUIRE(client.ok());
  CHECK(VerifyError(ca.cert_pem, client->cert_pem, X509_PURPOSE_SSL_CLIENT) == X509_V_OK);
  // clientAuth only: it cannot serve as a TLS server.
  CHECK(VerifyError(ca.cert_pem, client->cert_pem, X509_PURPOSE_SSL_SERVER) ==
        X509_V_ERR_INVALID_PURPOSE);

  X509Ptr cert = ParseCert(client->cert_pem);
  REQUIRE(cert);
  CHECK(Rfc2253(X509_get_subject_name(cert.get())) == "CN=police-dk,O=caseledger dev");
  CHECK(SubjectAltNames(cert.get()) ==
        std::vector<std::string>{"URI:caseledger://principal/police-dk"});
  CHECK(X509_get_extended_key_usage(cert.get()) == XKU_SSL_CLIENT);
  CHECK(X509_check_ca(cert.get()) == 0);
  CHECK(ExtensionIsCritical(cert.get(), NID_basic_constraints));
  CHECK(X509_get0_subject_key_id(cert.get()) != nullptr);
  X509Ptr ca_cert = ParseCert(ca.cert_pem);
  REQUIRE(X509_get0_authority_key_id(cert.get()) != nullptr);
  CHECK(ASN1_OCTET_STRING_cmp(X509_get0_authority_key_id(cert.get()),
                              X509_get0_subject_key_id(ca_cert.get())) == 0);
  CHECK(X509_get_signature_nid(cert.get()) == NID_ecdsa_with_SHA256);
}

TEST_CASE("a server certificate matches localhost and both loopback addresses",
          "[tools][certs]") {
  PemKeyAndCert ca = TestCa();
  CertRequest r;
  r.common_name = "localhost";
  r.subject_alt_names = {"DNS:localhost", "IP:127.0.0.1", "IP:::1"};
  r.server = true;
  auto server = IssueCertificate(ca, r);
  REQUIRE(server.ok());
  CHECK(VerifyError(ca.cert_pem, server->cert_pem, X509_PURPOSE_SSL_SERVER) == X509_V_OK);
  X509Ptr cert = ParseCert(server->cert_pem);
  CHECK(X509_get_extended_key_usage(cert.get()) == XKU_SSL_SERVER);
  CHECK(X509_check_host(cert.get(), "localhost", 0, 0, nullptr) == 1);
  CHECK(X509_check_ip_asc(cert.get(), "127.0.0.1", 0) == 1);
  CHECK(X509_check_ip_asc(cert.get(), "::1", 0) == 1);
  CHECK(X509_check_host(cert.get(), "example.org", 0, 0, nullptr) == 0);
  CHECK(SubjectAltNames(cert.get()) ==
        std::vector<std::string>{"DNS:localhost", "IP:4 bytes", "IP:16 bytes"});
}

TEST_CASE("an expired certificate fails verification as expired", "[tools][certs]") {
  PemKeyAndCert ca = TestCa();
  CertRequest r = ClientRequest();
  r.valid_from_offset_seconds = -2 * 3600;
  r.valid_seconds = 60;
  auto expired = IssueCertificate(ca, r);
  REQUIRE(expired.ok());
  CHECK(VerifyError(ca.cert_pem, expired->cert_pem) == X509_V_ERR_CERT_HAS_EXPIRED);

  r.valid_from_offset_seconds = 3600;  // not valid yet
  r.valid_seconds = 3600;
  auto future = IssueCertificate(ca, r);
  REQUIRE(future.ok());
  CHECK(VerifyError(ca.cert_pem, future->cert_pem) == X509_V_ERR_CERT_NOT_YET_VALID);
}

TEST_CASE("a certificate from another CA fails verification", "[tools][certs]") {
  PemKeyAndCert ca = TestCa();
  PemKeyAndCert other = TestCa();  // same name, different key
  auto client = IssueCertificate(other, ClientRequest());
  REQUIRE(client.ok());
  const int error = VerifyError(ca.cert_pem, client->cert_pem);
  CHECK(error != X509_V_OK);
  // Same subject, so OpenSSL finds the trusted CA by name and the signature fails.
  CHECK((error == X509_V_ERR_CERT_SIGNATURE_FAILURE ||
         error == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY));

  PemKeyAndCert differently_named = TestCa("another CA");
  auto stranger = IssueCertificate(differently_named, ClientRequest());
  REQUIRE(stranger.ok());
  CHECK(VerifyError(ca.cert_pem, stranger->cert_pem) ==
        X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
}

TEST_CASE("serial numbers are random, positive and at most 128 bits", "[tools][certs]") {
  PemKeyAndCert ca = TestCa();
  auto a = IssueCertificate(ca, ClientRequest());
  auto b = IssueCertificate(ca, ClientRequest());
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  X509Ptr ca_cert = ParseCert(ca.cert_pem);
  X509Ptr ca_a = ParseCert(a->cert_pem), ca_b = ParseCert(b->cert_pem);
  const ASN1_INTEGER* sa = X509_get0_serialNumber(ca_a.get());
  const ASN1_INTEGER* sb = X509_get0_serialNumber(ca_b.get());
  CHECK(ASN1_INTEGER_cmp(sa, sb) != 0);
  CHECK(ASN1_INTEGER_cmp(sa, X509_get0_serialNumber(ca_cert.get())) != 0);
  for (const ASN1_INTEGER* s : {sa, sb}) {
    CHECK(ASN1_STRING_type(s) == V_ASN1_INTEGER);  // V_ASN1_NEG_INTEGER when negative
    CHECK(ASN1_STRING_length(s) <= 16);
  }
}

TEST_CASE("malformed requests and CAs are refused as InvalidArgument", "[tools][certs]") {
  CHECK(MakeCertificateAuthority("", -3600, 3600).status().IsInvalidArgument());
  CHECK(MakeCertificateAuthority(std::string(65, 'x'), -3600, 3600).status().IsInvalidArgument());
  CHECK(MakeCertificateAuthority("ca", -3600, 0).status().IsInvalidArgument());
  CHECK(MakeCertificateAuthority("ca", -3600, 200LL * 366 * 86400).status().IsInvalidArgument());
  CHECK(MakeCertificateAuthority("ca\n", -3600, 3600).status().IsInvalidArgument());
  CHECK(MakeCertificateAuthority("\xff\xfe", -3600, 3600).status().IsInvalidArgument());

  PemKeyAndCert ca = TestCa();
  for (const char* bad : {"localhost", "EMAIL:a@b", "DNS:", "IP:300.1.1.1", "IP:localhost",
                          "URI:a b", "URI:no-scheme", "DNS:a,IP:1.2.3.4", "DNS:a_b.example"}) {
    CertRequest r = ClientRequest();
    r.subject_alt_names = {bad};
    INFO(bad);
    CHECK(IssueCertificate(ca, r).status().IsInvalidArgument());
  }

  auto client = IssueCertificate(ca, ClientRequest());
  REQUIRE(client.ok());
  CHECK(IssueCertificate(*client, ClientRequest()).status().IsInvalidArgument());  // not a CA
  PemKeyAndCert mismatched{TestCa().key_pem, ca.cert_pem};
  CHECK(IssueCertificate(mismatched, ClientRequest()).status().IsInvalidArgument());
  CHECK(IssueCertificate(PemKeyAndCert{"junk", ca.cert_pem}, ClientRequest())
            .status()
            .IsInvalidArgument());
  CHECK(IssueCertificate(PemKeyAndCert{ca.key_pem, "junk"}, ClientRequest())
            .status()
            .IsInvalidArgument());
}

TEST_CASE("dev certificates: keys 0600, every certificate verifies for its purpose",
          "[tools][certs]") {
  TempDir tmp;
  const std::string dir = tmp.Sub("certs/nested");  // made when missing
  auto written = MakeDevCertificates({dir, 30});
  REQUIRE(written.ok());
  CHECK(written->size() == 4 + 2 * DevPrincipals().size() + 1);
  CHECK(written->front() == dir + "/ca.pem");
  CHECK(written->back() == dir + "/caseledgerd.toml");

  for (const std::string& path : *written) {
    struct stat st;
    REQUIRE(::stat(path.c_str(), &st) == 0);
    INFO(path);
    if (path.size() > 4 && path.substr(path.size() - 4) == ".key") {
      CHECK((st.st_mode & 07777) == 0600);
    } else {
      CHECK((st.st_mode & 07777 & ~0644) == 0);  // nothing beyond 0644
    }
  }

  const std::string ca = ReadFile(dir + "/ca.pem");
  CHECK(VerifyError(ca, ReadFile(dir + "/server.pem"), X509_PURPOSE_SSL_SERVER) == X509_V_OK);
  for (const DevPrincipal& p : DevPrincipals()) {
    INFO(p.name);
    const std::string pem = ReadFile(dir + "/" + p.name + ".pem");
    CHECK(VerifyError(ca, pem, X509_PURPOSE_SSL_CLIENT) == X509_V_OK);
    X509Ptr cert = ParseCert(pem);
    CHECK(SubjectAltNames(cert.get()) ==
          std::vector<std::string>{"URI:caseledger://principal/" + p.name});
    CHECK(Rfc2253(X509_get_subject_name(cert.get())) == "CN=" + p.name + ",O=caseledger dev");
    // The key on disk belongs to the certificate.
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_file((dir + "/" + p.name + ".key").c_str(), "r"),
                                                  &BIO_free);
    std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
        PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr), &EVP_PKEY_free);
    REQUIRE(key);
    CHECK(X509_check_private_key(cert.get(), key.get()) == 1);
  }
}

TEST_CASE("dev certificates: a second run into the same directory is refused and changes nothing",
          "[tools][certs]") {
  TempDir tmp;
  const std::string dir = tmp.path();
  auto first = MakeDevCertificates({dir, 365});
  REQUIRE(first.ok());
  std::map<std::string, std::string> before;
  for (const auto& entry : std::filesystem::directory_iterator(dir))
    before[entry.path().string()] = ReadFile(entry.path().string());

  auto second = MakeDevCertificates({dir, 365});
  CHECK(second.status().IsInvalidArgument());
  CHECK_THAT(second.status().message(), Catch::Contains("ca.pem already exists"));

  // Any one file left from a run is enough to refuse, not only ca.pem.
  TempDir partial;
  { std::ofstream(partial.Sub("police.key")) << "old"; }
  CHECK(MakeDevCertificates({partial.path(), 365}).status().IsInvalidArgument());
  CHECK(ReadFile(partial.Sub("police.key")) == "old");
  CHECK(!std::filesystem::exists(partial.Sub("ca.pem")));

  std::map<std::string, std::string> after;
  for (const auto& entry : std::filesystem::directory_iterator(dir))
    after[entry.path().string()] = ReadFile(entry.path().string());
  CHECK(after == before);
}

TEST_CASE("dev certificates: the server configuration maps every principal by SAN",
          "[tools][certs]") {
  TempDir tmp;
  REQUIRE(MakeDevCertificates({tmp.path(), 365}).ok());
  const std::string toml = ReadFile(tmp.Sub("caseledgerd.toml"));
  CHECK_THAT(toml, Catch::Contains("listen = \"127.0.0.1:7450\"\n"));
  CHECK_THAT(toml, Catch::Contains("data_dir = \"data\"\n"));
  CHECK_THAT(toml, Catch::Contains("metrics_listen = \"127.0.0.1:7451\"\n"));
  CHECK_THAT(toml, Catch::Contains("[tls]\ncertificate = \"server.pem\"\nprivate_key = "
                                   "\"server.key\"\nclient_ca = \"ca.pem\"\n"));
  size_t tables = 0;
  for (size_t at = toml.find("[[principal]]"); at != std::string::npos;
       at = toml.find("[[principal]]", at + 1)) {
    ++tables;
  }
  CHECK(tables == DevPrincipals().size());
  for (const DevPrincipal& p : DevPrincipals()) {
    INFO(p.name);
    CHECK_THAT(toml, Catch::Contains("[[principal]]\nid = \"" + p.name + "\"\nsan = "
                                     "\"URI:caseledger://principal/" + p.name +
                                     "\"\nagency_id = \"" + p.agency_id + "\"\nagency_role = \"" +
                                     p.agency_role + "\"\nuser_role = \"" + p.user_role + "\"\n"));
  }
}

TEST_CASE("certs prints the files and warns they are for development, refuses bad use",
          "[tools][certs]") {
  TempDir tmp;
  std::ostringstream out, err;
  CHECK(RunCerts({tmp.Sub("dev"), 10}, out, err) == 0);
  CHECK_THAT(out.str(), Catch::Contains(tmp.Sub("dev") + "/ca.pem\n"));
  CHECK_THAT(out.str(), Catch::Contains(tmp.Sub("dev") + "/caseledgerd.toml\n"));
  CHECK_THAT(out.str(), Catch::Contains("development certificates only"));
  CHECK(err.str().empty());

  std::ostringstream out2, err2;
  CHECK(RunCerts({tmp.Sub("dev"), 10}, out2, err2) == 2);
  CHECK_THAT(err2.str(), Catch::Contains("already exists"));
  std::ostringstream out3, err3;
  CHECK(RunCerts({tmp.Sub("other"), 0}, out3, err3) == 2);
  CHECK(!std::filesystem::exists(tmp.Sub("other")));
}

}  // namespace
}  // namespace caseledger::tools
