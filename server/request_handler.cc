#include "server/request_handler.h"

#include <openssl/rand.h>

#include <atomic>
#include <map>
#include <mutex>

#include "ledger/checkpoint.h"
#include "ledger/event_json.h"
#include "ledger/storage_format.h"
#include "server/frame_codec.h"

namespace caseledger::server {

using schema::ErrorCode;
using schema::Request;

// The cases a page of the log shows, once each in case-id order; access streams are not case
// data and are left out.
std::vector<RequestHandler::CaseRef> RequestHandler::CasesShown(
    const std::vector<StoredEvent>& events) {
  std::map<std::string, CaseRef> cases;
  for (const StoredEvent& event : events) {
    auto r = event.reader();
    std::string case_id(r.getCaseId().cStr(), r.getCaseId().size());
    if (IsAccessStream(case_id) || cases.count(case_id)) continue;
    std::string child_id(r.getChildId().cStr(), r.getChildId().size());
    cases.emplace(case_id, CaseRef{case_id, std::move(child_id), r.getJurisdiction()});
  }
  std::vector<CaseRef> refs;
  for (auto& [id, ref] : cases) refs.push_back(std::move(ref));
  return refs;
}

namespace {

using Builder = capnp::MallocMessageBuilder;

schema::Response::Builder StartReply(Builder& message, uint64_t id) {
  auto response = message.initRoot<schema::Response>();
  response.setId(id);
  return response;
}

std::string_view View(capnp::Text::Reader text) { return {text.cStr(), text.size()}; }

void SetEvents(capnp::List<schema::Event>::Builder list, const std::vector<StoredEvent>& events) {
  for (size_t i = 0; i < events.size(); ++i) list.setWithCaveats(i, events[i].reader());
}

std::string_view TrimSpaces(std::string_view s) {
  const auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

// Stops a read reply from growing past the message limit: events are added while they fit.
size_t EventsThatFit(const std::vector<StoredEvent>& events, size_t max_message_bytes) {
  size_t bytes = 1024;  // envelope and list pointers
  for (size_t i = 0; i < events.size(); ++i) {
    bytes += events[i].bytes().size() + 8;
    if (bytes > max_message_bytes) return i;
  }
  return events.size();
}

void TrimTo(std::vector<StoredEvent>& events, size_t n) {
  if (n < events.size()) events.erase(events.begin() + static_cast<ptrdiff_t>(n), events.end());
}

// An agency corrects or voids only what its own agency recorded: every event that names an
// earlier event in `supersedes` must name one of `principal`'s agency (docs/event_catalogue.md,
// entryVoided: "the agency that made the voided entry"). A target not stored yet is left to the
// ledger, which refuses it unless it is an earlier event of the same append, and those carry
// the principal's agency (CheckAppend). Costs a lookup only for events that supersede.
Status CheckSupersedes(const Ledger& ledger, const Principal& principal,
                       capnp::List<schema::Event>::Reader events) {
  for (auto event : events) {
    if (!event.hasSupersedes()) continue;
    auto target = event.getSupersedes();
    auto position = ledger.FindEvent(
        std::string_view(reinterpret_cast<const char*>(target.begin()), target.size()));
    if (position.status().IsNotFound()) continue;
    if (!position.ok()) return position.status();
    auto stored = ledger.ReadEvent(*position);
    if (!stored.ok()) return stored.status();
    if (View(stored->reader().getAgencyId()) != principal.agency_id) {
      return Status::PermissionDenied("principal " + principal.id + " may not supersede event " +
                                      std::to_string(*position) +
                                      ": another agency recorded it");
    }
  }
  return Status::OK();
}

}  // namespace

schema::ErrorCode ErrorCodeFor(const Status& status) {
  switch (status.code()) {
    case Status::Code::kNotFound: return ErrorCode::NOT_FOUND;
    case Status::Code::kConflict: return ErrorCode::CONFLICT;
    case Status::Code::kInvalidArgument: return ErrorCode::INVALID_ARGUMENT;
    case Status::Code::kCorruption: return ErrorCode::CORRUPTION;
    case Status::Code::kIOError: return ErrorCode::IO_ERROR;
    case Status::Code::kBusy: return ErrorCode::BUSY;
    case Status::Code::kPermissionDenied: return ErrorCode::PERMISSION_DENIED;
    case Status::Code::kUnavailable: return ErrorCode::UNAVAILABLE;
    default: return ErrorCode::UNSPECIFIED;
  }
}

Frame ErrorReply(uint64_t id, ErrorCode code, std::string_view message) {
  Builder builder;
  auto error = StartReply(builder, id).getBody().initError();
  error.setCode(code);
  error.setMessage(capnp::Text::Reader(message.data(), message.size()));
  return EncodeFrame(builder);
}

Frame ErrorReply(uint64_t id, const Status& status) {
  return ErrorReply(id, ErrorCodeFor(status), status.message());
}

// Collects the outcome of several asynchronous appends: `done` runs once, after the last.
class RequestHandler::AccessBatch {
 public:
  AccessBatch(size_t count, std::function<void(Status)> done)
      : remaining_(count), done_(std::move(done)) {}
  void Finish(const Status& status) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!status.ok() && first_error_.ok()) first_error_ = status;
      if (--remaining_ > 0) return;
    }
    done_(first_error_);
  }

 private:
  std::mutex mu_;
  size_t remaining_;
  Status first_error_;
  std::function<void(Status)> done_;
};

