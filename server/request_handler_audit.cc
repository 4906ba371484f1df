// auditQuery: the named audit queries (projections/audit.h, docs/audit.md) for oversight and
// ombudsperson principals. The answer states the projection position it reflects and a signed
// checkpoint whose tree covers it; with `withProofs` it carries a case bundle for every case it
// names. Each of those cases is recorded as searched in its access stream before the answer
// leaves.
#include <map>
#include <memory>
#include <set>
#include <string>

#include "ledger/bundle.h"
#include "ledger/checkpoint.h"
#include "projections/audit.h"
#include "server/access_control.h"
#include "server/frame_codec.h"
#include "server/request_handler.h"

namespace caseledger::server {

using schema::ErrorCode;

namespace {

using Builder = capnp::MallocMessageBuilder;

std::string_view View(capnp::Text::Reader text) { return {text.cStr(), text.size()}; }

// The query list as JSON: name, question, summary, parameters and columns of each.
std::string QueryListJson() {
  auto quote = [](const std::string& s) {
    std::string out = "\"";
    for (char c : s) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    return out + "\"";
  };
  std::string out = "[";
  bool first = true;
  for (const auto& q : projections::AuditQueries()) {
    out += (first ? "" : ",") + std::string("{\"name\":") + quote(q.name) +
           ",\"question\":" + quote(q.question) + ",\"summary\":" + quote(q.summary) +
           ",\"params\":[";
    for (size_t i = 0; i < q.params.size(); ++i) {
      out += (i ? "," : "") + std::string("{\"name\":") + quote(q.params[i].name) +
             ",\"default\":" + quote(q.params[i].default_value) +
             ",\"required\":" + (q.params[i].required ? "true" : "false") + "}";
    }
    out += "],\"columns\":[";
    for (size_t i = 0; i < q.columns.size(); ++i) out += (i ? "," : "") + quote(q.columns[i]);
    out += "]}";
    first = false;
  }
  return out + "]";
}

// The query as recorded in access streams: its name and parameters, no personal data.
std::string QueryText(const projections::AuditRequest& request) {
  std::string text = "auditQuery " + request.name;
  for (const auto& [k, v] : request.params) text += " " + k + "=" + v;
  return text;
}

}  // namespace

// A signed checkpoint whose tree holds at least `position` events: the newest, or a fresh one
// when the newest is older.
Result<std::pair<std::string, uint64_t>> RequestHandler::CheckpointCovering(
    uint64_t position) const {
  auto size = NewestCheckpointSize();
  if (!size.ok() || *size < position) {
    auto signed_note = ledger_.Checkpoint();
    if (!signed_note.ok()) return signed_note.status();
  }
  auto note = ledger_.GetCheckpoint();
  if (!note.ok()) return note.status();
  auto parsed = ParseCheckpointUnverified(*note);
  if (!parsed.ok()) return parsed.status();
  return std::make_pair(*note, parsed->size);
}

void RequestHandler::AuditQuery(const RequestContext& context, uint64_t id,
                                std::string_view purpose_in,
                                schema::AuditQueryRequest::Reader request, ReplyFn reply_in) {
  auto reply = std::make_shared<ReplyFn>(std::move(reply_in));
  auto fail = [this, id, reply](const Status& status) {
    metrics_.CountError(ErrorCodeFor(status));
    (*reply)(ErrorReply(id, status));
  };
  if (store_ == nullptr || follower_ == nullptr) {
    return fail(Status::Unavailable("this server keeps no projections"));
  }
  if (request.getName().size() == 0) {
    Builder message;
    auto response = message.initRoot<schema::Response>();
    response.setId(id);
    response.getBody().initAuditQuery().setOutput(QueryListJson());
    return (*reply)(EncodeFrame(message));
  }
  const std::string purpose(purpose_in);
  if (purpose.empty()) return fail(Status::InvalidArgument("an audit query needs a purpose"));
  projections::AuditRequest query;
  query.name = View(request.getName());
  for (auto p : request.getParams()) query.params[std::string(View(p.getName()))] = View(p.getValue());
  if (request.getAsOf() != 0) query.as_of = request.getAsOf();
  const auto format = request.getFormat();
  const bool with_proofs = request.getWithProofs();
  const uint64_t min_position = request.getMinPosition();
  if (Status s = CheckMinPosition(min_position); !s.ok()) return fail(s);
  // Facts loaded at or after the client's floor are reused (a reload is a pass over every
  // case); the answer states the position it reflects.
  query.min_position = min_position;
  const RequestContext ctx = context;
  follower_->WhenReached(min_position, kFreshnessWaitMillis, [=, this](uint64_t reached) {
    if (reached < min_position) {
      return fail(Status::Unavailable("the projections have folded " + std::to_string(reached) +
                                      " events; the request asked for at least " +
                                      std::to_string(min_position)));
    }
    auto result = projections::RunAuditQuery(*store_, ledger_, query);
    if (!result.ok()) return fail(result.status());
    auto checkpoint = CheckpointCovering(result->position);
    if (!checkpoint.ok()) return fail(checkpoint.status());
    result->checkpoint_size = checkpoint->second;

    const auto cases = projections::StreamsBehind(ledger_, *result);
    if (with_proofs && cases.size() > kMaxAuditBundles) {
      return fail(Status::InvalidArgument(
          "the answer names " + std::to_string(cases.size()) + " cases; proofs are given for " +
          std::to_string(kMaxAuditBundles) + " at most: narrow the query"));
    }
    auto message = std::make_shared<Builder>();
    auto response = message->initRoot<schema::Response>();
    response.setId(id);
    auto out = response.getBody().initAuditQuery();
    out.setPosition(result->position);
    out.setCheckpoint(checkpoint->first);
    switch (format) {
      case schema::AuditQueryRequest::Format::TABLE:
        out.setOutput(projections::FormatAuditTable(*result));
        break;
      case schema::AuditQueryRequest::Format::CSV:
        out.setOutput(projections::FormatAuditCsv(*result));
        break;
      default: out.setOutput(projections::FormatAuditJson(*result)); break;
    }
    std::vector<CaseRef> refs;
    if (with_proofs) {
      auto bundles = out.initBundles(cases.size());
      size_t i = 0;
      for (const auto& case_id : cases) {
        BundleOptions options;
        options.checkpoint_size = checkpoint->second;
        auto bundle = BuildCaseBundle(ledger_, case_id, options);
        if (!bundle.ok()) return fail(bundle.status());
        bundles[i].setCaseId(case_id);
        bundles[i].setBundle(capnp::Data::Reader(
            reinterpret_cast<const capnp::byte*>(bundle->data()), bundle->size()));
        ++i;
      }
    }
    for (const auto& case_id : cases) {
      if (IsAccessStream(case_id)) continue;
      auto ref = CaseRefOf(case_id);
      if (!ref.ok()) return fail(ref.status());
      refs.push_back(std::move(*ref));
    }
    RecordAccess(ctx, id, purpose, QueryText(query),
                 static_cast<int>(schema::RecordAccessed::AccessKind::SEARCH), std::move(refs),
                 [this, message, reply, id](Status status) {
                   if (!status.ok()) {
                     metrics_.CountError(ErrorCode::UNAVAILABLE);
                     (*reply)(ErrorReply(id, Status::Unavailable(
                                                 "the access records could not be stored, so "
                                                 "the answer is withheld: " + status.ToString())));
                     return;
                   }
                   (*reply)(EncodeFrame(*message));
                 });
  });
}

}  // namespace caseledger::server
