// Opened personal data as the server sends it and the CLI prints it (docs/privacy.md). The
// ledger opens sealed sections (Ledger::Unseal) into the canonical bytes of
// schema::PersonalData; these helpers turn those bytes into a reader, a reply entry or JSON.
#ifndef CASELEDGER_SERVER_PRIVACY_H_
#define CASELEDGER_SERVER_PRIVACY_H_

#include <functional>
#include <string>
#include <string_view>

#include "ledger/event_json.h"
#include "ledger/ledger.h"
#include "ledger/status.h"
#include "ledger/stored_event.h"
#include "schema/personal.capnp.h"
#include "schema/protocol.capnp.h"

namespace caseledger::server {

// Calls `fn` with a reader over `canonical` (one canonical segment, no segment table), valid
// only during the call. Corruption when the bytes are not a readable PersonalData.
Status WithPersonalData(std::string_view canonical,
                        const std::function<void(schema::PersonalData::Reader)>& fn);

// Fills one reply entry from what the ledger opened. Corruption as WithPersonalData.
Status SetUnsealed(const UnsealedPersonal& opened, schema::UnsealedPersonal::Builder out);

// The reverse, on the client: a reply entry as the ledger's type. Corruption for an entry
// whose state is unspecified.
Result<UnsealedPersonal> UnsealedFrom(schema::UnsealedPersonal::Reader entry);

// One event as `caseledger read --unseal` prints it: the event's JSON line (as `read` prints
// it, `sealed` still there) with a "personal" member added in front: the opened data with the
// schema's field names (givenName, familyName, ...), or the string "erased" when the child's
// key was destroyed. Events without personal data get no "personal" member. Corruption as
// WithPersonalData.
Result<std::string> UnsealedEventLine(const EventJson& json, const std::string& event_line,
                                      const UnsealedPersonal& opened);

}  // namespace caseledger::server

#endif  // CASELEDGER_SERVER_PRIVACY_H_
