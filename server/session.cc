#include "server/session.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/completion_condition.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <capnp/schema.h>
#include <capnp/serialize.h>
#include <kj/exception.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <spdlog/spdlog.h>

#include <cstring>
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

// One write carries at most this many replies and (past the first) this many bytes, so the
// write timeout measures the client's progress, not the length of the queue.
constexpr size_t kMaxWriteFrames = 64;
constexpr size_t kMaxWriteBytes = 256 << 10;

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
    if (self->closed_ || self->draining_) return;
    if (!self->hello_done_) {
      // Nothing can be in flight before hello.
      self->Close("server stopping before hello");
      return;
    }
    self->draining_ = true;
    self->drain_message_ = "the server is shutting down";
    self->EndSubscription();
    self->reader_wake_.cancel();
    self->writer_wake_.cancel();
  });
}

void Session::NotifyLogGrowth() {
  if (growth_posted_.exchange(true)) return;
  auto self = shared_from_this();
  asio::post(stream_.get_executor(), [self] {
    // Cleared before the wake-up: growth after this point posts again.
    self->growth_posted_ = false;
    self->sub_wake_.cancel();
  });
}

// Every wait in a session is "re-check the condition, then wait"; both run on the strand
// without a suspension between them, so a cancel() posted after the state change cannot fall
// between the check and the wait.
asio::awaitable<void> Session::WaitOn(asio::steady_timer& timer) {
  timer.expires_at(Clock::time_point::max());
  error_code ec;
  co_await timer.async_wait(redirect_error(use_awaitable, ec));
}

asio::awaitable<size_t> Session::Read(void* data, size_t size, size_t at_least, error_code& ec) {
  size_t n = 0;
  if (tls_) {
    n = co_await asio::async_read(stream_, asio::buffer(data, size),
                                  asio::transfer_at_least(at_least),
                                  redirect_error(use_awaitable, ec));
  } else {
    n = co_await asio::async_read(stream_.next_layer(), asio::buffer(data, size),
                                  asio::transfer_at_least(at_least),
                                  redirect_error(use_awaitable, ec));
  }
  co_return n;
}

Session::ReadEnd Session::Classify(const error_code& ec) const {
  if (ec == asio::error::eof || ec == asio::ssl::error::stream_truncated) return ReadEnd::kEof;
  // OpenSSL 3 reports a TCP close without close_notify this way; Boost 1.74 does not map it to
  // stream_truncated (TRAPS.md). For us it is the client's EOF.
  if (ec.category() == asio::error::get_ssl_category() &&
      ERR_GET_REASON(static_cast<unsigned long>(ec.value())) == SSL_R_UNEXPECTED_EOF_WHILE_READING) {
    return ReadEnd::kEof;
  }
  return ReadEnd::kError;
}

