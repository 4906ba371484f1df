// Command-line options of the projection subcommands (tools/cli_projections.h).
#include <CLI/CLI.hpp>

#include <iostream>
#include <memory>

#include "tools/cli.h"
#include "tools/cli_options.h"
#include "tools/cli_projections.h"
#include "tools/cli_query.h"
#include "tools/report_cli.h"

namespace caseledger::cli {

namespace {

void AddCaseOptions(CLI::App* cmd, TimelineArgs* args, uint64_t* position) {
  cmd->add_option("--data", args->data_dir, "Data directory");
  AddServerOptions(cmd, &args->remote);
  cmd->add_option("--purpose", args->purpose,
                  "With --server: why you read the case (recorded in its access stream)");
  cmd->add_option("--min-position", args->min_position,
                  "With --server: answer from projections that folded at least this many "
                  "events (e.g. the position after your append)");
  cmd->add_option("--case", args->case_id, "Case id")->required();
  cmd->add_option("--as-of", args->as_of,
                  "Evaluation time (RFC 3339 or YYYY-MM-DD; default now): statuses are as of "
                  "it, and a past time shows what the ledger knew then (events recorded by it)");
  cmd->add_option("--at-position", *position,
                  "Instead: the case as the ledger held it before this global position");
  cmd->add_option("--occurred-by", args->occurred_by,
                  "Instead: the case as things had happened by this time (occurred-at)");
  cmd->add_flag("--json", args->json, "JSON instead of a table");
}

}  // namespace

std::function<std::optional<int>()> AddProjectionCommands(CLI::App& app) {
  struct State {
    TimelineArgs timeline, view;
    uint64_t timeline_position = 0, view_position = 0;
    RebuildArgs rebuild;
    AccountabilityArgs accountability;
    OverdueArgs overdue;
    CLI::App *timeline_cmd, *view_cmd, *rebuild_cmd, *accountability_cmd, *overdue_cmd;
    CLI::Option *timeline_pos_opt, *view_pos_opt;
  };
  auto s = std::make_shared<State>();

  s->timeline_cmd = app.add_subcommand(
      "timeline", "A case's compliance timeline: every obligation that arose, when it was due, "
                  "whether and when it was met, and which agency answers for it");
  AddCaseOptions(s->timeline_cmd, &s->timeline, &s->timeline_position);
  s->timeline_pos_opt = s->timeline_cmd->get_option("--at-position");

  s->view_cmd = app.add_subcommand("view", "A case's current picture (the case view)");
  AddCaseOptions(s->view_cmd, &s->view, &s->view_position);
  s->view_pos_opt = s->view_cmd->get_option("--at-position");

  s->rebuild_cmd = app.add_subcommand(
      "rebuild", "Rebuild projections from the log (stop the server first), with a progress "
                 "line; prints each projection's state digest");
  s->rebuild_cmd->add_option("--data", s->rebuild.data_dir, "Data directory")->required();
  s->rebuild_cmd->add_option("--projection", s->rebuild.projections,
                             "case_view or compliance (repeatable; default: all)");
  s->rebuild_cmd->add_flag("--quiet", s->rebuild.quiet, "No progress line");

  s->accountability_cmd = app.add_subcommand(
      "accountability", "Per agency, rule and period: obligations met on time, met late, "
                        "breached, still open; median and p90 hours to meet each deadline");
  auto* a = s->accountability_cmd;
  a->add_option("--data", s->accountability.data_dir, "Data directory")->required();
  a->add_option("--from", s->accountability.from, "Triggers from this time (RFC 3339 or date)");
  a->add_option("--to", s->accountability.to, "Triggers before this time");
  a->add_option("--as-of", s->accountability.as_of, "Evaluation time (default now)");
  a->add_flag("--monthly", s->accountability.monthly, "Periods are months (default years)");
  a->add_flag("--json", s->accountability.json, "JSON instead of a table");

  s->overdue_cmd = app.add_subcommand(
      "overdue", "Every obligation of every case not met by --as-of and due before it");
  s->overdue_cmd->add_option("--data", s->overdue.data_dir, "Data directory")->required();
  s->overdue_cmd->add_option("--as-of", s->overdue.as_of, "Evaluation time (default now)");
  s->overdue_cmd->add_option("--limit", s->overdue.limit, "At most this many")
      ->capture_default_str();
  s->overdue_cmd->add_flag("--json", s->overdue.json, "JSON instead of lines");

  auto run_report = AddReportCommands(app);

  auto run_query = AddQueryCommand(app);

  return [s, run_report, run_query]() -> std::optional<int> {
    if (auto code = run_report()) return code;
    if (auto code = run_query()) return code;
    if (s->timeline_cmd->parsed()) {
      if (s->timeline_pos_opt->count()) s->timeline.at_position = s->timeline_position;
      return RunTimeline(s->timeline, std::cout, std::cerr);
    }
    if (s->view_cmd->parsed()) {
      if (s->view_pos_opt->count()) s->view.at_position = s->view_position;
      return RunView(s->view, std::cout, std::cerr);
    }
    if (s->rebuild_cmd->parsed()) return RunRebuild(s->rebuild, std::cout, std::cerr);
    if (s->accountability_cmd->parsed()) {
      return RunAccountability(s->accountability, std::cout, std::cerr);
    }
    if (s->overdue_cmd->parsed()) return RunOverdue(s->overdue, std::cout, std::cerr);
    return std::nullopt;
  };
}

}  // namespace caseledger::cli
