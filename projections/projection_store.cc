#include "projections/projection_store.h"

#include <rocksdb/db.h>
#include <rocksdb/cache.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <map>
#include <set>
#include <unordered_map>

#include "ledger/ledger.h"
#include "ledger/rocks_status.h"
#include "projections/projection_internal.h"

namespace caseledger::projections {

using detail::FromRocks;
using internal::BigEndian64;
using internal::ReadBigEndian64;

namespace {

// The code version of each projection. Change one when its fold changes what it stores: the
// store then rebuilds that projection from the log on the next open.
constexpr std::string_view kCaseViewVersion = "1";
// 2: a correction keeps the first recording time of the fact it corrects (LR).
// 5: the audit facts (column family audit_facts) are written with each case.
constexpr std::string_view kComplianceVersion = "5";

constexpr const char* kColumnFamilies[] = {
    "default", "meta", "case_view", "compliance", "compliance_due", "packs", "groups",
    "group_counts", "audit_facts",
};

std::string PositionKey(std::string_view name) { return "position/" + std::string(name); }
std::string VersionKey(std::string_view name) { return "version/" + std::string(name); }

}  // namespace

ProjectionStore::Impl::Impl(const Ledger& ledger, StoreOptions options)
    : ledger_(ledger), options_(std::move(options)) {}

ProjectionStore::Impl::~Impl() {
  for (auto* cf : handles_) db_->DestroyColumnFamilyHandle(cf);
}

Status ProjectionStore::Impl::Open() {
  const std::string path = ledger_.options().data_dir + "/projections";
  rocksdb::DBOptions db_options;
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  // No LOG file on the data disk: when it fills up, RocksDB's next message would abort the
  // process (ledger/rocks_status.h). The store's errors reach callers as statuses.
  db_options.info_log = detail::NewRocksLogger(nullptr);
  // Bounded memory and disk (as the ledger's, ledger.cc): every flush rewrites whole case
  // states, so memtables fill fast; together they flush at 64 MiB, and the write-ahead logs
  // that a rarely written column family (packs, meta) pins are flushed past 128 MiB (a soak
  // saw about 1 GB of them pile up in ten minutes without it).
  db_options.db_write_buffer_size = 64 << 20;
  db_options.max_total_wal_size = 128 << 20;
  // One block cache for every column family, holding the table files' index and filter
  // blocks too: otherwise each column family gets a cache of its own and the index and filter
  // blocks of every table file stay in memory besides, growing with the data.
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = rocksdb::NewLRUCache(32 << 20);
  table.cache_index_and_filter_blocks = true;
  table.pin_l0_filter_and_index_blocks_in_cache = true;
  rocksdb::ColumnFamilyOptions cf_options;
  cf_options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
  for (const char* name : kColumnFamilies) {
    cfs.emplace_back(name, cf_options);
  }
  rocksdb::DB* db = nullptr;
  rocksdb::Status s;
  if (options_.read_only) {
    if (!std::filesystem::exists(path)) {
      return Status::NotFound("no projections in " + ledger_.options().data_dir +
                              " yet: run `caseledger rebuild` or start the server");
    }
    s = rocksdb::DB::OpenForReadOnly(db_options, path, cfs, &handles_, &db);
  } else {
    s = rocksdb::DB::Open(db_options, path, cfs, &handles_, &db);
  }
  if (!s.ok()) return FromRocks(s, "open projections " + path);
  db_.reset(db);
  meta_ = handles_[1];
  views_ = handles_[2];
  compliance_ = handles_[3];
  due_ = handles_[4];
  packs_ = handles_[5];
  groups_ = handles_[6];
  group_counts_ = handles_[7];
  audit_ = handles_[8];

  CL_RETURN_IF_ERROR(LoadPosition(kCaseView, kCaseViewVersion, &view_position_));
  CL_RETURN_IF_ERROR(LoadPosition(kCompliance, kComplianceVersion, &compliance_position_));
  CL_RETURN_IF_ERROR(LoadPacks(compliance_position_, &registry_));
  CL_RETURN_IF_ERROR(LoadGroups());
  PublishPosition();
  return Status::OK();
}

Status ProjectionStore::Impl::LoadPosition(std::string_view name, std::string_view version,
                                           uint64_t* position) {
  std::string value;
  auto s = db_->Get(rocksdb::ReadOptions(), meta_, VersionKey(name), &value);
  if (s.IsNotFound() || (s.ok() && value != version)) {
    // New, or written by another version of the fold: start again from the beginning.
    *position = 0;
    if (options_.read_only) {
      if (s.ok()) {
        return Status::Unavailable("projection " + std::string(name) + " was written by code version " +
                                   value + ", this is " + std::string(version) +
                                   ": it rebuilds when the server or `caseledger rebuild` opens it");
      }
      return Status::OK();
    }
    return ClearProjection(name);
  }
  if (!s.ok()) return FromRocks(s, "read projection meta");
  s = db_->Get(rocksdb::ReadOptions(), meta_, PositionKey(name), &value);
  if (s.IsNotFound()) {
    *position = 0;
    return Status::OK();
  }
  if (!s.ok()) return FromRocks(s, "read projection meta");
  if (value.size() != 8) return Status::Corruption("projection position of " + std::string(name));
  *position = ReadBigEndian64(value);
  return Status::OK();
}

std::vector<rocksdb::ColumnFamilyHandle*> ProjectionStore::Impl::FamiliesOf(
    std::string_view name) const {
  if (name == kCaseView) return {views_};
  return {compliance_, due_, packs_, groups_, group_counts_, audit_};
}

Status ProjectionStore::Impl::ClearProjection(std::string_view name) {
  rocksdb::WriteBatch batch;
  for (auto* cf : FamiliesOf(name)) {
    // Keys are never empty; 0xff... bounds every key the projections write.
    batch.DeleteRange(cf, rocksdb::Slice("", 0), std::string(64, '\xff'));
  }
  batch.Put(meta_, PositionKey(name), BigEndian64(0));
  batch.Put(meta_, VersionKey(name),
            std::string(name == kCaseView ? kCaseViewVersion : kComplianceVersion));
  rocksdb::WriteOptions wo;
  wo.sync = true;
  auto s = db_->Write(wo, &batch);
  if (!s.ok()) return FromRocks(s, "clear projection " + std::string(name));
  if (name == kCompliance) {
    std::lock_guard<std::mutex> lock(registry_mu_);
    registry_ = compliance::PackRegistry();
    counts_.Clear();
  }
  if (name == kCompliance) {
    // The audit facts go with the compliance state: a rebuild may end at the position the
    // loaded table names, so drop the table rather than trust it.
    std::lock_guard<std::mutex> lock(audit_mu_);
    audit_table_.reset();
  }
  return Status::OK();
}

void ProjectionStore::Impl::PublishPosition() {
  std::lock_guard<std::mutex> lock(position_mu_);
  position_ = std::min(view_position_, compliance_position_);
  position_cv_.notify_all();
}

uint64_t ProjectionStore::Impl::position() const {
  std::lock_guard<std::mutex> lock(position_mu_);
  return position_;
}

uint64_t ProjectionStore::Impl::WaitFor(uint64_t target, int64_t timeout_millis) const {
  std::unique_lock<std::mutex> lock(position_mu_);
  position_cv_.wait_for(lock, std::chrono::milliseconds(timeout_millis),
                        [&] { return position_ >= target; });
  return position_;
}

// ---- Queries ----------------------------------------------------------------------------

Result<Hash256> ProjectionStore::Impl::Digest(std::string_view name) const {
  if (name != kCaseView && name != kCompliance) {
    return Status::InvalidArgument("no projection named " + std::string(name) +
                                   " (there are case_view and compliance)");
  }
  internal::DigestBuilder digest;
  for (auto* cf : FamiliesOf(name)) {
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cf));
    digest.AddFamily(cf->GetName());
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      digest.Add(it->key().ToStringView(), it->value().ToStringView());
    }
    if (!it->status().ok()) return FromRocks(it->status(), "digest " + std::string(name));
  }
  return digest.Finish();
}

