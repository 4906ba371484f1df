// Internal to the synthetic generator (tools/synthetic*.cc): the compact plan of a case, the
// random-number mappings and the calendar arithmetic that planning and event building share.
//
// A case is planned once (synthetic_plan.cc) into a run of compact `Step`s, sorted into the order
// the case's events are appended, and a manifest entry. Events are built from a step only when
// they are appended (synthetic_events.cc), so a run of 100k cases holds about 16 bytes per event.
// Everything an event needs beyond its step is derived from the case's 64-bit key, so building
// event i of a case twice gives the same bytes.
#ifndef CASELEDGER_TOOLS_SYNTHETIC_INTERNAL_H_
#define CASELEDGER_TOOLS_SYNTHETIC_INTERNAL_H_

#include <cstdint>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "schema/bodies.capnp.h"
#include "schema/events.capnp.h"

namespace caseledger::synthetic::detail {

using EventType = schema::Event::Body::Which;

// Times in a plan are whole seconds since the epoch.
inline constexpr int64_t kMinute = 60;
inline constexpr int64_t kHour = 60 * kMinute;
inline constexpr int64_t kDay = 24 * kHour;
inline constexpr int64_t kMicrosPerSecond = 1'000'000;

// ---------------------------------------------------------------------------------------------
// Random numbers. std::uniform_*_distribution is implementation-defined, so the mappings from
// 64-bit words to ranges are our own; they are part of what makes a run reproducible.

// The SplitMix64 finalizer: a bijective mix of a 64-bit word.
inline uint64_t Mix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

// SplitMix64 as an engine: cheap to seed, for the details of one event.
class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}
  uint64_t operator()() {
    state_ += 0x9e3779b97f4a7c15ull;
    uint64_t z = state_;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }

 private:
  uint64_t state_;
};

// Draws over an engine that yields 64-bit words.
template <typename Engine>
class Draws {
 public:
  explicit Draws(uint64_t seed) : engine_(seed) {}

  uint64_t Next() { return engine_(); }
  // In [0, n); n > 0. Multiply-shift: no modulo bias worth the name for n << 2^64.
  uint64_t Below(uint64_t n) {
    return static_cast<uint64_t>((static_cast<unsigned __int128>(Next()) * n) >> 64);
  }
  // In [lo, hi]; hi >= lo.
  int64_t Between(int64_t lo, int64_t hi) {
    return lo + static_cast<int64_t>(Below(static_cast<uint64_t>(hi - lo) + 1));
  }
  // In [0, 1), 53 bits.
  double Real() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }
  bool Chance(double p) { return Real() < p; }
  // An index drawn with the given integer weights.
  size_t Weighted(std::span<const uint16_t> weights) {
    uint64_t total = 0;
    for (uint16_t w : weights) total += w;
    uint64_t x = Below(total);
    for (size_t i = 0; i < weights.size(); ++i) {
      if (x < weights[i]) return i;
      x -= weights[i];
    }
    return weights.size() - 1;
  }
  template <typename T>
  const T& Pick(std::span<const T> items) {
    return items[Below(items.size())];
  }

 private:
  Engine engine_;
};

using PlanRandom = Draws<std::mt19937_64>;
using DetailRandom = Draws<SplitMix64>;

// ---------------------------------------------------------------------------------------------
// Calendar (UTC, proleptic Gregorian).

struct CivilDate {
  int year;
  unsigned month;  // 1..12
  unsigned day;    // 1..31
};
int64_t DaysFromCivil(CivilDate date);
CivilDate CivilFromDays(int64_t days);
CivilDate DateOf(int64_t seconds);
// 0 = Sunday .. 6 = Saturday.
int Weekday(int64_t seconds);
// The same time of day `months` calendar months later; the day is clamped to the month's end.
int64_t AddMonths(int64_t seconds, int months);
// The same time of day `n` working days (Monday to Friday) later.
int64_t AddWorkingDays(int64_t seconds, int n);
// Whole years from `birth` to `on`.
int AgeOn(CivilDate birth, CivilDate on);

// ---------------------------------------------------------------------------------------------
// Tables (synthetic_tables.cc).

struct JurisdictionInfo {
  schema::Jurisdiction code;
  const char* iso;       // "NO"
  const char* prefix;    // "no", for agency ids
  const char* language;  // ISO 639 code of the procedure
  const char* currency;  // ISO 4217
  std::span<const char* const> regions;
  const char* trafficking_offence;
  const char* sexual_offence;
  const char* theft_offence;  // what a child exploited in forced criminality is suspected of
  const char* child_protection_basis;
  const char* reflection_basis;
  const char* interview_basis;
};
const JurisdictionInfo& InfoFor(schema::Jurisdiction code);
std::span<const schema::Jurisdiction> AllJurisdictions();

struct Nationality {
  const char* iso;
  const char* language;
  bool eu;  // free movement: lawful stay in every jurisdiction of the ledger
};
// Foreign nationalities that children in the cases come from (the eight are added by code).
std::span<const Nationality> ForeignNationalities();
// The nationality entry of a jurisdiction's own nationals.
const Nationality& NationalOf(schema::Jurisdiction code);
// Nationality by index: 0..7 the eight jurisdictions (AllJurisdictions order), then the foreign.
const Nationality& NationalityAt(uint8_t index);
uint8_t NationalityIndexOf(schema::Jurisdiction code);
size_t NationalityCount();

// An invented name: syllables from a list made up for this generator.
std::string InventedName(DetailRandom& random, int min_syllables, int max_syllables);

// "forensicInterviewConducted": the schema's name of the body member.
std::string_view EventTypeName(EventType type);

