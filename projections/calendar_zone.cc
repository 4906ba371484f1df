// UTC offsets of a time zone as a flat table (calendar_internal.h): date/tz's own lookups
// build a sys_info with a string per call, which the benchmark's millions of period ends
// should not pay. The table is built once per Calendar and only read afterwards.
#include <algorithm>
#include <chrono>

#include <date/tz.h>

#include "projections/calendar_internal.h"

namespace caseledger::compliance::detail {
namespace {

constexpr int64_t kMaxOffset = 16 * 3600;  // larger than any offset the database holds

int64_t ToSeconds(date::sys_seconds t) { return t.time_since_epoch().count(); }

int32_t SlowOffsetAt(const date::time_zone* zone, int64_t sys_seconds) {
  date::sys_seconds t{std::chrono::seconds{sys_seconds}};
  return static_cast<int32_t>(zone->get_info(t).offset.count());
}

int64_t SlowLocalToSys(const date::time_zone* zone, int64_t local_seconds) {
  date::local_seconds t{std::chrono::seconds{local_seconds}};
  date::local_info info = zone->get_info(t);
  switch (info.result) {
    case date::local_info::nonexistent:
      return ToSeconds(info.first.end);
    case date::local_info::unique:
    case date::local_info::ambiguous:
    default:
      return local_seconds - info.first.offset.count();
  }
}

// Index of the segment holding `sys_seconds`, or -1 outside the table.
int64_t SegmentOf(const ZoneTable& table, int64_t sys_seconds) {
  if (table.begins.empty() || sys_seconds < table.begins.front() || sys_seconds >= table.end) {
    return -1;
  }
  auto it = std::upper_bound(table.begins.begin(), table.begins.end(), sys_seconds);
  return (it - table.begins.begin()) - 1;
}

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

int Year(int64_t sys_seconds) { return Calendar::FromDayNumber(FloorDiv(sys_seconds, 86400)).year; }

// A yearly change of offset as a POSIX TZ rule states it: the `ordinal`-th (5: last) `weekday`
// of `month`, at `wall` seconds after midnight of the clock in force before the change.
struct YearlyChange {
  int month = 0, weekday = 0, ordinal = 0;
  int64_t wall = 0;
  int32_t before = 0, after = 0;
};

YearlyChange ChangeOf(const ZoneTable& table, size_t k) {
  YearlyChange c;
  c.before = table.offsets[k - 1];
  c.after = table.offsets[k];
  const int64_t wall = table.begins[k] + c.before;
  const int64_t day = FloorDiv(wall, 86400);
  const Date d = Calendar::FromDayNumber(day);
  const int month_days = static_cast<int>(static_cast<unsigned>(
      date::year_month_day_last{date::year{d.year} / date::month(d.month) / date::last}.day()));
  c.month = d.month;
  c.weekday = static_cast<int>(((day + 3) % 7 + 7) % 7);  // 0 = Monday
  c.ordinal = d.day + 7 > month_days ? 5 : (d.day - 1) / 7 + 1;
  c.wall = wall - day * 86400;
  return c;
}

int64_t ChangeAt(const YearlyChange& c, int year) {
  int64_t day;
  if (c.ordinal == 5) {
    day = Calendar::DayNumber({year, c.month, 1}) +
          static_cast<int64_t>(static_cast<unsigned>(
              date::year_month_day_last{date::year{year} / date::month(c.month) / date::last}
                  .day())) - 1;
    day -= ((((day + 3) % 7 + 7) % 7) - c.weekday + 7) % 7;
  } else {
    day = Calendar::DayNumber({year, c.month, 1});
    day += (c.weekday - (((day + 3) % 7 + 7) % 7) + 7) % 7 + 7 * (c.ordinal - 1);
  }
  return day * 86400 + c.wall - c.before;
}

// TZif files list explicit changes only up to 2037 and leave later years to a POSIX TZ rule in
// their footer, which date/tz reading the OS database ignores: without this, Helsinki would
// keep winter time from October 2037 on. Repeats the last year's two changes (the
// n-th or last weekday of a month, as every footer rule of the zones we serve is written).
void ExtendPastTzifEnd(ZoneTable* table, int64_t last) {
  const size_t n = table->begins.size();
  if (n < 3) return;
  const int year = Year(table->begins[n - 1]);
  if (year < 2037 || Year(table->begins[n - 2]) != year) return;
  const YearlyChange first = ChangeOf(*table, n - 2), second = ChangeOf(*table, n - 1);
  for (int y = year + 1; y <= kLastYear; ++y) {
    for (const YearlyChange* c : {&first, &second}) {
      const int64_t at = ChangeAt(*c, y);
      if (at <= table->begins.back() || at >= last) continue;
      table->begins.push_back(at);
      table->offsets.push_back(c->after);
    }
  }
}

}  // namespace

ZoneTable BuildZoneTable(const date::time_zone* zone) {
  using date::days;
  using date::sys_days;
  ZoneTable table;
  const int64_t first =
      ToSeconds(sys_days{date::year{kFirstYear} / 1 / 1});
  const int64_t last =
      ToSeconds(sys_days{date::year{kLastYear + 1} / 1 / 1});
  int64_t t = first;
  bool forever = false;  // the last segment has no end in the database
  while (t < last) {
    date::sys_info info = zone->get_info(date::sys_seconds{std::chrono::seconds{t}});
    const int32_t offset = static_cast<int32_t>(info.offset.count());
    const int64_t begin = std::max(ToSeconds(info.begin), first);
    // Changes of abbreviation or of the DST flag alone keep the offset: merge them.
    if (table.offsets.empty() || table.offsets.back() != offset) {
      table.begins.push_back(begin);
      table.offsets.push_back(offset);
    }
    const int64_t end = ToSeconds(info.end);
    if (end <= t) break;  // not expected: keep what was read, date/tz answers beyond it
    forever = end >= last;
    t = end;
  }
  table.end = std::min(t, last);
  if (forever) ExtendPastTzifEnd(&table, last);
  return table;
}

int32_t OffsetAt(const CalendarData& data, int64_t sys_seconds) {
  if (data.zone == nullptr) return 0;
  const int64_t i = SegmentOf(data.table, sys_seconds);
  if (i < 0) return SlowOffsetAt(data.zone, sys_seconds);
  return data.table.offsets[i];
}

int64_t LocalToSysEarliest(const CalendarData& data, int64_t local_seconds) {
  if (data.zone == nullptr) return local_seconds;
  const ZoneTable& table = data.table;
  int64_t i = SegmentOf(table, local_seconds - kMaxOffset);
  if (i < 0 || local_seconds + kMaxOffset >= table.end) {
    return SlowLocalToSys(data.zone, local_seconds);
  }
  // Segments in time order: the first that holds the local time gives the earliest instant;
  // a segment whose local range starts after it means the local time was skipped.
  const int64_t n = static_cast<int64_t>(table.begins.size());
  for (; i < n && table.begins[i] <= local_seconds + kMaxOffset; ++i) {
    const int64_t begin = table.begins[i];
    const int64_t end = i + 1 < n ? table.begins[i + 1] : table.end;
    if (begin + table.offsets[i] > local_seconds) return begin;
    const int64_t sys = local_seconds - table.offsets[i];
    if (sys < end) return sys;
  }
  return SlowLocalToSys(data.zone, local_seconds);
}

}  // namespace caseledger::compliance::detail
