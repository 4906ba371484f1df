// The compliance engine: for one case, which obligations arose under the rule packs in force,
// when each was due, whether and when it was met, and which agency answers for it.
//
// Evaluation is a fold over the case's events in stream order (CaseCompliance::Apply), so the
// projection runs it incrementally as the log grows and a replay runs the same code over a
// prefix of the case. Each event costs work only for the rules that name its type. Times
// follow occurred-at: an event recorded late still counts from when it happened.
#ifndef CASELEDGER_PROJECTIONS_COMPLIANCE_H_
#define CASELEDGER_PROJECTIONS_COMPLIANCE_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/status.h"
#include "projections/calendar.h"
#include "projections/rule_pack.h"
#include "schema/events.capnp.h"

namespace caseledger::compliance {

namespace detail {
struct CompiledRules;  // compliance_internal.h: the rule set's conditions resolved per type
}

// The rules in force for one jurisdiction over an interval: the baseline pack merged with the
// national pack (a national rule replaces the baseline rule of the same id), with the
// jurisdiction's calendar.
struct RuleSet {
  uint32_t id = 0;  // index in its PackRegistry, stable for the registry's life
  std::string jurisdiction;  // "NO"
  std::shared_ptr<const RulePack> baseline;  // may be null when only a national pack is active
  std::shared_ptr<const RulePack> national;  // may be null
  struct Entry {
    const Rule* rule;          // points into baseline or national
    std::string jurisdiction;  // "EU" when the rule comes from the baseline, else "NO"
    const RulePack* pack;
  };
  std::vector<Entry> rules;  // enabled rules only, in id order
  Calendar calendar = Calendar::Utc();
  int64_t effective_from = 0;  // this set applies to triggers in [effective_from, until)
  int64_t effective_until = INT64_MAX;
  std::shared_ptr<const detail::CompiledRules> compiled;  // set by PackRegistry
};

// Rule packs in force over time, from the RulePackActivated events of the log (in log order).
// An activation takes effect at max(effectiveFrom, the event's recordedAt): activating a pack
// never changes how obligations that arose before its recording are evaluated.
class PackRegistry {
 public:
  PackRegistry();
  ~PackRegistry();
  PackRegistry(PackRegistry&&) noexcept;
  PackRegistry& operator=(PackRegistry&&) noexcept;

