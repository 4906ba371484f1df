#include "ledger/merkle.h"

#include <bit>
#include <string>

namespace caseledger {

namespace {

std::string NodeName(uint32_t level, uint64_t index) {
  return "(level " + std::to_string(level) + ", index " + std::to_string(index) + ")";
}

Result<Hash256> GetNode(const SubtreeSource& source, uint32_t level, uint64_t index) {
  Result<Hash256> h = source.Get(level, index);
  if (!h.ok()) return h.status().WithContext("merkle node " + NodeName(level, index));
  return h;
}

// MTH of a list of complete subtrees laid side by side, largest first: RFC 6962 splits at the
// largest power of two, so the tree is the first part joined with the MTH of the rest.
Hash256 FoldRight(const std::vector<Hash256>& parts) {
  Hash256 r = parts.back();
  for (size_t i = parts.size() - 1; i-- > 0;) r = NodeHash(parts[i], r);
  return r;
}

// MTH of leaves [begin, end), where begin is a multiple of the smallest power of two that is
// >= end - begin (true of every subtree the RFC recursion visits), so that the range splits
// into popcount(end - begin) stored complete subtrees.
Result<Hash256> RangeHash(const SubtreeSource& source, uint64_t begin, uint64_t end) {
  std::vector<Hash256> parts;
  const uint64_t len = end - begin;
  uint64_t at = begin;
  for (int level = 63; level >= 0; --level) {
    const uint64_t width = uint64_t{1} << level;
    if ((len & width) == 0) continue;
    Result<Hash256> h = GetNode(source, level, at >> level);
    if (!h.ok()) return h.status();
    parts.push_back(*h);
    at += width;
  }
  return FoldRight(parts);
}

// Appends the path from complete node (level, index) up to the root of the tree of `size`
// leaves: siblings bottom up. Below the level where the node's path and the right edge's path
// (the path of leaf size - 1) part, siblings are complete except perhaps the topmost, which may
// be cut off at `size`; above it, only left siblings exist and all are complete.
Status AppendPath(const SubtreeSource& source, uint32_t level, uint64_t index, uint64_t size,
                  std::vector<Hash256>* out) {
  const uint64_t last = (size - 1) >> level;
  const int inner = std::bit_width(index ^ last);
  for (int l = 0; l < inner; ++l) {
    const uint32_t lvl = level + l;
    const uint64_t sibling = (index >> l) ^ 1;
    const uint64_t begin = sibling << lvl;
    const uint64_t width = uint64_t{1} << lvl;
    Result<Hash256> h =
        size - begin >= width ? GetNode(source, lvl, sibling) : RangeHash(source, begin, size);
    if (!h.ok()) return h.status();
    out->push_back(*h);
  }
  for (int l = inner; l < 64 && (index >> l) != 0; ++l) {
    if (((index >> l) & 1) == 0) continue;
    Result<Hash256> h = GetNode(source, level + l, (index >> l) - 1);
    if (!h.ok()) return h.status();
    out->push_back(*h);
  }
  return Status::OK();
}

// The length RFC 9162 proofs have, for error messages (the RFC loop itself is the judge).
uint64_t PathLength(uint64_t index, uint64_t last) {
  const int inner = std::bit_width(index ^ last);
  return inner + (inner < 64 ? std::popcount(index >> inner) : 0);
}

uint64_t ConsistencyProofLength(uint64_t size1, uint64_t size2) {
  const int level = std::countr_zero(size1);
  const uint64_t index = (size1 - 1) >> level;
  return PathLength(index, (size2 - 1) >> level) + (index != 0 ? 1 : 0);
}

std::string WrongLength(std::string_view what, size_t got, uint64_t want) {
  return std::string(what) + " has " + std::to_string(got) + " hashes; it needs " +
         std::to_string(want);
}

std::string Mismatch(std::string_view what, const Hash256& computed, const Hash256& expected) {
  return std::string(what) + ": computed " + ToHex(computed) + ", expected " + ToHex(expected);
}

}  // namespace

Result<Hash256> MemorySubtreeStore::Get(uint32_t level, uint64_t index) const {
  ++reads_;
  auto it = nodes_.find(NodeId{level, index});
  if (it == nodes_.end()) return Status::NotFound("not stored");
  return it->second;
}

Result<CompactRange> CompactRange::FromSource(const SubtreeSource& source, uint64_t size) {
  CompactRange range;
  range.size_ = size;
  uint64_t at = 0;
  for (int level = 63; level >= 0; --level) {
    const uint64_t width = uint64_t{1} << level;
    if ((size & width) == 0) continue;
    Result<Hash256> h = GetNode(source, level, at >> level);
    if (!h.ok()) return h.status().WithContext("loading the tree of size " + std::to_string(size));
    range.peaks_.push_back(*h);
    at += width;
  }
  return range;
}

std::vector<std::pair<NodeId, Hash256>> CompactRange::Append(const Hash256& leaf_hash) {
  std::vector<std::pair<NodeId, Hash256>> completed;
  uint64_t index = size_;
  uint32_t level = 0;
  Hash256 h = leaf_hash;
  completed.push_back({NodeId{level, index}, h});
  // Each trailing one bit of the old size is a peak that the new node now pairs with.
  while (index & 1) {
    h = NodeHash(peaks_.back(), h);
    peaks_.pop_back();
    index >>= 1;
    ++level;
    completed.push_back({NodeId{level, index}, h});
  }
  peaks_.push_back(h);
  ++size_;
  return completed;
}

Hash256 CompactRange::Root() const { return peaks_.empty() ? EmptyTreeRoot() : FoldRight(peaks_); }

Hash256 EmptyTreeRoot() { return Sha256({}); }

Result<Hash256> RootAt(const SubtreeSource& source, uint64_t size) {
  if (size == 0) return EmptyTreeRoot();
  Result<Hash256> root = RangeHash(source, 0, size);
  if (!root.ok()) return root.status().WithContext("root of size " + std::to_string(size));
  return root;
}

Result<std::vector<Hash256>> InclusionProof(const SubtreeSource& source, uint64_t index,
                                            uint64_t size) {
  if (index >= size) {
    return Status::InvalidArgument("no leaf " + std::to_string(index) + " in a tree of size " +
                                   std::to_string(size));
  }
  std::vector<Hash256> proof;
  Status s = AppendPath(source, 0, index, size, &proof);
  if (!s.ok()) {
    return s.WithContext("inclusion proof of leaf " + std::to_string(index) + " in size " +
                         std::to_string(size));
  }
  return proof;
}

Result<std::vector<Hash256>> ConsistencyProof(const SubtreeSource& source, uint64_t size1,
                                              uint64_t size2) {
  if (size1 > size2) {
    return Status::InvalidArgument("no consistency proof from size " + std::to_string(size1) +
                                   " back to size " + std::to_string(size2));
  }
  if (size1 == 0) {
    return Status::InvalidArgument("a consistency proof from the empty tree proves nothing");
  }
  std::vector<Hash256> proof;
  if (size1 == size2) return proof;
  // The largest complete subtree ending at size1, then its path in the tree of size2. When
  // size1 is a power of two that subtree is the old root itself, which the verifier has.
  const uint32_t level = std::countr_zero(size1);
  const uint64_t index = (size1 - 1) >> level;
  const std::string context =
      "consistency proof from size " + std::to_string(size1) + " to " + std::to_string(size2);
  if (index != 0) {
    Result<Hash256> h = GetNode(source, level, index);
    if (!h.ok()) return h.status().WithContext(context);
    proof.push_back(*h);
  }
  Status s = AppendPath(source, level, index, size2, &proof);
  if (!s.ok()) return s.WithContext(context);
  return proof;
}

Status VerifyInclusion(uint64_t index, uint64_t size, const Hash256& leaf_hash,
                       std::span<const Hash256> proof, const Hash256& root) {
  // RFC 9162 2.1.3.2, step by step.
  if (index >= size) {
    return Status::InvalidArgument("leaf index " + std::to_string(index) +
                                   " is not below the tree size " + std::to_string(size));
  }
  const auto wrong_length = [&] {
    return Status::InvalidArgument(
        WrongLength("inclusion proof", proof.size(), PathLength(index, size - 1)));
  };
  uint64_t fn = index;
  uint64_t sn = size - 1;
  Hash256 r = leaf_hash;
  for (const Hash256& p : proof) {
    if (sn == 0) return wrong_length();
    if ((fn & 1) || fn == sn) {
      r = NodeHash(p, r);
      while ((fn & 1) == 0 && fn != 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      r = NodeHash(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) return wrong_length();
  if (r != root)
    return Status::Corruption(Mismatch("inclusion proof does not lead to the root", r, root));
  return Status::OK();
}

Status VerifyConsistency(uint64_t size1, uint64_t size2, std::span<const Hash256> proof,
                         const Hash256& root1, const Hash256& root2) {
  if (size1 > size2) {
    return Status::InvalidArgument("tree size went back from " + std::to_string(size1) + " to " +
                                   std::to_string(size2));
  }
  if (size1 == 0) {
    return Status::InvalidArgument("a consistency proof from the empty tree proves nothing");
  }
  if (size1 == size2) {
    if (!proof.empty()) {
      return Status::InvalidArgument("equal tree sizes need an empty proof, got " +
                                     std::to_string(proof.size()) + " hashes");
    }
    if (root1 != root2) {
      return Status::Corruption(
          Mismatch("two roots for the tree of size " + std::to_string(size1), root2, root1));
    }
    return Status::OK();
  }
  // RFC 9162 2.1.4.2, step by step.
  const auto wrong_length = [&] {
    return Status::InvalidArgument(
        WrongLength("consistency proof", proof.size(), ConsistencyProofLength(size1, size2)));
  };
  if (proof.empty()) return wrong_length();
  std::vector<Hash256> path;
  path.reserve(proof.size() + 1);
  if (std::has_single_bit(size1)) path.push_back(root1);
  path.insert(path.end(), proof.begin(), proof.end());
  uint64_t fn = size1 - 1;
  uint64_t sn = size2 - 1;
  while (fn & 1) {
    fn >>= 1;
    sn >>= 1;
  }
  Hash256 fr = path[0];
  Hash256 sr = path[0];
  for (size_t i = 1; i < path.size(); ++i) {
    const Hash256& c = path[i];
    if (sn == 0) return wrong_length();
    if ((fn & 1) || fn == sn) {
      fr = NodeHash(c, fr);
      sr = NodeHash(c, sr);
      while ((fn & 1) == 0 && fn != 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      sr = NodeHash(sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) return wrong_length();
  if (fr != root1) {
    return Status::Corruption(Mismatch("consistency proof does not give the old root", fr, root1));
  }
  if (sr != root2) {
    return Status::Corruption(Mismatch("consistency proof does not give the new root", sr, root2));
  }
  return Status::OK();
}

}  // namespace caseledger
