// Parsing the [calendar] table (calendar_toml.h). Errors carry the line of the value at fault
// so that `caseledger rules check` can point at it.
#include "projections/calendar_toml.h"

#include <algorithm>
#include <cstddef>
#include <exception>

#include <date/date.h>
#include <date/tz.h>

namespace caseledger::compliance {
namespace {

using Errors = std::vector<std::pair<int, std::string>>;

int LineOf(const toml::node& node) { return static_cast<int>(node.source().begin.line); }

// "MM-DD" that names a day of some year (29 February allowed when `leap_ok`).
bool ParseMonthDay(const std::string& text, bool leap_ok, int* month, int* day) {
  if (text.size() != 5 || text[2] != '-') return false;
  for (int i : {0, 1, 3, 4}) {
    if (text[i] < '0' || text[i] > '9') return false;
  }
  *month = (text[0] - '0') * 10 + (text[1] - '0');
  *day = (text[3] - '0') * 10 + (text[4] - '0');
  const int year = leap_ok ? 2000 : 2001;
  return date::year_month_day{date::year{year}, date::month(*month), date::day(*day)}.ok();
}

bool ReadInt(const toml::node& node, const std::string& key, int64_t lo, int64_t hi, int* out,
             Errors* errors) {
  std::optional<int64_t> v = node.value_exact<int64_t>();
  if (!v || *v < lo || *v > hi) {
    errors->emplace_back(LineOf(node), key + " must be an integer in " + std::to_string(lo) +
                                            ".." + std::to_string(hi));
    return false;
  }
  *out = static_cast<int>(*v);
  return true;
}

void ParseHoliday(const toml::table& entry, CalendarSpec* out, Errors* errors) {
  const size_t before = errors->size();
  HolidayRule rule;
  rule.line = LineOf(entry);
  auto err = [errors](const toml::node& node, std::string message) {
    errors->emplace_back(LineOf(node), std::move(message));
  };
  bool has_date = false, has_easter = false, has_weekday = false, has_from = false;
  bool has_name = false;
  for (auto&& [key, node] : entry) {
    const std::string k(key.str());
    if (k == "name") {
      const std::optional<std::string> name = node.value_exact<std::string>();
      if (!name || name->empty()) {
        err(node, "holiday name must be a non-empty string");
      } else {
        rule.name = *name;
        has_name = true;
      }
    } else if (k == "date" || k == "from") {
      const std::optional<std::string> text = node.value_exact<std::string>();
      const bool is_date = k == "date";
      (is_date ? has_date : has_from) = true;
      if (!text || !ParseMonthDay(*text, is_date, &rule.month, &rule.day)) {
        err(node, k + " must be a day of the year written \"MM-DD\", not " +
                      (text ? "\"" + *text + "\"" : std::string("a value of another type")));
      }
    } else if (k == "easter") {
      has_easter = true;
      ReadInt(node, k, -365, 365, &rule.easter_offset, errors);
    } else if (k == "weekday") {
      has_weekday = true;
      ReadInt(node, k, 1, 7, &rule.weekday, errors);
    } else if (k == "from_year") {
      ReadInt(node, k, 1583, 9999, &rule.from_year, errors);
    } else if (k == "until_year") {
      ReadInt(node, k, 1583, 9999, &rule.until_year, errors);
    } else if (k == "next_monday_if_weekend") {
      const std::optional<bool> v = node.value_exact<bool>();
      if (!v) err(node, "next_monday_if_weekend must be true or false");
      rule.next_monday_if_weekend = v.value_or(false);
    } else {
      err(node, "unknown key \"" + k + "\" in a holiday (name, date, easter, weekday, from, "
                "from_year, until_year, next_monday_if_weekend)");
    }
  }
  if (!has_name) err(entry, "holiday without a name");
  const int kinds = int{has_date} + int{has_easter} + int{has_weekday};
  if (kinds != 1) {
    err(entry, "holiday \"" + rule.name + "\" needs exactly one of date, easter, weekday");
  } else if (has_weekday != has_from) {
    err(entry, "holiday \"" + rule.name + "\": weekday and from go together");
  }
  if (has_easter) rule.kind = HolidayRule::Kind::kEaster;
  if (has_weekday) rule.kind = HolidayRule::Kind::kWeekdayInRange;
  if (rule.next_monday_if_weekend && !has_date) {
    err(entry, "holiday \"" + rule.name + "\": next_monday_if_weekend needs a date");
  }
  if (rule.from_year != 0 && rule.until_year != 0 && rule.until_year < rule.from_year) {
    err(entry, "holiday \"" + rule.name + "\": until_year before from_year");
  }
  if (errors->size() == before) out->holidays.push_back(std::move(rule));
}

void ParseTimeZone(const toml::node& node, std::string* time_zone, Errors* errors) {
  const std::optional<std::string> name = node.value_exact<std::string>();
  if (!name || name->empty()) {
    errors->emplace_back(LineOf(node), "time_zone must be an IANA zone name such as \"Europe/Oslo\"");
    return;
  }
  try {
    date::locate_zone(*name);
  } catch (const std::exception&) {  // std::runtime_error: not in the tz database
    errors->emplace_back(LineOf(node), "unknown time zone \"" + *name + "\"");
    return;
  }
  *time_zone = *name;
}

void ParseWeekend(const toml::node& node, CalendarSpec* out, Errors* errors) {
  const toml::array* days = node.as_array();
  if (days == nullptr) {
    errors->emplace_back(LineOf(node), "weekend must be an array of weekdays (1 = Monday .. 7)");
    return;
  }
  std::vector<int> weekend;
  for (const toml::node& day : *days) {
    int d = 0;
    if (ReadInt(day, "weekend day", 1, 7, &d, errors)) weekend.push_back(d);
  }
  if (weekend.size() >= 7) {
    errors->emplace_back(LineOf(node), "weekend leaves no working day");
  }
  out->weekend = std::move(weekend);
}

}  // namespace

Status ParseCalendarTable(const toml::table& calendar, std::string* time_zone, CalendarSpec* out,
                          std::vector<std::pair<int, std::string>>* errors) {
  const size_t before = errors->size();
  *out = CalendarSpec{};
  time_zone->clear();
  bool has_zone = false;
  for (auto&& [key, node] : calendar) {
    const std::string k(key.str());
    if (k == "time_zone") {
      has_zone = true;
      ParseTimeZone(node, time_zone, errors);
    } else if (k == "weekend") {
      ParseWeekend(node, out, errors);
    } else if (k == "holidays") {
      const toml::array* list = node.as_array();
      if (list == nullptr) {
        errors->emplace_back(LineOf(node), "holidays must be an array of tables");
        continue;
      }
      for (const toml::node& item : *list) {
        if (const toml::table* entry = item.as_table()) {
          ParseHoliday(*entry, out, errors);
        } else {
          errors->emplace_back(LineOf(item), "a holiday must be a table { name = ..., ... }");
        }
      }
    } else {
      errors->emplace_back(LineOf(node), "unknown key \"" + k +
                                             "\" in [calendar] (time_zone, weekend, holidays)");
    }
  }
  if (!has_zone) errors->emplace_back(LineOf(calendar), "[calendar] without a time_zone");
  if (errors->size() == before) return Status::OK();
  // toml++ tables iterate by key, not by position: report in file order.
  std::stable_sort(errors->begin() + static_cast<std::ptrdiff_t>(before), errors->end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  const auto& [line, message] = (*errors)[before];
  return Status::InvalidArgument("line " + std::to_string(line) + ": " + message);
}

}  // namespace caseledger::compliance