asio::awaitable<Session::ReadEnd> Session::ReadFrame(kj::Array<capnp::word>* words) {
  uint8_t first[kFirstHeaderBytes];
  error_code ec;
  // The first byte may take as long as the client likes (the idle watchdog decides); from then
  // on the whole message must arrive within the frame timeout.
  size_t got = co_await Read(first, sizeof(first), 1, ec);
  if (ec) co_return Classify(ec);
  if (closed_) co_return ReadEnd::kError;
  if (hello_done_) {
    phase_ = Phase::kFrame;
    phase_since_ = Clock::now();
  }
  if (got < sizeof(first)) {
    co_await Read(first + got, sizeof(first) - got, sizeof(first) - got, ec);
    if (ec) co_return Classify(ec);
    if (closed_) co_return ReadEnd::kError;
  }
  auto header_bytes = FrameHeaderBytes(std::span<const uint8_t, kFirstHeaderBytes>(first));
  if (!header_bytes.ok()) {
    ErrorAndClose(0, ErrorCode::PROTOCOL_ERROR, header_bytes.status().message());
    co_return ReadEnd::kViolation;
  }
  std::vector<uint8_t> header(*header_bytes);
  std::memcpy(header.data(), first, sizeof(first));
  if (header.size() > sizeof(first)) {
    const size_t rest = header.size() - sizeof(first);
    co_await Read(header.data() + sizeof(first), rest, rest, ec);
    if (ec) co_return Classify(ec);
    if (closed_) co_return ReadEnd::kError;
  }
  auto total = FrameMessageBytes(header, limits_.max_message_bytes);
  if (!total.ok()) {
    ErrorAndClose(0, ErrorCode::PROTOCOL_ERROR, total.status().message());
    co_return ReadEnd::kViolation;
  }
  // TODO(perf): a client may announce max_message_bytes and send slowly; the buffer is
  // allocated whole (untouched pages cost no memory until the bytes arrive).
  *words = kj::heapArray<capnp::word>(*total / sizeof(capnp::word));
  auto* bytes = reinterpret_cast<uint8_t*>(words->begin());
  std::memcpy(bytes, header.data(), header.size());
  const size_t rest = *total - header.size();
  co_await Read(bytes + header.size(), rest, rest, ec);
  if (ec) co_return Classify(ec);
  if (closed_) co_return ReadEnd::kError;
  if (hello_done_) phase_ = Phase::kIdle;
  phase_since_ = last_activity_ = Clock::now();
  co_return ReadEnd::kFrame;
}

asio::awaitable<void> Session::Run() {
  auto self = shared_from_this();
  try {
    if (tls_) {
      error_code ec;
      co_await stream_.async_handshake(asio::ssl::stream_base::server,
                                       redirect_error(use_awaitable, ec));
      if (closed_) co_return;
      if (ec) {
        env_.metrics->HandshakeFailed();
        env_.logger->info("session {}: TLS handshake failed: {}", id_, ec.message());
        // OpenSSL has written its alert; linger so that the client reads it (under TLS 1.3
        // on its first read) instead of a reset.
        Linger();
        co_return;
      }
      tls_established_ = true;
      PeerIdentity identity = PeerIdentityOf(stream_.native_handle());
      principal_ = FindPrincipal(env_.config->principals, identity.subject, identity.sans);
      if (principal_ == nullptr) {
        env_.logger->warn("session {}: certificate \"{}\" maps to no principal", id_,
                          identity.subject);
      }
    }
    writer_started_ = true;
    asio::co_spawn(stream_.get_executor(), [self] { return self->WriterLoop(); }, asio::detached);
    co_await ReadLoop();
  } catch (const std::exception& e) {
    env_.logger->warn("session {}: reader failed: {}", id_, e.what());
    Close("exception");
  } catch (const kj::Exception& e) {
    env_.logger->warn("session {}: reader failed: {}", id_, e.getDescription().cStr());
    Close("exception");
  } catch (...) {
    Close("exception");
  }
}

