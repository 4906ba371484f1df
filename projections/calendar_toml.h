// The [calendar] table of a rule pack (docs/compliance.md, "Calendar"):
//
//   [calendar]
//   time_zone = "Europe/Oslo"            # IANA name, required
//   weekend = [6, 7]                     # 1 = Monday .. 7 = Sunday; default [6, 7]
//   holidays = [
//     { name = "Constitution Day", date = "05-17" },                 # MM-DD every year
//     { name = "Good Friday", easter = -2 },                         # days from Easter Sunday
//     { name = "Midsummer Eve", weekday = 5, from = "06-19" },       # that weekday in from..from+6
//     { name = "Great Prayer Day", easter = 26, until_year = 2023 }, # from_year/until_year: inclusive
//     { name = "Proclamation Day", date = "11-18", next_monday_if_weekend = true },
//   ]
#ifndef CASELEDGER_PROJECTIONS_CALENDAR_TOML_H_
#define CASELEDGER_PROJECTIONS_CALENDAR_TOML_H_

#include <string>
#include <utility>
#include <vector>

#include <toml++/toml.h>

#include "ledger/status.h"
#include "projections/calendar.h"

namespace caseledger::compliance {

// Reads `calendar` into `*time_zone` and `*out`. Every problem found (unknown key, wrong type,
// impossible date such as "02-30", weekday outside 1..7, unknown time zone, missing name ...)
// is appended to `*errors` as (line in the pack file, message), and the whole table is read
// even after the first one. Returns InvalidArgument carrying the first error when there was
// any, OK otherwise. Calendar::Make(*time_zone, *out) succeeds after an OK return.
Status ParseCalendarTable(const toml::table& calendar, std::string* time_zone, CalendarSpec* out,
                          std::vector<std::pair<int, std::string>>* errors);

}  // namespace caseledger::compliance

#endif  // CASELEDGER_PROJECTIONS_CALENDAR_TOML_H_
