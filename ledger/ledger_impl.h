// Internal: the state behind Ledger. Not for use outside ledger/.
#ifndef CASELEDGER_LEDGER_LEDGER_IMPL_H_
#define CASELEDGER_LEDGER_LEDGER_IMPL_H_

#include <capnp/message.h>
#include <rocksdb/db.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <shared_mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "ledger/case_heads.h"
#include "ledger/checkpoint.h"
#include "ledger/keys_internal.h"
#include "ledger/ledger.h"
#include "ledger/merkle.h"
#include "ledger/storage_format.h"

#ifndef GUARDED_BY
#define GUARDED_BY(x)  // documentation: the member is protected by x
#endif

namespace caseledger {

// One event of an append, prepared on the caller's thread: validated, and already in its
// stored form except for the fields the writer assigns (position, version, recorded-at,
// prevLeafHash).
struct PreparedEvent {
  explicit PreparedEvent(size_t first_segment_words) : message(first_segment_words) {}
  capnp::MallocMessageBuilder message;
  std::string event_id;     // 16 bytes
  std::string supersedes;   // empty or 16 bytes
  std::string child_id;
  Hash256 digest{};         // ClientContentDigest of what the client sent; keyed by the
                            // child's data key once sealed (keys_writer.cc)
  size_t bytes = 0;
  // The canonical PersonalData the writer seals into the `sealed` section that Prepare sized
  // for it (empty: none). Wiped once sealed.
  std::string personal;
};

struct AppendRequest {
  // A request with no events and `checkpoint_done` set asks the writer for a checkpoint.
  std::function<void(Result<std::string>)> checkpoint_done;
  std::string case_id;
  ExpectedVersion expected = ExpectedVersion::Any();
  std::vector<std::unique_ptr<PreparedEvent>> events;
  Ledger::AppendCallback done;
  size_t bytes = 0;
  // A request with no events and this set rewraps every data key under this master key.
  std::shared_ptr<const MasterKey> rotate_to;
};

class Ledger::Impl {
 public:
  explicit Impl(const LedgerOptions& options);
  ~Impl();

  Status Open();
  void Submit(std::unique_ptr<AppendRequest> request);

  // Reads. Hold db_mu_ shared.
  Result<std::vector<StoredEvent>> ReadStream(std::string_view case_id, uint64_t from_version,
                                              size_t limit) const;
  Result<std::vector<StoredEvent>> ReadLog(uint64_t from_position, size_t limit) const;
  Result<StoredEvent> ReadEvent(uint64_t position) const;
  // Unavailable while the database is closed after a failure. Caller holds db_mu_.
  Status CheckOpenLocked() const {
    return db_ ? Status::OK()
               : Status::Unavailable("the ledger's storage is closed after a failure");
  }
  // As ReadEvent, for a caller that already holds db_mu_.
  Result<StoredEvent> ReadEventLocked(uint64_t position) const;
  Result<uint64_t> FindEvent(std::string_view event_id) const;
  Result<StreamInfo> GetStream(std::string_view case_id) const;
  Result<std::vector<StreamInfo>> ListStreams(std::string_view after, size_t limit) const;
  Result<LedgerStats> Stats() const;
  uint64_t size() const { return committed_size_.load(std::memory_order_acquire); }
  Result<std::string> GetCheckpoint(std::optional<uint64_t> size) const;
  Result<std::vector<uint64_t>> CheckpointSizes() const;
  Result<Hash256> RootAt(uint64_t size) const;
  Result<std::vector<Hash256>> InclusionProof(uint64_t position, uint64_t size) const;
  Result<std::vector<Hash256>> ConsistencyProof(uint64_t size1, uint64_t size2) const;
  Result<HeadProof> ProveCaseHead(std::string_view case_id, uint64_t size) const;
  std::string verifier_key_string() const { return verifier_key_string_; }
  // Keys and erasure (keys_ledger.cc).
  Result<UnsealedPersonal> Unseal(const StoredEvent& event) const;
  Result<bool> IsErased(std::string_view child_id) const;
  detail::KeyRing keyring_;
  CommitStats commit_stats() const;