asio::awaitable<void> Session::ReadLoop() {
  kj::Array<capnp::word> words;
  ReadEnd end = ReadEnd::kViolation;
  reader_active_ = true;
  while (!closed_ && !lingering_ && !close_after_flush_) {
    // Flow control: a client that does not take its replies stops being read.
    while ((inflight_ >= limits_.max_inflight_requests ||
            outbound_bytes_ > limits_.max_outbound_bytes) &&
           !closed_ && !lingering_ && !close_after_flush_) {
      co_await WaitOn(reader_wake_);
    }
    if (closed_ || lingering_ || close_after_flush_) break;
    end = co_await ReadFrame(&words);
    // A frame that completes after the session began to close is dropped unanswered.
    if (end != ReadEnd::kFrame || lingering_ || closed_ || close_after_flush_) break;
    auto frame = DecodeFrame(std::move(words), limits_.max_message_bytes);
    if (!frame.ok()) {
      ErrorAndClose(0, ErrorCode::PROTOCOL_ERROR, frame.status().message());
      end = ReadEnd::kViolation;
      break;
    }
    auto request = GetRoot<Request>(**frame);
    if (!request.ok()) {
      ErrorAndClose(0, ErrorCode::PROTOCOL_ERROR, request.status().message());
      end = ReadEnd::kViolation;
      break;
    }
    if (!hello_done_) {
      if (!Hello(*request)) {
        end = ReadEnd::kViolation;
        break;
      }
      continue;
    }
    if (draining_) {
      env_.metrics->CountError(ErrorCode::UNAVAILABLE);
      Enqueue(ErrorReply(request->getId(), ErrorCode::UNAVAILABLE, drain_message_));
      continue;
    }
    if (!Dispatch(*request)) {
      end = ReadEnd::kViolation;
      break;
    }
  }
  reader_active_ = false;
  if (closed_) co_return;
  if (end == ReadEnd::kEof) {
    PeerClosed();
    co_return;
  }
  if (end == ReadEnd::kError && !lingering_) {
    Close("read failed");
    co_return;
  }
  // A violation (its error reply is queued), or the writer has finished and cancelled this
  // read: close gracefully once the writer is done.
  while (!lingering_ && !closed_) co_await WaitOn(reader_wake_);
  if (!closed_) co_await CloseGracefully();
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
  hello_done_ = true;
  phase_ = Phase::kIdle;
  phase_since_ = last_activity_ = Clock::now();
  Enqueue(env_.handler->HelloReply(id, *principal_));
  return true;
}

bool Session::Dispatch(Request::Reader request) {
  const uint64_t id = request.getId();
  switch (request.getBody().which()) {
    case Request::Body::HELLO:
      ErrorAndClose(id, ErrorCode::PROTOCOL_ERROR, "hello was already received");
      return false;
    case Request::Body::SUBSCRIBE:
      env_.metrics->CountRequest(Request::Body::SUBSCRIBE);
      StartSubscription(request);
      return true;
    case Request::Body::CREDIT: {
      env_.metrics->CountRequest(Request::Body::CREDIT);
      if (!sub_.active) {
        Enqueue(ErrorReply(id, ErrorCode::INVALID_ARGUMENT, "credit without a subscription"));
        return true;
      }
      const uint64_t credit = uint64_t{sub_.credit} + request.getBody().getCredit();
      sub_.credit = static_cast<uint32_t>(
          std::min<uint64_t>(credit, limits_.max_subscription_credit));
      sub_wake_.cancel();
      return true;
    }
    case Request::Body::UNSUBSCRIBE: {
      env_.metrics->CountRequest(Request::Body::UNSUBSCRIBE);
      if (!sub_.active) {
        Enqueue(ErrorReply(id, ErrorCode::INVALID_ARGUMENT, "no subscription to end"));
        return true;
      }
      const uint64_t next = sub_.next;
      EndSubscription();
      capnp::MallocMessageBuilder builder;
      auto response = builder.initRoot<schema::Response>();
      response.setId(id);
      auto batch = response.getBody().initSubscription();
      batch.setNext(next);
      Enqueue(EncodeFrame(builder));
      return true;
    }
    case Request::Body::GOODBYE: {
      env_.metrics->CountRequest(Request::Body::GOODBYE);
      // Requests after this one are refused; the reply goes out after every earlier reply,
      // then the connection closes.
      draining_ = true;
      drain_message_ = "goodbye was received; the connection is closing";
      EndSubscription();
      capnp::MallocMessageBuilder builder;
      auto response = builder.initRoot<schema::Response>();
      response.setId(id);
      response.getBody().setGoodbye();
      goodbye_ = EncodeFrame(builder);
      if (inflight_ == 0) {
        Enqueue(std::move(*goodbye_));
        goodbye_.reset();
      }
      writer_wake_.cancel();
      return true;
    }
    default:
      break;
  }
  // Everything else (unknown operations too) goes to the handler, which replies exactly once.
  // A reply is taken once even if a faulty path were to call twice, and an exception escaping
  // the handler (a Cap'n Proto reader refusing a malformed request) becomes this request's
  // error reply instead of ending the connection's reader.
  ++inflight_;
  env_.manager->CallStarted();
  auto self = shared_from_this();
  auto replied = std::make_shared<std::atomic<bool>>(false);
  ReplyFn reply = [self, replied](Frame frame) {
    if (replied->exchange(true)) return;
    self->PostReply(std::move(frame));
    self->env_.manager->CallFinished();
  };
  RequestContext context{principal_, id_, NowMicros()};
  try {
    env_.handler->Handle(context, request, reply);
  } catch (const kj::Exception& e) {
    env_.metrics->CountError(ErrorCode::PROTOCOL_ERROR);
    reply(ErrorReply(id, ErrorCode::PROTOCOL_ERROR,
                     std::string("malformed request: ") + e.getDescription().cStr()));
  } catch (const std::exception& e) {
    env_.logger->error("session {}: request {} failed: {}", id_, id, e.what());
    env_.metrics->CountError(ErrorCode::UNAVAILABLE);
    reply(ErrorReply(id, ErrorCode::UNAVAILABLE, "the server could not handle the request"));
  }
  return true;
}

