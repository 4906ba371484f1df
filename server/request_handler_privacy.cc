// The unseal path of readStream (docs/privacy.md, docs/wire_protocol.md "readStream"): who may
// open a case's sealed personal data, and the reply entries that carry it. ReadStream calls
// these; the access record it then writes says `unsealed = true`.
#include "server/privacy.h"
#include "server/request_handler.h"

namespace caseledger::server {

Status RequestHandler::CheckUnsealRead(const Principal& principal,
                                       const std::string& case_id) const {
  if (IsAccessStream(case_id)) {
    return Status::InvalidArgument("access streams hold no personal data: read them without "
                                   "unseal");
  }
  bool took_part = false;
  if (principal.user_role == schema::UserRole::AGENCY) {
    auto part = TookPart(principal, case_id);
    if (!part.ok() && !part.status().IsNotFound()) return part.status();
    took_part = part.ok() && *part;
  }
  return CheckUnseal(principal, took_part);
}

Status RequestHandler::FillUnsealed(const std::vector<StoredEvent>& events,
                                    capnp::List<schema::UnsealedPersonal>::Builder out) const {
  for (size_t i = 0; i < events.size(); ++i) {
    auto opened = ledger_.Unseal(events[i]);
    // A section that does not open (a flipped byte, a key that does not fit) fails the whole
    // read: sending the rest would hide that stored data is damaged.
    if (!opened.ok()) return opened.status();
    CL_RETURN_IF_ERROR(SetUnsealed(*opened, out[static_cast<unsigned>(i)]));
  }
  return Status::OK();
}

}  // namespace caseledger::server
