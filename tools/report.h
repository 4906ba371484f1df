// Reports people look at (docs/reports.md): a case timeline and an agency or jurisdiction
// report, each one self-contained HTML file (inline CSS and SVG, no script, no external asset)
// that prints on A4 landscape.
//
// Rendering is pure: the Render* functions take plain inputs and return the page, the same
// bytes for the same input (no clock, no environment). The Run* functions in report_cli.cc
// gather the inputs from a data directory. Every text that comes from the data (case and
// agency ids, rule titles, sources, checkpoint notes) passes through HtmlEscape.
#ifndef CASELEDGER_TOOLS_REPORT_H_
#define CASELEDGER_TOOLS_REPORT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "projections/calendar.h"
#include "projections/compliance.h"
#include "projections/projection_store.h"

namespace caseledger::report {

// Escapes & < > " ' for HTML text and attribute values (and so for inline SVG). Control
// characters other than tab and newline become U+FFFD, so nothing in the data can end an
// element, an attribute or a comment.
std::string HtmlEscape(std::string_view text);

// The colour of an obligation status as the reports draw it ("met", "met_late", "breached",
// "open", "overdue"); a neutral grey for anything else.
std::string_view StatusColour(std::string_view status);

// The checkpoint a report was built from, as the ledger stored it.
struct CheckpointInfo {
  bool present = false;
  uint64_t size = 0;
  std::string root_base64;
  std::string note;  // the whole signed note
  // True when the checkpoint covers every event the report used (size >= their position).
  bool covers = false;
};
// Reads size and root from a signed note (c2sp tlog-checkpoint: origin, size, root lines).
CheckpointInfo ParseCheckpointNote(std::string_view note, uint64_t report_position);

// One event of the case, as the timeline draws it: no body field, no sealed section.
struct EventMark {
  uint64_t version = 0;
  uint64_t position = 0;
  int64_t occurred_at = 0;
  std::string agency;  // agency id
  std::string role;    // "childProtection"
  std::string type;    // "crimeReported"
};

struct CaseReportInput {
  std::string case_id;
  std::vector<EventMark> events;                    // stream order
  std::vector<compliance::Obligation> obligations;  // as CaseCompliance::Obligations lists them
  compliance::Calendar calendar = compliance::Calendar::Utc();
  int64_t as_of = 0;
  bool as_of_defaulted = false;  // the page then says that "as of" is when it was made
  uint64_t position = 0;         // the projection position the state reflects
  CheckpointInfo checkpoint;
};

// The case timeline page. Each obligation is one SVG element with class "obligation-bar",
// data-rule and data-status (as of `as_of`); the chart is the element with id "chart", which
// fills the window when the URL names it ("report.html#chart").
std::string RenderCaseReport(const CaseReportInput& input);

// One obligation met, for the time-to-meet distribution.
struct MeetSample {
  std::string rule_id;
  double hours = 0;     // trigger to the satisfying event
  double fraction = 0;  // hours over the hours allowed (trigger to due)
};

// The buckets of the distribution: the share of the allowed time used, upper bounds in
// percent; the last bucket is everything above 200 %.
inline constexpr int kMeetBuckets[] = {25, 50, 75, 100, 150, 200};
inline constexpr size_t kMeetBucketCount = std::size(kMeetBuckets) + 1;
size_t MeetBucket(double fraction);

struct AgencyReportInput {
  std::string jurisdiction;  // "" for all
  std::string agency;        // "" for all
  int64_t from = 0, to = 0, as_of = 0;
  bool as_of_defaulted = false;
  compliance::Calendar calendar = compliance::Calendar::Utc();  // for the times printed
  std::vector<projections::AccountabilityRow> yearly;           // already filtered
  std::vector<projections::AccountabilityRow> monthly;          // already filtered
  std::vector<MeetSample> samples;                              // already filtered
  uint64_t position = 0;
  CheckpointInfo checkpoint;
};

// The agency report page: breaches per rule and agency, the time-to-meet distribution and the
// trend by month, each a chart (ids "chart", "distribution", "trend") with its table.
std::string RenderAgencyReport(const AgencyReportInput& input);

}  // namespace caseledger::report

#endif  // CASELEDGER_TOOLS_REPORT_H_
