// Checking a case bundle offline (docs/verification.md, "Case bundles"). The file is
// untrusted input: it is decoded once, at one boundary that turns Cap'n Proto's exceptions
// into a problem, into plain structs that the checks below read.
#include <capnp/message.h>
#include <capnp/serialize.h>
#include <kj/exception.h>

#include <algorithm>
#include <cstring>
#include <map>

#include "ledger/bundle.h"
#include "ledger/checkpoint.h"
#include "ledger/merkle.h"
#include "ledger/stored_event.h"
#include "schema/bundle.capnp.h"

namespace caseledger {

namespace {

constexpr uint32_t kFormatVersion = 1;
// Reading the bundle once touches about as many words as it holds; a few times that bounds a
// file whose pointers overlap, or whose lists of empty structs claim millions of elements, to
// make reads (and the vectors they fill) explode. The floor is small on purpose: one of
// Cap'n Proto's default (8 Mi words) let a 30 KB file make the reader allocate over 1 GB
// (fuzz_bundle).
constexpr uint64_t kMinTraversalWords = 1024;

struct DecodedEvent {
  uint64_t position = 0;
  std::string leaf_input;
  std::vector<std::string> proof;
};

struct Decoded {
  uint32_t format_version = 0;
  std::string origin, verifier_key, checkpoint, case_id;
  std::vector<DecodedEvent> events;
  uint32_t bucket = 0;
  std::vector<HeadEntry> entries;
  std::vector<std::string> siblings;
  size_t trailing_words = 0;  // words after the message: a bundle is exactly one
  std::vector<std::string> bad_entry_hashes;  // entries whose leaf hash is not 32 bytes
};

std::string Str(capnp::Data::Reader d) {
  return std::string(reinterpret_cast<const char*>(d.begin()), d.size());
}

// Copies the bundle's fields out of the message. Throws kj::Exception on malformed input.
void ReadBundle(kj::ArrayPtr<const capnp::word> words, Decoded* out) {
  Decoded& d = *out;
  capnp::ReaderOptions ro;
  ro.traversalLimitInWords = std::max<uint64_t>(kMinTraversalWords, 4 * words.size());
  capnp::FlatArrayMessageReader reader(words, ro);
  auto b = reader.getRoot<schema::CaseBundle>();
  d.format_version = b.getFormatVersion();
  d.origin = b.getOrigin();
  d.verifier_key = b.getVerifierKey();
  d.checkpoint = b.getCheckpoint();
  d.case_id = b.getCaseId();
  for (auto e : b.getEvents()) {
    DecodedEvent de;
    de.position = e.getPosition();
    de.leaf_input = Str(e.getLeafInput());
    for (auto h : e.getInclusionProof()) de.proof.push_back(Str(h));
    d.events.push_back(std::move(de));
  }
  auto hp = b.getHeadProof();
  d.bucket = hp.getBucket();
  for (auto en : hp.getEntries()) {
    HeadEntry he;
    he.case_id = en.getCaseId();
    he.head_version = en.getHeadVersion();
    const std::string h = Str(en.getHeadLeafHash());
    if (h.size() == 32) {
      std::memcpy(he.head_leaf_hash.data(), h.data(), 32);
    } else {
      d.bad_entry_hashes.push_back(he.case_id);
    }
    d.entries.push_back(std::move(he));
  }
  for (auto s : hp.getSiblings()) d.siblings.push_back(Str(s));
  d.trailing_words = static_cast<size_t>(words.end() - reader.getEnd());
}

Result<Decoded> Decode(std::string_view bytes) {
  if (bytes.size() % sizeof(capnp::word) != 0 || bytes.empty()) {
    return Status::InvalidArgument("malformed file: " + std::to_string(bytes.size()) +
                                   " bytes is not a whole Cap'n Proto message (truncated?)");
  }
  kj::Array<capnp::word> words = kj::heapArray<capnp::word>(bytes.size() / sizeof(capnp::word));
  std::memcpy(words.begin(), bytes.data(), bytes.size());
  Decoded d;
  KJ_IF_MAYBE (e, kj::runCatchingExceptions([&] { ReadBundle(words, &d); })) {
    return Status::InvalidArgument(std::string("malformed file: not a readable case bundle (") +
                                   e->getDescription().cStr() + ")");
  }
  if (d.trailing_words != 0) {
    // A bundle is exactly one message: bytes after it were added by someone.
    return Status::InvalidArgument("malformed file: " +
                                   std::to_string(d.trailing_words * sizeof(capnp::word)) +
                                   " bytes after the bundle's message");
  }
  return d;
}

bool ToHash(const std::string& s, Hash256* h) {
  if (s.size() != 32) return false;
  std::memcpy(h->data(), s.data(), 32);
  return true;
}

std::string Range(uint64_t a, uint64_t b) {
  return a == b ? std::to_string(a) : std::to_string(a) + ".." + std::to_string(b);
}

// What one event proved: its version and leaf hash, when it was readable.
struct Checked {
  bool readable = false;
  uint64_t version = 0;
  uint64_t position = 0;
  Hash256 leaf{};
  std::string prev_link;  // prevLeafHash as stored (empty for version 0)
};

// Reads what the chain checks need of a stored event into `c`; a wrong case or position is
// the returned status. Throws kj::Exception when a field is unreadable.
Status ReadFields(const StoredEvent& ev, const std::string& case_id, uint64_t position,
                  Checked* c) {
  auto r = ev.reader();
  c->version = r.getStreamVersion();
  c->prev_link = Str(r.getPrevLeafHash());
  if (std::string_view(r.getCaseId().cStr()) != case_id) {
    return Status::InvalidArgument("belongs to case \"" + std::string(r.getCaseId().cStr()) + "\"");
  }
  if (r.getGlobalPosition() != position) {
    return Status::InvalidArgument("says it is at position " +
                                   std::to_string(r.getGlobalPosition()));
  }
  return Status::OK();
}

// Checks event `i` against the checkpoint; adds its problems.
Checked CheckEvent(const Decoded& d, size_t i, const Checkpoint& cp,
                   std::vector<std::string>* problems) {
  const DecodedEvent& de = d.events[i];
  Checked c;
  c.position = de.position;
  const std::string where =
      "event #" + std::to_string(i) + " (position " + std::to_string(de.position) + ")";
  auto ev = StoredEvent::FromBytes(de.position, de.leaf_input);
  if (!ev.ok()) {
    problems->push_back(where + " is altered: its bytes are not a readable event");
    return c;
  }
  c.leaf = LeafHash(ev->bytes());
  Status readable_fields;
  KJ_IF_MAYBE (e, kj::runCatchingExceptions(
                      [&] { readable_fields = ReadFields(*ev, d.case_id, de.position, &c); })) {
    problems->push_back(where + " is altered: its fields are not readable");
    return c;
  }
  const std::string named = where + " version " + std::to_string(c.version);
  if (de.position >= cp.size) {
    problems->push_back(named + " lies outside the checkpoint, which covers " +
                        std::to_string(cp.size) + " events");
    return c;
  }
  std::vector<Hash256> path(de.proof.size());
  for (size_t j = 0; j < de.proof.size(); ++j) {
    if (!ToHash(de.proof[j], &path[j])) {
      problems->push_back(named + ": inclusion proof hash " + std::to_string(j) +
                          " is not 32 bytes");
      return c;
    }
  }
  Status inc = VerifyInclusion(de.position, cp.size, c.leaf, path, cp.root);
  if (!inc.ok()) {
    problems->push_back(named +
                        " is altered: its inclusion proof does not lead to the "
                        "checkpoint's root (" +
                        inc.message() + ")");
    return c;
  }
  if (!readable_fields.ok()) {
    problems->push_back(named + " " + readable_fields.message());
    return c;
  }
  c.readable = true;
  return c;
}

// Order, completeness from version 0 and back-links, over the events that proved.
void CheckChain(const std::vector<Checked>& events, std::vector<std::string>* problems) {
  for (size_t i = 1; i < events.size(); ++i) {
    const Checked& a = events[i - 1];
    const Checked& b = events[i];
    if (!a.readable || !b.readable) continue;
    if (b.version <= a.version || b.position <= a.position) {
      problems->push_back("events are reordered: event #" + std::to_string(i) + " (version " +
                          std::to_string(b.version) + ", position " + std::to_string(b.position) +
                          ") follows version " + std::to_string(a.version) + " at position " +
                          std::to_string(a.position));
    }
  }
  std::map<uint64_t, const Checked*> by_version;
  for (const Checked& c : events) {
    if (c.readable) by_version.emplace(c.version, &c);
  }
  uint64_t expected = 0;
  for (const auto& [version, c] : by_version) {
    if (version > expected) {
      problems->push_back("missing event: version" +
                          std::string(version - expected > 1 ? "s " : " ") +
                          Range(expected, version - 1) + " of the case not in the bundle");
    }
    expected = version + 1;
    if (version == 0) {
      if (!c->prev_link.empty()) {
        problems->push_back("version 0 has a back-link, but the first event of a case has none");
      }
      continue;
    }
    auto prev = by_version.find(version - 1);
    if (prev == by_version.end()) continue;  // reported as missing
    if (c->prev_link != std::string(reinterpret_cast<const char*>(prev->second->leaf.data()), 32)) {
      problems->push_back("version " + std::to_string(version) +
                          "'s back-link (prevLeafHash) is not the leaf hash of version " +
                          std::to_string(version - 1));
    }
  }
}

}  // namespace

BundleReport VerifyBundle(std::string_view bytes, std::optional<std::string> pinned_verifier_key) {
  BundleReport report;
  auto& problems = report.problems;
  auto decoded = Decode(bytes);
  if (!decoded.ok()) {
    problems.push_back(decoded.status().message());
    return report;
  }
  const Decoded& d = *decoded;
  report.case_id = d.case_id;
  report.origin = d.origin;
  report.events = d.events.size();
  if (d.format_version != kFormatVersion) {
    problems.push_back("malformed file: bundle format version " + std::to_string(d.format_version) +
                       "; this build reads " + std::to_string(kFormatVersion));
    return report;
  }
  report.used_bundle_key = !pinned_verifier_key.has_value();
  const std::string key_text = pinned_verifier_key ? *pinned_verifier_key : d.verifier_key;
  auto key = VerifierKey::Parse(key_text);
  if (!key.ok()) {
    problems.push_back(
        (pinned_verifier_key ? "the pinned verifier key" : "the bundle's verifier key") +
        std::string(" is not valid: ") + key.status().message());
    return report;
  }
  report.key = key->ToString();
  auto cp = ParseAndVerifyCheckpoint(d.checkpoint, *key);
  if (!cp.ok()) {
    problems.push_back("wrong key or altered checkpoint: the checkpoint does not verify with " +
                       report.key + ": " + cp.status().message());
    return report;
  }
  report.checkpoint_size = cp->size;
  if (cp->origin != d.origin) {
    problems.push_back("the checkpoint is for origin \"" + cp->origin +
                       "\", but the bundle says \"" + d.origin + "\"");
  }
  std::vector<Checked> checked;
  for (size_t i = 0; i < d.events.size(); ++i) checked.push_back(CheckEvent(d, i, *cp, &problems));
  CheckChain(checked, &problems);

  // Completeness: the checkpoint's case-head map names the case's last version.
  auto heads_root = FindHeadsRoot(cp->extensions);
  if (!heads_root.ok() || !*heads_root) {
    problems.push_back("the checkpoint carries no valid " + std::string(kHeadsExtension) +
                       " line: whether the case's last events are present cannot be checked");
    return report;
  }
  HeadProof hp;
  hp.bucket = d.bucket;
  hp.entries = d.entries;
  for (const auto& s : d.siblings) {
    Hash256 h;
    if (!ToHash(s, &h)) {
      problems.push_back("head proof: a sibling hash is not 32 bytes");
      return report;
    }
    hp.siblings.push_back(h);
  }
  if (!d.bad_entry_hashes.empty()) {
    problems.push_back("head proof: an entry's leaf hash is not 32 bytes");
    return report;
  }
  auto entry = VerifyHeadProof(hp, d.case_id, **heads_root);
  if (!entry.ok()) {
    problems.push_back("head proof: " + entry.status().message());
    return report;
  }
  if (!*entry) {
    problems.push_back("the checkpoint's case-head map has no case \"" + d.case_id + "\"");
    return report;
  }
  const HeadEntry& head = **entry;
  report.committed_head_version = head.head_version;
  const Checked* last = nullptr;
  for (const Checked& c : checked) {
    if (c.readable && (last == nullptr || c.version > last->version)) last = &c;
  }
  if (last == nullptr || last->version < head.head_version) {
    const uint64_t from = last == nullptr ? 0 : last->version + 1;
    problems.push_back("tail dropped: the checkpoint commits to head version " +
                       std::to_string(head.head_version) + ", but the bundle " +
                       (last == nullptr ? std::string("has no event of it")
                                        : "ends at version " + std::to_string(last->version)) +
                       " (missing versions " + Range(from, head.head_version) + ")");
  } else if (last->version > head.head_version) {
    problems.push_back("version " + std::to_string(last->version) +
                       " lies past the head the checkpoint commits to (version " +
                       std::to_string(head.head_version) + ")");
  } else if (last->leaf != head.head_leaf_hash) {
    problems.push_back("the last event (version " + std::to_string(last->version) +
                       ") is not the head the checkpoint commits to (leaf hashes differ)");
  }
  return report;
}

}  // namespace caseledger
