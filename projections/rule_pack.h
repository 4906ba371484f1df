// Compliance rule packs: the data model of one pack, as parsed from its TOML text
// (docs/compliance.md gives the format; projections/rules/ holds the shipped packs).
//
// A pack is either the baseline (`jurisdiction` empty: the EU and Council of Europe minimums
// and the configurable defaults) or a national pack for one jurisdiction, whose rules override
// the baseline's rule of the same id (all of its limits at once) or add to it. Packs take effect
// through RulePackActivated ledger events that carry the pack text (PackRegistry, compliance.h).
#ifndef CASELEDGER_PROJECTIONS_RULE_PACK_H_
#define CASELEDGER_PROJECTIONS_RULE_PACK_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/status.h"
#include "projections/calendar.h"

namespace caseledger::compliance {

// Where a limit comes from, as in obligations.md: `[B]` binding minimum (treaty, EU law), `[N]`
// national statute or regulation, `[P]` national practice or prosecutor guideline, `[S]`
// soft-law standard, `[D]` configurable default (no number found in law or practice).
enum class Tag { kBinding, kNational, kPractice, kStandard, kDefault };

// "binding", "national", "practice", "standard", "default"; and back (nullopt when unknown).
std::string_view TagName(Tag tag);
std::optional<Tag> ParseTag(std::string_view name);

enum class RuleKind {
  kDeadline,          // trigger -> a satisfying event within a period
  kCountCap,          // at most `cap` matching events per case (those with an exemption aside)
  kOrdering,          // a required event must precede the trigger event
  kPresence,          // each trigger event must carry fields that satisfy `require_any`
  kContinuity,        // each later trigger event has the same `same_field` as the first, or
                      // a non-empty `reason_field`
  kAbsenceAtClosure,  // the closing (trigger) event needs an earlier required event
  kForbiddenWhileOpen,  // a trigger event is forbidden while `state` is open (or always)
  kRecurring,         // after the first satisfying event, another within each period
  kCrossCaseCap,      // the count of active cases sharing `group_field` stays within `cap`
  kRecordingDelay,    // every event is recorded within the period after it occurred
};

// "deadline", "count_cap", "ordering", "presence", "continuity", "absence_at_closure",
// "forbidden_while_open", "recurring", "cross_case_cap", "recording_delay".
std::string_view RuleKindName(RuleKind kind);
std::optional<RuleKind> ParseRuleKind(std::string_view name);

// A test on one field. Written in a pack as "PATH OP VALUE", e.g.
//   "child.unaccompanied = yes"        the event body's field (capnp field names, dotted)
//   "premises in [barnahus, childAdaptedRoom]"
//   "recordingHash is set"             non-empty text/data/list, non-zero number, true bool,
//                                      non-`unspecified` enum
//   "caseload > 30"
//   "exploitationTypes contains forcedCriminality"
//   "envelope.agencyRole = police"     a field of the event envelope
//   "fact.unaccompanied = yes"         a fact of the case so far (CaseFacts in compliance.h)
// Enum values are written as their capnp enumerant names, booleans as true/false, times as
// RFC 3339. A path that names no field of the event type it is tested on is a pack error.
struct Condition {
  enum class Op { kEq, kNe, kIn, kNotIn, kSet, kUnset, kLt, kLe, kGt, kGe, kContains };
  std::string path;                 // as written, e.g. "child.unaccompanied"
  Op op = Op::kEq;
  std::vector<std::string> values;  // one for comparisons, several for in / not in
  std::string text;                 // the whole condition as written, for messages
  int line = 0;                     // line in the pack file, for messages
};

// A set of event types and conditions that must all hold on the event.
struct EventMatch {
  // Event types by their union member name in schema/events.capnp: "forensicInterviewConducted".
  std::vector<std::string> types;
  std::vector<Condition> where;
  bool empty() const { return types.empty(); }
};

struct Period {
  int64_t amount = 0;
  PeriodUnit unit = PeriodUnit::kDays;
};

// Extra time a deadline allows when the satisfying event says why (NO: +1 week for
// time-consuming investigative steps), or when a condition on the trigger holds.
struct Extension {
  Period period;
  std::vector<Condition> when;  // on the satisfying event (paths as in Condition)
  std::string source;
  Tag tag = Tag::kDefault;
};

// One limit of a rule. Tags belong to limits: R14 is binding, but its number is national law
// in NO, practice in DK and a default elsewhere.
struct Limit {
  std::string name;             // "" when the rule has one limit; else e.g. "provisional"
  std::vector<Condition> when;  // the limit applies only when these hold on the trigger
                                // event (and case facts); the first limit that applies wins
  // Deadline-like kinds: how long, and whether a period ending on a non-working day moves to
  // the end of the next working day (Regulation 1182/71 Art 3(4)).
  std::optional<Period> period;
  bool roll_forward = false;
  std::vector<Extension> extensions;
  // Count caps and cross-case caps.
  std::optional<int64_t> cap;
  // Cross-case caps: a higher cap when this condition holds on the event (R06: 50 when the
  // appointment says the caseload is exceptional).
  std::optional<int64_t> exceptional_cap;
  std::vector<Condition> exceptional_when;
  // A minimum length between two time fields of the satisfying event (R13: the reflection
  // period granted must last at least 30 days): `min_span` from `span_from` to `span_to`.
  std::optional<Period> min_span;
  std::string span_from, span_to;
  // Law that takes effect on a known date (R23: 2 months from 12 Jun 2026): the limit applies
  // to obligations whose trigger occurred in [effective_from, effective_until).
  std::optional<int64_t> effective_from, effective_until;
  std::string source;
  Tag tag = Tag::kDefault;
  bool uncertain = false;  // `[?]`: from a secondary source only, to verify
  int line = 0;
};

// A named state of a case, open from an opening event until a closing event (or until the
// time in `until_field` of the opening event, such as a reflection period's end).
struct StateDef {
  std::string name;  // "age_disputed", "identification_pending", "reflection_period"
  EventMatch opens;
  EventMatch closes;
  std::string until_field;   // optional: a time field of the opening event
  std::string extend_field;  // optional: a time field of an extending event that moves it
  EventMatch extends;
  int line = 0;
};

struct Rule {
  std::string id;     // "R14"; baseline ids are R01..R31, plus "LR" for late recording
  std::string title;  // one line
  RuleKind kind = RuleKind::kDeadline;
  std::string source;  // citation of the rule as a whole
  Tag tag = Tag::kBinding;
  bool uncertain = false;
  bool enabled = true;  // a national pack may switch a baseline rule off, with a reason
  std::string note;     // why a rule is shaped or disabled as it is
  // Who answers for an obligation, tried in order: "trigger" (the agency that recorded the
  // trigger), "violator" (the agency whose event broke the rule), "satisfier", or an agency
  // role name ("guardianship"): the newest agency of that role on the case.
  std::vector<std::string> accountable;

