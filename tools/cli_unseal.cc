// `caseledger read --unseal`: events with their personal data opened (docs/privacy.md). On a
// data directory the master key opens it, as the operator holding that key; over the network
// (cli_remote.cc) the server does, for a principal with need to know. Either way a line is the
// event as `read` prints it plus "personal" (server/privacy.h UnsealedEventLine).
#include <algorithm>
#include <ostream>

#include "server/privacy.h"
#include "tools/cli.h"
#include "tools/cli_internal.h"

namespace caseledger::cli::detail {

int CheckUnsealArgs(const ReadArgs& args, bool remote, std::ostream& err) {
  auto usage = [&](const char* why) {
    err << "caseledger read: " << why << "\n";
    return kExitUsage;
  };
  if (args.unseal && !args.case_id) {
    // Need to know is decided per case, and every opening is recorded against one case.
    return usage("--unseal opens the personal data of one case: give --case ID");
  }
  if (!args.master_key.empty() && remote) {
    return usage("--master-key is for a data directory; over --server the server holds the "
                 "key and opens the data");
  }
  if (!args.master_key.empty() && !args.unseal) {
    return usage("--master-key is used with --unseal");
  }
  return kExitOk;
}

int RunReadUnsealedLocal(const ReadArgs& args, std::ostream& out, std::ostream& err) {
  if (!args.verify_with.empty()) {
    err << "caseledger read: --verify-with checks what a server sends; on a data directory use "
           "`caseledger verify --pubkey`\n";
    return kExitUsage;
  }
  LedgerOptions options;
  options.data_dir = args.data_dir;
  options.read_only = true;
  options.create_if_missing = false;
  options.master_key_path = args.master_key;
  auto ledger = Ledger::Open(options);
  if (!ledger.ok()) return Fail(err, ledger.status());
  EventJson json;
  constexpr uint64_t kPage = 1000;
  uint64_t remaining = args.limit;
  uint64_t next = args.from_version;
  while (remaining > 0) {
    const size_t n = static_cast<size_t>(std::min(remaining, kPage));
    auto page = (*ledger)->ReadStream(*args.case_id, next, n);
    if (!page.ok()) return Fail(err, page.status());
    for (const StoredEvent& event : *page) {
      auto opened = (*ledger)->Unseal(event);
      if (!opened.ok()) return Fail(err, opened.status());
      auto line = server::UnsealedEventLine(json, EventLine(json, event, args.leaf_hash), *opened);
      if (!line.ok()) return Fail(err, line.status());
      out << *line << "\n";
    }
    if (page->size() < n) break;
    remaining -= page->size();
    next += page->size();
  }
  return kExitOk;
}

}  // namespace caseledger::cli::detail