  LedgerOptions options_;
  Clock* clock_;
  std::shared_ptr<spdlog::logger> log_;

 private:
  struct Group;

  Status OpenDb(bool read_only);
  void CloseDb();
  Status LoadTail();
  // Loads (or, for a development directory, makes) the signing key, records the origin and
  // the verifier key, rebuilds the tree's right edge, and refuses a newest checkpoint that
  // disagrees with the tree. Called by OpenDb.
  Status LoadTree();
  Status SetUpSigning();
  // Records the origin and the verifier key in meta. After LoadTree has accepted them.
  Status RecordSigning();
  // What the case-head map needs from the stager at a checkpoint: each case's head as
  // staged, and the cases of the groups whose write has not returned yet (the database does
  // not show their membership entries).
  struct StagedHeads {
    std::function<Status(std::string_view case_id, storage::Head* head, bool* found)> get;
    std::vector<std::string_view> unwritten;
  };
  // Signs a checkpoint of `range` into `batch` when the policy (or `force`) asks for one.
  // `staged` is null when everything is durable (no group in flight or staged).
  Status MaybeCheckpoint(const CompactRange& range, bool force, rocksdb::WriteBatch* batch,
                         std::string* note, const StagedHeads* staged = nullptr);
  // The case-head map (case_heads_store.cc). LoadCaseHeads runs after LoadTree: it loads the
  // map's nodes, backfills a directory without one, and finds the buckets due at the next
  // checkpoint. TouchCaseHead marks a case appended to (stager only). CommitCaseHeads rehashes
  // the touched buckets and puts the changed nodes for checkpoint `size` into `batch`.
  Status LoadCaseHeads();
  void TouchCaseHead(std::string_view case_id);
  Status CommitCaseHeads(uint64_t size, const StagedHeads* staged, rocksdb::WriteBatch* batch,
                         Hash256* root);
  Result<std::optional<HeadEntry>> HeadAsOfLocked(const std::string& case_id,
                                                  uint64_t size) const;
  Result<Hash256> HeadNodeAsOfLocked(int level, uint32_t index, uint64_t size) const;
  // Keys and erasure (keys_ledger.cc, keys_writer.cc). SetUpMasterKey loads (or, for a new
  // development directory, makes) the master key and refuses one whose fingerprint differs
  // from the recorded one; BuildHoldsIndex fills `holds` for a directory from before it;
  // ResumePurges finishes purges a crash interrupted. Called by OpenDb.
  Status SetUpMasterKey();
  Status BuildHoldsIndex();
  Status ResumePurges();
  // Flushes every column family (so that older write-ahead logs are deleted), compacts
  // child_keys to its last level, and marks the erasures of `children` purged.
  Status PurgeKeys(const std::vector<std::string>& children);
  Status PurgeKeysLocked(const std::vector<std::string>& children);
  // Stager: checks the request's erasures, holds and personal data against what is stored
  // and staged (`older`: the groups before, newest first), seals its personal data (making
  // the child's data key when it has none), and puts key, erasure and hold changes into
  // `batch` and `mine`. Called before any other write of the request; nothing is put when
  // it fails.
  Status StageKeys(AppendRequest& req, uint64_t first_position, rocksdb::WriteBatch* batch,
                   detail::GroupKeys* mine, const std::vector<const detail::GroupKeys*>& older);
  // Stager: what the idempotency index holds for `pe` as it was sent: its digest, or for an
  // event with personal data that digest keyed by the child's data key (so that no unkeyed
  // hash of personal data is stored, and erasure makes it unmatchable). FailedPrecondition-
  // like InvalidArgument when the child was erased.
  Result<Hash256> IdempotencyDigest(const PreparedEvent& pe, const detail::GroupKeys& mine,
                                    const std::vector<const detail::GroupKeys*>& older) const;
  // Stager: a rotation request (rotate_to set).
  Result<AppendResult> StageRotation(AppendRequest& req, rocksdb::WriteBatch* batch,
                                     detail::GroupKeys* mine,
                                     const std::vector<const detail::GroupKeys*>& older);
  // After a group's write: purge what it destroyed or rewrapped, or undo its rotation.
  void AfterKeysWrite(detail::GroupKeys& keys, const Status& write_status);
  Result<std::optional<DataKey>> FindDataKey(
      const std::string& child_id, const detail::GroupKeys& mine,
      const std::vector<const detail::GroupKeys*>& older) const;
  Result<std::optional<storage::ErasureMarker>> FindErasure(
      const std::string& child_id, const detail::GroupKeys& mine,
      const std::vector<const detail::GroupKeys*>& older) const;
  // Writes a checkpoint of the current tree in a batch of its own. Writer thread only.
  Result<std::string> WriteCheckpointNow();
  // The stager (the writer thread): takes queued requests, checks and prepares them into the
  // next group while the syncer writes the previous one, and hands groups to the syncer in
  // order. commit_writer.cc explains the pipeline.
  void WriterLoop();
  // The syncer: writes each group it is handed (one synced RocksDB write), publishes the new
  // committed size, and answers the group's requests.
  void SyncerLoop();
  // A new, empty group continuing the staged tail, on top of `prev` (the group in flight).
  std::unique_ptr<Group> NewGroup(const Group* prev);
  // Stages `req` into `group` (answer kept for the syncer); kj exceptions become answers.
  void StageInto(std::unique_ptr<AppendRequest> req, Group& group);
  // Adds the checkpoint (when due) and advances the staged tail past `group`.
  void FinishStaging(Group& group);
  // Writes a finished group (synced), and on success publishes the committed size. Called by
  // the syncer, or by the stager when nothing is in flight.
  Status WriteGroup(Group& group);
  // After a group's write returned (stager only): its heads go into the head cache, or a
  // failure is remembered for Recover().
  void Absorb(Group& group, const Status& write_status);
  // What answering a group needs, taken out of it so that the group can go.
  struct Answers {
    std::vector<std::unique_ptr<AppendRequest>> requests;
    std::vector<Result<AppendResult>> results;
    std::string note;
    Status checkpoint_status;
  };
  Answers TakeAnswers(Group& group);
  // Answers a written group's requests (after WriteGroup returned `write_status`).
  void AnswerGroup(Answers answers, const Status& write_status);
  // Answers every request of a group that will not be written.
  void FailGroup(Group& group, const Status& status);
  // Stager only: waits until the syncer has answered every group handed to it, so that the
  // stager's own answers come after theirs (appenders are answered in submission order).
  void WaitForSyncerAnswers();
  // Checks one request against the stored state, the group in flight and the group's earlier
  // requests; on success adds its writes to the group's batch.
  Result<AppendResult> Stage(AppendRequest& req, Group& group);
  Status GetHead(std::string_view case_id, const Group& group, storage::Head* head,
                 bool* found) const;
  Status GetIdempotency(std::string_view event_id, const Group& group,
                        storage::IdempotencyRecord* rec, bool* found) const;
  Status CaseOfPosition(uint64_t position, const Group& group, std::string* case_id) const;
  // Reopens the database after a failed commit, so that what is durable decides the next
  // position. Called by the writer with no request in flight.
  Status Recover();


