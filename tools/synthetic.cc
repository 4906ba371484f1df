// The synthetic generator's driver: plans every case (synthetic_plan.cc), then appends all
// events through the ledger API in recorded-at order, with the ledger's clock set to each
// event's planned recorded-at, and writes the manifest.
//
// Determinism: one std::mt19937_64 seeded with the seed draws each case's key, jurisdiction,
// start and child; each case is then planned from its own key, and each event is built from the
// key and its stream index (synthetic_internal.h). Cases are merged by (recorded-at, case
// order); a case's consecutive events with the same recorded-at form one append. Nothing
// depends on the wall clock, addresses or hash-map order, so the same options on an empty
// directory give the same canonical bytes at every position.
//
// Manifest (generator-manifest.json), one JSON object; cases in case order, one per line, and
// the total number of events at the end:
//
//   {"generator":"caseledger-synthetic/1",
//    "options":{"seed":7,"cases":200,"lateShare":0.2,"jurisdictions":["DK","EE",...],
//               "start":"2025-01-06T08:00:00Z","spanDays":365},
//    "cases":[
//     {"caseId":"NO-2025-000042","childId":"child-0f3a5c7e9b21","jurisdiction":"NO",
//      "identifiedAt":"2025-03-02T14:05:11Z","closedAt":"2025-11-20T09:12:40Z","events":41,
//      "facts":{"ageYears":15,"unaccompanied":"yes","parentalConflictOfInterest":"no",
//               "foreignNational":"yes","lawfulStay":"no","needsInterpreter":true,
//               "ageDisputed":false,"crimeReported":true,"violence":true,"placed":true,
//               "returned":false},
//      "deviations":[
//       {"step":"forensicInterviewConducted","kind":"late","rule":"R14",
//        "eventId":"<32 hex digits>","dueAt":"...","occurredAt":"..."},
//       {"step":"legalCounselAppointed","kind":"missing","rule":"R20"},
//       {"step":"schoolEnrolled","kind":"lateRecorded","rule":"R23","eventId":"...",
//        "occurredAt":"...","recordedAt":"..."},
//       {"step":"forensicInterviewConducted","kind":"outOfOrder","rule":"R07","eventId":"...",
//        "occurredAt":"...","before":"informationProvidedToChild"},
//       {"step":"childViewsHeard","kind":"missing","rule":"R10",
//        "for":"bestInterestsDeterminationCompleted"}]},
//     ...],
//    "events":8123}
//
// - step: the schema's name of the event type. rule: the rule of obligations.md §3 it serves.
// - late: the step occurred after dueAt, the limit of the rule (national where §4 sets one,
//   otherwise the §3 default), by at least 4 hours for limits in hours and 1.5 days for limits
//   in days, working days or months. dueAt is the trigger's occurred-at plus the limit.
// - missing: no such event in the case. With "for", the step that belongs to that event is
//   missing (the views heard for the BID, the interpreter of interview 1, the risk update after
//   the child was located), while events of the same type for other decisions may exist.
// - lateRecorded: occurred within its limit, recorded 3 to 42 days later.
// - outOfOrder: the step (interview 1) occurred before "before", which the rule needs first.
// Steps not listed meet their limits with the same margins, and are recorded within a day of
// occurring (corrections, which carry their original's occurred-at, excepted).
//
// The rules modelled: R01-R05, R07-R11, R13-R29 of §3 (R06 caseloads stay under 30; R12 no
// return before the formal decision and the end of reflection). Each step that serves one of
// them deviates with probability late_share, in one of the kinds allowed for it (a step whose
// absence would remove later steps is never "missing"), so late_share 0 plans a fully compliant
// case and 1 a case where every such step deviates. The manifest lists every deviation; a
// late-recorded step may sit later in its case's stream than events that refer to it, whose
// `...Ref` then stays empty.
#include "tools/synthetic.h"

#include <capnp/message.h>

#include <atomic>
#include <charconv>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <queue>
#include <thread>

#include "ledger/ledger.h"
#include "ledger/time_format.h"
#include "projections/pack_activation.h"
#include "projections/rule_pack.h"
#include "tools/synthetic_internal.h"

