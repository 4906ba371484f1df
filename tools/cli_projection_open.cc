#include "tools/cli_projection_open.h"

#include <chrono>
#include <cstdio>

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

}  // namespace caseledger::cli::detail