void Session::StartSubscription(Request::Reader request) {
  const uint64_t id = request.getId();
  RequestContext context{principal_, id_, NowMicros()};
  if (Status s = env_.handler->CheckSubscribe(context, request); !s.ok()) {
    env_.metrics->CountError(ErrorCodeFor(s));
    Enqueue(ErrorReply(id, s));
    return;
  }
  if (sub_.active) {
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
  // A read of an earlier subscription may still be in flight: its batch is then dropped (the
  // generation tells it apart), and the one loop goes on serving this subscription.
  ++sub_.generation;
  env_.manager->AddSubscriber(shared_from_this());
  env_.metrics->SubscriberAdded();
  if (sub_.loop_running) {
    sub_wake_.cancel();
    return;
  }
  sub_.loop_running = true;
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
  try {
    Ledger& ledger = env_.handler->ledger();
    while (sub_.active && !closed_) {
      if (sub_.credit == 0 || outbound_bytes_ > limits_.max_outbound_bytes / 2 ||
          sub_.next >= ledger.size()) {
        co_await WaitOn(sub_wake_);
        continue;
      }
      sub_.reading = true;
      sub_.pending.reset();
      const uint64_t generation = sub_.generation;
      env_.manager->CallStarted();
      auto once = std::make_shared<std::atomic<bool>>(false);
      auto done = [self, once](Result<RequestHandler::SubscriptionStep> step) {
        if (once->exchange(true)) return;
        auto shared =
            std::make_shared<Result<RequestHandler::SubscriptionStep>>(std::move(step));
        asio::post(self->stream_.get_executor(), [self, shared] {
          self->sub_.pending.emplace(std::move(*shared));
          self->sub_wake_.cancel();
        });
        self->env_.manager->CallFinished();
      };
      RequestContext context{principal_, id_, NowMicros()};
      try {
        env_.handler->SubscriptionRead(context, sub_.request_id, sub_.purpose, sub_.next,
                                       std::min(sub_.credit, sub_.batch), done);
      } catch (const kj::Exception& e) {
        done(Status::Corruption(std::string("subscription read failed: ") +
                                e.getDescription().cStr()));
      }
      while (!sub_.pending && !closed_) co_await WaitOn(sub_wake_);
      sub_.reading = false;
      writer_wake_.cancel();  // the writer may wait for this read before closing
      if (closed_) break;
      auto step = std::move(*sub_.pending);
      sub_.pending.reset();
      // Unsubscribed (and perhaps subscribed again) meanwhile: the batch is dropped.
      if (!sub_.active || sub_.generation != generation) continue;
      if (!step.ok()) {
        env_.metrics->CountError(ErrorCodeFor(step.status()));
        Enqueue(ErrorReply(sub_.request_id, step.status()));
        EndSubscription();
        break;
      }
      if (step->events == 0) continue;
      sub_.credit -= static_cast<uint32_t>(std::min<size_t>(step->events, sub_.credit));
      sub_.next = step->next;
      env_.metrics->CountSubscriptionEvents(step->events);
      Enqueue(std::move(step->frame));
    }
  } catch (const std::exception& e) {
    env_.logger->warn("session {}: subscription failed: {}", id_, e.what());
    Close("exception");
  } catch (const kj::Exception& e) {
    env_.logger->warn("session {}: subscription failed: {}", id_, e.getDescription().cStr());
    Close("exception");
  } catch (...) {
    Close("exception");
  }
  sub_.loop_running = false;
  writer_wake_.cancel();
}

void Session::Enqueue(Frame frame) {
  if (closed_ || lingering_) return;
  LogIfRefusal(frame);
  outbound_bytes_ += frame.size() * sizeof(capnp::word);
  outbound_.push_back(std::move(frame));
  writer_wake_.cancel();
}

void Session::LogIfRefusal(const Frame& frame) const {
  if (!log_refusals_ || !env_.logger->should_log(spdlog::level::info)) return;
  try {
    capnp::FlatArrayMessageReader reader(frame.asPtr());
    auto response = reader.getRoot<schema::Response>();
    if (!response.getBody().isError()) return;
    auto error = response.getBody().getError();
    auto names = capnp::Schema::from<ErrorCode>().getEnumerants();
    const auto code = static_cast<uint16_t>(error.getCode());
    env_.logger->info("session {}: request {} refused: {}: {}", id_, response.getId(),
                      code < names.size() ? names[code].getProto().getName().cStr() : "?",
                      error.getMessage().cStr());
  } catch (const kj::Exception&) {
    // Our own frames always decode; a logging helper never ends a session.
  }
}

void Session::PostReply(Frame frame) {
  auto self = shared_from_this();
  auto shared = std::make_shared<Frame>(std::move(frame));
  asio::post(stream_.get_executor(), [self, shared] {
    --self->inflight_;
    self->reader_wake_.cancel();
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
  log_refusals_ = false;  // the line above is this refusal's
  Enqueue(ErrorReply(id, code, message));
  log_refusals_ = true;
  close_after_flush_ = true;
  if (!close_deadline_) {
    close_deadline_ = Clock::now() + std::chrono::seconds(limits_.write_timeout_seconds);
  }
  reader_wake_.cancel();
  writer_wake_.cancel();
}

void Session::PeerClosed() {
  peer_closed_ = true;
  if (lingering_) {
    Close("finished");
    return;
  }
  close_after_flush_ = true;
  writer_wake_.cancel();
}

bool Session::Finished() const {
  return outbound_.empty() && !writing_ && (close_after_flush_ || draining_) && inflight_ == 0 &&
         !sub_.reading && !goodbye_;
}

void Session::Linger() {
  if (closed_ || lingering_) return;
  lingering_ = true;
  linger_since_ = Clock::now();
  watchdog_.cancel();  // re-evaluate with the linger deadline
  if (peer_closed_) {
    Close("finished");
    return;
  }
  if (reader_active_) {
    // Nothing is being written now, so this aborts only the reader's pending read; the reader
    // then does the closing handshake.
    error_code ec;
    stream_.lowest_layer().cancel(ec);
    reader_wake_.cancel();
    return;
  }
  reader_wake_.cancel();
  if (!writer_started_) {
    auto self = shared_from_this();
    asio::co_spawn(stream_.get_executor(), [self] { return self->CloseGracefully(); },
                   asio::detached);
  }
}

asio::awaitable<void> Session::CloseGracefully() {
  auto self = shared_from_this();
  error_code ec;
  try {
    if (tls_established_) {
      // close_notify, then wait for the peer's. OpenSSL gives up that wait with an error when
      // application data arrives instead (a pipelining client has requests on the way); the
      // close_notify is out by then, and the rest is read and thrown away below.
      co_await stream_.async_shutdown(redirect_error(use_awaitable, ec));
      if (!ec) {
        Close("finished");
        co_return;
      }
    }
    stream_.lowest_layer().shutdown(asio::ip::tcp::socket::shutdown_send, ec);
    uint8_t scratch[4096];
    while (!closed_) {
      co_await stream_.next_layer().async_read_some(asio::buffer(scratch),
                                                    redirect_error(use_awaitable, ec));
      if (ec) break;
    }
  } catch (...) {
    // Closing anyway.
  }
  // The peer closed, or the watchdog ended the wait.
  Close("finished");
}

asio::awaitable<void> Session::WriterLoop() {
  auto self = shared_from_this();
  try {
    std::vector<Frame> batch;
    std::vector<asio::const_buffer> buffers;
    while (!closed_) {
      if (outbound_.empty()) {
        if (Finished()) {
          Linger();
          break;
        }
        co_await WaitOn(writer_wake_);
        continue;
      }
      batch.clear();
      buffers.clear();
      size_t bytes = 0;
      while (!outbound_.empty() && batch.size() < kMaxWriteFrames &&
             (batch.empty() || bytes + outbound_.front().size() * sizeof(capnp::word) <=
                                   kMaxWriteBytes)) {
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
        co_await asio::async_write(stream_.next_layer(), buffers,
                                   redirect_error(use_awaitable, ec));
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
  } catch (const std::exception& e) {
    env_.logger->warn("session {}: writer failed: {}", id_, e.what());
    Close("exception");
  } catch (...) {
    Close("exception");
  }
}

asio::awaitable<void> Session::Watchdog() {
  auto self = shared_from_this();
  using std::chrono::seconds;
  try {
    while (!closed_) {
      const auto now = Clock::now();
      const char* hard = nullptr;
      if (writing_ && now - write_since_ > seconds(limits_.write_timeout_seconds)) {
        hard = "the client does not take its replies";
      } else if (lingering_) {
        if (now - linger_since_ >= seconds(kLingerSeconds)) hard = "the client did not close";
      } else if (close_deadline_ && now > *close_deadline_) {
        hard = "closing took too long";
      } else if (phase_ == Phase::kHandshake &&
                 now - phase_since_ > seconds(limits_.handshake_timeout_seconds)) {
        hard = "no TLS handshake and hello in time";
      } else if (!close_after_flush_ && !draining_) {
        if (phase_ == Phase::kFrame &&
            now - phase_since_ > seconds(limits_.frame_timeout_seconds)) {
          ErrorAndClose(0, ErrorCode::PROTOCOL_ERROR,
                        "a message was started but not finished within " +
                            std::to_string(limits_.frame_timeout_seconds) + " s");
        } else if (phase_ == Phase::kIdle && inflight_ == 0 && !sub_.active &&
                   outbound_.empty() && !writing_ &&
                   now - last_activity_ > seconds(limits_.idle_timeout_seconds)) {
          ErrorAndClose(0, ErrorCode::UNAVAILABLE,
                        "closing the connection: idle for " +
                            std::to_string(limits_.idle_timeout_seconds) + " s");
        }
      }
      if (hard != nullptr) {
        env_.logger->info("session {}: closing: {}", id_, hard);
        Close(hard);
        break;
      }
      auto next = now + seconds(1);
      if (lingering_) next = std::min(next, linger_since_ + seconds(kLingerSeconds));
      watchdog_.expires_at(next);
      error_code ec;
      co_await watchdog_.async_wait(redirect_error(use_awaitable, ec));
    }
  } catch (const std::exception& e) {
    env_.logger->warn("session {}: watchdog failed: {}", id_, e.what());
    Close("exception");
  } catch (...) {
    Close("exception");
  }
}

void Session::Close(const char* reason) {
  if (closed_) return;
  closed_ = true;
  env_.logger->debug("session {}: closed ({})", id_, reason);
  EndSubscription();
  error_code ec;
  stream_.lowest_layer().close(ec);
  reader_wake_.cancel();
  writer_wake_.cancel();
  watchdog_.cancel();
  sub_wake_.cancel();
  env_.metrics->ConnectionClosed();
  env_.manager->Remove(shared_from_this());
}

}  // namespace caseledger::server
