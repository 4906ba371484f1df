// The crash campaign (docs/reliability.md, "Crash campaign"): concurrent mutual-TLS appenders
// against a real caseledgerd that is killed with SIGKILL at random moments and restarted on the
// same data directory. This header holds its parts: the record of what the server
// acknowledged, the appenders (tools/crash_campaign_appender.cc) and the checks made on the
// directory after each kill (tools/crash_campaign_checks.cc).
#ifndef CASELEDGER_TOOLS_CRASH_CAMPAIGN_H_
#define CASELEDGER_TOOLS_CRASH_CAMPAIGN_H_

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "ledger/hash.h"
#include "ledger/status.h"
#include "server/client.h"

namespace caseledger::crash {

// One event the server acknowledged: where it said the event went.
struct Ack {
  std::string event_id;  // 16 bytes
  std::string case_id;
  uint64_t position = 0;
  uint64_t version = 0;
};

// Counters of one cycle, reset by the campaign between cycles.
struct CycleCounters {
  std::atomic<uint64_t> appends_acked{0};
  std::atomic<uint64_t> events_acked{0};
  std::atomic<uint64_t> retries{0};        // attempts that repeated a batch's ids
  std::atomic<uint64_t> deduplicated{0};   // retries answered with the stored positions
  std::atomic<uint64_t> deduplicated_exact{0};  // of which with an exact expected version
  std::atomic<int64_t> first_ack_nanos{0}; // steady clock of the cycle's first ack; 0: none
};

// What every appender shares: the acknowledgements, the ids sent but never acknowledged, and
// the first violation an appender saw. Thread-safe.
class Record {
 public:
  void Acked(std::vector<Ack> acks, const std::vector<std::string>& ids);
  void Sent(const std::vector<std::string>& ids);
  void Violation(const std::string& what);
  // A checkpoint note the server handed a client; checked after the next kill.
  void SawCheckpoint(std::string note);

  std::vector<Ack> acks() const;
  std::set<std::string> unacked() const;
  std::string violation() const;
  // The notes seen since the last call.
  std::vector<std::string> TakeCheckpoints();
  CycleCounters& counters() { return counters_; }

 private:
  mutable std::mutex mu_;
  std::vector<Ack> acks_;            // GUARDED_BY(mu_)
  std::set<std::string> unacked_;    // GUARDED_BY(mu_)
  std::string violation_;            // GUARDED_BY(mu_)
  std::vector<std::string> notes_;   // GUARDED_BY(mu_)
  CycleCounters counters_;
};

struct AppenderOptions {
  server::ClientOptions client;  // server address set by SetServer
  std::string agency_id;         // the principal's agency, as the events name it
  bool barnahus = false;         // agency role BARNAHUS, else CHILD_PROTECTION
  size_t index = 0;              // distinguishes ids and case ids
  size_t cases = 3;              // cases this appender writes, in turn
  size_t max_batch = 4;          // events per append: 1..max_batch
  // Append with the exact version the appender last had acknowledged for the case (no stream
  // for a new case) instead of "any": a retry of a batch that was stored must then still be
  // answered with its positions, not with a conflict.
  bool exact_versions = false;
  uint64_t seed = 1;
};

// One appender thread: appends batches of case conferences to its own cases with expected
// version "any" or exact (AppenderOptions::exact_versions). A batch whose append fails or goes unanswered is retried with the same event
// ids (after reconnecting) until it is acknowledged; only then is the next batch built. A
// refusal that a retry cannot cure (invalid argument, conflict, permission) is a violation.
class Appender {
 public:
  Appender(AppenderOptions options, Record* record);
  ~Appender();
  Appender(const Appender&) = delete;
  Appender& operator=(const Appender&) = delete;

  // Pause and Resume are called by the campaign thread. Pause returns once the appender has
  // finished its current attempt (a killed server answers it at once with an error).
  void SetServer(const std::string& address);
  void Resume();
  void Pause();

 private:
  struct Batch;
  void Run();
  void Attempt();
  std::unique_ptr<Batch> NextBatch();

  AppenderOptions options_;
  Record* record_;
  std::mutex mu_;
  std::string address_;               // GUARDED_BY(mu_)
  std::atomic<bool> run_{false};
  std::atomic<bool> idle_{true};
  std::atomic<bool> stop_{false};
  std::unique_ptr<server::Client> client_;  // appender thread only
  std::unique_ptr<Batch> pending_;          // appender thread only
  uint64_t next_id_ = 0;
  std::map<std::string, uint64_t> heads_;   // case -> acknowledged head version; thread only
  uint64_t rng_;
  std::thread thread_;
};

// What the campaign has learned of the log's checkpoints: the root of every tree size a
// verified checkpoint named. A later checkpoint must agree with all of them.
struct CheckpointHistory {
  std::map<uint64_t, Hash256> roots;
};

struct DirectoryReport {
  uint64_t events = 0;           // the ledger's size
  uint64_t unacked_present = 0;  // ids sent, never acknowledged, found stored (once each)
  uint64_t checkpoints = 0;      // distinct checkpoint sizes known so far
  uint64_t newest_checkpoint = 0;
  std::vector<std::string> violations;
};

// Opens `data_dir` read-only (no server may write it meanwhile) and checks it: positions
// 0..size-1 with no gap, no event id stored twice, every ack in `acks` at its position and
// version in its case, every stored checkpoint and every note in `seen` (handed to clients)
// signed by the ledger's key and its root equal to the tree's, each size's root equal to what
// `history` recorded, and a consistency proof from every known size to the newest that
// verifies. `history` gains the checkpoints found.
DirectoryReport CheckDirectory(const std::string& data_dir, const std::vector<Ack>& acks,
                               const std::set<std::string>& unacked,
                               const std::vector<std::string>& seen, CheckpointHistory* history);

}  // namespace caseledger::crash

#endif  // CASELEDGER_TOOLS_CRASH_CAMPAIGN_H_
