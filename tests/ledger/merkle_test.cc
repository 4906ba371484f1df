#include "ledger/merkle.h"
#include "ledger/proof.h"

#include <capnp/compat/json.h>
#include <capnp/message.h>
#include <kj/exception.h>

#include <algorithm>
#include <bit>
#include <catch2/catch.hpp>
#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <random>
#include <regex>
#include <set>
#include <sstream>

#include "ledger/checkpoint.h"  // DecodeBase64

namespace caseledger {
namespace {

namespace fs = std::filesystem;

// ---- The reference: RFC 6962 2.1 straight from the definitions, over a vector of leaf hashes.

using Leaves = std::span<const Hash256>;

uint64_t SplitPoint(uint64_t n) { return std::bit_floor(n - 1); }  // largest power of 2 < n

Hash256 RefMth(Leaves d) {
  if (d.empty()) return Sha256({});
  if (d.size() == 1) return d[0];
  const uint64_t k = SplitPoint(d.size());
  return NodeHash(RefMth(d.subspan(0, k)), RefMth(d.subspan(k)));
}

std::vector<Hash256> RefPath(uint64_t m, Leaves d) {
  if (d.size() <= 1) return {};
  const uint64_t k = SplitPoint(d.size());
  std::vector<Hash256> out = m < k ? RefPath(m, d.subspan(0, k)) : RefPath(m - k, d.subspan(k));
  out.push_back(m < k ? RefMth(d.subspan(k)) : RefMth(d.subspan(0, k)));
  return out;
}

std::vector<Hash256> RefSubproof(uint64_t m, Leaves d, bool b) {
  if (m == d.size()) return b ? std::vector<Hash256>{} : std::vector<Hash256>{RefMth(d)};
  const uint64_t k = SplitPoint(d.size());
  std::vector<Hash256> out =
      m <= k ? RefSubproof(m, d.subspan(0, k), b) : RefSubproof(m - k, d.subspan(k), false);
  out.push_back(m <= k ? RefMth(d.subspan(k)) : RefMth(d.subspan(0, k)));
  return out;
}

std::vector<Hash256> RefProof(uint64_t m, Leaves d) { return RefSubproof(m, d, true); }

// ---- Helpers.

std::vector<Hash256> RandomLeaves(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<Hash256> leaves(n);
  for (auto& leaf : leaves) {
    std::array<uint8_t, 24> input;
    for (auto& b : input) b = static_cast<uint8_t>(rng());
    leaf = LeafHash(input);
  }
  return leaves;
}

// A store read as of tree size `size`: nodes that are not complete at that size are missing,
// so a computation that peeks past the size fails instead of passing by luck.
class SizedView : public SubtreeSource {
 public:
  SizedView(const SubtreeSource& base, uint64_t size) : base_(base), size_(size) {}
  Result<Hash256> Get(uint32_t level, uint64_t index) const override {
    if (level >= 64 || (index + 1) > (size_ >> level)) {
      return Status::NotFound("not complete at size " + std::to_string(size_));
    }
    return base_.Get(level, index);
  }