namespace caseledger::synthetic {

namespace {

using detail::CasePlan;
using detail::Child;
using detail::kDay;
using detail::kMicrosPerSecond;

constexpr uint64_t kProgressEvery = 10000;
constexpr size_t kFirstSegmentWords = 1024;

// 2025-01-06T08:00:00Z, a Monday: the start when the options leave it at 0.
int64_t DefaultStartMicros() {
  return (detail::DaysFromCivil({2025, 1, 6}) * kDay + 8 * detail::kHour) * kMicrosPerSecond;
}

Status Validate(const GeneratorOptions& o) {
  if (!(o.late_share >= 0.0 && o.late_share <= 1.0)) {
    return Status::InvalidArgument("late share must be between 0 and 1");
  }
  if (o.start_micros < 0) return Status::InvalidArgument("start must not be before 1970");
  for (auto j : o.jurisdictions) {
    const auto all = detail::AllJurisdictions();
    if (std::find(all.begin(), all.end(), j) == all.end()) {
      return Status::InvalidArgument("unknown jurisdiction " + std::to_string(static_cast<int>(j)));
    }
  }
  return Status::OK();
}

// The jurisdictions to draw from.
std::vector<schema::Jurisdiction> Pool(const GeneratorOptions& o) {
  const auto all = detail::AllJurisdictions();
  return o.jurisdictions.empty() ? std::vector<schema::Jurisdiction>(all.begin(), all.end())
                                 : o.jurisdictions;
}

struct Run {
  std::vector<CasePlan> cases;
  std::vector<Child> children;
  std::vector<detail::Step> steps;
  std::string manifest;  // built in place: header, one entry per case, trailer
};

void PlanAll(const GeneratorOptions& o, int64_t start_s, Run& run) {
  const std::vector<schema::Jurisdiction> pool = Pool(o);
  const int64_t span = std::max<int64_t>(1, o.span_days) * kDay;
  const int64_t slot =
      std::max<int64_t>(1, span / static_cast<int64_t>(std::max<uint64_t>(1, o.cases)));
  detail::PlanRandom master(o.seed);
  uint32_t numbers[16] = {};
  run.cases.reserve(o.cases);
  run.children.reserve(o.cases);
  run.steps.reserve(o.cases * 48);
  for (uint64_t i = 0; i < o.cases; ++i) {
    CasePlan p;
    p.key = master.Next();
    p.ordinal = static_cast<uint32_t>(i);
    p.jurisdiction = pool[master.Below(pool.size())];
    p.region = static_cast<uint8_t>(master.Below(detail::InfoFor(p.jurisdiction).regions.size()));
    p.base = start_s + static_cast<int64_t>((static_cast<unsigned __int128>(i) * span) / o.cases) +
             static_cast<int64_t>(master.Below(static_cast<uint64_t>(slot)));
    p.year = static_cast<uint16_t>(detail::DateOf(p.base).year);
    p.number = ++numbers[static_cast<int>(p.jurisdiction) & 15];

    // Now and then the child of an earlier case is identified again: after that case closed,
    // or in another State while it is still open (re-trafficked across a border).
    const bool again = master.Chance(0.06);
    const uint64_t earlier = i > 0 ? master.Below(i) : 0;
    const uint64_t child_key = master.Next();
    p.child = static_cast<uint32_t>(run.children.size());
    if (again && i > 0) {
      const CasePlan& e = run.cases[earlier];
      const Child& c = run.children[e.child];
      const bool closed = e.closed_at + 30 * kDay < p.base;
      const bool elsewhere = e.jurisdiction != p.jurisdiction && e.base + 30 * kDay < p.base;
      if (c.cases == 1 && (closed || elsewhere) &&
          detail::AgeOn(c.birth, detail::DateOf(p.base)) <= 17) {
        p.child = e.child;
      }
    }
    if (p.child == run.children.size()) {
      Child c{};
      c.key = child_key;
      run.children.push_back(c);
    }
    if (i > 0) run.manifest += ",\n";
    detail::PlanCase(p, run.children[p.child], o.late_share, run.steps, run.manifest);
    run.cases.push_back(p);
  }
}

std::string FormatDouble(double v) {
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof(buf), v);
  return std::string(buf, r.ptr);
}

std::string ManifestHeader(const GeneratorOptions& o, int64_t start_micros) {
  std::string m = "{\"generator\":\"caseledger-synthetic/1\",\n\"options\":{\"seed\":" +
                  std::to_string(o.seed) + ",\"cases\":" + std::to_string(o.cases) +
                  ",\"lateShare\":" + FormatDouble(o.late_share) + ",\"jurisdictions\":[";
  const std::vector<schema::Jurisdiction> pool = Pool(o);
  for (size_t i = 0; i < pool.size(); ++i) {
    m += (i ? ",\"" : "\"") + std::string(detail::InfoFor(pool[i]).iso) + "\"";
  }
  m += "],\"start\":\"" + FormatRfc3339(start_micros) +
       "\",\"spanDays\":" + std::to_string(o.span_days) + "},\n\"cases\":[\n";
  return m;
}

// Keeps appends in flight while the clock shows their recorded-at: the ledger reads the clock
// when it commits, so the clock may move on only once every append submitted under it is done.
class Appender {
 public:
  explicit Appender(Ledger& ledger) : ledger_(ledger) {}

