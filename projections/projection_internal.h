// Internals of the projection store, shared by its .cc files.
#ifndef CASELEDGER_PROJECTIONS_PROJECTION_INTERNAL_H_
#define CASELEDGER_PROJECTIONS_PROJECTION_INTERNAL_H_

#include <openssl/evp.h>
#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "ledger/stored_event.h"
#include "projections/projection_store.h"

namespace caseledger::projections {
namespace internal {

std::string BigEndian64(uint64_t v);
uint64_t ReadBigEndian64(std::string_view bytes);

// Streams keys and values into SHA-256 with their lengths, so that no two different states
// give the same byte stream.
class DigestBuilder {
 public:
  DigestBuilder();
  ~DigestBuilder();
  void AddFamily(std::string_view name);
  void Add(std::string_view key, std::string_view value);
  Hash256 Finish();

 private:
  void Field(std::string_view bytes);
  EVP_MD_CTX* ctx_;
};

// Case ids that are not cases: the server's access streams and the ledger's own streams (rule
// pack activations) do not fold into case views or timelines.
bool IsCaseStream(std::string_view case_id);

// The key of one pending obligation in the due-time index:
// due (8 bytes big-endian, offset so that negative times sort first) | case id | 0 | rule |
// 0 | limit | 0 | trigger position (8 bytes).
std::string DueKey(const std::string& case_id, const compliance::Obligation& o);
struct DueKeyParts {
  int64_t due = 0;
  std::string case_id, rule_id, limit_name;
  uint64_t trigger_position = 0;
};
bool ParseDueKey(std::string_view key, DueKeyParts* parts);

// Cross-case counts kept in memory and written with each flush: group membership in `groups`
// (rule 0 key 0 case), and the count each join saw in `group_counts` (position | rule 0 key),
// which replays of one case read back.
class StoreCounts : public compliance::CrossCaseCounts {
 public:
  int64_t Join(std::string_view rule_id, std::string_view key, std::string_view case_id,
               uint64_t position) override;
  void Leave(std::string_view rule_id, std::string_view key, std::string_view case_id,
             uint64_t position) override;
  void Load(std::string_view stored_key);
  void Clear();
  // Moves the changes since the last flush into `batch`.
  void Flush(rocksdb::WriteBatch* batch, rocksdb::ColumnFamilyHandle* groups,
             rocksdb::ColumnFamilyHandle* group_counts);

 private:
  std::map<std::string, std::set<std::string>> members_;  // rule 0 key -> cases
  std::map<std::string, bool> membership_changes_;        // rule 0 key 0 case -> joined
  std::map<std::string, int64_t> counts_seen_;            // position | rule 0 key -> count
};

// Cross-case counts for a replay: what each join saw when the log was folded.
class ReplayCounts : public compliance::CrossCaseCounts {
 public:
  ReplayCounts(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* group_counts)
      : db_(db), group_counts_(group_counts) {}
  int64_t Join(std::string_view rule_id, std::string_view key, std::string_view case_id,
               uint64_t position) override;
  void Leave(std::string_view, std::string_view, std::string_view, uint64_t) override {}

 private:
  rocksdb::DB* db_;
  rocksdb::ColumnFamilyHandle* group_counts_;
};

std::string GroupCountKey(uint64_t position, std::string_view rule_id, std::string_view key);

}  // namespace internal

class ProjectionStore::Impl {
 public:
  Impl(const Ledger& ledger, StoreOptions options);
  ~Impl();

