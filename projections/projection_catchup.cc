// Catching the projections up with the log: read a chunk of events in global order, fold each
// into the states of its case, and write the touched states with the position reached in one
// atomic write.
#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <algorithm>

#include "ledger/ledger.h"
#include "ledger/rocks_status.h"
#include "projections/audit_facts.h"
#include "projections/projection_internal.h"

namespace caseledger::projections {

using detail::FromRocks;
using internal::BigEndian64;

namespace {

std::string PositionKey(std::string_view name) { return "position/" + std::string(name); }

std::vector<std::string> PendingDueKeys(const std::string& case_id,
                                        const compliance::CaseCompliance& state) {
  std::vector<std::string> keys;
  state.ForEachObligation([&](const compliance::Obligation& o) {
    if (o.status == compliance::ObligationStatus::kPending && o.due_at.has_value()) {
      keys.push_back(internal::DueKey(case_id, o));
    }
  });
  return keys;
}

}  // namespace

Result<uint64_t> ProjectionStore::Impl::CatchUp(std::optional<uint64_t> target_opt) {
  if (options_.read_only) {
    return Status::Unavailable("the projections are open read-only: the server keeps them");
  }
  std::lock_guard<std::mutex> lock(catchup_mu_);
  const uint64_t head = ledger_.size();
  const uint64_t target = std::min(target_opt.value_or(head), head);
  uint64_t next = std::min(view_position_, compliance_position_);
  uint64_t last_flush = next;
  std::unordered_map<std::string, Touched> touched;
  rocksdb::WriteBatch batch;
  while (next < target) {
    auto events = ledger_.ReadLog(next, std::min<uint64_t>(options_.chunk_events, target - next));
    if (!events.ok()) return events.status();
    if (events->empty()) break;
    for (const auto& event : *events) {
      CL_RETURN_IF_ERROR(ApplyEvent(event, &touched, &batch));
    }
    next = events->back().position() + 1;
    // Write when enough events passed, when the cached states reach their bound (memory), or
    // at the end.
    if (next - last_flush >= options_.flush_every_events ||
        touched.size() >= options_.cache_cases || next >= target) {
      CL_RETURN_IF_ERROR(Flush(next, &touched, &batch));
      last_flush = next;
      if (options_.progress) options_.progress(next, target);
    }
  }
  return position();
}

Result<uint64_t> ProjectionStore::Impl::Rebuild(const std::vector<std::string>& names_in) {
  if (options_.read_only) {
    return Status::Unavailable("the projections are open read-only: stop the server to rebuild");
  }
  std::vector<std::string> names = names_in;
  if (names.empty()) names = {std::string(kCaseView), std::string(kCompliance)};
  {
    std::lock_guard<std::mutex> lock(catchup_mu_);
    for (const auto& name : names) {
      if (name != kCaseView && name != kCompliance) {
        return Status::InvalidArgument("no projection named " + name +
                                       " (there are case_view and compliance)");
      }
    }
    for (const auto& name : names) {
      CL_RETURN_IF_ERROR(ClearProjection(name));
      (name == kCaseView ? view_position_ : compliance_position_) = 0;
    }
    PublishPosition();
  }
  return CatchUp(std::nullopt);
}

Status ProjectionStore::Impl::ApplyEvent(const StoredEvent& event,
                                         std::unordered_map<std::string, Touched>* touched,
                                         rocksdb::WriteBatch* batch) {
  const uint64_t position = event.position();
  auto reader = event.reader();
  const bool to_view = position >= view_position_;
  const bool to_compliance = position >= compliance_position_;
  if (reader.getBody().isRulePackActivated()) {
    if (!to_compliance) return Status::OK();
    auto activation = reader.getBody().getRulePackActivated();
    size_t before = 0;
    {
      std::lock_guard<std::mutex> lock(registry_mu_);
      before = registry_.Activations().size();
      // A pack that does not parse is recorded but activates nothing: the timeline then keeps
      // the rules in force before it, and `caseledger rules check` tells the operator why.
      (void)registry_.Activate(activation, position, reader.getRecordedAt());
      batch->Put(packs_, BigEndian64(position), "");
    }
    // A first activation may reach back before its recording: the cases already folded get
    // rules for events they have had, so fold them all again.
    std::lock_guard<std::mutex> lock(registry_mu_);
    const auto activations = registry_.Activations();
    if (activations.size() > before && activations.back().effective_at < reader.getRecordedAt()) {
      return RefoldAllCompliance(position, touched);
    }
    return Status::OK();
  }
  const std::string case_id(reader.getCaseId().cStr(), reader.getCaseId().size());
  if (!internal::IsCaseStream(case_id) || (!to_view && !to_compliance)) return Status::OK();
  auto entry = Load(case_id, touched, to_view, to_compliance);
  if (!entry.ok()) return entry.status();
  Touched* t = *entry;
  if (to_view) {
    t->view_dirty = true;
    if (t->view->Apply(reader, position).needs_refold) {
      CL_RETURN_IF_ERROR(RefoldView(case_id, position, &*t->view));
    }
  }
  if (to_compliance) {
    t->compliance_dirty = true;
    std::lock_guard<std::mutex> lock(registry_mu_);
    t->compliance->Apply(reader, position, registry_, counts_);
    if (t->compliance->NeedsRefold()) {
      CL_RETURN_IF_ERROR(RefoldCompliance(case_id, position, &*t->compliance));
    }
  }
  return Status::OK();
}

// Every case folded so far, again (registry_mu_ held).
Status ProjectionStore::Impl::RefoldAllCompliance(
    uint64_t through, std::unordered_map<std::string, Touched>* touched) {
  std::vector<std::string> cases;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), compliance_));
  for (it->SeekToFirst(); it->Valid(); it->Next()) cases.push_back(it->key().ToString());
  if (!it->status().ok()) return FromRocks(it->status(), "list compliance states");
  for (const auto& [case_id, t] : *touched) {
    if (t.compliance) cases.push_back(case_id);
  }
  std::sort(cases.begin(), cases.end());
  cases.erase(std::unique(cases.begin(), cases.end()), cases.end());
  for (const auto& case_id : cases) {
    auto entry = Load(case_id, touched, false, true);
    if (!entry.ok()) return entry.status();
    (*entry)->compliance_dirty = true;
    CL_RETURN_IF_ERROR(RefoldCompliance(case_id, through, &*(*entry)->compliance));
  }
  return Status::OK();
}

