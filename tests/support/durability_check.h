// What the crash and power-loss tests append, and what they check after a reopen.
//
// Every event of an append carries in legalBasis the tag "append <token> <k>/<n>": event k of
// the n events of the append named <token>. A reader can then tell a whole append from part of
// one without knowing what was attempted. CheckDurableLedger checks, on a reopened ledger:
// - the log holds positions 0..size()-1 with no gap, each event at the position it names, and
//   findable by its id at that position;
// - every tagged append in the log is whole: all n events, at consecutive positions, in one case;
// - every case reads back with versions 0..head, at the positions the log has, each event
//   linked to the leaf hash of the one before, and its head matching its newest event;
// - every acknowledged append is present at the positions and versions it was acknowledged with.
// Header-only so that the test support library keeps its source list.
#ifndef CASELEDGER_TESTS_SUPPORT_DURABILITY_CHECK_H_
#define CASELEDGER_TESTS_SUPPORT_DURABILITY_CHECK_H_

#include <capnp/message.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <sstream>
#include <string>
#include <vector>

#include "ledger/hash.h"
#include "ledger/ledger.h"
#include "tests/support/test_events.h"

namespace caseledger::testing {

// The events of one tagged append: one per id, all of `case_id`. Owns them.
class TaggedAppend {
 public:
  TaggedAppend(const std::string& case_id, const std::string& child_id, const std::string& token,
               const std::vector<std::string>& ids) {
    for (size_t k = 0; k < ids.size(); ++k) {
      EventSpec spec;
      spec.case_id = case_id;
      spec.child_id = child_id;
      spec.event_id = ids[k];
      auto msg = std::make_unique<capnp::MallocMessageBuilder>();
      msg->setRoot(events_.Make(spec));
      auto root = msg->getRoot<schema::Event>();
      root.setLegalBasis("append " + token + " " + std::to_string(k) + "/" +
                         std::to_string(ids.size()));
      readers_.push_back(root.asReader());
      messages_.push_back(std::move(msg));
    }
  }
  std::span<const schema::Event::Reader> events() const { return readers_; }

