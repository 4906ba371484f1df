// `caseledger query list` and `caseledger query NAME --data DIR [--param k=v ...]`: the audit
// queries of projections/audit.h. The projections open as for `timeline`: caught up first, or
// read-only while a server holds them (the answer then states the position it reflects).
#include "tools/cli_query.h"

#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>

#include "projections/audit.h"
#include "tools/cli.h"
#include "tools/cli_internal.h"
#include "tools/cli_projection_open.h"

namespace caseledger::cli {

using detail::Fail;

namespace {

void PrintList(std::ostream& out) {
  for (const auto& q : projections::AuditQueries()) {
    out << q.name << "  (obligations.md " << q.question << ")\n  " << q.summary << "\n";
    for (const auto& p : q.params) {
      out << "    --param " << p.name << "=...  " << p.description;
      if (p.required) out << " (required)";
      if (!p.default_value.empty()) out << " (default " << p.default_value << ")";
      out << "\n";
    }
    out << "    columns:";
    for (const auto& c : q.columns) out << " " << c;
    out << "\n\n";
  }
}

Result<std::map<std::string, std::string>> ParseParams(const std::vector<std::string>& given) {
  std::map<std::string, std::string> params;
  for (const auto& p : given) {
    const size_t eq = p.find('=');
    if (eq == std::string::npos || eq == 0) {
      return Status::InvalidArgument("--param \"" + p + "\" is not key=value");
    }
    if (!params.emplace(p.substr(0, eq), p.substr(eq + 1)).second) {
      return Status::InvalidArgument("--param " + p.substr(0, eq) + " is given twice");
    }
  }
  return params;
}

}  // namespace

int RunQuery(const QueryArgs& args, std::ostream& out, std::ostream& err) {
  if (args.name == "list") {
    PrintList(out);
    return kExitOk;
  }
  if (args.format != "table" && args.format != "csv" && args.format != "json") {
    return Fail(err, Status::InvalidArgument("--format must be table, csv or json"));
  }
  if (args.data_dir.empty()) return Fail(err, Status::InvalidArgument("--data is required"));
  auto params = ParseParams(args.params);
  if (!params.ok()) return Fail(err, params.status());
  projections::AuditRequest request{args.name, std::move(*params), std::nullopt};
  if (!args.as_of.empty()) {
    auto t = detail::ParseTime(args.as_of);
    if (!t.ok()) return Fail(err, t.status().WithContext("--as-of"));
    request.as_of = *t;
  }
  // Refuse a bad query before the projections catch up (which may take a while).
  bool known = false;
  for (const auto& q : projections::AuditQueries()) known = known || q.name == args.name;
  if (!known) {
    return Fail(err, Status::InvalidArgument("no audit query named \"" + args.name +
                                             "\": `caseledger query list` shows them"));
  }
  auto opened = detail::OpenProjections(args.data_dir, err, args.format == "table");
  if (!opened.ok()) return Fail(err, opened.status());
  auto result = projections::RunAuditQuery(*opened->store, *opened->ledger, request);
  if (!result.ok()) return Fail(err, result.status());
  if (args.row) {
    if (*args.row == 0 || *args.row > result->rows.size()) {
      return Fail(
          err, Status::InvalidArgument("--row " + std::to_string(*args.row) + ": the answer has " +
                                       std::to_string(result->rows.size()) + " rows"));
    }
    const auto& ids = result->rows[*args.row - 1].case_ids;
    for (const auto& id : ids) out << id << "\n";
    if (!ids.empty()) {
      err << "open one: caseledger timeline --data " << args.data_dir << " --case " << ids.front()
          << "\n";
    }
    return kExitOk;
  }
  if (args.format == "json") {
    out << projections::FormatAuditJson(*result) << "\n";
  } else if (args.format == "csv") {
    out << projections::FormatAuditCsv(*result);
    // CSV has no place for it: the position and checkpoint go to stderr.
    const std::string table = projections::FormatAuditTable(*result);
    err << table.substr(0, table.find("\n\n")) << "\n";
  } else {
    out << projections::FormatAuditTable(*result);
  }
  return kExitOk;
}

std::function<std::optional<int>()> AddQueryCommand(CLI::App& app) {
  auto args = std::make_shared<QueryArgs>();
  auto row = std::make_shared<size_t>(0);
  auto* cmd = app.add_subcommand(
      "query",
      "Named audit queries over all cases (`caseledger query list`; docs/audit.md), "
      "as a table, CSV or JSON; each answer states its ledger position and checkpoint");
  cmd->add_option("name", args->name, "A query name, or list")->required();
  cmd->add_option("--data", args->data_dir, "Data directory");
  cmd->add_option("--param", args->params, "A parameter key=value (repeatable)");
  cmd->add_option("--as-of", args->as_of,
                  "Evaluation time (RFC 3339 or YYYY-MM-DD; default now): statuses as of it");
  cmd->add_option("--format", args->format, "table, csv or json")->capture_default_str();
  auto* row_opt =
      cmd->add_option("--row", *row, "Print the case ids behind row N of the answer, one a line");
  return [cmd, args, row, row_opt]() -> std::optional<int> {
    if (!cmd->parsed()) return std::nullopt;
    if (row_opt->count()) args->row = *row;
    return RunQuery(*args, std::cout, std::cerr);
  };
}

}  // namespace caseledger::cli
