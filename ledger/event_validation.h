// Validation of events as clients submit them, before anything is written.
#ifndef CASELEDGER_LEDGER_EVENT_VALIDATION_H_
#define CASELEDGER_LEDGER_EVENT_VALIDATION_H_

#include <cstdint>
#include <string_view>

#include "ledger/status.h"
#include "schema/events.capnp.h"

namespace caseledger {

// Checks an event as a client sends it. Returns InvalidArgument naming the first field that is
// wrong:
// - required envelope fields present: 16-byte event id; case id and child id of 1..128
//   printable ASCII characters without spaces; agency id and actor id; occurred-at set;
// - every enum (envelope and body, lists included) set to a known value other than
//   `unspecified`, unless the field carries $optional; every $required field non-empty;
// - the body is a known event type, not `unspecified`;
// - causation, correlation and supersedes ids empty or 16 bytes;
// - the fields the ledger assigns (stream version, global position, recorded-at, schema
//   version, prevLeafHash, sealed) left unset;
// - occurred-at not later than `now_micros + max_skew_micros`.
// Thread-safe.
Status ValidateClientEvent(schema::Event::Reader event, int64_t now_micros,
                           int64_t max_skew_micros);

// True when `id` is 1..128 bytes of printable ASCII without spaces (0x21..0x7e).
bool IsValidId(std::string_view id);

}  // namespace caseledger

#endif  // CASELEDGER_LEDGER_EVENT_VALIDATION_H_
