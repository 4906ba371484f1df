// Building case bundles: the proofs from a ledger, and their Cap'n Proto encoding
// (schema/bundle.capnp, docs/verification.md). Verification is in bundle_verify.cc.
#include "ledger/bundle.h"

#include <capnp/message.h>
#include <capnp/serialize.h>

#include "ledger/checkpoint.h"
#include "schema/bundle.capnp.h"

namespace caseledger {

namespace {

constexpr size_t kReadBatch = 1000;

capnp::Data::Reader DataOf(const Hash256& h) { return capnp::Data::Reader(h.data(), h.size()); }
capnp::Data::Reader DataOf(const std::string& s) {
  return capnp::Data::Reader(reinterpret_cast<const kj::byte*>(s.data()), s.size());
}

// The stored checkpoint at `size`, checked with the ledger's key, and its heads root.
Status LoadCheckpoint(const Ledger& ledger, uint64_t size, CaseProofs* proofs) {
  auto note = ledger.GetCheckpoint(size);
  if (!note.ok()) return note.status();
  auto key = VerifierKey::Parse(ledger.VerifierKeyString());
  if (!key.ok()) return key.status().WithContext("the ledger's verifier key");
  auto cp = ParseAndVerifyCheckpoint(*note, *key);
  if (!cp.ok())
    return Status::Corruption("stored checkpoint at size " + std::to_string(size) + ": " +
                              cp.status().message());
  auto heads = FindHeadsRoot(cp->extensions);
  if (!heads.ok()) return Status::Corruption(heads.status().message());
  if (!*heads) {
    return Status::InvalidArgument("the checkpoint at size " + std::to_string(size) +
                                   " predates the case-head map (no " + kHeadsExtension +
                                   " line); export with the directory not in use, which signs a "
                                   "fresh checkpoint");
  }
  proofs->origin = cp->origin;
  proofs->verifier_key = key->ToString();
  proofs->checkpoint = *note;
  proofs->checkpoint_size = size;
  proofs->root = cp->root;
  proofs->heads_root = **heads;
  return Status::OK();
}

}  // namespace

Result<CaseProofs> ProveCase(const Ledger& ledger, std::string_view case_id,
                             uint64_t checkpoint_size) {
  CaseProofs proofs;
  proofs.case_id.assign(case_id);
  CL_RETURN_IF_ERROR(LoadCheckpoint(ledger, checkpoint_size, &proofs));
  for (uint64_t from = 0;;) {
    auto batch = ledger.ReadStream(case_id, from, kReadBatch);
    if (!batch.ok()) return batch.status();
    bool past = false;
    for (const StoredEvent& ev : *batch) {
      if (ev.position() >= checkpoint_size) {
        past = true;
        break;
      }
      auto proof = ledger.InclusionProof(ev.position(), checkpoint_size);
      if (!proof.ok()) return proof.status();
      ProvenEvent pe;
      pe.position = ev.position();
      pe.version = ev.reader().getStreamVersion();
      pe.leaf_input.assign(reinterpret_cast<const char*>(ev.bytes().data()), ev.bytes().size());
      pe.inclusion_proof = std::move(proof).value();
      proofs.events.push_back(std::move(pe));
    }
    if (past || batch->size() < kReadBatch) break;
    from += batch->size();
  }
  if (proofs.events.empty()) {
    return Status::NotFound("case \"" + std::string(case_id) +
                            "\" has no event in the checkpoint of size " +
                            std::to_string(checkpoint_size));
  }
  auto head = ledger.ProveCaseHead(case_id, checkpoint_size);
  if (!head.ok()) return head.status();
  proofs.head_proof = std::move(head).value();
  // The ledger's own proof must say what the events say: else the bundle would not verify.
  auto entry = VerifyHeadProof(proofs.head_proof, case_id, proofs.heads_root);
  if (!entry.ok()) return Status::Corruption("case-head proof: " + entry.status().message());
  const ProvenEvent& last = proofs.events.back();
  if (!*entry || (*entry)->head_version != last.version ||
      (*entry)->head_leaf_hash != LeafHash(AsBytes(last.leaf_input))) {
    return Status::Corruption("the case-head map at size " + std::to_string(checkpoint_size) +
                              " disagrees with the stream of case \"" + std::string(case_id) +
                              "\"");
  }
  return proofs;
}

std::string EncodeCaseBundle(const CaseProofs& proofs) {
  capnp::MallocMessageBuilder message;
  auto b = message.initRoot<schema::CaseBundle>();
  b.setFormatVersion(1);
  b.setOrigin(proofs.origin);
  b.setVerifierKey(proofs.verifier_key);
  b.setCheckpoint(proofs.checkpoint);
  b.setCaseId(proofs.case_id);
  auto events = b.initEvents(static_cast<unsigned>(proofs.events.size()));
  for (size_t i = 0; i < proofs.events.size(); ++i) {
    const ProvenEvent& pe = proofs.events[i];
    auto e = events[i];
    e.setPosition(pe.position);
    e.setLeafInput(DataOf(pe.leaf_input));
    auto path = e.initInclusionProof(static_cast<unsigned>(pe.inclusion_proof.size()));
    for (size_t j = 0; j < pe.inclusion_proof.size(); ++j)
      path.set(j, DataOf(pe.inclusion_proof[j]));
  }
  auto hp = b.initHeadProof();
  hp.setBucket(proofs.head_proof.bucket);
  auto entries = hp.initEntries(static_cast<unsigned>(proofs.head_proof.entries.size()));
  for (size_t i = 0; i < proofs.head_proof.entries.size(); ++i) {
    const HeadEntry& he = proofs.head_proof.entries[i];
    entries[i].setCaseId(he.case_id);
    entries[i].setHeadVersion(he.head_version);
    entries[i].setHeadLeafHash(DataOf(he.head_leaf_hash));
  }
  auto siblings = hp.initSiblings(static_cast<unsigned>(proofs.head_proof.siblings.size()));
  for (size_t i = 0; i < proofs.head_proof.siblings.size(); ++i) {
    siblings.set(i, DataOf(proofs.head_proof.siblings[i]));
  }
  auto words = capnp::messageToFlatArray(message);
  auto bytes = words.asBytes();
  return std::string(reinterpret_cast<const char*>(bytes.begin()), bytes.size());
}

Result<std::string> BuildCaseBundle(const Ledger& ledger, std::string_view case_id,
                                    const BundleOptions& options) {
  uint64_t size = 0;
  if (options.checkpoint_size) {
    size = *options.checkpoint_size;
  } else {
    auto newest = ledger.GetCheckpoint(std::nullopt);
    if (!newest.ok()) return newest.status();
    auto cp = ParseCheckpointUnverified(*newest);
    if (!cp.ok()) return Status::Corruption(cp.status().message());
    size = cp->size;
  }
  auto proofs = ProveCase(ledger, case_id, size);
  if (!proofs.ok()) return proofs.status();
  return EncodeCaseBundle(*proofs);
}

}  // namespace caseledger