ProjectionStore::ProjectionStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ProjectionStore::~ProjectionStore() = default;

Result<std::unique_ptr<ProjectionStore>> ProjectionStore::Open(const Ledger& ledger,
                                                               StoreOptions options) {
  auto impl = std::make_unique<Impl>(ledger, std::move(options));
  CL_RETURN_IF_ERROR(impl->Open());
  return std::unique_ptr<ProjectionStore>(new ProjectionStore(std::move(impl)));
}

Result<uint64_t> ProjectionStore::CatchUp(std::optional<uint64_t> target) {
  return impl_->CatchUp(target);
}
Result<uint64_t> ProjectionStore::Rebuild(const std::vector<std::string>& names) {
  return impl_->Rebuild(names);
}
uint64_t ProjectionStore::position() const { return impl_->position(); }
uint64_t ProjectionStore::WaitFor(uint64_t target, int64_t timeout_millis) const {
  return impl_->WaitFor(target, timeout_millis);
}
Result<Hash256> ProjectionStore::Digest(std::string_view name) const {
  return impl_->Digest(name);
}
Result<CaseState> ProjectionStore::Case(std::string_view case_id) const {
  return impl_->Case(case_id);
}
Result<CaseState> ProjectionStore::Replay(std::string_view case_id,
                                          const ReplayPoint& point) const {
  return impl_->Replay(case_id, point);
}
Result<std::vector<ProjectionStore::OverdueItem>> ProjectionStore::Overdue(int64_t as_of,
                                                                           size_t limit) const {
  return impl_->Overdue(as_of, limit);
}
compliance::Calendar ProjectionStore::CalendarFor(std::string_view jurisdiction) const {
  return impl_->CalendarFor(jurisdiction);
}
Result<std::vector<AccountabilityRow>> ProjectionStore::Accountability(int64_t from, int64_t to,
                                                                       bool monthly,
                                                                       int64_t as_of) const {
  return impl_->Accountability(from, to, monthly, as_of);
}
std::vector<compliance::PackRegistry::ActivationInfo> ProjectionStore::Activations() const {
  return impl_->Activations();
}
Result<std::shared_ptr<const audit::FactsTable>> ProjectionStore::AuditFacts(
    std::optional<uint64_t> min_position) const {
  return impl_->AuditFacts(min_position);
}

