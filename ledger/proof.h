// Proofs as documents: the JSON form that `caseledger prove` prints and `verify-proof` reads,
// with the field names and base64 encoding of the RFC 6962 test vectors (transparency-dev):
//
//   inclusion:   {"leafIdx": 3, "treeSize": 8, "root": "<b64>", "leafHash": "<b64>",
//                 "proof": ["<b64>", ...], "checkpoint": "<signed note>"}
//   consistency: {"size1": 4, "size2": 8, "root1": "<b64>", "root2": "<b64>",
//                 "proof": ["<b64>", ...], "checkpoint": "<signed note>"}
//
// Numbers are JSON numbers; `leafIdx` counts from 0 for the first event of the log. The
// optional `checkpoint` is the signed checkpoint the proof was made against. Other fields
// (such as the vectors' `desc` and `wantErr`) are ignored on reading.
#ifndef CASELEDGER_LEDGER_PROOF_H_
#define CASELEDGER_LEDGER_PROOF_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "ledger/status.h"

namespace caseledger {

// Hashes are byte strings here, of any length: a document may carry anything, and the
// verification below refuses what is not a 32-byte hash where one is needed.
struct InclusionProofDoc {
  uint64_t leaf_idx = 0;
  uint64_t tree_size = 0;
  std::string root;
  std::string leaf_hash;
  std::vector<std::string> proof;
  std::string checkpoint;  // empty when absent
};

struct ConsistencyProofDoc {
  uint64_t size1 = 0;
  uint64_t size2 = 0;
  std::string root1;
  std::string root2;
  std::vector<std::string> proof;
  std::string checkpoint;  // empty when absent
};

using ProofDoc = std::variant<InclusionProofDoc, ConsistencyProofDoc>;

// One JSON object, one line, with a trailing newline.
std::string FormatProof(const InclusionProofDoc& doc);
std::string FormatProof(const ConsistencyProofDoc& doc);

// Parses either kind (told apart by `leafIdx` or `size1`). InvalidArgument naming the field for
// malformed JSON, a missing or mistyped field, or bad base64. `"proof": null` is an empty proof.
Result<ProofDoc> ParseProof(std::string_view json);

// RFC 9162 2.1.3.2 / 2.1.4.2 over the document's byte strings. A hash that is not 32 bytes
// fails, except where the algorithm compares no hash with it: two equal sizes (not 0) with an
// empty proof need only root1 == root2. Errors as VerifyInclusion / VerifyConsistency.
Status VerifyProof(const InclusionProofDoc& doc);
Status VerifyProof(const ConsistencyProofDoc& doc);

}  // namespace caseledger

#endif  // CASELEDGER_LEDGER_PROOF_H_
