// The tamper-evidence subcommands: keygen, checkpoint, prove, verify-proof. checkpoint and
// prove over the network are in cli_remote.cc.
#include <fstream>
#include <iostream>
#include <sstream>

#include "ledger/checkpoint.h"
#include "ledger/ledger.h"
#include "ledger/proof.h"
#include "ledger/verify.h"
#include "tools/cli.h"
#include "tools/cli_internal.h"

namespace caseledger::cli {

using detail::ChooseTarget;
using detail::Fail;
using detail::OpenReadOnly;
using detail::Target;

namespace {

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("cannot read " + path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string Bytes(const Hash256& h) { return std::string(h.begin(), h.end()); }

// The newest checkpoint: its note and parsed form.
Status NewestCheckpoint(const Ledger& ledger, std::string* note, caseledger::Checkpoint* cp) {
  auto n = ledger.GetCheckpoint();
  if (!n.ok()) return n.status();
  auto parsed = ParseCheckpointUnverified(*n);
  if (!parsed.ok()) return Status::Corruption("the newest checkpoint is malformed: " + parsed.status().message());
  *note = std::move(n).value();
  *cp = std::move(parsed).value();
  return Status::OK();
}

}  // namespace

int RunKeygen(const KeygenArgs& args, std::ostream& out, std::ostream& err) {
  auto key = SigningKey::Generate(args.name);
  if (!key.ok()) return Fail(err, key.status());
  Status s = key->SaveToFile(args.out);
  if (!s.ok()) return Fail(err, s);
  std::ofstream pub(args.out + ".pub");
  pub << key->verifier().ToString() << "\n";
  pub.close();
  if (!pub) {
    err << "caseledger: cannot write " << args.out << ".pub\n";
    return kExitFailed;
  }
  out << "private key: " << args.out << " (mode 0600; keep it outside the data directory)\n"
      << "verifier key: " << args.out << ".pub\n"
      << key->verifier().ToString() << "\n";
  return kExitOk;
}

int RunCheckpoint(const CheckpointArgs& args, std::ostream& out, std::ostream& err) {
  const Target target = ChooseTarget(args.data_dir, args.remote, "checkpoint", err);
  if (target == Target::kBad) return kExitUsage;
  if (target == Target::kRemote) return detail::RunCheckpointRemote(args, out, err);
  if (!args.verify_with.empty() || !args.trusted.empty()) {
    err << "caseledger checkpoint: --verify-with and --trusted check what a server sends; on a "
           "data directory use `caseledger verify --pubkey`\n";
    return kExitUsage;
  }
  auto ledger = OpenReadOnly(args.data_dir);
  if (!ledger.ok()) return Fail(err, ledger.status());
  auto note = (*ledger)->GetCheckpoint(args.size);
  if (!note.ok()) return Fail(err, note.status());
  out << *note;
  return kExitOk;
}

int RunProveInclusion(const ProveInclusionArgs& args, std::ostream& out, std::ostream& err) {
  const Target target = ChooseTarget(args.data_dir, args.remote, "prove inclusion", err);
  if (target == Target::kBad) return kExitUsage;
  if (target == Target::kRemote) return detail::RunProveInclusionRemote(args, out, err);
  auto ledger = OpenReadOnly(args.data_dir);
  if (!ledger.ok()) return Fail(err, ledger.status());
  InclusionProofDoc doc;
  doc.leaf_idx = args.position;
  if (args.size) {
    doc.tree_size = *args.size;
  } else {
    caseledger::Checkpoint cp;
    Status s = NewestCheckpoint(**ledger, &doc.checkpoint, &cp);
    if (!s.ok()) return Fail(err, s.WithContext("no --size given, and no checkpoint to prove against"));
    doc.tree_size = cp.size;
  }
  if (doc.leaf_idx >= doc.tree_size) {
    return Fail(err, Status::InvalidArgument("position " + std::to_string(doc.leaf_idx) +
                                             " is not in the tree of size " +
                                             std::to_string(doc.tree_size)));
  }
  auto ev = (*ledger)->ReadEvent(doc.leaf_idx);
  if (!ev.ok()) return Fail(err, ev.status());
  auto root = (*ledger)->RootAt(doc.tree_size);
  if (!root.ok()) return Fail(err, root.status());
  auto proof = (*ledger)->InclusionProof(doc.leaf_idx, doc.tree_size);
  if (!proof.ok()) return Fail(err, proof.status());
  doc.root = Bytes(*root);
  doc.leaf_hash = Bytes(LeafHash(ev->bytes()));
  if (!args.leaf_hash.empty() && args.leaf_hash != ToHex(LeafHash(ev->bytes()))) {
    err << "caseledger: the event at position " << doc.leaf_idx << " has leaf hash "
        << ToHex(LeafHash(ev->bytes())) << ", not " << args.leaf_hash << "\n";
    return kExitFailed;
  }
  for (const auto& h : *proof) doc.proof.push_back(Bytes(h));
  out << FormatProof(doc);
  return kExitOk;
}

int RunProveConsistency(const ProveConsistencyArgs& args, std::ostream& out, std::ostream& err) {
  const Target target = ChooseTarget(args.data_dir, args.remote, "prove consistency", err);
  if (target == Target::kBad) return kExitUsage;
  if (target == Target::kRemote) return detail::RunProveConsistencyRemote(args, out, err);
  auto ledger = OpenReadOnly(args.data_dir);
  if (!ledger.ok()) return Fail(err, ledger.status());
  ConsistencyProofDoc doc;
  doc.size1 = args.from;
  if (args.to) {
    doc.size2 = *args.to;
    auto note = (*ledger)->GetCheckpoint(doc.size2);
    if (note.ok()) doc.checkpoint = *note;
  } else {
    caseledger::Checkpoint cp;
    Status s = NewestCheckpoint(**ledger, &doc.checkpoint, &cp);
    if (!s.ok()) return Fail(err, s.WithContext("no --to given, and no checkpoint to prove against"));
    doc.size2 = cp.size;
  }
  if (doc.size1 == 0 || doc.size1 > doc.size2) {
    return Fail(err, Status::InvalidArgument("need 0 < --from <= --to (a proof from the empty "
                                             "tree proves nothing)"));
  }
  auto root1 = (*ledger)->RootAt(doc.size1);
  if (!root1.ok()) return Fail(err, root1.status());
  auto root2 = (*ledger)->RootAt(doc.size2);
  if (!root2.ok()) return Fail(err, root2.status());
  auto proof = (*ledger)->ConsistencyProof(doc.size1, doc.size2);
  if (!proof.ok()) return Fail(err, proof.status());
  doc.root1 = Bytes(*root1);
  doc.root2 = Bytes(*root2);
  for (const auto& h : *proof) doc.proof.push_back(Bytes(h));
  out << FormatProof(doc);
  return kExitOk;
}

int RunVerify(const VerifyArgs& args, std::ostream& out, std::ostream& err) {
  VerifyOptions o;
  o.data_dir = args.data_dir;
  if (!args.pubkey_file.empty()) {
    auto pub = ReadFile(args.pubkey_file);
    if (!pub.ok()) {
      err << "caseledger: " << pub.status().ToString() << "\n";
      return kExitUsage;
    }
    o.pinned_verifier_key = *pub;
  }
  if (!args.quiet) {
    o.progress = [&err](uint64_t done, uint64_t total) {
      err << "\rverified " << done << " of " << total << " events" << std::flush;
    };
  }
  auto report = VerifyLedger(o);
  if (!args.quiet) err << "\n";
  if (!report.ok()) {
    err << "caseledger: cannot verify: " << report.status().ToString() << "\n";
    return kExitUsage;
  }
  for (const auto& f : report->findings) err << f.ToString() << "\n";
  if (report->findings_dropped) err << "... and " << report->findings_dropped << " more findings\n";
  if (report->used_recorded_key) {
    out << "note: checkpoints checked with the key recorded with the data (";
    for (size_t i = 0; i < report->keys_used.size(); ++i) out << (i ? ", " : "") << report->keys_used[i];
    out << "); pass --pubkey to pin the operator's published key\n";
  } else {
    out << "checkpoints checked with the pinned key " << args.pubkey_file << "\n";
  }
  out << report->events << " events, " << report->cases << " cases, " << report->tree_nodes
      << " tree nodes, " << report->checkpoints << " checkpoints: "
      << (report->intact() ? "intact" : "CORRUPT") << "\n";
  return report->intact() ? kExitOk : kExitFailed;
}

int RunVerifyProof(const VerifyProofArgs& args, std::ostream& out, std::ostream& err) {
  auto proof_text = ReadFile(args.proof_file);
  if (!proof_text.ok()) return Fail(err, proof_text.status());
  auto note = ReadFile(args.checkpoint_file);
  if (!note.ok()) return Fail(err, note.status());
  auto pub = ReadFile(args.pubkey_file);
  if (!pub.ok()) return Fail(err, pub.status());
  std::string key_text = *pub;
  while (!key_text.empty() && (key_text.back() == '\n' || key_text.back() == '\r')) key_text.pop_back();
  auto key = VerifierKey::Parse(key_text);
  if (!key.ok()) return Fail(err, key.status().WithContext(args.pubkey_file));
  auto doc = ParseProof(*proof_text);
  if (!doc.ok()) return Fail(err, doc.status().WithContext(args.proof_file));

  auto invalid = [&](const std::string& why) {
    err << "caseledger: INVALID: " << why << "\n";
    return kExitFailed;
  };
  auto cp = ParseAndVerifyCheckpoint(*note, *key);
  if (!cp.ok()) {
    if (cp.status().IsInvalidArgument() && cp.status().message().find("no signature") == std::string::npos) {
      return Fail(err, cp.status().WithContext(args.checkpoint_file));
    }
    return invalid("the checkpoint is not signed by " + key->name() + ": " + cp.status().message());
  }
  const std::string cp_root(cp->root.begin(), cp->root.end());
  if (auto* inc = std::get_if<InclusionProofDoc>(&*doc)) {
    if (inc->tree_size != cp->size) {
      return invalid("the proof is for a tree of size " + std::to_string(inc->tree_size) +
                     ", not the checkpoint's tree (size " + std::to_string(cp->size) + ")");
    }
    if (inc->root != cp_root) return invalid("the proof's root is not the checkpoint's root");
    Status s = VerifyProof(*inc);
    if (!s.ok()) return invalid(s.ToString());
    out << "OK: event at position " << inc->leaf_idx << " is in the tree of size " << cp->size
        << " signed by " << key->name() << "\n";
    return kExitOk;
  }
  const auto& con = std::get<ConsistencyProofDoc>(*doc);
  if (con.size2 != cp->size) {
    return invalid("the proof ends at a tree of size " + std::to_string(con.size2) +
                   ", not the checkpoint's tree (size " + std::to_string(cp->size) + ")");
  }
  if (con.root2 != cp_root) return invalid("the proof's root2 is not the checkpoint's root");
  Status s = VerifyProof(con);
  if (!s.ok()) return invalid(s.ToString());
  out << "OK: the tree of size " << con.size1 << " is a prefix of the tree of size " << cp->size
      << " signed by " << key->name() << "\n";
  return kExitOk;
}

}  // namespace caseledger::cli
