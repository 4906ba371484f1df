// Case bundles: one case's events, their inclusion proofs, the case-head proof and the signed
// checkpoint they verify against, in one file that anyone can check offline
// (docs/verification.md, "Case bundles"; schema/bundle.capnp).
#ifndef CASELEDGER_LEDGER_BUNDLE_H_
#define CASELEDGER_LEDGER_BUNDLE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/case_heads.h"
#include "ledger/hash.h"
#include "ledger/ledger.h"
#include "ledger/status.h"

namespace caseledger {

// One event with its proof.
struct ProvenEvent {
  uint64_t position = 0;
  uint64_t version = 0;
  std::string leaf_input;                // the stored bytes, exactly as hashed (sealed as stored)
  std::vector<Hash256> inclusion_proof;  // at the checkpoint's size
};

// Everything that proves one case at one checkpoint. Plain data: serialize it as a bundle
// (EncodeCaseBundle) or into JSON.
struct CaseProofs {
  std::string case_id;
  std::string origin;
  std::string verifier_key;  // the ledger's verifier key string
  std::string checkpoint;    // the signed note
  uint64_t checkpoint_size = 0;
  Hash256 root{};
  Hash256 heads_root{};
  std::vector<ProvenEvent> events;  // by version: every event of the case before the size
  HeadProof head_proof;
};

// The proofs of `case_id` against the stored checkpoint of tree `checkpoint_size`. Works on a
// read-only ledger and for checkpoints older than the newest. NotFound: no checkpoint at that
// size, or the case has no event in it. InvalidArgument: the checkpoint predates the
// case-head map (no caseledger-heads line). Corruption when the stored data disagrees with the
// checkpoint. Thread-safe (reads only).
Result<CaseProofs> ProveCase(const Ledger& ledger, std::string_view case_id,
                             uint64_t checkpoint_size);

struct BundleOptions {
  // The checkpoint to prove against; empty means the newest stored one. (To include the very
  // latest events, the caller signs a fresh checkpoint first: Ledger::Checkpoint.)
  std::optional<uint64_t> checkpoint_size;
};

// The bundle file of `case_id`: ProveCase, then EncodeCaseBundle. Errors as ProveCase, and
// NotFound when the ledger has no checkpoint yet.
Result<std::string> BuildCaseBundle(const Ledger& ledger, std::string_view case_id,
                                    const BundleOptions& options);

// The bundle file (a Cap'n Proto message, schema/bundle.capnp) holding `proofs`.
std::string EncodeCaseBundle(const CaseProofs& proofs);

// What VerifyBundle found. Intact when `problems` is empty.
struct BundleReport {
  bool intact() const { return problems.empty(); }
  std::vector<std::string> problems;  // each names what is wrong: which event, which versions
  bool used_bundle_key = false;       // no pinned key: the key inside the bundle was trusted
  std::string key;                    // the verifier key the checkpoint was checked with
  std::string case_id;
  std::string origin;
  uint64_t checkpoint_size = 0;
  size_t events = 0;
  std::optional<uint64_t> committed_head_version;  // what the checkpoint says, when proven
};

// Checks a bundle with no data directory: the checkpoint's signature (by
// `pinned_verifier_key` when given, a verifier key string; else by the key in the bundle),
// every event's inclusion proof, the versions (contiguous from 0, in order, positions rising),
// the back-links (prevLeafHash), and the head proof (the committed head is the last event).
// Never fails: a malformed file, a bad pinned key or a wrong signature are problems too.
BundleReport VerifyBundle(std::string_view bytes,
                          std::optional<std::string> pinned_verifier_key = std::nullopt);

}  // namespace caseledger

#endif  // CASELEDGER_LEDGER_BUNDLE_H_
