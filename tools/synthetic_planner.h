// Internal to the synthetic generator: the planner of one case, shared by synthetic_plan.cc
// (facts, identification and the first weeks), synthetic_plan_later.cc (proceedings, school,
// missing episodes, residence, closure, reviews) and synthetic_case.cc (stream order and the
// manifest entry).
//
// Deadlines are those of shared/domain/obligations.md §3 with the national overrides of §4.
// Every step that serves a deadline is placed either well inside it or well past it, never near
// it: at least 4 hours either side of a limit counted in hours and at least 1.5 days either side
// of a limit counted in days, months or working days, so that no reading of "calendar day" or
// time zone changes the verdict. Steps without a deviation meet every limit the generator knows
// of, so a compliance engine should find exactly the manifest's deviations.
#ifndef CASELEDGER_TOOLS_SYNTHETIC_PLANNER_H_
#define CASELEDGER_TOOLS_SYNTHETIC_PLANNER_H_

#include <algorithm>
#include <initializer_list>
#include <vector>

#include "tools/synthetic_internal.h"

namespace caseledger::synthetic::detail {

// How a step deviates from what its rule asks.
enum class Dev : uint8_t { kNone, kLate, kMissing, kLateRecorded, kOutOfOrder };

// "late", "missing", "lateRecorded", "outOfOrder".
const char* DevName(Dev d);

// Whether bit `type` of an ExploitationType mask is set.
inline bool Has(uint16_t mask, schema::ExploitationType type) {
  return (mask >> static_cast<int>(type)) & 1;
}

// A step while its case is planned. Times are seconds since the epoch.
struct PlanStep {
  int64_t at = 0;    // occurred, seconds since the epoch
  int64_t rec = -1;  // recorded
  EventType type = EventType::UNSPECIFIED;
  uint8_t seq = 0;
  uint8_t variant = 0;
  uint8_t flags = 0;
  int link = -1;  // plan index
  uint16_t param = 0;
  bool late_recorded = false;
  int record_with = -1;  // plan index of the step recorded together with this one
};

// A deviation chosen for a step, as the manifest lists it.
struct Deviation {
  EventType step;
  Dev kind;
  int rule;
  int index = -1;   // plan index of the step (late, lateRecorded, outOfOrder)
  int64_t due = 0;  // late: when the step was due
  EventType other = EventType::UNSPECIFIED;  // outOfOrder: the step it should have followed;
                                             // missing: the step it belonged to, when not unique
};

// Plans the steps of one case and the deviations chosen for them. One use: construct, Run.
class Planner {
 public:
  using Body = schema::Event::Body;
  using Jurisdiction = schema::Jurisdiction;

  Planner(CasePlan& plan, Child& child, double late_share)
      : plan_(plan), child_(child), late_share_(late_share), rng_(plan.key) {}

  void Run();

  // The results of Run: steps in plan order, and the deviations chosen.
  std::vector<PlanStep> steps;
  std::vector<Deviation> deviations;
  int identification = -1;  // index of the PresumedVictimIdentified step

 private:
  int64_t At(int i) const { return steps[i].at; }
  int64_t In(int64_t lo, int64_t hi) { return rng_.Between(lo, std::max(lo, hi)); }
  bool Is(Jurisdiction j) const { return plan_.jurisdiction == j; }

  int Add(EventType type, int64_t at) {
    PlanStep s;
    s.type = type;
    s.at = at;
    steps.push_back(s);
    if (IsChildPresent(type)) presence_end_ = std::max(presence_end_, at);
    return static_cast<int>(steps.size()) - 1;
  }
  // Views of the child heard just before a decision, recorded with it.
  int AddViews(int64_t decision_at, schema::DecisionContext context, int64_t not_before) {
    const int64_t room = std::max<int64_t>(kMinute, std::min(3 * kHour, decision_at - not_before));
    const int v =
        Add(Body::CHILD_VIEWS_HEARD, decision_at - In(std::min<int64_t>(10 * kMinute, room), room));
    steps[v].variant = static_cast<uint8_t>(context);
    return v;
  }
  void Decide(int views, int decision) { steps[views].record_with = decision; }

  // The deviation of a step that may deviate in the given ways. Always draws twice, so that
  // the share does not shift the rest of the case's draws.
  Dev Choose(std::initializer_list<Dev> allowed) {
    const double roll = rng_.Real();
    const uint64_t pick = rng_.Next();
    if (roll >= late_share_ || allowed.size() == 0) return Dev::kNone;
    return allowed.begin()[static_cast<uint64_t>(
        (static_cast<unsigned __int128>(pick) * allowed.size()) >> 64)];
  }
  void Late(int i, int rule, int64_t due) {
    deviations.push_back({steps[i].type, Dev::kLate, rule, i, due});
  }
  void Missing(EventType type, int rule, EventType belongs_to = Body::UNSPECIFIED) {
    deviations.push_back({type, Dev::kMissing, rule, -1, 0, belongs_to});
  }
  void Apply(Dev d, int i, int rule) {
    if (d == Dev::kLateRecorded) {
      steps[i].late_recorded = true;
      deviations.push_back({steps[i].type, Dev::kLateRecorded, rule, i});
    }
  }
  // Moves `t` to office hours (weekdays 07:00-13:00 UTC) when that stays at or before `hi`.
  int64_t Office(int64_t t, int64_t hi) const;
  static bool IsChildPresent(EventType type);

  void Facts();
  void Identification();
  void Referral();
  void ChildProtection();
  void Age();
  void Representation();
  void Reflection();
  void Assistance();
  void Assessments();
  void Criminal();
  void Suspect();
  void School();
  void MissingEpisode();
  void Residence();
  void Closure();
  void Reviews();
  void Corrections();

  CasePlan& plan_;
  Child& child_;
  const double late_share_;
  PlanRandom rng_;
  CaseFacts& f_ = plan_.facts;
  int64_t id_ = 0;  // identification time
  int64_t presence_end_ = 0;
  Dev info_dev_ = Dev::kNone;
  int info_ = -1, counsel_ = -1, report_ = -1, ia_ = -1, conference_ = -1, placement_ = -1;
  int interview1_ = -1, formal_ = -1, reflection_ = -1, reflection_end_ = -1;
  int located_ = -1, guardian_ = -1, crime_ = -1, therapy_ = -1;
  int extension_ = -1;
  Dev located_dev_ = Dev::kNone;
  bool child_charged_ = false;
  std::vector<int> correctable_;
};

}  // namespace caseledger::synthetic::detail

#endif  // CASELEDGER_TOOLS_SYNTHETIC_PLANNER_H_
