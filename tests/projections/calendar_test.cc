// Calendars and periods (projections/calendar.h, calendar_toml.h). Every expected date below
// was written by hand from the statutes cited in the packs' comments and checked against a
// printed calendar; none comes from the code under test.
#include <atomic>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>
#include <toml++/toml.h>

#include "ledger/time_format.h"
#include "projections/calendar.h"
#include "projections/calendar_toml.h"

namespace caseledger::compliance {
namespace {

using DayList = std::vector<std::pair<std::string, std::string>>;  // ("2026-05-17", name)

int64_t At(const char* rfc3339) {
  Result<int64_t> t = ParseRfc3339(rfc3339);
  REQUIRE(t.ok());
  return *t;
}

Calendar LoadPack(const std::string& code) {
  const std::string path = std::string(CASELEDGER_SOURCE_DIR) + "/projections/rules/" + code + ".toml";
  toml::table pack;
  try {
    pack = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    FAIL(path << ": " << e.what());
  }
  const toml::table* table = pack["calendar"].as_table();
  REQUIRE(table != nullptr);
  std::string zone;
  CalendarSpec spec;
  std::vector<std::pair<int, std::string>> errors;
  Status st = ParseCalendarTable(*table, &zone, &spec, &errors);
  INFO(st.message());
  REQUIRE(st.ok());
  REQUIRE(errors.empty());
  Result<Calendar> calendar = Calendar::Make(zone, spec);
  REQUIRE(calendar.ok());
  return *calendar;
}

DayList HolidaysOf(const Calendar& calendar, int year) {
  DayList out;
  for (const auto& [date, name] : calendar.Holidays(year)) out.emplace_back(date.ToString(), name);
  return out;
}

}  // namespace

TEST_CASE("Easter Sunday falls on the hand-checked dates", "[calendar]") {
  CHECK(EasterSunday(2024).ToString() == "2024-03-31");
  CHECK(EasterSunday(2025).ToString() == "2025-04-20");
  CHECK(EasterSunday(2026).ToString() == "2026-04-05");
  CHECK(EasterSunday(2027).ToString() == "2027-03-28");
  CHECK(EasterSunday(2038).ToString() == "2038-04-25");
  CHECK(EasterSunday(2285).ToString() == "2285-03-22");
  CHECK(EasterSunday(2000).ToString() == "2000-04-23");
}

TEST_CASE("Denmark's public holidays in 2026 and 2027", "[calendar]") {
  Calendar dk = LoadPack("dk");
  CHECK(dk.time_zone() == "Europe/Copenhagen");
  CHECK(HolidaysOf(dk, 2026) ==
        DayList{{"2026-01-01", "New Year's Day"}, {"2026-04-02", "Maundy Thursday"},
                {"2026-04-03", "Good Friday"}, {"2026-04-05", "Easter Sunday"},
                {"2026-04-06", "Easter Monday"}, {"2026-05-14", "Ascension Day"},
                {"2026-05-24", "Whit Sunday"}, {"2026-05-25", "Whit Monday"},
                {"2026-12-25", "Christmas Day"}, {"2026-12-26", "Second Day of Christmas"}});
  CHECK(HolidaysOf(dk, 2027) ==
        DayList{{"2027-01-01", "New Year's Day"}, {"2027-03-25", "Maundy Thursday"},
                {"2027-03-26", "Good Friday"}, {"2027-03-28", "Easter Sunday"},
                {"2027-03-29", "Easter Monday"}, {"2027-05-06", "Ascension Day"},
                {"2027-05-16", "Whit Sunday"}, {"2027-05-17", "Whit Monday"},
                {"2027-12-25", "Christmas Day"}, {"2027-12-26", "Second Day of Christmas"}});
  // Constitution Day is not a statutory holiday.
  CHECK(dk.IsWorkingDay({2026, 6, 5}));
}

TEST_CASE("Denmark's Great Prayer Day is a holiday in 2023 and not from 2024", "[calendar]") {
  Calendar dk = LoadPack("dk");
  CHECK(dk.IsHoliday({2023, 5, 5}));  // Friday, Easter (9 April) + 26
  CHECK_FALSE(dk.IsWorkingDay({2023, 5, 5}));
  CHECK_FALSE(dk.IsHoliday({2024, 4, 26}));  // would have been Easter (31 March) + 26
  CHECK(dk.IsWorkingDay({2024, 4, 26}));
  bool listed_2023 = false, listed_2024 = false;
  for (const auto& [date, name] : dk.Holidays(2023)) listed_2023 |= name == "Great Prayer Day";
  for (const auto& [date, name] : dk.Holidays(2024)) listed_2024 |= name == "Great Prayer Day";
  CHECK(listed_2023);
  CHECK_FALSE(listed_2024);
}

TEST_CASE("Estonia's public holidays in 2026 and 2027", "[calendar]") {
  Calendar ee = LoadPack("ee");
  CHECK(ee.time_zone() == "Europe/Tallinn");
  CHECK(HolidaysOf(ee, 2026) ==
        DayList{{"2026-01-01", "New Year's Day"}, {"2026-02-24", "Independence Day"},
                {"2026-04-03", "Good Friday"}, {"2026-04-05", "Easter Sunday"},
                {"2026-05-01", "Spring Day"}, {"2026-05-24", "Whit Sunday"},
                {"2026-06-23", "Victory Day"}, {"2026-06-24", "Midsummer Day"},
                {"2026-08-20", "Day of Restoration of Independence"},
                {"2026-12-24", "Christmas Eve"}, {"2026-12-25", "Christmas Day"},
                {"2026-12-26", "Second Day of Christmas"}});
  CHECK(HolidaysOf(ee, 2027) ==
        DayList{{"2027-01-01", "New Year's Day"}, {"2027-02-24", "Independence Day"},
                {"2027-03-26", "Good Friday"}, {"2027-03-28", "Easter Sunday"},
                {"2027-05-01", "Spring Day"}, {"2027-05-16", "Whit Sunday"},
                {"2027-06-23", "Victory Day"}, {"2027-06-24", "Midsummer Day"},
                {"2027-08-20", "Day of Restoration of Independence"},
                {"2027-12-24", "Christmas Eve"}, {"2027-12-25", "Christmas Day"},
                {"2027-12-26", "Second Day of Christmas"}});
  CHECK(ee.IsWorkingDay({2026, 4, 6}));  // no Easter Monday in Estonia
}

TEST_CASE("Finland's public holidays and time-limit days in 2026 and 2027", "[calendar]") {
  Calendar fi = LoadPack("fi");
  CHECK(fi.time_zone() == "Europe/Helsinki");
  CHECK(HolidaysOf(fi, 2026) ==
        DayList{{"2026-01-01", "New Year's Day"}, {"2026-01-06", "Epiphany"},
                {"2026-04-03", "Good Friday"}, {"2026-04-05", "Easter Sunday"},
                {"2026-04-06", "Easter Monday"}, {"2026-05-01", "May Day"},
                {"2026-05-14", "Ascension Day"}, {"2026-05-24", "Whit Sunday"},
                {"2026-06-19", "Midsummer Eve"}, {"2026-06-20", "Midsummer Day"},
                {"2026-10-31", "All Saints' Day"}, {"2026-12-06", "Independence Day"},
                {"2026-12-24", "Christmas Eve"}, {"2026-12-25", "Christmas Day"},
                {"2026-12-26", "Boxing Day"}});
  CHECK(HolidaysOf(fi, 2027) ==
        DayList{{"2027-01-01", "New Year's Day"}, {"2027-01-06", "Epiphany"},
                {"2027-03-26", "Good Friday"}, {"2027-03-28", "Easter Sunday"},
                {"2027-03-29", "Easter Monday"}, {"2027-05-01", "May Day"},
                {"2027-05-06", "Ascension Day"}, {"2027-05-16", "Whit Sunday"},
                {"2027-06-25", "Midsummer Eve"}, {"2027-06-26", "Midsummer Day"},
                {"2027-11-06", "All Saints' Day"}, {"2027-12-06", "Independence Day"},
                {"2027-12-24", "Christmas Eve"}, {"2027-12-25", "Christmas Day"},
                {"2027-12-26", "Boxing Day"}});
}

TEST_CASE("Latvia's public holidays in 2026 and 2027, and its Monday rule", "[calendar]") {
  Calendar lv = LoadPack("lv");
  CHECK(lv.time_zone() == "Europe/Riga");
  CHECK(HolidaysOf(lv, 2026) ==
        DayList{{"2026-01-01", "New Year's Day"}, {"2026-04-03", "Good Friday"},
                {"2026-04-05", "Easter Sunday"}, {"2026-04-06", "Easter Monday"},
                {"2026-05-01", "Labour Day"}, {"2026-05-04", "Restoration of Independence Day"},
                {"2026-05-10", "Mother's Day"}, {"2026-05-24", "Whit Sunday"},
                {"2026-06-23", "Midsummer Eve (Ligo Day)"}, {"2026-06-24", "Midsummer Day (Jani)"},
                {"2026-11-18", "Proclamation Day"}, {"2026-12-24", "Christmas Eve"},
                {"2026-12-25", "Christmas Day"}, {"2026-12-26", "Second Day of Christmas"},
                {"2026-12-31", "New Year's Eve"}});
  CHECK(HolidaysOf(lv, 2027) ==
        DayList{{"2027-01-01", "New Year's Day"}, {"2027-03-26", "Good Friday"},
                {"2027-03-28", "Easter Sunday"}, {"2027-03-29", "Easter Monday"},
                {"2027-05-01", "Labour Day"}, {"2027-05-04", "Restoration of Independence Day"},
                {"2027-05-09", "Mother's Day"}, {"2027-05-16", "Whit Sunday"},
                {"2027-06-23", "Midsummer Eve (Ligo Day)"}, {"2027-06-24", "Midsummer Day (Jani)"},
                {"2027-11-18", "Proclamation Day"}, {"2027-12-24", "Christmas Eve"},
                {"2027-12-25", "Christmas Day"}, {"2027-12-26", "Second Day of Christmas"},
                {"2027-12-31", "New Year's Eve"}});
  // 4 May 2025 was a Sunday, 4 May 2024 a Saturday, 18 November 2028 is a Saturday.
  CHECK_FALSE(lv.IsWorkingDay({2025, 5, 5}));
  CHECK_FALSE(lv.IsWorkingDay({2024, 5, 6}));
  CHECK_FALSE(lv.IsWorkingDay({2028, 11, 20}));
  CHECK(lv.IsWorkingDay({2026, 5, 5}));  // 4 May 2026 is a Monday itself
}

TEST_CASE("Lithuania's public holidays in 2026 and 2027", "[calendar]") {
  Calendar lt = LoadPack("lt");
  CHECK(lt.time_zone() == "Europe/Vilnius");
  CHECK(HolidaysOf(lt, 2026) ==
        DayList{{"2026-01-01", "New Year's Day"}, {"2026-02-16", "Day of Restoration of the State"},
                {"2026-03-11", "Day of Restoration of Independence"},
                {"2026-04-05", "Easter Sunday"}, {"2026-04-06", "Easter Monday"},
                {"2026-05-01", "International Labour Day"}, {"2026-05-03", "Mother's Day"},
                {"2026-06-07", "Father's Day"}, {"2026-06-24", "St John's Day (Rasos)"},
                {"2026-07-06", "Statehood Day"}, {"2026-08-15", "Assumption Day"},
                {"2026-11-01", "All Saints' Day"}, {"2026-11-02", "All Souls' Day"},
                {"2026-12-24", "Christmas Eve"}, {"2026-12-25", "Christmas Day"},
                {"2026-12-26", "Second Day of Christmas"}});
  CHECK(HolidaysOf(lt, 2027) ==
        DayList{{"2027-01-01", "New Year's Day"}, {"2027-02-16", "Day of Restoration of the State"},
                {"2027-03-11", "Day of Restoration of Independence"},
                {"2027-03-28", "Easter Sunday"}, {"2027-03-29", "Easter Monday"},
                {"2027-05-01", "International Labour Day"}, {"2027-05-02", "Mother's Day"},
                {"2027-06-06", "Father's Day"}, {"2027-06-24", "St John's Day (Rasos)"},
                {"2027-07-06", "Statehood Day"}, {"2027-08-15", "Assumption Day"},
                {"2027-11-01", "All Saints' Day"}, {"2027-11-02", "All Souls' Day"},
                {"2027-12-24", "Christmas Eve"}, {"2027-12-25", "Christmas Day"},
                {"2027-12-26", "Second Day of Christmas"}});
  CHECK_FALSE(lt.IsHoliday({2019, 11, 2}));  // All Souls' Day only from 2020
  CHECK(lt.IsHoliday({2020, 11, 2}));
  CHECK(lt.IsWorkingDay({2026, 4, 3}));  // no Good Friday in Lithuania
}

TEST_CASE("Sweden's public holidays and time-limit days in 2026 and 2027", "[calendar]") {
  Calendar se = LoadPack("se");
  CHECK(se.time_zone() == "Europe/Stockholm");
  CHECK(HolidaysOf(se, 2026) ==
        DayList{{"2026-01-01", "New Year's Day"}, {"2026-01-06", "Epiphany"},
                {"2026-04-03", "Good Friday"}, {"2026-04-05", "Easter Sunday"},
                {"2026-04-06", "Easter Monday"}, {"2026-05-01", "May Day"},
                {"2026-05-14", "Ascension Day"}, {"2026-05-24", "Whit Sunday"},
                {"2026-06-06", "National Day"}, {"2026-06-19", "Midsummer Eve"},
                {"2026-06-20", "Midsummer Day"}, {"2026-10-31", "All Saints' Day"},
                {"2026-12-24", "Christmas Eve"}, {"2026-12-25", "Christmas Day"},
                {"2026-12-26", "Boxing Day"}, {"2026-12-31", "New Year's Eve"}});
  CHECK(HolidaysOf(se, 2027) ==
        DayList{{"2027-01-01", "New Year's Day"}, {"2027-01-06", "Epiphany"},
                {"2027-03-26", "Good Friday"}, {"2027-03-28", "Easter Sunday"},
                {"2027-03-29", "Easter Monday"}, {"2027-05-01", "May Day"},
                {"2027-05-06", "Ascension Day"}, {"2027-05-16", "Whit Sunday"},
                {"2027-06-06", "National Day"}, {"2027-06-25", "Midsummer Eve"},
                {"2027-06-26", "Midsummer Day"}, {"2027-11-06", "All Saints' Day"},
                {"2027-12-24", "Christmas Eve"}, {"2027-12-25", "Christmas Day"},
                {"2027-12-26", "Boxing Day"}, {"2027-12-31", "New Year's Eve"}});
  CHECK(se.IsWorkingDay({2026, 5, 25}));  // Whit Monday, a holiday only until 2004
}

TEST_CASE("Norway's public holidays in 2026 and 2027", "[calendar]") {
  Calendar no = LoadPack("no");
  CHECK(no.time_zone() == "Europe/Oslo");
  CHECK(HolidaysOf(no, 2026) ==
        DayList{{"2026-01-01", "New Year's Day"}, {"2026-04-02", "Maundy Thursday"},
                {"2026-04-03", "Good Friday"}, {"2026-04-05", "Easter Sunday"},
                {"2026-04-06", "Easter Monday"}, {"2026-05-01", "Labour Day"},
                {"2026-05-14", "Ascension Day"}, {"2026-05-17", "Constitution Day"},
                {"2026-05-24", "Whit Sunday"}, {"2026-05-25", "Whit Monday"},
                {"2026-12-25", "Christmas Day"}, {"2026-12-26", "Second Day of Christmas"}});
  // In 2027 Whit Monday falls on 17 May: the day is listed for both.
  CHECK(HolidaysOf(no, 2027) ==
        DayList{{"2027-01-01", "New Year's Day"}, {"2027-03-25", "Maundy Thursday"},
                {"2027-03-26", "Good Friday"}, {"2027-03-28", "Easter Sunday"},
                {"2027-03-29", "Easter Monday"}, {"2027-05-01", "Labour Day"},
                {"2027-05-06", "Ascension Day"}, {"2027-05-16", "Whit Sunday"},
                {"2027-05-17", "Constitution Day"}, {"2027-05-17", "Whit Monday"},
                {"2027-12-25", "Christmas Day"}, {"2027-12-26", "Second Day of Christmas"}});
  CHECK(no.IsWorkingDay({2026, 12, 24}));  // Christmas Eve is a working day in Norway
}

TEST_CASE("Iceland's public holidays in 2026 and 2027", "[calendar]") {
  Calendar is = LoadPack("is");
  CHECK(is.time_zone() == "Atlantic/Reykjavik");
  CHECK(HolidaysOf(is, 2026) ==
        DayList{{"2026-01-01", "New Year's Day"}, {"2026-04-02", "Maundy Thursday"},
                {"2026-04-03", "Good Friday"}, {"2026-04-05", "Easter Sunday"},
                {"2026-04-06", "Easter Monday"}, {"2026-04-23", "First Day of Summer"},
                {"2026-05-01", "Labour Day"}, {"2026-05-14", "Ascension Day"},
                {"2026-05-24", "Whit Sunday"}, {"2026-05-25", "Whit Monday"},
                {"2026-06-17", "National Day"}, {"2026-08-03", "Commerce Day"},
                {"2026-12-25", "Christmas Day"}, {"2026-12-26", "Second Day of Christmas"}});
  CHECK(HolidaysOf(is, 2027) ==
        DayList{{"2027-01-01", "New Year's Day"}, {"2027-03-25", "Maundy Thursday"},
                {"2027-03-26", "Good Friday"}, {"2027-03-28", "Easter Sunday"},
                {"2027-03-29", "Easter Monday"}, {"2027-04-22", "First Day of Summer"},
                {"2027-05-01", "Labour Day"}, {"2027-05-06", "Ascension Day"},
                {"2027-05-16", "Whit Sunday"}, {"2027-05-17", "Whit Monday"},
                {"2027-06-17", "National Day"}, {"2027-08-02", "Commerce Day"},
                {"2027-12-25", "Christmas Day"}, {"2027-12-26", "Second Day of Christmas"}});
}

TEST_CASE("working days skip Easter in Norway", "[calendar]") {
  Calendar no = LoadPack("no");
  // Wednesday 1 April 2026; Thursday to Monday are holidays or weekend.
  const int64_t start = At("2026-04-01T10:00:00+02:00");
  CHECK(no.FormatLocal(PeriodEnd(no, start, 1, PeriodUnit::kWorkingDays, false)) ==
        "2026-04-07T23:59:59.999999+02:00");
  CHECK(no.FormatLocal(PeriodEnd(no, start, 3, PeriodUnit::kWorkingDays, false)) ==
        "2026-04-09T23:59:59.999999+02:00");
  // The same start under UTC weekends only: Thursday 2 to Monday 6 April.
  CHECK(FormatRfc3339(PeriodEnd(Calendar::Utc(), start, 3, PeriodUnit::kWorkingDays, false)) ==
        "2026-04-06T23:59:59.999999Z");
}

TEST_CASE("working days skip Midsummer in Sweden and Finland", "[calendar]") {
  Calendar se = LoadPack("se");
  Calendar fi = LoadPack("fi");
  // Thursday 18 June 2026; Friday 19 is Midsummer Eve, Saturday 20 Midsummer Day.
  CHECK(se.FormatLocal(PeriodEnd(se, At("2026-06-18T09:00:00+02:00"), 2,
                                 PeriodUnit::kWorkingDays, false)) ==
        "2026-06-23T23:59:59.999999+02:00");
  CHECK(fi.FormatLocal(PeriodEnd(fi, At("2026-06-18T09:00:00+03:00"), 1,
                                 PeriodUnit::kWorkingDays, false)) ==
        "2026-06-22T23:59:59.999999+03:00");
  // Estonia keeps Friday 19 June 2026 a working day.
  Calendar ee = LoadPack("ee");
  CHECK(ee.FormatLocal(PeriodEnd(ee, At("2026-06-18T09:00:00+03:00"), 1,
                                 PeriodUnit::kWorkingDays, false)) ==
        "2026-06-19T23:59:59.999999+03:00");
}

TEST_CASE("a period of days ending on a Sunday moves only with roll_forward", "[calendar]") {
  Calendar no = LoadPack("no");
  // Wednesday 4 March 2026 + 4 days = Sunday 8 March (the start day is not counted).
  const int64_t start = At("2026-03-04T10:00:00+01:00");
  CHECK(no.FormatLocal(PeriodEnd(no, start, 4, PeriodUnit::kDays, false)) ==
        "2026-03-08T23:59:59.999999+01:00");
  CHECK(no.FormatLocal(PeriodEnd(no, start, 4, PeriodUnit::kDays, true)) ==
        "2026-03-09T23:59:59.999999+01:00");
  // Monday 30 March + 4 days = Good Friday; Saturday, Easter Sunday and Monday follow.
  CHECK(no.FormatLocal(PeriodEnd(no, At("2026-03-30T10:00:00+02:00"), 4, PeriodUnit::kDays,
                                 true)) == "2026-04-07T23:59:59.999999+02:00");
  // A week from Wednesday ends on the next Wednesday, a working day: no move.
  CHECK(no.FormatLocal(PeriodEnd(no, start, 1, PeriodUnit::kWeeks, true)) ==
        "2026-03-11T23:59:59.999999+01:00");
  // Hours never roll forward: 48 hours from Friday noon end on Sunday noon.
  CHECK(no.FormatLocal(PeriodEnd(no, At("2026-03-06T12:00:00+01:00"), 48, PeriodUnit::kHours,
                                 true)) == "2026-03-08T12:00:00+01:00");
}

TEST_CASE("a month from 31 January ends on the last day of February", "[calendar]") {
  Calendar no = LoadPack("no");
  CHECK(no.FormatLocal(PeriodEnd(no, At("2026-01-31T10:00:00+01:00"), 1, PeriodUnit::kMonths,
                                 false)) == "2026-02-28T23:59:59.999999+01:00");
  CHECK(no.FormatLocal(PeriodEnd(no, At("2028-01-31T10:00:00+01:00"), 1, PeriodUnit::kMonths,
                                 false)) == "2028-02-29T23:59:59.999999+01:00");
  // Same day of the month otherwise, across a year end and the spring DST change.
  CHECK(no.FormatLocal(PeriodEnd(no, At("2026-11-15T10:00:00+01:00"), 5, PeriodUnit::kMonths,
                                 false)) == "2027-04-15T23:59:59.999999+02:00");
  // Saturday 28 February 2026 rolls forward to Monday 2 March.
  CHECK(no.FormatLocal(PeriodEnd(no, At("2026-01-31T10:00:00+01:00"), 1, PeriodUnit::kMonths,
                                 true)) == "2026-03-02T23:59:59.999999+01:00");
}

TEST_CASE("hours are exact across the daylight-saving change", "[calendar]") {
  Calendar no = LoadPack("no");
  // Clocks in Oslo go from 02:00 to 03:00 on 29 March 2026: 24 hours are 24 elapsed hours,
  // so they end at 13:00 on the local clock (12:00 +02:00 would be only 23 hours later).
  const int64_t start = At("2026-03-28T12:00:00+01:00");
  const int64_t end = PeriodEnd(no, start, 24, PeriodUnit::kHours, false);
  CHECK(end == start + int64_t{24} * 3600 * 1000000);
  CHECK(no.FormatLocal(end) == "2026-03-29T13:00:00+02:00");
  CHECK(end == At("2026-03-29T11:00:00Z"));
  // A day from the same start ends at local midnight, 23 hours after the start day's end.
  CHECK(no.FormatLocal(PeriodEnd(no, start, 1, PeriodUnit::kDays, false)) ==
        "2026-03-29T23:59:59.999999+02:00");
  CHECK(FormatRfc3339(no.EndOfLocalDay({2026, 3, 29})) == "2026-03-29T21:59:59.999999Z");
  CHECK(FormatRfc3339(no.EndOfLocalDay({2026, 10, 25})) == "2026-10-25T22:59:59.999999Z");
}

TEST_CASE("the local day ends at Helsinki's midnight, not UTC's", "[calendar]") {
  Calendar fi = LoadPack("fi");
  Calendar utc = Calendar::Utc();
  const int64_t late = At("2026-01-15T23:30:00Z");  // 01:30 on 16 January in Helsinki
  CHECK(fi.LocalDate(late) == Date{2026, 1, 16});
  CHECK(utc.LocalDate(late) == Date{2026, 1, 15});
  CHECK(FormatRfc3339(fi.EndOfLocalDay({2026, 1, 16})) == "2026-01-16T21:59:59.999999Z");
  CHECK(FormatRfc3339(utc.EndOfLocalDay({2026, 1, 16})) == "2026-01-16T23:59:59.999999Z");
  CHECK(FormatRfc3339(fi.EndOfLocalDay({2026, 7, 1})) == "2026-07-01T20:59:59.999999Z");
  // One day from that instant: Saturday 17 January in Helsinki, Friday 16 in UTC.
  CHECK(fi.FormatLocal(PeriodEnd(fi, late, 1, PeriodUnit::kDays, false)) ==
        "2026-01-17T23:59:59.999999+02:00");
  CHECK(utc.FormatLocal(PeriodEnd(utc, late, 1, PeriodUnit::kDays, false)) ==
        "2026-01-16T23:59:59.999999Z");
}

TEST_CASE("FormatLocal writes the zone's offset of that instant", "[calendar]") {
  Calendar fi = LoadPack("fi");
  CHECK(fi.FormatLocal(At("2026-01-15T10:00:00Z")) == "2026-01-15T12:00:00+02:00");
  CHECK(fi.FormatLocal(At("2026-07-15T10:00:00Z")) == "2026-07-15T13:00:00+03:00");
  CHECK(fi.OffsetSecondsAt(At("2026-07-15T10:00:00Z")) == 3 * 3600);
  CHECK(LoadPack("is").FormatLocal(At("2026-07-15T10:00:00.5Z")) ==
        "2026-07-15T10:00:00.500000+00:00");
  CHECK(fi.FormatLocal(At("2037-07-15T10:00:00Z")) == "2037-07-15T13:00:00+03:00");
}

TEST_CASE("zones keep their daylight-saving rule after 2037", "[calendar]") {
  // The zone files list changes only up to 2037; EU clocks change at 01:00 UTC on the last
  // Sundays of March and October: 25 March and 28 October 2040, 31 March 2199.
  Calendar no = LoadPack("no");
  Calendar fi = LoadPack("fi");
  CHECK(no.FormatLocal(At("2040-03-25T00:59:59Z")) == "2040-03-25T01:59:59+01:00");
  CHECK(no.FormatLocal(At("2040-03-25T01:00:00Z")) == "2040-03-25T03:00:00+02:00");
  CHECK(no.FormatLocal(At("2040-10-28T00:59:59Z")) == "2040-10-28T02:59:59+02:00");
  CHECK(no.FormatLocal(At("2040-10-28T01:00:00Z")) == "2040-10-28T02:00:00+01:00");
  CHECK(fi.FormatLocal(At("2040-07-15T10:00:00Z")) == "2040-07-15T13:00:00+03:00");
  CHECK(fi.FormatLocal(At("2199-03-31T00:59:59Z")) == "2199-03-31T02:59:59+02:00");
  CHECK(fi.FormatLocal(At("2199-03-31T01:00:00Z")) == "2199-03-31T04:00:00+03:00");
  CHECK(FormatRfc3339(no.EndOfLocalDay({2040, 3, 25})) == "2040-03-25T21:59:59.999999Z");
  CHECK(FormatRfc3339(no.EndOfLocalDay({2040, 3, 24})) == "2040-03-24T22:59:59.999999Z");
  // Iceland has kept UTC all year since 1968.
  CHECK(LoadPack("is").FormatLocal(At("2040-07-15T10:00:00Z")) == "2040-07-15T10:00:00+00:00");
}

TEST_CASE("a local midnight skipped by a DST change ends the day before at the jump",
          "[calendar]") {
  // Sao Paulo moved from 00:00 -03:00 to 01:00 -02:00 on 4 November 2018.
  Result<Calendar> sp = Calendar::Make("America/Sao_Paulo", CalendarSpec{});
  REQUIRE(sp.ok());
  CHECK(FormatRfc3339(sp->EndOfLocalDay({2018, 11, 3})) == "2018-11-04T02:59:59.999999Z");
  CHECK(sp->FormatLocal(At("2018-11-04T03:00:00Z")) == "2018-11-04T01:00:00-02:00");
}

TEST_CASE("Calendar::Make refuses unknown zones and impossible holidays", "[calendar]") {
  Result<Calendar> bad_zone = Calendar::Make("Europe/Atlantis", CalendarSpec{});
  REQUIRE_FALSE(bad_zone.ok());
  CHECK(bad_zone.status().IsInvalidArgument());
  CalendarSpec spec;
  spec.holidays.push_back(HolidayRule{"Thirtieth of February", HolidayRule::Kind::kFixed, 2, 30});
  CHECK(Calendar::Make("Europe/Oslo", spec).status().IsInvalidArgument());
  CalendarSpec all_weekend;
  all_weekend.weekend = {1, 2, 3, 4, 5, 6, 7};
  CHECK(Calendar::Make("", all_weekend).status().IsInvalidArgument());
}

TEST_CASE("ParseCalendarTable names each error with its line", "[calendar]") {
  const char* text =
      "[calendar]\n"                                                // 1
      "time_zone = \"Europe/Atlantis\"\n"                           // 2
      "weekend = [6, 8]\n"                                          // 3
      "colour = \"blue\"\n"                                         // 4
      "holidays = [\n"                                              // 5
      "  { name = \"Bad\", date = \"02-30\" },\n"                   // 6
      "  { name = \"Weekday\", weekday = 9, from = \"06-19\" },\n"  // 7
      "  { name = \"Both\", date = \"01-01\", easter = 1 },\n"      // 8
      "  { date = \"01-02\" },\n"                                   // 9
      "  { name = \"Typo\", dat = \"01-03\" },\n"                   // 10
      "  { name = \"Fine\", date = \"02-29\" },\n"                  // 11
      "]\n";
  toml::table doc = toml::parse(text);
  std::string zone;
  CalendarSpec spec;
  std::vector<std::pair<int, std::string>> errors;
  Status st = ParseCalendarTable(*doc["calendar"].as_table(), &zone, &spec, &errors);
  CHECK(st.IsInvalidArgument());
  auto has = [&errors](int line, const std::string& part) {
    for (const auto& [l, message] : errors) {
      if (l == line && message.find(part) != std::string::npos) return true;
    }
    return false;
  };
  CHECK(has(2, "unknown time zone \"Europe/Atlantis\""));
  CHECK(has(3, "weekend day"));
  CHECK(has(4, "unknown key \"colour\""));
  CHECK(has(6, "\"02-30\""));
  CHECK(has(7, "weekday"));
  CHECK(has(8, "exactly one of"));
  CHECK(has(9, "without a name"));
  CHECK(has(10, "unknown key \"dat\""));
  CHECK_FALSE(has(11, ""));
  CHECK(st.message().rfind("line 2: ", 0) == 0);  // the first error in file order
  REQUIRE(spec.holidays.size() == 1);                // only the valid holiday is kept
  CHECK(spec.holidays[0].name == "Fine");
  CHECK(spec.holidays[0].line == 11);
}

TEST_CASE("ParseCalendarTable reads a valid table", "[calendar]") {
  toml::table doc = toml::parse(
      "[calendar]\n"
      "time_zone = \"Europe/Riga\"\n"
      "weekend = [7]\n"
      "holidays = [ { name = \"Proclamation Day\", date = \"11-18\", next_monday_if_weekend = "
      "true, from_year = 1919 } ]\n");
  std::string zone;
  CalendarSpec spec;
  std::vector<std::pair<int, std::string>> errors;
  REQUIRE(ParseCalendarTable(*doc["calendar"].as_table(), &zone, &spec, &errors).ok());
  CHECK(errors.empty());
  CHECK(zone == "Europe/Riga");
  CHECK(spec.weekend == std::vector<int>{7});
  REQUIRE(spec.holidays.size() == 1);
  CHECK(spec.holidays[0].month == 11);
  CHECK(spec.holidays[0].day == 18);
  CHECK(spec.holidays[0].next_monday_if_weekend);
  CHECK(spec.holidays[0].from_year == 1919);
  Result<Calendar> riga = Calendar::Make(zone, spec);
  REQUIRE(riga.ok());
  CHECK(riga->IsWorkingDay({2026, 3, 7}));         // a Saturday, but only Sunday is weekend
  CHECK_FALSE(riga->IsWorkingDay({2028, 11, 20}));  // Monday after Saturday 18 November
}

TEST_CASE("a shared calendar answers the same from several threads", "[calendar]") {
  Calendar no = LoadPack("no");
  const int64_t start = At("2026-04-01T10:00:00+02:00");
  const int64_t expected = At("2026-04-09T23:59:59.999999+02:00");
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      Calendar copy = no;  // copies share the tables
      for (int i = 0; i < 2000; ++i) {
        if (PeriodEnd(copy, start, 3, PeriodUnit::kWorkingDays, false) != expected) ++wrong;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  CHECK(wrong == 0);
}

}  // namespace caseledger::compliance
