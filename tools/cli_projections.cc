// The subcommands over projections: timeline, view, rebuild, accountability, overdue, and
// `rules activate`. They read the ledger without locking it, so they work while a server runs;
// the projection store is caught up first unless the server holds it (then the server keeps it
// fresh and the answer says which position it reflects).
#include <chrono>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>

#include <capnp/message.h>

#include "ledger/hash.h"
#include "ledger/time_format.h"
#include "projections/pack_activation.h"
#include "projections/projection_store.h"
#include "projections/rule_pack.h"
#include "tools/cli_internal.h"
#include "tools/cli_projection_open.h"
#include "tools/cli_projections.h"

namespace caseledger::cli {

using detail::Fail;
using detail::JsonString;
using detail::NowMicros;
using detail::OpenProjections;
using detail::ParseTime;
using projections::ProjectionStore;

namespace {

Result<projections::CaseState> LoadCase(ProjectionStore& store, const std::string& case_id,
                                        const TimelineArgs& args, int64_t as_of) {
  projections::ReplayPoint point;
  if (args.at_position) {
    point.kind = projections::ReplayPoint::Kind::kPosition;
    point.position = *args.at_position;
  } else if (!args.occurred_by.empty()) {
    auto t = ParseTime(args.occurred_by);
    if (!t.ok()) return t.status();
    point.kind = projections::ReplayPoint::Kind::kOccurredBy;
    point.micros = *t;
  } else if (!args.as_of.empty() && as_of < NowMicros()) {
    // What the system knew then: the events recorded by that time.
    point.kind = projections::ReplayPoint::Kind::kRecordedBy;
    point.micros = as_of;
  }
  return store.Replay(case_id, point);
}

std::string Hours(std::optional<double> h) {
  if (!h) return "-";
  std::ostringstream s;
  s << std::fixed << std::setprecision(1) << *h;
  return s.str();
}

}  // namespace

int RunTimeline(const TimelineArgs& args, std::ostream& out, std::ostream& err) {
  switch (detail::ChooseTarget(args.data_dir, args.remote, "timeline", err)) {
    case detail::Target::kBad: return kExitUsage;
    case detail::Target::kRemote: return detail::RunCaseQueryRemote(args, true, out, err);
    case detail::Target::kLocal: break;
  }
  auto as_of = ParseTime(args.as_of);
  if (!as_of.ok()) return Fail(err, as_of.status());
  auto opened = OpenProjections(args.data_dir, err, false);
  if (!opened.ok()) return Fail(err, opened.status());
  auto state = LoadCase(*opened->store, args.case_id, args, *as_of);
  if (!state.ok()) return Fail(err, state.status());
  if (args.json) {
    out << projections::TimelineJson(*state, *as_of) << "\n";
    return kExitOk;
  }
  out << "case " << args.case_id << "  as of " << state->calendar.FormatLocal(*as_of)
      << "  (ledger position " << state->position << ")\n";
  detail::PrintTimelineTable(*state, *as_of, out);
  return kExitOk;
}

int RunView(const TimelineArgs& args, std::ostream& out, std::ostream& err) {
  switch (detail::ChooseTarget(args.data_dir, args.remote, "view", err)) {
    case detail::Target::kBad: return kExitUsage;
    case detail::Target::kRemote: return detail::RunCaseQueryRemote(args, false, out, err);
    case detail::Target::kLocal: break;
  }
  auto as_of = ParseTime(args.as_of);
  if (!as_of.ok()) return Fail(err, as_of.status());
  auto opened = OpenProjections(args.data_dir, err, false);
  if (!opened.ok()) return Fail(err, opened.status());
  auto state = LoadCase(*opened->store, args.case_id, args, *as_of);
  if (!state.ok()) return Fail(err, state.status());
  out << (args.json ? state->view.ToJson() : state->view.ToText()) << "\n";
  return kExitOk;
}

int RunRebuild(const RebuildArgs& args, std::ostream& out, std::ostream& err) {
  auto ledger = detail::OpenReadOnly(args.data_dir);
  if (!ledger.ok()) return Fail(err, ledger.status());
  projections::StoreOptions options;
  if (!args.quiet) {
    options.progress = [&err](uint64_t reached, uint64_t target) {
      err << "\rrebuild: " << reached << " / " << target << " events" << std::flush;
      if (reached >= target) err << "\n";
    };
  }
  auto store = ProjectionStore::Open(**ledger, options);
  if (!store.ok()) return Fail(err, store.status());
  const auto start = std::chrono::steady_clock::now();
  auto reached = (*store)->Rebuild(args.projections);
  if (!reached.ok()) return Fail(err, reached.status());
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::vector<std::string> names = args.projections;
  if (names.empty()) names = {"case_view", "compliance"};
  for (const auto& name : names) {
    auto digest = (*store)->Digest(name);
    if (!digest.ok()) return Fail(err, digest.status());
    out << name << " rebuilt to position " << *reached << ", digest " << ToHex(*digest) << "\n";
  }
  out << "took " << std::fixed << std::setprecision(1) << seconds << " s\n";
  return kExitOk;
}

int RunAccountability(const AccountabilityArgs& args, std::ostream& out, std::ostream& err) {
  auto from = args.from.empty() ? Result<int64_t>(INT64_MIN) : ParseTime(args.from);
  if (!from.ok()) return Fail(err, from.status());
  auto to = args.to.empty() ? Result<int64_t>(INT64_MAX) : ParseTime(args.to);
  if (!to.ok()) return Fail(err, to.status());
  auto as_of = ParseTime(args.as_of);
  if (!as_of.ok()) return Fail(err, as_of.status());
  auto opened = OpenProjections(args.data_dir, err, !args.json);
  if (!opened.ok()) return Fail(err, opened.status());
  auto rows = opened->store->Accountability(*from, *to, args.monthly, *as_of);
  if (!rows.ok()) return Fail(err, rows.status());
  if (args.json) {
    out << "[";
    bool first = true;
    for (const auto& r : *rows) {
      out << (first ? "" : ",\n ") << "{\"agency\":" << JsonString(r.agency)
          << ",\"role\":" << JsonString(r.role) << ",\"rule\":" << JsonString(r.rule_id)
          << ",\"jurisdiction\":" << JsonString(r.jurisdiction)
          << ",\"period\":" << JsonString(r.period) << ",\"met\":" << r.met
          << ",\"metLate\":" << r.met_late << ",\"breached\":" << r.breached
          << ",\"open\":" << r.open << ",\"overdue\":" << r.overdue
          << ",\"medianHours\":" << (r.median_hours ? Hours(r.median_hours) : "null")
          << ",\"p90Hours\":" << (r.p90_hours ? Hours(r.p90_hours) : "null") << "}";
      first = false;
    }
    out << "]\n";
    return kExitOk;
  }
  out << std::left << std::setw(22) << "agency" << std::setw(17) << "role" << std::setw(6)
      << "rule" << std::setw(4) << "" << std::setw(9) << "period" << std::right << std::setw(7)
      << "met" << std::setw(7) << "late" << std::setw(9) << "breached" << std::setw(7) << "open"
      << std::setw(8) << "overdue" << std::setw(10) << "median h" << std::setw(8) << "p90 h"
      << "\n";
  for (const auto& r : *rows) {
    out << std::left << std::setw(22) << r.agency << std::setw(17) << r.role << std::setw(6)
        << r.rule_id << std::setw(4) << r.jurisdiction << std::setw(9) << r.period << std::right
        << std::setw(7) << r.met << std::setw(7) << r.met_late << std::setw(9) << r.breached
        << std::setw(7) << r.open << std::setw(8) << r.overdue << std::setw(10)
        << Hours(r.median_hours) << std::setw(8) << Hours(r.p90_hours) << "\n";
  }
  return kExitOk;
}

int RunOverdue(const OverdueArgs& args, std::ostream& out, std::ostream& err) {
  auto as_of = ParseTime(args.as_of);
  if (!as_of.ok()) return Fail(err, as_of.status());
  auto opened = OpenProjections(args.data_dir, err, !args.json);
  if (!opened.ok()) return Fail(err, opened.status());
  auto overdue = opened->store->Overdue(*as_of, args.limit);
  if (!overdue.ok()) return Fail(err, overdue.status());
  if (args.json) out << "[";
  bool first = true;
  for (const auto& item : *overdue) {
    const auto calendar = opened->store->CalendarFor(item.jurisdiction);
    const auto& o = item.obligation;
    if (args.json) {
      out << (first ? "" : ",\n ") << "{\"case\":" << JsonString(item.case_id)
          << ",\"obligation\":" << compliance::ObligationJson(o, *as_of, calendar) << "}";
    } else {
      out << item.case_id << "  " << o.rule_id
          << (o.limit_name.empty() ? "" : " (" + o.limit_name + ")") << "  due "
          << calendar.FormatLocal(*o.due_at) << "  "
          << (o.accountable_agency.empty() ? o.accountable_role : o.accountable_agency) << "\n";
    }
    first = false;
  }
  if (args.json) out << "]\n";
  return kExitOk;
}

int RunRulesActivate(const RulesActivateArgs& args, std::ostream& out, std::ostream& err) {
  auto effective = ParseTime(args.effective_from);
  if (!effective.ok()) return Fail(err, effective.status());
  LedgerOptions options;
  options.data_dir = args.data_dir;
  options.create_if_missing = false;
  options.signing_key_path = args.signing_key;
  options.logger = StderrLogger();
  auto ledger = Ledger::Open(options);
  if (!ledger.ok()) return Fail(err, ledger.status());
  for (const auto& file : args.files) {
    std::ifstream in(file, std::ios::binary);
    if (!in) return Fail(err, Status::NotFound("cannot read " + file));
    std::stringstream text;
    text << in.rdbuf();
    std::vector<compliance::PackError> errors;
    auto pack = compliance::ParsePack(text.str(), file, &errors);
    if (!pack.ok()) {
      for (const auto& e : errors) err << e.ToString() << "\n";
      return Fail(err, pack.status());
    }
    auto built = compliance::BuildActivation(*pack, text.str(), *effective, args.actor, NowMicros());
    auto reader = built->getRoot<schema::Event>().asReader();
    std::vector<schema::Event::Reader> events{reader};
    auto result = (*ledger)->Append(reader.getCaseId().cStr(), ExpectedVersion::Any(), events);
    if (!result.ok()) return Fail(err, result.status());
    out << "activated " << pack->id << " " << pack->version << " from "
        << FormatRfc3339(*effective) << " at position " << result->positions[0]
        << (result->deduplicated ? " (already activated)" : "") << "\n";
  }
  return kExitOk;
}

}  // namespace caseledger::cli
