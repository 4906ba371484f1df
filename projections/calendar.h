// Calendars and periods: public holidays of a jurisdiction for any year, local time through
// the IANA time zone database (Howard Hinnant's date/tz: libstdc++ 12 has no chrono zones), and
// the end of a period under Regulation (EEC, Euratom) No 1182/71 (docs/compliance.md, "Time").
#ifndef CASELEDGER_PROJECTIONS_CALENDAR_H_
#define CASELEDGER_PROJECTIONS_CALENDAR_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ledger/status.h"

namespace caseledger::compliance {

enum class PeriodUnit { kHours, kDays, kWorkingDays, kWeeks, kMonths };
// "hours", "days", "working_days", "weeks", "months"; and back (nullopt when unknown).
std::string_view PeriodUnitName(PeriodUnit unit);
std::optional<PeriodUnit> ParsePeriodUnit(std::string_view name);

// One public holiday rule, as a pack writes it in its [calendar] table.
struct HolidayRule {
  enum class Kind {
    kFixed,         // month/day every year: 17 May
    kEaster,        // Easter Sunday + offset days (Western computus): Good Friday is -2
    kWeekdayInRange,  // the `weekday` (1 = Monday .. 7 = Sunday) falling in month/day ..
                      // month/day + 6: SE Midsummer Eve is the Friday in 19-25 June
  };
  std::string name;
  Kind kind = Kind::kFixed;
  int month = 0, day = 0;    // kFixed, kWeekdayInRange (first day of the range)
  int easter_offset = 0;     // kEaster
  int weekday = 0;           // kWeekdayInRange
  int from_year = 0;         // first year it applies (0: always); DK Great Prayer Day ended
  int until_year = 0;        // in 2023: until_year = 2023 (inclusive; 0: no end)
  // kFixed only: when the day falls on a Saturday or Sunday, the following Monday is a
  // holiday too (LV 4 May and 18 November).
  bool next_monday_if_weekend = false;
  int line = 0;
};

struct CalendarSpec {
  // Days of the week that are never working days (1 = Monday .. 7 = Sunday); default 6, 7.
  std::vector<int> weekend{6, 7};
  std::vector<HolidayRule> holidays;
};

// A civil date.
struct Date {
  int year = 0, month = 0, day = 0;
  auto operator<=>(const Date&) const = default;
  std::string ToString() const;  // "2026-05-17"
};

// Easter Sunday of `year` (Gregorian, Meeus/Jones/Butcher).
Date EasterSunday(int year);

namespace detail {
struct CalendarData;
}

// A jurisdiction's calendar. Immutable once made; copies share their data (cheap to copy), and
// every const method is safe to call from several threads at once.
class Calendar {
 public:
  // `time_zone` is an IANA name ("Europe/Oslo"); empty means UTC. InvalidArgument when the
  // zone is unknown or a holiday rule is impossible (30 February).
  static Result<Calendar> Make(std::string_view time_zone, const CalendarSpec& spec);
  // UTC with weekends only: for the baseline pack's tests.
  static Calendar Utc();

  // The IANA name; empty for UTC.
  const std::string& time_zone() const;
  const CalendarSpec& spec() const;

  // The public holidays of `year`, in date order (rules in pack order on the same day), with
  // their names. A day that is a holiday for two reasons appears twice.
  std::vector<std::pair<Date, std::string>> Holidays(int year) const;
  bool IsHoliday(Date date) const;
  bool IsWorkingDay(Date date) const;  // not a weekend day, not a holiday
  // Days since 1970-01-01 of a date and back, as PeriodEnd counts them.
  static int64_t DayNumber(Date date);
  static Date FromDayNumber(int64_t day);
  bool IsWorkingDayNumber(int64_t day) const;

  // The local date of an instant (microseconds since the epoch), in this calendar's zone.
  Date LocalDate(int64_t micros) const;
  int64_t LocalDayNumber(int64_t micros) const;
  // The instant at which local `date` ends (the first microsecond of the next local day,
  // minus one microsecond), honouring daylight-saving changes.
  int64_t EndOfLocalDay(Date date) const;
  int64_t EndOfLocalDayNumber(int64_t day) const;
  // The UTC offset in seconds at an instant, for RFC 3339 output in local time.
  int OffsetSecondsAt(int64_t micros) const;
  // RFC 3339 with this zone's offset at that instant: "2026-03-29T03:30:00+02:00" (".ffffff"
  // only when there is a fraction of a second; "Z" for Calendar::Utc(), "+00:00" for a named
  // zone at offset zero).
  std::string FormatLocal(int64_t micros) const;

 private:
  explicit Calendar(std::shared_ptr<const detail::CalendarData> data) : data_(std::move(data)) {}
  std::shared_ptr<const detail::CalendarData> data_;  // never null
};

// The instant a period ends (its last microsecond), under Regulation 1182/71 unless the rule
// says otherwise:
// - hours: `start` + amount hours exactly (Art 3(1) first subparagraph);
// - days, weeks, months: the day of `start` (local date) is not counted; the period ends at
//   the end of its last local day (Art 3(1) second subparagraph, 3(2)(b)-(c)); a month period
//   ends on the same day-of-month, or on the month's last day when it has no such day;
// - working days: only working days are counted, starting with the first working day after
//   the day of `start`; ends at the end of the last one;
// - `roll_forward`: a period (other than hours) whose last day is not a working day ends at
//   the end of the next working day (Art 3(4)).
// A negative amount counts as zero. Allocates nothing; safe from several threads.
int64_t PeriodEnd(const Calendar& calendar, int64_t start_micros, int64_t amount,
                  PeriodUnit unit, bool roll_forward);

}  // namespace caseledger::compliance

#endif  // CASELEDGER_PROJECTIONS_CALENDAR_H_
