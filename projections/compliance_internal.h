// Internals of the compliance engine (compliance.h), shared by compliance*.cc only.
//
// A rule set is compiled once (CompiledRules): every condition and field path of every rule
// resolved per event type, and the rules indexed by the event type (Event.body discriminant)
// that they name. A case keeps, per (rule set, rule), a Track: the summaries of the events
// that rule cares about (Item), each holding what the rule needs from the event, computed when
// the event arrives. A rule's obligations are a pure function of its track, so a correction or
// a late-recorded event only edits the track and evaluates that rule again.
#ifndef CASELEDGER_PROJECTIONS_COMPLIANCE_INTERNAL_H_
#define CASELEDGER_PROJECTIONS_COMPLIANCE_INTERNAL_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "projections/compliance.h"
#include "projections/condition.h"

namespace caseledger::compliance::detail {

// Conditions compiled per event type (discriminant), all of which must hold.
struct CompiledMatch {
  std::map<uint16_t, std::vector<CompiledCondition>> by_type;
  bool Names(uint16_t type) const { return by_type.count(type) > 0; }
  bool Matches(uint16_t type, schema::Event::Reader e, const CaseFacts& facts) const;
};

// Conditions compiled per event type, without a type filter of their own.
using ConditionsByType = std::map<uint16_t, std::vector<CompiledCondition>>;
bool AllHold(const ConditionsByType& c, uint16_t type, schema::Event::Reader e,
             const CaseFacts& facts);
using FieldByType = std::map<uint16_t, FieldPath>;

struct CompiledState {
  CompiledMatch opens, closes, extends;
  FieldByType until_field, extend_field;
};

struct CompiledRule {
  const Rule* rule = nullptr;
  const RuleSet::Entry* entry = nullptr;
  CompiledMatch trigger, satisfied_by, exempted_by, cancelled_by, released_by, stop;
  // Per limit: `when` (on triggers, and on satisfiers for recurring rules), the extensions'
  // `when` (on satisfiers), `exceptional_when` (on triggers).
  std::vector<ConditionsByType> limit_when;
  std::vector<std::vector<ConditionsByType>> extension_when;
  std::vector<ConditionsByType> exceptional_when;
  std::vector<ConditionsByType> require_any;  // on triggers, per group
  FieldByType same_field, reason_field, exempt_field, group_field;  // on triggers
  FieldByType span_from, span_to;                                   // on satisfiers
  std::optional<CompiledState> state;
  bool all_types = false;  // recording_delay without trigger types: every event
};

struct CompiledRules {
  std::vector<CompiledRule> rules;                  // parallel to RuleSet::rules
  std::vector<std::vector<uint32_t>> by_type;       // discriminant -> rule indices
};

// Builds the compiled form of `set` (whose rules and packs are already filled in).
Result<std::shared_ptr<const CompiledRules>> CompileRules(const RuleSet& set,
                                                          const std::vector<StateDef>& states);

// What one rule needs to know about one event. Persisted in CaseCompliance::Serialize.
struct Item {
  enum Flag : uint32_t {
    kTrigger = 1, kSatisfier = 2, kExempt = 4, kCancel = 8, kRelease = 16, kStop = 32,
    kOpen = 64, kClose = 128, kExtend = 256, kClosure = 512, kGrounds = 1024,
    kRequireOk = 2048, kReasonSet = 4096, kExemptSet = 8192, kExceptional = 16384,
  };
  uint64_t position = 0;
  std::string event_id;  // hex
  uint16_t type = 0;
  int64_t at = 0;        // occurred-at
  int64_t recorded = 0;  // recorded-at
  std::string agency, role;
  uint32_t flags = 0;
  int32_t limit = -1;         // first applicable limit, for triggers (and recurring satisfiers)
  uint64_t extensions = 0;    // bit (limit * 8 + extension): the extension's `when` holds
  std::string value;          // same_field or group_field value
  std::optional<int64_t> span_from, span_to, until;
  int64_t count_after = 0;    // cross-case caps: the group's size after joining
  bool Has(Flag f) const { return (flags & f) != 0; }
};

struct Track {
  std::vector<Item> items;  // sorted by (at, position)
  std::vector<std::string> joined;  // cross-case groups this case joined
  std::vector<Obligation> obligations;  // evaluation of items
  // The items (or the case's agencies) changed since `obligations` was computed. Evaluation
  // waits until someone reads the obligations: a case folds many events between reads.
  bool stale = false;
};

// The obligations of one rule from its track (pure).
std::vector<Obligation> Evaluate(const RuleSet& set, const CompiledRule& rule,
                                 const Track& track, const std::map<std::string, std::string>&
                                     agency_by_role);

// The discriminant of caseClosed, which ends pending deadlines.
uint16_t CaseClosedType();

// Deterministic binary encoding helpers (compliance_codec.cc).
class Writer {
 public:
  void U64(uint64_t v);
  void I64(int64_t v) { U64(static_cast<uint64_t>(v)); }
  void Str(std::string_view s);
  std::string& out() { return out_; }

 private:
  std::string out_;
};

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  bool U64(uint64_t* v);
  bool I64(int64_t* v);
  bool Str(std::string* s);
  bool done() const { return in_.empty(); }

 private:
  std::string_view in_;
};

void WriteObligation(Writer& w, const Obligation& o);
bool ReadObligation(Reader& r, Obligation* o);
void WriteItem(Writer& w, const Item& item);
bool ReadItem(Reader& r, Item* item);

}  // namespace caseledger::compliance::detail

#endif  // CASELEDGER_PROJECTIONS_COMPLIANCE_INTERNAL_H_
