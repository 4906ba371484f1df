// The writer: group commit, in two pipelined steps.
//
// Appenders queue their prepared requests. The stager (the writer thread) takes what is queued
// (up to max_group_bytes), checks each request against the stored state plus the requests
// staged before it, assigns positions, versions, recorded-at and back-links, and builds the
// group's one RocksDB WriteBatch. The syncer thread writes that batch (synced), publishes the
// new committed size, and only then acknowledges the group's requests. While the syncer
// writes and syncs group N, the stager keeps staging what arrives into group N+1, on top of N
// (N's heads, ids and positions are looked up in N before the database); N+1 is handed over
// once N's write has returned. (leveldb's DBImpl::Write groups writers the same way, with the
// leader doing the work; here the CPU work of the next group overlaps the sync of this one.)
//
// Nothing is acknowledged before its own synced write returns, and groups are written in
// order, so what is acknowledged is durable and gap-free. When groups of one request follow
// each other with nothing in flight (an appender on its own), the stager writes them itself:
// there is nothing to overlap, and a second thread hand-over would only add latency. When the write of N fails, N+1 was
// staged on state that may not exist: it is not written, and every one of its requests fails
// with N's error. The next group first reopens the database (Recover), which reloads the tail
// from what is durable.
#include <capnp/serialize.h>
#include <kj/exception.h>
#include <rocksdb/write_batch.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "ledger/ledger_impl.h"
#include "ledger/rocks_status.h"

namespace caseledger {

using detail::FromRocks;

namespace {

// How many case heads the writer keeps in memory (about 100 bytes each).
constexpr size_t kMaxCachedHeads = 1 << 16;

// While a group is in flight, the stager is woken to stage arrivals once this many requests
// or bytes are queued (or when the group's write returns).
constexpr size_t kWakeRequests = 16;
constexpr size_t kWakeBytes = 256 << 10;

uint64_t NanosSince(std::chrono::steady_clock::time_point start) {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::steady_clock::now() - start)
                                   .count());
}

void Add(std::atomic<uint64_t>& counter, uint64_t n) {
  counter.fetch_add(n, std::memory_order_relaxed);
}

}  // namespace

CommitStats Ledger::Impl::commit_stats() const {
  CommitStats s;
  s.groups = counters_.groups.load(std::memory_order_relaxed);
  s.synced_writes = counters_.synced_writes.load(std::memory_order_relaxed);
  s.requests = counters_.requests.load(std::memory_order_relaxed);
  s.events = counters_.events.load(std::memory_order_relaxed);
  s.stage_nanos = counters_.stage_nanos.load(std::memory_order_relaxed);
  s.write_nanos = counters_.write_nanos.load(std::memory_order_relaxed);
  s.answer_nanos = counters_.answer_nanos.load(std::memory_order_relaxed);
  return s;
}

struct Ledger::Impl::Group {
  // The group in flight when this one was started (not owned; the stager keeps it alive
  // while this group is staged), or null.
  const Group* prev = nullptr;
  rocksdb::WriteBatch batch;
  CompactRange range;  // the tree's right edge after this group's events
  uint64_t first_position = 0;
  uint64_t next_position = 0;
  int64_t recorded_at = 0;
  size_t bytes = 0;
  bool any_write = false;
  bool force_checkpoint = false;
  // What this group's requests wrote, which the database does not show yet.
  std::unordered_map<std::string, storage::Head> heads;
  std::unordered_map<std::string, storage::IdempotencyRecord> ids;
  std::unordered_map<uint64_t, std::string> case_of_position;
  std::unordered_map<uint64_t, uint64_t> version_of_position;
  // Data keys, erasures and legal holds this group changed (keys_writer.cc).
  detail::GroupKeys keys;
  // The requests and their answers, for the syncer.
  std::vector<std::unique_ptr<AppendRequest>> requests;
  std::vector<Result<AppendResult>> results;
  std::string note;  // the checkpoint signed into the batch, if any
  Status checkpoint_status;
};

