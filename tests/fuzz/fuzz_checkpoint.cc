// Fuzz target: signed checkpoints and Merkle proofs as an auditor receives them
// (ledger/checkpoint, ledger/proof). Two input forms, told apart by the first byte:
// - '{': a proof document, as `caseledger prove` prints it (inclusion or consistency);
// - else: a verifier key string on the first line, then a checkpoint note signed by it (as
//   `caseledger stat` and `caseledger checkpoint` print them).
//
// Invariants, beyond "no crash, no sanitizer report":
// - a verifier key that parses prints to a string that parses to the same key;
// - a note that verifies also parses unverified to the same checkpoint; its signed text is a
//   prefix of it, and changing any one byte of that text makes verification fail;
// - a checkpoint that parses, signed again (with the fuzzer's own key), verifies and parses to
//   the same origin, size, root and extension lines;
// - a proof document formats to a line that parses to the same document and formats the same;
// - a proof that verifies fails once any one of its hashes (root, leaf hash, old or new root,
//   any proof hash) has a bit flipped.
#include <string>
#include <variant>

#include "ledger/checkpoint.h"
#include "ledger/proof.h"
#include "tests/fuzz/fuzz_check.h"

namespace caseledger::fuzz {
namespace {

const SigningKey& FuzzKey() {
  static const SigningKey* key = [] {
    auto generated = SigningKey::Generate("fuzz.example/log");
    FUZZ_CHECK(generated.ok(), generated.status().message());
    return new SigningKey(std::move(*generated));
  }();
  return *key;
}

bool Same(const Checkpoint& a, const Checkpoint& b) {
  return a.origin == b.origin && a.size == b.size && a.root == b.root &&
         a.extensions == b.extensions;
}

void CheckResigned(const Checkpoint& c) {
  auto note = SignCheckpoint(FuzzKey(), c.origin, c.size, c.root, c.extensions);
  FUZZ_CHECK(note.ok(), "a parsed checkpoint cannot be signed again: " + note.status().message());
  auto again = ParseAndVerifyCheckpoint(*note, FuzzKey().verifier());
  FUZZ_CHECK(again.ok(), "a re-signed checkpoint does not verify: " + again.status().message());
  FUZZ_CHECK(Same(c, *again), "a re-signed checkpoint parses differently:\n" + *note);
}

void CheckNote(std::string_view key_text, std::string_view note) {
  auto unverified = ParseCheckpointUnverified(note);
  if (unverified.ok()) CheckResigned(*unverified);
  auto key = VerifierKey::Parse(key_text);
  if (!key.ok()) return;
  auto reparsed_key = VerifierKey::Parse(key->ToString());
  FUZZ_CHECK(reparsed_key.ok() && reparsed_key->name() == key->name() &&
                 reparsed_key->key_id() == key->key_id() &&
                 reparsed_key->public_key() == key->public_key(),
             "verifier key does not round-trip: " + key->ToString());
  auto verified = ParseAndVerifyCheckpoint(note, *key);
  if (!verified.ok()) return;
  FUZZ_CHECK(unverified.ok() && Same(*verified, *unverified),
             "verified and unverified parses differ");
  auto text = OpenNote(note, *key);
  FUZZ_CHECK(text.ok(), "OpenNote refuses a verified checkpoint: " + text.status().message());
  FUZZ_CHECK(note.substr(0, text->size()) == *text, "signed text is not the note's prefix");
  // A few places rather than every byte: each verification costs OpenSSL's key setup.
  for (size_t i : {size_t{0}, text->size() / 2, text->size() - 1, note.size() % text->size()}) {
    std::string mutated(note);
    mutated[i] = static_cast<char>(mutated[i] ^ 0x01);
    FUZZ_CHECK(!ParseAndVerifyCheckpoint(mutated, *key).ok(),
               "verification accepts a changed byte at " + std::to_string(i));
  }
}

void Flip(std::string& hash) {
  if (!hash.empty()) hash[0] = static_cast<char>(hash[0] ^ 0x01);
}

// Every single-hash mutation of a verified proof must fail.
template <typename Doc, typename Each>
void CheckMutations(const Doc& doc, Each each_hash) {
  for (size_t i = 0;; ++i) {
    Doc mutated = doc;
    std::string* hash = each_hash(mutated, i);
    if (hash == nullptr) break;
    if (hash->size() != 32) continue;
    Flip(*hash);
    FUZZ_CHECK(!VerifyProof(mutated).ok(),
               "a proof verifies with hash " + std::to_string(i) + " changed");
  }
}

bool SameDoc(const InclusionProofDoc& a, const InclusionProofDoc& b) {
  return a.leaf_idx == b.leaf_idx && a.tree_size == b.tree_size && a.root == b.root &&
         a.leaf_hash == b.leaf_hash && a.proof == b.proof && a.checkpoint == b.checkpoint;
}

bool SameDoc(const ConsistencyProofDoc& a, const ConsistencyProofDoc& b) {
  return a.size1 == b.size1 && a.size2 == b.size2 && a.root1 == b.root1 && a.root2 == b.root2 &&
         a.proof == b.proof && a.checkpoint == b.checkpoint;
}

std::string* InclusionHash(InclusionProofDoc& d, size_t i) {
  if (i == 0) return &d.root;
  if (i == 1) return &d.leaf_hash;
  return i - 2 < d.proof.size() ? &d.proof[i - 2] : nullptr;
}

std::string* ConsistencyHash(ConsistencyProofDoc& d, size_t i) {
  if (i == 0) return &d.root1;
  if (i == 1) return &d.root2;
  return i - 2 < d.proof.size() ? &d.proof[i - 2] : nullptr;
}

void CheckProof(std::string_view json) {
  auto parsed = ParseProof(json);
  if (!parsed.ok()) return;
  std::visit(
      [](const auto& doc) {
        const std::string line = FormatProof(doc);
        auto again = ParseProof(line);
        FUZZ_CHECK(again.ok(), "a formatted proof does not parse: " + line);
        using Doc = std::decay_t<decltype(doc)>;
        FUZZ_CHECK(std::holds_alternative<Doc>(*again), "a formatted proof changes kind");
        FUZZ_CHECK(SameDoc(doc, std::get<Doc>(*again)), "a formatted proof parses differently");
        FUZZ_CHECK(FormatProof(std::get<Doc>(*again)) == line, "FormatProof is not stable");
        if (!doc.checkpoint.empty()) (void)ParseCheckpointUnverified(doc.checkpoint);
        if (!VerifyProof(doc).ok()) return;
        if constexpr (std::is_same_v<Doc, InclusionProofDoc>) {
          CheckMutations(doc, InclusionHash);
        } else {
          CheckMutations(doc, ConsistencyHash);
        }
      },
      *parsed);
}

}  // namespace
}  // namespace caseledger::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace caseledger::fuzz;
  const std::string_view input = AsText(data, size);
  if (!input.empty() && input[0] == '{') {
    CheckProof(input);
    return 0;
  }
  const size_t newline = input.find('\n');
  if (newline == std::string_view::npos) {
    CheckNote({}, input);
  } else {
    CheckNote(input.substr(0, newline), input.substr(newline + 1));
  }
  return 0;
}