  void Submit(const std::string& case_id, ExpectedVersion expected,
              std::span<const schema::Event::Reader> events) {
    in_flight_.fetch_add(1, std::memory_order_relaxed);
    const uint64_t n = events.size();
    ledger_.AppendAsync(case_id, expected, events, [this, n](Result<AppendResult> r) {
      std::lock_guard<std::mutex> l(mu_);
      if (r.ok()) {
        acknowledged_ += n;
      } else if (error_.ok()) {
        error_ = r.status();
      }
      in_flight_.fetch_sub(1, std::memory_order_release);
      cv_.notify_all();
    });
  }

  // Waits until nothing is in flight; the first failure, if any. Spins a little before it
  // blocks: a commit takes tens of microseconds, and on a small machine waking a blocked thread
  // costs about as much again for every append.
  Status Drain() {
    for (int i = 0; i < kSpins && in_flight_.load(std::memory_order_acquire) != 0; ++i) {
      std::this_thread::yield();
    }
    std::unique_lock<std::mutex> l(mu_);
    cv_.wait(l, [this] { return in_flight_.load(std::memory_order_acquire) == 0; });
    return error_;
  }

  uint64_t acknowledged() {
    std::lock_guard<std::mutex> l(mu_);
    return acknowledged_;
  }

 private:
  static constexpr int kSpins = 2000;

  Ledger& ledger_;
  std::atomic<uint64_t> in_flight_{0};
  std::mutex mu_;
  std::condition_variable cv_;
  uint64_t acknowledged_ = 0;  // GUARDED_BY(mu_)
  Status error_;               // GUARDED_BY(mu_)
};

// One activation per shipped pack, in force from `at` (the clock stands there too).
Result<uint64_t> ActivateShippedPacks(Ledger& ledger, int64_t at) {
  const std::string dir = compliance::DefaultRulesDir();
  auto packs = compliance::LoadPackDir(dir);
  if (!packs.ok()) return packs.status().WithContext("rule packs in " + dir);
  for (const auto& pack : *packs) {
    auto message = compliance::BuildActivation(pack, pack.text, at, "synthetic-generator", at);
    auto event = message->getRoot<schema::Event>().asReader();
    std::vector<schema::Event::Reader> events{event};
    auto result = ledger.Append(event.getCaseId().cStr(), ExpectedVersion::Any(), events);
    if (!result.ok()) return result.status().WithContext("activate rule pack " + pack.id);
  }
  return static_cast<uint64_t>(packs->size());
}

Status AppendAll(Ledger& ledger, ManualClock& clock, const GeneratorOptions& o, const Run& run,
                 uint64_t total) {
  // A min-heap of (next recorded-at, case ordinal): ties go to the earlier case.
  using Entry = std::pair<int64_t, uint32_t>;
  std::priority_queue<Entry, std::vector<Entry>, std::greater<>> heap;
  std::vector<uint16_t> cursor(run.cases.size(), 0);
  for (const CasePlan& p : run.cases) {
    if (p.step_count > 0) heap.push({p.base + run.steps[p.first_step].recorded, p.ordinal});
  }
  const size_t max_batch = std::max<size_t>(1, ledger.options().max_events_per_append);
  Appender appender(ledger);
  int64_t clock_at = -1;
  uint64_t reported = 0;
  Status status;
  while (!heap.empty()) {
    const auto [t, c] = heap.top();
    heap.pop();
    const CasePlan& plan = run.cases[c];
    const std::span<const detail::Step> steps(run.steps.data() + plan.first_step, plan.step_count);
    const size_t from = cursor[c];
    size_t to = from;
    while (to < steps.size() && plan.base + steps[to].recorded == t && to - from < max_batch) ++to;

    // Built while the previous append commits.
    std::vector<std::unique_ptr<capnp::MallocMessageBuilder>> messages;
    std::vector<schema::Event::Reader> events;
    for (size_t k = from; k < to; ++k) {
      auto& msg =
          messages.emplace_back(std::make_unique<capnp::MallocMessageBuilder>(kFirstSegmentWords));
      detail::BuildEvent(plan, run.children[plan.child], steps, k, msg->initRoot<schema::Event>());
      events.push_back(msg->getRoot<schema::Event>().asReader());
    }
    const int64_t now = t * kMicrosPerSecond;
    if (now != clock_at) {
      status = appender.Drain();
      if (!status.ok()) break;
      clock.Set(now);
      clock_at = now;
      if (o.progress && appender.acknowledged() / kProgressEvery > reported / kProgressEvery) {
        reported = appender.acknowledged();
        o.progress(reported, total);
      }
    }
    appender.Submit(detail::CaseIdOf(plan),
                    from == 0 ? ExpectedVersion::NoStream() : ExpectedVersion::Exact(from - 1),
                    events);
    cursor[c] = static_cast<uint16_t>(to);
    if (to < steps.size()) heap.push({plan.base + steps[to].recorded, c});
  }
  const Status drained = appender.Drain();
  if (status.ok()) status = drained;
  if (!status.ok()) return status.WithContext("synthetic append");
  if (o.progress) o.progress(appender.acknowledged(), total);
  return Status::OK();
}

}  // namespace

