// The projection store: the case views and compliance timelines folded from the ledger's log,
// kept in a RocksDB database of their own (DATA_DIR/projections) that can be deleted and
// rebuilt from the log at any time (docs/storage_format.md, "Projections").
//
// Each projection consumes events in global order and writes its state together with the
// position it has reached in one atomic RocksDB write, so after a crash it resumes exactly
// where its last write ended: every event is applied exactly once. A projection whose code
// version differs from the one recorded rebuilds itself from position 0 on open.
//
// Thread safety: CatchUp and the queries may run on different threads; CatchUp calls are
// serialized internally.
#ifndef CASELEDGER_PROJECTIONS_PROJECTION_STORE_H_
#define CASELEDGER_PROJECTIONS_PROJECTION_STORE_H_

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "ledger/hash.h"
#include "ledger/status.h"
#include "projections/case_view.h"
#include "projections/compliance.h"

namespace caseledger {

class Ledger;

namespace projections {

namespace audit {
struct FactsTable;  // projections/audit_facts.h
}

// The projections, by name. Their code versions are in projection_store.cc.
inline constexpr std::string_view kCaseView = "case_view";
inline constexpr std::string_view kCompliance = "compliance";

struct StoreOptions {
  // Open for reading only (the server holds the store): queries work, CatchUp fails.
  bool read_only = false;
  // Events read from the log per chunk, and how many chunks may pass before the states are
  // written (one atomic write per flush).
  size_t chunk_events = 4096;
  size_t flush_every_events = 1 << 20;
  // Case states kept in memory between the flushes of one catch-up (a rebuild touches each
  // case many times: loading and writing it once per flush is what costs). Reaching it also
  // forces a flush, which bounds memory: about 100-200 KB per cached case with its share of
  // the write batch (docs/performance.md).
  size_t cache_cases = 20000;
  // Sync each flush. The log is the source of truth, so a lost flush only costs a re-apply;
  // tests of crash behaviour leave it on.
  bool sync = false;
  // Called after each flush during CatchUp with (position reached, target).
  std::function<void(uint64_t, uint64_t)> progress;
};

// What a replay stops at: the state of one case as the system knew it at a global position or
// at a recorded-at time, or as things had happened by an occurred-at time.
struct ReplayPoint {
  enum class Kind { kNow, kPosition, kRecordedBy, kOccurredBy };
  Kind kind = Kind::kNow;
  uint64_t position = 0;  // kPosition: events before this position
  int64_t micros = 0;     // kRecordedBy, kOccurredBy: events with that time <= micros
};

// One case's state.
struct CaseState {
  std::string case_id;
  CaseViewFold view;
  compliance::CaseCompliance compliance;
  compliance::Calendar calendar = compliance::Calendar::Utc();  // for local times in output
  uint64_t position = 0;  // the projection position the state reflects
};

// Per agency, rule and period: how the obligations turned out.
struct AccountabilityRow {
  std::string agency, role, rule_id, jurisdiction, period;  // period: "2026" or "2026-03"
  uint64_t met = 0, met_late = 0, breached = 0, open = 0, overdue = 0;
  // Hours from trigger to the satisfying event, for obligations met (on time or late) that
  // have a due time.
  std::optional<double> median_hours, p90_hours;
};

class ProjectionStore {
 public:
  // Opens (or creates) the store of the ledger's data directory.
  static Result<std::unique_ptr<ProjectionStore>> Open(const Ledger& ledger,
                                                       StoreOptions options = {});
  ~ProjectionStore();
  ProjectionStore(const ProjectionStore&) = delete;
  ProjectionStore& operator=(const ProjectionStore&) = delete;

  // Applies every event from each projection's position up to `target` (the ledger's size when
  // empty). Returns the position reached.
  Result<uint64_t> CatchUp(std::optional<uint64_t> target = std::nullopt);

  // Drops the named projections' state (all when empty) and rebuilds them from position 0.
  Result<uint64_t> Rebuild(const std::vector<std::string>& names);