// ---- Follower ---------------------------------------------------------------------------

ProjectionFollower::ProjectionFollower(ProjectionStore& store, int64_t poll_millis,
                                       int64_t linger_millis)
    : store_(store),
      poll_millis_(poll_millis),
      linger_millis_(linger_millis),
      thread_([this] { Run(); }) {}

ProjectionFollower::~ProjectionFollower() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void ProjectionFollower::Notify() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    pending_ = true;
  }
  cv_.notify_all();
}

Status ProjectionFollower::last_error() const {
  std::lock_guard<std::mutex> lock(mu_);
  return last_error_;
}

void ProjectionFollower::WhenReached(uint64_t target, int64_t timeout_millis,
                                     std::function<void(uint64_t)> done) {
  const uint64_t now = store_.position();
  if (now >= target) return done(now);
  {
    std::lock_guard<std::mutex> lock(mu_);
    waiters_.push_back({target,
                        std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_millis),
                        std::move(done)});
    pending_ = true;
  }
  cv_.notify_all();
}

// Answers the waiters whose target is reached or whose time is up (all of them when
// stopping). Called with mu_ held; runs the callbacks without it.
void ProjectionFollower::WakeWaiters(bool all) {
  const uint64_t reached = store_.position();
  const auto now = std::chrono::steady_clock::now();
  std::vector<Waiter> ready;
  for (auto it = waiters_.begin(); it != waiters_.end();) {
    if (all || reached >= it->target || now >= it->deadline) {
      ready.push_back(std::move(*it));
      it = waiters_.erase(it);
    } else {
      ++it;
    }
  }
  if (ready.empty()) return;
  mu_.unlock();
  for (auto& w : ready) w.done(reached);
  mu_.lock();
}

void ProjectionFollower::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    // Waiters need their deadlines checked more often than the poll.
    const auto wait = waiters_.empty() ? std::chrono::milliseconds(poll_millis_)
                                       : std::chrono::milliseconds(20);
    cv_.wait_for(lock, wait, [&] { return stop_ || pending_; });
    if (stop_) break;
    if (pending_ && waiters_.empty() && linger_millis_ > 0) {
      cv_.wait_for(lock, std::chrono::milliseconds(linger_millis_),
                   [&] { return stop_ || !waiters_.empty(); });
      if (stop_) break;
    }
    pending_ = false;
    lock.unlock();
    auto reached = store_.CatchUp();
    lock.lock();
    last_error_ = reached.ok() ? Status::OK() : reached.status();
    WakeWaiters(false);
  }
  WakeWaiters(true);
}

std::string TimelineJson(const CaseState& state, int64_t as_of) {
  std::string out = "[";
  const auto obligations = state.compliance.Obligations();
  for (size_t i = 0; i < obligations.size(); ++i) {
    if (i) out += ",\n ";
    out += compliance::ObligationJson(obligations[i], as_of, state.calendar);
  }
  return out + "]";
}

}  // namespace caseledger::projections
