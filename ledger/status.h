// Status and Result: how expected failures travel in caseledger.
//
// A Status is OK or carries a code and a message meant for an operator. Result<T> holds either
// a value or a non-OK Status. Both are [[nodiscard]]: a failure that is dropped is a bug.
// Modelled on leveldb/include/leveldb/status.h. Thread-compatible (copy freely).
#ifndef CASELEDGER_LEDGER_STATUS_H_
#define CASELEDGER_LEDGER_STATUS_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace caseledger {

class [[nodiscard]] Status {
 public:
  // The codes. Persisted in the wire protocol (schema/protocol.capnp ErrorCode): never renumber.
  enum class Code : uint8_t {
    kOk = 0,
    kNotFound = 1,
    kConflict = 2,          // expected version did not match
    kInvalidArgument = 3,   // the caller's input is wrong; nothing was written
    kCorruption = 4,        // stored data is inconsistent; names the place
    kIOError = 5,           // the storage failed (including a full disk)
    kBusy = 6,              // try again later (locked, overloaded)
    kPermissionDenied = 7,
    kUnavailable = 8,       // shutting down, or read-only after a storage failure
  };

  Status() = default;
  static Status OK() { return Status(); }
  static Status NotFound(std::string msg) { return Status(Code::kNotFound, std::move(msg)); }
  static Status Conflict(std::string msg) { return Status(Code::kConflict, std::move(msg)); }
  static Status InvalidArgument(std::string msg) {
    return Status(Code::kInvalidArgument, std::move(msg));
  }
  static Status Corruption(std::string msg) { return Status(Code::kCorruption, std::move(msg)); }
  static Status IOError(std::string msg) { return Status(Code::kIOError, std::move(msg)); }
  static Status Busy(std::string msg) { return Status(Code::kBusy, std::move(msg)); }
  static Status PermissionDenied(std::string msg) {
    return Status(Code::kPermissionDenied, std::move(msg));
  }
  static Status Unavailable(std::string msg) { return Status(Code::kUnavailable, std::move(msg)); }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  bool IsNotFound() const { return code_ == Code::kNotFound; }
  bool IsConflict() const { return code_ == Code::kConflict; }
  bool IsInvalidArgument() const { return code_ == Code::kInvalidArgument; }
  bool IsCorruption() const { return code_ == Code::kCorruption; }
  bool IsIOError() const { return code_ == Code::kIOError; }

  // "Conflict: expected version 3, case is at version 5".
  std::string ToString() const;

  // Returns a copy whose message is prefixed with `context`: "context: message".
  Status WithContext(std::string_view context) const;

 private:
  Status(Code code, std::string msg) : code_(code), message_(std::move(msg)) {}

  Code code_ = Code::kOk;
  std::string message_;
};

// The name of a code, as printed by ToString ("Conflict").
std::string_view StatusCodeName(Status::Code code);

// A value or the Status that explains why there is none.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {}  // NOLINT: must not be OK

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace caseledger

// Returns from the enclosing function if `expr` (a Status) is not OK.
#define CL_RETURN_IF_ERROR(expr)            \
  do {                                      \
    ::caseledger::Status _st = (expr);      \
    if (!_st.ok()) return _st;              \
  } while (0)

#endif  // CASELEDGER_LEDGER_STATUS_H_
