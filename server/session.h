// One client connection (as the Asio http/server example's connection): the TLS handshake,
// the hello exchange, a reader coroutine that decodes requests and hands them to the request
// handler, a writer coroutine that sends replies from a bounded outbound queue, a
// subscription coroutine, and a watchdog that closes idle, stalled and slow connections.
// Everything of a session runs on its strand.
#ifndef CASELEDGER_SERVER_SESSION_H_
#define CASELEDGER_SERVER_SESSION_H_

#include <utility>  // before Asio's awaitable.hpp (TRAPS.md)

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include <atomic>
#include <chrono>
#include <deque>
#include <memory>
#include <optional>
#include <string>

#include "server/access_control.h"
#include "server/config.h"
#include "server/request_handler.h"

namespace spdlog {
class logger;
}

namespace caseledger::server {

class SessionManager;

// What every session shares: set once by the server.
struct SessionEnvironment {
  const ServerConfig* config = nullptr;
  RequestHandler* handler = nullptr;
  Metrics* metrics = nullptr;
  SessionManager* manager = nullptr;
  std::shared_ptr<spdlog::logger> logger;
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  using Executor = boost::asio::strand<boost::asio::io_context::executor_type>;
  using Stream = boost::asio::ssl::stream<boost::asio::ip::tcp::socket>;

  Session(Stream stream, bool tls, const SessionEnvironment& env, std::string id);
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  void Start();
  // Closes at once (server stop after the drain time).
  void Stop();
  // Stops reading requests; closes once in-flight requests are answered and sent.
  void Drain();
  // The log grew: a live subscription may send. Thread-safe, coalesced.
  void NotifyLogGrowth();

  const std::string& id() const { return id_; }

 private:
  using Clock = std::chrono::steady_clock;
  template <typename T>
  using awaitable = boost::asio::awaitable<T>;

  awaitable<void> Run();
  awaitable<void> WriterLoop();
  awaitable<void> Watchdog();
  awaitable<void> SubscriptionLoop();
  // Reads one whole frame into `words`. False on EOF, error or a framing violation (an error
  // reply is queued for the latter).
  awaitable<bool> ReadFrame(kj::Array<capnp::word>* words);
  awaitable<void> ReadExactly(void* data, size_t size, boost::system::error_code& ec);
  awaitable<void> WaitOn(boost::asio::steady_timer& timer);
  bool Hello(schema::Request::Reader request);
  void Dispatch(schema::Request::Reader request);
  void StartSubscription(schema::Request::Reader request);

  // Queue a reply (strand only).
  void Enqueue(Frame frame);
  // Queue a reply from any thread.
  void PostReply(Frame frame, bool finishes_request);
  // Queues an error reply, then closes once it is sent.
  void ErrorAndClose(uint64_t id, schema::ErrorCode code, const std::string& message);
  void EndSubscription();
  void Close(const char* reason);

  Stream stream_;
  const bool tls_;
  SessionEnvironment env_;
  const std::string id_;
  const Limits& limits_;

  // Strand state.
  const Principal* principal_ = nullptr;
  std::optional<Principal> dev_principal_;
  bool closed_ = false;
  bool draining_ = false;
  bool close_after_flush_ = false;
  uint32_t inflight_ = 0;
  std::optional<Frame> goodbye_;  // sent once nothing is in flight
  std::deque<Frame> outbound_;
  size_t outbound_bytes_ = 0;
  // What the reader waits for, and since when: the watchdog's view.
  enum class Phase { kHandshake, kIdle, kFrame };
  Phase phase_ = Phase::kHandshake;
  Clock::time_point phase_since_;
  Clock::time_point last_activity_;
  bool writing_ = false;
  Clock::time_point write_since_;
  boost::asio::steady_timer reader_wake_;
  boost::asio::steady_timer writer_wake_;
  boost::asio::steady_timer watchdog_;

  struct Subscription {
    uint64_t request_id = 0;
    std::string purpose;
    uint64_t next = 0;
    uint32_t credit = 0;
    uint32_t batch = 0;
    bool active = false;
    bool reading = false;
    std::optional<Result<RequestHandler::SubscriptionStep>> pending;
  };
  Subscription sub_;
  boost::asio::steady_timer sub_wake_;
  std::atomic<bool> growth_posted_{false};
};

}  // namespace caseledger::server

#endif  // CASELEDGER_SERVER_SESSION_H_
