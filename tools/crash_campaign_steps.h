// Steps of the crash campaign that run the project's own tools or read the live projections
// (tools/crash_campaign_steps.cc).
#ifndef CASELEDGER_TOOLS_CRASH_CAMPAIGN_STEPS_H_
#define CASELEDGER_TOOLS_CRASH_CAMPAIGN_STEPS_H_

#include <cstdint>
#include <map>
#include <string>

#include "ledger/status.h"
#include "server/client.h"

namespace caseledger::crash {

// Each projection's state digest (hex) and the position they reached.
struct Digests {
  uint64_t position = 0;
  std::map<std::string, std::string> by_name;
};

// Runs `cli verify --data DIR --quiet`, pinning DIR.checkpoint-key.pub when it exists. Empty
// when it exits 0; otherwise its exit status and output.
std::string RunVerify(const std::string& cli, const std::string& data_dir);

// Copies `data_dir` (a quiet one) and the key files beside it to `copy_dir` (replaced), runs
// `cli rebuild --data COPY --quiet` and returns the digests it prints. IOError when the copy
// or the rebuild fails, with its output.
Result<Digests> RebuildCopy(const std::string& cli, const std::string& data_dir,
                            const std::string& copy_dir);

// Asks the server (as `probe`) for its status until its projections have folded `position`
// events; Unavailable after `timeout_seconds`. Returns the last status.
Result<server::ServerStatus> WaitForProjections(const server::ClientOptions& probe,
                                                uint64_t position, int timeout_seconds);

// The digests of the projections a running server keeps in `data_dir`, read through a
// read-only open (as `caseledger timeline` reads them while a server runs).
Result<Digests> LiveDigests(const std::string& data_dir);

}  // namespace caseledger::crash

#endif  // CASELEDGER_TOOLS_CRASH_CAMPAIGN_STEPS_H_
