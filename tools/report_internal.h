// Internal to the reports (tools/report*.cc): the page frame and small SVG helpers they share.
#ifndef CASELEDGER_TOOLS_REPORT_INTERNAL_H_
#define CASELEDGER_TOOLS_REPORT_INTERNAL_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "tools/report.h"

namespace caseledger::report::detail {

// The document up to and including <body>: charset, title, the shared style sheet (screen and
// print), then `extra_css`.
std::string PageStart(std::string_view title, std::string_view extra_css = "");
std::string PageEnd();

// The section that names the checkpoint the page was built from.
std::string CheckpointSection(const CheckpointInfo& checkpoint, uint64_t position);

// The legend of the status colours, as an HTML list.
std::string StatusLegend();

// A number for SVG coordinates: fixed, one decimal, so the output does not depend on the
// stream's formatting state.
std::string Num(double v);

// An SVG text element (escaped), with optional extra attributes.
std::string SvgText(double x, double y, std::string_view text, std::string_view attrs = "");

}  // namespace caseledger::report::detail

#endif  // CASELEDGER_TOOLS_REPORT_INTERNAL_H_
