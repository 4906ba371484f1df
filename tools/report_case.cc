// The case timeline report: the case's events on a time axis, one lane per agency, and each
// obligation as a bar from its trigger to its due time in the lane of the agency that answers
// for it, coloured by its status as of the report's time.
//
// The chart is inline SVG in an HTML document (so no XML prolog and no xmlns needed); every
// bar carries class="obligation-bar", data-rule and data-status so that a test, or a reader's
// script, can count what the page shows.
#include <algorithm>
#include <cstdio>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "tools/report.h"
#include "tools/report_internal.h"

namespace caseledger::report {

using detail::Num;
using detail::SvgText;

namespace {

constexpr double kWidth = 1120;
constexpr double kLabel = 210;  // left column: lane and rule labels
constexpr double kRight = 24;
constexpr double kAxisTop = 40;  // tick labels above the lanes
constexpr double kEventRow = 24;
constexpr double kObligationRow = 15;
constexpr int64_t kDay = 86400LL * 1000000;

// The time range the axis shows, and the mapping to x.
struct Axis {
  int64_t start = 0, end = 1;
  double X(int64_t t) const {
    const double span = static_cast<double>(end - start);
    const double f = std::clamp(static_cast<double>(t - start) / span, 0.0, 1.0);
    return kLabel + f * (kWidth - kLabel - kRight);
  }
};

// From the first event or trigger to the last thing that happened; due times and the
// evaluation time stretch it only up to a quarter of that span more, so one due date ten years
// out does not squash the rest (its bar is cut, and says so).
Axis MakeAxis(const CaseReportInput& in) {
  int64_t lo = INT64_MAX, hi = INT64_MIN;
  auto see = [&](int64_t t) {
    lo = std::min(lo, t);
    hi = std::max(hi, t);
  };
  for (const auto& e : in.events) see(e.occurred_at);
  for (const auto& o : in.obligations) {
    see(o.trigger_at);
    if (o.satisfied_at) see(*o.satisfied_at);
    if (o.breached_at) see(*o.breached_at);
  }
  if (lo == INT64_MAX) lo = hi = in.as_of;
  const int64_t cap = hi + std::max<int64_t>((hi - lo) / 4, kDay);
  int64_t end = hi;
  for (const auto& o : in.obligations) {
    if (o.due_at && *o.due_at <= cap) end = std::max(end, *o.due_at);
  }
  if (in.as_of <= cap) end = std::max(end, in.as_of);
  Axis axis;
  axis.start = lo - kDay / 2;
  axis.end = std::max(end + kDay / 2, axis.start + kDay);
  return axis;
}

// Vertical grid lines with date labels: days, weeks, months or years, whichever gives at most
// about fifteen, at local midnight in the case's time zone.
std::string Ticks(const Axis& axis, const compliance::Calendar& cal, double bottom) {
  using compliance::Calendar;
  const int64_t first = cal.LocalDayNumber(axis.start);
  const int64_t last = cal.LocalDayNumber(axis.end);
  const int64_t days = last - first + 1;
  std::vector<std::pair<int64_t, std::string>> ticks;  // (day number, label)
  if (days <= 16) {
    for (int64_t d = first + 1; d <= last; ++d) {
      ticks.emplace_back(d, Calendar::FromDayNumber(d).ToString());
    }
  } else if (days <= 105) {
    for (int64_t d = first + 1; d <= last; ++d) {
      if ((d + 3) % 7 == 0) ticks.emplace_back(d, Calendar::FromDayNumber(d).ToString());
    }  // day 0 (1970-01-01) was a Thursday: (d + 3) % 7 == 0 on Mondays
  } else if (days <= 365 * 4) {
    const int step = static_cast<int>(days / (30 * 15)) + 1;
    compliance::Date date = Calendar::FromDayNumber(first);
    date.day = 1;
    for (int i = 0;; i += step) {
      compliance::Date d{date.year + (date.month - 1 + i) / 12, (date.month - 1 + i) % 12 + 1, 1};
      const int64_t n = Calendar::DayNumber(d);
      if (n > last) break;
      if (n > first) {
        char label[16];
        std::snprintf(label, sizeof label, "%04d-%02d", d.year, d.month);
        ticks.emplace_back(n, label);
      }
    }
  } else {
    const int y0 = Calendar::FromDayNumber(first).year;
    const int step = static_cast<int>(days / (365 * 15)) + 1;
    for (int y = y0 + 1;; y += step) {
      const int64_t n = Calendar::DayNumber({y, 1, 1});
      if (n > last) break;
      ticks.emplace_back(n, std::to_string(y));
    }
  }
  std::string out = "<g class=\"ticks\">";
  for (const auto& [day, label] : ticks) {
    const double x = axis.X(cal.EndOfLocalDayNumber(day - 1) + 1);
    out += "<line x1=\"" + Num(x) + "\" x2=\"" + Num(x) + "\" y1=\"" + Num(kAxisTop - 6) +
           "\" y2=\"" + Num(bottom) + "\" stroke=\"#e0e0e0\"/>";
    out +=
        SvgText(x, kAxisTop - 10, label, "font-size=\"10\" text-anchor=\"middle\" fill=\"#555\"");
  }
  return out + "</g>\n";
}

// The lane of an obligation: the agency that answers for it, or its role when no agency of
// that role took part.
std::string LaneOf(const compliance::Obligation& o) {
  if (!o.accountable_agency.empty()) return o.accountable_agency;
  return "(no " + (o.accountable_role.empty() ? std::string("agency") : o.accountable_role) +
         " agency)";
}

struct Lane {
  std::string agency, role;
  std::vector<const EventMark*> events;
  std::vector<const compliance::Obligation*> obligations;
};

// Lanes in order of each agency's first event; lanes with only obligations come last, in
// name order.
std::vector<Lane> MakeLanes(const CaseReportInput& in) {
  std::vector<Lane> lanes;
  std::map<std::string, size_t> index;
  auto lane = [&](const std::string& agency) -> Lane& {
    auto [it, added] = index.emplace(agency, lanes.size());
    if (added) lanes.push_back(Lane{agency, "", {}, {}});
    return lanes[it->second];
  };
  for (const auto& e : in.events) {
    Lane& l = lane(e.agency);
    if (l.role.empty()) l.role = e.role;
    l.events.push_back(&e);
  }
  std::map<std::string, std::vector<const compliance::Obligation*>> orphans;
  for (const auto& o : in.obligations) {
    const std::string name = LaneOf(o);
    if (index.count(name)) {
      lanes[index[name]].obligations.push_back(&o);
    } else {
      orphans[name].push_back(&o);
    }
  }
  for (auto& [name, list] : orphans) {
    lanes.push_back(Lane{name, list.front()->accountable_role, {}, std::move(list)});
  }
  return lanes;
}

std::string RuleLabel(const compliance::Obligation& o) {
  return o.rule_id + (o.limit_name.empty() ? "" : " " + o.limit_name);
}

std::string Time(const CaseReportInput& in, std::optional<int64_t> t) {
  return t ? in.calendar.FormatLocal(*t) : std::string("-");
}

// What a reader sees on hover: the rule, its source, the status and the times.
std::string ObligationTitle(const CaseReportInput& in, const compliance::Obligation& o,
                            std::string_view status, bool cut) {
  std::string t = RuleLabel(o) + " (" + o.jurisdiction + "): " + o.title + "\n";
  t += "Source: " + o.source + "\n";
  t += "Status as of the report: " + std::string(status) + (o.justified ? " (justified)" : "");
  t += "\nTriggered by " + o.trigger_type + " at " + Time(in, o.trigger_at);
  t += "\nDue " + Time(in, o.due_at) + (cut ? " (beyond the right edge)" : "");
  if (o.satisfied_at) t += "\nMet by " + o.satisfied_type + " at " + Time(in, o.satisfied_at);
  if (o.breached_at) t += "\nBreached at " + Time(in, o.breached_at);
  if (!o.detail.empty()) t += "\n" + o.detail;
  return t;
}

std::string ObligationBar(const CaseReportInput& in, const Axis& axis,
                          const compliance::Obligation& o, double y) {
  const std::string_view status = o.StatusAsOf(in.as_of);
  const bool cut = o.due_at && *o.due_at > axis.end;
  double x1 = axis.X(o.trigger_at), x2;
  if (o.due_at) {
    x2 = std::max(axis.X(*o.due_at), x1 + 3);
  } else {  // a check on one event: a short mark at the event
    x1 -= 3;
    x2 = x1 + 6;
  }
  const double h = kObligationRow - 5;
  std::string out = "<g class=\"obligation-bar\" data-rule=\"" + HtmlEscape(o.rule_id) +
                    "\" data-status=\"" + std::string(status) + "\" data-trigger-position=\"" +
                    std::to_string(o.trigger_position) + "\">";
  out += "<title>" + HtmlEscape(ObligationTitle(in, o, status, cut)) + "</title>";
  out += SvgText(kLabel - 8, y + h - 1, RuleLabel(o),
                 "font-size=\"10\" text-anchor=\"end\" fill=\"#333\"");
  out += "<rect x=\"" + Num(x1) + "\" y=\"" + Num(y) + "\" width=\"" + Num(x2 - x1) +
         "\" height=\"" + Num(h) + "\" rx=\"2\" fill=\"" + std::string(StatusColour(status)) +
         "\"/>";
  if (cut) {
    out += "<path d=\"M" + Num(x2) + " " + Num(y - 1) + " l6 " + Num(h / 2 + 1) + " l-6 " +
           Num(h / 2 + 1) + "z\" fill=\"" + std::string(StatusColour(status)) + "\"/>";
  }
  if (o.satisfied_at && *o.satisfied_at <= in.as_of) {
    const double xs = axis.X(*o.satisfied_at);
    out += "<line x1=\"" + Num(xs) + "\" x2=\"" + Num(xs) + "\" y1=\"" + Num(y - 2) + "\" y2=\"" +
           Num(y + h + 2) + "\" stroke=\"#111\" stroke-width=\"2\"/>";
  }
  return out + "</g>\n";
}

std::string EventDot(const CaseReportInput& in, const Axis& axis, const EventMark& e, double y) {
  std::string out = "<circle class=\"event\" cx=\"" + Num(axis.X(e.occurred_at)) + "\" cy=\"" +
                    Num(y) + "\" r=\"4\" fill=\"#37474f\" fill-opacity=\"0.8\"><title>";
  out += HtmlEscape(e.type + " at " + in.calendar.FormatLocal(e.occurred_at) + "\n" + e.agency +
                    " (" + e.role + "), version " + std::to_string(e.version) +
                    ", ledger position " + std::to_string(e.position));
  return out + "</title></circle>";
}

std::string Chart(const CaseReportInput& in) {
  const Axis axis = MakeAxis(in);
  const auto lanes = MakeLanes(in);
  double height = kAxisTop;
  for (const auto& l : lanes) height += kEventRow + kObligationRow * l.obligations.size() + 6;
  height += 8;
  std::string svg = "<svg viewBox=\"0 0 " + Num(kWidth) + " " + Num(height) +
                    "\" role=\"img\" aria-label=\"Case timeline by agency\" "
                    "font-family=\"DejaVu Sans, Arial, sans-serif\">\n";
  svg += "<rect x=\"0\" y=\"0\" width=\"" + Num(kWidth) + "\" height=\"" + Num(height) +
         "\" fill=\"#ffffff\"/>\n";
  svg += Ticks(axis, in.calendar, height - 4);
  double y = kAxisTop;
  for (size_t i = 0; i < lanes.size(); ++i) {
    const Lane& l = lanes[i];
    const double lane_h = kEventRow + kObligationRow * l.obligations.size() + 6;
    svg += "<g class=\"lane\" data-agency=\"" + HtmlEscape(l.agency) + "\">";
    if (i % 2 == 0) {
      svg += "<rect x=\"0\" y=\"" + Num(y) + "\" width=\"" + Num(kWidth) + "\" height=\"" +
             Num(lane_h) + "\" fill=\"#f4f6f8\" fill-opacity=\"0.7\"/>";
    }
    svg += SvgText(6, y + 14, l.agency, "font-size=\"11\" font-weight=\"bold\" fill=\"#222\"");
    if (!l.role.empty()) {
      svg += SvgText(6, y + 14 + 11, l.role, "font-size=\"9\" fill=\"#666\"");
    }
    for (const EventMark* e : l.events) svg += EventDot(in, axis, *e, y + 11);
    svg += "\n";
    double oy = y + kEventRow;
    for (const auto* o : l.obligations) {
      svg += ObligationBar(in, axis, *o, oy);
      oy += kObligationRow;
    }
    svg += "</g>\n";
    y += lane_h;
  }
  if (in.as_of >= axis.start && in.as_of <= axis.end) {
    const double x = axis.X(in.as_of);
    svg += "<line class=\"as-of\" x1=\"" + Num(x) + "\" x2=\"" + Num(x) + "\" y1=\"" +
           Num(kAxisTop - 4) + "\" y2=\"" + Num(height - 4) +
           "\" stroke=\"#1565c0\" stroke-dasharray=\"4 3\"/>";
    svg += SvgText(x + 3, kAxisTop - 22, "as of", "font-size=\"10\" fill=\"#1565c0\"");
  }
  return svg + "</svg>\n";
}

std::string ObligationTable(const CaseReportInput& in) {
  std::string t =
      "<table class=\"obligations\"><thead><tr><th>rule</th><th>from</th><th>title</th>"
      "<th>status</th><th>trigger</th><th>due</th><th>met</th><th>accountable</th>"
      "<th>source</th><th>detail</th></tr></thead><tbody>\n";
  for (const auto& o : in.obligations) {
    const std::string_view status = o.StatusAsOf(in.as_of);
    t += "<tr data-rule=\"" + HtmlEscape(o.rule_id) + "\"><td>" + HtmlEscape(RuleLabel(o)) +
         "</td><td>" + HtmlEscape(o.jurisdiction) + "</td><td>" + HtmlEscape(o.title) +
         "</td><td><span class=\"swatch\" style=\"background:" + std::string(StatusColour(status)) +
         "\"></span>" + std::string(status) + "</td><td>" + HtmlEscape(o.trigger_type) + "<br>" +
         HtmlEscape(Time(in, o.trigger_at)) + "</td><td>" + HtmlEscape(Time(in, o.due_at)) +
         "</td><td>" + HtmlEscape(Time(in, o.satisfied_at)) + "</td><td>" + HtmlEscape(LaneOf(o)) +
         "</td><td>" + HtmlEscape(o.source) + "</td><td>" + HtmlEscape(o.detail) + "</td></tr>\n";
  }
  return t + "</tbody></table>\n";
}

std::string EventTable(const CaseReportInput& in) {
  std::string t =
      "<table class=\"events\"><thead><tr><th>version</th><th>occurred</th><th>agency</th>"
      "<th>role</th><th>event</th><th>ledger position</th></tr></thead><tbody>\n";
  for (const auto& e : in.events) {
    t += "<tr><td class=\"n\">" + std::to_string(e.version) + "</td><td>" +
         HtmlEscape(in.calendar.FormatLocal(e.occurred_at)) + "</td><td>" + HtmlEscape(e.agency) +
         "</td><td>" + HtmlEscape(e.role) + "</td><td>" + HtmlEscape(e.type) +
         "</td><td class=\"n\">" + std::to_string(e.position) + "</td></tr>\n";
  }
  return t + "</tbody></table>\n";
}

}  // namespace

std::string RenderCaseReport(const CaseReportInput& in) {
  std::string page = detail::PageStart("Case " + in.case_id + ": compliance timeline");
  page += "<h1>Case " + HtmlEscape(in.case_id) + ": compliance timeline</h1>\n";
  page += "<p class=\"meta\">As of " + HtmlEscape(in.calendar.FormatLocal(in.as_of)) +
          (in.as_of_defaulted ? " (when this page was made: no --as-of was given)" : "") +
          ". Times in " +
          HtmlEscape(in.calendar.time_zone().empty() ? "UTC" : in.calendar.time_zone()) + ". " +
          std::to_string(in.events.size()) + " events, " + std::to_string(in.obligations.size()) +
          " obligations.</p>\n";
  std::map<std::string, int> counts;
  for (const auto& o : in.obligations) ++counts[std::string(o.StatusAsOf(in.as_of))];
  page += "<p class=\"meta\">";
  for (const char* s : {"met", "met_late", "breached", "open", "overdue"}) {
    page += std::string(s) + ": <b>" + std::to_string(counts[s]) + "</b>&nbsp;&nbsp; ";
  }
  page += "</p>\n";
  page += detail::StatusLegend();
  page +=
      "<p class=\"meta\">Dots are events (hover for the type and time); bars run from the "
      "event that triggered an obligation to its due time, in the lane of the agency that "
      "answers for it; a black tick marks when it was met; a bar cut by an arrow is due "
      "beyond the right edge. Hover a bar for the rule, its source and the times.</p>\n";
  page += "<section class=\"chart\" id=\"chart\">\n" + Chart(in) + "</section>\n";
  page += "<h2>Obligations</h2>\n" + ObligationTable(in);
  page += "<h2>Events</h2>\n" + EventTable(in);
  page += detail::CheckpointSection(in.checkpoint, in.position);
  return page + detail::PageEnd();
}

}  // namespace caseledger::report
