// Helpers the files of tools/hostile_client share (not a public surface).
#ifndef CASELEDGER_TOOLS_HOSTILE_CLIENT_INTERNAL_H_
#define CASELEDGER_TOOLS_HOSTILE_CLIENT_INTERNAL_H_

#include <capnp/message.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "ledger/status.h"
#include "schema/protocol.capnp.h"
#include "server/client.h"
#include "tools/hostile_client_attacks.h"

namespace caseledger::bench {

// A blocking TCP connection to the target; -1 with `error` set on failure.
int DialTcp(const AttackTarget& t, std::string* error);
// Whether the server has closed `fd` (EOF or reset), waiting up to `wait_ms`; bytes it sent
// meanwhile are read and dropped.
bool PeerClosed(int fd, int wait_ms);
bool SendAll(int fd, const void* data, size_t size);
// The schema's name of an error code ("permissionDenied").
std::string ErrorCodeName(schema::ErrorCode code);
// How the server answered the last thing sent: "<code> reply", "success reply" or
// "closed without a reply".
std::string ReadOutcome(server::Client& client);
// "PermissionDenied", "ok", ...
std::string CodeOf(const Status& s);
// The first word of a stream-framed message.
std::vector<uint8_t> FrameHeader(uint32_t segments_minus_one, uint32_t words);
// Sleeps `millis`, or less when `stop` is set.
void Pause(const StopFlag& stop, int millis);

// A valid case conference for case CaseIdFor(`case_number`), recorded by `agency_id` in
// `role`, with event id from `id_seed` and personal data made of `marker` (sealed by the
// server; it must never appear in its log).
std::unique_ptr<capnp::MallocMessageBuilder> MarkedEvent(size_t case_number,
                                                         const std::string& agency_id,
                                                         schema::AgencyRole role,
                                                         const std::string& marker,
                                                         uint64_t id_seed);

}  // namespace caseledger::bench

#endif  // CASELEDGER_TOOLS_HOSTILE_CLIENT_INTERNAL_H_
