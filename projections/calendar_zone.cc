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
    if (end <= t) break;  // the database's last segment reaches "forever"
    t = end;
  }
  table.end = std::min(t, last);
  if (table.end <= first) table.end = last;  // one segment spanning everything
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