void Ledger::Impl::Submit(std::unique_ptr<AppendRequest> request) {
  bool wake = false;
  {
    std::lock_guard<std::mutex> l(mu_);
    if (!stopping_) {
      queue_bytes_ += request->bytes;
      queue_.push_back(std::move(request));
      request = nullptr;
      wake = stager_wait_ == StagerWait::kAnyRequest ||
             (stager_wait_ == StagerWait::kManyRequests &&
              (queue_.size() >= kWakeRequests || queue_bytes_ >= kWakeBytes));
    }
  }
  if (request) {
    Status closing = Status::Unavailable("the ledger is closing");
    if (request->checkpoint_done) {
      request->checkpoint_done(closing);
    } else {
      request->done(closing);
    }
    return;
  }
  if (wake) cv_.notify_one();
}

void Ledger::Impl::WriterLoop() {
  std::thread syncer([this] { SyncerLoop(); });
  const auto period = std::chrono::microseconds(std::max<int64_t>(options_.checkpoint_every_micros, 1000));
  std::unique_ptr<Group> staging;    // being filled
  std::unique_ptr<Group> in_flight;  // handed to the syncer; kept while `staging` looks at it
  std::vector<std::unique_ptr<AppendRequest>> taken;
  bool staging_full = false;  // the next queued request does not fit into `staging`
  bool last_was_lone = false;  // the previous group held a single request
  for (;;) {
    bool stopping = false;
    bool written = false;
    Status write_status;
    {
      std::unique_lock<std::mutex> l(mu_);
      stager_wait_ = in_flight ? StagerWait::kManyRequests : StagerWait::kAnyRequest;
      cv_.wait_for(l, period, [&] {
        if (in_flight) {
          return groups_written_ == groups_handed_ ||
                 (!staging_full && (queue_.size() >= kWakeRequests || queue_bytes_ >= kWakeBytes));
        }
        return !queue_.empty() || stopping_;
      });
      stager_wait_ = StagerWait::kWorking;
      stopping = stopping_;
      written = groups_written_ == groups_handed_;
      write_status = last_write_status_;
      size_t bytes = staging ? staging->bytes : 0;
      while (!queue_.empty() && ((!staging && taken.empty()) ||
                                 bytes + queue_.front()->bytes <= options_.max_group_bytes)) {
        bytes += queue_.front()->bytes;
        queue_bytes_ -= queue_.front()->bytes;
        taken.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      staging_full = !queue_.empty();
    }
    // The group in flight is written: its heads are durable; or it failed, and whatever was
    // staged on top of it must not be written.
    if (in_flight && written) {
      Absorb(*in_flight, write_status);
      if (staging) {
        if (write_status.ok()) {
          staging->prev = nullptr;  // the database and the head cache now show what it wrote
        } else {
          FailGroup(*staging, write_status);
          staging.reset();
        }
      }
      in_flight.reset();
    }
    if (!taken.empty()) {
      if (!staging) {
        if (!failed_.ok() && !in_flight) {
          Status s = Recover();
          if (!s.ok()) {
            WaitForSyncerAnswers();
            for (auto& r : taken) {
              if (r->checkpoint_done) {
                r->checkpoint_done(s);
              } else {
                r->done(s);
              }
            }
            taken.clear();
            continue;
          }
        }
        staging = NewGroup(in_flight.get());
      }
      const auto stage_start = std::chrono::steady_clock::now();
      {
        std::shared_lock<std::shared_mutex> l(db_mu_);
        for (auto& r : taken) StageInto(std::move(r), *staging);
      }
      taken.clear();
      Add(counters_.stage_nanos, NanosSince(stage_start));
    }
    if (staging && !in_flight) {
      const bool lone = staging->requests.size() == 1;
      const bool serial = lone && last_was_lone;
      last_was_lone = lone;
      if (serial) {
        // Lone requests one after the other, nothing in flight: an appender on its own, whom
        // nothing overlaps with; the stager writes its group itself rather than add a second
        // thread hand-over to its latency.
        FinishStaging(*staging);
        const Status write_status = WriteGroup(*staging);
        Absorb(*staging, write_status);
        WaitForSyncerAnswers();
        AnswerGroup(TakeAnswers(*staging), write_status);
        staging.reset();
        staging_full = false;
        continue;
      }
      FinishStaging(*staging);
      {
        std::lock_guard<std::mutex> l(mu_);
        sync_job_ = staging.get();
        ++groups_handed_;
      }
      sync_cv_.notify_one();
      in_flight = std::move(staging);
      staging_full = false;
      continue;
    }
    if (staging || in_flight) continue;
    // Idle, nothing in flight: a checkpoint when time is up (MaybeCheckpoint's policy), and a
    // last one at close.
    if (failed_.ok() && range_.size() > last_checkpoint_size_ &&
        (stopping || std::chrono::steady_clock::now() - last_checkpoint_time_ >= period)) {
      auto note = WriteCheckpointNow();
      if (!note.ok()) log_->error("checkpoint failed: {}", note.status().ToString());
    }
    if (stopping) {
      std::unique_lock<std::mutex> l(mu_);
      if (!queue_.empty()) continue;
      sync_stop_ = true;
      break;
    }
  }
  sync_cv_.notify_one();
  syncer.join();
}

std::unique_ptr<Ledger::Impl::Group> Ledger::Impl::NewGroup(const Group* prev) {
  auto group = std::make_unique<Group>();
  group->prev = prev;
  group->first_position = next_position_;
  group->next_position = next_position_;
  group->recorded_at = std::max(clock_->NowMicros(), last_recorded_at_);
  group->range = range_;
  return group;
}

void Ledger::Impl::StageInto(std::unique_ptr<AppendRequest> req, Group& group) {
  Result<AppendResult> r = Status::OK();
  if (req->checkpoint_done) {
    group.force_checkpoint = true;
  } else {
    KJ_IF_MAYBE(e, kj::runCatchingExceptions([&] { r = Stage(*req, group); })) {
      r = Status::InvalidArgument(std::string("malformed event: ") + e->getDescription().cStr());
    }
    if (r.ok() && !r->deduplicated) group.any_write = true;
  }
  group.bytes += req->bytes;
  group.requests.push_back(std::move(req));
  group.results.push_back(std::move(r));
}

void Ledger::Impl::FinishStaging(Group& group) {
  // The idempotency index is keyed by random event ids. Inserted in key order, each one lands
  // near the one before in the memtable's skip list (the column family has one insert hint),
  // instead of costing a search from the top: about a third of the writer's time otherwise.
  std::vector<const std::pair<const std::string, storage::IdempotencyRecord>*> ids;
  ids.reserve(group.ids.size());
  for (const auto& entry : group.ids) ids.push_back(&entry);
  std::sort(ids.begin(), ids.end(), [](const auto* a, const auto* b) { return a->first < b->first; });
  for (const auto* entry : ids) {
    group.batch.Put(idem_cf_, entry->first, storage::EncodeIdempotency(entry->second));
  }
  // The checkpoint, when one is due, rides in the same batch: no extra sync. The case-head
  // map sees this group's heads through GetHead; the chain is walked in case a group is ever
  // finished while another is in flight (today nothing is in flight here).
  for (const auto& entry : group.heads) TouchCaseHead(entry.first);
  StagedHeads staged;
  staged.get = [this, &group](std::string_view case_id, storage::Head* head, bool* found) {
    return GetHead(case_id, group, head, found);
  };
  for (const Group* g = &group; g != nullptr; g = g->prev) {
    for (const auto& entry : g->heads) staged.unwritten.push_back(entry.first);
  }
  {
    std::shared_lock<std::shared_mutex> l(db_mu_);
    group.checkpoint_status = MaybeCheckpoint(group.range, group.force_checkpoint, &group.batch,
                                              &group.note, &staged);
  }
  if (!group.checkpoint_status.ok()) {
    log_->error("checkpoint failed: {}", group.checkpoint_status.ToString());
  }
  // The staged tail moves past the group. A failed write makes Recover() reload it.
  next_position_ = group.next_position;
  last_recorded_at_ = group.recorded_at;
  range_ = group.range;
  if (!group.note.empty()) {
    last_checkpoint_size_ = range_.size();
    last_checkpoint_time_ = std::chrono::steady_clock::now();
  }
}

void Ledger::Impl::Absorb(Group& group, const Status& write_status) {
  if (!write_status.ok()) {
    failed_ = write_status;
    return;
  }
  // From now on the database and the head cache show what the group wrote.
  if (head_cache_.size() + group.heads.size() > kMaxCachedHeads) head_cache_.clear();
  for (auto& [case_id, head] : group.heads) head_cache_[case_id] = std::move(head);
}

void Ledger::Impl::WaitForSyncerAnswers() {
  std::unique_lock<std::mutex> l(mu_);
  stager_awaits_answers_ = true;
  cv_.wait(l, [this] { return groups_answered_ == groups_handed_; });
  stager_awaits_answers_ = false;
}

void Ledger::Impl::FailGroup(Group& group, const Status& status) {
  WaitForSyncerAnswers();
  for (auto& r : group.requests) {
    if (r->checkpoint_done) {
      r->checkpoint_done(status);
    } else {
      r->done(status);
    }
  }
  group.requests.clear();
  group.results.clear();
}

Status Ledger::Impl::WriteGroup(Group& group) {
  Status write_status;
  if (group.any_write || !group.note.empty()) {
    const auto write_start = std::chrono::steady_clock::now();
    rocksdb::WriteOptions wo;
    wo.sync = options_.sync;
    {
      std::shared_lock<std::shared_mutex> l(db_mu_);
      write_status = FromRocks(db_->Write(wo, &group.batch), "append");
    }
    Add(counters_.write_nanos, NanosSince(write_start));
    Add(counters_.groups, 1);
    if (wo.sync) Add(counters_.synced_writes, 1);
  }
  // Purges destroyed or rewrapped keys before the group is answered (or undoes a rotation).
  AfterKeysWrite(group.keys, write_status);
  if (write_status.ok()) {
    Add(counters_.events, group.next_position - group.first_position);
    committed_size_.store(group.next_position, std::memory_order_release);
    committed_recorded_at_.store(group.recorded_at, std::memory_order_release);
  } else {
    // Nothing advances. The database refuses writes until it is reopened, and the reopen
    // decides from what is durable where the log continues.
    log_->error("commit of {} requests failed: {}", group.requests.size(),
                write_status.ToString());
  }
  return write_status;
}

void Ledger::Impl::AnswerGroup(Answers answers, const Status& write_status) {
  const auto answer_start = std::chrono::steady_clock::now();
  Add(counters_.requests, answers.requests.size());
  for (size_t i = 0; i < answers.requests.size(); ++i) {
    AppendRequest& r = *answers.requests[i];
    if (!write_status.ok()) {
      // Every request that would have succeeded fails, retries of this group's own appends
      // included; refusals (conflicts, bad input) keep their own answer.
      if (r.checkpoint_done) {
        r.checkpoint_done(write_status);
      } else {
        r.done(answers.results[i].ok() ? Result<AppendResult>(write_status)
                                       : std::move(answers.results[i]));
      }
    } else if (r.checkpoint_done) {
      if (!answers.note.empty()) {
        r.checkpoint_done(answers.note);
      } else if (!answers.checkpoint_status.ok()) {
        r.checkpoint_done(answers.checkpoint_status);
      } else {
        r.checkpoint_done(GetCheckpoint(std::nullopt));
      }
    } else {
      r.done(std::move(answers.results[i]));
    }
  }
  Add(counters_.answer_nanos, NanosSince(answer_start));
}

Ledger::Impl::Answers Ledger::Impl::TakeAnswers(Group& group) {
  return Answers{std::move(group.requests), std::move(group.results), std::move(group.note),
                 group.checkpoint_status};
}

void Ledger::Impl::SyncerLoop() {
  for (;;) {
    Group* group = nullptr;
    {
      std::unique_lock<std::mutex> l(mu_);
      sync_cv_.wait(l, [&] { return sync_stop_ || sync_job_ != nullptr; });
      if (sync_job_ == nullptr) return;
      group = sync_job_;
      sync_job_ = nullptr;
    }
    const Status write_status = WriteGroup(*group);
    // Take what the answers need: once the outcome is published, the stager may drop the group.
    Answers answers = TakeAnswers(*group);
    {
      std::lock_guard<std::mutex> l(mu_);
      ++groups_written_;
      last_write_status_ = write_status;
    }
    cv_.notify_one();
    AnswerGroup(std::move(answers), write_status);
    bool notify = false;
    {
      std::lock_guard<std::mutex> l(mu_);
      ++groups_answered_;
      notify = stager_awaits_answers_;
    }
    if (notify) cv_.notify_one();
  }
}

Status Ledger::Impl::GetHead(std::string_view case_id, const Group& group, storage::Head* head,
                             bool* found) const {
  const std::string key(case_id);
  for (const Group* g = &group; g != nullptr; g = g->prev) {
    auto it = g->heads.find(key);
    if (it != g->heads.end()) {
      *head = it->second;
      *found = true;
      return Status::OK();
    }
  }
  auto cached = head_cache_.find(key);
  if (cached != head_cache_.end()) {
    *head = cached->second;
    *found = true;
    return Status::OK();
  }
  std::string value;
  auto s = db_->Get(rocksdb::ReadOptions(), heads_cf_, rocksdb::Slice(case_id.data(), case_id.size()), &value);
  if (s.IsNotFound()) {
    *found = false;
    return Status::OK();
  }
  if (!s.ok()) return FromRocks(s, "read case head");
  if (!storage::DecodeHead(value, head)) {
    return Status::Corruption("head of case \"" + std::string(case_id) + "\" is malformed");
  }
  *found = true;
  return Status::OK();
}

Status Ledger::Impl::GetIdempotency(std::string_view event_id, const Group& group,
                                    storage::IdempotencyRecord* rec, bool* found) const {
  const std::string key(event_id);
  for (const Group* g = &group; g != nullptr; g = g->prev) {
    auto it = g->ids.find(key);
    if (it != g->ids.end()) {
      *rec = it->second;
      *found = true;
      return Status::OK();
    }
  }
  std::string value;
  auto s = db_->Get(rocksdb::ReadOptions(), idem_cf_, rocksdb::Slice(event_id.data(), event_id.size()), &value);
  if (s.IsNotFound()) {
    *found = false;
    return Status::OK();
  }
  if (!s.ok()) return FromRocks(s, "read idempotency index");
  if (!storage::DecodeIdempotency(value, rec)) {
    return Status::Corruption("idempotency entry of " + ToHex(AsBytes(event_id)) + " is malformed");
  }
  *found = true;
  return Status::OK();
}

Status Ledger::Impl::CaseOfPosition(uint64_t position, const Group& group, std::string* case_id) const {
  for (const Group* g = &group; g != nullptr; g = g->prev) {
    auto it = g->case_of_position.find(position);
    if (it != g->case_of_position.end()) {
      *case_id = it->second;
      return Status::OK();
    }
  }
  rocksdb::PinnableSlice value;
  auto s = db_->Get(rocksdb::ReadOptions(), log_cf_, storage::LogKey(position), &value);
  if (!s.ok()) {
    return s.IsNotFound() ? Status::Corruption("idempotency index points at missing position " + std::to_string(position))
                          : FromRocks(s, "read log");
  }
  auto ev = StoredEvent::FromBytes(position, value.ToStringView());
  value.Reset();
  if (!ev.ok()) return ev.status();
  case_id->assign(ev->reader().getCaseId().cStr());
  return Status::OK();
}

Result<AppendResult> Ledger::Impl::Stage(AppendRequest& req, Group& group) {
  std::vector<const detail::GroupKeys*> older_keys;  // the groups before, newest first
  for (const Group* g = group.prev; g != nullptr; g = g->prev) older_keys.push_back(&g->keys);
  if (req.rotate_to) return StageRotation(req, &group.batch, &group.keys, older_keys);
  // 1. Idempotency: all ids stored (a retry), or none.
  size_t stored = 0;
  AppendResult result;
  for (const auto& ev : req.events) {
    storage::IdempotencyRecord rec;
    bool found = false;
    CL_RETURN_IF_ERROR(GetIdempotency(ev->event_id, group, &rec, &found));
    if (!found) continue;
    // Digests of events with personal data are stored keyed by the child's data key.
    Result<Hash256> digest = IdempotencyDigest(*ev, group.keys, older_keys);
    if (!digest.ok()) return digest.status();
    if (rec.digest != *digest) {
      return Status::InvalidArgument("event id " + ToHex(AsBytes(ev->event_id)) +
                                     " is already stored with different content");
    }
    ++stored;
    result.positions.push_back(rec.position);
  }
  if (stored == req.events.size()) {
    // A retry: answer as the original did. The original may be durable already or an earlier
    // request of this very group.
    const uint64_t first_position = result.positions.front();
    const Group* holder = nullptr;
    for (const Group* g = &group; g != nullptr && holder == nullptr; g = g->prev) {
      if (g->version_of_position.count(first_position)) holder = g;
    }
    if (holder != nullptr) {
      result.first_version = holder->version_of_position.at(first_position);
      result.recorded_at = holder->recorded_at;
    } else {
      auto first = ReadEventLocked(first_position);
      if (!first.ok()) return first.status();
      result.first_version = first->reader().getStreamVersion();
      result.recorded_at = first->reader().getRecordedAt();
    }
    storage::Head head;
    bool found = false;
    CL_RETURN_IF_ERROR(GetHead(req.case_id, group, &head, &found));
    result.head_version = found ? head.version : 0;
    result.deduplicated = true;
    return result;
  }
  if (stored != 0) {
    return Status::InvalidArgument("the append mixes " + std::to_string(stored) +
                                   " already-stored event ids with new ones");
  }

  // 2. Expected version and the case's child.
  storage::Head head;
  bool exists = false;
  CL_RETURN_IF_ERROR(GetHead(req.case_id, group, &head, &exists));
  const std::string quoted = "\"" + req.case_id + "\"";
  switch (req.expected.kind()) {
    case ExpectedVersion::Kind::kAny: break;
    case ExpectedVersion::Kind::kNoStream:
      if (exists) {
        return Status::Conflict("expected no stream, but case " + quoted + " is at version " +
                                std::to_string(head.version));
      }
      break;
    case ExpectedVersion::Kind::kExact:
      if (!exists) {
        return Status::Conflict("expected version " + std::to_string(req.expected.version()) +
                                ", but case " + quoted + " does not exist");
      }
      if (head.version != req.expected.version()) {
        return Status::Conflict("expected version " + std::to_string(req.expected.version()) +
                                ", but case " + quoted + " is at version " +
                                std::to_string(head.version));
      }
      break;
  }
  if (exists && head.child_id != req.events.front()->child_id) {
    return Status::InvalidArgument("case " + quoted + " belongs to another child id");
  }

  // 3. Corrections point to an event of the same case.
  for (size_t i = 0; i < req.events.size(); ++i) {
    const std::string& target = req.events[i]->supersedes;
    if (target.empty()) continue;
    bool earlier_here = false;
    for (size_t j = 0; j < i; ++j) earlier_here |= req.events[j]->event_id == target;
    if (earlier_here) continue;
    storage::IdempotencyRecord rec;
    bool found = false;
    CL_RETURN_IF_ERROR(GetIdempotency(target, group, &rec, &found));
    std::string target_case;
    if (found) CL_RETURN_IF_ERROR(CaseOfPosition(rec.position, group, &target_case));
    if (!found || target_case != req.case_id) {
      return Status::InvalidArgument("event " + std::to_string(i) + " supersedes " +
                                     ToHex(AsBytes(target)) + ", which is not an event of case " +
                                     quoted);
    }
  }

  // 4. Seal the personal data; check and stage erasures and legal holds. The last step that
  // may refuse: it puts nothing into the batch when it does.
  CL_RETURN_IF_ERROR(StageKeys(req, group.next_position, &group.batch, &group.keys, older_keys));

  // 5. Assign and write.
  uint64_t version = exists ? head.version + 1 : 0;
  result.first_version = version;
  result.recorded_at = group.recorded_at;
  Hash256 prev = head.leaf_hash;
  for (auto& pe : req.events) {
    const uint64_t position = group.next_position++;
    auto root = pe->message.getRoot<schema::Event>();
    root.setStreamVersion(version);
    root.setGlobalPosition(position);
    root.setRecordedAt(group.recorded_at);
    if (version > 0) {
      root.setPrevLeafHash(capnp::Data::Reader(prev.data(), prev.size()));
    }
    auto words = capnp::canonicalize(root.asReader());
    auto bytes = words.asBytes();
    prev = LeafHash({bytes.begin(), bytes.size()});
    if (!options_.benchmark_without_tree) {
      for (const auto& [node, hash] : group.range.Append(prev)) {
        group.batch.Put(tree_cf_, storage::TreeKey(node.level, node.index),
                        rocksdb::Slice(reinterpret_cast<const char*>(hash.data()), hash.size()));
      }
    }
    group.batch.Put(log_cf_, storage::LogKey(position),
                    rocksdb::Slice(reinterpret_cast<const char*>(bytes.begin()), bytes.size()));
    group.batch.Put(streams_cf_, storage::StreamKey(req.case_id, version), storage::LogKey(position));
    storage::IdempotencyRecord rec{position, pe->digest};
    group.ids[pe->event_id] = rec;  // written by FinishStaging, in key order
    group.case_of_position[position] = req.case_id;
    group.version_of_position[position] = version;
    result.positions.push_back(position);
    ++version;
  }
  storage::Head new_head{version - 1, result.positions.back(), prev, req.events.front()->child_id};
  group.batch.Put(heads_cf_, req.case_id, storage::EncodeHead(new_head));
  if (!exists && case_heads_cf_ != nullptr) {
    // The case joins its case-head map bucket (case_heads_store.cc).
    group.batch.Put(case_heads_cf_, storage::HeadMemberKey(HeadBucket(req.case_id), req.case_id),
                    rocksdb::Slice());
  }
  group.heads[req.case_id] = new_head;
  result.head_version = version - 1;
  return result;
}

Status Ledger::Impl::Recover() {
  std::unique_lock<std::shared_mutex> l(db_mu_);
  log_->warn("reopening the ledger after a failed commit: {}", failed_.ToString());
  CloseDb();
  // What the failed group wrote may or may not have become durable: read heads afresh.
  head_cache_.clear();
  const uint64_t acknowledged_size = committed_size_.load();
  const int64_t acknowledged_recorded_at = committed_recorded_at_.load();
  Status s = OpenDb(/*read_only=*/false);
  if (!s.ok()) {
    // Keep serving reads while writes stay refused. A read-only open replays the failed
    // group's unsynced WAL records without making them durable, so reads stay capped at what
    // was acknowledged (every read clamps to size()).
    CloseDb();
    Status ro = OpenDb(/*read_only=*/true);
    if (!ro.ok()) log_->error("cannot reopen the ledger even read-only: {}", ro.ToString());
    committed_size_.store(std::min(committed_size_.load(), acknowledged_size));
    committed_recorded_at_.store(std::min(committed_recorded_at_.load(), acknowledged_recorded_at));
    return Status::Unavailable("the ledger's storage failed and cannot accept appends yet: " +
                               s.message());
  }
  log_->info("ledger reopened at {} events", next_position_);
  failed_ = Status::OK();
  return Status::OK();
}

}  // namespace caseledger
