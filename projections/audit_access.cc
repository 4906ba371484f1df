// Audit question 5.17: who read a child's case record, when and why, and what was disclosed
// to whom on what legal basis. Reads the ledger, not the projections: the server records every
// read in the case's access stream "access:<case>" (server/access_control.h,
// kAccessStreamPrefix), and disclosures are RecordDisclosed events of the case itself.
#include <capnp/schema.h>

#include <algorithm>

#include "ledger/ledger.h"
#include "projections/audit_internal.h"
#include "schema/bodies.capnp.h"

namespace caseledger::projections::audit {

namespace {

// The server's prefix (server/access_control.h); projections sit below the server, so the
// text is repeated here, as projection_util.cc does for IsCaseStream.
constexpr std::string_view kAccessPrefix = "access:";

template <typename Enum>
std::string EnumName(Enum value) {
  auto enumerants = capnp::Schema::from<Enum>().getEnumerants();
  const auto n = static_cast<uint16_t>(value);
  if (n >= enumerants.size()) return std::to_string(n);
  return enumerants[n].getProto().getName();
}

bool InWindow(int64_t at, const Params& p) { return at >= p.from && at < p.to && at <= p.as_of; }

}  // namespace

Result<std::vector<AuditRow>> RecordAccess(const Ledger& ledger, const Params& p) {
  std::vector<std::pair<int64_t, AuditRow>> rows;  // by recorded-at
  const std::vector<std::string> ids = {p.case_id};
  auto reads = ledger.ReadStream(std::string(kAccessPrefix) + p.case_id, 0, SIZE_MAX);
  if (reads.ok()) {
    for (const auto& e : *reads) {
      auto r = e.reader();
      if (!r.getBody().isRecordAccessed() || !InWindow(r.getRecordedAt(), p)) continue;
      auto a = r.getBody().getRecordAccessed();
      rows.push_back(
          {r.getRecordedAt(),
           {{TimeText(r.getRecordedAt()), EnumName(a.getAccessKind()), a.getAccessorId().cStr(),
             EnumName(a.getAccessorRole()), a.getPurpose().cStr(), a.getLegalBasis().cStr(), "",
             a.getUnsealed() ? "yes" : "no", a.getRequestId().cStr()},
            ids}});
    }
  } else if (!reads.status().IsNotFound()) {
    return reads.status();
  }
  auto events = ledger.ReadStream(p.case_id, 0, SIZE_MAX);
  if (!events.ok()) {
    // A case never read has no access stream; a case that does not exist is bad input.
    if (events.status().IsNotFound() && rows.empty()) {
      return Status::InvalidArgument("audit query record_access: no case \"" + p.case_id +
                                     "\" in the ledger");
    }
    if (!events.status().IsNotFound()) return events.status();
  } else {
    for (const auto& e : *events) {
      auto r = e.reader();
      if (!r.getBody().isRecordDisclosed() || !InWindow(r.getRecordedAt(), p)) continue;
      auto d = r.getBody().getRecordDisclosed();
      rows.push_back(
          {r.getRecordedAt(),
           {{TimeText(r.getRecordedAt()), "disclosure", d.getAccessorId().cStr(),
             EnumName(d.getAccessorRole()), d.getPurpose().cStr(), d.getLegalBasis().cStr(),
             d.getRecipient().cStr(), d.getUnsealed() ? "yes" : "no", d.getRequestId().cStr()},
            ids}});
    }
  }
  std::stable_sort(rows.begin(), rows.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<AuditRow> out;
  for (auto& [at, row] : rows) out.push_back(std::move(row));
  return out;
}

}  // namespace caseledger::projections::audit