RequestHandler::RequestHandler(Ledger& ledger, const Limits& limits, Metrics& metrics,
                               Clock* clock, std::function<void()> on_log_growth)
    : ledger_(ledger),
      limits_(limits),
      metrics_(metrics),
      clock_(clock != nullptr ? clock : SystemClock()),
      on_log_growth_(std::move(on_log_growth)),
      started_at_micros_(clock_->NowMicros()) {}

void RequestHandler::Handle(const RequestContext& context, Request::Reader request,
                            ReplyFn reply) {
  const uint64_t id = request.getId();
  const Principal& principal = *context.principal;
  auto body = request.getBody();
  metrics_.CountRequest(body.which());
  auto refuse = [&](const Status& status) {
    metrics_.CountError(ErrorCodeFor(status));
    reply(ErrorReply(id, status));
  };
  Operation op;
  switch (body.which()) {
    case Request::Body::APPEND: op = Operation::kAppend; break;
    case Request::Body::READ_STREAM: op = Operation::kReadStream; break;
    case Request::Body::READ_LOG: op = Operation::kReadLog; break;
    case Request::Body::CHECKPOINT: op = Operation::kCheckpoint; break;
    case Request::Body::INCLUSION_PROOF:
    case Request::Body::CONSISTENCY_PROOF: op = Operation::kProof; break;
    case Request::Body::STATUS: op = Operation::kStatus; break;
    case Request::Body::CASE_QUERY: op = Operation::kReadStream; break;  // reads one case
    case Request::Body::AUDIT_QUERY: op = Operation::kAuditQuery; break;
    default: {
      metrics_.CountError(ErrorCode::UNIMPLEMENTED);
      reply(ErrorReply(id, ErrorCode::UNIMPLEMENTED,
                       "unknown operation (union member " +
                           std::to_string(static_cast<int>(body.which())) + ")"));
      return;
    }
  }
  if (Status s = CheckOperation(principal, op); !s.ok()) return refuse(s);
  // A purpose of only spaces is no purpose: reads that need one are refused, and what is
  // recorded never has stray spaces around it.
  const std::string_view purpose = TrimSpaces(View(request.getPurpose()));
  switch (body.which()) {
    case Request::Body::APPEND:
      if (Status s = CheckSupersedes(ledger_, principal, body.getAppend().getEvents()); !s.ok()) {
        return refuse(s);
      }
      return Append(context, id, body.getAppend(), std::move(reply));
    case Request::Body::READ_STREAM:
      return ReadStream(context, id, purpose, body.getReadStream(), std::move(reply));
    case Request::Body::READ_LOG:
      return ReadLog(context, id, purpose, body.getReadLog(), std::move(reply));
    case Request::Body::CHECKPOINT:
      return reply(Checkpoint(id, body.getCheckpoint()));
    case Request::Body::INCLUSION_PROOF:
      return reply(InclusionProof(id, body.getInclusionProof()));
    case Request::Body::CONSISTENCY_PROOF:
      return reply(ConsistencyProof(id, body.getConsistencyProof()));
    case Request::Body::STATUS:
      return reply(StatusReply(id));
    case Request::Body::CASE_QUERY:
      return CaseQuery(context, id, purpose, body.getCaseQuery(), std::move(reply));
    case Request::Body::AUDIT_QUERY:
      return AuditQuery(context, id, purpose, body.getAuditQuery(), std::move(reply));
    default:
      return;
  }
}

