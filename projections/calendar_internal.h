// The shared, immutable data behind a Calendar (calendar.h). Internal to projections/.
//
// Two tables make the hot path (PeriodEnd, called for every obligation) free of allocation,
// locks and string work: a bit per day telling whether it is a public holiday, for the years
// kFirstYear..kLastYear, and the zone's UTC offsets as sorted segments for the same span.
// Outside that span the code falls back to computing holidays per year and to date/tz, whose
// reading of the OS database knows no daylight-saving change after 2037 (BuildZoneTable
// extends the table to kLastYear by the zone's last yearly rule; later years get winter time).
#ifndef CASELEDGER_PROJECTIONS_CALENDAR_INTERNAL_H_
#define CASELEDGER_PROJECTIONS_CALENDAR_INTERNAL_H_

#include <cstdint>
#include <string>
#include <vector>

#include "projections/calendar.h"

namespace date {
class time_zone;
}

namespace caseledger::compliance::detail {

inline constexpr int kFirstYear = 1900;
inline constexpr int kLastYear = 2199;

// A zone's UTC offsets: offsets[i] holds from begins[i] (seconds since the epoch) until
// begins[i + 1], the last one until `end`. Adjacent segments have different offsets.
struct ZoneTable {
  std::vector<int64_t> begins;
  std::vector<int32_t> offsets;
  int64_t end = 0;
};

struct CalendarData {
  std::string time_zone;                 // empty: UTC
  const date::time_zone* zone = nullptr;  // null: UTC; the tz database outlives every Calendar
  CalendarSpec spec;
  uint8_t weekend_mask = 0;              // bit (d - 1) set when weekday d is a weekend day
  int64_t first_day = 0;                 // day number of kFirstYear-01-01
  std::vector<uint64_t> holiday_bits;    // bit (day - first_day); empty when no holidays
  ZoneTable table;                       // empty for UTC
};

// Builds the offset table of `zone` for kFirstYear..kLastYear (date/tz may throw: callers
// catch std::exception).
ZoneTable BuildZoneTable(const date::time_zone* zone);
// The UTC offset at `sys_seconds`.
int32_t OffsetAt(const CalendarData& data, int64_t sys_seconds);
// The earliest instant whose local time is `local_seconds`, or the instant the clocks jump
// past it when it falls in a gap (local midnight skipped by a daylight-saving change).
int64_t LocalToSysEarliest(const CalendarData& data, int64_t local_seconds);

}  // namespace caseledger::compliance::detail

#endif  // CASELEDGER_PROJECTIONS_CALENDAR_INTERNAL_H_