  Status Open();
  Result<uint64_t> CatchUp(std::optional<uint64_t> target);
  Result<uint64_t> Rebuild(const std::vector<std::string>& names);
  uint64_t position() const;
  uint64_t WaitFor(uint64_t target, int64_t timeout_millis) const;
  Result<Hash256> Digest(std::string_view name) const;
  Result<CaseState> Case(std::string_view case_id) const;
  Result<CaseState> Replay(std::string_view case_id, const ReplayPoint& point) const;
  Result<uint64_t> FirstRecordedAfter(int64_t micros, uint64_t size) const;
  Result<std::vector<OverdueItem>> Overdue(int64_t as_of, size_t limit) const;
  compliance::Calendar CalendarFor(std::string_view jurisdiction) const;
  Result<std::vector<AccountabilityRow>> Accountability(int64_t from, int64_t to, bool monthly,
                                                        int64_t as_of) const;
  std::vector<compliance::PackRegistry::ActivationInfo> Activations() const;
  Result<std::shared_ptr<const audit::FactsTable>> AuditFacts(
      std::optional<uint64_t> min_position) const;

 private:
  // The states of the cases a catch-up touched since its last flush.
  // A case's states, loaded once per catch-up and kept across its flushes (up to
  // StoreOptions::cache_cases); the dirty ones are written at the next flush.
  struct Touched {
    std::optional<CaseViewFold> view;
    std::optional<compliance::CaseCompliance> compliance;
    std::vector<std::string> old_due_keys;  // the due-index keys as stored
    bool view_dirty = false;
    bool compliance_dirty = false;
  };

  Status LoadPosition(std::string_view name, std::string_view version, uint64_t* position);
  Status ClearProjection(std::string_view name);
  std::vector<rocksdb::ColumnFamilyHandle*> FamiliesOf(std::string_view name) const;
  // Activations stored in `packs` at positions before `end`, read back from the ledger.
  Status LoadPacks(uint64_t end, compliance::PackRegistry* registry) const;
  Status LoadGroups();
  void PublishPosition();
  // After a failed write: the registry and counts in memory ran ahead of the store.
  Status ReloadFromStore();

  Status ApplyEvent(const StoredEvent& event, std::unordered_map<std::string, Touched>* touched,
                    rocksdb::WriteBatch* batch);
  Result<Touched*> Load(const std::string& case_id,
                        std::unordered_map<std::string, Touched>* touched, bool view,
                        bool compliance);
  Status RefoldView(const std::string& case_id, uint64_t through, CaseViewFold* view) const;
  Status RefoldCompliance(const std::string& case_id, uint64_t through,
                          compliance::CaseCompliance* state);
  Status RefoldAllCompliance(uint64_t through, std::unordered_map<std::string, Touched>* touched);
  Status Flush(uint64_t reached, std::unordered_map<std::string, Touched>* touched,
               rocksdb::WriteBatch* batch);

  const Ledger& ledger_;
  StoreOptions options_;
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  rocksdb::ColumnFamilyHandle* meta_ = nullptr;
  rocksdb::ColumnFamilyHandle* views_ = nullptr;
  rocksdb::ColumnFamilyHandle* compliance_ = nullptr;
  rocksdb::ColumnFamilyHandle* due_ = nullptr;
  rocksdb::ColumnFamilyHandle* packs_ = nullptr;
  rocksdb::ColumnFamilyHandle* groups_ = nullptr;
  rocksdb::ColumnFamilyHandle* group_counts_ = nullptr;
  rocksdb::ColumnFamilyHandle* audit_ = nullptr;  // audit facts, part of the compliance projection

  std::mutex catchup_mu_;  // one catch-up at a time; guards the positions and counts_
  uint64_t view_position_ = 0;
  uint64_t compliance_position_ = 0;
  internal::StoreCounts counts_;

  mutable std::mutex registry_mu_;  // guards registry_ (read by queries, grown by catch-ups)
  compliance::PackRegistry registry_;

  mutable std::mutex audit_mu_;  // guards audit_table_, the facts loaded for the queries
  mutable std::shared_ptr<const audit::FactsTable> audit_table_;

  mutable std::mutex position_mu_;
  mutable std::condition_variable position_cv_;
  uint64_t position_ = 0;
};

}  // namespace caseledger::projections

#endif  // CASELEDGER_PROJECTIONS_PROJECTION_INTERNAL_H_