  EventMatch trigger;       // what starts an obligation or is checked (see RuleKind)
  EventMatch satisfied_by;  // deadline, recurring: what meets it; ordering, absence: what
                            // must come first
  EventMatch exempted_by;   // an event that excuses (an exclusion decision recorded before the
                            // interview; a reasoned exemption from hearing the child)
  EventMatch cancelled_by;  // ends an open obligation without a breach (case transferred)
  // Presence: the trigger event must satisfy one of these groups (each an AND of conditions).
  std::vector<std::vector<Condition>> require_any;
  // Forbidden while open: the state; empty means always forbidden.
  std::string state;
  // Continuity: the field that must stay the same, and the field that gives a reason.
  std::string same_field, reason_field;
  // Count caps: a counted event with this field set does not count against the cap.
  std::string exempt_field;
  // Cross-case caps: the field that groups cases (the guardian's id), and what releases a case
  // from the group (a replacement, the case's closure).
  std::string group_field;
  EventMatch released_by;
  // Recurring: the review must follow every `period` after the previous one until `stop`.
  EventMatch stop;
  // Deadlines: whether the satisfying event must be the first of its type in the case
  // ("interview 1") and how much earlier than the trigger it may lie and still count.
  bool first_only = false;
  bool satisfied_before_trigger = false;  // a satisfying event before the trigger counts

  std::vector<Limit> limits;
  int line = 0;
};

struct RulePack {
  std::string id;            // "EU" for the baseline, else the jurisdiction code "NO"
  std::string version;       // "2026.1"
  std::string jurisdiction;  // "" for the baseline, else "DK", "EE", ... "IS"
  std::string title;
  std::string time_zone;     // IANA name, "Europe/Oslo"; the baseline has none
  CalendarSpec calendar;     // public holidays of the jurisdiction
  std::vector<StateDef> states;
  std::vector<Rule> rules;
  std::string text;          // the TOML text it was parsed from
};

// One error in a pack, with the place it was found.
struct PackError {
  std::string file;
  int line = 0;
  int column = 0;
  std::string message;
  std::string ToString() const;  // "file:line:column: message"
};

// Parses and validates a pack. Every problem found is appended to `errors` (line and column
// of the offending key or value); the result is then InvalidArgument naming the first. `file`
// is only used in messages. `baseline`, when given for a national pack, makes the baseline's
// [[state]] names visible to it and checks that a rule it switches off (enabled = false) is a
// baseline rule. Without it, a national pack's state names are not checked. Rules are
// self-contained: a national rule that replaces a baseline rule repeats kind, trigger and the
// rest (only a rule with enabled = false may leave them out), so that a pack's text alone
// says what it checks.
Result<RulePack> ParsePack(std::string_view text, std::string_view file,
                           std::vector<PackError>* errors, const RulePack* baseline = nullptr);

// One condition string, "PATH OP VALUE" (grammar in docs/compliance.md). InvalidArgument
// saying what is wrong; `line` is left 0. Field names are not checked here (see
// CheckConditionPath in condition.h).
Result<Condition> ParseCondition(std::string_view text);

// The event types of Event.body by their union member names ("crimeReported"), without
// "unspecified", in ordinal order.
const std::vector<std::string>& EventTypeNames();

// Every pack file (*.toml) in `dir`, parsed: the baseline first, then the national packs in
// file-name order, each checked against the baseline. InvalidArgument naming the first error
// (file:line:column) when one fails; NotFound when `dir` is not a directory.
Result<std::vector<RulePack>> LoadPackDir(const std::string& dir);

// The directory of the shipped packs: $CASELEDGER_RULES if set, else the source tree's
// projections/rules (compiled in), else <executable dir>/../share/caseledger/rules.
std::string DefaultRulesDir();

}  // namespace caseledger::compliance

#endif  // CASELEDGER_PROJECTIONS_RULE_PACK_H_