Result<schema::Jurisdiction> ParseJurisdiction(std::string_view code) {
  for (auto j : detail::AllJurisdictions()) {
    if (code == detail::InfoFor(j).iso) return j;
  }
  return Status::InvalidArgument("unknown jurisdiction \"" + std::string(code) +
                                 "\"; expected one of DK, EE, FI, LV, LT, SE, NO, IS");
}

Result<Summary> Generate(Ledger& ledger, ManualClock& clock, const GeneratorOptions& options,
                         std::string* manifest_json) {
  CL_RETURN_IF_ERROR(Validate(options));
  if (ledger.size() != 0) {
    return Status::InvalidArgument("the ledger is not empty: the generator fills an empty one");
  }
  const int64_t start_micros =
      options.start_micros == 0 ? DefaultStartMicros() : options.start_micros;
  Run run;
  run.manifest = ManifestHeader(options, start_micros);
  PlanAll(options, start_micros / kMicrosPerSecond, run);
  const uint64_t total = run.steps.size();
  run.manifest += "],\n\"events\":" + std::to_string(total) + "}\n";
  if (options.not_after_micros != 0) {
    // The ledger's clock never goes back: simulated time past today would date every real
    // append made afterwards in the future.
    int64_t last = 0;  // microseconds; plans count in seconds
    for (const CasePlan& p : run.cases) {
      for (uint32_t k = 0; k < p.step_count; ++k) {
        last = std::max(last, (p.base + run.steps[p.first_step + k].recorded) * kMicrosPerSecond);
      }
    }
    if (last > options.not_after_micros) {
      return Status::InvalidArgument("the simulated cases would run until " + FormatRfc3339(last) +
                                     ", later than now; choose an earlier --start");
    }
  }
  uint64_t rule_packs = 0;
  if (options.activate_rule_packs) {
    auto activated = ActivateShippedPacks(ledger, start_micros);
    if (!activated.ok()) return activated.status();
    rule_packs = *activated;
  }
  CL_RETURN_IF_ERROR(AppendAll(ledger, clock, options, run, total));
  CL_RETURN_IF_ERROR(ledger.Sync());
  if (manifest_json) *manifest_json = std::move(run.manifest);
  Summary s;
  s.cases = run.cases.size();
  s.events = total;
  s.rule_packs = rule_packs;
  return s;
}

Result<Summary> GenerateInto(const std::string& data_dir, const GeneratorOptions& options) {
  namespace fs = std::filesystem;
  CL_RETURN_IF_ERROR(Validate(options));
  std::error_code ec;
  if (fs::exists(data_dir, ec)) {
    if (!fs::is_directory(data_dir, ec))
      return Status::InvalidArgument(data_dir + " is not a directory");
    if (!fs::is_empty(data_dir, ec)) {
      return Status::InvalidArgument(data_dir +
                                     " is not empty: the generator fills a new directory");
    }
  }
  fs::create_directories(data_dir, ec);
  if (ec) return Status::IOError("cannot create " + data_dir + ": " + ec.message());

  const bool had_key = fs::exists(data_dir + ".checkpoint-key", ec);
  ManualClock clock(options.start_micros == 0 ? DefaultStartMicros() : options.start_micros);
  LedgerOptions lo;
  lo.data_dir = data_dir;
  lo.sync = false;  // one Sync at the end makes the whole load durable
  lo.clock = &clock;
  auto ledger = Ledger::Open(lo);
  if (!ledger.ok()) return ledger.status();
  std::string manifest;
  auto summary = Generate(**ledger, clock, options, &manifest);
  if (!summary.ok()) {
    // The directory was empty or missing: leave it so, with its key pair, ready for a retry.
    ledger->reset();
    fs::remove_all(data_dir, ec);
    if (!had_key) {
      fs::remove(data_dir + ".checkpoint-key", ec);
      fs::remove(data_dir + ".checkpoint-key.pub", ec);
    }
    return summary.status();
  }
  CL_RETURN_IF_ERROR((*ledger)->Sync());

  const std::string path = (fs::path(data_dir) / "generator-manifest.json").string();
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << manifest;
    out.flush();
    if (!out) return Status::IOError("cannot write " + tmp);
  }
  fs::rename(tmp, path, ec);
  if (ec) return Status::IOError("cannot rename " + tmp + ": " + ec.message());
  summary->manifest_path = path;
  return summary;
}

}  // namespace caseledger::synthetic
