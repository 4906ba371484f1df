// Reading the projections: a case now, a case replayed to a point, overdue obligations, and
// agency accountability.
#include <rocksdb/db.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <tuple>

#include "ledger/ledger.h"
#include "ledger/rocks_status.h"
#include "projections/projection_internal.h"

namespace caseledger::projections {

using detail::FromRocks;
using internal::ReadBigEndian64;

namespace {

int64_t NowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// "2026" or "2026-03" of an instant, in UTC.
std::string PeriodOf(int64_t micros, bool monthly) {
  const std::string date = compliance::Calendar::Utc().LocalDate(micros).ToString();
  return monthly ? date.substr(0, 7) : date.substr(0, 4);
}

// The case's jurisdiction code, "" before its first event.
std::string JurisdictionOf(const compliance::CaseCompliance& state) {
  auto j = state.facts().find("jurisdiction");
  return j == state.facts().end() ? std::string() : j->second;
}

// Nearest-rank percentile of sorted values.
double Percentile(const std::vector<double>& sorted, double p) {
  const size_t rank = static_cast<size_t>(std::ceil(p * static_cast<double>(sorted.size())));
  return sorted[std::clamp<size_t>(rank, 1, sorted.size()) - 1];
}

}  // namespace

Status ProjectionStore::Impl::LoadPacks(uint64_t end, compliance::PackRegistry* registry) const {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), packs_));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    const uint64_t position = ReadBigEndian64(it->key().ToStringView());
    if (position >= end) break;
    auto event = ledger_.ReadEvent(position);
    if (!event.ok()) return event.status().WithContext("rule pack activation");
    auto reader = event->reader();
    if (!reader.getBody().isRulePackActivated()) {
      return Status::Corruption("projection packs index names position " +
                                std::to_string(position) + ", which is no pack activation");
    }
    (void)registry->Activate(reader.getBody().getRulePackActivated(), position,
                             reader.getRecordedAt());
  }
  if (!it->status().ok()) return FromRocks(it->status(), "read rule pack index");
  return Status::OK();
}

Status ProjectionStore::Impl::LoadGroups() {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), groups_));
  for (it->SeekToFirst(); it->Valid(); it->Next()) counts_.Load(it->key().ToStringView());
  if (!it->status().ok()) return FromRocks(it->status(), "read cross-case groups");
  return Status::OK();
}

compliance::Calendar ProjectionStore::Impl::CalendarFor(std::string_view jurisdiction) const {
  std::lock_guard<std::mutex> lock(registry_mu_);
  const compliance::RuleSet* rules = registry_.RulesFor(jurisdiction, NowMicros());
  return rules ? rules->calendar : compliance::Calendar::Utc();
}

Result<CaseState> ProjectionStore::Impl::Case(std::string_view case_id_in) const {
  const std::string case_id(case_id_in);
  CaseState state;
  state.case_id = case_id;
  state.position = position();
  std::string value;
  auto s = db_->Get(rocksdb::ReadOptions(), views_, case_id, &value);
  if (s.IsNotFound()) {
    return Status::NotFound("no case " + case_id + " in the projections (at position " +
                            std::to_string(state.position) + ")");
  }
  if (!s.ok()) return FromRocks(s, "read case view");
  auto view = CaseViewFold::Deserialize(value);
  if (!view.ok()) return view.status();
  state.view = std::move(*view);
  s = db_->Get(rocksdb::ReadOptions(), compliance_, case_id, &value);
  if (s.ok()) {
    auto c = compliance::CaseCompliance::Deserialize(value);
    if (!c.ok()) return c.status();
    state.compliance = std::move(*c);
  } else if (!s.IsNotFound()) {
    return FromRocks(s, "read compliance state");
  }
  state.calendar = CalendarFor(JurisdictionOf(state.compliance));
  return state;
}

