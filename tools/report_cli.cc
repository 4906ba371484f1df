// `caseledger report case|agency`: read the ledger without locking it (so it works while a
// server runs), catch the projections up unless the server holds them, gather the report's
// input and write one HTML file. Nothing personal is read: events contribute their type,
// agency and times only, never a body field or the sealed section.
#include "tools/report_cli.h"

#include <CLI/CLI.hpp>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>

#include "ledger/event_json.h"
#include "ledger/ledger.h"
#include "ledger/time_format.h"
#include "projections/projection_store.h"
#include "tools/cli.h"
#include "tools/cli_internal.h"
#include "tools/cli_projection_open.h"
#include "tools/synthetic.h"

namespace caseledger::cli {

using detail::Fail;
using detail::NowMicros;
using detail::ParseTime;
using projections::ProjectionStore;

namespace {

// Writes the whole page or nothing: to a temporary name, renamed into place.
Status WriteFile(const std::string& path, const std::string& page) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    if (!f) return Status::InvalidArgument("cannot write " + tmp);
    f << page;
    f.flush();
    if (!f) return Status::IOError("writing " + tmp + " failed");
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    return Status::IOError("cannot rename " + tmp + " to " + path);
  }
  return Status::OK();
}

double MillisSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
      .count();
}

void PrintTime(std::ostream& out, double gather_ms, double render_ms, size_t bytes) {
  char line[160];
  std::snprintf(line, sizeof line, "report: gathered in %.1f ms, rendered in %.1f ms, %zu bytes\n",
                gather_ms, render_ms, bytes);
  out << line;
}

}  // namespace

report::CheckpointInfo CheckpointFor(const Ledger& ledger, uint64_t position) {
  auto sizes = ledger.CheckpointSizes();
  std::optional<uint64_t> pick;
  if (sizes.ok()) {
    for (uint64_t s : *sizes) {
      if (s >= position) {
        pick = s;
        break;
      }
    }
  }
  auto note = ledger.GetCheckpoint(pick);
  if (!note.ok()) return {};
  return report::ParseCheckpointNote(*note, position);
}

Result<report::CaseReportInput> GatherCaseReport(const Ledger& ledger, const ProjectionStore& store,
                                                 const std::string& case_id, int64_t as_of,
                                                 bool past) {
  projections::ReplayPoint point;
  if (past) {
    point.kind = projections::ReplayPoint::Kind::kRecordedBy;
    point.micros = as_of;
  }
  auto state = store.Replay(case_id, point);
  if (!state.ok()) return state.status();
  report::CaseReportInput in;
  in.case_id = case_id;
  in.obligations = state->compliance.Obligations();
  in.calendar = state->calendar;
  in.as_of = as_of;
  in.position = state->position;
  auto events = ledger.ReadStream(case_id, 0, SIZE_MAX);
  if (!events.ok()) return events.status();
  for (const auto& e : *events) {
    auto r = e.reader();
    // The events the state was folded from: before its position, and recorded by then.
    if (e.position() >= state->position) break;
    if (past && r.getRecordedAt() > as_of) continue;
    in.events.push_back({r.getStreamVersion(), e.position(), r.getOccurredAt(),
                         r.getAgencyId().cStr(), AgencyRoleName(r.getAgencyRole()),
                         EventTypeName(r)});
  }
  in.checkpoint = CheckpointFor(ledger, in.position);
  return in;
}

int RunReportCase(const ReportCaseArgs& args, std::ostream& out, std::ostream& err) {
  const int64_t now = NowMicros();
  auto as_of = args.as_of.empty() ? Result<int64_t>(now) : ParseTime(args.as_of);
  if (!as_of.ok()) return Fail(err, as_of.status());
  const auto start = std::chrono::steady_clock::now();
  auto opened = detail::OpenProjections(args.data_dir, err, false);
  if (!opened.ok()) return Fail(err, opened.status());
  auto in = GatherCaseReport(*opened->ledger, *opened->store, args.case_id, *as_of,
                             !args.as_of.empty() && *as_of < now);
  if (!in.ok()) return Fail(err, in.status());
  in->as_of_defaulted = args.as_of.empty();
  const double gather_ms = MillisSince(start);
  const auto render_start = std::chrono::steady_clock::now();
  const std::string page = report::RenderCaseReport(*in);
  const double render_ms = MillisSince(render_start);
  if (Status s = WriteFile(args.out_file, page); !s.ok()) return Fail(err, s);
  out << "wrote " << args.out_file << ": case " << args.case_id << ", " << in->events.size()
      << " events, " << in->obligations.size() << " obligations\n";
  if (args.time) PrintTime(out, gather_ms, render_ms, page.size());
  return kExitOk;
}

