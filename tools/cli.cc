#include "tools/cli.h"
#include "tools/cli_internal.h"

#include <capnp/message.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "ledger/event_json.h"
#include "ledger/hash.h"
#include "ledger/ledger.h"
#include "ledger/clock.h"
#include "ledger/time_format.h"
#include "tools/synthetic.h"

namespace caseledger::cli {

using detail::Fail;
using detail::OpenReadOnly;

namespace detail {

Result<ExpectedVersion> ParseExpect(const std::string& s) {
  if (s == "any") return ExpectedVersion::Any();
  if (s == "none") return ExpectedVersion::NoStream();
  try {
    size_t used = 0;
    uint64_t v = std::stoull(s, &used);
    if (used == s.size()) return ExpectedVersion::Exact(v);
  } catch (...) {
  }
  return Status::InvalidArgument("--expect takes any, none or a version number, not \"" + s + "\"");
}

Target ChooseTarget(const std::string& data_dir, const ServerArgs& remote, const char* command,
                    std::ostream& err) {
  const bool server_options = !remote.ca_file.empty() || !remote.cert_file.empty() ||
                              !remote.key_file.empty() || !remote.tls_dir.empty() ||
                              !remote.as.empty() || !remote.plain_dev.empty();
  if (!data_dir.empty() && !remote.server.empty()) {
    err << "caseledger " << command << ": give either --data DIR or --server HOST:PORT, not both\n";
    return Target::kBad;
  }
  if (remote.server.empty()) {
    if (server_options) {
      err << "caseledger " << command
          << ": --ca, --cert, --key, --tls-dir, --as and --plain-dev need --server HOST:PORT\n";
      return Target::kBad;
    }
    if (data_dir.empty()) {
      err << "caseledger " << command
          << ": give --data DIR (a data directory) or --server HOST:PORT (a caseledgerd)\n";
      return Target::kBad;
    }
    return Target::kLocal;
  }
  return Target::kRemote;
}

Result<ParsedEvents> ParseEventLines(const std::string& input, std::istream& in) {
  std::ifstream file;
  std::istream* src = &in;
  if (input != "-") {
    file.open(input);
    if (!file) return Status::NotFound("cannot read " + input);
    src = &file;
  }
  EventJson json;
  ParsedEvents parsed;
  std::string line;
  size_t line_no = 0;
  while (std::getline(*src, line)) {
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    auto msg = std::make_unique<capnp::MallocMessageBuilder>();
    Status s = json.ParseEvent(line, msg->initRoot<schema::Event>());
    if (!s.ok()) return s.WithContext("line " + std::to_string(line_no));
    parsed.messages.push_back(std::move(msg));
  }
  if (parsed.messages.empty()) {
    return Status::InvalidArgument("no events on the input (one JSON object per line)");
  }
  for (auto& m : parsed.messages) parsed.events.push_back(m->getRoot<schema::Event>().asReader());
  return parsed;
}

std::string AppendResultJson(const std::string& case_id, const AppendResult& r) {
  std::ostringstream out;
  out << "{\"caseId\":\"" << case_id << "\",\"positions\":[";
  for (size_t i = 0; i < r.positions.size(); ++i) out << (i ? "," : "") << r.positions[i];
  out << "],\"firstVersion\":" << r.first_version << ",\"headVersion\":" << r.head_version
      << ",\"recordedAt\":\"" << FormatRfc3339(r.recorded_at)
      << "\",\"deduplicated\":" << (r.deduplicated ? "true" : "false") << "}";
  return out.str();
}

std::string EventLine(const EventJson& json, const StoredEvent& event, bool leaf_hash) {
  std::string line = json.Format(event.reader());
  // The leaf hash is not a field of the event (it is computed from it): added in front, so
  // that a reader can match the event to `prove inclusion`'s leafHash.
  if (leaf_hash) line.insert(1, "\"leafHash\":\"" + ToHex(LeafHash(event.bytes())) + "\",");
  return line;
}

}  // namespace detail

using detail::ChooseTarget;
using detail::Target;

std::shared_ptr<spdlog::logger> StderrLogger() {
  auto logger = std::make_shared<spdlog::logger>("caseledger",
                                                 std::make_shared<spdlog::sinks::stderr_sink_mt>());
  logger->set_level(spdlog::level::warn);
  logger->set_pattern("caseledger: %l: %v");
  return logger;
}

int RunAppend(const AppendArgs& args, std::istream& in, std::ostream& out, std::ostream& err) {
  const Target target = ChooseTarget(args.data_dir, args.remote, "append", err);
  if (target == Target::kBad) return kExitUsage;
  if (target == Target::kRemote) return detail::RunAppendRemote(args, in, out, err);
  auto expect = detail::ParseExpect(args.expect);
  if (!expect.ok()) return Fail(err, expect.status());
  auto parsed = detail::ParseEventLines(args.input, in);
  if (!parsed.ok()) return Fail(err, parsed.status());
  const auto& events = parsed->events;
  std::string case_id = args.case_id.empty() ? events.front().getCaseId().cStr() : args.case_id;

  LedgerOptions o;
  o.data_dir = args.data_dir;
  o.logger = StderrLogger();
  o.signing_key_path = args.signing_key;
  if (o.signing_key_path.empty()) {
    if (const char* env = std::getenv("CASELEDGER_SIGNING_KEY")) o.signing_key_path = env;
  }
  o.checkpoint_origin = args.origin;
  o.master_key_path = args.master_key;
  auto ledger = Ledger::Open(o);
  if (!ledger.ok()) return Fail(err, ledger.status());
  auto r = (*ledger)->Append(case_id, *expect, events);
  if (!r.ok()) return Fail(err, r.status());
  out << detail::AppendResultJson(case_id, *r) << "\n";
  return kExitOk;
}

int RunRead(const ReadArgs& args, std::ostream& out, std::ostream& err) {
  if (args.case_id.has_value() == args.from_position.has_value()) {
    err << "caseledger read: give either --case ID or --from-position P\n";
    return kExitUsage;
  }
  const Target target = ChooseTarget(args.data_dir, args.remote, "read", err);
  if (target == Target::kBad) return kExitUsage;
  if (int code = detail::CheckUnsealArgs(args, target == Target::kRemote, err); code != kExitOk) {
    return code;
  }
  if (target == Target::kRemote) return detail::RunReadRemote(args, out, err);
  if (args.unseal) return detail::RunReadUnsealedLocal(args, out, err);
  if (!args.verify_with.empty()) {
    err << "caseledger read: --verify-with checks what a server sends; on a data directory use "
           "`caseledger verify --pubkey`\n";
    return kExitUsage;
  }
  auto ledger = OpenReadOnly(args.data_dir);
  if (!ledger.ok()) return Fail(err, ledger.status());
  EventJson json;
  // Page through so that a large --limit does not hold everything in memory at once.
  constexpr uint64_t kPage = 1000;
  uint64_t remaining = args.limit;
  uint64_t next = args.case_id ? args.from_version : *args.from_position;
  while (remaining > 0) {
    const size_t n = static_cast<size_t>(std::min(remaining, kPage));
    auto page = args.case_id ? (*ledger)->ReadStream(*args.case_id, next, n)
                             : (*ledger)->ReadLog(next, n);
    if (!page.ok()) return Fail(err, page.status());
    for (const auto& ev : *page) out << detail::EventLine(json, ev, args.leaf_hash) << "\n";
    if (page->size() < n) break;
    remaining -= page->size();
    next += page->size();
  }
  return kExitOk;
}

int RunStat(const StatArgs& args, std::ostream& out, std::ostream& err) {
  const Target target = ChooseTarget(args.data_dir, args.remote, "stat", err);
  if (target == Target::kBad) return kExitUsage;
  if (target == Target::kRemote) return detail::RunStatRemote(args, out, err);
  auto ledger = OpenReadOnly(args.data_dir);
  if (!ledger.ok()) return Fail(err, ledger.status());
  auto st = (*ledger)->Stats();
  if (!st.ok()) return Fail(err, st.status());
  const std::string last = st->last_recorded_at ? FormatRfc3339(st->last_recorded_at) : "";
  // What `read --verify-with` and `checkpoint --verify-with` pin (the ledger's newest key).
  const std::string key = (*ledger)->VerifierKeyString();
  if (args.json) {
    out << "{\"events\":" << st->event_count << ",\"cases\":" << st->stream_count
        << ",\"lastRecordedAt\":" << (last.empty() ? "null" : "\"" + last + "\"")
        << ",\"diskBytes\":" << st->disk_bytes << ",\"verifierKey\":"
        << (key.empty() ? "null" : "\"" + key + "\"") << "}\n";
  } else {
    out << "data directory   " << args.data_dir << "\n"
        << "events           " << st->event_count << "\n"
        << "cases            " << st->stream_count << "\n"
        << "last recorded at " << (last.empty() ? "-" : last) << "\n"
        << "on disk          " << st->disk_bytes / 1024 << " KiB\n"
        << "verifier key     " << (key.empty() ? "-" : key) << "\n";
  }
  return kExitOk;
}

int RunShow(const ShowArgs& args, std::ostream& out, std::ostream& err) {
  auto ledger = OpenReadOnly(args.data_dir);
  if (!ledger.ok()) return Fail(err, ledger.status());
  auto info = (*ledger)->GetStream(args.case_id);
  if (!info.ok()) return Fail(err, info.status());
  out << "case " << info->case_id << "  child " << info->child_id << "  "
      << info->head_version + 1 << " events\n\n";
  out << std::left << std::setw(5) << "ver" << std::setw(9) << "position" << std::setw(29)
      << "occurred" << std::setw(29) << "recorded" << std::setw(18) << "agency role"
      << "event\n";
  uint64_t next = 0;
  for (;;) {
    auto page = (*ledger)->ReadStream(args.case_id, next, 1000);
    if (!page.ok()) return Fail(err, page.status());
    for (const auto& ev : *page) {
      auto r = ev.reader();
      out << std::left << std::setw(5) << r.getStreamVersion() << std::setw(9)
          << r.getGlobalPosition() << std::setw(29) << FormatRfc3339(r.getOccurredAt())
          << std::setw(29) << FormatRfc3339(r.getRecordedAt()) << std::setw(18) << AgencyRoleName(r.getAgencyRole())
          << EventTypeName(r) << (r.hasSupersedes() ? "  (correction)" : "") << "\n";
    }
    if (page->size() < 1000) break;
    next += page->size();
  }
  return kExitOk;
}

int RunGen(const GenArgs& args, std::ostream& out, std::ostream& err) {
  synthetic::GeneratorOptions o;
  o.cases = args.cases;
  o.seed = args.seed;
  o.late_share = args.late_share;
  if (!(args.late_share >= 0.0 && args.late_share <= 1.0)) {
    err << "caseledger gen: --late-share must be between 0 and 1\n";
    return kExitUsage;
  }
  for (const auto& j : args.jurisdictions) {
    auto parsed = synthetic::ParseJurisdiction(j);
    if (!parsed.ok()) return Fail(err, parsed.status());
    o.jurisdictions.push_back(*parsed);
  }
  auto start = ParseRfc3339(args.start);
  if (!start.ok()) return Fail(err, start.status().WithContext("--start"));
  o.start_micros = *start;
  o.not_after_micros = SystemClock()->NowMicros();
  if (!args.quiet) {
    o.progress = [&err](uint64_t done, uint64_t total) {
      err << "\rgenerated " << done << " of " << total << " events" << std::flush;
    };
  }
  o.activate_rule_packs = !args.no_rule_packs;
  auto summary = synthetic::GenerateInto(args.data_dir, o);
  if (!args.quiet) err << "\n";
  if (!summary.ok()) return Fail(err, summary.status());
  out << "generated " << summary->cases << " cases, " << summary->events << " events"
      << (summary->rule_packs ? " after " + std::to_string(summary->rule_packs) +
                                    " rule pack activations"
                              : std::string())
      << " in "
      << args.data_dir << " (manifest: " << summary->manifest_path << ")\n";
  return kExitOk;
}

}  // namespace caseledger::cli