// The first position whose event was recorded after `micros` (`size` when none): recorded-at
// never decreases along the log, so a binary search finds it.
Result<uint64_t> ProjectionStore::Impl::FirstRecordedAfter(int64_t micros, uint64_t size) const {
  uint64_t lo = 0, hi = size;
  while (lo < hi) {
    const uint64_t mid = lo + (hi - lo) / 2;
    auto e = ledger_.ReadEvent(mid);
    if (!e.ok()) return e.status();
    if (e->reader().getRecordedAt() <= micros) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo;
}

Result<CaseState> ProjectionStore::Impl::Replay(std::string_view case_id_in,
                                                const ReplayPoint& point) const {
  if (point.kind == ReplayPoint::Kind::kNow) return Case(case_id_in);
  const std::string case_id(case_id_in);
  auto events = ledger_.ReadStream(case_id, 0, SIZE_MAX);
  if (!events.ok()) return events.status();
  // The packs known at the point: those activated before it.
  uint64_t end = ledger_.size();
  if (point.kind == ReplayPoint::Kind::kPosition) end = std::min(end, point.position);
  if (point.kind == ReplayPoint::Kind::kRecordedBy) {
    auto first_after = FirstRecordedAfter(point.micros, end);
    if (!first_after.ok()) return first_after.status();
    end = *first_after;
  }
  compliance::PackRegistry registry;
  CL_RETURN_IF_ERROR(LoadPacks(end, &registry));
  internal::ReplayCounts counts(db_.get(), group_counts_);

  CaseState state;
  state.case_id = case_id;
  state.position = end;
  std::vector<std::pair<schema::Event::Reader, uint64_t>> kept;
  for (const auto& e : *events) {
    auto r = e.reader();
    bool keep = true;
    switch (point.kind) {
      case ReplayPoint::Kind::kPosition: keep = e.position() < point.position; break;
      case ReplayPoint::Kind::kRecordedBy: keep = r.getRecordedAt() <= point.micros; break;
      case ReplayPoint::Kind::kOccurredBy: keep = r.getOccurredAt() <= point.micros; break;
      case ReplayPoint::Kind::kNow: break;
    }
    if (!keep) continue;
    kept.emplace_back(r, e.position());
    state.compliance.Apply(r, e.position(), registry, counts);
  }
  state.compliance.Settle();  // before `registry` goes
  if (kept.empty()) {
    return Status::NotFound("case " + case_id + " had no events at that point");
  }
  CL_RETURN_IF_ERROR(state.view.Refold([&](const CaseViewFold::EventSink& sink) -> Status {
    for (const auto& [r, position] : kept) sink(r, position);
    return Status::OK();
  }));
  // The view's compliance line, as a catch-up sets it when it writes the case.
  uint32_t open = 0, findings = 0;
  state.compliance.ForEachObligation([&](const compliance::Obligation& o) {
    open += o.status == compliance::ObligationStatus::kPending;
    findings += o.status == compliance::ObligationStatus::kBreached ||
                o.status == compliance::ObligationStatus::kMetLate;
  });
  state.view.SetCompliance(open, findings);
  if (const compliance::RuleSet* rules =
          registry.RulesFor(JurisdictionOf(state.compliance), NowMicros())) {
    state.calendar = rules->calendar;
  }
  return state;
}

namespace {

// Whether an obligation was overdue at `as_of`: it had arisen and, as of then, was due and not
// met (Obligation::StatusAsOf; a deadline later breached by the case's closure shows as
// breached, since the engine does not record when the closure came).
bool OverdueAt(const compliance::Obligation& o, int64_t as_of) {
  return o.trigger_at <= as_of && o.StatusAsOf(as_of) == "overdue";
}

}  // namespace

Result<std::vector<ProjectionStore::OverdueItem>> ProjectionStore::Impl::Overdue(
    int64_t as_of, size_t limit) const {
  std::vector<OverdueItem> out;
  int64_t newest = 0;
  if (const uint64_t size = ledger_.size(); size > 0) {
    auto last = ledger_.ReadEvent(size - 1);
    if (!last.ok()) return last.status();
    newest = std::max(last->reader().getRecordedAt(), last->reader().getOccurredAt());
  }
  if (as_of < newest) {
    // The past: every case, evaluated as of then.
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), compliance_));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      auto state = compliance::CaseCompliance::Deserialize(it->value().ToStringView());
      if (!state.ok()) return state.status().WithContext("case " + it->key().ToString());
      for (auto& o : state->Obligations()) {
        if (OverdueAt(o, as_of)) {
          out.push_back({it->key().ToString(), JurisdictionOf(*state), std::move(o)});
        }
      }
    }
    if (!it->status().ok()) return FromRocks(it->status(), "read compliance states");
    std::stable_sort(out.begin(), out.end(), [](const OverdueItem& a, const OverdueItem& b) {
      return *a.obligation.due_at < *b.obligation.due_at;
    });
    if (out.size() > limit) out.resize(limit);
    return out;
  }
  // Now or later: only pending obligations can be overdue, and the index lists them by due.
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), due_));
  std::string cached_case, cached_jurisdiction;
  std::vector<compliance::Obligation> cached;
  for (it->SeekToFirst(); it->Valid() && out.size() < limit; it->Next()) {
    internal::DueKeyParts parts;
    if (!internal::ParseDueKey(it->key().ToStringView(), &parts)) {
      return Status::Corruption("unreadable key in the due-time index");
    }
    if (parts.due >= as_of) break;
    if (parts.case_id != cached_case) {
      std::string value;
      auto s = db_->Get(rocksdb::ReadOptions(), compliance_, parts.case_id, &value);
      if (!s.ok()) return FromRocks(s, "read compliance state of " + parts.case_id);
      auto state = compliance::CaseCompliance::Deserialize(value);
      if (!state.ok()) return state.status();
      cached = state->Obligations();
      cached_case = parts.case_id;
      cached_jurisdiction = JurisdictionOf(*state);
    }
    for (const auto& o : cached) {
      if (o.rule_id == parts.rule_id && o.limit_name == parts.limit_name &&
          o.trigger_position == parts.trigger_position &&
          o.status == compliance::ObligationStatus::kPending) {
        out.push_back({parts.case_id, cached_jurisdiction, o});
        break;
      }
    }
  }
  if (!it->status().ok()) return FromRocks(it->status(), "read the due-time index");
  return out;
}

