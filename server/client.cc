#include "server/client.h"

#include <utility>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <capnp/serialize.h>

#include <cstring>
#include <deque>

#include "ledger/merkle.h"
#include "server/config.h"
#include "server/privacy.h"
#include "server/tls.h"

namespace caseledger::server {

namespace asio = boost::asio;
using asio::ip::tcp;
using boost::system::error_code;
using schema::Response;

caseledger::Status StatusFromError(schema::Error::Reader error) {
  std::string message = error.getMessage().cStr();
  switch (error.getCode()) {
    case schema::ErrorCode::NOT_FOUND: return caseledger::Status::NotFound(message);
    case schema::ErrorCode::CONFLICT: return caseledger::Status::Conflict(message);
    case schema::ErrorCode::INVALID_ARGUMENT: return caseledger::Status::InvalidArgument(message);
    case schema::ErrorCode::CORRUPTION: return caseledger::Status::Corruption(message);
    case schema::ErrorCode::IO_ERROR: return caseledger::Status::IOError(message);
    case schema::ErrorCode::BUSY: return caseledger::Status::Busy(message);
    case schema::ErrorCode::PERMISSION_DENIED:
      return caseledger::Status::PermissionDenied(message);
    case schema::ErrorCode::PROTOCOL_ERROR:
      return caseledger::Status::InvalidArgument("protocol error: " + message);
    case schema::ErrorCode::UNIMPLEMENTED:
      return caseledger::Status::InvalidArgument("unimplemented: " + message);
    default: return caseledger::Status::Unavailable(message);
  }
}

class Client::Impl {
 public:
  explicit Impl(const ClientOptions& options) : options_(options) {}

  caseledger::Status Connect();
  Result<uint64_t> Send(capnp::MessageBuilder& request);
  caseledger::Status SendBytes(std::span<const uint8_t> bytes);
  Result<std::unique_ptr<DecodedFrame>> ReceiveFrame();
  // Sends and waits for the reply to this request; subscription batches that arrive
  // meanwhile are kept for NextBatch.
  Result<std::unique_ptr<DecodedFrame>> Call(capnp::MessageBuilder& request);
  Result<ReadPage> NextBatch();

  // Closes the socket; later calls fail with Unavailable.
  void Close();
  void SetTimeout(int seconds) { options_.timeout_seconds = seconds; }

  HelloInfo hello;
  void DropBatches() { batches_.clear(); }
  std::optional<uint64_t> subscription_id;
  // The position after the last batch NextBatch returned: where a new subscription resumes.
  uint64_t delivered_next = 0;

 private:
  // Runs the io_context until `done` or the timeout; on timeout the connection is closed.
  caseledger::Status RunUntil(const bool& done, const char* what);
  caseledger::Status ReadExactly(void* data, size_t size);

