// What the reports share: escaping, the page frame and its style sheet, the checkpoint section.
#include <cstdio>
#include <string>

#include "tools/report.h"
#include "tools/report_internal.h"

namespace caseledger::report {

std::string HtmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      case '\t':
      case '\n':
        out += c;
        break;
      default:
        // A control character has no business in an id or a rule text; a browser would show
        // it as garbage or, in XML-parsed SVG, refuse the whole document.
        if (u < 0x20 || u == 0x7f) {
          out += "\xEF\xBF\xBD";
        } else {
          out += c;
        }
    }
  }
  return out;
}

std::string_view StatusColour(std::string_view status) {
  if (status == "met") return "#2e7d32";
  if (status == "met_late") return "#f9a825";
  if (status == "breached") return "#c62828";
  if (status == "open") return "#90a4ae";
  if (status == "overdue") return "#ef6c00";
  return "#bdbdbd";
}

CheckpointInfo ParseCheckpointNote(std::string_view note, uint64_t report_position) {
  CheckpointInfo info;
  info.note = std::string(note);
  std::string_view rest = note;
  std::string_view lines[3];
  for (auto& line : lines) {
    const size_t nl = rest.find('\n');
    if (nl == std::string_view::npos) return info;
    line = rest.substr(0, nl);
    rest.remove_prefix(nl + 1);
  }
  uint64_t size = 0;
  if (lines[1].empty() || lines[1].size() > 19) return info;
  for (char c : lines[1]) {
    if (c < '0' || c > '9') return info;
    size = size * 10 + static_cast<uint64_t>(c - '0');
  }
  info.present = true;
  info.size = size;
  info.root_base64 = std::string(lines[2]);
  info.covers = size >= report_position;
  return info;
}

size_t MeetBucket(double fraction) {
  const double percent = fraction * 100.0;
  for (size_t i = 0; i < std::size(kMeetBuckets); ++i) {
    if (percent <= kMeetBuckets[i]) return i;
  }
  return std::size(kMeetBuckets);
}

namespace detail {

namespace {

// Screen and print. The chart named by the URL fragment fills the window (a browser test
// screenshots it that way); print is A4 landscape with the status colours kept.
constexpr std::string_view kStyle = R"css(
body{font:13px/1.4 "DejaVu Sans",Arial,sans-serif;color:#222;background:#fff;margin:16px 24px}
h1{font-size:20px;margin:0 0 4px}
h2{font-size:16px;margin:22px 0 6px}
p.meta{margin:2px 0;color:#444}
table{border-collapse:collapse;font-size:12px;margin:6px 0}
th,td{border:1px solid #ccc;padding:2px 6px;text-align:left;vertical-align:top}
th{background:#f0f0f0}
td.n{text-align:right;font-variant-numeric:tabular-nums}
.chart{background:#fff}
.chart svg{width:100%;height:auto;display:block}
.chart:target{position:fixed;top:0;left:0;right:0;bottom:0;z-index:10;padding:8px;overflow:hidden}
.chart:target svg{height:100%}
ul.legend{list-style:none;padding:0;margin:4px 0;display:flex;flex-wrap:wrap;gap:16px}
.swatch{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:middle;
border:1px solid #0003}
pre.note{white-space:pre-wrap;word-break:break-all;font-size:11px;background:#f6f6f6;padding:6px}
@page{size:A4 landscape;margin:12mm}
@media print{
body{margin:0;font-size:10px}
.chart,tr{break-inside:avoid}
h2{break-after:avoid}
*{-webkit-print-color-adjust:exact;print-color-adjust:exact}
}
)css";

}  // namespace

std::string PageStart(std::string_view title, std::string_view extra_css) {
  std::string out = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  out += "<title>" + HtmlEscape(title) + "</title>\n<style>";
  out += kStyle;
  out += extra_css;
  out += "</style>\n</head>\n<body>\n";
  return out;
}

std::string PageEnd() { return "</body>\n</html>\n"; }

std::string CheckpointSection(const CheckpointInfo& checkpoint, uint64_t position) {
  std::string out = "<h2 id=\"checkpoint\">Built from</h2>\n";
  out += "<p class=\"meta\">Projections at ledger position " + std::to_string(position) +
         " (the events before it).</p>\n";
  if (!checkpoint.present) {
    out +=
        "<p class=\"meta\">No signed checkpoint is stored yet, so this page cannot be "
        "checked against one. The ledger signs one after so many events or minutes "
        "(docs/verification.md): make the page again once it has.</p>\n";
    return out;
  }
  out += "<p class=\"meta\">Signed checkpoint: tree size <span data-checkpoint-size>" +
         std::to_string(checkpoint.size) + "</span>, root <code>" +
         HtmlEscape(checkpoint.root_base64) + "</code>. ";
  out += checkpoint.covers
             ? "It covers every event this page used; check it with <code>caseledger verify"
               "</code> or an inclusion proof.</p>\n"
             : "It does not cover the newest events this page used (none newer was "
               "stored).</p>\n";
  out += "<pre class=\"note\">" + HtmlEscape(checkpoint.note) + "</pre>\n";
  return out;
}

std::string StatusLegend() {
  struct Item {
    const char* status;
    const char* label;
  };
  static constexpr Item kItems[] = {{"met", "met on time"},
                                    {"met_late", "met late"},
                                    {"breached", "breached"},
                                    {"open", "open (not yet due)"},
                                    {"overdue", "overdue (due, not met)"}};
  std::string out = "<ul class=\"legend\">";
  for (const auto& item : kItems) {
    out +=
        "<li><span class=\"swatch\" style=\"background:" + std::string(StatusColour(item.status)) +
        "\"></span>" + item.label + "</li>";
  }
  return out + "</ul>\n";
}

std::string Num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

std::string SvgText(double x, double y, std::string_view text, std::string_view attrs) {
  std::string out = "<text x=\"" + Num(x) + "\" y=\"" + Num(y) + "\"";
  if (!attrs.empty()) out += " " + std::string(attrs);
  return out + ">" + HtmlEscape(text) + "</text>";
}

}  // namespace detail
}  // namespace caseledger::report
