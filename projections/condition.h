// Conditions of rule packs ("PATH OP VALUE", rule_pack.h Condition) on ledger events, through
// Cap'n Proto's dynamic API. A path is resolved once per event type (CompiledCondition,
// FieldPath) so that evaluating it on an event is a walk over pre-resolved field handles.
//
// Paths:
//   "child.unaccompanied"     dotted capnp field names, relative to the body struct of the
//                             event type ("forensicInterviewConducted" -> ForensicInterviewConducted)
//   "envelope.agencyRole"     a field of the Event envelope
//   "fact.unaccompanied"      a fact of the case so far (CaseFacts, compliance.h)
// Only the last step of a path may be a list. A step through a union member that is not the
// active one reads as unset.
#ifndef CASELEDGER_PROJECTIONS_CONDITION_H_
#define CASELEDGER_PROJECTIONS_CONDITION_H_

#include <capnp/dynamic.h>
#include <capnp/schema.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/status.h"
#include "projections/compliance.h"
#include "projections/rule_pack.h"
#include "schema/events.capnp.h"

namespace caseledger::compliance {

// The names of the case facts a "fact." path may name (CaseFacts keys).
const std::vector<std::string>& KnownFactNames();

// OK when `type` names a member of Event.body ("crimeReported"); InvalidArgument otherwise.
Status CheckEventType(std::string_view type);

// The union member name of the event's body ("crimeReported"); "unspecified" when unset.
std::string_view EventTypeName(schema::Event::Reader event);

// Does PATH name a field in each of `event_types`, and are the condition's values valid for
// that field (an enumerant of an enum field, true|false for a bool, a number for numbers, a
// number or an RFC 3339 time for Int64 fields)? InvalidArgument "no field X in <type>" or
// "bad value V for <path> in <type>: ...". An empty `event_types` checks envelope./fact.
// paths only (and refuses body paths).
Status CheckConditionPath(const Condition& c, const std::vector<std::string>& event_types);

// The same for a bare field path (same_field, reason_field, exempt_field, group_field,
// span_from, span_to, until_field, extend_field): InvalidArgument "no field X in <type>".
Status CheckFieldPath(std::string_view path, const std::vector<std::string>& event_types);

// A field path resolved for one event type (body or envelope; not facts). Copyable.
class FieldPath {
 public:
  // InvalidArgument as CheckFieldPath.
  static Result<FieldPath> Compile(std::string_view path, std::string_view event_type);

  // The leaf's value when every step is set and the event has this type; nullopt otherwise.
  std::optional<capnp::DynamicValue::Reader> Get(schema::Event::Reader event) const;
  // "is set": non-empty text/data/list, non-zero number, true bool, non-0 enum, present struct.
  bool IsSet(schema::Event::Reader event) const;
  // The value as text, for comparing two events' values: text as is, enum as its enumerant
  // name, data as lowercase hex, numbers in decimal, bools true/false; "" when unset.
  std::string Text(schema::Event::Reader event) const;
  // The value of an integer leaf (times), nullopt when unset or not an integer.
  std::optional<int64_t> Int(schema::Event::Reader event) const;

  capnp::Type leaf_type() const { return leaf_.getType(); }
  const std::string& path() const { return path_; }

 private:
  friend class CompiledCondition;
  std::string path_;
  bool envelope_ = false;
  // Steps from the event (body member first, unless an envelope path), each a field of the
  // struct the previous step reached.
  std::vector<capnp::StructSchema::Field> steps_;
  capnp::StructSchema::Field leaf_;
};

// A condition resolved for one event type, with its values converted once (enumerants to raw
// numbers, numbers and times to integers). Copyable.
class CompiledCondition {
 public:
  // InvalidArgument as CheckConditionPath.
  static Result<CompiledCondition> Compile(const Condition& c, std::string_view event_type);

  // Does the condition hold on `event` (of the compiled type) with the case's facts so far?
  // An event of another type never matches. "is not set" holds on an unset path.
  bool Matches(schema::Event::Reader event, const CaseFacts& facts) const;

  const Condition& condition() const { return condition_; }

 private:
  enum class Leaf { kFact, kBool, kInt, kUInt, kFloat, kEnum, kText, kData, kList, kStruct };
  bool MatchesValue(const capnp::DynamicValue::Reader& v) const;
  bool MatchesFact(const CaseFacts& facts) const;

  Condition condition_;
  std::optional<FieldPath> field_;  // unset for fact paths
  std::string fact_;                // fact name for fact paths
  Leaf leaf_ = Leaf::kText;
  Leaf element_ = Leaf::kText;      // list element kind
  std::vector<int64_t> ints_;       // kInt, kUInt, kEnum, kBool (0/1), enum list elements
  std::vector<double> floats_;
  std::vector<std::string> texts_;  // kText, kData (hex), kFact
};

// Does the event carry grounds for lateness (delayReason, delayGrounds or extensionGrounds of
// its body set)? Marks late or breaching obligations as justified.
bool HasGrounds(schema::Event::Reader event);

}  // namespace caseledger::compliance

#endif  // CASELEDGER_PROJECTIONS_CONDITION_H_
