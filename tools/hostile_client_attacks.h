// The attacks of tools/hostile_client.cc, each run on its own thread against a live
// caseledgerd until told to stop. Each attack counts the connections it made and how each of
// its attempts ended ("outcomes"), and records as a violation anything the server must never
// do (accept past its limit, answer garbage with success, store a replayed append twice, let
// an agency see another agency's case). See docs/reliability.md ("Hostile clients").
#ifndef CASELEDGER_TOOLS_HOSTILE_CLIENT_ATTACKS_H_
#define CASELEDGER_TOOLS_HOSTILE_CLIENT_ATTACKS_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "server/client.h"

namespace caseledger::bench {

struct AttackTarget {
  std::string host;  // numeric IPv4
  uint16_t port = 0;
  // Options of a TLS client acting as development principal `name`.
  std::function<server::ClientOptions(const std::string& name)> client_for;
  // The server's limits, as configured (to tell a timeout from a hang).
  size_t max_connections = 0;
  size_t max_message_bytes = 0;
  int handshake_timeout_seconds = 0;
  int frame_timeout_seconds = 0;
  // Invented text put into personal data and into garbage: must never reach the server log.
  std::string marker;
  // Distinguishes the case ids of separate runs of one attack.
  int round = 0;
};

struct AttackReport {
  std::string name;
  uint64_t connections = 0;
  std::map<std::string, uint64_t> outcomes;
  std::vector<std::string> violations;
  void Count(const std::string& outcome) { ++outcomes[outcome]; }
  void Violation(const std::string& what);
};

using StopFlag = std::atomic<bool>;

// Opens `connections` TCP connections as fast as it can and holds them, sending nothing.
// Connections over max_connections must be closed by the server at once; held ones are closed
// by the handshake timeout.
AttackReport Flood(const AttackTarget& t, const StopFlag& stop, size_t connections);

// `connections` slow writers: half plain TCP that trickle a TLS record one byte at a time
// (a stalled handshake), half TLS clients past hello that announce a message of
// max_message_bytes and trickle it (a stalled frame). All must be closed by the timeouts.
AttackReport Slowloris(const AttackTarget& t, const StopFlag& stop, size_t connections);

// Random bytes (with the marker inside) on fresh connections, before TLS and after hello.
AttackReport Garbage(const AttackTarget& t, const StopFlag& stop, uint64_t seed);

// Frames with absurd sizes and pointers after hello: a length prefix of 2^32-1, 2^32 segments,
// one word over the limit, nesting far past the limit, a list pointer far out of bounds, a far
// pointer to a missing segment, and a whole max-size frame of zeros.
AttackReport Absurd(const AttackTarget& t, const StopFlag& stop);

// The same append (same event ids and content) sent again and again, on one connection and on
// fresh ones: every replay must come back deduplicated with the original positions, and the
// case must hold the events once.
AttackReport Replay(const AttackTarget& t, const StopFlag& stop);

// Requests for a case of another agency and operations outside one's role: every one must be
// refused with permissionDenied.
AttackReport Foreign(const AttackTarget& t, const StopFlag& stop);

}  // namespace caseledger::bench

#endif  // CASELEDGER_TOOLS_HOSTILE_CLIENT_ATTACKS_H_
