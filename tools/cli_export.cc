// `caseledger export` and `caseledger verify-bundle` (tools/cli_export.h).
#include "tools/cli_export.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "ledger/bundle.h"
#include "ledger/checkpoint.h"
#include "tools/cli_internal.h"

namespace caseledger::cli {

using detail::Fail;

namespace {

Result<std::string> ReadWhole(const std::string& path) {
  if (std::filesystem::is_directory(path)) return Status::InvalidArgument(path + " is a directory");
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("cannot read " + path);
  std::ostringstream s;
  s << in.rdbuf();
  if (in.bad()) return Status::IOError("cannot read " + path);
  return s.str();
}

// Writes `bytes` to a temporary file beside `path`, then renames it: a reader never sees half
// a bundle.
Status WriteWhole(const std::string& path, const std::string& bytes) {
  if (std::filesystem::is_directory(path)) {
    return Status::InvalidArgument("--out " + path + " is a directory; name the bundle file");
  }
  const std::string parent = std::filesystem::path(path).parent_path().string();
  if (!parent.empty() && !std::filesystem::is_directory(parent)) {
    return Status::InvalidArgument("--out " + path + ": no directory " + parent);
  }
  const std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    if (!f) return Status::IOError("cannot write " + tmp);
    f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    f.flush();
    if (!f) return Status::IOError("cannot write " + tmp);
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::filesystem::remove(tmp);
    return Status::IOError("cannot rename " + tmp + " to " + path + ": " + ec.message());
  }
  return Status::OK();
}

}  // namespace

int RunExport(const ExportArgs& args, std::ostream& out, std::ostream& err) {
  if (args.data_dir.empty() || args.case_id.empty() || args.out_file.empty()) {
    err << "caseledger export: give --data DIR, --case ID and --out FILE\n";
    return kExitUsage;
  }
  LedgerOptions o;
  o.data_dir = args.data_dir;
  o.create_if_missing = false;
  o.logger = StderrLogger();
  o.signing_key_path = args.signing_key;
  if (o.signing_key_path.empty()) {
    if (const char* env = std::getenv("CASELEDGER_SIGNING_KEY")) o.signing_key_path = env;
  }
  auto ledger = Ledger::Open(o);
  bool read_only = false;
  if (!ledger.ok() && ledger.status().code() == Status::Code::kBusy) {
    // A server holds the directory: its newest checkpoint may lag its log.
    ledger = detail::OpenReadOnly(args.data_dir);
    read_only = true;
  }
  if (!ledger.ok()) return Fail(err, ledger.status());
  if (!read_only) {
    auto fresh = (*ledger)->Checkpoint();
    if (!fresh.ok()) return Fail(err, fresh.status().WithContext("sign a fresh checkpoint"));
  }
  auto newest = (*ledger)->GetCheckpoint();
  if (!newest.ok()) return Fail(err, newest.status());
  auto cp = ParseCheckpointUnverified(*newest);
  if (!cp.ok()) return Fail(err, Status::Corruption(cp.status().message()));
  auto proofs = ProveCase(**ledger, args.case_id, cp->size);
  if (!proofs.ok()) return Fail(err, proofs.status());
  Status written = WriteWhole(args.out_file, EncodeCaseBundle(*proofs));
  if (!written.ok()) return Fail(err, written);
  if (read_only) {
    out << "note: the data directory is in use by another process, so it was opened read-only: "
           "the bundle covers the events of the newest checkpoint (size "
        << cp->size << "; the log holds " << (*ledger)->size()
        << " events); later events of the case are not in it\n";
  }
  out << "exported case \"" << args.case_id << "\": " << proofs->events.size()
      << " events (versions 0.." << proofs->events.back().version << "), checkpoint " << cp->origin
      << " size " << cp->size << ", to " << args.out_file << "\n";
  return kExitOk;
}

int RunVerifyBundle(const VerifyBundleArgs& args, std::ostream& out, std::ostream& err) {
  auto bytes = ReadWhole(args.bundle_file);
  if (!bytes.ok()) {
    err << "caseledger verify-bundle: " << bytes.status().message() << "\n";
    return kExitUsage;
  }
  std::optional<std::string> pinned;
  if (!args.pubkey_file.empty()) {
    auto pub = ReadWhole(args.pubkey_file);
    if (!pub.ok()) {
      err << "caseledger verify-bundle: " << pub.status().message() << "\n";
      return kExitUsage;
    }
    std::string text = *pub;
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    auto key = VerifierKey::Parse(text);
    if (!key.ok()) {
      err << "caseledger verify-bundle: " << args.pubkey_file
          << " does not hold a verifier key: " << key.status().message() << "\n";
      return kExitUsage;
    }
    pinned = text;
  }
  BundleReport report = VerifyBundle(*bytes, pinned);
  for (const auto& p : report.problems) err << "corrupt: " << p << "\n";
  if (!report.key.empty()) {
    if (report.used_bundle_key) {
      out << "note: no --pubkey: trusted the verifier key inside the bundle (" << report.key
          << "); pin the ledger's published key with --pubkey to rule out a forged bundle\n";
    } else {
      out << "checkpoint checked with the pinned key " << report.key << "\n";
    }
  }
  out << "case \"" << report.case_id << "\": " << report.events << " events";
  if (report.committed_head_version) {
    out << ", head version " << *report.committed_head_version;
  }
  if (report.checkpoint_size) {
    out << ", checkpoint " << report.origin << " size " << report.checkpoint_size;
  }
  out << ": " << (report.intact() ? "intact" : "CORRUPT") << "\n";
  return report.intact() ? kExitOk : kExitFailed;
}

}  // namespace caseledger::cli