 private:
  const SubtreeSource& base_;
  uint64_t size_;
};

// Builds the store of a tree by appending every leaf through a CompactRange.
MemorySubtreeStore StoreOf(Leaves leaves) {
  MemorySubtreeStore store;
  CompactRange range;
  for (const Hash256& leaf : leaves) store.PutAll(range.Append(leaf));
  return store;
}

// The O(log n) bound the reads must stay within.
uint64_t ReadBound(uint64_t size) { return 2 * std::bit_width(size) + 2; }

Hash256 FlipBit(Hash256 h, size_t bit) {
  h[bit / 8 % 32] ^= static_cast<uint8_t>(1u << (bit % 8));
  return h;
}

// ---- The published vectors, read in place from the shared folder.

fs::path VectorsDir() {
  const char* env = std::getenv("CASELEDGER_SHARED_DIR");
  const std::string base = env != nullptr && *env != '\0' ? env : CASELEDGER_SHARED_DIR;
  return fs::path(base) / "vectors" / "rfc6962";
}

// True if the vectors are there. Otherwise fails the test under CI=true, or warns and tells
// the caller to skip.
bool HaveVectors(const fs::path& dir) {
  if (fs::is_directory(dir)) return true;
  const char* ci = std::getenv("CI");
  if (ci != nullptr && std::string_view(ci) == "true") {
    FAIL("RFC 6962 vectors not found at "
         << dir.string()
         << " (CI=true, so this is a failure; set CASELEDGER_SHARED_DIR to the shared/ folder)");
  }
  WARN("SKIPPED: RFC 6962 vectors not found at "
       << dir.string() << "; set CASELEDGER_SHARED_DIR to the shared/ folder to run them");
  return false;
}

class JsonDoc {
 public:
  explicit JsonDoc(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    REQUIRE(in.good());
    std::stringstream buf;
    buf << in.rdbuf();
    text_ = buf.str();
    capnp::JsonCodec codec;
    root_ = message_.initRoot<capnp::JsonValue>();
    try {
      codec.decodeRaw(kj::arrayPtr(text_.data(), text_.size()), root_);
    } catch (const kj::Exception& e) {
      FAIL(path.string() << " is not JSON: " << e.getDescription().cStr());
    }
    REQUIRE(root_.isObject());
  }

  std::optional<capnp::JsonValue::Reader> Field(std::string_view name) const {
    for (auto f : root_.asReader().getObject()) {
      if (std::string_view(f.getName().cStr()) == name) return f.getValue();
    }
    return std::nullopt;
  }
  // The codec reads numbers as doubles, and some vectors hold 2^64 - 1: take the digits from
  // the text, and check that they are the number the codec saw.
  uint64_t Uint(std::string_view name) const {
    auto v = Field(name);
    REQUIRE(v.has_value());
    REQUIRE(v->isNumber());
    std::smatch m;
    const std::regex pattern("\"" + std::string(name) + "\"\\s*:\\s*([0-9]+)[\\s,}]");
    REQUIRE(std::regex_search(text_, m, pattern));
    uint64_t value = 0;
    const std::string digits = m[1].str();
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    REQUIRE((ec == std::errc() && end == digits.data() + digits.size()));
    REQUIRE(static_cast<double>(value) == v->getNumber());
    return value;
  }
  bool Bool(std::string_view name) const {
    auto v = Field(name);
    REQUIRE(v.has_value());
    REQUIRE(v->isBoolean());
    return v->getBoolean();
  }
  const std::string& text() const { return text_; }
  std::string Text(std::string_view name) const {
    auto v = Field(name);
    return v.has_value() && v->isString() ? std::string(v->getString().cStr()) : std::string();
  }
  std::string Bytes(capnp::JsonValue::Reader v) const {
    REQUIRE(v.isString());
    Result<std::string> b = DecodeBase64(v.getString().cStr());
    REQUIRE(b.ok());
    return *b;
  }
  std::string Bytes(std::string_view name) const {
    auto v = Field(name);
    REQUIRE(v.has_value());
    return Bytes(*v);
  }
  // "proof": null (or absent) is the empty proof.
  std::vector<std::string> ByteList(std::string_view name) const {
    std::vector<std::string> out;
    auto v = Field(name);
    if (!v.has_value() || v->isNull()) return out;
    REQUIRE(v->isArray());
    for (auto e : v->getArray()) out.push_back(Bytes(e));
    return out;
  }