// A rule pack was activated after the case began: fold the case again from its first event,
// so that the new rules see every event they name. Called with registry_mu_ held.
Status ProjectionStore::Impl::RefoldCompliance(const std::string& case_id, uint64_t through,
                                               compliance::CaseCompliance* state) {
  auto events = ledger_.ReadStream(case_id, 0, SIZE_MAX);
  if (!events.ok()) return events.status();
  compliance::CaseCompliance fresh;
  for (const auto& e : *events) {
    if (e.position() > through) break;
    fresh.Apply(e.reader(), e.position(), registry_, counts_);
  }
  *state = std::move(fresh);
  return Status::OK();
}

Result<ProjectionStore::Impl::Touched*> ProjectionStore::Impl::Load(
    const std::string& case_id, std::unordered_map<std::string, Touched>* touched, bool view,
    bool compliance) {
  Touched& t = (*touched)[case_id];
  std::string value;
  if (view && !t.view) {
    auto s = db_->Get(rocksdb::ReadOptions(), views_, case_id, &value);
    if (s.IsNotFound()) {
      t.view.emplace();
    } else if (!s.ok()) {
      return FromRocks(s, "read case view");
    } else {
      auto fold = CaseViewFold::Deserialize(value);
      if (!fold.ok()) return fold.status().WithContext("case view of " + case_id);
      t.view.emplace(std::move(*fold));
    }
  }
  if (compliance && !t.compliance) {
    auto s = db_->Get(rocksdb::ReadOptions(), compliance_, case_id, &value);
    if (s.IsNotFound()) {
      t.compliance.emplace();
    } else if (!s.ok()) {
      return FromRocks(s, "read compliance state");
    } else {
      auto state = compliance::CaseCompliance::Deserialize(value);
      if (!state.ok()) return state.status().WithContext("compliance state of " + case_id);
      t.compliance.emplace(std::move(*state));
      t.old_due_keys = PendingDueKeys(case_id, *t.compliance);
    }
  }
  return &t;
}