 public:
  // The database and its column families. Replaced only by Recover(), under db_mu_ held
  // exclusively; everything else holds it shared.
  mutable std::shared_mutex db_mu_;
  std::unique_ptr<rocksdb::DB> db_ GUARDED_BY(db_mu_);
  std::vector<rocksdb::ColumnFamilyHandle*> handles_ GUARDED_BY(db_mu_);

 private:
  rocksdb::ColumnFamilyHandle* log_cf_ = nullptr;
  rocksdb::ColumnFamilyHandle* streams_cf_ = nullptr;
  rocksdb::ColumnFamilyHandle* heads_cf_ = nullptr;
  rocksdb::ColumnFamilyHandle* idem_cf_ = nullptr;
  rocksdb::ColumnFamilyHandle* meta_cf_ = nullptr;
  rocksdb::ColumnFamilyHandle* tree_cf_ = nullptr;
  rocksdb::ColumnFamilyHandle* checkpoints_cf_ = nullptr;
  // Null in a read-only open of a directory from before sealing keys (nothing to unseal).
  rocksdb::ColumnFamilyHandle* child_keys_cf_ = nullptr;
  rocksdb::ColumnFamilyHandle* erasures_cf_ = nullptr;
  rocksdb::ColumnFamilyHandle* holds_cf_ = nullptr;
  // Null in a read-only open of a directory that has no case-head map yet.
  rocksdb::ColumnFamilyHandle* case_heads_cf_ = nullptr;
  bool read_only_ = false;