// For ids: "cp" in "no-cp-oslo", "officer" in "officer-0231".
const char* RoleSlug(schema::AgencyRole role);
const char* ActorPrefix(schema::AgencyRole role);
// health for medical and therapy events, criminal for criminal proceedings, else ordinary.
schema::DataClass DataClassOf(EventType type);
// A legal basis text for the event type, national where the jurisdiction has its own.
const char* LegalBasis(EventType type, const JurisdictionInfo& jurisdiction);

// ---------------------------------------------------------------------------------------------
// The plan.

// Bits of Step::flags. kCorrection applies to every type; the others are per type.
inline constexpr uint8_t kCorrection = 1 << 0;  // corrects the step named by `link`
// childViewsHeard, informationProvidedToChild, forensicInterview*, trialStarted
inline constexpr uint8_t kGuardianPresent = 1 << 1;
inline constexpr uint8_t kInterpreter = 1 << 2;
inline constexpr uint8_t kExempt = 1 << 3;  // childViewsHeard: urgency exemption, not heard
// forensicInterview*
inline constexpr uint8_t kInterviewerChanged = 1 << 3;
inline constexpr uint8_t kRecorded = 1 << 4;
inline constexpr uint8_t kExcluded = 1 << 5;  // a reasoned decision excludes the parents
// crimeReported (kAcute also on medicalExaminationPerformed)
inline constexpr uint8_t kViolence = 1 << 1;
inline constexpr uint8_t kAcute = 1 << 2;
inline constexpr uint8_t kSerious = 1 << 3;
inline constexpr uint8_t kProtectionNeed = 1 << 4;
inline constexpr uint8_t kImmediateAccount = 1 << 5;
// placementStarted, placementChanged
inline constexpr uint8_t kEmergency = 1 << 1;
// investigationOpened: a suspect, reasonably suspected `param` hours after the opening
inline constexpr uint8_t kHasSuspect = 1 << 1;
// chargesFiled
inline constexpr uint8_t kDefendantIsChild = 1 << 1;
// trialStarted (with kInterpreter)
inline constexpr uint8_t kTestifies = 1 << 1;
// caseClosed
inline constexpr uint8_t kTransitionPlan = 1 << 1;

inline constexpr uint8_t kNoLink = 0xff;

// One event of a case, as planned. Times are seconds after the case's base.
struct Step {
  uint32_t occurred;
  uint32_t recorded;
  uint8_t type;     // EventType
  uint8_t seq;      // interview number, review number
  uint8_t variant;  // a type-specific enumerant (decision context, trigger, outcome, ...)
  uint8_t flags;    // StepFlag bits
  uint8_t link;     // index (in the case's stream order) of a related step, or kNoLink
  uint8_t spare = 0;
  uint16_t param;  // a type-specific quantity (days of a period, hours before an event)
};
static_assert(sizeof(Step) == 16);

// The child, shared by the child's cases.
struct Child {
  uint64_t key;  // the child id and the invented personal data
  CivilDate birth;
  uint8_t nationality;  // NationalityAt index
  uint8_t gender;       // 0 female, 1 male, 2 other
  uint8_t cases = 0;
};

struct CaseFacts {
  uint8_t age = 0;
  schema::AgeBasis age_basis = schema::AgeBasis::CLAIMED;
  schema::Answer unaccompanied = schema::Answer::NO;
  schema::Answer conflict = schema::Answer::NO;
  schema::Answer foreign = schema::Answer::NO;
  schema::Answer lawful_stay = schema::Answer::YES;
  bool needs_interpreter = false;
  bool age_disputed = false;
  bool placed = false;
  bool crime_reported = false;
  bool violence = false;
  bool acute = false;
  bool return_path = false;
  bool psych_need = false;
  uint8_t context = 0;          // TraffickingIndicatorsObserved::ObservationContext
  uint8_t observer_role = 0;    // AgencyRole of the observing agency
  uint8_t identifier_role = 0;  // AgencyRole of the identifying agency
  uint16_t exploitation = 0;    // bit i: ExploitationType i
  uint32_t indicators = 0;      // bit i: TraffickingIndicator i
};

struct CasePlan {
  uint64_t key = 0;
  int64_t base = 0;  // seconds since the epoch; step times are offsets from it
  int64_t closed_at = 0;
  uint32_t ordinal = 0;  // 0-based index of the case in the run
  uint32_t number = 0;   // sequence number within the jurisdiction, for the case id
  uint32_t child = 0;    // index into the run's children
  uint32_t first_step = 0;
  uint16_t step_count = 0;
  uint16_t year = 0;
  schema::Jurisdiction jurisdiction = schema::Jurisdiction::NO;
  uint8_t region = 0;
  CaseFacts facts;
};

// "NO-2025-000042".
std::string CaseIdOf(const CasePlan& plan);
// "child-" and 12 hex digits.
std::string ChildIdOf(const Child& child);
// The 16-byte id of the case's event at stream index `index`.
std::string EventIdOf(const CasePlan& plan, size_t index);

// Plans a case whose key, base, ordinal, number, year, jurisdiction and child are set: fills
// its facts, appends its steps in stream order to `steps` (setting first_step, step_count and
// closed_at) and appends its manifest entry (a JSON object) to `manifest`.
void PlanCase(CasePlan& plan, Child& child, double late_share, std::vector<Step>& steps,
              std::string& manifest);

// Builds the event at stream index `index` of a planned case. `steps` are the case's steps.
void BuildEvent(const CasePlan& plan, const Child& child, std::span<const Step> steps, size_t index,
                schema::Event::Builder event);

}  // namespace caseledger::synthetic::detail

#endif  // CASELEDGER_TOOLS_SYNTHETIC_INTERNAL_H_
