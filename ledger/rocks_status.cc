#include "ledger/rocks_status.h"

#include <string>

namespace caseledger::detail {

Status FromRocks(const rocksdb::Status& s, std::string_view context) {
  if (s.ok()) return Status::OK();
  std::string msg(context);
  msg += ": ";
  if (s.IsNoSpace() || s.subcode() == rocksdb::Status::kNoSpace) {
    msg += "no space left on device (" + s.ToString() + ")";
    return Status::IOError(std::move(msg));
  }
  msg += s.ToString();
  switch (s.code()) {
    case rocksdb::Status::kNotFound: return Status::NotFound(std::move(msg));
    case rocksdb::Status::kCorruption: return Status::Corruption(std::move(msg));
    case rocksdb::Status::kInvalidArgument:
    case rocksdb::Status::kNotSupported: return Status::InvalidArgument(std::move(msg));
    case rocksdb::Status::kBusy:
    case rocksdb::Status::kTimedOut:
    case rocksdb::Status::kTryAgain: return Status::Busy(std::move(msg));
    case rocksdb::Status::kShutdownInProgress: return Status::Unavailable(std::move(msg));
    case rocksdb::Status::kIOError:
      if (s.ToString().find("lock") != std::string::npos) {
        return Status::Busy(msg + " (is another process using this data directory?)");
      }
      return Status::IOError(std::move(msg));
    default: return Status::IOError(std::move(msg));
  }
}

}  // namespace caseledger::detail
