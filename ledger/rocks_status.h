// The one place where RocksDB statuses become caseledger statuses.
#ifndef CASELEDGER_LEDGER_ROCKS_STATUS_H_
#define CASELEDGER_LEDGER_ROCKS_STATUS_H_

#include <rocksdb/status.h>

#include <string_view>

#include "ledger/status.h"

namespace caseledger::detail {

// `context` says what the ledger was doing ("append", "open /data/x"). A full disk is an
// IOError whose message says so.
Status FromRocks(const rocksdb::Status& s, std::string_view context);

}  // namespace caseledger::detail

#endif  // CASELEDGER_LEDGER_ROCKS_STATUS_H_
