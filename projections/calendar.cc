// Public holidays, local days and period ends (calendar.h). Days are counted as day numbers
// (days since 1970-01-01, local calendar dates), so that PeriodEnd only touches integers and
// the tables that Make builds once (calendar_internal.h).
#include "projections/calendar.h"

#include <algorithm>
#include <cstdio>
#include <exception>
#include <stdexcept>

#include <date/date.h>
#include <date/tz.h>

#include "projections/calendar_internal.h"

namespace caseledger::compliance {
namespace {

using detail::CalendarData;

constexpr int64_t kMicrosPerSecond = 1000000;
constexpr int64_t kSecondsPerDay = 86400;

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

// 1 = Monday .. 7 = Sunday; 1970-01-01 was a Thursday.
int IsoWeekday(int64_t day) { return static_cast<int>(((day + 3) % 7 + 7) % 7) + 1; }

bool ValidDate(int year, int month, int day) {
  return date::year_month_day{date::year{year}, date::month(month), date::day(day)}.ok();
}

// Calls f(day_number, rule) for each holiday of `year`, in rule order; a Monday added by
// next_monday_if_weekend comes right after its rule's own day.
template <typename F>
void ForEachHoliday(const CalendarSpec& spec, int year, F f) {
  int64_t easter = -1;
  for (const HolidayRule& rule : spec.holidays) {
    if (rule.from_year != 0 && year < rule.from_year) continue;
    if (rule.until_year != 0 && year > rule.until_year) continue;
    switch (rule.kind) {
      case HolidayRule::Kind::kFixed: {
        if (!ValidDate(year, rule.month, rule.day)) break;  // 29 February in a common year
        const int64_t day = Calendar::DayNumber({year, rule.month, rule.day});
        f(day, rule, false);
        const int wd = IsoWeekday(day);
        if (rule.next_monday_if_weekend && wd >= 6) f(day + (8 - wd), rule, true);
        break;
      }
      case HolidayRule::Kind::kEaster:
        if (easter < 0) easter = Calendar::DayNumber(EasterSunday(year));
        f(easter + rule.easter_offset, rule, false);
        break;
      case HolidayRule::Kind::kWeekdayInRange: {
        const int64_t first = Calendar::DayNumber({year, rule.month, rule.day});
        f(first + (rule.weekday - IsoWeekday(first) + 7) % 7, rule, false);
        break;
      }
    }
  }
}

Status CheckRule(const HolidayRule& rule) {
  auto fail = [&rule](const std::string& why) {
    return Status::InvalidArgument("holiday \"" + rule.name + "\" (line " +
                                   std::to_string(rule.line) + "): " + why);
  };
  switch (rule.kind) {
    case HolidayRule::Kind::kFixed:
      if (!ValidDate(2000, rule.month, rule.day)) return fail("no such day of the year");
      break;
    case HolidayRule::Kind::kEaster:
      if (rule.easter_offset < -365 || rule.easter_offset > 365) {
        return fail("easter offset beyond a year");
      }
      if (rule.next_monday_if_weekend) return fail("next_monday_if_weekend needs a fixed date");
      break;
    case HolidayRule::Kind::kWeekdayInRange:
      if (rule.weekday < 1 || rule.weekday > 7) return fail("weekday not in 1..7");
      if (!ValidDate(2001, rule.month, rule.day)) return fail("no such first day of the range");
      if (rule.next_monday_if_weekend) return fail("next_monday_if_weekend needs a fixed date");
      break;
  }
  if (rule.from_year != 0 && rule.until_year != 0 && rule.until_year < rule.from_year) {
    return fail("until_year before from_year");
  }
  return Status::OK();
}

void BuildHolidayBits(CalendarData* data) {
  if (data->spec.holidays.empty()) return;
  const int64_t last = Calendar::DayNumber({detail::kLastYear, 12, 31});
  data->holiday_bits.assign(static_cast<size_t>((last - data->first_day) / 64 + 1), 0);
  for (int year = detail::kFirstYear; year <= detail::kLastYear; ++year) {
    ForEachHoliday(data->spec, year, [data, last](int64_t day, const HolidayRule&, bool) {
      // An Easter offset can reach into the neighbouring year: keep what the table spans.
      if (day < data->first_day || day > last) return;
      const uint64_t i = static_cast<uint64_t>(day - data->first_day);
      data->holiday_bits[i / 64] |= uint64_t{1} << (i % 64);
    });
  }
}

bool SlowIsHoliday(const CalendarSpec& spec, int64_t day) {
  const int year = Calendar::FromDayNumber(day).year;
  bool found = false;
  // A holiday near New Year may belong to the neighbouring year's rules (Easter offsets).
  for (int y = year - 1; y <= year + 1 && !found; ++y) {
    ForEachHoliday(spec, y, [&found, day](int64_t d, const HolidayRule&, bool) {
      if (d == day) found = true;
    });
  }
  return found;
}

}  // namespace

std::string_view PeriodUnitName(PeriodUnit unit) {
  switch (unit) {
    case PeriodUnit::kHours: return "hours";
    case PeriodUnit::kDays: return "days";
    case PeriodUnit::kWorkingDays: return "working_days";
    case PeriodUnit::kWeeks: return "weeks";
    case PeriodUnit::kMonths: return "months";
  }
  return "?";
}

std::optional<PeriodUnit> ParsePeriodUnit(std::string_view name) {
  for (PeriodUnit unit : {PeriodUnit::kHours, PeriodUnit::kDays, PeriodUnit::kWorkingDays,
                          PeriodUnit::kWeeks, PeriodUnit::kMonths}) {
    if (PeriodUnitName(unit) == name) return unit;
  }
  return std::nullopt;
}

std::string Date::ToString() const {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02d", year, month, day);
  return buf;
}

Date EasterSunday(int year) {
  // The anonymous Gregorian computus (Meeus, Astronomical Algorithms, ch. 8).
  const int a = year % 19, b = year / 100, c = year % 100;
  const int d = b / 4, e = b % 4, f = (b + 8) / 25, g = (b - f + 1) / 3;
  const int h = (19 * a + b - d - g + 15) % 30;
  const int i = c / 4, k = c % 4;
  const int l = (32 + 2 * e + 2 * i - h - k) % 7;
  const int m = (a + 11 * h + 22 * l) / 451;
  const int month = (h + l - 7 * m + 114) / 31;
  const int day = (h + l - 7 * m + 114) % 31 + 1;
  return Date{year, month, day};
}

Result<Calendar> Calendar::Make(std::string_view time_zone, const CalendarSpec& spec) {
  auto data = std::make_shared<CalendarData>();
  data->time_zone = std::string(time_zone);
  data->spec = spec;
  for (int d : spec.weekend) {
    if (d < 1 || d > 7) return Status::InvalidArgument("weekend day not in 1..7");
    data->weekend_mask |= static_cast<uint8_t>(1u << (d - 1));
  }
  if (data->weekend_mask == 0x7f) return Status::InvalidArgument("every day is a weekend day");
  for (const HolidayRule& rule : spec.holidays) CL_RETURN_IF_ERROR(CheckRule(rule));
  if (!time_zone.empty()) {
    try {
      data->zone = date::locate_zone(time_zone);
      data->table = detail::BuildZoneTable(data->zone);
    } catch (const std::exception& e) {  // std::runtime_error for an unknown name
      return Status::InvalidArgument("unknown time zone \"" + std::string(time_zone) +
                                     "\": " + e.what());
    }
  }
  data->first_day = DayNumber({detail::kFirstYear, 1, 1});
  BuildHolidayBits(data.get());
  return Calendar(std::move(data));
}

Calendar Calendar::Utc() {
  // Shared by every default-initialised Calendar; immutable, so sharing is safe.
  static const std::shared_ptr<const CalendarData> kUtc = [] {
    auto data = std::make_shared<CalendarData>();
    data->weekend_mask = (1u << 5) | (1u << 6);
    data->first_day = DayNumber({detail::kFirstYear, 1, 1});
    return data;
  }();
  return Calendar(kUtc);
}

const std::string& Calendar::time_zone() const { return data_->time_zone; }
const CalendarSpec& Calendar::spec() const { return data_->spec; }

std::vector<std::pair<Date, std::string>> Calendar::Holidays(int year) const {
  std::vector<std::pair<int64_t, std::string>> days;
  ForEachHoliday(data_->spec, year, [&days](int64_t day, const HolidayRule& rule, bool moved) {
    days.emplace_back(day, moved ? rule.name + " (Monday)" : rule.name);
  });
  std::stable_sort(days.begin(), days.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::pair<Date, std::string>> out;
  out.reserve(days.size());
  for (auto& [day, name] : days) {
    const Date date = FromDayNumber(day);
    if (date.year == year) out.emplace_back(date, std::move(name));
  }
  return out;
}

int64_t Calendar::DayNumber(Date d) {
  const date::year_month_day ymd{date::year{d.year}, date::month(d.month), date::day(d.day)};
  return date::sys_days{ymd}.time_since_epoch().count();
}

Date Calendar::FromDayNumber(int64_t day) {
  const date::year_month_day ymd{date::sys_days{date::days{day}}};
  return Date{static_cast<int>(ymd.year()), static_cast<int>(static_cast<unsigned>(ymd.month())),
              static_cast<int>(static_cast<unsigned>(ymd.day()))};
}

bool Calendar::IsHoliday(Date date) const {
  const CalendarData& data = *data_;
  if (data.spec.holidays.empty()) return false;
  const int64_t day = DayNumber(date);
  const int64_t i = day - data.first_day;
  if (i >= 0 && static_cast<uint64_t>(i) / 64 < data.holiday_bits.size()) {
    return (data.holiday_bits[i / 64] >> (i % 64)) & 1;
  }
  return SlowIsHoliday(data.spec, day);
}

bool Calendar::IsWorkingDayNumber(int64_t day) const {
  const CalendarData& data = *data_;
  if ((data.weekend_mask >> (IsoWeekday(day) - 1)) & 1) return false;
  if (data.spec.holidays.empty()) return true;
  const int64_t i = day - data.first_day;
  if (i >= 0 && static_cast<uint64_t>(i) / 64 < data.holiday_bits.size()) {
    return !((data.holiday_bits[i / 64] >> (i % 64)) & 1);
  }
  return !SlowIsHoliday(data.spec, day);
}

bool Calendar::IsWorkingDay(Date date) const { return IsWorkingDayNumber(DayNumber(date)); }

int64_t Calendar::LocalDayNumber(int64_t micros) const {
  const int64_t seconds = FloorDiv(micros, kMicrosPerSecond);
  return FloorDiv(seconds + detail::OffsetAt(*data_, seconds), kSecondsPerDay);
}

Date Calendar::LocalDate(int64_t micros) const { return FromDayNumber(LocalDayNumber(micros)); }

int64_t Calendar::EndOfLocalDayNumber(int64_t day) const {
  return detail::LocalToSysEarliest(*data_, (day + 1) * kSecondsPerDay) * kMicrosPerSecond - 1;
}

int64_t Calendar::EndOfLocalDay(Date date) const { return EndOfLocalDayNumber(DayNumber(date)); }

int Calendar::OffsetSecondsAt(int64_t micros) const {
  return detail::OffsetAt(*data_, FloorDiv(micros, kMicrosPerSecond));
}

std::string Calendar::FormatLocal(int64_t micros) const {
  const int offset = OffsetSecondsAt(micros);
  const int64_t local = micros + offset * kMicrosPerSecond;
  const int64_t day = FloorDiv(local, kSecondsPerDay * kMicrosPerSecond);
  const int64_t in_day = local - day * kSecondsPerDay * kMicrosPerSecond;
  const int64_t secs = in_day / kMicrosPerSecond, frac = in_day % kMicrosPerSecond;
  const Date d = FromDayNumber(day);
  char buf[64];
  int n = std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d", d.year, d.month, d.day,
                        static_cast<int>(secs / 3600), static_cast<int>(secs / 60 % 60),
                        static_cast<int>(secs % 60));
  if (frac != 0) n += std::snprintf(buf + n, sizeof(buf) - n, ".%06lld", (long long)frac);
  if (data_->zone == nullptr) {
    std::snprintf(buf + n, sizeof(buf) - n, "Z");
  } else {
    const int a = offset < 0 ? -offset : offset;
    std::snprintf(buf + n, sizeof(buf) - n, "%c%02d:%02d", offset < 0 ? '-' : '+', a / 3600,
                  a / 60 % 60);
  }
  return buf;
}

int64_t PeriodEnd(const Calendar& calendar, int64_t start_micros, int64_t amount,
                  PeriodUnit unit, bool roll_forward) {
  if (amount < 0) amount = 0;
  if (unit == PeriodUnit::kHours) return start_micros + amount * 3600 * kMicrosPerSecond;
  const int64_t start_day = calendar.LocalDayNumber(start_micros);
  int64_t last = start_day;
  switch (unit) {
    case PeriodUnit::kHours:
      break;
    case PeriodUnit::kDays:
      last = start_day + amount;
      break;
    case PeriodUnit::kWeeks:
      last = start_day + 7 * amount;
      break;
    case PeriodUnit::kMonths: {
      const Date s = Calendar::FromDayNumber(start_day);
      const int64_t months = static_cast<int64_t>(s.year) * 12 + (s.month - 1) + amount;
      const int year = static_cast<int>(FloorDiv(months, 12));
      const int month = static_cast<int>(months - static_cast<int64_t>(year) * 12) + 1;
      const date::year_month_day_last ml{date::year{year} / date::month(month) / date::last};
      const int last_dom = static_cast<int>(static_cast<unsigned>(ml.day()));
      last = Calendar::DayNumber({year, month, std::min(s.day, last_dom)});
      break;
    }
    case PeriodUnit::kWorkingDays:
      for (int64_t counted = 0; counted < amount;) {
        ++last;
        if (calendar.IsWorkingDayNumber(last)) ++counted;
      }
      break;
  }
  if (roll_forward) {
    while (!calendar.IsWorkingDayNumber(last)) ++last;
  }
  return calendar.EndOfLocalDayNumber(last);
}

}  // namespace caseledger::compliance