  // Adds an activation. InvalidArgument (nothing changes) when the text does not parse or its
  // id/jurisdiction does not match the event's fields.
  Status Activate(schema::RulePackActivated::Reader activation, uint64_t position,
                  int64_t recorded_at);
  // Adds a parsed pack that takes effect at `effective_at` (tests build packs in C++).
  // InvalidArgument (nothing changes) when a condition or field path of the pack does not
  // resolve against the event schema, or a rule names an unknown state.
  Status Add(std::shared_ptr<const RulePack> pack, uint64_t position, int64_t effective_at);
  // Every rule set of `jurisdiction` so far, in effective order. A case is evaluated against
  // all of them; each set only turns triggers within its interval into obligations.
  std::vector<const RuleSet*> SetsFor(std::string_view jurisdiction) const;
  // The rule set in force for `jurisdiction` ("NO") at `at`; null when no pack is active.
  const RuleSet* RulesFor(std::string_view jurisdiction, int64_t at) const;
  // Every activation so far, for listings: (position, pack id, version, effective at).
  struct ActivationInfo {
    uint64_t position;
    std::string pack_id, version, jurisdiction;
    int64_t effective_at;
  };
  std::vector<ActivationInfo> Activations() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Counts across cases for kCrossCaseCap rules (a guardian's active wards). The compliance
// projection keeps them in global order; a replay of one case reads the counts recorded then.
class CrossCaseCounts {
 public:
  virtual ~CrossCaseCounts() = default;
  // Case `case_id` joins group `key` of rule `rule_id` at global `position` (idempotent per
  // case); returns the number of cases in the group after joining.
  virtual int64_t Join(std::string_view rule_id, std::string_view key, std::string_view case_id,
                       uint64_t position) = 0;
  virtual void Leave(std::string_view rule_id, std::string_view key, std::string_view case_id,
                     uint64_t position) = 0;
};

// An in-memory CrossCaseCounts, for tests and for whole-log evaluations.
class MemoryCrossCaseCounts : public CrossCaseCounts {
 public:
  int64_t Join(std::string_view rule_id, std::string_view key, std::string_view case_id,
               uint64_t position) override;
  void Leave(std::string_view rule_id, std::string_view key, std::string_view case_id,
             uint64_t position) override;

 private:
  std::map<std::string, std::map<std::string, bool>> groups_;  // rule+key -> cases
};

enum class ObligationStatus { kMet, kMetLate, kBreached, kPending };

struct Obligation {
  std::string rule_id;     // "R14"
  std::string limit_name;  // "" or e.g. "provisional"
  std::string title;
  std::string jurisdiction;  // "EU" when the baseline's limit applies, else "NO"
  std::string pack_id, pack_version;
  RuleKind kind = RuleKind::kDeadline;
  Tag tag = Tag::kDefault;
  bool uncertain = false;
  std::string source;

  // The event that made the obligation arise (or, for checks on one event, the event checked).
  uint64_t trigger_position = 0;
  std::string trigger_event_id;  // 32 hex digits
  std::string trigger_type;      // "crimeReported"
  int64_t trigger_at = 0;        // its occurred-at

  std::optional<int64_t> due_at;  // deadline-like kinds

  std::optional<uint64_t> satisfied_position;
  std::string satisfied_event_id;
  std::string satisfied_type;
  std::optional<int64_t> satisfied_at;

  // kPending: not met yet and not yet impossible; StatusAsOf tells open from overdue.
  ObligationStatus status = ObligationStatus::kPending;
  // kBreached by a later event (the case's closure, a grant too short): when that happened.
  // Unset when the trigger itself is the breach.
  std::optional<int64_t> breached_at;
  bool justified = false;  // late or breached, with grounds recorded on the event
  std::string accountable_agency;  // agency id; "" when no agency of the role took part
  std::string accountable_role;    // agency role name, "police"
  std::string detail;              // one line: why the status is what it is

  // "met", "met_late", "breached", and for kPending "overdue" when due_at < as_of, else "open".
  // A deadline met, or breached by a later event, only after `as_of` was still open or overdue
  // at `as_of`.
  std::string_view StatusAsOf(int64_t as_of_micros) const;
};

// The facts of a case so far, for "fact.NAME" conditions: unaccompanied,
// parentalConflictOfInterest, foreignNational, lawfulStay (yes/no/unknown), needsInterpreter
// (true/false), ageYears, jurisdiction ("NO"), identified (true once a presumed-victim event).
using CaseFacts = std::map<std::string, std::string>;

// The compliance state of one case, folded from its events.
class CaseCompliance {
 public:
  CaseCompliance();
  ~CaseCompliance();
  CaseCompliance(CaseCompliance&&) noexcept;
  CaseCompliance& operator=(CaseCompliance&&) noexcept;

  // Applies the case's next event (stream order). `event` is as stored (recordedAt, position
  // set). Corrections: an event whose `supersedes` names an earlier event withdraws that
  // event's effects (EntryVoided) or replaces them (any other type). Pack activations are not
  // case events: the registry must already hold every activation before `position`.
  void Apply(schema::Event::Reader event, uint64_t position, const PackRegistry& packs,
             CrossCaseCounts& counts);

  // True when a rule set appeared (an activation) after this case had events: its rules saw
  // only the later events, so the caller should fold the case again from its first event
  // with the current registry (the result for older triggers does not change, because each
  // set only judges triggers within its own interval).
  bool NeedsRefold() const;

  // Apply defers evaluating the rules it touched until the obligations are read (Obligations,
  // Serialize), using the registry it was given, which must live until then. A caller whose
  // state outlives that registry calls Settle first.
  void Settle();

  // Calls `fn` for every obligation so far, in no particular order, without copying them.
  void ForEachObligation(const std::function<void(const Obligation&)>& fn) const;

  // The obligations so far, in trigger order (then rule id, limit name).
  std::vector<Obligation> Obligations() const;
  const CaseFacts& facts() const;

  // A compact, deterministic encoding of the whole state (equal states give equal bytes), and
  // back. Corruption when the bytes are not such an encoding.
  std::string Serialize() const;
  static Result<CaseCompliance> Deserialize(std::string_view bytes);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The JSON object of one obligation (docs/compliance.md), times in RFC 3339 in the
// jurisdiction's local time with their offset: rule, limit, jurisdiction, status (as of
// `as_of`), trigger {event, type, at, position}, due, satisfiedBy {event, type, at, position}
// or null, accountable {agency, role}, tag, uncertain, source, kind, breachedAt, justified,
// detail.
std::string ObligationJson(const Obligation& obligation, int64_t as_of_micros,
                           const Calendar& calendar);

}  // namespace caseledger::compliance

#endif  // CASELEDGER_PROJECTIONS_COMPLIANCE_H_
