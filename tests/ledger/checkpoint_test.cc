#include "ledger/checkpoint.h"

#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <random>

#include "tests/support/temp_dir.h"

namespace caseledger {
namespace {

using testing::TempDir;

constexpr std::string_view kEmDash = "\xE2\x80\x94";

// Known answers from golang.org/x/mod/sumdb/note (note_test.go: TestSign, TestOpen).
constexpr std::string_view kPeterSkey =
    "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
constexpr std::string_view kPeterVkey =
    "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
constexpr std::string_view kEnochVkey =
    "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop";
constexpr std::string_view kPeterText =
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n";
constexpr std::string_view kPeterSig =
    "\xE2\x80\x94 PeterNeumann "
    "x08go/ZJkuBS9UG/"
    "SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
constexpr std::string_view kEnochSig =
    "\xE2\x80\x94 EnochRoot "
    "rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/"
    "5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n";

// The Go checksum database's published key (cmd/go/internal/modfetch/key.go) and two tree
// heads it signed, in the checkpoint format tlog-checkpoint grew out of.
constexpr std::string_view kSumdbVkey =
    "sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8";
constexpr std::string_view kSumdbNote1 =
    "go.sum database tree\n31700353\nqINS1GRFhWHwdkUeqLEoP4yEMkTBBzxBkGwGQlVlVcs=\n\n"
    "\xE2\x80\x94 sum.golang.org "
    "Az3grnmrIUEDFqHzAElIQCPNoRFRAAdFo47fooyWKMHb89k11GJh5zHIfNCOBmwn/C3YI8oW9/"
    "C8DJ87F61QqspBYwM=\n";
constexpr std::string_view kSumdbNote2 =
    "go.sum database tree\n65209736\n5+uGFjx6xBZG8ip1+wi77v+grwbhhukIrxEUS8PXvRo=\n\n"
    "\xE2\x80\x94 sum.golang.org "
    "Az3grnbssgK7ubgFX36gVETtNv0U23qxyAhAMai2QUfeGa3nB/akvkMdlUErfcZz7l/"
    "R3cVtYspg3dxXABkGZZKdsQ8=\n";

Hash256 SomeRoot(uint64_t seed) {
  std::mt19937_64 rng(seed);
  Hash256 h;
  for (auto& b : h) b = static_cast<uint8_t>(rng());
  return h;
}

SigningKey NewKey(std::string_view name) {
  Result<SigningKey> key = SigningKey::Generate(name);
  REQUIRE(key.ok());
  return std::move(key).value();
}

VerifierKey ParseVkey(std::string_view text) {
  Result<VerifierKey> key = VerifierKey::Parse(text);
  INFO(key.status().ToString());
  REQUIRE(key.ok());
  return *key;
}

std::string Sign(const SigningKey& key, std::string_view origin, uint64_t size,
                 const Hash256& root) {
  Result<std::string> note = SignCheckpoint(key, origin, size, root);
  REQUIRE(note.ok());
  return *note;
}

std::string SignText(const SigningKey& key, std::string_view text) {
  Result<std::string> note = SignNote(key, text);
  INFO(note.status().ToString());
  REQUIRE(note.ok());
  return *note;
}

std::string Replace(std::string s, std::string_view from, std::string_view to) {
  const size_t at = s.find(from);
  REQUIRE(at != std::string::npos);
  return s.replace(at, from.size(), to);
}

// The signature blob (key id || signature) of the note's first signature line.
std::string SignatureBlob(const std::string& note) {
  const size_t line = note.rfind("\n\n") + 2;
  const size_t space = note.find(' ', line + kEmDash.size() + 1);
  Result<std::string> blob =
      DecodeBase64(std::string_view(note).substr(space + 1, note.find('\n', space) - space - 1));
  REQUIRE(blob.ok());
  return *blob;
}

std::string WithSignatureBlob(const std::string& note, const std::string& blob) {
  const size_t line = note.rfind("\n\n") + 2;
  const size_t space = note.find(' ', line + kEmDash.size() + 1);
  return note.substr(0, space + 1) + EncodeBase64(AsBytes(blob)) +
         note.substr(note.find('\n', space));
}

TEST_CASE("a signed checkpoint opens with its verifier key and gives back origin, size and root",
          "[ledger][checkpoint]") {
  const SigningKey key = NewKey("caseledger.example/log");
  const Hash256 root = SomeRoot(1);
  const std::string note = Sign(key, "caseledger.example/log", 42, root);

  // The exact layout of c2sp.org/tlog-checkpoint.
  const std::string text = "caseledger.example/log\n42\n" + EncodeBase64(root) + "\n";
  REQUIRE(note.starts_with(text + "\n" + std::string(kEmDash) + " caseledger.example/log "));
  CHECK(note.back() == '\n');
  const std::string blob = SignatureBlob(note);
  REQUIRE(blob.size() == 4 + 64);
  const uint32_t id = uint32_t{uint8_t(blob[0])} << 24 | uint32_t{uint8_t(blob[1])} << 16 |
                      uint32_t{uint8_t(blob[2])} << 8 | uint8_t(blob[3]);
  CHECK(id == key.key_id());
  CHECK(key.verifier().Verify(AsBytes(text), AsBytes(std::string_view(blob).substr(4))));

  Result<Checkpoint> cp = ParseAndVerifyCheckpoint(note, key.verifier());
  INFO(cp.status().ToString());
  REQUIRE(cp.ok());
  CHECK(cp->origin == "caseledger.example/log");
  CHECK(cp->size == 42);
  CHECK(cp->root == root);
  CHECK(cp->extensions.empty());

  // Through the verifier key string too, and with the empty tree.
  const std::string empty = Sign(key, "caseledger.example/log", 0, Sha256({}));
  cp = ParseAndVerifyCheckpoint(empty, ParseVkey(key.verifier().ToString()));
  REQUIRE(cp.ok());
  CHECK(cp->size == 0);
  CHECK(ToHex(cp->root) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST_CASE("altering the size, root, origin or signature of a checkpoint fails verification",
          "[ledger][checkpoint]") {
  const SigningKey key = NewKey("caseledger.example/log");
  const Hash256 root = SomeRoot(2);
  const std::string note = Sign(key, "caseledger.example/log", 1234, root);
  REQUIRE(ParseAndVerifyCheckpoint(note, key.verifier()).ok());

  const std::string other_root = EncodeBase64(SomeRoot(3));
  for (const std::string& bad :
       {Replace(note, "\n1234\n", "\n1235\n"), Replace(note, "\n1234\n", "\n12340\n"),
        Replace(note, EncodeBase64(root), other_root),
        Replace(note, "caseledger.example/log\n", "caseledger.example/lag\n")}) {
    Result<Checkpoint> cp = ParseAndVerifyCheckpoint(bad, key.verifier());
    CHECK(cp.status().IsCorruption());
    CHECK(cp.status().message().find("does not verify") != std::string::npos);
  }
  // Every bit of the signature (not the key id) matters.
  const std::string blob = SignatureBlob(note);
  for (size_t bit = 32; bit < blob.size() * 8; bit += 7) {
    std::string flipped = blob;
    flipped[bit / 8] ^= static_cast<char>(1 << (bit % 8));
    CHECK(ParseAndVerifyCheckpoint(WithSignatureBlob(note, flipped), key.verifier())
              .status()
              .IsCorruption());
  }
  // A flipped key id no longer names this key.
  std::string other_id = blob;
  other_id[0] ^= 1;
  CHECK(ParseAndVerifyCheckpoint(WithSignatureBlob(note, other_id), key.verifier())
            .status()
            .IsInvalidArgument());
}

TEST_CASE("a checkpoint is refused by another key, even one with the same name and key id",
          "[ledger][checkpoint]") {
  const SigningKey key = NewKey("caseledger.example/log");
  const SigningKey other = NewKey("caseledger.example/log");
  const std::string note = Sign(key, "caseledger.example/log", 7, SomeRoot(4));

  Result<Checkpoint> cp = ParseAndVerifyCheckpoint(note, other.verifier());
  CHECK(cp.status().IsInvalidArgument());
  CHECK(cp.status().message().find("no signature by caseledger.example/log+") != std::string::npos);

  // The other key's signature, labelled with our key's id: the id matches, the signature not.
  std::string forged_blob = SignatureBlob(Sign(other, "caseledger.example/log", 7, SomeRoot(4)));
  const std::string ours = SignatureBlob(note);
  forged_blob.replace(0, 4, ours.substr(0, 4));
  CHECK(ParseAndVerifyCheckpoint(WithSignatureBlob(note, forged_blob), key.verifier())
            .status()
            .IsCorruption());

  // A second, bad line by our key spoils a good one.
  std::string bad_blob = ours;
  bad_blob.back() ^= 1;
  const std::string bad_note = WithSignatureBlob(note, bad_blob);
  CHECK(ParseAndVerifyCheckpoint(note + bad_note.substr(bad_note.rfind("\n\n") + 2), key.verifier())
            .status()
            .IsCorruption());
}

TEST_CASE("a note signed by two keys opens with either and ignores unknown signers",
          "[ledger][checkpoint]") {
  const SigningKey a = NewKey("a.example/log");
  const SigningKey b = NewKey("b.example/witness");
  const std::string text = "a.example/log\n9\n" + EncodeBase64(SomeRoot(5)) + "\n";
  const std::string from_b = SignText(b, text);
  const std::string note = SignText(a, text) + from_b.substr(from_b.rfind("\n\n") + 2);
  CHECK(ParseAndVerifyCheckpoint(note, a.verifier()).ok());
  CHECK(ParseAndVerifyCheckpoint(note, b.verifier()).ok());
  Result<Checkpoint> unverified = ParseCheckpointUnverified(note);
  REQUIRE(unverified.ok());
  CHECK(unverified->size == 9);
}

TEST_CASE("signing reproduces the Go note package's known answer", "[ledger][checkpoint]") {
  Result<SigningKey> peter = SigningKey::Parse(kPeterSkey);
  INFO(peter.status().ToString());
  REQUIRE(peter.ok());
  CHECK(peter->name() == "PeterNeumann");
  CHECK(peter->key_id() == 0xc74f20a3);
  CHECK(peter->verifier().ToString() == kPeterVkey);
  CHECK(peter->ToPrivateString() == kPeterSkey);

  const std::string want = std::string(kPeterText) + "\n" + std::string(kPeterSig);
  CHECK(SignText(*peter, kPeterText) == want);

  // Opened with Peter's key, Enoch's signature (unknown here) is ignored.
  const std::string both = want + std::string(kEnochSig);
  Result<std::string> text = OpenNote(both, ParseVkey(kPeterVkey));
  REQUIRE(text.ok());
  CHECK(*text == kPeterText);
  text = OpenNote(both, ParseVkey(kEnochVkey));
  REQUIRE(text.ok());
  CHECK(*text == kPeterText);
  // Go's "invalid signature" case: four characters inserted into the signature.
  std::string mangled = std::string(kPeterText) + "\n" + std::string(kPeterSig.substr(0, 60)) +
                        "ABCD" + std::string(kPeterSig.substr(60));
  CHECK(OpenNote(mangled, ParseVkey(kPeterVkey)).status().IsCorruption());
  // Go's malformed messages.
  const std::string t(kPeterText), s(kPeterSig);
  for (const std::string& bad :
       {t, t + "\n", t + "\n" + s.substr(0, s.size() - 1), "\x01" + t + "\n" + s,
        "\xff" + t + "\n" + s,
        t + "\n" + std::string(kEmDash) + " Bad Name " + s.substr(s.find(' ', 5) + 1),
        t + "\n" + s + "Unexpected line.\n"}) {
    CHECK(OpenNote(bad, ParseVkey(kPeterVkey)).status().IsInvalidArgument());
  }
}

TEST_CASE("real sum.golang.org tree heads verify with the published key", "[ledger][checkpoint]") {
  const VerifierKey sumdb = ParseVkey(kSumdbVkey);
  CHECK(sumdb.key_id() == 0x033de0ae);
  Result<Checkpoint> cp = ParseAndVerifyCheckpoint(kSumdbNote1, sumdb);
  INFO(cp.status().ToString());
  REQUIRE(cp.ok());
  CHECK(cp->origin == "go.sum database tree");
  CHECK(cp->size == 31700353);
  CHECK(EncodeBase64(cp->root) == "qINS1GRFhWHwdkUeqLEoP4yEMkTBBzxBkGwGQlVlVcs=");
  cp = ParseAndVerifyCheckpoint(kSumdbNote2, sumdb);
  REQUIRE(cp.ok());
  CHECK(cp->size == 65209736);
  CHECK(ParseAndVerifyCheckpoint(Replace(std::string(kSumdbNote2), "65209736", "65209737"), sumdb)
            .status()
            .IsCorruption());
  CHECK(ParseAndVerifyCheckpoint(kSumdbNote1, ParseVkey(kPeterVkey)).status().IsInvalidArgument());
}

TEST_CASE("the c2sp.org/tlog-checkpoint example parses without verification",
          "[ledger][checkpoint]") {
  const std::string example =
      "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n" +
      std::string(kEmDash) +
      " example.com/behind-the-sofa "
      "Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/"
      "Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n";
  Result<Checkpoint> cp = ParseCheckpointUnverified(example);
  INFO(cp.status().ToString());
  REQUIRE(cp.ok());
  CHECK(cp->origin == "example.com/behind-the-sofa");
  CHECK(cp->size == 20852163);
  CHECK(EncodeBase64(cp->root) == "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=");
}

TEST_CASE("key ids are the first four bytes of SHA-256 of name, newline, 0x01 and the key",
          "[ledger][checkpoint]") {
  for (const char* name : {"a", "caseledger.example/log", "sum.golang.org", "ünïcode/log"}) {
    const SigningKey key = NewKey(name);
    std::string input = std::string(name) + "\n\x01";
    input.append(reinterpret_cast<const char*>(key.verifier().public_key().data()), 32);
    const Hash256 h = Sha256(AsBytes(input));
    const uint32_t want = uint32_t{h[0]} << 24 | uint32_t{h[1]} << 16 | uint32_t{h[2]} << 8 | h[3];
    CHECK(key.key_id() == want);
    CHECK(Ed25519KeyId(name, key.verifier().public_key()) == want);
    CHECK(key.verifier().ToString() ==
          std::string(name) + "+" + ToHex(std::span(h).first(4)) + "+" +
              EncodeBase64(AsBytes("\x01" + std::string(reinterpret_cast<const char*>(
                                                            key.verifier().public_key().data()),
                                                        32))));
    CHECK(ParseVkey(key.verifier().ToString()).public_key() == key.verifier().public_key());
  }
  CHECK(ParseVkey(kEnochVkey).key_id() == 0xaf0cfe78);
  CHECK(ParseVkey(kPeterVkey).name() == "PeterNeumann");
}

TEST_CASE("every mangled verifier or signer key string is refused", "[ledger][checkpoint]") {
  // As Go's TestNewVerifier and TestNewSigner: every proper substring and every byte bumped.
  for (std::string_view key : {kPeterVkey, kPeterSkey}) {
    const bool is_private = key.starts_with("PRIVATE");
    auto accepted = [&](const std::string& k) {
      return is_private ? SigningKey::Parse(k).ok() : VerifierKey::Parse(k).ok();
    };
    REQUIRE(accepted(std::string(key)));
    for (size_t i = 0; i <= key.size(); ++i) {
      for (size_t j = i + 1; j <= key.size(); ++j) {
        if (i == 0 && j == key.size()) continue;
        const std::string part(key.substr(i, j - i));
        if (accepted(part)) FAIL_CHECK("accepted " << part);
      }
    }
    for (size_t i = 0; i < key.size(); ++i) {
      std::string bumped(key);
      ++bumped[i];
      if (accepted(bumped)) FAIL_CHECK("accepted " << bumped);
    }
  }
  // Wrong key length and unknown algorithm, each with a key id made to match.
  CHECK(VerifierKey::Parse(
            "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==")
            .status()
            .IsInvalidArgument());
  CHECK(VerifierKey::Parse("PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")
            .status()
            .IsInvalidArgument());
  CHECK_FALSE(SigningKey::Generate("bad name").ok());
  CHECK_FALSE(SigningKey::Generate("a+b").ok());
  CHECK_FALSE(SigningKey::Generate("").ok());
  CHECK_FALSE(SigningKey::Generate("no\xc2\xa0"
                                   "break")
                  .ok());
  CHECK_FALSE(SigningKey::Generate("\xff").ok());
}

TEST_CASE(
    "a private key file is written 0600, reloads to the same key, and is refused when "
    "group or others can open it",
    "[ledger][checkpoint]") {
  TempDir dir;
  const std::string path = dir.Sub("log.key");
  const SigningKey key = NewKey("caseledger.example/log");
  REQUIRE(key.SaveToFile(path).ok());
  struct stat st;
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0600);

  Result<SigningKey> loaded = SigningKey::LoadFromFile(path);
  INFO(loaded.status().ToString());
  REQUIRE(loaded.ok());
  CHECK(loaded->key_id() == key.key_id());
  CHECK(loaded->verifier().ToString() == key.verifier().ToString());
  // Ed25519 is deterministic: the same key gives the same signature.
  CHECK(SignText(*loaded, "text\n") == SignText(key, "text\n"));

  CHECK(key.SaveToFile(path).IsIOError());  // never overwrites a key

  for (mode_t mode : {0644, 0640, 0604, 0620}) {
    REQUIRE(::chmod(path.c_str(), mode) == 0);
    Result<SigningKey> refused = SigningKey::LoadFromFile(path);
    CHECK(refused.status().code() == Status::Code::kPermissionDenied);
    char octal[8];
    std::snprintf(octal, sizeof octal, "%04o", static_cast<unsigned>(mode));
    CHECK(refused.status().message().find(octal) != std::string::npos);
  }
  REQUIRE(::chmod(path.c_str(), 0400) == 0);
  CHECK(SigningKey::LoadFromFile(path).ok());

  CHECK(SigningKey::LoadFromFile(dir.Sub("missing.key")).status().IsIOError());
  const std::string public_only = dir.Sub("public.key");
  {
    std::ofstream out(public_only);
    out << key.verifier().ToString() << "\n";
  }
  REQUIRE(::chmod(public_only.c_str(), 0600) == 0);
  CHECK(SigningKey::LoadFromFile(public_only).status().IsInvalidArgument());
}

TEST_CASE("malformed checkpoint notes are refused with the place named", "[ledger][checkpoint]") {
  const SigningKey key = NewKey("log");
  const std::string root = EncodeBase64(SomeRoot(6));
  const std::string good = Sign(key, "log", 5, SomeRoot(6));
  const std::string sig_line = good.substr(good.rfind("\n\n") + 2);
  struct Case {
    std::string note;
    std::string says;
  };
  const std::vector<Case> notes = {
      {"log\n5\n" + root + "\n", "no blank line"},
      {"log\n5\n" + root + "\n\n", "no signature line"},
      {good.substr(0, good.size() - 1), "does not end in a newline"},
      {"log\r\n5\n" + root + "\n\n" + sig_line, "line 1 holds control character"},
      {"log\n5\n" + root + "\n\n" + "-- log " + sig_line.substr(sig_line.find(' ', 4) + 1),
       "em dash"},
      {"log\n5\n" + root + "\n\n" + Replace(sig_line, " log ", " log  "), "base64"},
      {"log\n5\n" + root + "\n\n" + std::string(kEmDash) + " log AAAA\n",
       "no signature after the key id"},
      {"lo\xc3\n5\n" + root + "\n\n" + sig_line, "line 1 is not valid UTF-8"},
      {"log\n5\n" + root + "\n\n" + sig_line + "trailing\n", "signature line 6"},
  };
  for (const Case& c : notes) {
    INFO(c.note);
    for (const Status& s : {ParseAndVerifyCheckpoint(c.note, key.verifier()).status(),
                            ParseCheckpointUnverified(c.note).status()}) {
      INFO(s.ToString());
      CHECK(s.IsInvalidArgument());
      CHECK(s.message().find(c.says) != std::string::npos);
    }
  }
  std::string many = "log\n5\n" + root + "\n\n";
  for (int i = 0; i < 101; ++i) many += sig_line;
  CHECK(ParseCheckpointUnverified(many).status().message().find("more than 100") !=
        std::string::npos);
}

TEST_CASE("checkpoint text needs an origin, a plain decimal size and a 32-byte root",
          "[ledger][checkpoint]") {
  const SigningKey key = NewKey("log");
  const std::string root = EncodeBase64(SomeRoot(7));
  auto open = [&](const std::string& text) {
    return ParseAndVerifyCheckpoint(SignText(key, text), key.verifier());
  };
  CHECK(open("log\n0\n" + root + "\n").ok());
  Result<Checkpoint> max = open("log\n18446744073709551615\n" + root + "\n");
  REQUIRE(max.ok());
  CHECK(max->size == UINT64_MAX);
  Result<Checkpoint> ext = open("log\n5\n" + root + "\nfirst extension\nsecond\n");
  REQUIRE(ext.ok());
  CHECK(ext->extensions == std::vector<std::string>{"first extension", "second"});

  struct Case {
    std::string text;
    std::string says;
  };
  const Hash256 root8 = SomeRoot(8);
  const std::string root31 = EncodeBase64(std::span(root8).first(31));
  const std::vector<Case> texts = {
      {"log\n5\n", "2 lines"},
      {"\n5\n" + root + "\n", "line 1 of the checkpoint is empty"},
      {"log\n05\n" + root + "\n", "line 2"},
      {"log\n-1\n" + root + "\n", "line 2"},
      {"log\n+1\n" + root + "\n", "line 2"},
      {"log\n 1\n" + root + "\n", "line 2"},
      {"log\n1.0\n" + root + "\n", "line 2"},
      {"log\n18446744073709551616\n" + root + "\n", "line 2"},
      {"log\n5\n" + root31 + "\n", "root hash is 31 bytes"},
      {"log\n5\n" + root.substr(1) + "\n", "line 3: root hash"},
      {"log\n5\n" + root + "\n\nextension after an empty line\n",
       "line 4 of the checkpoint is empty"},
  };
  for (const Case& c : texts) {
    INFO(c.text);
    const Status s = open(c.text).status();
    INFO(s.ToString());
    CHECK(s.IsInvalidArgument());
    CHECK(s.message().find(c.says) != std::string::npos);
  }
  CHECK(SignCheckpoint(key, "", 1, SomeRoot(9)).status().IsInvalidArgument());
  CHECK(SignCheckpoint(key, "two\nlines", 1, SomeRoot(9)).status().IsInvalidArgument());
  CHECK(SignNote(key, "no final newline").status().IsInvalidArgument());
  CHECK(SignNote(key, "tab\there\n").status().IsInvalidArgument());
}

TEST_CASE("base64 decoding accepts only what encoding produces", "[ledger][checkpoint]") {
  std::mt19937_64 rng(10);
  for (size_t n = 0; n <= 70; ++n) {
    std::string bytes(n, '\0');
    for (auto& c : bytes) c = static_cast<char>(rng());
    const std::string text = EncodeBase64(AsBytes(bytes));
    Result<std::string> back = DecodeBase64(text);
    REQUIRE(back.ok());
    CHECK(*back == bytes);
  }
  CHECK(DecodeBase64("")->empty());
  CHECK(*DecodeBase64("AA==") == std::string(1, '\0'));
  for (const char* bad :
       {"A", "AA", "AAA", "AA=", "A===", "====", "AB==", "AAB=", "AA=A", "=AAA", " AAAA", "AAAA ",
        "AAAA\n", "AA\nAA", "AAA-", "AA_A", "AAAA====", "ZG9uJ3QgY2FyZSAx="}) {
    INFO(bad);
    CHECK(DecodeBase64(bad).status().IsInvalidArgument());
  }
}

}  // namespace
}  // namespace caseledger
