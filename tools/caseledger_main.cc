// caseledger: the command-line tool. A thin main over tools/cli.h.
#include <CLI/CLI.hpp>

#include <iostream>

#include "tools/cli.h"

int main(int argc, char** argv) {
  using namespace caseledger::cli;
  CLI::App app{
      "caseledger: the tamper-evident case ledger for child-protection oversight.\n"
      "Works directly on a data directory (--data DIR)."};
  app.require_subcommand(1);
  app.set_help_all_flag("--help-all", "Show help for every subcommand");

  AppendArgs append;
  auto* append_cmd = app.add_subcommand(
      "append",
      "Append events to one case, atomically. Input: one JSON event object per line (schema "
      "field names; ids as hex; times as RFC 3339). All lines form one append.");
  append_cmd->add_option("--data", append.data_dir, "Data directory (created when missing)")->required();
  append_cmd->add_option("--case", append.case_id, "Case id (default: the events' caseId)");
  append_cmd->add_option("--expect", append.expect,
                         "Expected version of the case: any, none (the case must not exist), "
                         "or the version of its newest event")
      ->capture_default_str();
  append_cmd->add_option("input", append.input, "File of JSON lines, or - for standard input")
      ->capture_default_str();

  ReadArgs read;
  uint64_t from_position = 0;
  std::string read_case;
  auto* read_cmd = app.add_subcommand(
      "read", "Print events as JSON lines: a case (--case) or the global log (--from-position)");
  read_cmd->add_option("--data", read.data_dir, "Data directory")->required();
  auto* case_opt = read_cmd->add_option("--case", read_case, "Case id, as `read` prints it in caseId");
  auto* pos_opt = read_cmd->add_option("--from-position", from_position,
                                       "Read the global log from this position (0 is the first event)");
  read_cmd->add_option("--from-version", read.from_version, "With --case: first stream version")
      ->capture_default_str();
  read_cmd->add_option("--limit", read.limit, "At most this many events")->capture_default_str();
  case_opt->excludes(pos_opt);

  StatArgs stat;
  auto* stat_cmd = app.add_subcommand("stat", "Counts of events and cases in a data directory");
  stat_cmd->add_option("--data", stat.data_dir, "Data directory")->required();
  stat_cmd->add_flag("--json", stat.json, "Print JSON");

  ShowArgs show;
  auto* show_cmd = app.add_subcommand("show", "A case's events as a readable table");
  show_cmd->add_option("--data", show.data_dir, "Data directory")->required();
  show_cmd->add_option("--case", show.case_id, "Case id")->required();

  GenArgs gen;
  std::string jurisdictions;
  auto* gen_cmd = app.add_subcommand(
      "gen",
      "Fill an empty data directory with synthetic case histories (invented data only). The same "
      "seed and arguments give byte-identical events. Writes DIR/generator-manifest.json listing, "
      "per case, the steps made late, left out or recorded late.");
  gen_cmd->add_option("--data", gen.data_dir, "Data directory; must be missing or empty")->required();
  gen_cmd->add_option("--cases", gen.cases, "Number of cases")->capture_default_str();
  gen_cmd->add_option("--seed", gen.seed, "Random seed")->capture_default_str();
  gen_cmd->add_option("--late-share", gen.late_share,
                      "Share (0..1) of the steps that are made late, left out, or recorded long "
                      "after they occurred; the rest happen within their deadlines and are "
                      "recorded soon after")
      ->capture_default_str();
  gen_cmd->add_option("--jurisdictions", jurisdictions,
                      "Comma-separated codes to draw from (DK,EE,FI,LV,LT,SE,NO,IS); default all");
  gen_cmd->add_option("--start", gen.start, "Simulated time of the first case (RFC 3339)")
      ->capture_default_str();
  gen_cmd->add_flag("--quiet", gen.quiet, "No progress line");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? kExitOk : kExitUsage;
  }

  if (append_cmd->parsed()) return RunAppend(append, std::cin, std::cout, std::cerr);
  if (read_cmd->parsed()) {
    if (case_opt->count()) read.case_id = read_case;
    if (pos_opt->count()) read.from_position = from_position;
    return RunRead(read, std::cout, std::cerr);
  }
  if (stat_cmd->parsed()) return RunStat(stat, std::cout, std::cerr);
  if (show_cmd->parsed()) return RunShow(show, std::cout, std::cerr);
  if (gen_cmd->parsed()) {
    std::string item;
    for (char c : jurisdictions + ",") {
      if (c == ',') {
        if (!item.empty()) gen.jurisdictions.push_back(item);
        item.clear();
      } else {
        item.push_back(c);
      }
    }
    return RunGen(gen, std::cout, std::cerr);
  }
  return kExitUsage;
}