void RequestHandler::Append(const RequestContext& context, uint64_t id,
                            schema::AppendRequest::Reader request, ReplyFn reply) {
  const Principal& principal = *context.principal;
  auto fail = [&](const Status& status) {
    metrics_.CountError(ErrorCodeFor(status));
    reply(ErrorReply(id, status));
  };
  const std::string_view case_id = View(request.getCaseId());
  if (IsAccessStream(case_id)) {
    return fail(Status::PermissionDenied("case ids starting with \"access:\" are the server's "
                                         "access streams"));
  }
  if (case_id.size() + kAccessStreamPrefix.size() > storage::kMaxCaseIdSize) {
    return fail(Status::InvalidArgument(
        "case ids are at most " +
        std::to_string(storage::kMaxCaseIdSize - kAccessStreamPrefix.size()) +
        " bytes over the network (room is kept for the access stream prefix)"));
  }
  ExpectedVersion expected = ExpectedVersion::Any();
  auto ev = request.getExpected();
  switch (ev.which()) {
    case schema::ExpectedVersion::ANY: break;
    case schema::ExpectedVersion::NO_STREAM: expected = ExpectedVersion::NoStream(); break;
    case schema::ExpectedVersion::EXACT: expected = ExpectedVersion::Exact(ev.getExact()); break;
    default:
      return fail(Status::InvalidArgument("expected version is unspecified: say any, noStream "
                                          "or exact"));
  }
  auto list = request.getEvents();
  if (list.size() == 0) return fail(Status::InvalidArgument("append carries no events"));
  if (list.size() > limits_.max_read_events * 100) {
    return fail(Status::InvalidArgument("too many events in one append"));
  }
  std::vector<schema::Event::Reader> events;
  events.reserve(list.size());
  for (auto event : list) {
    if (Status s = CheckAppend(principal, event); !s.ok()) return fail(s);
    events.push_back(event);
  }
  const int64_t started = context.received_at_micros;
  const size_t count = events.size();
  ledger_.AppendAsync(
      case_id, expected, events,
      [this, id, started, count, reply = std::move(reply)](Result<AppendResult> result) {
        if (!result.ok()) {
          metrics_.CountError(ErrorCodeFor(result.status()));
          reply(ErrorReply(id, result.status()));
          return;
        }
        metrics_.ObserveAppend(clock_->NowMicros() - started, result->deduplicated ? 0 : count);
        // Sized for the reply (envelope, result, one word per position): the default first
        // segment is 8 KiB, allocated and zeroed for every append on the ledger's writer.
        Builder builder(32 + static_cast<unsigned>(result->positions.size()));
        auto out = StartReply(builder, id).getBody().initAppend();
        auto positions = out.initPositions(static_cast<unsigned>(result->positions.size()));
        for (size_t i = 0; i < result->positions.size(); ++i) positions.set(i, result->positions[i]);
        out.setFirstVersion(result->first_version);
        out.setHeadVersion(result->head_version);
        out.setRecordedAt(result->recorded_at);
        out.setDeduplicated(result->deduplicated);
        reply(EncodeFrame(builder));
        if (!result->deduplicated && on_log_growth_) on_log_growth_();
      });
}