namespace {

// Obligations met with a due time, for the distribution: trigger in [from, to), met by
// `as_of`, of the jurisdiction and agency asked for. Reads every case's compliance state.
Result<std::vector<report::MeetSample>> MeetSamples(const Ledger& ledger,
                                                    const ProjectionStore& store,
                                                    const ReportAgencyArgs& args, int64_t from,
                                                    int64_t to, int64_t as_of) {
  std::vector<report::MeetSample> samples;
  std::string after;
  for (;;) {
    auto streams = ledger.ListStreams(after, 1000);
    if (!streams.ok()) return streams.status();
    if (streams->empty()) break;
    after = streams->back().case_id;
    for (const auto& s : *streams) {
      if (s.case_id.rfind("rules:", 0) == 0) continue;
      auto state = store.Case(s.case_id);
      if (!state.ok()) {
        if (state.status().IsNotFound()) continue;
        return state.status();
      }
      const auto& facts = state->compliance.facts();
      const auto j = facts.find("jurisdiction");
      if (!args.jurisdiction.empty() && (j == facts.end() || j->second != args.jurisdiction)) {
        continue;
      }
      state->compliance.ForEachObligation([&](const compliance::Obligation& o) {
        if (!o.due_at || !o.satisfied_at || *o.satisfied_at > as_of) return;
        if (o.trigger_at < from || o.trigger_at >= to || o.trigger_at > as_of) return;
        if (!args.agency.empty() && o.accountable_agency != args.agency) return;
        const double hours = static_cast<double>(*o.satisfied_at - o.trigger_at) / 3.6e9;
        const double allowed = static_cast<double>(*o.due_at - o.trigger_at) / 3.6e9;
        samples.push_back({o.rule_id, hours, allowed > 0 ? hours / allowed : 0.0});
      });
    }
  }
  return samples;
}

std::vector<projections::AccountabilityRow> Filter(std::vector<projections::AccountabilityRow> rows,
                                                   const ReportAgencyArgs& args) {
  std::vector<projections::AccountabilityRow> out;
  for (auto& r : rows) {
    if (!args.jurisdiction.empty() && r.jurisdiction != args.jurisdiction) continue;
    if (!args.agency.empty() && r.agency != args.agency) continue;
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace

int RunReportAgency(const ReportAgencyArgs& args_in, std::ostream& out, std::ostream& err) {
  ReportAgencyArgs args = args_in;
  // Codes are stored upper-case ("NO"); "no" would silently match nothing.
  for (char& c : args.jurisdiction) {
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  if (!args.jurisdiction.empty()) {
    auto known = synthetic::ParseJurisdiction(args.jurisdiction);
    if (!known.ok()) return Fail(err, known.status().WithContext("--jurisdiction"));
  }
  const int64_t now = NowMicros();
  auto from = ParseTime(args.from);
  if (!from.ok()) return Fail(err, from.status().WithContext("--from"));
  auto to = ParseTime(args.to);
  if (!to.ok()) return Fail(err, to.status().WithContext("--to"));
  if (*to <= *from) return Fail(err, Status::InvalidArgument("--to must be after --from"));
  auto as_of = args.as_of.empty() ? Result<int64_t>(now) : ParseTime(args.as_of);
  if (!as_of.ok()) return Fail(err, as_of.status().WithContext("--as-of"));
  const auto start = std::chrono::steady_clock::now();
  auto opened = detail::OpenProjections(args.data_dir, err, false);
  if (!opened.ok()) return Fail(err, opened.status());
  report::AgencyReportInput in;
  in.jurisdiction = args.jurisdiction;
  in.agency = args.agency;
  in.from = *from;
  in.to = *to;
  in.as_of = *as_of;
  in.as_of_defaulted = args.as_of.empty();
  if (!args.jurisdiction.empty()) in.calendar = opened->store->CalendarFor(args.jurisdiction);
  for (bool monthly : {false, true}) {
    auto rows = opened->store->Accountability(*from, *to, monthly, *as_of);
    if (!rows.ok()) return Fail(err, rows.status());
    (monthly ? in.monthly : in.yearly) = Filter(std::move(*rows), args);
  }
  auto samples = MeetSamples(*opened->ledger, *opened->store, args, *from, *to, *as_of);
  if (!samples.ok()) return Fail(err, samples.status());
  in.samples = std::move(*samples);
  in.position = opened->store->position();
  in.checkpoint = CheckpointFor(*opened->ledger, in.position);
  const double gather_ms = MillisSince(start);
  const auto render_start = std::chrono::steady_clock::now();
  const std::string page = report::RenderAgencyReport(in);
  const double render_ms = MillisSince(render_start);
  if (Status s = WriteFile(args.out_file, page); !s.ok()) return Fail(err, s);
  out << "wrote " << args.out_file << ": " << in.yearly.size() << " rule and agency rows, "
      << in.samples.size() << " obligations met\n";
  if (args.time) PrintTime(out, gather_ms, render_ms, page.size());
  return kExitOk;
}

std::function<std::optional<int>()> AddReportCommands(CLI::App& app) {
  struct State {
    ReportCaseArgs case_args;
    ReportAgencyArgs agency_args;
    CLI::App *report, *case_cmd, *agency_cmd;
  };
  auto s = std::make_shared<State>();
  s->report = app.add_subcommand(
      "report", "Self-contained HTML reports to look at and print (docs/reports.md)");
  s->report->require_subcommand(1);

  auto* c = s->case_cmd = s->report->add_subcommand(
      "case",
      "A case's timeline: events by agency on a time axis, each obligation as a bar "
      "from trigger to due time coloured by its status, and the checkpoint it was "
      "built from");
  c->add_option("--data", s->case_args.data_dir, "Data directory")->required();
  c->add_option("--case", s->case_args.case_id, "Case id")->required();
  c->add_option("--out", s->case_args.out_file, "The HTML file to write")->required();
  c->add_option("--as-of", s->case_args.as_of,
                "Evaluation time (RFC 3339 or YYYY-MM-DD; default now, printed on the page): "
                "a past time shows what the ledger knew then");
  c->add_flag("--time", s->case_args.time, "Print how long gathering and rendering took");

  auto* a = s->agency_cmd = s->report->add_subcommand(
      "agency",
      "Per rule and agency for a period: breaches, time-to-meet distribution and "
      "trend by month, as charts with the tables behind them");
  a->add_option("--data", s->agency_args.data_dir, "Data directory")->required();
  a->add_option("--jurisdiction", s->agency_args.jurisdiction, "Only cases of this country (NO)");
  a->add_option("--agency", s->agency_args.agency, "Only obligations this agency answers for");
  a->add_option("--from", s->agency_args.from, "Obligations that arose from this time")->required();
  a->add_option("--to", s->agency_args.to, "... to before this time")->required();
  a->add_option("--as-of", s->agency_args.as_of, "Evaluation time (default now)");
  a->add_option("--out", s->agency_args.out_file, "The HTML file to write")->required();
  a->add_flag("--time", s->agency_args.time, "Print how long gathering and rendering took");

  return [s]() -> std::optional<int> {
    if (s->case_cmd->parsed()) return RunReportCase(s->case_args, std::cout, std::cerr);
    if (s->agency_cmd->parsed()) return RunReportAgency(s->agency_args, std::cout, std::cerr);
    return std::nullopt;
  };
}

}  // namespace caseledger::cli
