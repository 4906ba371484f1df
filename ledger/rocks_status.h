// The one place where RocksDB statuses become caseledger statuses, and where RocksDB's own log
// messages go.
#ifndef CASELEDGER_LEDGER_ROCKS_STATUS_H_
#define CASELEDGER_LEDGER_ROCKS_STATUS_H_

#include <rocksdb/env.h>
#include <rocksdb/status.h>

#include <memory>
#include <string_view>

#include "ledger/status.h"

namespace spdlog {
class logger;
}

namespace caseledger::detail {

// `context` says what the ledger was doing ("append", "open /data/x"). A full disk is an
// IOError whose message says so.
Status FromRocks(const rocksdb::Status& s, std::string_view context);

// A RocksDB info logger (DBOptions::info_log) that hands RocksDB's messages to `log` (null:
// drops them) instead of a LOG file in the data directory. That file sits on the ledger's own
// disk: once a write to it fails (a full disk), RocksDB's next message aborts the process in
// builds with assertions, Debian's included (found by tests/ledger/disk_full_test.cc).
// Thread-safe.
std::shared_ptr<rocksdb::Logger> NewRocksLogger(std::shared_ptr<spdlog::logger> log);

}  // namespace caseledger::detail

#endif  // CASELEDGER_LEDGER_ROCKS_STATUS_H_