 private:
  TestEvents events_;
  std::vector<std::unique_ptr<capnp::MallocMessageBuilder>> messages_;
  std::vector<schema::Event::Reader> readers_;
};

// An append the ledger acknowledged (Append returned OK).
struct AckedAppend {
  std::string case_id;
  uint64_t first_version = 0;
  std::vector<std::string> event_ids;  // 16 bytes each
  std::vector<uint64_t> positions;     // one per id
};

// Returns every broken invariant found (at most 20), empty when all hold. Reads the whole log.
inline std::vector<std::string> CheckDurableLedger(const Ledger& ledger,
                                                   std::span<const AckedAppend> acked) {
  std::vector<std::string> problems;
  auto fail = [&problems](std::string what) {
    if (problems.size() < 20) problems.push_back(std::move(what));
  };
  auto id_of = [](schema::Event::Reader r) {
    return std::string(reinterpret_cast<const char*>(r.getEventId().begin()),
                       r.getEventId().size());
  };

  struct Part {
    std::string case_id;
    uint64_t position;
  };
  struct Batch {
    uint32_t n = 0;
    std::map<uint32_t, Part> parts;  // by k
  };
  std::map<std::string, std::vector<uint64_t>> case_positions;  // in log order
  std::map<std::string, Batch> batches;

  uint64_t next = 0;
  for (;;) {
    auto chunk = ledger.ReadLog(next, 1000);
    if (!chunk.ok()) {
      fail("ReadLog from " + std::to_string(next) + ": " + chunk.status().ToString());
      break;
    }
    if (chunk->empty()) break;
    for (const StoredEvent& ev : *chunk) {
      auto r = ev.reader();
      const std::string at = "position " + std::to_string(next);
      if (ev.position() != next)
        fail(at + ": the log continues at " + std::to_string(ev.position()));
      if (r.getGlobalPosition() != ev.position()) {
        fail(at + ": the event says it is at " + std::to_string(r.getGlobalPosition()));
      }
      auto found = ledger.FindEvent(id_of(r));
      if (!found.ok() || *found != ev.position()) {
        fail(at + ": its id " + ToHex(AsBytes(id_of(r))) + " is indexed at " +
             (found.ok() ? std::to_string(*found) : found.status().ToString()));
      }
      const std::string case_id = r.getCaseId().cStr();
      case_positions[case_id].push_back(ev.position());

      std::istringstream tag(r.getLegalBasis().cStr());
      std::string word, token;
      uint32_t k = 0, n = 0;
      char slash = 0;
      if (!(tag >> word >> token >> k >> slash >> n) || word != "append" || slash != '/' ||
          k >= n) {
        fail(at + ": no append tag (legalBasis \"" + std::string(r.getLegalBasis().cStr()) + "\")");
      } else {
        Batch& b = batches[token];
        if (b.n != 0 && b.n != n)
          fail(at + ": append " + token + " says it has " + std::to_string(n) + " events and " +
               std::to_string(b.n));
        b.n = n;
        if (!b.parts.emplace(k, Part{case_id, ev.position()}).second) {
          fail(at + ": append " + token + " has event " + std::to_string(k) + " twice");
        }
      }
      ++next;
    }
  }
  if (next != ledger.size()) {
    fail("the log holds " + std::to_string(next) + " events; size() says " +
         std::to_string(ledger.size()));
  }

  for (const auto& [token, b] : batches) {
    const std::string what = "append " + token;
    if (b.parts.size() != b.n) {
      fail(what + " is half-written: " + std::to_string(b.parts.size()) + " of " +
           std::to_string(b.n) + " events");
      continue;
    }
    const Part& first = b.parts.begin()->second;
    for (const auto& [k, part] : b.parts) {
      if (part.position != first.position + k || part.case_id != first.case_id) {
        fail(what + ": event " + std::to_string(k) + " is at " + std::to_string(part.position) +
             " in case " + part.case_id + ", apart from event 0 at " +
             std::to_string(first.position));
      }
    }
  }

  for (const auto& [case_id, positions] : case_positions) {
    const std::string what = "case " + case_id;
    auto stream = ledger.ReadStream(case_id, 0, positions.size() + 1);
    if (!stream.ok()) {
      fail(what + ": " + stream.status().ToString());
      continue;
    }
    if (stream->size() != positions.size()) {
      fail(what + ": the stream has " + std::to_string(stream->size()) + " events, the log " +
           std::to_string(positions.size()));
      continue;
    }
    for (size_t v = 0; v < stream->size(); ++v) {
      const StoredEvent& ev = (*stream)[v];
      auto r = ev.reader();
      if (ev.position() != positions[v] || r.getStreamVersion() != v) {
        fail(what + ": version " + std::to_string(v) + " is at " + std::to_string(ev.position()) +
             " and says version " + std::to_string(r.getStreamVersion()) + "; the log has it at " +
             std::to_string(positions[v]));
      }
      if (v == 0) {
        if (r.hasPrevLeafHash()) fail(what + ": version 0 links to a previous event");
      } else {
        Hash256 prev = LeafHash((*stream)[v - 1].bytes());
        auto link = r.getPrevLeafHash();
        if (link.size() != prev.size() || !std::equal(link.begin(), link.end(), prev.begin())) {
          fail(what + ": version " + std::to_string(v) + " does not link to version " +
               std::to_string(v - 1));
        }
      }
    }
    auto head = ledger.GetStream(case_id);
    if (!head.ok()) {
      fail(what + ": head: " + head.status().ToString());
    } else if (head->head_version != stream->size() - 1 ||
               head->head_position != positions.back() ||
               head->head_leaf_hash != LeafHash(stream->back().bytes())) {
      fail(what + ": the head says version " + std::to_string(head->head_version) + " at " +
           std::to_string(head->head_position) + "; the stream ends with version " +
           std::to_string(stream->size() - 1) + " at " + std::to_string(positions.back()));
    }
  }
  auto listed = ledger.ListStreams("", case_positions.size() + 1);
  if (!listed.ok() || listed->size() != case_positions.size()) {
    fail("ListStreams: " +
         (listed.ok() ? std::to_string(listed->size()) + " cases" : listed.status().ToString()) +
         "; the log has " + std::to_string(case_positions.size()));
  }

  for (const AckedAppend& a : acked) {
    for (size_t i = 0; i < a.event_ids.size(); ++i) {
      const std::string what = "acknowledged event " + ToHex(AsBytes(a.event_ids[i])) +
                               " of case " + a.case_id + " (position " +
                               std::to_string(a.positions[i]) + ")";
      auto found = ledger.FindEvent(a.event_ids[i]);
      if (!found.ok()) {
        fail(what + " is lost: " + found.status().ToString());
        continue;
      }
      if (*found != a.positions[i]) fail(what + " is at " + std::to_string(*found));
      auto ev = ledger.ReadEvent(a.positions[i]);
      if (!ev.ok()) {
        fail(what + ": " + ev.status().ToString());
        continue;
      }
      auto r = ev->reader();
      if (id_of(r) != a.event_ids[i] || std::string(r.getCaseId().cStr()) != a.case_id ||
          r.getStreamVersion() != a.first_version + i) {
        fail(what + ": the position holds case " + std::string(r.getCaseId().cStr()) + " version " +
             std::to_string(r.getStreamVersion()) + ", expected version " +
             std::to_string(a.first_version + i));
      }
    }
  }
  return problems;
}

// How many of the acknowledged events the ledger cannot find.
inline size_t CountLostEvents(const Ledger& ledger, std::span<const AckedAppend> acked) {
  size_t lost = 0;
  for (const AckedAppend& a : acked) {
    for (const std::string& id : a.event_ids) lost += ledger.FindEvent(id).ok() ? 0 : 1;
  }
  return lost;
}

}  // namespace caseledger::testing

#endif  // CASELEDGER_TESTS_SUPPORT_DURABILITY_CHECK_H_
