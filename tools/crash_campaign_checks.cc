// The checks the crash campaign makes on the data directory after each kill
// (tools/crash_campaign.h, CheckDirectory).
#include <algorithm>
#include <map>
#include <string_view>

#include "ledger/checkpoint.h"
#include "ledger/ledger.h"
#include "ledger/proof.h"
#include "tools/crash_campaign.h"

namespace caseledger::crash {
namespace {

std::string View(capnp::Data::Reader d) {
  return std::string(reinterpret_cast<const char*>(d.begin()), d.size());
}

std::string HashBytes(const Hash256& h) {
  return std::string(reinterpret_cast<const char*>(h.data()), h.size());
}

std::string Hex(std::string_view id) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : id) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

// Every position 0..size-1 present in order, and each event id once. Fills `where`.
void CheckLog(const Ledger& ledger, std::map<std::string, uint64_t>* where,
              DirectoryReport* report) {
  constexpr size_t kPage = 1000;
  uint64_t next = 0;
  while (next < report->events) {
    auto page = ledger.ReadLog(next, kPage);
    if (!page.ok()) {
      report->violations.push_back("reading the log at " + std::to_string(next) + ": " +
                                   page.status().ToString());
      return;
    }
    if (page->empty()) {
      report->violations.push_back("the log ends at " + std::to_string(next) + " but its size is " +
                                   std::to_string(report->events));
      return;
    }
    for (const auto& ev : *page) {
      if (ev.position() != next) {
        report->violations.push_back("gap: position " + std::to_string(next) + " is followed by " +
                                     std::to_string(ev.position()));
        return;
      }
      const std::string id = View(ev.reader().getEventId());
      auto [it, inserted] = where->emplace(id, next);
      if (!inserted) {
        report->violations.push_back("event " + Hex(id) + " stored twice, at " +
                                     std::to_string(it->second) + " and " + std::to_string(next));
      }
      ++next;
    }
  }
}

void CheckAcks(const Ledger& ledger, const std::map<std::string, uint64_t>& where,
               const std::vector<Ack>& acks, DirectoryReport* report) {
  for (const auto& a : acks) {
    auto it = where.find(a.event_id);
    if (it == where.end()) {
      report->violations.push_back("acknowledged event " + Hex(a.event_id) + " (position " +
                                   std::to_string(a.position) + ") is missing");
      continue;
    }
    if (it->second != a.position) {
      report->violations.push_back("acknowledged event " + Hex(a.event_id) + " is at " +
                                   std::to_string(it->second) + ", acknowledged at " +
                                   std::to_string(a.position));
      continue;
    }
    auto ev = ledger.ReadEvent(a.position);
    if (!ev.ok()) {
      report->violations.push_back("reading acknowledged position " + std::to_string(a.position) +
                                   ": " + ev.status().ToString());
      continue;
    }
    const auto r = ev->reader();
    if (std::string_view(r.getCaseId().cStr()) != a.case_id || r.getStreamVersion() != a.version) {
      report->violations.push_back("acknowledged event at " + std::to_string(a.position) +
                                   " has case " + r.getCaseId().cStr() + " version " +
                                   std::to_string(r.getStreamVersion()) + ", acknowledged as " +
                                   a.case_id + " version " + std::to_string(a.version));
    }
  }
}

// Adds a verified checkpoint to the history; a different root for a known size is a fork.
void Learn(const Ledger& ledger, const std::string& note, const VerifierKey& key,
           const char* source, CheckpointHistory* history, DirectoryReport* report) {
  auto cp = ParseAndVerifyCheckpoint(note, key);
  if (!cp.ok()) {
    report->violations.push_back(std::string("a checkpoint ") + source +
                                 " does not verify: " + cp.status().ToString());
    return;
  }
  auto [it, inserted] = history->roots.emplace(cp->size, cp->root);
  if (!inserted && it->second != cp->root) {
    report->violations.push_back(std::string("a checkpoint ") + source + " of size " +
                                 std::to_string(cp->size) + " has another root than one seen before");
  }
  if (cp->size > report->events) {
    report->violations.push_back(std::string("a checkpoint ") + source + " covers " +
                                 std::to_string(cp->size) + " events but the log has " +
                                 std::to_string(report->events));
    return;
  }
  auto root = ledger.RootAt(cp->size);
  if (!root.ok() || *root != cp->root) {
    report->violations.push_back(std::string("a checkpoint ") + source + " of size " +
                                 std::to_string(cp->size) + " does not match the tree's root");
  }
}

void CheckCheckpoints(const Ledger& ledger, const std::vector<std::string>& seen,
                      CheckpointHistory* history, DirectoryReport* report) {
  auto key = VerifierKey::Parse(ledger.VerifierKeyString());
  if (!key.ok()) {
    report->violations.push_back("the ledger's verifier key: " + key.status().ToString());
    return;
  }
  for (const auto& note : seen) Learn(ledger, note, *key, "a client saw", history, report);
  auto sizes = ledger.CheckpointSizes();
  if (!sizes.ok()) {
    report->violations.push_back("listing checkpoints: " + sizes.status().ToString());
    return;
  }
  for (uint64_t size : *sizes) {
    auto note = ledger.GetCheckpoint(size);
    if (!note.ok()) {
      report->violations.push_back("checkpoint " + std::to_string(size) + ": " +
                                   note.status().ToString());
      continue;
    }
    Learn(ledger, *note, *key, "stored", history, report);
  }
  report->checkpoints = history->roots.size();
  if (history->roots.empty()) return;
  const auto& [newest, newest_root] = *history->roots.rbegin();
  report->newest_checkpoint = newest;
  for (const auto& [size, root] : history->roots) {
    if (size == 0 || size == newest) continue;
    auto proof = ledger.ConsistencyProof(size, newest);
    if (!proof.ok()) {
      report->violations.push_back("consistency proof " + std::to_string(size) + " -> " +
                                   std::to_string(newest) + ": " + proof.status().ToString());
      continue;
    }
    ConsistencyProofDoc doc;
    doc.size1 = size;
    doc.size2 = newest;
    doc.root1 = HashBytes(root);
    doc.root2 = HashBytes(newest_root);
    for (const auto& h : *proof) doc.proof.push_back(HashBytes(h));
    if (Status s = VerifyProof(doc); !s.ok()) {
      report->violations.push_back("the newest checkpoint (" + std::to_string(newest) +
                                   ") is not consistent with the one of size " +
                                   std::to_string(size) + ": " + s.ToString());
    }
  }
}

}  // namespace

DirectoryReport CheckDirectory(const std::string& data_dir, const std::vector<Ack>& acks,
                               const std::set<std::string>& unacked,
                               const std::vector<std::string>& seen, CheckpointHistory* history) {
  DirectoryReport report;
  LedgerOptions options;
  options.data_dir = data_dir;
  options.create_if_missing = false;
  options.read_only = true;
  auto ledger = Ledger::Open(options);
  if (!ledger.ok()) {
    report.violations.push_back("cannot open the data directory: " + ledger.status().ToString());
    return report;
  }
  report.events = (*ledger)->size();
  std::map<std::string, uint64_t> where;
  CheckLog(**ledger, &where, &report);
  CheckAcks(**ledger, where, acks, &report);
  for (const auto& id : unacked) report.unacked_present += where.count(id);
  CheckCheckpoints(**ledger, seen, history, &report);
  return report;
}

}  // namespace caseledger::crash
