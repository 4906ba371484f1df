// Turns one request into one reply, without sockets (as the Asio http/server example's
// request_handler): the session reads and decodes frames, checks hello, and hands every other
// request here. Replies are whole frames, ready to write.
//
// Reads of case data are recorded before they are answered: for every case a reply shows,
// the handler appends a `recordAccessed` event to that case's access stream
// ("access:<caseId>", docs/wire_protocol.md), and sends the reply only once those appends are
// durable. The case's own stream is never touched, so reading does not change its version.
#ifndef CASELEDGER_SERVER_REQUEST_HANDLER_H_
#define CASELEDGER_SERVER_REQUEST_HANDLER_H_

#include <capnp/message.h>
#include <kj/array.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "ledger/clock.h"
#include "ledger/ledger.h"
#include "ledger/status.h"
#include "projections/projection_store.h"
#include "schema/protocol.capnp.h"
#include "server/access_control.h"
#include "server/config.h"
#include "server/metrics.h"

namespace caseledger::server {

using Frame = kj::Array<capnp::word>;
using ReplyFn = std::function<void(Frame)>;

// Who asks, over which connection: what access records and logs name.
struct RequestContext {
  const Principal* principal = nullptr;
  std::string connection_id;  // e.g. "c42"; request ids are unique within it
  int64_t received_at_micros = 0;
};

class RequestHandler {
 public:
  // `ledger`, `metrics` and `clock` must outlive the handler. `on_log_growth` runs (on any
  // thread) after every durable append, so live subscriptions can wake.
  RequestHandler(Ledger& ledger, const Limits& limits, Metrics& metrics, Clock* clock,
                 std::function<void()> on_log_growth);
  RequestHandler(const RequestHandler&) = delete;
  RequestHandler& operator=(const RequestHandler&) = delete;

  // Handles append, readStream, readLog, checkpoint, inclusionProof, consistencyProof and
  // status. Calls `reply` exactly once: before returning, or later from the ledger's writer
  // thread (it must then not block). Everything needed from `request` is copied before
  // returning.
  void Handle(const RequestContext& context, schema::Request::Reader request, ReplyFn reply);

  // One step of a subscription: up to `max_events` events from `from_position`, their access
  // records made durable, then `done` with the batch (an empty batch when the log has nothing
  // new; the caller waits for growth). Same threading as Handle.
  struct SubscriptionStep {
    Frame frame;
    uint64_t next = 0;
    size_t events = 0;
  };
  void SubscriptionRead(const RequestContext& context, uint64_t request_id,
                        std::string_view purpose, uint64_t from_position, uint32_t max_events,
                        std::function<void(Result<SubscriptionStep>)> done);

  // Checks a subscribe request (permission, purpose) before the session starts one.
  Status CheckSubscribe(const RequestContext& context, schema::Request::Reader request) const;

  // The reply to a hello from `principal`.
  Frame HelloReply(uint64_t request_id, const Principal& principal) const;

  // Server-wide figures that the status reply and metrics show.
  void SetUptimeStart(int64_t micros) { started_at_micros_ = micros; }

  // Serve caseQuery from these projections (both must outlive the handler); without them it
  // answers `unavailable`.
  void SetProjections(projections::ProjectionStore* store, projections::ProjectionFollower* follower) {
    store_ = store;
    follower_ = follower;
  }

  Ledger& ledger() { return ledger_; }
  const Limits& limits() const { return limits_; }

 private:
  struct CaseRef {
    std::string case_id;
    std::string child_id;
    schema::Jurisdiction jurisdiction = schema::Jurisdiction::UNSPECIFIED;
  };
  class AccessBatch;

  void Append(const RequestContext& context, uint64_t id, schema::AppendRequest::Reader request,
              ReplyFn reply);
  void ReadStream(const RequestContext& context, uint64_t id, std::string_view purpose,
                  schema::ReadStreamRequest::Reader request, ReplyFn reply);
  void ReadLog(const RequestContext& context, uint64_t id, std::string_view purpose,
               schema::ReadLogRequest::Reader request, ReplyFn reply);
  Frame Checkpoint(uint64_t id, schema::CheckpointRequest::Reader request);
  Frame InclusionProof(uint64_t id, schema::InclusionProofRequest::Reader request);
  Frame ConsistencyProof(uint64_t id, schema::ConsistencyProofRequest::Reader request);
  Frame StatusReply(uint64_t id);
  // A case's timeline or view from the projections (request_handler_projections.cc).
  void CaseQuery(const RequestContext& context, uint64_t id, std::string_view purpose,
                 schema::CaseQueryRequest::Reader request, ReplyFn reply);
  // PermissionDenied unless the principal may read the case: agencies only the cases they took
  // part in (the same answer whether or not the case exists).
  Status CheckCaseRead(const Principal& principal, const std::string& case_id) const;
  // A named audit query over every case (request_handler_audit.cc).
  void AuditQuery(const RequestContext& context, uint64_t id, std::string_view purpose,
                  schema::AuditQueryRequest::Reader request, ReplyFn reply);
  // The case, its child and its jurisdiction (of its first event), for an access record.
  Result<CaseRef> CaseRefOf(const std::string& case_id) const;
  // InvalidArgument when a projection read asks for more events than the log holds.
  Status CheckMinPosition(uint64_t min_position) const;
  // The newest signed checkpoint note and its size, signing a fresh one first when the newest
  // holds fewer than `position` events.
  Result<std::pair<std::string, uint64_t>> CheckpointCovering(uint64_t position) const;
  // How long a projection read may wait for the projections to reach its minPosition.
  static constexpr int64_t kFreshnessWaitMillis = 10'000;
  // The most case bundles one audit answer carries.
  static constexpr size_t kMaxAuditBundles = 1000;

  // Need to know for readStream with unseal (request_handler_privacy.cc): PermissionDenied
  // unless `principal` may open the sealed data of `case_id` (access_control.h CheckUnseal);
  // InvalidArgument for an access stream.
  Status CheckUnsealRead(const Principal& principal, const std::string& case_id) const;
  // Opens each event's sealed section into `out` (one entry per event). Corruption when a
  // section does not open.
  Status FillUnsealed(const std::vector<StoredEvent>& events,
                      capnp::List<schema::UnsealedPersonal>::Builder out) const;

  // Whether the principal's agency recorded any event of the case.
  Result<bool> TookPart(const Principal& principal, std::string_view case_id) const;
  // Appends one access record per case, then calls `done` once all are durable. `unsealed`:
  // the read opened personal data.
  void RecordAccess(const RequestContext& context, uint64_t request_id, std::string_view purpose,
                    std::string_view query, int kind, std::vector<CaseRef> cases,
                    std::function<void(Status)> done, bool unsealed = false);
  Result<uint64_t> NewestCheckpointSize() const;
  static std::vector<CaseRef> CasesShown(const std::vector<StoredEvent>& events);

  Ledger& ledger_;
  const Limits limits_;
  Metrics& metrics_;
  Clock* clock_;
  std::function<void()> on_log_growth_;
  int64_t started_at_micros_ = 0;
  projections::ProjectionStore* store_ = nullptr;
  projections::ProjectionFollower* follower_ = nullptr;
};

// An error reply for request `id` (0 when the request could not be read).
Frame ErrorReply(uint64_t id, schema::ErrorCode code, std::string_view message);
Frame ErrorReply(uint64_t id, const Status& status);
schema::ErrorCode ErrorCodeFor(const Status& status);

}  // namespace caseledger::server

#endif  // CASELEDGER_SERVER_REQUEST_HANDLER_H_
