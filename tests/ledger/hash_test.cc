#include "ledger/hash.h"

#include <catch2/catch.hpp>

namespace caseledger {
namespace {

TEST_CASE("SHA-256 matches the FIPS 180-2 example", "[ledger][hash]") {
  CHECK(ToHex(Sha256(AsBytes("abc"))) ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(ToHex(Sha256({})) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST_CASE("leaf and node hashes carry the RFC 6962 domain prefixes", "[ledger][hash]") {
  // RFC 6962 test data: the leaf hash of the empty leaf input is SHA-256(0x00).
  CHECK(ToHex(LeafHash({})) == "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d");
  const std::string one("\x01", 1);
  Hash256 l = LeafHash({}), r = LeafHash(AsBytes("x"));
  std::string joined = one + std::string(l.begin(), l.end()) + std::string(r.begin(), r.end());
  CHECK(NodeHash(l, r) == Sha256(AsBytes(joined)));
}

TEST_CASE("hex round-trips and refuses what is not hex", "[ledger][hash]") {
  auto decoded = FromHex("00ff10Ab");
  REQUIRE(decoded.ok());
  CHECK(*decoded == std::string("\x00\xff\x10\xab", 4));
  CHECK(ToHex(AsBytes(*decoded)) == "00ff10ab");
  CHECK(FromHex("abc").status().IsInvalidArgument());
  CHECK(FromHex("zz").status().IsInvalidArgument());
}

}  // namespace
}  // namespace caseledger
