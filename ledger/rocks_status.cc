#include "ledger/rocks_status.h"

#include <spdlog/spdlog.h>

#include <cstdarg>
#include <cstdio>
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

namespace {

class RocksLogger final : public rocksdb::Logger {
 public:
  explicit RocksLogger(std::shared_ptr<spdlog::logger> log)
      : rocksdb::Logger(rocksdb::InfoLogLevel::WARN_LEVEL), log_(std::move(log)) {}
  using rocksdb::Logger::Logv;
  void Logv(const char* format, va_list ap) override {
    Logv(rocksdb::InfoLogLevel::INFO_LEVEL, format, ap);
  }
  void Logv(const rocksdb::InfoLogLevel level, const char* format, va_list ap) override {
    if (!log_ || level < GetInfoLogLevel()) return;
    char buf[1024];
    std::vsnprintf(buf, sizeof buf, format, ap);
    if (level >= rocksdb::InfoLogLevel::ERROR_LEVEL) {
      log_->error("rocksdb: {}", buf);
    } else {
      log_->warn("rocksdb: {}", buf);
    }
  }

 private:
  std::shared_ptr<spdlog::logger> log_;
};

}  // namespace

std::shared_ptr<rocksdb::Logger> NewRocksLogger(std::shared_ptr<spdlog::logger> log) {
  return std::make_shared<RocksLogger>(std::move(log));
}

}  // namespace caseledger::detail
