// The case view: the current picture of one case (schema/case_view.capnp), folded from the
// case's events in stream order.
//
// Apply is cheap: it updates plain C++ fields (no Cap'n Proto arena, no JSON) and appends one
// line to the history; the message is built only by Serialize.
//
// Corrections. An event whose `supersedes` names an earlier event of the case replaces that
// event's facts with its own (applied at the correcting event's place in the stream); an
// EntryVoided withdraws them. The corrected event stays in `history`, marked superseded or
// voided, and is listed in `corrections`. Voiding a correction brings the event it corrected
// back in force; superseding a correction keeps the original replaced. Undoing facts in place
// would need each event's contribution kept, so instead the fold is re-run: when a correction
// changes which events are in force, Apply returns `needs_refold`, and the caller runs Refold
// with a scan of the case's stream (Ledger::ReadStream, versions 0 to the latest). The fold
// remembers from its history which events to skip, so the refold is one pass. Corrections are
// rare; a rebuild pays for a refold only at a correction.
//
// Thread-compatible: one fold per case, used by one thread at a time.
#ifndef CASELEDGER_PROJECTIONS_CASE_VIEW_H_
#define CASELEDGER_PROJECTIONS_CASE_VIEW_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "ledger/status.h"
#include "schema/events.capnp.h"

namespace caseledger {

namespace detail {
struct ViewState;
}

class CaseViewFold {
 public:
  struct ApplyResult {
    // The event changed which earlier events are in force: call Refold before trusting the
    // view (Apply may go on meanwhile; Refold redoes everything).
    bool needs_refold = false;
  };
  // Feeds events of the case to the fold: (event, global position).
  using EventSink = std::function<void(schema::Event::Reader, uint64_t)>;
  // Calls the sink for every event of the case, in stream order, up to and including the latest
  // one applied; returns what stopped it.
  using StreamScan = std::function<Status(const EventSink&)>;

  CaseViewFold();
  ~CaseViewFold();
  CaseViewFold(CaseViewFold&&) noexcept;
  CaseViewFold& operator=(CaseViewFold&&) noexcept;
  CaseViewFold(const CaseViewFold&) = delete;
  CaseViewFold& operator=(const CaseViewFold&) = delete;

  // Folds the next event of the case, in stream order. `position` is its global position (the
  // event's own globalPosition field is not trusted to be set on client-built events).
  ApplyResult Apply(schema::Event::Reader event, uint64_t position);

  // Re-derives the view from the case's events, skipping those that corrections withdrew. Also
  // folds a list of events into a fresh fold at once (a replay to a point): corrections among
  // them are settled by a second pass over the scan when needed. Returns the scan's error; the
  // view is then partial: discard it or retry.
  Status Refold(const StreamScan& scan);

  // The compliance engine's counts, shown with the view; the fold never sets them.
  void SetCompliance(uint32_t open_obligations, uint32_t findings);

  // The canonical Cap'n Proto encoding of the CaseView (a single segment, no segment table):
  // equal views give equal bytes.
  std::string Serialize() const;
  // Reads what Serialize wrote. Corruption when the bytes are not a CaseView.
  static Result<CaseViewFold> Deserialize(std::string_view bytes);

  // One line of JSON through the Cap'n Proto codec: times RFC 3339 (null when unset), event ids
  // hex, positions and counts as numbers.
  std::string ToJson() const;
  // A readable summary of a few dozen lines for the command line.
  std::string ToText() const;

  const std::string& case_id() const;
  uint64_t last_position() const;
  uint64_t last_version() const;
  size_t event_count() const;

 private:
  void ClearForRefold();

  std::unique_ptr<detail::ViewState> state_;
};

}  // namespace caseledger

#endif  // CASELEDGER_PROJECTIONS_CASE_VIEW_H_
