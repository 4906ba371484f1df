// One client connection (as the Asio http/server example's connection): the TLS handshake,
// the hello exchange, a reader coroutine that decodes requests and hands them to the request
// handler, a writer coroutine that sends replies from a bounded outbound queue, a
// subscription coroutine, and a watchdog that closes idle, stalled and slow connections.
// Everything of a session runs on its strand; the ledger's callbacks post back to it.
//
// How a connection ends:
// - hard close (Close): handshake timeout, a client that does not take its replies, a read
//   error, server stop. The socket is closed at once.
// - graceful close: after a protocol violation (an error reply is queued), the client's EOF,
//   goodbye, an idle or frame timeout (an error reply), or the server draining. Reading new
//   requests stops, in-flight requests are answered and every reply is written, then the
//   session lingers: TLS sends close_notify (plain TCP shuts down its sending side) and the
//   input is read and thrown away until the peer closes or kLingerSeconds pass. Closing a socket
//   with unread input makes the kernel send a reset, which can destroy replies the client has
//   not read yet; lingering is what makes the last replies (and the acknowledgements of
//   appends in flight at shutdown) reach the client.
#ifndef CASELEDGER_SERVER_SESSION_H_
#define CASELEDGER_SERVER_SESSION_H_

#include <utility>  // before Asio's awaitable.hpp (TRAPS.md)

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>

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

// What every session shares: set once by the server, outlives every session.
struct SessionEnvironment {
  const ServerConfig* config = nullptr;
  RequestHandler* handler = nullptr;
  Metrics* metrics = nullptr;
  SessionManager* manager = nullptr;
  std::shared_ptr<spdlog::logger> logger;
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  // The stream's socket must have been opened on its own strand: every handler of the session
  // runs there.
  using Stream = boost::asio::ssl::stream<boost::asio::ip::tcp::socket>;

  // How long a graceful close waits for the peer to close its side.
  static constexpr int kLingerSeconds = 1;

  Session(Stream stream, bool tls, const SessionEnvironment& env, std::string id);
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Starts the session; it registers nothing itself (the server has added it to the manager).
  void Start();
  // Closes at once (server stop after the drain time). Any thread.
  void Stop();
  // Any thread. Requests read from now on are refused with `unavailable`; requests in flight
  // are answered and their replies written; then the connection closes gracefully. A session
  // still in its handshake or hello closes at once.
  void Drain();
  // The log grew: a live subscription may send. Any thread; coalesced.
  void NotifyLogGrowth();

  const std::string& id() const { return id_; }

 private:
  using Clock = std::chrono::steady_clock;
  template <typename T>
  using awaitable = boost::asio::awaitable<T>;

  // How reading a frame ended.
  enum class ReadEnd { kFrame, kEof, kError, kViolation };

  awaitable<void> Run();
  awaitable<void> ReadLoop();
  awaitable<void> WriterLoop();
  awaitable<void> Watchdog();
  awaitable<void> SubscriptionLoop();
  awaitable<void> CloseGracefully();
  // Reads one whole frame into `words`; a violation queues an error reply.
  awaitable<ReadEnd> ReadFrame(kj::Array<capnp::word>* words);
  awaitable<size_t> Read(void* data, size_t size, size_t at_least, boost::system::error_code& ec);
  awaitable<void> WaitOn(boost::asio::steady_timer& timer);
  ReadEnd Classify(const boost::system::error_code& ec) const;

  // Request handling (strand). False when the connection is to close (an error reply is queued).
  bool Hello(schema::Request::Reader request);
  bool Dispatch(schema::Request::Reader request);
  void StartSubscription(schema::Request::Reader request);
  void EndSubscription();

  // Queue a reply (strand only); dropped once the session closes or lingers.
  void Enqueue(Frame frame);
  // Every error reply is a refusal and gets a log line (info), as connection-level refusals
  // do: its request id, code and the server's own message (ids and field names, never the
  // request's content). Not for ErrorAndClose's reply, which logs its own line.
  void LogIfRefusal(const Frame& frame) const;
  // A handler's reply, from any thread: ends one in-flight request.
  void PostReply(Frame frame);
  // Queues an error reply, then closes gracefully once everything in flight is answered.
  void ErrorAndClose(uint64_t id, schema::ErrorCode code, const std::string& message);
  // The client closed its sending side: answer what is in flight, then close.
  void PeerClosed();
  // Everything is answered and written: start the graceful close.
  void Linger();
  // Whether the writer has nothing more to do and the connection may close gracefully.
  bool Finished() const;
  void Close(const char* reason);

  Stream stream_;
  const bool tls_;
  SessionEnvironment env_;
  const std::string id_;
  const Limits& limits_;

  // Strand state.
  const Principal* principal_ = nullptr;
  bool tls_established_ = false;
  bool hello_done_ = false;
  bool closed_ = false;
  bool draining_ = false;  // requests are refused; close once in-flight ones are answered
  std::string drain_message_;
  bool close_after_flush_ = false;
  bool log_refusals_ = true;  // false while ErrorAndClose queues the reply it logged itself
  bool peer_closed_ = false;
  bool lingering_ = false;
  bool reader_active_ = false;  // the reader may have a read pending on the socket
  bool writer_started_ = false;
  uint32_t inflight_ = 0;
  std::optional<Frame> goodbye_;  // sent once nothing is in flight
  std::deque<Frame> outbound_;
  size_t outbound_bytes_ = 0;  // queued and being written
  // What the reader waits for, and since when: the watchdog's view.
  enum class Phase { kHandshake, kIdle, kFrame };
  Phase phase_ = Phase::kHandshake;
  Clock::time_point phase_since_;
  Clock::time_point last_activity_;
  bool writing_ = false;
  Clock::time_point write_since_;
  Clock::time_point linger_since_;
  std::optional<Clock::time_point> close_deadline_;  // a graceful close must be done by then
  boost::asio::steady_timer reader_wake_;
  boost::asio::steady_timer writer_wake_;
  boost::asio::steady_timer watchdog_;

  struct Subscription {
    uint64_t generation = 0;  // tells a finished loop from the current one
    uint64_t request_id = 0;
    std::string purpose;
    uint64_t next = 0;
    uint32_t credit = 0;
    uint32_t batch = 0;
    bool active = false;
    bool reading = false;
    bool loop_running = false;  // one loop serves every subscription of the connection
    std::optional<Result<RequestHandler::SubscriptionStep>> pending;
  };
  Subscription sub_;
  boost::asio::steady_timer sub_wake_;
  std::atomic<bool> growth_posted_{false};
};

}  // namespace caseledger::server

#endif  // CASELEDGER_SERVER_SESSION_H_
