// The ledger event that puts a rule pack in force (docs/compliance.md, "How packs take effect").
#ifndef CASELEDGER_PROJECTIONS_PACK_ACTIVATION_H_
#define CASELEDGER_PROJECTIONS_PACK_ACTIVATION_H_

#include <capnp/message.h>

#include <cstdint>
#include <memory>
#include <string>

#include "projections/rule_pack.h"

namespace caseledger::compliance {

// The RulePackActivated event for a parsed pack and its exact text, in the ledger's own stream
// "rules:<pack id>", recorded by the system role; the envelope's jurisdiction is the pack's, EU
// for the baseline. `occurred_at` is when the operator decided it (now, for the CLI); the event
// id derives from the text and both times, so a retried append is deduplicated.
std::unique_ptr<capnp::MallocMessageBuilder> BuildActivation(const RulePack& pack,
                                                             const std::string& text,
                                                             int64_t effective_from,
                                                             const std::string& actor,
                                                             int64_t occurred_at);

}  // namespace caseledger::compliance

#endif  // CASELEDGER_PROJECTIONS_PACK_ACTIVATION_H_
