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

namespace {

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

}  // namespace

std::shared_ptr<spdlog::logger> StderrLogger() {
  auto logger = std::make_shared<spdlog::logger>("caseledger",
                                                 std::make_shared<spdlog::sinks::stderr_sink_mt>());
  logger->set_level(spdlog::level::warn);
  logger->set_pattern("caseledger: %l: %v");
  return logger;
}

int RunAppend(const AppendArgs& args, std::istream& in, std::ostream& out, std::ostream& err) {
  auto expect = ParseExpect(args.expect);
  if (!expect.ok()) return Fail(err, expect.status());
  std::ifstream file;
  std::istream* src = &in;
  if (args.input != "-") {
    file.open(args.input);
    if (!file) {
      err << "caseledger: cannot read " << args.input << "\n";
      return kExitUsage;
    }
    src = &file;
  }
  EventJson json;
  std::vector<std::unique_ptr<capnp::MallocMessageBuilder>> messages;
  std::vector<schema::Event::Reader> events;
  std::string line;
  size_t line_no = 0;
  while (std::getline(*src, line)) {
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    auto msg = std::make_unique<capnp::MallocMessageBuilder>();
    Status s = json.ParseEvent(line, msg->initRoot<schema::Event>());
    if (!s.ok()) return Fail(err, s.WithContext("line " + std::to_string(line_no)));
    messages.push_back(std::move(msg));
  }
  if (messages.empty()) {
    err << "caseledger: no events on the input (one JSON object per line)\n";
    return kExitUsage;
  }
  for (auto& m : messages) events.push_back(m->getRoot<schema::Event>().asReader());
  std::string case_id = args.case_id.empty() ? events.front().getCaseId().cStr() : args.case_id;

  LedgerOptions o;
  o.data_dir = args.data_dir;
  o.logger = StderrLogger();
  o.signing_key_path = args.signing_key;
  if (o.signing_key_path.empty()) {
    if (const char* env = std::getenv("CASELEDGER_SIGNING_KEY")) o.signing_key_path = env;
  }
  o.checkpoint_origin = args.origin;
  auto ledger = Ledger::Open(o);
  if (!ledger.ok()) return Fail(err, ledger.status());
  auto r = (*ledger)->Append(case_id, *expect, events);
  if (!r.ok()) return Fail(err, r.status());
  out << "{\"caseId\":\"" << case_id << "\",\"positions\":[";
  for (size_t i = 0; i < r->positions.size(); ++i) out << (i ? "," : "") << r->positions[i];
  out << "],\"firstVersion\":" << r->first_version
      << ",\"headVersion\":" << r->head_version << ",\"recordedAt\":\""
      << FormatRfc3339(r->recorded_at) << "\",\"deduplicated\":"
      << (r->deduplicated ? "true" : "false") << "}\n";
  return kExitOk;
}

int RunRead(const ReadArgs& args, std::ostream& out, std::ostream& err) {
  if (args.case_id.has_value() == args.from_position.has_value()) {
    err << "caseledger read: give either --case ID or --from-position P\n";
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
    for (const auto& ev : *page) {
      std::string line = json.Format(ev.reader());
      // The leaf hash is not a field of the event (it is computed from it): added in front, so
      // that a reader can match the event to `prove inclusion`'s leafHash.
      if (args.leaf_hash) line.insert(1, "\"leafHash\":\"" + ToHex(LeafHash(ev.bytes())) + "\",");
      out << line << "\n";
    }
    if (page->size() < n) break;
    remaining -= page->size();
    next += page->size();
  }
  return kExitOk;
}

int RunStat(const StatArgs& args, std::ostream& out, std::ostream& err) {
  auto ledger = OpenReadOnly(args.data_dir);
  if (!ledger.ok()) return Fail(err, ledger.status());
  auto st = (*ledger)->Stats();
  if (!st.ok()) return Fail(err, st.status());
  const std::string last = st->last_recorded_at ? FormatRfc3339(st->last_recorded_at) : "";
  if (args.json) {
    out << "{\"events\":" << st->event_count << ",\"cases\":" << st->stream_count
        << ",\"lastRecordedAt\":" << (last.empty() ? "null" : "\"" + last + "\"")
        << ",\"diskBytes\":" << st->disk_bytes << "}\n";
  } else {
    out << "data directory   " << args.data_dir << "\n"
        << "events           " << st->event_count << "\n"
        << "cases            " << st->stream_count << "\n"
        << "last recorded at " << (last.empty() ? "-" : last) << "\n"
        << "on disk          " << st->disk_bytes / 1024 << " KiB\n";
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
  auto summary = synthetic::GenerateInto(args.data_dir, o);
  if (!args.quiet) err << "\n";
  if (!summary.ok()) return Fail(err, summary.status());
  out << "generated " << summary->cases << " cases, " << summary->events << " events in "
      << args.data_dir << " (manifest: " << summary->manifest_path << ")\n";
  return kExitOk;
}

}  // namespace caseledger::cli
