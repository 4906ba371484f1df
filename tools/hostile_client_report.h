// The results of tools/hostile_client.cc, per phase, and how they are printed and checked.
#ifndef CASELEDGER_TOOLS_HOSTILE_CLIENT_REPORT_H_
#define CASELEDGER_TOOLS_HOSTILE_CLIENT_REPORT_H_

#include <atomic>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "tools/hostile_client_attacks.h"
#include "tools/soak_util.h"

namespace caseledger::bench {

struct PhaseResult {
  std::string name;
  std::vector<AttackReport> reports;
  int64_t rss_before_kib = 0;
  std::atomic<int64_t> rss_peak_kib{0};
  int64_t rss_after_kib = 0;
  LatencyRecorder good;    // the well-behaved client during the phase
  WindowStats good_stats;  // taken from `good` at the end
  bool alive = false;      // the same server process exists after the phase
  bool answers = false;    // and a new client gets a status reply
  std::string answer_error;
};

struct PassBounds {
  double max_rss_mib;
  double latency_factor;    // p99 under attack <= factor * baseline p50 + slack
  double latency_slack_ms;
};

// Refusals the server counted (/metrics) over the run.
struct ServerCounts {
  double connections_refused = 0;
  double handshake_failures = 0;
  double error_replies = 0;
  bool known = false;
};
ServerCounts CountsBetween(const std::map<std::string, double>& before,
                           const std::map<std::string, double>& after);

// Prints a table per phase and checks each phase's figures; true when every check holds.
bool PrintPhases(FILE* out, const std::vector<PhaseResult>& phases, const PassBounds& bounds);

// Counts the server log's refusal lines by kind against the server's own counts and what the
// attacks saw, and looks for the marker; true when every refusal is logged and the marker is
// absent.
bool PrintLogChecks(FILE* out, const std::vector<PhaseResult>& phases, const ServerCounts& counts,
                    const std::string& log, const std::string& marker);

}  // namespace caseledger::bench

#endif  // CASELEDGER_TOOLS_HOSTILE_CLIENT_REPORT_H_