Result<std::vector<AccountabilityRow>> ProjectionStore::Impl::Accountability(
    int64_t from, int64_t to, bool monthly, int64_t as_of) const {
  using Key = std::tuple<std::string, std::string, std::string, std::string, std::string>;
  std::map<Key, AccountabilityRow> rows;
  std::map<Key, std::vector<double>> hours;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), compliance_));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    auto state = compliance::CaseCompliance::Deserialize(it->value().ToStringView());
    if (!state.ok()) return state.status().WithContext("case " + it->key().ToString());
    for (const auto& o : state->Obligations()) {
      // Obligations that had not arisen by the evaluation time do not count yet.
      if (o.trigger_at < from || o.trigger_at >= to || o.trigger_at > as_of) continue;
      // The case's jurisdiction: which state's agencies the row is about (the rule's own
      // source, EU or national, is in the timeline).
      Key key{o.accountable_agency.empty() ? "(none)" : o.accountable_agency,
              o.accountable_role, o.rule_id, JurisdictionOf(*state),
              PeriodOf(o.trigger_at, monthly)};
      AccountabilityRow& row = rows[key];
      const std::string_view status = o.StatusAsOf(as_of);
      if (status == "met") ++row.met;
      else if (status == "met_late") ++row.met_late;
      else if (status == "breached") ++row.breached;
      else if (status == "overdue") ++row.overdue;
      else ++row.open;
      if (o.due_at && o.satisfied_at) {
        hours[key].push_back(static_cast<double>(*o.satisfied_at - o.trigger_at) / 3.6e9);
      }
    }
  }
  if (!it->status().ok()) return FromRocks(it->status(), "read compliance states");
  std::vector<AccountabilityRow> out;
  for (auto& [key, row] : rows) {
    std::tie(row.agency, row.role, row.rule_id, row.jurisdiction, row.period) = key;
    auto h = hours.find(key);
    if (h != hours.end() && !h->second.empty()) {
      std::sort(h->second.begin(), h->second.end());
      row.median_hours = Percentile(h->second, 0.5);
      row.p90_hours = Percentile(h->second, 0.9);
    }
    out.push_back(std::move(row));
  }
  return out;
}

std::vector<compliance::PackRegistry::ActivationInfo> ProjectionStore::Impl::Activations() const {
  std::lock_guard<std::mutex> lock(registry_mu_);
  return registry_.Activations();
}

}  // namespace caseledger::projections
