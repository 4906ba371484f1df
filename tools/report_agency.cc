// The agency or jurisdiction report for a period: breaches per rule and agency, the
// time-to-meet distribution and the trend by month, each a chart with the table behind it.
// The counts are ProjectionStore::Accountability's (statuses as of the report's time); the
// distribution is drawn from the obligations met, as a share of the time each rule allowed.
#include <algorithm>
#include <cstdio>
#include <array>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "tools/report.h"
#include "tools/report_internal.h"

namespace caseledger::report {

using detail::Num;
using detail::SvgText;

namespace {

constexpr double kWidth = 1120;
constexpr const char* kStatuses[] = {"met", "met_late", "breached", "open", "overdue"};
constexpr size_t kMaxBreachBars = 40;  // the table lists every row

using Counts = std::array<uint64_t, 5>;  // in kStatuses order

Counts CountsOf(const projections::AccountabilityRow& r) {
  return {r.met, r.met_late, r.breached, r.open, r.overdue};
}

uint64_t Total(const Counts& c) { return c[0] + c[1] + c[2] + c[3] + c[4]; }

void Add(Counts& into, const Counts& c) {
  for (size_t i = 0; i < c.size(); ++i) into[i] += c[i];
}

std::string Hours(std::optional<double> h) {
  if (!h) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", *h);
  return buf;
}

// A horizontal stacked bar of the five statuses, `scale` pixels per obligation.
std::string StackedBar(const Counts& c, double x, double y, double h, double scale,
                       const std::string& label) {
  std::string out;
  for (size_t i = 0; i < c.size(); ++i) {
    if (c[i] == 0) continue;
    const double w = c[i] * scale;
    out += "<rect class=\"seg\" data-status=\"" + std::string(kStatuses[i]) + "\" x=\"" + Num(x) +
           "\" y=\"" + Num(y) + "\" width=\"" + Num(w) + "\" height=\"" + Num(h) + "\" fill=\"" +
           std::string(StatusColour(kStatuses[i])) + "\"><title>" +
           HtmlEscape(label + ": " + kStatuses[i] + " " + std::to_string(c[i])) + "</title></rect>";
    x += w;
  }
  return out;
}

struct RuleAgency {
  std::string rule, agency, jurisdiction;
  Counts counts{};
};

// The yearly rows summed over the years of the period, most breaches first.
std::vector<RuleAgency> ByRuleAndAgency(const AgencyReportInput& in) {
  std::map<std::tuple<std::string, std::string, std::string>, Counts> sums;
  for (const auto& r : in.yearly) Add(sums[{r.rule_id, r.agency, r.jurisdiction}], CountsOf(r));
  std::vector<RuleAgency> out;
  for (const auto& [key, counts] : sums) {
    out.push_back({std::get<0>(key), std::get<1>(key), std::get<2>(key), counts});
  }
  std::stable_sort(out.begin(), out.end(), [](const RuleAgency& a, const RuleAgency& b) {
    return a.counts[2] > b.counts[2];
  });
  return out;
}

std::string BreachChart(const std::vector<RuleAgency>& rows) {
  constexpr double kLabelW = 300, kRow = 16, kTop = 24;
  const size_t n = std::min(rows.size(), kMaxBreachBars);
  uint64_t max_total = 1;
  for (size_t i = 0; i < n; ++i) max_total = std::max(max_total, Total(rows[i].counts));
  const double scale = (kWidth - kLabelW - 60) / static_cast<double>(max_total);
  const double height = kTop + kRow * std::max<size_t>(n, 1) + 10;
  std::string svg = "<svg viewBox=\"0 0 " + Num(kWidth) + " " + Num(height) +
                    "\" role=\"img\" aria-label=\"Obligations per rule and agency\" "
                    "font-family=\"DejaVu Sans, Arial, sans-serif\">\n<rect width=\"" +
                    Num(kWidth) + "\" height=\"" + Num(height) + "\" fill=\"#ffffff\"/>\n";
  svg += SvgText(kLabelW, 14,
                 "obligations by status (most breaches first" +
                     std::string(rows.size() > n ? "; the first " + std::to_string(n) + " of " +
                                                       std::to_string(rows.size())
                                                 : "") +
                     ")",
                 "font-size=\"11\" fill=\"#444\"");
  if (n == 0)
    svg += SvgText(kLabelW, kTop + 12, "no obligations in the period", "font-size=\"11\"");
  for (size_t i = 0; i < n; ++i) {
    const auto& r = rows[i];
    const double y = kTop + kRow * i;
    const std::string label = r.rule + " " + r.agency;
    svg += "<g class=\"rule-agency\" data-rule=\"" + HtmlEscape(r.rule) + "\" data-agency=\"" +
           HtmlEscape(r.agency) + "\" data-breached=\"" + std::to_string(r.counts[2]) + "\">";
    svg += SvgText(kLabelW - 8, y + 11, label, "font-size=\"10\" text-anchor=\"end\"");
    svg += StackedBar(r.counts, kLabelW, y + 2, kRow - 4, scale, label);
    svg += SvgText(kLabelW + Total(r.counts) * scale + 4, y + 11,
                   std::to_string(r.counts[2]) + " breached", "font-size=\"9\" fill=\"#c62828\"");
    svg += "</g>\n";
  }
  return svg + "</svg>\n";
}

std::string BreachTable(const AgencyReportInput& in) {
  std::string t =
      "<table class=\"accountability\"><thead><tr><th>agency</th><th>role</th><th>rule</th>"
      "<th>jurisdiction</th><th>year</th><th>met</th><th>met late</th><th>breached</th>"
      "<th>open</th><th>overdue</th><th>median h</th><th>p90 h</th></tr></thead><tbody>\n";
  for (const auto& r : in.yearly) {
    t += "<tr><td>" + HtmlEscape(r.agency) + "</td><td>" + HtmlEscape(r.role) + "</td><td>" +
         HtmlEscape(r.rule_id) + "</td><td>" + HtmlEscape(r.jurisdiction) + "</td><td>" +
         HtmlEscape(r.period) + "</td>";
    for (uint64_t c : CountsOf(r)) t += "<td class=\"n\">" + std::to_string(c) + "</td>";
    t += "<td class=\"n\">" + Hours(r.median_hours) + "</td><td class=\"n\">" + Hours(r.p90_hours) +
         "</td></tr>\n";
  }
  return t + "</tbody></table>\n";
}

std::string BucketLabel(size_t i) {
  if (i == 0) return "\u2264" + std::to_string(kMeetBuckets[0]) + "%";
  if (i < std::size(kMeetBuckets)) {
    return std::to_string(kMeetBuckets[i - 1]) + "\u2013" + std::to_string(kMeetBuckets[i]) + "%";
  }
  return ">" + std::to_string(kMeetBuckets[std::size(kMeetBuckets) - 1]) + "%";
}

std::string DistributionChart(const std::vector<uint64_t>& buckets) {
  constexpr double kH = 220, kBottom = 190, kLeft = 60;
  const uint64_t max = std::max<uint64_t>(1, *std::max_element(buckets.begin(), buckets.end()));
  const double slot = (kWidth - kLeft - 20) / buckets.size();
  std::string svg = "<svg viewBox=\"0 0 " + Num(kWidth) + " " + Num(kH) +
                    "\" role=\"img\" aria-label=\"Time to meet, share of the time allowed\" "
                    "font-family=\"DejaVu Sans, Arial, sans-serif\">\n<rect width=\"" +
                    Num(kWidth) + "\" height=\"" + Num(kH) + "\" fill=\"#ffffff\"/>\n";
  svg += "<line x1=\"" + Num(kLeft) + "\" x2=\"" + Num(kWidth - 20) + "\" y1=\"" + Num(kBottom) +
         "\" y2=\"" + Num(kBottom) + "\" stroke=\"#888\"/>";
  for (size_t i = 0; i < buckets.size(); ++i) {
    const double h = (kBottom - 24) * buckets[i] / static_cast<double>(max);
    const double x = kLeft + slot * i + slot * 0.15;
    const bool late = i >= 4;  // above 100 % of the time allowed
    svg += "<rect class=\"bucket\" data-bucket=\"" + std::to_string(i) + "\" x=\"" + Num(x) +
           "\" y=\"" + Num(kBottom - h) + "\" width=\"" + Num(slot * 0.7) + "\" height=\"" +
           Num(h) + "\" fill=\"" + std::string(StatusColour(late ? "met_late" : "met")) +
           "\"><title>" +
           HtmlEscape(BucketLabel(i) + " of the time allowed: " + std::to_string(buckets[i])) +
           "</title></rect>";
    svg += SvgText(x + slot * 0.35, kBottom - h - 4, std::to_string(buckets[i]),
                   "font-size=\"10\" text-anchor=\"middle\"");
    svg += SvgText(x + slot * 0.35, kBottom + 14, BucketLabel(i),
                   "font-size=\"10\" text-anchor=\"middle\" fill=\"#444\"");
  }
  svg += SvgText(kLeft, 14, "obligations met, by the share of the time allowed that was used",
                 "font-size=\"11\" fill=\"#444\"");
  return svg + "</svg>\n";
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

std::string DistributionTable(const AgencyReportInput& in) {
  std::map<std::string, std::vector<const MeetSample*>> by_rule;
  for (const auto& s : in.samples) by_rule[s.rule_id].push_back(&s);
  std::string t =
      "<table class=\"distribution\"><thead><tr><th>rule</th><th>met</th>"
      "<th>median h</th>";
  for (size_t i = 0; i < kMeetBucketCount; ++i) t += "<th>" + HtmlEscape(BucketLabel(i)) + "</th>";
  t += "</tr></thead><tbody>\n";
  for (const auto& [rule, list] : by_rule) {
    std::vector<double> hours;
    std::vector<uint64_t> buckets(kMeetBucketCount, 0);
    for (const auto* s : list) {
      hours.push_back(s->hours);
      ++buckets[MeetBucket(s->fraction)];
    }
    t += "<tr><td>" + HtmlEscape(rule) + "</td><td class=\"n\">" + std::to_string(list.size()) +
         "</td><td class=\"n\">" + Hours(Median(hours)) + "</td>";
    for (uint64_t b : buckets) t += "<td class=\"n\">" + std::to_string(b) + "</td>";
    t += "</tr>\n";
  }
  return t + "</tbody></table>\n";
}

std::string TrendChart(const std::vector<std::pair<std::string, Counts>>& months) {
  constexpr double kH = 260, kBottom = 220, kLeft = 60;
  uint64_t max = 1;
  for (const auto& [m, c] : months) max = std::max(max, Total(c));
  const double slot = (kWidth - kLeft - 20) / std::max<size_t>(months.size(), 1);
  std::string svg = "<svg viewBox=\"0 0 " + Num(kWidth) + " " + Num(kH) +
                    "\" role=\"img\" aria-label=\"Obligations by month of their trigger\" "
                    "font-family=\"DejaVu Sans, Arial, sans-serif\">\n<rect width=\"" +
                    Num(kWidth) + "\" height=\"" + Num(kH) + "\" fill=\"#ffffff\"/>\n";
  svg += SvgText(kLeft, 14,
                 "obligations by the month they arose, by status (max " + std::to_string(max) + ")",
                 "font-size=\"11\" fill=\"#444\"");
  svg += "<line x1=\"" + Num(kLeft) + "\" x2=\"" + Num(kWidth - 20) + "\" y1=\"" + Num(kBottom) +
         "\" y2=\"" + Num(kBottom) + "\" stroke=\"#888\"/>";
  const double unit = (kBottom - 30) / static_cast<double>(max);
  const size_t label_every = months.size() / 18 + 1;
  for (size_t i = 0; i < months.size(); ++i) {
    const auto& [month, c] = months[i];
    const double x = kLeft + slot * i + slot * 0.1;
    double y = kBottom;
    svg += "<g class=\"month\" data-month=\"" + HtmlEscape(month) + "\">";
    for (size_t s = 0; s < c.size(); ++s) {
      if (c[s] == 0) continue;
      const double h = c[s] * unit;
      y -= h;
      svg += "<rect data-status=\"" + std::string(kStatuses[s]) + "\" x=\"" + Num(x) + "\" y=\"" +
             Num(y) + "\" width=\"" + Num(slot * 0.8) + "\" height=\"" + Num(h) + "\" fill=\"" +
             std::string(StatusColour(kStatuses[s])) + "\"><title>" +
             HtmlEscape(month + ": " + kStatuses[s] + " " + std::to_string(c[s])) +
             "</title></rect>";
    }
    if (i % label_every == 0) {
      svg += SvgText(x + slot * 0.4, kBottom + 14, month,
                     "font-size=\"9\" text-anchor=\"middle\" fill=\"#444\"");
    }
    svg += "</g>\n";
  }
  return svg + "</svg>\n";
}

// Every month from the first to the last one with obligations, empty months included, so the
// axis is even.
std::vector<std::pair<std::string, Counts>> Months(const AgencyReportInput& in) {
  std::map<std::string, Counts> sums;
  for (const auto& r : in.monthly) Add(sums[r.period], CountsOf(r));
  std::vector<std::pair<std::string, Counts>> out;
  if (sums.empty()) return out;
  int y = std::stoi(sums.begin()->first.substr(0, 4));
  int m = std::stoi(sums.begin()->first.substr(5, 2));
  const std::string last = sums.rbegin()->first;
  for (;;) {
    char key[16];
    std::snprintf(key, sizeof key, "%04d-%02d", y, m);
    auto it = sums.find(key);
    out.emplace_back(key, it == sums.end() ? Counts{} : it->second);
    if (key == last || out.size() > 1200) break;
    if (++m > 12) m = 1, ++y;
  }
  return out;
}

std::string TrendTable(const std::vector<std::pair<std::string, Counts>>& months) {
  std::string t =
      "<table class=\"trend\"><thead><tr><th>month</th><th>met</th>"
      "<th>met late</th><th>breached</th><th>open</th><th>overdue</th>"
      "<th>breached %</th></tr></thead><tbody>\n";
  for (const auto& [month, c] : months) {
    t += "<tr><td>" + HtmlEscape(month) + "</td>";
    for (uint64_t v : c) t += "<td class=\"n\">" + std::to_string(v) + "</td>";
    const uint64_t total = Total(c);
    t += "<td class=\"n\">" + (total ? Hours(100.0 * c[2] / total) : std::string("-")) +
         "</td></tr>\n";
  }
  return t + "</tbody></table>\n";
}

}  // namespace

std::string RenderAgencyReport(const AgencyReportInput& in) {
  std::string scope = in.agency.empty() ? std::string("all agencies") : "agency " + in.agency;
  scope += in.jurisdiction.empty() ? ", all jurisdictions" : ", jurisdiction " + in.jurisdiction;
  std::string page = detail::PageStart("Accountability report: " + scope);
  page += "<h1>Accountability report: " + HtmlEscape(scope) + "</h1>\n";
  page += "<p class=\"meta\">Obligations that arose from " +
          HtmlEscape(in.calendar.FormatLocal(in.from)) + " to before " +
          HtmlEscape(in.calendar.FormatLocal(in.to)) + ", with their statuses as of " +
          HtmlEscape(in.calendar.FormatLocal(in.as_of)) +
          (in.as_of_defaulted ? " (when this page was made: no --as-of was given)" : "") +
          ".</p>\n";
  Counts all{};
  for (const auto& r : in.yearly) Add(all, CountsOf(r));
  page += "<p class=\"meta\">";
  for (size_t i = 0; i < all.size(); ++i) {
    page += std::string(kStatuses[i]) + ": <b>" + std::to_string(all[i]) + "</b>&nbsp;&nbsp; ";
  }
  page += "</p>\n" + detail::StatusLegend();

  page += "<h2>Breaches per rule and agency</h2>\n";
  page += "<section class=\"chart\" id=\"chart\">\n" + BreachChart(ByRuleAndAgency(in)) +
          "</section>\n";
  page += BreachTable(in);

  page +=
      "<h2>Time to meet</h2>\n<p class=\"meta\">Obligations with a due time that were met "
      "(on time or late), by the time from trigger to meeting as a share of the time the "
      "rule allowed; up to 100 % is on time.</p>\n";
  std::vector<uint64_t> buckets(kMeetBucketCount, 0);
  for (const auto& s : in.samples) ++buckets[MeetBucket(s.fraction)];
  page += "<section class=\"chart\" id=\"distribution\">\n" + DistributionChart(buckets) +
          "</section>\n";
  page += DistributionTable(in);

  page += "<h2>Trend by month</h2>\n";
  const auto months = Months(in);
  page += "<section class=\"chart\" id=\"trend\">\n" + TrendChart(months) + "</section>\n";
  page += TrendTable(months);
  page += detail::CheckpointSection(in.checkpoint, in.position);
  return page + detail::PageEnd();
}

}  // namespace caseledger::report
