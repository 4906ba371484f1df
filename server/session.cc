#include "server/session.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <spdlog/spdlog.h>

#include <vector>

#include "server/frame_codec.h"
#include "server/session_manager.h"
#include "server/tls.h"

namespace caseledger::server {

namespace asio = boost::asio;
using asio::redirect_error;
using asio::use_awaitable;
using boost::system::error_code;
using schema::ErrorCode;
using schema::Request;

namespace {

int64_t NowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Session::Session(Stream stream, bool tls, const SessionEnvironment& env, std::string id)
    : stream_(std::move(stream)),
      tls_(tls),
      env_(env),
      id_(std::move(id)),
      limits_(env.config->limits),
      reader_wake_(stream_.get_executor()),
      writer_wake_(stream_.get_executor()),
      watchdog_(stream_.get_executor()),
      sub_wake_(stream_.get_executor()) {
  phase_since_ = last_activity_ = Clock::now();
}

void Session::Start() {
  auto self = shared_from_this();
  env_.metrics->ConnectionOpened();
  asio::co_spawn(stream_.get_executor(), [self] { return self->Run(); }, asio::detached);
  asio::co_spawn(stream_.get_executor(), [self] { return self->Watchdog(); }, asio::detached);
}

void Session::Stop() {
  auto self = shared_from_this();
  asio::post(stream_.get_executor(), [self] { self->Close("server stopping"); });
}

void Session::Drain() {
  auto self = shared_from_this();
  asio::post(stream_.get_executor(), [self] {
    if (self->closed_) return;
    self->draining_ = true;
    self->close_after_flush_ = true;
    self->EndSubscription();
    // Abandon the read that waits for the next request; replies still go out.
    error_code ec;
    self->stream_.lowest_layer().cancel(ec);
    self->reader_wake_.cancel();
    self->writer_wake_.cancel();
  });
}

void Session::NotifyLogGrowth() {
  if (growth_posted_.exchange(true)) return;
  auto self = shared_from_this();
  asio::post(stream_.get_executor(), [self] {
    self->growth_posted_ = false;
    self->sub_wake_.cancel();
  });
}

asio::awaitable<void> Session::WaitOn(asio::steady_timer& timer) {
  timer.expires_at(Clock::time_point::max());
  error_code ec;
  co_await timer.async_wait(redirect_error(use_awaitable, ec));
}

asio::awaitable<void> Session::ReadExactly(void* data, size_t size, error_code& ec) {
  if (tls_) {
    co_await asio::async_read(stream_, asio::buffer(data, size), redirect_error(use_awaitable, ec));
  } else {
    co_await asio::async_read(stream_.next_layer(), asio::buffer(data, size),
                              redirect_error(use_awaitable, ec));
  }
}

asio::awaitable<bool> Session::ReadFrame(kj::Array<capnp::word>* words) {
  uint8_t first[kFirstHeaderBytes];
  error_code ec;
  co_await ReadExactly(first, sizeof(first), ec);
  if (ec || closed_) co_return false;
  // A message has begun: it must now arrive whole within the frame timeout.
  if (phase_ != Phase::kHandshake) {
    phase_ = Phase::kFrame;
    phase_since_ = Clock::now();
  }
  auto header_bytes = FrameHeaderBytes(std::span<const uint8_t, kFirstHeaderBytes>(first));
  if (!header_bytes.ok()) {
    ErrorAndClose(0, ErrorCode::PROTOCOL_ERROR, header_bytes.status().message());
    co_return false;
  }
  std::vector<uint8_t> header(*header_bytes);
  std::memcpy(header.data(), first, sizeof(first));
  if (header.size() > sizeof(first)) {
    co_await ReadExactly(header.data() + sizeof(first), header.size() - sizeof(first), ec);
    if (ec || closed_) co_return false;
  }
  auto total = FrameMessageBytes(header, limits_.max_message_bytes);
  if (!total.ok()) {
    ErrorAndClose(0, ErrorCode::PROTOCOL_ERROR, total.status().message());
    co_return false;
  }
  *words = kj::heapArray<capnp::word>(*total / sizeof(capnp::word));
  auto* bytes = reinterpret_cast<uint8_t*>(words->begin());
  std::memcpy(bytes, header.data(), header.size());
  co_await ReadExactly(bytes + header.size(), *total - header.size(), ec);
  if (ec || closed_) co_return false;
  if (phase_ != Phase::kHandshake) phase_ = Phase::kIdle;
  phase_since_ = last_activity_ = Clock::now();
  co_return true;
}

asio::awaitable<void> Session::Run() {
  auto self = shared_from_this();
  try {
    const Principal* cert_principal = nullptr;
    if (tls_) {
      error_code ec;
      co_await stream_.async_handshake(asio::ssl::stream_base::server,
                                       redirect_error(use_awaitable, ec));
      if (ec) {
        env_.metrics->HandshakeFailed();
        env_.logger->info("session {}: TLS handshake failed: {}", id_, ec.message());
        Close("handshake failed");
        co_return;
      }
      PeerIdentity identity = PeerIdentityOf(stream_.native_handle());
      cert_principal = FindPrincipal(env_.config->principals, identity.subject, identity.sans);
      if (cert_principal == nullptr) {
        env_.logger->warn("session {}: certificate \"{}\" maps to no principal", id_,
                          identity.subject);
      }
    }
    asio::co_spawn(stream_.get_executor(), [self] { return self->WriterLoop(); }, asio::detached);

    kj::Array<capnp::word> words;
    if (!co_await ReadFrame(&words)) {
      if (!close_after_flush_) Close("no hello");
      co_return;
    }
    {
      auto frame = DecodeFrame(std::move(words), limits_.max_message_bytes);
      if (!frame.ok()) {
        ErrorAndClose(0, ErrorCode::PROTOCOL_ERROR, frame.status().message());
        co_return;
      }
      auto request = GetRoot<Request>(**frame);
      if (!request.ok()) {
        ErrorAndClose(0, ErrorCode::PROTOCOL_ERROR, request.status().message());
        co_return;
      }
      principal_ = cert_principal;
      if (!Hello(*request)) co_return;
    }
    phase_ = Phase::kIdle;
    phase_since_ = Clock::now();

    while (!closed_ && !draining_) {
      while ((inflight_ >= limits_.max_inflight_requests ||
              outbound_bytes_ > limits_.max_outbound_bytes) &&
             !closed_ && !draining_) {
        co_await WaitOn(reader_wake_);
      }
      if (closed_ || draining_) break;
      if (!co_await ReadFrame(&words)) break;
      auto frame = DecodeFrame(std::move(words), limits_.max_message_bytes);
      if (!frame.ok()) {
        ErrorAndClose(0, ErrorCode::PROTOCOL_ERROR, frame.status().message());
        co_return;
      }
      auto request = GetRoot<Request>(**frame);
      if (!request.ok()) {
        ErrorAndClose(0, ErrorCode::PROTOCOL_ERROR, request.status().message());
        co_return;
      }
      Dispatch(*request);
    }
    // The client closed, or the server drains: answer what is in flight, then close.
    close_after_flush_ = true;
    writer_wake_.cancel();
  } catch (const std::exception& e) {
    env_.logger->warn("session {}: {}", id_, e.what());
    Close("exception");
  }
}

bool Session::Hello(Request::Reader request) {
  const uint64_t id = request.getId();
  if (request.getBody().which() != Request::Body::HELLO) {
    ErrorAndClose(id, ErrorCode::PROTOCOL_ERROR, "the first message must be hello");
    return false;
  }
  env_.metrics->CountRequest(Request::Body::HELLO);
  auto hello = request.getBody().getHello();
  if (hello.getProtocolVersion() != schema::PROTOCOL_VERSION) {
    ErrorAndClose(id, ErrorCode::PROTOCOL_ERROR,
                  "protocol version " + std::to_string(hello.getProtocolVersion()) +
                      " is not spoken here; this server speaks " +
                      std::to_string(schema::PROTOCOL_VERSION));
    return false;
  }
  const std::string dev(hello.getDevPrincipal().cStr());
  if (tls_) {
    if (!dev.empty()) {
      env_.metrics->HandshakeFailed();
      ErrorAndClose(id, ErrorCode::PERMISSION_DENIED,
                    "devPrincipal is for the plain-TCP development mode only; over TLS the "
                    "client certificate names the principal");
      return false;
    }
    if (principal_ == nullptr) {
      env_.metrics->HandshakeFailed();
      ErrorAndClose(id, ErrorCode::PERMISSION_DENIED,
                    "the client certificate maps to no configured principal");
      return false;
    }
  } else {
    principal_ = FindPrincipalById(env_.config->principals, dev);
    if (principal_ == nullptr) {
      env_.metrics->HandshakeFailed();
      ErrorAndClose(id, ErrorCode::PERMISSION_DENIED,
                    "plain-TCP development mode: hello must name a configured principal in "
                    "devPrincipal");
      return false;
    }
  }
  env_.logger->info("session {}: principal {} ({}) connected with {}", id_, principal_->id,
                    UserRoleName(principal_->user_role), hello.getClient().cStr());
  Enqueue(env_.handler->HelloReply(id, *principal_));
  return true;
}

void Session::Dispatch(Request::Reader request) {
  const uint64_t id = request.getId();
  switch (request.getBody().which()) {
    case Request::Body::HELLO:
      ErrorAndClose(id, ErrorCode::PROTOCOL_ERROR, "hello was already received");
      return;
    case Request::Body::SUBSCRIBE:
      env_.metrics->CountRequest(Request::Body::SUBSCRIBE);
      StartSubscription(request);
      return;
    case Request::Body::CREDIT: {
      env_.metrics->CountRequest(Request::Body::CREDIT);
      if (!sub_.active) {
        Enqueue(ErrorReply(id, ErrorCode::INVALID_ARGUMENT, "credit without a subscription"));
        return;
      }
      const uint64_t credit = uint64_t{sub_.credit} + request.getBody().getCredit();
      sub_.credit = static_cast<uint32_t>(
          std::min<uint64_t>(credit, limits_.max_subscription_credit));
      sub_wake_.cancel();
      return;
    }
    case Request::Body::UNSUBSCRIBE: {
      env_.metrics->CountRequest(Request::Body::UNSUBSCRIBE);
      if (!sub_.active) {
        Enqueue(ErrorReply(id, ErrorCode::INVALID_ARGUMENT, "no subscription to end"));
        return;
      }
      const uint64_t next = sub_.next;
      EndSubscription();
      capnp::MallocMessageBuilder builder;
      auto response = builder.initRoot<schema::Response>();
      response.setId(id);
      auto batch = response.getBody().initSubscription();
      batch.setNext(next);
      Enqueue(EncodeFrame(builder));
      return;
    }
    case Request::Body::GOODBYE: {
      env_.metrics->CountRequest(Request::Body::GOODBYE);
      // Read no more; the reply goes out after every earlier reply, then the connection closes.
      draining_ = true;
      close_after_flush_ = true;
      EndSubscription();
      auto self = shared_from_this();
      capnp::MallocMessageBuilder builder;
      auto response = builder.initRoot<schema::Response>();
      response.setId(id);
      response.getBody().setGoodbye();
      goodbye_ = EncodeFrame(builder);
      if (inflight_ == 0) {
        Enqueue(std::move(*goodbye_));
        goodbye_.reset();
      }
      return;
    }
    default:
      break;
  }
  ++inflight_;
  RequestContext context{principal_, id_, NowMicros()};
  auto self = shared_from_this();
  env_.handler->Handle(context, request,
                       [self](Frame frame) { self->PostReply(std::move(frame), true); });
}

void Session::StartSubscription(Request::Reader request) {
  const uint64_t id = request.getId();
  RequestContext context{principal_, id_, NowMicros()};
  if (Status s = env_.handler->CheckSubscribe(context, request); !s.ok()) {
    env_.metrics->CountError(ErrorCodeFor(s));
    Enqueue(ErrorReply(id, s));
    return;
  }
  if (sub_.active || sub_.reading) {
    Enqueue(ErrorReply(id, ErrorCode::INVALID_ARGUMENT,
                       "this connection already has a subscription"));
    return;
  }
  auto sub = request.getBody().getSubscribe();
  if (sub.getCredit() == 0) {
    Enqueue(ErrorReply(id, ErrorCode::INVALID_ARGUMENT, "a subscription needs credit > 0"));
    return;
  }
  sub_.request_id = id;
  sub_.purpose = request.getPurpose().cStr();
  sub_.next = sub.getFromPosition();
  sub_.credit = std::min(sub.getCredit(), limits_.max_subscription_credit);
  sub_.batch = sub.getMaxBatch() == 0 ? limits_.subscription_batch
                                      : std::min(sub.getMaxBatch(), limits_.subscription_batch);
  sub_.active = true;
  env_.manager->AddSubscriber(shared_from_this());
  env_.metrics->SubscriberAdded();
  auto self = shared_from_this();
  asio::co_spawn(stream_.get_executor(), [self] { return self->SubscriptionLoop(); },
                 asio::detached);
}

void Session::EndSubscription() {
  if (!sub_.active) return;
  sub_.active = false;
  env_.manager->RemoveSubscriber(shared_from_this());
  env_.metrics->SubscriberRemoved();
  sub_wake_.cancel();
}

asio::awaitable<void> Session::SubscriptionLoop() {
  auto self = shared_from_this();
  Ledger& ledger = env_.handler->ledger();
  while (sub_.active && !closed_) {
    if (sub_.credit == 0 || outbound_bytes_ > limits_.max_outbound_bytes / 2 ||
        sub_.next >= ledger.size()) {
      co_await WaitOn(sub_wake_);
      continue;
    }
    sub_.reading = true;
    sub_.pending.reset();
    RequestContext context{principal_, id_, NowMicros()};
    env_.handler->SubscriptionRead(
        context, sub_.request_id, sub_.purpose, sub_.next, std::min(sub_.credit, sub_.batch),
        [self](Result<RequestHandler::SubscriptionStep> step) {
          auto shared = std::make_shared<Result<RequestHandler::SubscriptionStep>>(std::move(step));
          asio::post(self->stream_.get_executor(), [self, shared] {
            self->sub_.pending.emplace(std::move(*shared));
            self->sub_wake_.cancel();
          });
        });
    while (!sub_.pending && !closed_) co_await WaitOn(sub_wake_);
    sub_.reading = false;
    if (closed_) break;
    auto step = std::move(*sub_.pending);
    sub_.pending.reset();
    if (!step.ok()) {
      env_.metrics->CountError(ErrorCodeFor(step.status()));
      Enqueue(ErrorReply(sub_.request_id, step.status()));
      EndSubscription();
      break;
    }
    if (!sub_.active) break;  // unsubscribed meanwhile: the batch is dropped
    if (step->events == 0) continue;
    sub_.credit -= static_cast<uint32_t>(step->events);
    sub_.next = step->next;
    env_.metrics->CountSubscriptionEvents(step->events);
    Enqueue(std::move(step->frame));
  }
  writer_wake_.cancel();
}

void Session::Enqueue(Frame frame) {
  if (closed_) return;
  outbound_bytes_ += frame.size() * sizeof(capnp::word);
  outbound_.push_back(std::move(frame));
  writer_wake_.cancel();
}

void Session::PostReply(Frame frame, bool finishes_request) {
  auto self = shared_from_this();
  auto shared = std::make_shared<Frame>(std::move(frame));
  asio::post(stream_.get_executor(), [self, shared, finishes_request] {
    if (finishes_request) {
      --self->inflight_;
      self->reader_wake_.cancel();
    }
    self->Enqueue(std::move(*shared));
    if (self->inflight_ == 0 && self->goodbye_) {
      self->Enqueue(std::move(*self->goodbye_));
      self->goodbye_.reset();
    }
    self->writer_wake_.cancel();
  });
}

void Session::ErrorAndClose(uint64_t id, ErrorCode code, const std::string& message) {
  env_.metrics->CountError(code);
  env_.logger->info("session {}: closing after error: {}", id_, message);
  Enqueue(ErrorReply(id, code, message));
  close_after_flush_ = true;
  writer_wake_.cancel();
}

asio::awaitable<void> Session::WriterLoop() {
  auto self = shared_from_this();
  std::vector<Frame> batch;
  std::vector<asio::const_buffer> buffers;
  while (!closed_) {
    if (outbound_.empty()) {
      if (close_after_flush_ && inflight_ == 0 && !sub_.reading) {
        Close("finished");
        break;
      }
      co_await WaitOn(writer_wake_);
      continue;
    }
    batch.clear();
    buffers.clear();
    size_t bytes = 0;
    while (!outbound_.empty() && batch.size() < 64) {
      batch.push_back(std::move(outbound_.front()));
      outbound_.pop_front();
      auto b = batch.back().asBytes();
      buffers.emplace_back(b.begin(), b.size());
      bytes += b.size();
    }
    writing_ = true;
    write_since_ = Clock::now();
    error_code ec;
    if (tls_) {
      co_await asio::async_write(stream_, buffers, redirect_error(use_awaitable, ec));
    } else {
      co_await asio::async_write(stream_.next_layer(), buffers, redirect_error(use_awaitable, ec));
    }
    writing_ = false;
    outbound_bytes_ -= bytes;
    last_activity_ = Clock::now();
    if (ec) {
      Close("write failed");
      break;
    }
    reader_wake_.cancel();
    sub_wake_.cancel();
  }
}

asio::awaitable<void> Session::Watchdog() {
  auto self = shared_from_this();
  using std::chrono::seconds;
  while (!closed_) {
    const auto now = Clock::now();
    const char* reason = nullptr;
    if (phase_ == Phase::kHandshake && now - phase_since_ > seconds(limits_.handshake_timeout_seconds)) {
      reason = "no TLS handshake and hello in time";
    } else if (phase_ == Phase::kFrame &&
               now - phase_since_ > seconds(limits_.frame_timeout_seconds)) {
      reason = "a message was started but not finished in time";
    } else if (phase_ == Phase::kIdle && inflight_ == 0 && !sub_.active && outbound_.empty() &&
               now - last_activity_ > seconds(limits_.idle_timeout_seconds)) {
      reason = "idle";
    } else if (writing_ && now - write_since_ > seconds(limits_.write_timeout_seconds)) {
      reason = "the client does not take its replies";
    }
    if (reason != nullptr) {
      env_.logger->info("session {}: closing: {}", id_, reason);
      Close(reason);
      break;
    }
    watchdog_.expires_after(seconds(1));
    error_code ec;
    co_await watchdog_.async_wait(redirect_error(use_awaitable, ec));
  }
}

void Session::Close(const char* reason) {
  if (closed_) return;
  closed_ = true;
  env_.logger->debug("session {}: closed ({})", id_, reason);
  EndSubscription();
  error_code ec;
  stream_.lowest_layer().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  stream_.lowest_layer().close(ec);
  reader_wake_.cancel();
  writer_wake_.cancel();
  watchdog_.cancel();
  sub_wake_.cancel();
  env_.metrics->ConnectionClosed();
  env_.manager->Remove(shared_from_this());
}

}  // namespace caseledger::server