Result<bool> RequestHandler::TookPart(const Principal& principal,
                                      std::string_view case_id) const {
  uint64_t from = 0;
  while (true) {
    auto page = ledger_.ReadStream(case_id, from, 1000);
    if (!page.ok()) return page.status();
    for (const StoredEvent& event : *page) {
      if (View(event.reader().getAgencyId()) == principal.agency_id) return true;
    }
    if (page->size() < 1000) return false;
    from += page->size();
  }
}

void RequestHandler::ReadStream(const RequestContext& context, uint64_t id,
                                std::string_view purpose,
                                schema::ReadStreamRequest::Reader request, ReplyFn reply) {
  const Principal& principal = *context.principal;
  auto fail = [&](const Status& status) {
    metrics_.CountError(ErrorCodeFor(status));
    reply(ErrorReply(id, status));
  };
  const std::string case_id(View(request.getCaseId()));
  if (purpose.empty()) {
    return fail(Status::InvalidArgument(request.getUnseal()
                                            ? "opening sealed personal data needs a purpose"
                                            : "reading case data needs a purpose"));
  }
  const bool access_stream = IsAccessStream(case_id);
  if (access_stream && principal.user_role != schema::UserRole::OVERSIGHT &&
      principal.user_role != schema::UserRole::OMBUDSPERSON) {
    return fail(Status::PermissionDenied("only oversight and ombudspersons read access streams"));
  }
  if (Status s = CheckCaseRead(principal, case_id); !s.ok()) return fail(s);
  const bool unseal = request.getUnseal();
  if (unseal) {
    if (Status s = CheckUnsealRead(principal, case_id); !s.ok()) return fail(s);
  }
  const uint32_t limit = std::min<uint32_t>(
      request.getLimit() == 0 ? limits_.max_read_events : request.getLimit(),
      limits_.max_read_events);
  auto head = ledger_.GetStream(case_id);
  if (!head.ok()) return fail(head.status());
  auto events = ledger_.ReadStream(case_id, request.getFromVersion(), limit);
  if (!events.ok()) return fail(events.status());
  // Opened data is about as large as its sealed form: leave room for both.
  TrimTo(*events, EventsThatFit(*events, limits_.max_message_bytes / (unseal ? 2 : 1)));

  auto message = std::make_shared<Builder>();
  auto out = StartReply(*message, id).getBody().initRead();
  SetEvents(out.initEvents(static_cast<unsigned>(events->size())), *events);
  if (unseal) {
    auto personal = out.initPersonal(static_cast<unsigned>(events->size()));
    if (Status s = FillUnsealed(*events, personal); !s.ok()) return fail(s);
  }
  const uint64_t next = request.getFromVersion() + events->size();
  out.setNext(next);
  out.setAtEnd(next > head->head_version);

  auto send = [this, message, reply = std::move(reply)](Status status) mutable {
    if (!status.ok()) {
      metrics_.CountError(ErrorCode::UNAVAILABLE);
      reply(ErrorReply(message->getRoot<schema::Response>().getId(),
                       Status::Unavailable("the access record could not be stored, so the "
                                           "read is refused: " + status.ToString())));
      return;
    }
    reply(EncodeFrame(*message));
  };
  if (access_stream || events->empty()) return send(Status::OK());
  // The jurisdiction of the case: from any of its events (all carry it).
  CaseRef ref{case_id, head->child_id, events->front().reader().getJurisdiction()};
  const std::string query = "readStream case=" + case_id + " fromVersion=" +
                            std::to_string(request.getFromVersion()) +
                            " limit=" + std::to_string(limit) + (unseal ? " unseal" : "");
  RecordAccess(context, id, purpose, query,
               static_cast<int>(schema::RecordAccessed::AccessKind::CONSULTATION), {ref},
               std::move(send), unseal);
}

