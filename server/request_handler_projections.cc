// caseQuery: a case's compliance timeline or case view, from the projections, recorded as a
// read of the case like readStream.
#include <memory>
#include <string>

#include "server/access_control.h"
#include "server/frame_codec.h"
#include "server/request_handler.h"

namespace caseledger::server {

using schema::ErrorCode;

namespace {

using Builder = capnp::MallocMessageBuilder;

std::string_view View(capnp::Text::Reader text) { return {text.cStr(), text.size()}; }

}  // namespace

Result<RequestHandler::CaseRef> RequestHandler::CaseRefOf(const std::string& case_id) const {
  auto head = ledger_.GetStream(case_id);
  if (!head.ok()) return head.status();
  CaseRef ref{case_id, head->child_id, schema::Jurisdiction::UNSPECIFIED};
  if (auto first = ledger_.ReadStream(case_id, 0, 1); first.ok() && !first->empty()) {
    ref.jurisdiction = first->front().reader().getJurisdiction();
  }
  return ref;
}

Status RequestHandler::CheckMinPosition(uint64_t min_position) const {
  if (min_position <= ledger_.size()) return Status::OK();
  return Status::InvalidArgument("minPosition " + std::to_string(min_position) +
                                 " is past the end of the log (" +
                                 std::to_string(ledger_.size()) + " events)");
}

Status RequestHandler::CheckCaseRead(const Principal& principal,
                                     const std::string& case_id) const {
  if (principal.user_role != schema::UserRole::AGENCY) return Status::OK();
  auto took_part = TookPart(principal, case_id);
  if (!took_part.ok() && !took_part.status().IsNotFound()) return took_part.status();
  if (!took_part.ok() || !*took_part) {
    // The same answer whether or not the case exists: an agency learns nothing about cases it
    // has no part in.
    return Status::PermissionDenied("agency " + principal.agency_id + " took no part in case " +
                                    case_id);
  }
  return Status::OK();
}

void RequestHandler::CaseQuery(const RequestContext& context, uint64_t id,
                               std::string_view purpose_in,
                               schema::CaseQueryRequest::Reader request, ReplyFn reply_in) {
  auto reply = std::make_shared<ReplyFn>(std::move(reply_in));
  auto fail = [this, id, reply](const Status& status) {
    metrics_.CountError(ErrorCodeFor(status));
    (*reply)(ErrorReply(id, status));
  };
  const std::string case_id(View(request.getCaseId()));
  const std::string purpose(purpose_in);
  if (purpose.empty()) return fail(Status::InvalidArgument("reading case data needs a purpose"));
  if (IsAccessStream(case_id)) {
    return fail(Status::InvalidArgument("access streams have no timeline; read them instead"));
  }
  const auto what = request.getWhat();
  if (what == schema::CaseQueryRequest::What::UNSPECIFIED) {
    return fail(Status::InvalidArgument("caseQuery.what is required: timeline or caseView"));
  }
  if (store_ == nullptr || follower_ == nullptr) {
    return fail(Status::Unavailable("this server keeps no projections"));
  }
  if (Status s = CheckCaseRead(*context.principal, case_id); !s.ok()) return fail(s);
  auto ref = CaseRefOf(case_id);
  if (!ref.ok()) return fail(ref.status());

  projections::ReplayPoint point;
  if (request.getAtPosition() != 0) {
    point.kind = projections::ReplayPoint::Kind::kPosition;
    point.position = request.getAtPosition();
  } else if (request.getOccurredBy() != 0) {
    point.kind = projections::ReplayPoint::Kind::kOccurredBy;
    point.micros = request.getOccurredBy();
  } else if (request.getAsOf() != 0) {
    point.kind = projections::ReplayPoint::Kind::kRecordedBy;
    point.micros = request.getAsOf();
  }
  const int64_t as_of = request.getAsOf() != 0 ? request.getAsOf() : clock_->NowMicros();
  const uint64_t min_position = request.getMinPosition();
  if (Status s = CheckMinPosition(min_position); !s.ok()) return fail(s);
  const RequestContext ctx = context;
  const std::string query = std::string("caseQuery ") +
                            (what == schema::CaseQueryRequest::What::TIMELINE ? "timeline"
                                                                              : "caseView") +
                            " case=" + case_id;
  follower_->WhenReached(min_position, kFreshnessWaitMillis, [=, this](uint64_t reached) {
    if (reached < min_position) {
      return fail(Status::Unavailable("the projections have folded " + std::to_string(reached) +
                                      " events; the request asked for at least " +
                                      std::to_string(min_position)));
    }
    auto state = store_->Replay(case_id, point);
    if (!state.ok()) return fail(state.status());
    auto message = std::make_shared<Builder>();
    auto response = message->initRoot<schema::Response>();
    response.setId(id);
    auto out = response.getBody().initCaseQuery();
    out.setPosition(state->position);
    out.setJson(what == schema::CaseQueryRequest::What::TIMELINE
                    ? projections::TimelineJson(*state, as_of)
                    : state->view.ToJson());
    RecordAccess(ctx, id, purpose, query,
                 static_cast<int>(schema::RecordAccessed::AccessKind::CONSULTATION), {*ref},
                 [this, message, reply, id](Status status) {
                   if (!status.ok()) {
                     metrics_.CountError(ErrorCode::UNAVAILABLE);
                     (*reply)(ErrorReply(id, Status::Unavailable(
                                                 "the access record could not be stored, so "
                                                 "the read is refused: " + status.ToString())));
                     return;
                   }
                   (*reply)(EncodeFrame(*message));
                 });
  });
}

}  // namespace caseledger::server
