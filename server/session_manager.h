// The open sessions (as the Asio http/server example's connection_manager): counts them for
// the connection limit, tells subscribers that the log grew, and drains or stops them all at
// shutdown.
#ifndef CASELEDGER_SERVER_SESSION_MANAGER_H_
#define CASELEDGER_SERVER_SESSION_MANAGER_H_

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <set>

namespace caseledger::server {

class Session;

class SessionManager {
 public:
  SessionManager() = default;
  SessionManager(const SessionManager&) = delete;
  SessionManager& operator=(const SessionManager&) = delete;

  void Add(const std::shared_ptr<Session>& session);
  void Remove(const std::shared_ptr<Session>& session);
  size_t size() const;

  void AddSubscriber(const std::shared_ptr<Session>& session);
  void RemoveSubscriber(const std::shared_ptr<Session>& session);
  // Any thread: wakes every subscriber.
  void NotifyLogGrowth();

  void DrainAll();
  void StopAll();

  // Calls handed to the request handler whose callback has not yet posted back. The server
  // waits for them after its io_context stopped: a callback from the ledger's writer thread
  // must not post to an io_context that is gone. Any thread.
  void CallStarted() { pending_calls_.fetch_add(1, std::memory_order_relaxed); }
  void CallFinished() { pending_calls_.fetch_sub(1, std::memory_order_acq_rel); }
  // True when none is pending by `deadline`.
  bool WaitForCalls(std::chrono::steady_clock::time_point deadline) const;

 private:
  std::atomic<int64_t> pending_calls_{0};
  mutable std::mutex mu_;
  std::set<std::shared_ptr<Session>> sessions_;     // GUARDED_BY(mu_)
  std::set<std::shared_ptr<Session>> subscribers_;  // GUARDED_BY(mu_)
};

}  // namespace caseledger::server

#endif  // CASELEDGER_SERVER_SESSION_MANAGER_H_
