// What changed in a case between two points of its history (`caseledger replay --diff`): the
// events the second point knows that the first did not (late-recorded ones and corrections
// marked), the obligations that arose, went or changed status, and the case view's fields that
// changed.
#ifndef CASELEDGER_PROJECTIONS_CASE_DIFF_H_
#define CASELEDGER_PROJECTIONS_CASE_DIFF_H_

#include <cstdint>
#include <string>
#include <vector>

#include "ledger/status.h"
#include "projections/projection_store.h"

namespace caseledger::projections {

// One field of the case view whose value differs, by its path in schema/case_view.capnp
// ("representation.guardianAppointedAt"); values as text, "-" when unset. A list that grew or
// shrank is one change ("history": "12 entries" -> "14 entries").
struct ViewChange {
  std::string path;
  std::string before, after;
};
std::vector<ViewChange> DiffViews(const CaseViewFold& a, const CaseViewFold& b);

// An obligation of either point, matched across them by rule, limit and trigger event.
struct ObligationChange {
  enum class Kind { kArose, kWent, kChanged };
  Kind kind = Kind::kChanged;
  std::string rule_id, limit_name, trigger_event_id, trigger_type;
  std::string status_before, status_after;  // as of each point; "" where it did not exist
  std::string due_before, due_after;        // RFC 3339 UTC, "-" when unset
  std::string met_before, met_after;
};
std::vector<ObligationChange> DiffObligations(const CaseState& a, int64_t a_as_of,
                                              const CaseState& b, int64_t b_as_of);

std::string_view ObligationChangeKindName(ObligationChange::Kind kind);

}  // namespace caseledger::projections

#endif  // CASELEDGER_PROJECTIONS_CASE_DIFF_H_
