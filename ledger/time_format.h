// RFC 3339 timestamps <-> microseconds since the Unix epoch (UTC).
#ifndef CASELEDGER_LEDGER_TIME_FORMAT_H_
#define CASELEDGER_LEDGER_TIME_FORMAT_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "ledger/status.h"

namespace caseledger {

// "2026-03-01T10:00:00Z", with ".ffffff" only when the time has a fraction of a second.
std::string FormatRfc3339(int64_t micros_since_epoch);

// Parses "YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)". Fractions finer than a microsecond
// are truncated. Returns InvalidArgument naming the text when it is not such a timestamp.
Result<int64_t> ParseRfc3339(std::string_view text);

}  // namespace caseledger

#endif  // CASELEDGER_LEDGER_TIME_FORMAT_H_