  // The position every projection has reached (the lowest).
  uint64_t position() const;
  // Waits until position() >= target or the timeout passes; returns the position reached.
  uint64_t WaitFor(uint64_t target, int64_t timeout_millis) const;

  // SHA-256 over every key and value of a projection's state (not its position): equal states
  // give equal digests.
  Result<Hash256> Digest(std::string_view name) const;

  // The state of a case now (from the store), or replayed to a point from the ledger.
  Result<CaseState> Case(std::string_view case_id) const;
  Result<CaseState> Replay(std::string_view case_id, const ReplayPoint& point) const;

  // Every obligation that was overdue at `as_of`: arisen by then, due before it, and not met
  // by then (whether it was met later or is still pending), in due order. For a time at or
  // after the newest event it reads the due-time index of pending obligations; for an earlier
  // time it evaluates every case.
  struct OverdueItem {
    std::string case_id;
    std::string jurisdiction;  // the case's, for local times
    compliance::Obligation obligation;
  };
  Result<std::vector<OverdueItem>> Overdue(int64_t as_of, size_t limit) const;

  // The calendar (time zone) of a jurisdiction's pack in force now; UTC when none.
  compliance::Calendar CalendarFor(std::string_view jurisdiction) const;

  // Per agency, rule and period (months when `monthly`, else years) over obligations whose
  // trigger occurred in [from, to) and by `as_of`, with their statuses as of `as_of`.
  Result<std::vector<AccountabilityRow>> Accountability(int64_t from, int64_t to, bool monthly,
                                                        int64_t as_of) const;

  // The rule pack activations the store has seen.
  std::vector<compliance::PackRegistry::ActivationInfo> Activations() const;

  // Every case's audit facts (column family "audit_facts", written with the compliance state),
  // loaded into memory once per projection position and shared by the audit queries
  // (projections/audit.h) until the position moves, or with `min_position` as long as the
  // loaded table's position is at least that. Thread-safe.
  Result<std::shared_ptr<const audit::FactsTable>> AuditFacts(
      std::optional<uint64_t> min_position = std::nullopt) const;

  class Impl;

 private:
  explicit ProjectionStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The timeline of a case as JSON: an array with one object per obligation (compliance.h
// ObligationJson), statuses as of `as_of`. The CLI and the server print the same.
std::string TimelineJson(const CaseState& state, int64_t as_of);

// Runs CatchUp on a thread of its own whenever Notify is called (the server calls it after
// each acknowledged append) and every `poll_millis`. After a Notify it lingers up to
// `linger_millis` first, so that the appends of that time are folded together: each catch-up
// loads, folds and writes back every case it touches once, and under load a case takes many
// appends between two catch-ups (folding after every commit group cost the server half its
// CPU; docs/performance.md, "Peers"). A waiter (WhenReached) ends the linger at once.
class ProjectionFollower {
 public:
  explicit ProjectionFollower(ProjectionStore& store, int64_t poll_millis = 500,
                              int64_t linger_millis = 50);
  ~ProjectionFollower();  // stops the thread after the current catch-up
  void Notify();
  // Calls `done` with the position reached once the store has reached `target`, or when
  // `timeout_millis` pass first: at once on this thread if it has, else on the follower's.
  void WhenReached(uint64_t target, int64_t timeout_millis, std::function<void(uint64_t)> done);
  // The last CatchUp error, if any (the follower keeps trying).
  Status last_error() const;

 private:
  struct Waiter {
    uint64_t target;
    std::chrono::steady_clock::time_point deadline;
    std::function<void(uint64_t)> done;
  };
  void Run();
  void WakeWaiters(bool all);
  ProjectionStore& store_;
  int64_t poll_millis_;
  int64_t linger_millis_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  bool pending_ = false;
  Status last_error_;
  std::vector<Waiter> waiters_;
  std::thread thread_;
};

}  // namespace projections
}  // namespace caseledger

#endif  // CASELEDGER_PROJECTIONS_PROJECTION_STORE_H_
