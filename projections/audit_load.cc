// Loading the audit facts of every case into memory for the audit queries: one pass over the
// column family "audit_facts", kept until the projection position moves.
#include <rocksdb/db.h>

#include "ledger/rocks_status.h"
#include "projections/audit_facts.h"
#include "projections/projection_internal.h"

namespace caseledger::projections {

Result<std::shared_ptr<const audit::FactsTable>> ProjectionStore::Impl::AuditFacts(
    std::optional<uint64_t> min_position) const {
  std::lock_guard<std::mutex> lock(audit_mu_);
  // The position read before the scan: a catch-up running meanwhile may add newer facts, which
  // the table then holds a little ahead of its stated position, never behind it.
  const uint64_t at = position();
  if (audit_table_ &&
      (audit_table_->position == at || (min_position && audit_table_->position >= *min_position))) {
    return audit_table_;
  }
  // TODO(perf): update the table from the cases each flush writes, instead of reloading it
  // whenever the position moves past what the caller accepts.
  auto table = std::make_shared<audit::FactsTable>();
  table->position = at;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), audit_));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    auto facts =
        audit::DecodeFacts(it->key().ToStringView(), it->value().ToStringView(), &table->pool);
    if (!facts.ok()) return facts.status();
    table->cases.push_back(std::move(*facts));
  }
  if (!it->status().ok()) return detail::FromRocks(it->status(), "read audit facts");
  table->IndexRules();
  audit_table_ = table;
  return audit_table_;
}

}  // namespace caseledger::projections
