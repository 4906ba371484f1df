// `caseledger keys new` and `caseledger keys rotate` (tools/cli_keys.h).
#include "tools/cli_keys.h"

#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>
#include <ostream>

#include "ledger/keys.h"
#include "ledger/ledger.h"
#include "tools/cli.h"
#include "tools/cli_internal.h"

namespace caseledger::cli {

int RunKeysNew(const KeysNewArgs& args, std::ostream& out, std::ostream& err) {
  auto key = MasterKey::Generate();
  if (!key.ok()) return detail::Fail(err, key.status());
  Status s = key->SaveToFile(args.out);
  if (!s.ok()) return detail::Fail(err, s);
  out << "master key " << args.out << " (mode 0600), fingerprint " << key->fingerprint_hex()
      << "\nkeep it outside the data directory, and a copy where the data's backups are not\n";
  return kExitOk;
}

int RunKeysRotate(const KeysRotateArgs& args, std::ostream& out, std::ostream& err) {
  LedgerOptions o;
  o.data_dir = args.data_dir;
  o.create_if_missing = false;
  o.master_key_path = args.master_key;
  o.logger = StderrLogger();
  auto ledger = Ledger::Open(o);
  if (!ledger.ok()) return detail::Fail(err, ledger.status());
  const std::string before = (*ledger)->MasterKeyFingerprint();
  Status s = (*ledger)->RotateMasterKey(args.new_master_key);
  if (!s.ok()) return detail::Fail(err, s);
  out << "master key rotated: " << before << " -> " << (*ledger)->MasterKeyFingerprint()
      << "\nfrom now on open " << args.data_dir << " with --master-key " << args.new_master_key
      << "; the old key file opens nothing and can be destroyed\n";
  return kExitOk;
}

std::function<std::optional<int>()> AddKeysCommands(CLI::App& app) {
  auto* keys = app.add_subcommand(
      "keys", "Master key files that wrap the children's data keys (docs/storage_format.md)");
  keys->require_subcommand(1);
  auto new_args = std::make_shared<KeysNewArgs>();
  auto* new_cmd = keys->add_subcommand(
      "new", "Make a master key file (32 random bytes as hex, mode 0600; never overwritten)");
  new_cmd->add_option("--out", new_args->out, "Key file to create, outside any data directory")
      ->required();
  auto rotate_args = std::make_shared<KeysRotateArgs>();
  auto* rotate_cmd = keys->add_subcommand(
      "rotate",
      "Rewrap every data key under a new master key in one atomic write; events are "
      "untouched. Stop the server first (the directory must not be open)");
  rotate_cmd->add_option("--data", rotate_args->data_dir, "Data directory")->required();
  rotate_cmd->add_option("--master-key", rotate_args->master_key,
                         "The current master key file (default $CASELEDGER_MASTER_KEY_FILE, "
                         "else DIR.master-key beside the data)");
  rotate_cmd
      ->add_option("--new-master-key", rotate_args->new_master_key,
                   "The new master key file, from `caseledger keys new`")
      ->required();
  return [=]() -> std::optional<int> {
    if (new_cmd->parsed()) return RunKeysNew(*new_args, std::cout, std::cerr);
    if (rotate_cmd->parsed()) return RunKeysRotate(*rotate_args, std::cout, std::cerr);
    return std::nullopt;
  };
}

}  // namespace caseledger::cli
