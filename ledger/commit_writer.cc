// The single writer: group commit.
//
// Appenders queue their prepared requests; one thread takes everything queued (up to
// max_group_bytes), checks each request against the stored state plus the group's earlier
// requests, assigns positions, versions, recorded-at and back-links, and writes the whole group
// as one synced RocksDB WriteBatch. Only after the write returns are the requests
// acknowledged and the in-memory tail advanced, so a failed write leaves no gap.
// (leveldb's DBImpl::Write groups writers the same way, with the leader doing the work.)
#include <capnp/serialize.h>
#include <kj/exception.h>
#include <rocksdb/write_batch.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "ledger/ledger_impl.h"
#include "ledger/rocks_status.h"

namespace caseledger {

using detail::FromRocks;

struct Ledger::Impl::Group {
  rocksdb::WriteBatch batch;
  CompactRange range;  // the tree's right edge after this group's events
  uint64_t next_position = 0;
  int64_t recorded_at = 0;
  // What earlier requests of this group wrote, which the database does not show yet.
  std::unordered_map<std::string, storage::Head> heads;
  std::unordered_map<std::string, storage::IdempotencyRecord> ids;
  std::unordered_map<uint64_t, std::string> case_of_position;
  std::unordered_map<uint64_t, uint64_t> version_of_position;
};

void Ledger::Impl::Submit(std::unique_ptr<AppendRequest> request) {
  {
    std::lock_guard<std::mutex> l(mu_);
    if (!stopping_) {
      queue_.push_back(std::move(request));
      request = nullptr;
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
  cv_.notify_one();
}

void Ledger::Impl::WriterLoop() {
  std::vector<std::unique_ptr<AppendRequest>> group;
  const auto period = std::chrono::microseconds(std::max<int64_t>(options_.checkpoint_every_micros, 1000));
  for (;;) {
    bool stopping = false;
    {
      std::unique_lock<std::mutex> l(mu_);
      cv_.wait_for(l, period, [this] { return stopping_ || !queue_.empty(); });
      stopping = stopping_;
      size_t bytes = 0;
      while (!queue_.empty() && (group.empty() || bytes + queue_.front()->bytes <= options_.max_group_bytes)) {
        bytes += queue_.front()->bytes;
        group.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    if (!group.empty()) {
      CommitGroup(group);
      group.clear();
      continue;
    }
    // Idle: a checkpoint when time is up (MaybeCheckpoint's policy), and a last one at close.
    if (failed_.ok() && range_.size() > last_checkpoint_size_ &&
        (stopping || std::chrono::steady_clock::now() - last_checkpoint_time_ >= period)) {
      auto note = WriteCheckpointNow();
      if (!note.ok()) log_->error("checkpoint failed: {}", note.status().ToString());
    }
    if (stopping) return;
  }
}

Status Ledger::Impl::GetHead(std::string_view case_id, const Group& group, storage::Head* head,
                             bool* found) const {
  auto it = group.heads.find(std::string(case_id));
  if (it != group.heads.end()) {
    *head = it->second;
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
  auto it = group.ids.find(std::string(event_id));
  if (it != group.ids.end()) {
    *rec = it->second;
    *found = true;
    return Status::OK();
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
  auto it = group.case_of_position.find(position);
  if (it != group.case_of_position.end()) {
    *case_id = it->second;
    return Status::OK();
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
  // 1. Idempotency: all ids stored (a retry), or none.
  size_t stored = 0;
  AppendResult result;
  for (const auto& ev : req.events) {
    storage::IdempotencyRecord rec;
    bool found = false;
    CL_RETURN_IF_ERROR(GetIdempotency(ev->event_id, group, &rec, &found));
    if (!found) continue;
    if (rec.digest != ev->digest) {
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
    auto in_group = group.version_of_position.find(first_position);
    if (in_group != group.version_of_position.end()) {
      result.first_version = in_group->second;
      result.recorded_at = group.recorded_at;
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

  // 4. Assign and write.
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
    group.batch.Put(idem_cf_, pe->event_id, storage::EncodeIdempotency(rec));
    group.ids[pe->event_id] = rec;
    group.case_of_position[position] = req.case_id;
    group.version_of_position[position] = version;
    result.positions.push_back(position);
    ++version;
  }
  storage::Head new_head{version - 1, result.positions.back(), prev, req.events.front()->child_id};
  group.batch.Put(heads_cf_, req.case_id, storage::EncodeHead(new_head));
  group.heads[req.case_id] = new_head;
  result.head_version = version - 1;
  return result;
}

void Ledger::Impl::CommitGroup(std::vector<std::unique_ptr<AppendRequest>>& requests) {
  auto answer_all = [&](const Status& s) {
    for (auto& r : requests) {
      if (r->checkpoint_done) {
        r->checkpoint_done(s);
      } else {
        r->done(s);
      }
    }
  };
  if (!failed_.ok()) {
    Status s = Recover();
    if (!s.ok()) {
      answer_all(s);
      return;
    }
  }
  std::shared_lock<std::shared_mutex> l(db_mu_);
  Group group;
  group.next_position = next_position_;
  group.recorded_at = std::max(clock_->NowMicros(), last_recorded_at_);
  group.range = range_;
  std::vector<Result<AppendResult>> results;
  results.reserve(requests.size());
  bool any_write = false;
  bool force_checkpoint = false;
  for (auto& req : requests) {
    Result<AppendResult> r = Status::OK();
    if (req->checkpoint_done) {
      force_checkpoint = true;
    } else {
      KJ_IF_MAYBE(e, kj::runCatchingExceptions([&] { r = Stage(*req, group); })) {
        r = Status::InvalidArgument(std::string("malformed event: ") + e->getDescription().cStr());
      }
      if (r.ok() && !r->deduplicated) any_write = true;
    }
    results.push_back(std::move(r));
  }
  // The checkpoint, when one is due, rides in the same batch: no extra sync.
  std::string note;
  Status checkpoint_status = MaybeCheckpoint(group.range, force_checkpoint, &group.batch, &note);
  if (!checkpoint_status.ok()) log_->error("checkpoint failed: {}", checkpoint_status.ToString());
  Status write_status;
  if (any_write || !note.empty()) {
    rocksdb::WriteOptions wo;
    wo.sync = options_.sync;
    write_status = FromRocks(db_->Write(wo, &group.batch), "append");
  }
  l.unlock();
  if (!write_status.ok()) {
    // Nothing advanced in memory. The database refuses writes until it is reopened, and the
    // reopen decides from what is durable where the log continues.
    log_->error("commit of {} requests failed: {}", requests.size(), write_status.ToString());
    failed_ = write_status;
    // Every request that would have succeeded fails, retries of this group's own appends
    // included; refusals (conflicts, bad input) keep their own answer.
    for (size_t i = 0; i < requests.size(); ++i) {
      if (requests[i]->checkpoint_done) {
        requests[i]->checkpoint_done(write_status);
      } else {
        requests[i]->done(results[i].ok() ? Result<AppendResult>(write_status) : std::move(results[i]));
      }
    }
    return;
  }
  next_position_ = group.next_position;
  last_recorded_at_ = group.recorded_at;
  range_ = std::move(group.range);
  if (!note.empty()) {
    last_checkpoint_size_ = range_.size();
    last_checkpoint_time_ = std::chrono::steady_clock::now();
  }
  committed_size_.store(next_position_, std::memory_order_release);
  committed_recorded_at_.store(last_recorded_at_, std::memory_order_release);
  for (size_t i = 0; i < requests.size(); ++i) {
    if (requests[i]->checkpoint_done) {
      if (!note.empty()) {
        requests[i]->checkpoint_done(note);
      } else if (!checkpoint_status.ok()) {
        requests[i]->checkpoint_done(checkpoint_status);
      } else {
        requests[i]->checkpoint_done(GetCheckpoint(std::nullopt));
      }
    } else {
      requests[i]->done(std::move(results[i]));
    }
  }
}

Status Ledger::Impl::Recover() {
  std::unique_lock<std::shared_mutex> l(db_mu_);
  log_->warn("reopening the ledger after a failed commit: {}", failed_.ToString());
  CloseDb();
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
