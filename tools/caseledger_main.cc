// caseledger: the command-line tool. A thin main over tools/cli.h.
#include <CLI/CLI.hpp>

#include <iostream>

#include "tools/cli.h"
#include "tools/cli_export.h"
#include "tools/cli_keys.h"
#include "tools/cli_options.h"
#include "tools/cli_projections.h"
#include "tools/cli_replay.h"
#include "tools/cli_rules.h"
#include "tools/dev_certs.h"


int main(int argc, char** argv) {
  using namespace caseledger::cli;
  CLI::App app{
      "caseledger: the tamper-evident case ledger for child-protection oversight.\n"
      "Works on a data directory (--data DIR) or, for append, read, stat, checkpoint, prove and\n"
      "subscribe, on a caseledgerd server (--server HOST:PORT with a client certificate)."};
  app.require_subcommand(1);
  app.set_help_all_flag("--help-all", "Show help for every subcommand");

  AppendArgs append;
  auto* append_cmd = app.add_subcommand(
      "append",
      "Append events to one case, atomically. Input: one JSON event object per line (schema "
      "field names; ids as hex; times as RFC 3339). All lines form one append.");
  append_cmd->add_option("--data", append.data_dir, "Data directory (created when missing)");
  AddServerOptions(append_cmd, &append.remote);
  append_cmd->add_option("--case", append.case_id, "Case id (default: the events' caseId)");
  append_cmd->add_option("--expect", append.expect,
                         "Expected version of the case: any, none (the case must not exist), "
                         "or the version of its newest event")
      ->capture_default_str();
  append_cmd->add_option("input", append.input, "File of JSON lines, or - for standard input")
      ->capture_default_str();
  append_cmd->add_option("--signing-key", append.signing_key,
                         "Checkpoint signing key file from `caseledger keygen` (or set "
                         "CASELEDGER_SIGNING_KEY); default: a development key beside the data "
                         "directory, made on first use");
  append_cmd->add_option("--origin", append.origin,
                         "Checkpoint origin when the ledger is created, e.g. "
                         "ledger.ombudsman.example/children (the key's name should match)");
  append_cmd->add_option("--master-key", append.master_key,
                         "Master key file that wraps the children's data keys (`caseledger keys "
                         "new`; or set CASELEDGER_MASTER_KEY_FILE); default: a development key "
                         "beside the data directory, made on first use");

  ReadArgs read;
  uint64_t from_position = 0;
  std::string read_case;
  auto* read_cmd = app.add_subcommand(
      "read", "Print events as JSON lines: a case (--case) or the global log (--from-position)");
  read_cmd->add_option("--data", read.data_dir, "Data directory");
  AddServerOptions(read_cmd, &read.remote);
  read_cmd->add_option("--purpose", read.purpose,
                       "With --server (required there): why you read the data; the server "
                       "records it with who you are");
  read_cmd->add_option("--verify-with", read.verify_with,
                       "With --server: a verifier key (as `stat --data` or keygen print it) or a "
                       "file holding one; every event read must be in the newest checkpoint "
                       "signed by it, else exit 1");
  auto* case_opt = read_cmd->add_option("--case", read_case, "Case id, as `read` prints it in caseId");
  auto* pos_opt = read_cmd->add_option("--from-position", from_position,
                                       "Read the global log from this position (0 is the first event)");
  read_cmd->add_option("--from-version", read.from_version, "With --case: first stream version")
      ->capture_default_str();
  read_cmd->add_option("--limit", read.limit, "At most this many events")->capture_default_str();
  read_cmd->add_flag("--leaf-hash", read.leaf_hash,
                     "Add each event's Merkle leaf hash as \"leafHash\" (hex), to match it with "
                     "a proof from `prove inclusion` (whose leafHash is base64)");
  read_cmd->add_flag("--unseal", read.unseal,
                     "With --case: add each event's personal data as \"personal\" (schema field "
                     "names), or \"erased\"; over --server only for a principal with need to "
                     "know, with --purpose, and recorded (docs/privacy.md)");
  read_cmd->add_option("--master-key", read.master_key,
                       "With --data --unseal: the master key file (default "
                       "$CASELEDGER_MASTER_KEY_FILE, else DIR.master-key beside the data)");
  case_opt->excludes(pos_opt);

  StatArgs stat;
  auto* stat_cmd = app.add_subcommand(
      "stat", "Counts of events and cases in a data directory and its verifier key; or a "
              "server's status");
  stat_cmd->add_option("--data", stat.data_dir, "Data directory");
  AddServerOptions(stat_cmd, &stat.remote);
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
      "seed and arguments give the same events (sealed personal data aside: it is encrypted under "
      "random keys). Writes DIR/generator-manifest.json listing, "
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
  gen_cmd->add_flag("--no-rule-packs", gen.no_rule_packs,
                    "Do not activate the shipped compliance rule packs before the cases");

  KeygenArgs keygen;
  auto* keygen_cmd = app.add_subcommand(
      "keygen",
      "Make an Ed25519 checkpoint signing key: the private key file (mode 0600; keep it outside "
      "the data directory) and FILE.pub with the verifier key that auditors pin");
  keygen_cmd->add_option("--out", keygen.out, "Private key file to create (never overwritten)")->required();
  keygen_cmd->add_option("--name", keygen.name,
                         "Key name: the checkpoint origin, e.g. ledger.ombudsman.example/children")
      ->required();

  CheckpointArgs checkpoint;
  uint64_t checkpoint_size = 0;
  auto* checkpoint_cmd = app.add_subcommand("checkpoint", "Print a stored signed checkpoint");
  checkpoint_cmd->add_option("--data", checkpoint.data_dir, "Data directory");
  AddServerOptions(checkpoint_cmd, &checkpoint.remote);
  checkpoint_cmd->add_option("--verify-with", checkpoint.verify_with,
                             "With --server: a verifier key or a file holding one; the "
                             "checkpoint must be signed by it, else exit 1");
  checkpoint_cmd->add_option("--trusted", checkpoint.trusted,
                             "With --verify-with: a checkpoint saved earlier; the newest must "
                             "extend it (consistency proof checked here), else exit 1");
  auto* checkpoint_size_opt =
      checkpoint_cmd->add_option("--size", checkpoint_size, "Tree size (default: the newest)");

  auto* prove_cmd = app.add_subcommand("prove", "Print a Merkle proof as JSON (RFC 6962 vector fields)");
  prove_cmd->require_subcommand(1);
  ProveInclusionArgs inclusion;
  uint64_t inclusion_size = 0;
  auto* inclusion_cmd = prove_cmd->add_subcommand(
      "inclusion", "Prove that the event at a global position is in the tree");
  inclusion_cmd->add_option("--data", inclusion.data_dir, "Data directory");
  AddServerOptions(inclusion_cmd, &inclusion.remote);
  inclusion_cmd->add_option("--leaf-hash", inclusion.leaf_hash,
                            "The event's leaf hash (hex, from `read --leaf-hash`); over the "
                            "network, this or --purpose is needed");
  inclusion_cmd->add_option("--purpose", inclusion.purpose,
                            "With --server: read the event to hash it, recorded with this "
                            "purpose");
  inclusion_cmd->add_option("--position", inclusion.position, "Global position (0 = first event)")->required();
  auto* inclusion_size_opt = inclusion_cmd->add_option(
      "--size", inclusion_size,
      "Tree size; default: the newest signed checkpoint, whose text is included");
  ProveConsistencyArgs consistency;
  uint64_t consistency_to = 0;
  auto* consistency_cmd = prove_cmd->add_subcommand(
      "consistency", "Prove that the tree of size N1 is a prefix of the tree of size N2");
  consistency_cmd->add_option("--data", consistency.data_dir, "Data directory");
  AddServerOptions(consistency_cmd, &consistency.remote);
  consistency_cmd->add_option("--from", consistency.from, "N1, the older tree size (> 0)")->required();
  auto* consistency_to_opt = consistency_cmd->add_option(
      "--to", consistency_to, "N2, the newer tree size; default: the newest signed checkpoint");

  SubscribeArgs subscribe;
  uint64_t subscribe_limit = 0;
  auto* subscribe_cmd = app.add_subcommand(
      "subscribe",
      "Follow a server's global log: print events as JSON lines (as `read` does) from a "
      "position, catching up, then live as they are appended. Runs until --limit events or "
      "Ctrl-C");
  AddServerOptions(subscribe_cmd, &subscribe.remote);
  subscribe_cmd->add_option("--from", subscribe.from_position, "First global position")
      ->capture_default_str();
  subscribe_cmd->add_option("--purpose", subscribe.purpose,
                            "Why you read the data (required; the server records it)");
  subscribe_cmd->add_option("--credit", subscribe.credit,
                            "Events the server may send ahead of what is printed")
      ->capture_default_str();
  auto* subscribe_limit_opt =
      subscribe_cmd->add_option("--limit", subscribe_limit, "Stop after this many events");
  subscribe_cmd->add_flag("--leaf-hash", subscribe.leaf_hash,
                          "Add each event's Merkle leaf hash as \"leafHash\" (hex)");
  subscribe_cmd->add_option("--wait", subscribe.wait_seconds,
                            "Give up (exit 1) when no event arrives for this many seconds; "
                            "0 waits for ever")
      ->capture_default_str();

  VerifyArgs verify;
  auto* verify_cmd = app.add_subcommand(
      "verify",
      "Check a whole data directory from the raw data, trusting no stored hash: every leaf, the "
      "tree, every checkpoint and its signature, the stream, head and idempotency indexes. Works "
      "while a server holds the directory. Exit 0 intact, 1 corrupt (one line per finding on "
      "stderr), 2 cannot run");
  verify_cmd->add_option("--data", verify.data_dir, "Data directory")->required();
  verify_cmd->add_option("--pubkey", verify.pubkey_file,
                         "Verifier key file to pin (from keygen: FILE.pub); default: the key "
                         "recorded with the data, which only shows the data agrees with itself");
  verify_cmd->add_flag("--quiet", verify.quiet, "No progress line");

  ExportArgs export_args;
  auto* export_cmd = app.add_subcommand(
      "export", "Write one case's events with their proofs and the signed checkpoint to a bundle "
                "file that `verify-bundle` checks offline (docs/verification.md)");
  export_cmd->add_option("--data", export_args.data_dir, "Data directory")->required();
  export_cmd->add_option("--case", export_args.case_id, "Case id")->required();
  export_cmd->add_option("--out", export_args.out_file, "Bundle file to write")->required();
  export_cmd->add_option("--signing-key", export_args.signing_key,
                         "Checkpoint signing key file (default: $CASELEDGER_SIGNING_KEY or the "
                         "development key)");

  VerifyBundleArgs verify_bundle;
  auto* verify_bundle_cmd = app.add_subcommand(
      "verify-bundle", "Check a case bundle offline: signature, every event, completeness. "
                       "Exit 0 intact, 1 corrupt, 2 cannot run");
  verify_bundle_cmd->add_option("bundle", verify_bundle.bundle_file, "Bundle file (from export)")
      ->required();
  verify_bundle_cmd->add_option("--pubkey", verify_bundle.pubkey_file,
                                "Verifier key file of the ledger (keygen's FILE.pub); without "
                                "it the key inside the bundle is trusted");

  VerifyProofArgs verify_proof;
  auto* verify_proof_cmd = app.add_subcommand(
      "verify-proof",
      "Check a proof offline against a signed checkpoint and a pinned verifier key; no data "
      "directory needed. Exit 0 valid, 1 invalid, 2 cannot run");
  verify_proof_cmd->add_option("proof", verify_proof.proof_file, "Proof JSON file (from `prove`)")->required();
  verify_proof_cmd->add_option("--checkpoint", verify_proof.checkpoint_file, "Signed checkpoint file")->required();
  verify_proof_cmd->add_option("--pubkey", verify_proof.pubkey_file, "Verifier key file (from keygen: FILE.pub)")->required();

  caseledger::tools::CertsArgs certs;
  auto* certs_cmd = app.add_subcommand(
      "certs",
      "DEVELOPMENT ONLY: make a CA, a localhost server certificate, one client certificate per "
      "development principal (keys mode 0600) and a caseledgerd.toml that uses them. Never "
      "replaces files already there");
  certs_cmd->add_option("--out", certs.out_dir, "Directory to write into (created when missing)")
      ->required();
  certs_cmd->add_option("--days", certs.days, "Validity in days (1..36500)")->capture_default_str();

  RulesArgs rules;
  auto* rules_cmd = app.add_subcommand("rules", "The compliance rule packs (docs/compliance.md)");
  rules_cmd->require_subcommand(1);
  auto* rules_list_cmd = rules_cmd->add_subcommand(
      "list", "One row per rule, jurisdiction and limit: id, jurisdiction, kind, limit, tag, source");
  rules_list_cmd->add_flag("--json", rules.json, "Print a JSON array");
  rules_list_cmd->add_option("--rules", rules.rules_dir,
                             "Directory of rule packs (default: the shipped packs)");
  auto* rules_check_cmd = rules_cmd->add_subcommand(
      "check", "Validate a rule pack; errors as FILE:LINE:COLUMN: message. Exit 0 valid, 1 not");
  rules_check_cmd->add_option("file", rules.file, "Rule pack (TOML)")->required();
  rules_check_cmd->add_option("--rules", rules.rules_dir,
                              "Directory whose baseline a national pack is checked against");
  RulesActivateArgs activate;
  auto* rules_activate_cmd = rules_cmd->add_subcommand(
      "activate",
      "Put rule packs in force: append a rulePackActivated event carrying each pack's text "
      "(stop the server first, or append the event over the network as admin)");
  rules_activate_cmd->add_option("--data", activate.data_dir, "Data directory")->required();
  rules_activate_cmd->add_option("files", activate.files, "Rule pack files (TOML)")->required();
  rules_activate_cmd->add_option("--effective-from", activate.effective_from,
                                 "When the packs apply (RFC 3339 or date; default now). Only "
                                 "the first version of a pack may apply from the past");
  rules_activate_cmd->add_option("--signing-key", activate.signing_key,
                                 "Checkpoint signing key file (default: the development key)");
  rules_activate_cmd->add_option("--actor", activate.actor, "Who decided (pseudonymous id)");

  auto run_projection_command = AddProjectionCommands(app);
  auto run_replay_command = AddReplayCommand(app);
  auto run_keys_command = AddKeysCommands(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? kExitOk : kExitUsage;
  }

  if (auto code = run_projection_command()) return *code;
  if (auto code = run_replay_command()) return *code;
  if (auto code = run_keys_command()) return *code;
  if (append_cmd->parsed()) return RunAppend(append, std::cin, std::cout, std::cerr);
  if (read_cmd->parsed()) {
    if (case_opt->count()) read.case_id = read_case;
    if (pos_opt->count()) read.from_position = from_position;
    return RunRead(read, std::cout, std::cerr);
  }
  if (stat_cmd->parsed()) return RunStat(stat, std::cout, std::cerr);
  if (show_cmd->parsed()) return RunShow(show, std::cout, std::cerr);
  if (keygen_cmd->parsed()) return RunKeygen(keygen, std::cout, std::cerr);
  if (checkpoint_cmd->parsed()) {
    if (checkpoint_size_opt->count()) checkpoint.size = checkpoint_size;
    return RunCheckpoint(checkpoint, std::cout, std::cerr);
  }
  if (inclusion_cmd->parsed()) {
    if (inclusion_size_opt->count()) inclusion.size = inclusion_size;
    return RunProveInclusion(inclusion, std::cout, std::cerr);
  }
  if (consistency_cmd->parsed()) {
    if (consistency_to_opt->count()) consistency.to = consistency_to;
    return RunProveConsistency(consistency, std::cout, std::cerr);
  }
  if (subscribe_cmd->parsed()) {
    if (subscribe_limit_opt->count()) subscribe.limit = subscribe_limit;
    return RunSubscribe(subscribe, std::cout, std::cerr);
  }
  if (verify_cmd->parsed()) return RunVerify(verify, std::cout, std::cerr);
  if (verify_proof_cmd->parsed()) return RunVerifyProof(verify_proof, std::cout, std::cerr);
  if (export_cmd->parsed()) return RunExport(export_args, std::cout, std::cerr);
  if (verify_bundle_cmd->parsed()) return RunVerifyBundle(verify_bundle, std::cout, std::cerr);
  if (certs_cmd->parsed()) return caseledger::tools::RunCerts(certs, std::cout, std::cerr);
  if (rules_list_cmd->parsed()) return RunRulesList(rules, std::cout, std::cerr);
  if (rules_check_cmd->parsed()) return RunRulesCheck(rules, std::cout, std::cerr);
  if (rules_activate_cmd->parsed()) return RunRulesActivate(activate, std::cout, std::cerr);
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