void RequestHandler::ReadLog(const RequestContext& context, uint64_t id,
                             std::string_view purpose, schema::ReadLogRequest::Reader request,
                             ReplyFn reply) {
  auto fail = [&](const Status& status) {
    metrics_.CountError(ErrorCodeFor(status));
    reply(ErrorReply(id, status));
  };
  if (purpose.empty()) return fail(Status::InvalidArgument("reading case data needs a purpose"));
  const uint32_t limit = std::min<uint32_t>(
      request.getLimit() == 0 ? limits_.max_read_events : request.getLimit(),
      limits_.max_read_events);
  auto events = ledger_.ReadLog(request.getFromPosition(), limit);
  if (!events.ok()) return fail(events.status());
  TrimTo(*events, EventsThatFit(*events, limits_.max_message_bytes));
  auto message = std::make_shared<Builder>();
  auto out = StartReply(*message, id).getBody().initRead();
  SetEvents(out.initEvents(static_cast<unsigned>(events->size())), *events);
  const uint64_t next = request.getFromPosition() + events->size();
  out.setNext(next);
  out.setAtEnd(next >= ledger_.size());

  std::vector<CaseRef> refs = CasesShown(*events);
  const std::string query = "readLog fromPosition=" + std::to_string(request.getFromPosition()) +
                            " limit=" + std::to_string(limit);
  RecordAccess(context, id, purpose, query,
               static_cast<int>(schema::RecordAccessed::AccessKind::BULK_EXPORT), std::move(refs),
               [this, message, id, reply = std::move(reply)](Status status) {
                 if (!status.ok()) {
                   metrics_.CountError(ErrorCode::UNAVAILABLE);
                   reply(ErrorReply(id, Status::Unavailable("the access records could not be "
                                                            "stored, so the read is refused: " +
                                                            status.ToString())));
                   return;
                 }
                 reply(EncodeFrame(*message));
               });
}

Status RequestHandler::CheckSubscribe(const RequestContext& context,
                                      Request::Reader request) const {
  CL_RETURN_IF_ERROR(CheckOperation(*context.principal, Operation::kSubscribe));
  if (request.getPurpose().size() == 0) {
    return Status::InvalidArgument("reading case data needs a purpose");
  }
  auto sub = request.getBody().getSubscribe();
  if (sub.getFromPosition() > ledger_.size()) {
    return Status::InvalidArgument("fromPosition " + std::to_string(sub.getFromPosition()) +
                                   " is past the end of the log (" +
                                   std::to_string(ledger_.size()) + ")");
  }
  return Status::OK();
}

void RequestHandler::SubscriptionRead(const RequestContext& context, uint64_t request_id,
                                      std::string_view purpose, uint64_t from_position,
                                      uint32_t max_events,
                                      std::function<void(Result<SubscriptionStep>)> done) {
  auto events = ledger_.ReadLog(from_position, std::min(max_events, limits_.max_read_events));
  if (!events.ok()) return done(events.status());
  size_t fit = EventsThatFit(*events, limits_.max_message_bytes);
  if (fit == 0 && !events->empty()) fit = 1;
  TrimTo(*events, fit);
  auto message = std::make_shared<Builder>();
  auto out = StartReply(*message, request_id).getBody().initSubscription();
  SetEvents(out.initEvents(static_cast<unsigned>(events->size())), *events);
  const uint64_t next = from_position + events->size();
  out.setNext(next);
  out.setLive(next >= ledger_.size());
  const size_t count = events->size();

  std::vector<CaseRef> refs = CasesShown(*events);
  const std::string query = "subscribe fromPosition=" + std::to_string(from_position) +
                            " limit=" + std::to_string(count);
  RecordAccess(context, request_id, purpose, query,
               static_cast<int>(schema::RecordAccessed::AccessKind::BULK_EXPORT), std::move(refs),
               [message, next, count, done = std::move(done)](Status status) {
                 if (!status.ok()) return done(status);
                 done(SubscriptionStep{EncodeFrame(*message), next, count});
               });
}

