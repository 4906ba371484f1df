// A blocking client of caseledgerd (docs/wire_protocol.md): connects over TLS 1.3 with a
// client certificate (or plain TCP to a development server), says hello, and offers each
// operation as a call. Proofs can be checked locally against a checkpoint signed by a pinned
// key, so a client need not trust the server it talks to. One Client per thread.
#ifndef CASELEDGER_SERVER_CLIENT_H_
#define CASELEDGER_SERVER_CLIENT_H_

#include <capnp/message.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/checkpoint.h"
#include "ledger/hash.h"
#include "ledger/ledger.h"
#include "ledger/status.h"
#include "ledger/stored_event.h"
#include "schema/protocol.capnp.h"
#include "server/frame_codec.h"

namespace caseledger::server {

struct ClientOptions {
  std::string server;  // host:port
  // TLS: the CA that signed the server's certificate, and this client's certificate and key.
  std::string ca_file;
  std::string cert_file;
  std::string key_file;
  // Development servers only: plain TCP, acting as this configured principal.
  bool plain_tcp = false;
  std::string dev_principal;
  std::string client_name = "caseledger-client/1";
  size_t max_message_bytes = 64 << 20;
  // Gives up on a reply after this long (0: wait for ever).
  int timeout_seconds = 60;
};

struct HelloInfo {
  uint32_t protocol_version = 0;
  std::string server;
  std::string principal_id;
  std::string agency_id;
  schema::AgencyRole agency_role = schema::AgencyRole::UNSPECIFIED;
  schema::UserRole user_role = schema::UserRole::UNSPECIFIED;
  std::string origin;
  uint64_t tree_size = 0;
  uint32_t max_message_bytes = 0;
};

struct ReadPage {
  std::vector<StoredEvent> events;  // with their positions; bytes are the canonical leaf input
  // readStream with unseal: each event's personal data as the server opened it, one per
  // event; empty otherwise.
  std::vector<UnsealedPersonal> personal;
  uint64_t next = 0;
  bool at_end = false;  // read: nothing more; subscription batch: live
};

struct ProofReply {
  uint64_t position = 0;
  uint64_t size1 = 0;
  uint64_t tree_size = 0;
  std::vector<Hash256> hashes;
  std::string checkpoint;
  std::string old_checkpoint;
};

struct ServerStatus {
  std::string server;
  uint64_t tree_size = 0;
  uint64_t checkpoint_size = 0;
  int64_t last_recorded_at = 0;
  uint32_t connections = 0;
  uint32_t subscribers = 0;
  uint64_t uptime_seconds = 0;
  bool read_only = false;
  uint64_t projection_position = 0;  // events the projections have folded
};

class Client {
 public:
  // Connects, handshakes and says hello. An error reply to hello becomes its status
  // (PermissionDenied when the certificate maps to no principal); a refused handshake is
  // Unavailable with OpenSSL's reason.
  static Result<std::unique_ptr<Client>> Connect(const ClientOptions& options);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  const HelloInfo& hello() const;

  // How long each later call waits for its reply (0: for ever), e.g. a subscriber that may
  // wait long for the next event.
  void SetTimeout(int seconds);

  // Ends the exchange: the server answers what is in flight, ends any subscription (its
  // batches still on the way are dropped), replies goodbye and closes; so does the client.
  // Every later call fails with Unavailable.
  Status Goodbye();

  Result<AppendResult> Append(std::string_view case_id, ExpectedVersion expected,
                              std::span<const schema::Event::Reader> events);
  // With `unseal`, the server also opens the events' personal data (docs/privacy.md), when
  // the principal has need to know (else PermissionDenied); the page's `personal` holds it.
  Result<ReadPage> ReadStream(std::string_view case_id, uint64_t from_version, uint32_t limit,
                              std::string_view purpose, bool unseal = false);
  Result<ReadPage> ReadLog(uint64_t from_position, uint32_t limit, std::string_view purpose);

  // Starts the connection's subscription; batches then come from NextBatch.
  Status Subscribe(uint64_t from_position, uint32_t credit, uint32_t max_batch,
                   std::string_view purpose);
  // Blocks for the next batch of the subscription.
  Result<ReadPage> NextBatch();
  Status Credit(uint32_t events);
  // Ends the subscription; batches the server sent that NextBatch has not returned are
  // dropped. Returns the position after the last batch returned: where to resume.
  Result<uint64_t> Unsubscribe();

  // A case's compliance timeline (`timeline` true) or case view, as JSON, from projections
  // that have folded at least `min_position` events (e.g. the head after one's own append).
  // `as_of` 0 means now. Needs a purpose; recorded as a read of the case.
  struct CaseQueryReply {
    uint64_t position = 0;
    std::string json;
  };
  Result<CaseQueryReply> CaseQuery(std::string_view case_id, bool timeline,
                                   std::string_view purpose, uint64_t min_position = 0,
                                   int64_t as_of = 0);

  // A named audit query (docs/audit.md); an empty name lists the queries as JSON.
  struct AuditQueryReply {
    uint64_t position = 0;    // the projection position the answer reflects
    std::string checkpoint;   // the signed checkpoint note it was computed at
    std::string output;       // table, CSV or JSON as asked
    std::vector<std::pair<std::string, std::string>> bundles;  // case id, bundle file
  };
  struct AuditQueryOptions {
    std::vector<std::pair<std::string, std::string>> params;
    int64_t as_of = 0;             // 0: now
    std::string format = "json";   // table, csv or json
    bool with_proofs = false;
    uint64_t min_position = 0;
  };
  Result<AuditQueryReply> AuditQuery(std::string_view name, std::string_view purpose,
                                     const AuditQueryOptions& options);

  // The stored checkpoint note of `size` (0: the newest).
  Result<std::string> GetCheckpoint(uint64_t size = 0);
  Result<ProofReply> InclusionProof(uint64_t position, uint64_t tree_size = 0);
  Result<ProofReply> ConsistencyProof(uint64_t size1, uint64_t size2 = 0);
  Result<ServerStatus> GetServerStatus();

  // Fetches an inclusion proof for `event` (as read from the server) to the newest
  // checkpoint, checks the checkpoint's signature against `pinned`, and checks the proof
  // against its root. Corruption when any of it fails; the verified checkpoint otherwise.
  Result<caseledger::Checkpoint> VerifyInclusion(const StoredEvent& event,
                                                 const VerifierKey& pinned);
  // Checks that the newest checkpoint extends `trusted` (a note signed by `pinned`).
  Result<caseledger::Checkpoint> VerifyExtends(std::string_view trusted_note,
                                               const VerifierKey& pinned);

  // Low level, for tests and tools: sends a request (its id is set here) and returns the
  // id; reads the next reply frame, whatever it answers.
  Result<uint64_t> Send(capnp::MessageBuilder& request);
  Status SendRaw(std::span<const uint8_t> bytes);
  Result<std::unique_ptr<DecodedFrame>> ReceiveFrame();

  class Impl;

 private:
  explicit Client(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The Status a reply's error carries.
caseledger::Status StatusFromError(schema::Error::Reader error);

}  // namespace caseledger::server

#endif  // CASELEDGER_SERVER_CLIENT_H_
