#include "tools/cli_projection_open.h"

#include <chrono>
#include <cstdio>
#include <iomanip>

#include "ledger/time_format.h"
#include "tools/cli_internal.h"

namespace caseledger::cli::detail {

using projections::ProjectionStore;

int64_t NowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Result<int64_t> ParseTime(const std::string& text) {
  if (text.empty() || text == "now") return NowMicros();
  if (text.size() == 10) return ParseRfc3339(text + "T00:00:00Z");
  return ParseRfc3339(text);
}

Result<Opened> OpenProjections(const std::string& data_dir, std::ostream& err, bool progress) {
  Opened o;
  auto ledger = detail::OpenReadOnly(data_dir);
  if (!ledger.ok()) return ledger.status();
  o.ledger = std::move(*ledger);
  projections::StoreOptions options;
  if (progress) {
    options.progress = [&err](uint64_t reached, uint64_t target) {
      err << "\rprojections: " << reached << " / " << target << " events" << std::flush;
      if (reached >= target) err << "\n";
    };
  }
  auto store = ProjectionStore::Open(*o.ledger, options);
  if (!store.ok() && store.status().code() == Status::Code::kBusy) {
    options.read_only = true;
    store = ProjectionStore::Open(*o.ledger, options);
    if (!store.ok()) return store.status();
    o.store = std::move(*store);
    return o;
  }
  if (!store.ok()) return store.status();
  o.store = std::move(*store);
  auto reached = o.store->CatchUp();
  if (!reached.ok()) return reached.status();
  o.caught_up = true;
  return o;
}

std::string JsonString(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

void PrintTimelineTable(const projections::CaseState& state, int64_t as_of, std::ostream& out) {
  const auto obligations = state.compliance.Obligations();
  if (obligations.empty()) {
    out << "no obligations: no rule pack in force for this case, or nothing triggered one\n";
    return;
  }
  out << std::left << std::setw(6) << "rule" << std::setw(4) << "" << std::setw(10) << "status"
      << std::setw(34) << "due" << std::setw(34) << "met at" << std::setw(30) << "accountable"
      << "tag\n";
  for (const auto& o : obligations) {
    const std::string due = o.due_at ? state.calendar.FormatLocal(*o.due_at) : "-";
    const std::string met = o.satisfied_at ? state.calendar.FormatLocal(*o.satisfied_at) : "-";
    out << std::left << std::setw(6) << o.rule_id << std::setw(4) << o.jurisdiction
        << std::setw(10) << o.StatusAsOf(as_of) << std::setw(34) << due << std::setw(34) << met
        << std::setw(30)
        << (o.accountable_agency.empty() ? o.accountable_role : o.accountable_agency)
        << compliance::TagName(o.tag) << (o.uncertain ? " [?]" : "") << "\n";
    if (!o.detail.empty()) out << "      " << o.detail << "\n";
  }
}

}  // namespace caseledger::cli::detail