void RequestHandler::RecordAccess(const RequestContext& context, uint64_t request_id,
                                  std::string_view purpose, std::string_view query, int kind,
                                  std::vector<CaseRef> cases, std::function<void(Status)> done,
                                  bool unsealed) {
  if (cases.empty()) return done(Status::OK());
  const Principal& principal = *context.principal;
  auto batch = std::make_shared<AccessBatch>(cases.size(), [this, n = cases.size(),
                                                            done = std::move(done)](Status s) {
    if (s.ok()) {
      metrics_.CountAccessEvents(n);
      if (on_log_growth_) on_log_growth_();
    }
    done(s);
  });
  const std::string request_ref = context.connection_id + "/" + std::to_string(request_id);
  const int64_t now = clock_->NowMicros();
  for (const CaseRef& ref : cases) {
    Builder builder;
    auto event = builder.initRoot<schema::Event>();
    uint8_t event_id[16];
    RAND_bytes(event_id, sizeof(event_id));
    event.setEventId(capnp::Data::Reader(event_id, sizeof(event_id)));
    const std::string stream = AccessStreamId(ref.case_id);
    event.setCaseId(stream);
    event.setChildId(ref.child_id);
    event.setDataClass(schema::DataClass::ORDINARY);
    event.setOccurredAt(now);
    event.setJurisdiction(ref.jurisdiction);
    event.setAgencyId(principal.agency_id);
    event.setAgencyRole(schema::AgencyRole::SYSTEM);
    event.setActorId(principal.id);
    event.setLegalBasis("LED 2016/680 Art 25; GDPR Art 5(2)");
    auto body = event.getBody().initRecordAccessed();
    body.setAccessorId(principal.id);
    body.setAccessorRole(principal.agency_role);
    body.setPurpose(capnp::Text::Reader(purpose.data(), purpose.size()));
    body.setRequestId(request_ref);
    body.setQuery(capnp::Text::Reader(query.data(), query.size()));
    body.setAccessKind(static_cast<schema::RecordAccessed::AccessKind>(kind));
    body.setUnsealed(unsealed);
    schema::Event::Reader reader = event.asReader();
    ledger_.AppendAsync(stream, ExpectedVersion::Any(), std::span(&reader, 1),
                        [batch](Result<AppendResult> result) { batch->Finish(result.status()); });
  }
}

Result<uint64_t> RequestHandler::NewestCheckpointSize() const {
  auto note = ledger_.GetCheckpoint();
  if (!note.ok()) return note.status();
  auto parsed = ParseCheckpointUnverified(*note);
  if (!parsed.ok()) return parsed.status();
  return parsed->size;
}

Frame RequestHandler::Checkpoint(uint64_t id, schema::CheckpointRequest::Reader request) {
  std::optional<uint64_t> size;
  if (request.getSize() != 0) size = request.getSize();
  auto note = ledger_.GetCheckpoint(size);
  if (!note.ok()) {
    metrics_.CountError(ErrorCodeFor(note.status()));
    return ErrorReply(id, note.status());
  }
  auto parsed = ParseCheckpointUnverified(*note);
  if (!parsed.ok()) {
    metrics_.CountError(ErrorCodeFor(parsed.status()));
    return ErrorReply(id, parsed.status());
  }
  Builder builder;
  auto out = StartReply(builder, id).getBody().initCheckpoint();
  out.setNote(*note);
  out.setSize(parsed->size);
  return EncodeFrame(builder);
}

namespace {

void SetHashes(schema::ProofResponse::Builder out, const std::vector<Hash256>& hashes) {
  auto list = out.initHashes(static_cast<unsigned>(hashes.size()));
  for (size_t i = 0; i < hashes.size(); ++i) {
    list.set(i, capnp::Data::Reader(hashes[i].data(), hashes[i].size()));
  }
}

}  // namespace

Frame RequestHandler::InclusionProof(uint64_t id, schema::InclusionProofRequest::Reader request) {
  auto fail = [&](const Status& status) {
    metrics_.CountError(ErrorCodeFor(status));
    return ErrorReply(id, status);
  };
  uint64_t size = request.getTreeSize();
  if (size == 0) {
    auto newest = NewestCheckpointSize();
    if (!newest.ok()) return fail(newest.status());
    size = *newest;
  }
  if (size > ledger_.size()) {
    return fail(Status::InvalidArgument("tree size " + std::to_string(size) +
                                        " is larger than the log (" +
                                        std::to_string(ledger_.size()) + ")"));
  }
  if (request.getPosition() >= size) {
    return fail(Status::InvalidArgument("position " + std::to_string(request.getPosition()) +
                                        " is not in the tree of size " + std::to_string(size)));
  }
  auto proof = ledger_.InclusionProof(request.getPosition(), size);
  if (!proof.ok()) return fail(proof.status());
  Builder builder;
  auto out = StartReply(builder, id).getBody().initProof();
  out.setPosition(request.getPosition());
  out.setTreeSize(size);
  SetHashes(out, *proof);
  if (auto note = ledger_.GetCheckpoint(size); note.ok()) out.setCheckpoint(*note);
  return EncodeFrame(builder);
}

