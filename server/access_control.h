// Who may do what (docs/wire_protocol.md, "Principals and roles"). A principal is a
// configured identity that a client certificate maps to; its user role decides which
// operations it may call, and for agencies its agency role decides which event types it may
// record (the matrix below follows the emitter column of the domain catalogue).
#ifndef CASELEDGER_SERVER_ACCESS_CONTROL_H_
#define CASELEDGER_SERVER_ACCESS_CONTROL_H_

#include <string>
#include <string_view>
#include <vector>

#include "ledger/status.h"
#include "schema/common.capnp.h"
#include "schema/events.capnp.h"
#include "schema/protocol.capnp.h"

namespace caseledger::server {

struct Principal {
  std::string id;  // pseudonymous, appears in access records and logs
  std::string agency_id;
  schema::AgencyRole agency_role = schema::AgencyRole::UNSPECIFIED;
  schema::UserRole user_role = schema::UserRole::UNSPECIFIED;
  // How a certificate maps to it: exactly one is set. `subject` is the RFC 2253 form of the
  // certificate's subject ("CN=police,O=caseledger dev"); `san` is one subjectAltName entry
  // written as "URI:...", "DNS:...", "email:..." or "IP:...".
  std::string subject;
  std::string san;
  // A grant (`unseal = true` in the configuration): an oversight or ombudsperson principal may
  // open sealed personal data too (docs/privacy.md, "Need to know"). Agencies need no grant
  // for the cases they work; witnesses and admins cannot have it.
  bool unseal = false;
};

enum class Operation {
  kAppend,
  kReadStream,
  kReadLog,
  kSubscribe,
  kCheckpoint,
  kProof,
  kStatus,
  kAuditQuery,  // named audit queries over every case: oversight and ombudspersons
};

std::string_view OperationName(Operation op);

// PermissionDenied, naming the principal and the operation, unless its user role allows `op`.
// Per-case and per-event checks come after this one.
Status CheckOperation(const Principal& principal, Operation op);

// Need to know: OK when `principal` may open the sealed personal data of a case it may read.
// `took_part` says whether its agency recorded an event of the case. Agencies may for the
// cases they work; oversight and ombudspersons only with the `unseal` grant; witnesses and
// admins never. PermissionDenied otherwise, naming the principal and why. The caller checks
// the purpose and records the access (unsealed = true).
Status CheckUnseal(const Principal& principal, bool took_part);

// Whether a principal of `role` may hold the `unseal` grant (oversight, ombudsperson).
bool MayHoldUnsealGrant(schema::UserRole role);

// Whether an agency of `role` may record events of `type`. The access events
// (recordAccessed) are written by the server only: no role may append them.
bool MayRecord(schema::AgencyRole role, schema::Event::Body::Which type);

// Whether an append by `principal` of this event is allowed: the event must name the
// principal's agency and agency role, and the role must be allowed to record the type.
Status CheckAppend(const Principal& principal, schema::Event::Reader event);

// Streams whose id starts with this are the access streams kept by the server; clients can
// neither append to them nor name them as their case ids.
inline constexpr std::string_view kAccessStreamPrefix = "access:";
std::string AccessStreamId(std::string_view case_id);
bool IsAccessStream(std::string_view stream_id);

// Names as written in configuration and shown in logs ("agency", "oversight", ...).
std::string_view UserRoleName(schema::UserRole role);
Result<schema::UserRole> ParseUserRole(std::string_view name);
Result<schema::AgencyRole> ParseAgencyRole(std::string_view name);

// The principal a certificate maps to: the first whose subject equals `subject` or whose san
// is among `sans`. Null when none does.
const Principal* FindPrincipal(const std::vector<Principal>& principals, std::string_view subject,
                               const std::vector<std::string>& sans);
const Principal* FindPrincipalById(const std::vector<Principal>& principals, std::string_view id);

}  // namespace caseledger::server

#endif  // CASELEDGER_SERVER_ACCESS_CONTROL_H_
