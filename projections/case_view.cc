// The fold's bookkeeping: history, which events are in force, refolds, and the byte form.
// The facts themselves are in case_view_apply.cc; the message mapping in case_view_codec.cc.
#include "projections/case_view.h"

#include <capnp/message.h>
#include <capnp/serialize.h>
#include <kj/exception.h>

#include <algorithm>
#include <cstring>

#include "projections/case_view_state.h"

namespace caseledger {

namespace {

using detail::HistoryRow;
using Standing = HistoryRow::Standing;

std::string Bytes(capnp::Data::Reader data) {
  return std::string(reinterpret_cast<const char*>(data.begin()), data.size());
}

// Decides, from the history alone, which events are in force. Walking backwards, each claim
// (`supersedes`) is settled before the events it names: a claim counts unless its own event is
// voided, and the latest counting claim on an event wins. So voiding a correction restores the
// original, while superseding a correction leaves the original replaced.
void RecomputeStandings(std::vector<HistoryRow>& rows) {
  for (auto& r : rows) {
    r.standing = Standing::kInForce;
    r.withdrawn_by = -1;
  }
  for (size_t i = rows.size(); i-- > 0;) {
    const HistoryRow& claim = rows[i];
    if (claim.standing == Standing::kVoided || claim.supersedes.empty()) continue;
    for (size_t t = i; t-- > 0;) {
      if (rows[t].event_id != claim.supersedes) continue;
      if (rows[t].standing == Standing::kInForce) {
        const bool voids = claim.type == static_cast<uint16_t>(schema::Event::Body::ENTRY_VOIDED);
        rows[t].standing = voids ? Standing::kVoided : Standing::kSuperseded;
        rows[t].withdrawn_by = static_cast<int64_t>(i);
      }
      break;
    }
  }
}

}  // namespace

CaseViewFold::CaseViewFold() : state_(std::make_unique<detail::ViewState>()) {}
CaseViewFold::~CaseViewFold() = default;
CaseViewFold::CaseViewFold(CaseViewFold&&) noexcept = default;
CaseViewFold& CaseViewFold::operator=(CaseViewFold&&) noexcept = default;

CaseViewFold::ApplyResult CaseViewFold::Apply(schema::Event::Reader event, uint64_t position) {
  detail::ViewState& st = *state_;
  if (st.history.empty()) {
    st.case_id = event.getCaseId();
    st.child_id = event.getChildId();
    st.first_position = position;
    st.first_recorded_at = event.getRecordedAt();
  }
  st.last_position = position;
  st.last_version = event.getStreamVersion();
  st.last_recorded_at = event.getRecordedAt();

  HistoryRow row;
  row.position = position;
  row.version = event.getStreamVersion();
  row.event_id = Bytes(event.getEventId());
  row.type = static_cast<uint16_t>(event.getBody().which());
  row.occurred_at = event.getOccurredAt();
  row.recorded_at = event.getRecordedAt();
  row.agency_id = event.getAgencyId();
  row.supersedes = Bytes(event.getSupersedes());
  row.applied = !std::binary_search(st.refold_skip.begin(), st.refold_skip.end(), row.event_id);
  const bool corrects = !row.supersedes.empty();
  if (row.applied) detail::ApplyFacts(event, position, st.facts);
  st.history.push_back(std::move(row));

  ApplyResult result;
  if (corrects) {
    RecomputeStandings(st.history);
    for (const auto& r : st.history) {
      if (r.applied != (r.standing == Standing::kInForce)) result.needs_refold = true;
    }
  }
  return result;
}

void CaseViewFold::ClearForRefold() {
  detail::ViewState& st = *state_;
  std::vector<std::string> skip;
  for (const auto& r : st.history) {
    if (r.standing != Standing::kInForce) skip.push_back(r.event_id);
  }
  std::sort(skip.begin(), skip.end());
  const uint32_t open_obligations = st.open_obligations;
  const uint32_t findings = st.findings;
  st = detail::ViewState{};
  st.open_obligations = open_obligations;
  st.findings = findings;
  st.refold_skip = std::move(skip);
}

Status CaseViewFold::Refold(const StreamScan& scan) {
  // The skip list comes from the history already folded. A fresh fold (a replay to a point)
  // has none, and mid-scan a correction may look as if it changes standings (a void that
  // undoes it comes later), so Apply's flags are ignored here; if the scan ends with any event
  // folded against its final standing, a second pass with the now complete history settles it.
  for (int pass = 0; pass < 2; ++pass) {
    ClearForRefold();
    Status status = scan([this](schema::Event::Reader e, uint64_t position) {
      (void)Apply(e, position);
    });
    state_->refold_skip.clear();
    if (!status.ok()) return status;
    bool settled = true;
    for (const auto& r : state_->history) {
      if (r.applied != (r.standing == Standing::kInForce)) settled = false;
    }
    if (settled) break;
  }
  return Status::OK();
}

void CaseViewFold::SetCompliance(uint32_t open_obligations, uint32_t findings) {
  state_->open_obligations = open_obligations;
  state_->findings = findings;
}

std::string CaseViewFold::Serialize() const {
  capnp::MallocMessageBuilder message;
  detail::ToMessage(*state_, message.initRoot<schema::CaseView>());
  auto words = capnp::canonicalize(message.getRoot<schema::CaseView>().asReader());
  auto bytes = words.asBytes();
  return std::string(reinterpret_cast<const char*>(bytes.begin()), bytes.size());
}

Result<CaseViewFold> CaseViewFold::Deserialize(std::string_view bytes) {
  if (bytes.empty() || bytes.size() % sizeof(capnp::word) != 0) {
    return Status::Corruption("case view is not a whole number of words (" +
                              std::to_string(bytes.size()) + " bytes)");
  }
  auto words = kj::heapArray<capnp::word>(bytes.size() / sizeof(capnp::word));
  std::memcpy(words.begin(), bytes.data(), bytes.size());
  kj::ArrayPtr<const capnp::word> segments[1] = {words.asPtr()};
  CaseViewFold fold;
  KJ_IF_MAYBE(e, kj::runCatchingExceptions([&] {
    capnp::ReaderOptions options;
    options.traversalLimitInWords = uint64_t{1} << 30;
    capnp::SegmentArrayMessageReader reader(kj::arrayPtr(segments, 1), options);
    detail::FromMessage(reader.getRoot<schema::CaseView>(), *fold.state_);
  })) {
    return Status::Corruption(std::string("not a readable case view: ") +
                              e->getDescription().cStr());
  }
  RecomputeStandings(fold.state_->history);
  for (auto& r : fold.state_->history) r.applied = r.standing == Standing::kInForce;
  return fold;
}

const std::string& CaseViewFold::case_id() const { return state_->case_id; }
uint64_t CaseViewFold::last_position() const { return state_->last_position; }
uint64_t CaseViewFold::last_version() const { return state_->last_version; }
size_t CaseViewFold::event_count() const { return state_->history.size(); }

}  // namespace caseledger