  ClientOptions options_;
  asio::io_context io_;
  std::unique_ptr<asio::ssl::context> tls_;
  asio::ssl::context plain_placeholder_{asio::ssl::context::tls_client};
  std::unique_ptr<asio::ssl::stream<tcp::socket>> stream_;
  uint64_t next_id_ = 1;
  std::deque<std::unique_ptr<DecodedFrame>> batches_;
  bool broken_ = false;        // nothing more can be read or sent
  bool send_failed_ = false;   // nothing more can be sent; replies already here can be read
};

caseledger::Status Client::Impl::RunUntil(const bool& done, const char* what) {
  io_.restart();
  if (options_.timeout_seconds > 0) {
    io_.run_for(std::chrono::seconds(options_.timeout_seconds));
  } else {
    io_.run();
  }
  if (done) return caseledger::Status::OK();
  broken_ = true;
  error_code ec;
  stream_->lowest_layer().close(ec);
  io_.restart();
  io_.run();
  return caseledger::Status::Unavailable(std::string("timed out ") + what);
}

void Client::Impl::Close() {
  if (!stream_) return;
  broken_ = true;
  batches_.clear();
  subscription_id.reset();
  error_code ec;
  stream_->lowest_layer().close(ec);
}

caseledger::Status Client::Impl::Connect() {
  auto hp = ParseHostPort(options_.server);
  if (!hp.ok()) return hp.status();
  if (!options_.plain_tcp) {
    auto tls = MakeClientTlsContext(options_.ca_file, options_.cert_file, options_.key_file);
    if (!tls.ok()) return tls.status();
    tls_ = std::move(*tls);
  }
  stream_ = std::make_unique<asio::ssl::stream<tcp::socket>>(io_, tls_ ? *tls_ : plain_placeholder_);
  error_code ec;
  tcp::resolver resolver(io_);
  auto endpoints = resolver.resolve(hp->host, std::to_string(hp->port), ec);
  if (ec) return caseledger::Status::Unavailable("cannot resolve " + options_.server + ": " + ec.message());
  bool done = false;
  asio::async_connect(stream_->lowest_layer(), endpoints, [&](error_code e, const tcp::endpoint&) {
    ec = e;
    done = true;
  });
  CL_RETURN_IF_ERROR(RunUntil(done, "connecting"));
  if (ec) return caseledger::Status::Unavailable("cannot connect to " + options_.server + ": " + ec.message());
  stream_->lowest_layer().set_option(tcp::no_delay(true), ec);
  if (tls_) {
    if (!SSL_set_tlsext_host_name(stream_->native_handle(), hp->host.c_str())) {
      return caseledger::Status::InvalidArgument("bad server name " + hp->host);
    }
    stream_->set_verify_callback(asio::ssl::host_name_verification(hp->host));
    done = false;
    stream_->async_handshake(asio::ssl::stream_base::client, [&](error_code e) {
      ec = e;
      done = true;
    });
    CL_RETURN_IF_ERROR(RunUntil(done, "in the TLS handshake"));
    if (ec) return caseledger::Status::Unavailable("TLS handshake with " + options_.server + " failed: " + ec.message());
  }
  capnp::MallocMessageBuilder builder;
  auto request = builder.initRoot<schema::Request>();
  auto h = request.getBody().initHello();
  h.setProtocolVersion(schema::PROTOCOL_VERSION);
  h.setClient(options_.client_name);
  if (options_.plain_tcp) h.setDevPrincipal(options_.dev_principal);
  auto reply = Call(builder);
  if (!reply.ok()) return reply.status();
  auto root = GetRoot<Response>(**reply);
  if (!root.ok()) return root.status();
  auto body = root->getBody();
  if (body.isError()) return StatusFromError(body.getError());
  if (!body.isHello()) return caseledger::Status::InvalidArgument("the server did not answer hello");
  auto r = body.getHello();
  hello.protocol_version = r.getProtocolVersion();
  hello.server = r.getServer().cStr();
  hello.principal_id = r.getPrincipalId().cStr();
  hello.agency_id = r.getAgencyId().cStr();
  hello.agency_role = r.getAgencyRole();
  hello.user_role = r.getUserRole();
  hello.origin = r.getOrigin().cStr();
  hello.tree_size = r.getTreeSize();
  hello.max_message_bytes = r.getMaxMessageBytes();
  return caseledger::Status::OK();
}

caseledger::Status Client::Impl::SendBytes(std::span<const uint8_t> bytes) {
  if (broken_ || send_failed_) return caseledger::Status::Unavailable("the connection is closed");
  bool done = false;
  error_code ec;
  auto handler = [&](error_code e, size_t) {
    ec = e;
    done = true;
  };
  if (tls_) {
    asio::async_write(*stream_, asio::buffer(bytes.data(), bytes.size()), handler);
  } else {
    asio::async_write(stream_->next_layer(), asio::buffer(bytes.data(), bytes.size()), handler);
  }
  CL_RETURN_IF_ERROR(RunUntil(done, "sending"));
  if (ec) {
    // The server may have closed after replying (goodbye, a protocol error): what it sent
    // before closing can still be read.
    send_failed_ = true;
    return caseledger::Status::Unavailable("sending to the server failed: " + ec.message());
  }
  return caseledger::Status::OK();
}

Result<uint64_t> Client::Impl::Send(capnp::MessageBuilder& request) {
  const uint64_t id = next_id_++;
  request.getRoot<schema::Request>().setId(id);
  auto words = capnp::messageToFlatArray(request);
  auto bytes = words.asBytes();
  CL_RETURN_IF_ERROR(SendBytes(std::span<const uint8_t>(bytes.begin(), bytes.size())));
  return id;
}

caseledger::Status Client::Impl::ReadExactly(void* data, size_t size) {
  if (broken_) return caseledger::Status::Unavailable("the connection is closed");
  bool done = false;
  error_code ec;
  auto handler = [&](error_code e, size_t) {
    ec = e;
    done = true;
  };
  if (tls_) {
    asio::async_read(*stream_, asio::buffer(data, size), handler);
  } else {
    asio::async_read(stream_->next_layer(), asio::buffer(data, size), handler);
  }
  CL_RETURN_IF_ERROR(RunUntil(done, "waiting for the server"));
  if (ec) {
    broken_ = true;
    return caseledger::Status::Unavailable("the server closed the connection: " + ec.message());
  }
  return caseledger::Status::OK();
}

Result<std::unique_ptr<DecodedFrame>> Client::Impl::ReceiveFrame() {
  uint8_t first[kFirstHeaderBytes];
  CL_RETURN_IF_ERROR(ReadExactly(first, sizeof(first)));
  auto header_bytes = FrameHeaderBytes(std::span<const uint8_t, kFirstHeaderBytes>(first));
  if (!header_bytes.ok()) return header_bytes.status();
  std::vector<uint8_t> header(*header_bytes);
  std::memcpy(header.data(), first, sizeof(first));
  if (header.size() > sizeof(first)) {
    CL_RETURN_IF_ERROR(ReadExactly(header.data() + sizeof(first), header.size() - sizeof(first)));
  }
  auto total = FrameMessageBytes(header, options_.max_message_bytes);
  if (!total.ok()) return total.status();
  auto words = kj::heapArray<capnp::word>(*total / sizeof(capnp::word));
  auto* bytes = reinterpret_cast<uint8_t*>(words.begin());
  std::memcpy(bytes, header.data(), header.size());
  CL_RETURN_IF_ERROR(ReadExactly(bytes + header.size(), *total - header.size()));
  return DecodeFrame(std::move(words), options_.max_message_bytes);
}

Result<std::unique_ptr<DecodedFrame>> Client::Impl::Call(capnp::MessageBuilder& request) {
  auto id = Send(request);
  if (!id.ok()) return id.status();
  while (true) {
    auto frame = ReceiveFrame();
    if (!frame.ok()) return frame.status();
    auto root = GetRoot<Response>(**frame);
    if (!root.ok()) return root.status();
    if (root->getId() == *id) return frame;
    if (subscription_id && root->getId() == *subscription_id) {
      batches_.push_back(std::move(*frame));
      continue;
    }
    if (root->getId() == 0 && root->getBody().isError()) {
      return StatusFromError(root->getBody().getError());
    }
    // A reply to nothing we wait for: a protocol violation by the server.
    return caseledger::Status::Corruption("reply for unknown request " + std::to_string(root->getId()));
  }
}

namespace {

Result<ReadPage> PageFrom(capnp::List<schema::Event>::Reader events, uint64_t next, bool at_end) {
  ReadPage page;
  page.next = next;
  page.at_end = at_end;
  page.events.reserve(events.size());
  for (auto event : events) {
    auto words = capnp::canonicalize(event);
    auto bytes = words.asBytes();
    auto stored = StoredEvent::FromBytes(
        event.getGlobalPosition(),
        std::string_view(reinterpret_cast<const char*>(bytes.begin()), bytes.size()));
    if (!stored.ok()) return stored.status();
    page.events.push_back(std::move(*stored));
  }
  return page;
}

// The body of a reply, or the error it carries.
template <typename F>
auto WithReply(Result<std::unique_ptr<DecodedFrame>> frame, F&& f)
    -> decltype(f(std::declval<Response::Body::Reader>())) {
  if (!frame.ok()) return frame.status();
  auto root = GetRoot<Response>(**frame);
  if (!root.ok()) return root.status();
  auto body = root->getBody();
  if (body.isError()) return StatusFromError(body.getError());
  return f(body);
}

caseledger::Status Unexpected(const char* what) {
  return caseledger::Status::Corruption(std::string("the server answered with something other than ") + what);
}

ProofReply ProofFrom(schema::ProofResponse::Reader r) {
  ProofReply out;
  out.position = r.getPosition();
  out.size1 = r.getSize1();
  out.tree_size = r.getTreeSize();
  for (auto h : r.getHashes()) {
    Hash256 hash{};
    if (h.size() == hash.size()) std::memcpy(hash.data(), h.begin(), hash.size());
    out.hashes.push_back(hash);
  }
  out.checkpoint = r.getCheckpoint().cStr();
  out.old_checkpoint = r.getOldCheckpoint().cStr();
  return out;
}

}  // namespace

Result<ReadPage> Client::Impl::NextBatch() {
  if (!subscription_id) return caseledger::Status::InvalidArgument("no subscription");
  std::unique_ptr<DecodedFrame> frame;
  if (!batches_.empty()) {
    frame = std::move(batches_.front());
    batches_.pop_front();
  } else {
    auto received = ReceiveFrame();
    if (!received.ok()) return received.status();
    frame = std::move(*received);
  }
  return WithReply(std::move(frame), [&](Response::Body::Reader body) -> Result<ReadPage> {
    if (!body.isSubscription()) return Unexpected("a subscription batch");
    auto b = body.getSubscription();
    auto page = PageFrom(b.getEvents(), b.getNext(), b.getLive());
    if (page.ok()) delivered_next = page->next;
    return page;
  });
}

Client::Client(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Client::~Client() = default;

Result<std::unique_ptr<Client>> Client::Connect(const ClientOptions& options) {
  auto impl = std::make_unique<Impl>(options);
  CL_RETURN_IF_ERROR(impl->Connect());
  return std::unique_ptr<Client>(new Client(std::move(impl)));
}

const HelloInfo& Client::hello() const { return impl_->hello; }

void Client::SetTimeout(int seconds) { impl_->SetTimeout(seconds); }

caseledger::Status Client::Goodbye() {
  capnp::MallocMessageBuilder builder;
  builder.initRoot<schema::Request>().getBody().setGoodbye();
  auto said = WithReply(impl_->Call(builder), [](Response::Body::Reader body) -> caseledger::Status {
    if (!body.isGoodbye()) return Unexpected("goodbye");
    return caseledger::Status::OK();
  });
  impl_->Close();
  return said;
}

Result<AppendResult> Client::Append(std::string_view case_id, ExpectedVersion expected,
                                    std::span<const schema::Event::Reader> events) {
  capnp::MallocMessageBuilder builder;
  auto append = builder.initRoot<schema::Request>().getBody().initAppend();
  append.setCaseId(capnp::Text::Reader(case_id.data(), case_id.size()));
  auto ev = append.initExpected();
  switch (expected.kind()) {
    case ExpectedVersion::Kind::kAny: ev.setAny(); break;
    case ExpectedVersion::Kind::kNoStream: ev.setNoStream(); break;
    case ExpectedVersion::Kind::kExact: ev.setExact(expected.version()); break;
  }
  auto list = append.initEvents(static_cast<unsigned>(events.size()));
  for (size_t i = 0; i < events.size(); ++i) list.setWithCaveats(i, events[i]);
  return WithReply(impl_->Call(builder), [](Response::Body::Reader body) -> Result<AppendResult> {
    if (!body.isAppend()) return Unexpected("an append result");
    auto r = body.getAppend();
    AppendResult out;
    for (uint64_t p : r.getPositions()) out.positions.push_back(p);
    out.first_version = r.getFirstVersion();
    out.head_version = r.getHeadVersion();
    out.recorded_at = r.getRecordedAt();
    out.deduplicated = r.getDeduplicated();
    return out;
  });
}

Result<ReadPage> Client::ReadStream(std::string_view case_id, uint64_t from_version,
                                    uint32_t limit, std::string_view purpose, bool unseal) {
  capnp::MallocMessageBuilder builder;
  auto request = builder.initRoot<schema::Request>();
  request.setPurpose(capnp::Text::Reader(purpose.data(), purpose.size()));
  auto read = request.getBody().initReadStream();
  read.setCaseId(capnp::Text::Reader(case_id.data(), case_id.size()));
  read.setFromVersion(from_version);
  read.setLimit(limit);
  read.setUnseal(unseal);
  return WithReply(impl_->Call(builder), [unseal](Response::Body::Reader body) -> Result<ReadPage> {
    if (!body.isRead()) return Unexpected("events");
    auto r = body.getRead();
    auto page = PageFrom(r.getEvents(), r.getNext(), r.getAtEnd());
    if (!page.ok() || !unseal) return page;
    if (r.getPersonal().size() != r.getEvents().size()) {
      return caseledger::Status::Corruption("the server opened personal data for " +
                                            std::to_string(r.getPersonal().size()) + " of " +
                                            std::to_string(r.getEvents().size()) + " events");
    }
    for (auto entry : r.getPersonal()) {
      auto opened = UnsealedFrom(entry);
      if (!opened.ok()) return opened.status();
      page->personal.push_back(std::move(*opened));
    }
    return page;
  });
}

Result<Client::CaseQueryReply> Client::CaseQuery(std::string_view case_id, bool timeline,
                                                std::string_view purpose, uint64_t min_position,
                                                int64_t as_of) {
  capnp::MallocMessageBuilder builder;
  auto request = builder.initRoot<schema::Request>();
  request.setPurpose(capnp::Text::Reader(purpose.data(), purpose.size()));
  auto query = request.getBody().initCaseQuery();
  query.setCaseId(capnp::Text::Reader(case_id.data(), case_id.size()));
  query.setWhat(timeline ? schema::CaseQueryRequest::What::TIMELINE
                         : schema::CaseQueryRequest::What::CASE_VIEW);
  query.setMinPosition(min_position);
  query.setAsOf(as_of);
  return WithReply(impl_->Call(builder),
                   [](Response::Body::Reader body) -> Result<CaseQueryReply> {
                     if (!body.isCaseQuery()) return Unexpected("a case query answer");
                     CaseQueryReply out;
                     out.position = body.getCaseQuery().getPosition();
                     out.json = body.getCaseQuery().getJson().cStr();
                     return out;
                   });
}

Result<Client::AuditQueryReply> Client::AuditQuery(std::string_view name,
                                                  std::string_view purpose,
                                                  const AuditQueryOptions& options) {
  capnp::MallocMessageBuilder builder;
  auto request = builder.initRoot<schema::Request>();
  request.setPurpose(capnp::Text::Reader(purpose.data(), purpose.size()));
  auto query = request.getBody().initAuditQuery();
  query.setName(capnp::Text::Reader(name.data(), name.size()));
  auto params = query.initParams(options.params.size());
  for (size_t i = 0; i < options.params.size(); ++i) {
    params[i].setName(options.params[i].first);
    params[i].setValue(options.params[i].second);
  }
  query.setAsOf(options.as_of);
  using Format = schema::AuditQueryRequest::Format;
  query.setFormat(options.format == "table" ? Format::TABLE
                  : options.format == "csv" ? Format::CSV
                                            : Format::JSON);
  query.setWithProofs(options.with_proofs);
  query.setMinPosition(options.min_position);
  return WithReply(impl_->Call(builder),
                   [](Response::Body::Reader body) -> Result<AuditQueryReply> {
                     if (!body.isAuditQuery()) return Unexpected("an audit query answer");
                     auto r = body.getAuditQuery();
                     AuditQueryReply out;
                     out.position = r.getPosition();
                     out.checkpoint = r.getCheckpoint().cStr();
                     out.output = r.getOutput().cStr();
                     for (auto b : r.getBundles()) {
                       auto bytes = b.getBundle();
                       out.bundles.emplace_back(
                           b.getCaseId().cStr(),
                           std::string(reinterpret_cast<const char*>(bytes.begin()),
                                       bytes.size()));
                     }
                     return out;
                   });
}

Result<ReadPage> Client::ReadLog(uint64_t from_position, uint32_t limit,
                                 std::string_view purpose) {
  capnp::MallocMessageBuilder builder;
  auto request = builder.initRoot<schema::Request>();
  request.setPurpose(capnp::Text::Reader(purpose.data(), purpose.size()));
  auto read = request.getBody().initReadLog();
  read.setFromPosition(from_position);
  read.setLimit(limit);
  return WithReply(impl_->Call(builder), [](Response::Body::Reader body) -> Result<ReadPage> {
    if (!body.isRead()) return Unexpected("events");
    auto r = body.getRead();
    return PageFrom(r.getEvents(), r.getNext(), r.getAtEnd());
  });
}

caseledger::Status Client::Subscribe(uint64_t from_position, uint32_t credit, uint32_t max_batch,
                                     std::string_view purpose) {
  if (impl_->subscription_id) return caseledger::Status::InvalidArgument("already subscribed");
  capnp::MallocMessageBuilder builder;
  auto request = builder.initRoot<schema::Request>();
  request.setPurpose(capnp::Text::Reader(purpose.data(), purpose.size()));
  auto sub = request.getBody().initSubscribe();
  sub.setFromPosition(from_position);
  sub.setCredit(credit);
  sub.setMaxBatch(max_batch);
  auto id = impl_->Send(builder);
  if (!id.ok()) return id.status();
  impl_->subscription_id = *id;
  impl_->delivered_next = from_position;
  return caseledger::Status::OK();
}

Result<ReadPage> Client::NextBatch() {
  auto page = impl_->NextBatch();
  if (!page.ok()) impl_->subscription_id.reset();
  return page;
}

caseledger::Status Client::Credit(uint32_t events) {
  capnp::MallocMessageBuilder builder;
  builder.initRoot<schema::Request>().getBody().setCredit(events);
  auto id = impl_->Send(builder);
  return id.ok() ? caseledger::Status::OK() : id.status();
}

Result<uint64_t> Client::Unsubscribe() {
  capnp::MallocMessageBuilder builder;
  builder.initRoot<schema::Request>().getBody().setUnsubscribe();
  auto result = WithReply(impl_->Call(builder), [](Response::Body::Reader body) -> Result<uint64_t> {
    if (!body.isSubscription()) return Unexpected("the end of the subscription");
    return body.getSubscription().getNext();
  });
  // Batches the server sent before the unsubscribe but the caller never took are dropped, so
  // the caller resumes after the last batch it saw, not where the server stopped sending.
  impl_->DropBatches();
  impl_->subscription_id.reset();
  if (!result.ok()) return result;
  return impl_->delivered_next;
}

Result<std::string> Client::GetCheckpoint(uint64_t size) {
  capnp::MallocMessageBuilder builder;
  builder.initRoot<schema::Request>().getBody().initCheckpoint().setSize(size);
  return WithReply(impl_->Call(builder), [](Response::Body::Reader body) -> Result<std::string> {
    if (!body.isCheckpoint()) return Unexpected("a checkpoint");
    return std::string(body.getCheckpoint().getNote().cStr());
  });
}

Result<ProofReply> Client::InclusionProof(uint64_t position, uint64_t tree_size) {
  capnp::MallocMessageBuilder builder;
  auto r = builder.initRoot<schema::Request>().getBody().initInclusionProof();
  r.setPosition(position);
  r.setTreeSize(tree_size);
  return WithReply(impl_->Call(builder), [](Response::Body::Reader body) -> Result<ProofReply> {
    if (!body.isProof()) return Unexpected("a proof");
    return ProofFrom(body.getProof());
  });
}

Result<ProofReply> Client::ConsistencyProof(uint64_t size1, uint64_t size2) {
  capnp::MallocMessageBuilder builder;
  auto r = builder.initRoot<schema::Request>().getBody().initConsistencyProof();
  r.setSize1(size1);
  r.setSize2(size2);
  return WithReply(impl_->Call(builder), [](Response::Body::Reader body) -> Result<ProofReply> {
    if (!body.isProof()) return Unexpected("a proof");
    return ProofFrom(body.getProof());
  });
}

Result<ServerStatus> Client::GetServerStatus() {
  capnp::MallocMessageBuilder builder;
  builder.initRoot<schema::Request>().getBody().setStatus();
  return WithReply(impl_->Call(builder), [](Response::Body::Reader body) -> Result<ServerStatus> {
    if (!body.isStatus()) return Unexpected("a status");
    auto r = body.getStatus();
    ServerStatus out;
    out.server = r.getServer().cStr();
    out.tree_size = r.getTreeSize();
    out.checkpoint_size = r.getCheckpointSize();
    out.last_recorded_at = r.getLastRecordedAt();
    out.connections = r.getConnections();
    out.subscribers = r.getSubscribers();
    out.uptime_seconds = r.getUptimeSeconds();
    out.read_only = r.getReadOnly();
    out.projection_position = r.getProjectionPosition();
    return out;
  });
}

Result<caseledger::Checkpoint> Client::VerifyInclusion(const StoredEvent& event,
                                                       const VerifierKey& pinned) {
  auto proof = InclusionProof(event.position(), 0);
  if (!proof.ok()) return proof.status();
  if (proof->checkpoint.empty()) {
    return caseledger::Status::Corruption("the server sent no checkpoint with the proof");
  }
  auto checkpoint = ParseAndVerifyCheckpoint(proof->checkpoint, pinned);
  if (!checkpoint.ok()) return checkpoint.status();
  if (checkpoint->size != proof->tree_size) {
    return caseledger::Status::Corruption("the checkpoint is for another tree size than the proof");
  }
  caseledger::Status s = caseledger::VerifyInclusion(event.position(), proof->tree_size,
                                                     LeafHash(event.bytes()), proof->hashes,
                                                     checkpoint->root);
  if (!s.ok()) return caseledger::Status::Corruption("inclusion proof failed: " + s.message());
  return checkpoint;
}

Result<caseledger::Checkpoint> Client::VerifyExtends(std::string_view trusted_note,
                                                     const VerifierKey& pinned) {
  auto trusted = ParseAndVerifyCheckpoint(trusted_note, pinned);
  if (!trusted.ok()) return trusted.status();
  auto proof = ConsistencyProof(trusted->size, 0);
  if (!proof.ok()) return proof.status();
  auto newest = ParseAndVerifyCheckpoint(proof->checkpoint, pinned);
  if (!newest.ok()) return newest.status();
  if (newest->size != proof->tree_size || proof->size1 != trusted->size) {
    return caseledger::Status::Corruption("the proof does not join the two checkpoints");
  }
  caseledger::Status s = caseledger::VerifyConsistency(trusted->size, newest->size, proof->hashes,
                                                       trusted->root, newest->root);
  if (!s.ok()) return caseledger::Status::Corruption("consistency proof failed: " + s.message());
  return newest;
}

Result<uint64_t> Client::Send(capnp::MessageBuilder& request) { return impl_->Send(request); }
caseledger::Status Client::SendRaw(std::span<const uint8_t> bytes) { return impl_->SendBytes(bytes); }
Result<std::unique_ptr<DecodedFrame>> Client::ReceiveFrame() { return impl_->ReceiveFrame(); }

}  // namespace caseledger::server
