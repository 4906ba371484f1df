// `caseledger verify`: every checkpoint's caseledger-heads line against the case heads
// replayed from the log (docs/verification.md, "Case-head commitment").
#include <rocksdb/db.h>

#include <algorithm>
#include <map>
#include <set>

#include "ledger/case_heads.h"
#include "ledger/rocks_status.h"
#include "ledger/storage_format.h"
#include "ledger/verify_internal.h"

namespace caseledger::verify_detail {

Status CheckHeadCommitments(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* log_cf,
                            const std::vector<CommittedHeads>& committed,
                            const std::vector<std::string>& case_ids,
                            const std::function<std::pair<uint32_t, uint64_t>(uint64_t)>& at,
                            Findings* findings) {
  if (committed.empty() || log_cf == nullptr) return Status::OK();
  HeadMapTree tree;
  std::vector<std::vector<uint32_t>> members(kHeadMapBuckets);  // case indexes per bucket
  std::vector<HeadEntry> heads(case_ids.size());
  std::vector<bool> seen(case_ids.size());
  uint64_t p = 0;
  for (const CommittedHeads& c : committed) {
    std::map<uint32_t, uint64_t> touched;  // case index -> its newest position below c.size
    for (; p < c.size; ++p) {
      const auto [index, version] = at(p);
      if (index != kNoCase) touched[index] = p;
    }
    std::set<uint32_t> buckets;
    for (const auto& [index, position] : touched) {
      std::string value;
      auto s = db->Get(rocksdb::ReadOptions(), log_cf, storage::LogKey(position), &value);
      if (!s.ok()) return detail::FromRocks(s, "read the log");
      const uint32_t bucket = HeadBucket(case_ids[index]);
      if (!seen[index]) {
        seen[index] = true;
        members[bucket].push_back(index);
      }
      heads[index] = HeadEntry{case_ids[index], at(position).second, LeafHash(AsBytes(value))};
      buckets.insert(bucket);
    }
    std::map<uint32_t, Hash256> hashes;
    for (uint32_t bucket : buckets) {
      std::vector<HeadEntry> entries;
      for (uint32_t index : members[bucket]) entries.push_back(heads[index]);
      std::sort(entries.begin(), entries.end(),
                [](const HeadEntry& x, const HeadEntry& y) { return x.case_id < y.case_id; });
      hashes[bucket] = HeadBucketHash(entries);
    }
    tree.SetBuckets(hashes);
    if (tree.Root() != c.root) {
      findings->set_tag(kAfterLog);
      findings->Add("checkpoint " + std::to_string(c.size),
                    "heads root " + ToHex(c.root) + " is not the root " + ToHex(tree.Root()) +
                        " of the case heads recomputed from the log at its size");
    }
  }
  return Status::OK();
}

}  // namespace caseledger::verify_detail