  // The writer's queue, and the hand-over between the stager and the syncer.
  std::mutex mu_;
  std::condition_variable cv_;       // wakes the stager: requests queued, a group written
  std::condition_variable sync_cv_;  // wakes the syncer: a group handed over, or stop
  std::deque<std::unique_ptr<AppendRequest>> queue_ GUARDED_BY(mu_);
  size_t queue_bytes_ GUARDED_BY(mu_) = 0;
  // What the stager waits for: nothing (it is working), any request (nothing in flight), or
  // a group's worth of requests (a group in flight; its end wakes the stager anyway). Submit
  // wakes it only when it waits for what just arrived: one futex wake per group, not per
  // request.
  enum class StagerWait { kWorking, kAnyRequest, kManyRequests };
  StagerWait stager_wait_ GUARDED_BY(mu_) = StagerWait::kWorking;
  bool stopping_ GUARDED_BY(mu_) = false;
  Group* sync_job_ GUARDED_BY(mu_) = nullptr;  // handed over, not yet taken by the syncer
  uint64_t groups_handed_ GUARDED_BY(mu_) = 0;
  uint64_t groups_written_ GUARDED_BY(mu_) = 0;  // whose write returned (answers may follow)
  uint64_t groups_answered_ GUARDED_BY(mu_) = 0;  // whose requests the syncer has answered
  bool stager_awaits_answers_ GUARDED_BY(mu_) = false;
  Status last_write_status_ GUARDED_BY(mu_);     // of the newest written group
  bool sync_stop_ GUARDED_BY(mu_) = false;
  std::thread writer_;

  // Owned by the writer thread (the stager; and by Open before it starts). The tail is the
  // staged one: it includes the group in flight. After a failed write, Recover() reloads it
  // from what is durable.
  // The heads of recently written cases, as durable: saves the writer a lookup per append.
  // Bounded by kMaxCachedHeads; emptied by Recover().
  std::unordered_map<std::string, storage::Head> head_cache_;
  uint64_t next_position_ = 0;
  int64_t last_recorded_at_ = 0;
  Status failed_;  // set when a commit failed; cleared by a successful Recover()
  CompactRange range_;             // the tree's right edge at next_position_
  uint64_t last_checkpoint_size_ = 0;
  std::chrono::steady_clock::time_point last_checkpoint_time_;
  // The case-head map as staged (empty when read-only): node hashes per level (level 0: the
  // buckets), the buckets appended to since the last checkpoint, whether the next checkpoint
  // completes a backfill, and whether the newest checkpoint lacks the heads line (a directory
  // from before the map; an on-demand checkpoint then re-signs the same size).
  std::vector<std::vector<Hash256>> head_nodes_;
  std::set<uint32_t> heads_touched_;
  bool heads_backfill_pending_ = false;
  bool heads_stale_ = false;

  // Signing. Set up by Open; constant afterwards.
  std::unique_ptr<SigningKey> signing_key_;  // null when read-only
  std::string origin_;
  std::string verifier_key_string_;

  std::atomic<uint64_t> committed_size_{0};

  // CommitStats; written by the writer thread only.
  struct Counters {
    std::atomic<uint64_t> groups{0}, synced_writes{0}, requests{0}, events{0};
    std::atomic<uint64_t> stage_nanos{0}, write_nanos{0}, answer_nanos{0};
  };
  Counters counters_;

 public:
  // The ledger's own time: the clock, but never earlier than the newest recorded-at.
  int64_t LedgerNow() const {
    return std::max(clock_->NowMicros(), committed_recorded_at_.load(std::memory_order_acquire));
  }

 private:
  std::atomic<int64_t> committed_recorded_at_{0};
};

}  // namespace caseledger

#endif  // CASELEDGER_LEDGER_LEDGER_IMPL_H_