Frame RequestHandler::ConsistencyProof(uint64_t id,
                                       schema::ConsistencyProofRequest::Reader request) {
  auto fail = [&](const Status& status) {
    metrics_.CountError(ErrorCodeFor(status));
    return ErrorReply(id, status);
  };
  uint64_t size2 = request.getSize2();
  if (size2 == 0) {
    auto newest = NewestCheckpointSize();
    if (!newest.ok()) return fail(newest.status());
    size2 = *newest;
  }
  const uint64_t size1 = request.getSize1();
  if (size2 > ledger_.size() || size1 > size2) {
    return fail(Status::InvalidArgument("need size1 <= size2 <= " +
                                        std::to_string(ledger_.size()) + "; got " +
                                        std::to_string(size1) + " and " + std::to_string(size2)));
  }
  auto proof = ledger_.ConsistencyProof(size1, size2);
  if (!proof.ok()) return fail(proof.status());
  Builder builder;
  auto out = StartReply(builder, id).getBody().initProof();
  out.setSize1(size1);
  out.setTreeSize(size2);
  SetHashes(out, *proof);
  if (auto note = ledger_.GetCheckpoint(size2); note.ok()) out.setCheckpoint(*note);
  if (auto note = ledger_.GetCheckpoint(size1); note.ok()) out.setOldCheckpoint(*note);
  return EncodeFrame(builder);
}

Frame RequestHandler::StatusReply(uint64_t id) {
  Builder builder;
  auto out = StartReply(builder, id).getBody().initStatus();
  out.setServer("caseledgerd/" CASELEDGER_VERSION);
  out.setTreeSize(ledger_.size());
  if (auto size = NewestCheckpointSize(); size.ok()) out.setCheckpointSize(*size);
  if (const uint64_t size = ledger_.size(); size > 0) {
    if (auto newest = ledger_.ReadEvent(size - 1); newest.ok()) {
      out.setLastRecordedAt(newest->reader().getRecordedAt());
    }
  }
  out.setConnections(static_cast<uint32_t>(std::max<int64_t>(0, metrics_.connections())));
  out.setSubscribers(static_cast<uint32_t>(std::max<int64_t>(0, metrics_.subscribers())));
  out.setUptimeSeconds(
      static_cast<uint64_t>(std::max<int64_t>(0, clock_->NowMicros() - started_at_micros_)) /
      1000000);
  if (store_ != nullptr) out.setProjectionPosition(store_->position());
  return EncodeFrame(builder);
}

Frame RequestHandler::HelloReply(uint64_t request_id, const Principal& principal) const {
  Builder builder;
  auto out = StartReply(builder, request_id).getBody().initHello();
  out.setProtocolVersion(schema::PROTOCOL_VERSION);
  out.setServer("caseledgerd/" CASELEDGER_VERSION);
  out.setPrincipalId(principal.id);
  out.setAgencyId(principal.agency_id);
  out.setAgencyRole(principal.agency_role);
  out.setUserRole(principal.user_role);
  if (auto note = ledger_.GetCheckpoint(); note.ok()) {
    if (auto parsed = ParseCheckpointUnverified(*note); parsed.ok()) out.setOrigin(parsed->origin);
  }
  out.setTreeSize(ledger_.size());
  out.setMaxMessageBytes(static_cast<uint32_t>(limits_.max_message_bytes));
  return EncodeFrame(builder);
}

}  // namespace caseledger::server