 private:
  std::string text_;
  capnp::MallocMessageBuilder message_;
  capnp::JsonValue::Builder root_{nullptr};
};

std::optional<Hash256> AsHash(const std::string& bytes) {
  if (bytes.size() != 32) return std::nullopt;
  Hash256 h;
  std::copy(bytes.begin(), bytes.end(), h.begin());
  return h;
}

// Our verdict on one vector: rejected or not, and why.
struct Verdict {
  bool rejected;
  std::string why;
};

// Each vector goes through the same reader and verifier as `caseledger verify-proof`
// (ledger/proof.h): a document that does not parse is rejected, as is one that does not verify.
Verdict Run(const JsonDoc& v) {
  auto doc = ParseProof(v.text());
  if (!doc.ok()) return {true, doc.status().ToString()};
  Status s = std::visit([](const auto& d) { return VerifyProof(d); }, *doc);
  return {!s.ok(), s.ToString()};
}

struct Tree8 {
  std::vector<std::string> inputs;
  std::vector<Hash256> leaf_hashes;
  std::vector<Hash256> roots;  // by size, 0..8
};

Tree8 ReadTree8(const fs::path& dir) {
  JsonDoc doc(dir / "tree8.json");
  auto hexes = [&](std::string_view name) {
    std::vector<std::string> out;
    auto v = doc.Field(name);
    REQUIRE(v.has_value());
    REQUIRE(v->isArray());
    for (auto e : v->getArray()) {
      REQUIRE(e.isString());
      Result<std::string> bytes = FromHex(e.getString().cStr());
      REQUIRE(bytes.ok());
      out.push_back(*bytes);
    }
    return out;
  };
  Tree8 t;
  t.inputs = hexes("leaf_inputs_hex");
  for (const auto& h : hexes("leaf_hashes_hex")) t.leaf_hashes.push_back(AsHash(h).value());
  for (const auto& h : hexes("roots_by_size_hex")) t.roots.push_back(AsHash(h).value());
  REQUIRE(t.inputs.size() == 8);
  REQUIRE(t.leaf_hashes.size() == 8);
  REQUIRE(t.roots.size() == 9);
  return t;
}

TEST_CASE("every published RFC 6962 proof vector gets the verdict its wantErr asks for",
          "[ledger][merkle]") {
  const fs::path dir = VectorsDir();
  if (!HaveVectors(dir)) return;
  const Tree8 tree8 = ReadTree8(dir);
  MemorySubtreeStore store8 = StoreOf(tree8.leaf_hashes);

  std::vector<fs::path> files;
  for (const char* kind : {"inclusion", "consistency"}) {
    REQUIRE(fs::is_directory(dir / kind));
    for (const auto& e : fs::recursive_directory_iterator(dir / kind)) {
      if (e.is_regular_file() && e.path().extension() == ".json") files.push_back(e.path());
    }
  }
  std::sort(files.begin(), files.end());

  size_t ran = 0, agreed = 0, proofs_compared = 0;
  for (const fs::path& file : files) {
    const std::string rel = fs::relative(file, dir).generic_string();
    const bool inclusion = rel.starts_with("inclusion/");
    JsonDoc v(file);
    const bool want_err = v.Bool("wantErr");
    const Verdict got = Run(v);
    ++ran;
    if (got.rejected == want_err) {
      ++agreed;
    } else {
      FAIL_CHECK(rel << " (\"" << v.Text("desc") << "\"): wantErr " << want_err
                     << " but the verifier said " << got.why);
    }
    // The accepted proofs over the 8-leaf tree must be exactly the ones we generate.
    if (!want_err && !got.rejected) {
      std::vector<std::string> want = v.ByteList("proof");
      Result<std::vector<Hash256>> ours = std::vector<Hash256>{};
      if (inclusion && v.Uint("treeSize") <= 8 &&
          AsHash(v.Bytes("root")) == tree8.roots[v.Uint("treeSize")]) {
        ours = InclusionProof(store8, v.Uint("leafIdx"), v.Uint("treeSize"));
      } else if (!inclusion && v.Uint("size2") <= 8 &&
                 AsHash(v.Bytes("root2")) == tree8.roots[v.Uint("size2")]) {
        ours = ConsistencyProof(store8, v.Uint("size1"), v.Uint("size2"));
      } else {
        continue;
      }
      REQUIRE(ours.ok());
      std::vector<std::string> got_bytes;
      for (const Hash256& h : *ours) got_bytes.emplace_back(h.begin(), h.end());
      CHECK(got_bytes == want);
      ++proofs_compared;
    }
  }
  WARN("RFC 6962 vectors in " << dir.string() << ": " << ran << " ran, " << agreed
                              << " agreed with wantErr; " << proofs_compared
                              << " accepted proofs equal our generated ones");
  CHECK(ran > 0);
  CHECK(agreed == ran);
}

TEST_CASE("tree8 roots of sizes 0 to 8 come out of the compact range and RootAt",
          "[ledger][merkle]") {
  const fs::path dir = VectorsDir();
  if (!HaveVectors(dir)) return;
  const Tree8 t = ReadTree8(dir);
  CompactRange range;
  MemorySubtreeStore store;
  CHECK(range.Root() == t.roots[0]);
  CHECK(EmptyTreeRoot() == t.roots[0]);
  for (size_t i = 0; i < 8; ++i) {
    CHECK(LeafHash(AsBytes(t.inputs[i])) == t.leaf_hashes[i]);
    store.PutAll(range.Append(t.leaf_hashes[i]));
    CHECK(range.Root() == t.roots[i + 1]);
  }
  for (uint64_t n = 0; n <= 8; ++n) {
    Result<Hash256> root = RootAt(store, n);
    REQUIRE(root.ok());
    CHECK(*root == t.roots[n]);
    CHECK(RefMth(Leaves(t.leaf_hashes).subspan(0, n)) == t.roots[n]);
  }
}

// ---- Random trees.

TEST_CASE(
    "the compact range gives the reference root at every size and emits exactly the "
    "complete subtrees",
    "[ledger][merkle]") {
  const std::vector<Hash256> leaves = RandomLeaves(300, 1);
  CompactRange range;
  MemorySubtreeStore store;
  std::set<NodeId> emitted;
  for (uint64_t n = 0; n < leaves.size(); ++n) {
    const auto nodes = range.Append(leaves[n]);
    // The new nodes are those complete at n + 1 but not at n: the ones whose range ends at n + 1.
    std::set<NodeId> want;
    for (uint32_t l = 0; ((n + 1) & ((uint64_t{1} << l) - 1)) == 0 && (uint64_t{1} << l) <= n + 1;
         ++l) {
      want.insert(NodeId{l, ((n + 1) >> l) - 1});
    }
    std::set<NodeId> got;
    for (const auto& [id, hash] : nodes) {
      got.insert(id);
      const uint64_t begin = id.index << id.level, width = uint64_t{1} << id.level;
      CHECK(hash == RefMth(Leaves(leaves).subspan(begin, width)));
      CHECK(emitted.insert(id).second);
    }
    CHECK(got == want);
    CHECK((nodes.front().first == NodeId{0, n}));
    store.PutAll(nodes);
    REQUIRE(range.size() == n + 1);
    const Hash256 ref = RefMth(Leaves(leaves).subspan(0, n + 1));
    CHECK(range.Root() == ref);

    // Reloading the range from the store, at this size, gives the same state and root.
    store.ResetReads();
    Result<CompactRange> loaded = CompactRange::FromSource(SizedView(store, n + 1), n + 1);
    REQUIRE(loaded.ok());
    CHECK(store.reads() == static_cast<uint64_t>(std::popcount(n + 1)));
    CHECK(loaded->peaks() == range.peaks());
    CHECK(loaded->Root() == ref);
  }
  // Every complete subtree of the final tree was emitted, once.
  std::set<NodeId> all;
  for (uint32_t l = 0; (uint64_t{1} << l) <= leaves.size(); ++l) {
    for (uint64_t i = 0; i < (leaves.size() >> l); ++i) all.insert(NodeId{l, i});
  }
  CHECK(emitted == all);
  CHECK(store.size() == all.size());
}

TEST_CASE("a compact range loaded from the store continues with the same nodes",
          "[ledger][merkle]") {
  const std::vector<Hash256> leaves = RandomLeaves(100, 2);
  MemorySubtreeStore store = StoreOf(Leaves(leaves).subspan(0, 37));
  Result<CompactRange> loaded = CompactRange::FromSource(store, 37);
  REQUIRE(loaded.ok());
  CompactRange range = std::move(loaded).value();
  CompactRange fresh;
  for (size_t i = 0; i < 37; ++i) (void)fresh.Append(leaves[i]);
  for (size_t i = 37; i < leaves.size(); ++i) {
    CHECK(range.Append(leaves[i]) == fresh.Append(leaves[i]));
    CHECK(range.Root() == fresh.Root());
  }
}

TEST_CASE(
    "inclusion proofs from the store verify for every index of every size up to 300, "
    "and altered ones fail",
    "[ledger][merkle]") {
  const std::vector<Hash256> leaves = RandomLeaves(300, 3);
  MemorySubtreeStore store = StoreOf(leaves);
  std::mt19937_64 rng(4);
  std::vector<Hash256> roots(leaves.size() + 1);
  for (uint64_t n = 0; n <= leaves.size(); ++n) roots[n] = RefMth(Leaves(leaves).subspan(0, n));

  size_t checked = 0;
  for (uint64_t n = 1; n <= leaves.size(); ++n) {
    const SizedView view(store, n);
    Result<Hash256> root = RootAt(view, n);
    REQUIRE(root.ok());
    REQUIRE(*root == roots[n]);
    auto proof_at = [&](uint64_t index, uint64_t size) {
      Result<std::vector<Hash256>> p = InclusionProof(SizedView(store, size), index, size);
      REQUIRE(p.ok());
      return std::move(p).value();
    };
    for (uint64_t i = 0; i < n; ++i) {
      const Hash256& leaf = leaves[i];
      store.ResetReads();
      const std::vector<Hash256> proof = proof_at(i, n);
      CHECK(store.reads() <= ReadBound(n));
      if (n <= 128) CHECK(proof == RefPath(i, Leaves(leaves).subspan(0, n)));
      const Status ok = VerifyInclusion(i, n, leaf, proof, roots[n]);
      INFO(ok.ToString() << " at index " << i << " of size " << n);
      CHECK(ok.ok());
      ++checked;

      // Each hash with one bit flipped.
      for (size_t k = 0; k < proof.size(); ++k) {
        std::vector<Hash256> bad = proof;
        bad[k] = FlipBit(bad[k], rng() % 256);
        CHECK(VerifyInclusion(i, n, leaf, bad, roots[n]).IsCorruption());
      }
      CHECK(VerifyInclusion(i, n, FlipBit(leaf, rng() % 256), proof, roots[n]).IsCorruption());
      CHECK(VerifyInclusion(i, n, leaf, proof, FlipBit(roots[n], rng() % 256)).IsCorruption());
      // One hash dropped or added, at either end.
      if (!proof.empty()) {
        CHECK(
            VerifyInclusion(i, n, leaf, std::span(proof).subspan(1), roots[n]).IsInvalidArgument());
        CHECK(VerifyInclusion(i, n, leaf, std::span(proof).first(proof.size() - 1), roots[n])
                  .IsInvalidArgument());
      }
      std::vector<Hash256> longer = proof;
      longer.push_back(roots[n]);
      CHECK(VerifyInclusion(i, n, leaf, longer, roots[n]).IsInvalidArgument());
      longer.pop_back();
      longer.insert(longer.begin(), leaf);
      CHECK(VerifyInclusion(i, n, leaf, longer, roots[n]).IsInvalidArgument());
      // Another index for this leaf.
      if (i + 1 < n) CHECK_FALSE(VerifyInclusion(i + 1, n, leaf, proof, roots[n]).ok());
      if (i > 0) CHECK_FALSE(VerifyInclusion(i - 1, n, leaf, proof, roots[n]).ok());
      CHECK(VerifyInclusion(n, n, leaf, proof, roots[n]).IsInvalidArgument());
      // Another size with that size's root: fails unless the proof is the same there.
      for (uint64_t m : {n - 1, n + 1}) {
        if (m <= i || m > leaves.size()) continue;
        if (proof_at(i, m) == proof) continue;
        CHECK_FALSE(VerifyInclusion(i, m, leaf, proof, roots[m]).ok());
      }
    }
  }
  CHECK(checked == 300 * 301 / 2);
}

TEST_CASE(
    "consistency proofs between random sizes verify, match the RFC definition, and "
    "altered ones fail",
    "[ledger][merkle]") {
  const std::vector<Hash256> leaves = RandomLeaves(300, 5);
  MemorySubtreeStore store = StoreOf(leaves);
  std::vector<Hash256> roots(leaves.size() + 1);
  for (uint64_t n = 0; n <= leaves.size(); ++n) roots[n] = RefMth(Leaves(leaves).subspan(0, n));
  std::mt19937_64 rng(6);

  std::vector<std::pair<uint64_t, uint64_t>> pairs;
  for (uint64_t n2 = 1; n2 <= 40; ++n2) {
    for (uint64_t n1 = 1; n1 <= n2; ++n1) pairs.push_back({n1, n2});
  }
  for (int k = 0; k < 2000; ++k) {
    uint64_t a = 1 + rng() % 300, b = 1 + rng() % 300;
    pairs.push_back({std::min(a, b), std::max(a, b)});
  }
  auto proof_of = [&](uint64_t n1, uint64_t n2) {
    Result<std::vector<Hash256>> p = ConsistencyProof(SizedView(store, n2), n1, n2);
    REQUIRE(p.ok());
    return std::move(p).value();
  };
  for (const auto& [n1, n2] : pairs) {
    INFO("size1 " << n1 << ", size2 " << n2);
    store.ResetReads();
    const std::vector<Hash256> proof = proof_of(n1, n2);
    CHECK(store.reads() <= ReadBound(n2));
    CHECK(proof == RefProof(n1, Leaves(leaves).subspan(0, n2)));
    const Status ok = VerifyConsistency(n1, n2, proof, roots[n1], roots[n2]);
    INFO(ok.ToString());
    CHECK(ok.ok());
    if (n1 == n2) {
      CHECK(proof.empty());
      continue;
    }
    for (size_t k = 0; k < proof.size(); ++k) {
      std::vector<Hash256> bad = proof;
      bad[k] = FlipBit(bad[k], rng() % 256);
      CHECK(VerifyConsistency(n1, n2, bad, roots[n1], roots[n2]).IsCorruption());
    }
    CHECK(VerifyConsistency(n1, n2, proof, FlipBit(roots[n1], rng() % 256), roots[n2])
              .IsCorruption());
    CHECK(VerifyConsistency(n1, n2, proof, roots[n1], FlipBit(roots[n2], rng() % 256))
              .IsCorruption());
    CHECK(VerifyConsistency(n1, n2, proof, roots[n2], roots[n1]).IsCorruption());
    CHECK(VerifyConsistency(n1, n2, std::span(proof).subspan(1), roots[n1], roots[n2])
              .IsInvalidArgument());
    CHECK(VerifyConsistency(n1, n2, std::span(proof).first(proof.size() - 1), roots[n1], roots[n2])
              .IsInvalidArgument());
    std::vector<Hash256> longer = proof;
    longer.push_back(roots[n2]);
    CHECK(VerifyConsistency(n1, n2, longer, roots[n1], roots[n2]).IsInvalidArgument());
    CHECK(VerifyConsistency(n2, n1, proof, roots[n2], roots[n1]).IsInvalidArgument());
    // Other sizes with their own roots: fail unless the proof is the same there.
    for (auto [m1, m2] : {std::pair{n1 - 1, n2}, std::pair{n1 + 1, n2}, std::pair{n1, n2 - 1},
                          std::pair{n1, n2 + 1}}) {
      if (m1 == 0 || m1 >= m2 || m2 > leaves.size()) continue;
      if (proof_of(m1, m2) == proof) continue;
      CHECK_FALSE(VerifyConsistency(m1, m2, proof, roots[m1], roots[m2]).ok());
    }
  }
}

// ---- Edges.

TEST_CASE("proof requests outside the tree are refused and missing nodes are named",
          "[ledger][merkle]") {
  const std::vector<Hash256> leaves = RandomLeaves(10, 7);
  MemorySubtreeStore store = StoreOf(leaves);
  CHECK(InclusionProof(store, 10, 10).status().IsInvalidArgument());
  CHECK(InclusionProof(store, 0, 0).status().IsInvalidArgument());
  CHECK(ConsistencyProof(store, 5, 4).status().IsInvalidArgument());
  CHECK(ConsistencyProof(store, 0, 4).status().IsInvalidArgument());
  REQUIRE(ConsistencyProof(store, 4, 4).ok());
  CHECK(ConsistencyProof(store, 4, 4)->empty());
  Result<Hash256> empty = RootAt(store, 0);
  REQUIRE(empty.ok());
  CHECK(ToHex(*empty) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");

  // Past the stored size the source's NotFound comes back, naming the node.
  Result<Hash256> beyond = RootAt(store, 12);
  REQUIRE(beyond.status().IsNotFound());
  CHECK(beyond.status().message().find("(level 2, index 2)") != std::string::npos);
  CHECK(InclusionProof(store, 3, 16).status().IsNotFound());
  CHECK(CompactRange::FromSource(store, 11).status().IsNotFound());
}

TEST_CASE("verifiers refuse impossible sizes and explain wrong proof lengths", "[ledger][merkle]") {
  const std::vector<Hash256> leaves = RandomLeaves(8, 8);
  const Hash256 root = RefMth(leaves);
  const Hash256 root4 = RefMth(Leaves(leaves).subspan(0, 4));
  const std::vector<Hash256> proof = RefPath(0, leaves);

  Status s = VerifyInclusion(8, 8, leaves[0], proof, root);
  CHECK(s.IsInvalidArgument());
  CHECK(VerifyInclusion(0, 0, leaves[0], {}, root).IsInvalidArgument());
  s = VerifyInclusion(0, 8, leaves[0], std::span(proof).first(2), root);
  CHECK(s.IsInvalidArgument());
  CHECK(s.message() == "inclusion proof has 2 hashes; it needs 3");
  CHECK(VerifyInclusion(0, 1, leaves[0], {}, leaves[0]).ok());

  CHECK(VerifyConsistency(0, 0, {}, root, root).IsInvalidArgument());
  CHECK(VerifyConsistency(0, 8, {}, EmptyTreeRoot(), root).IsInvalidArgument());
  CHECK(VerifyConsistency(8, 4, {}, root, root4).IsInvalidArgument());
  CHECK(VerifyConsistency(8, 8, {}, root, root).ok());
  CHECK(VerifyConsistency(8, 8, {}, root, root4).IsCorruption());
  CHECK(VerifyConsistency(8, 8, proof, root, root).IsInvalidArgument());
  s = VerifyConsistency(4, 8, {}, root4, root);
  CHECK(s.IsInvalidArgument());
  CHECK(s.message() == "consistency proof has 0 hashes; it needs 1");
}

}  // namespace
}  // namespace caseledger
