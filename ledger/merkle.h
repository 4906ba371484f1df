// RFC 6962 / RFC 9162 Merkle tree math over stored complete subtrees. Pure: no storage here.
//
// Node coordinates: node (level l, index i) is the complete subtree over leaves
// [i * 2^l, (i + 1) * 2^l); level 0 holds the leaf hashes. Only complete subtrees are ever
// stored. Appending leaf n stores (0, n) and, while the index is odd, the parent made with its
// left sibling: at most 1 + log2(n) new nodes. Every root, proof and subtree that is not
// complete at a given size is computed from the O(log n) complete subtrees it splits into
// (largest first, folded right to left: the RFC 6962 2.1 MTH).
//
// Hashes are RFC 6962: LeafHash = SHA-256(0x00 || input), NodeHash = SHA-256(0x01 || l || r),
// and the empty tree's root is SHA-256 of the empty string.
#ifndef CASELEDGER_LEDGER_MERKLE_H_
#define CASELEDGER_LEDGER_MERKLE_H_

#include <compare>
#include <cstdint>
#include <map>
#include <span>
#include <utility>
#include <vector>

#include "ledger/hash.h"
#include "ledger/status.h"

namespace caseledger {

// A complete subtree: leaves [index << level, (index + 1) << level).
struct NodeId {
  uint32_t level = 0;
  uint64_t index = 0;
  auto operator<=>(const NodeId&) const = default;
};

// Reads stored complete-subtree hashes. Implementations decide thread safety.
class SubtreeSource {
 public:
  virtual ~SubtreeSource() = default;
  // The hash of complete subtree (level, index). NotFound if it is not stored; any other
  // error (Corruption, IOError) is passed up unchanged, with context added by the caller.
  virtual Result<Hash256> Get(uint32_t level, uint64_t index) const = 0;
};

// A map of node hashes, for tests and offline tools. Thread-compatible: Get counts reads, so
// concurrent Gets need external locking.
class MemorySubtreeStore final : public SubtreeSource {
 public:
  void Put(NodeId id, const Hash256& hash) { nodes_[id] = hash; }
  void PutAll(const std::vector<std::pair<NodeId, Hash256>>& nodes) {
    for (const auto& [id, hash] : nodes) nodes_[id] = hash;
  }
  Result<Hash256> Get(uint32_t level, uint64_t index) const override;

  size_t size() const { return nodes_.size(); }
  // How many Get calls were made (to check that a computation stays O(log n)).
  uint64_t reads() const { return reads_; }
  void ResetReads() { reads_ = 0; }

 private:
  std::map<NodeId, Hash256> nodes_;
  mutable uint64_t reads_ = 0;
};

// The right edge of a tree: one complete subtree ("peak") per set bit of the size, largest
// first. It is what an append needs to produce the new nodes and the new root with no reads.
// A value type: the commit path keeps one, copies it before a group commit and puts the copy
// back if the write fails. Thread-compatible.
class CompactRange {
 public:
  // The empty tree.
  CompactRange() = default;

  // The range of the tree of `size` leaves, reading its popcount(size) peaks from `source`.
  // Errors from `source` come back with the node named.
  static Result<CompactRange> FromSource(const SubtreeSource& source, uint64_t size);

  uint64_t size() const { return size_; }
  const std::vector<Hash256>& peaks() const { return peaks_; }

  // Appends the leaf with hash `leaf_hash` (already LeafHash()ed) at index size(). Returns
  // the nodes the append completes, to be stored: (0, size()) first, then each parent it
  // completes, bottom up.
  std::vector<std::pair<NodeId, Hash256>> Append(const Hash256& leaf_hash);

  // The root (MTH) of the first size() leaves.
  Hash256 Root() const;

 private:
  uint64_t size_ = 0;
  std::vector<Hash256> peaks_;
};

// The root of the empty tree: SHA-256 of the empty string.
Hash256 EmptyTreeRoot();

// The root (MTH, RFC 6962 2.1) of the first `size` leaves, from popcount(size) stored nodes.
// `size` 0 gives EmptyTreeRoot() and reads nothing.
Result<Hash256> RootAt(const SubtreeSource& source, uint64_t size);

// The inclusion proof (RFC 9162 2.1.3.1 PATH) of leaf `index` in the tree of `size` leaves,
// leaf side first. InvalidArgument unless index < size; errors from `source` are passed up.
// O(log size) reads.
Result<std::vector<Hash256>> InclusionProof(const SubtreeSource& source, uint64_t index,
                                            uint64_t size);

// The consistency proof (RFC 9162 2.1.4.1 PROOF) between the trees of `size1` and `size2`
// leaves. Empty when size1 == size2. InvalidArgument when size1 > size2 or size1 == 0 (a
// proof from the empty tree proves nothing; VerifyConsistency refuses it). O(log size2) reads.
Result<std::vector<Hash256>> ConsistencyProof(const SubtreeSource& source, uint64_t size1,
                                              uint64_t size2);

// Verifies an inclusion proof exactly as RFC 9162 2.1.3.2 does. OK when `proof` leads from
// `leaf_hash` at `index` to `root` in a tree of `size` leaves. InvalidArgument when the
// arguments cannot hold (index >= size, a proof of the wrong length); Corruption when the
// hashes do not lead to `root`. The message says which. Needs no store; thread-safe.
Status VerifyInclusion(uint64_t index, uint64_t size, const Hash256& leaf_hash,
                       std::span<const Hash256> proof, const Hash256& root);

// Verifies a consistency proof exactly as RFC 9162 2.1.4.2 does, after these cases:
// size1 > size2 and size1 == 0 are InvalidArgument; size1 == size2 needs an empty proof
// (else InvalidArgument) and root1 == root2 (else Corruption). Otherwise as VerifyInclusion:
// InvalidArgument for an empty or wrong-length proof, Corruption when the hashes do not give
// root1 and root2. Needs no store; thread-safe.
Status VerifyConsistency(uint64_t size1, uint64_t size2, std::span<const Hash256> proof,
                         const Hash256& root1, const Hash256& root2);

}  // namespace caseledger

#endif  // CASELEDGER_LEDGER_MERKLE_H_
