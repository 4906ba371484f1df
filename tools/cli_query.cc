// `caseledger query list` and `caseledger query NAME --data DIR [--param k=v ...]`: the audit
// queries of projections/audit.h. The projections open as for `timeline`: caught up first, or
// read-only while a server holds them (the answer then states the position it reflects).
#include "tools/cli_query.h"

#include <CLI/CLI.hpp>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <set>

#include "ledger/bundle.h"
#include "projections/audit.h"
#include "tools/cli.h"
#include "tools/cli_internal.h"
#include "tools/cli_options.h"
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

// A bundle for each case the answer names, at the checkpoint the answer states.
Status WriteProofs(const Ledger& ledger, const projections::AuditResult& result,
                   const std::string& dir, std::ostream& err) {
  if (!result.checkpoint_size) {
    return Status::NotFound("the ledger has no signed checkpoint yet: nothing to prove against");
  }
  const auto cases = projections::StreamsBehind(ledger, result);
  if (cases.size() > detail::kMaxBundlesPerAnswer) {
    return Status::InvalidArgument("the answer names " + std::to_string(cases.size()) +
                                   " cases; proofs are given for " +
                                   std::to_string(detail::kMaxBundlesPerAnswer) +
                                   " at most: narrow the query");
  }
  auto note = ledger.GetCheckpoint(*result.checkpoint_size);
  if (!note.ok()) return note.status();
  std::vector<std::pair<std::string, std::string>> bundles;
  for (const auto& case_id : cases) {
    BundleOptions options;
    options.checkpoint_size = result.checkpoint_size;
    auto bundle = BuildCaseBundle(ledger, case_id, options);
    if (!bundle.ok()) return bundle.status().WithContext("case " + case_id);
    bundles.emplace_back(case_id, std::move(*bundle));
  }
  if (*result.checkpoint_size < result.position) {
    err << "note: the newest checkpoint holds " << *result.checkpoint_size
        << " events, fewer than the answer's position " << result.position
        << "; the bundles prove each case's events up to it\n";
  }
  return detail::WriteCaseBundles(dir, *note, bundles, err);
}

}  // namespace

namespace detail {

Status WriteCaseBundles(const std::string& dir, const std::string& checkpoint,
                        const std::vector<std::pair<std::string, std::string>>& bundles,
                        std::ostream& err) {
  std::error_code ec;
  // Only the last folder is made: a mistyped path should fail, not grow a tree.
  std::filesystem::create_directory(dir, ec);
  if (ec) return Status::InvalidArgument("cannot create " + dir + ": " + ec.message());
  auto write = [&](const std::string& name, const std::string& bytes) -> Status {
    std::ofstream file(std::filesystem::path(dir) / name, std::ios::binary);
    file << bytes;
    file.close();
    return file ? Status::OK() : Status::IOError("cannot write " + dir + "/" + name);
  };
  CL_RETURN_IF_ERROR(write("checkpoint.txt", checkpoint));
  for (const auto& [case_id, bundle] : bundles) {
    // Characters other than letters, digits, '-', '_' and '.' become '_' in the file name.
    std::string name = case_id;
    for (char& c : name) {
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') {
        c = '_';
      }
    }
    CL_RETURN_IF_ERROR(write(name + ".bundle", bundle));
  }
  err << "wrote " << bundles.size() << " case bundles and checkpoint.txt into " << dir
      << " (check each with: caseledger verify-bundle FILE --pubkey KEY)\n";
  return Status::OK();
}

}  // namespace detail

int RunQuery(const QueryArgs& args, std::ostream& out, std::ostream& err) {
  if (args.name == "list") {
    PrintList(out);
    return kExitOk;
  }
  if (args.format != "table" && args.format != "csv" && args.format != "json") {
    return Fail(err, Status::InvalidArgument("--format must be table, csv or json"));
  }
  switch (detail::ChooseTarget(args.data_dir, args.remote, "query", err)) {
    case detail::Target::kBad: return kExitUsage;
    case detail::Target::kRemote: {
      if (args.row) {
        err << "caseledger query: --row works on a data directory; over the network the JSON "
               "answer lists each row's caseIds\n";
        return kExitUsage;
      }
      detail::AuditRemoteArgs remote{args.remote,  args.name,    args.params,
                                     args.as_of,   args.format,  args.purpose,
                                     args.proofs_dir, args.min_position};
      return detail::RunAuditQueryRemote(remote, out, err);
    }
    case detail::Target::kLocal: break;
  }
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
      // The answer counts what had happened by its as-of time, as the ledger knows it now: the
      // timeline shows the same with --occurred-by.
      err << "open one: caseledger timeline --data " << args.data_dir << " --case " << ids.front();
      if (!args.as_of.empty()) err << " --occurred-by " << args.as_of << " --as-of " << args.as_of;
      err << "\n";
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
  if (!args.proofs_dir.empty()) {
    if (Status s = WriteProofs(*opened->ledger, *result, args.proofs_dir, err); !s.ok()) {
      return Fail(err, s);
    }
  }
  return kExitOk;
}

std::function<std::optional<int>()> AddQueryCommand(CLI::App& app) {
  auto args = std::make_shared<QueryArgs>();
  auto row = std::make_shared<int64_t>(0);
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
  cmd->add_option("--with-proofs", args->proofs_dir,
                  "Write a case bundle (events, inclusion proofs, case-head proof) for every "
                  "case the answer names into this directory, with the checkpoint they prove "
                  "against (check each with verify-bundle)");
  AddServerOptions(cmd, &args->remote);
  cmd->add_option("--purpose", args->purpose,
                  "With --server: why you run the query (recorded for each case it names)");
  cmd->add_option("--min-position", args->min_position,
                  "With --server: answer from projections that folded at least this many events");
  auto* row_opt =
      cmd->add_option("--row", *row, "Print the case ids behind row N of the answer, one a line");
  return [cmd, args, row, row_opt]() -> std::optional<int> {
    if (!cmd->parsed()) return std::nullopt;
    if (row_opt->count()) {
      if (*row < 1) {
        std::cerr << "caseledger query: --row counts from 1\n";
        return kExitUsage;
      }
      args->row = static_cast<size_t>(*row);
    }
    return RunQuery(*args, std::cout, std::cerr);
  };
}

}  // namespace caseledger::cli