// A correction reached the case view: fold the case again from its first event, so that the
// corrected facts replace the originals everywhere they were used.
Status ProjectionStore::Impl::RefoldView(const std::string& case_id, uint64_t through,
                                         CaseViewFold* view) const {
  return view->Refold([&](const CaseViewFold::EventSink& sink) -> Status {
    auto events = ledger_.ReadStream(case_id, 0, SIZE_MAX);
    if (!events.ok()) return events.status();
    for (const auto& e : *events) {
      if (e.position() > through) break;
      sink(e.reader(), e.position());
    }
    return Status::OK();
  });
}

Status ProjectionStore::Impl::Flush(uint64_t reached,
                                    std::unordered_map<std::string, Touched>* touched,
                                    rocksdb::WriteBatch* batch) {
  std::vector<std::pair<Touched*, std::vector<std::string>>> written;
  for (auto& [case_id, t] : *touched) {
    if (!t.view_dirty && !t.compliance_dirty) continue;
    if (!t.view || !t.compliance) {
      // Only one projection is being folded (a rebuild of it alone): the view's compliance
      // counts and the audit facts read the other's state as stored.
      auto entry = Load(case_id, touched, !t.view, !t.compliance);
      if (!entry.ok()) return entry.status();
    }
    std::vector<std::string> due_keys;
    if (t.compliance) {
      uint32_t open = 0, findings = 0;
      // A named reference: clang 14 cannot capture a structured binding in a lambda.
      const std::string& id = case_id;
      t.compliance->ForEachObligation([&](const compliance::Obligation& o) {
        if (o.status == compliance::ObligationStatus::kPending) {
          ++open;
          if (o.due_at.has_value()) due_keys.push_back(internal::DueKey(id, o));
        }
        if (o.status == compliance::ObligationStatus::kBreached ||
            o.status == compliance::ObligationStatus::kMetLate) {
          ++findings;
        }
      });
      std::sort(due_keys.begin(), due_keys.end());
      if (t.view) t.view->SetCompliance(open, findings);
    }
    const std::string view_bytes = t.view->Serialize();
    if (t.view_dirty) batch->Put(views_, case_id, view_bytes);
    {
      audit::StringPool pool;
      auto facts = audit::ExtractFacts(case_id, view_bytes, *t.compliance, &pool);
      if (!facts.ok()) return facts.status();
      batch->Put(audit_, case_id, audit::EncodeFacts(*facts, pool));
    }
    if (t.compliance_dirty) {
      batch->Put(compliance_, case_id, t.compliance->Serialize());
      for (const auto& key : t.old_due_keys) batch->Delete(due_, key);
      for (const auto& key : due_keys) batch->Put(due_, key, "");
    }
    written.emplace_back(&t, std::move(due_keys));
  }
  counts_.Flush(batch, groups_, group_counts_);
  const uint64_t view_reached = std::max(view_position_, reached);
  const uint64_t compliance_reached = std::max(compliance_position_, reached);
  batch->Put(meta_, PositionKey(kCaseView), BigEndian64(view_reached));
  batch->Put(meta_, PositionKey(kCompliance), BigEndian64(compliance_reached));
  rocksdb::WriteOptions wo;
  wo.sync = options_.sync;
  auto s = db_->Write(wo, batch);
  batch->Clear();
  if (!s.ok()) {
    touched->clear();
    const Status status = FromRocks(s, "write projections");
    if (Status reload = ReloadFromStore(); !reload.ok()) return reload.WithContext(status.ToString());
    return status;
  }
  for (auto& [t, due_keys] : written) {
    if (t->compliance_dirty) t->old_due_keys = std::move(due_keys);
    t->view_dirty = t->compliance_dirty = false;
  }
  if (touched->size() >= options_.cache_cases) touched->clear();  // all clean now
  view_position_ = view_reached;
  compliance_position_ = compliance_reached;
  PublishPosition();
  return Status::OK();
}

Status ProjectionStore::Impl::ReloadFromStore() {
  std::lock_guard<std::mutex> lock(registry_mu_);
  registry_ = compliance::PackRegistry();
  CL_RETURN_IF_ERROR(LoadPacks(compliance_position_, &registry_));
  counts_.Clear();
  return LoadGroups();
}

}  // namespace caseledger::projections
