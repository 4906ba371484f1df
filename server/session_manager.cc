#include "server/session_manager.h"

#include <thread>
#include <vector>

#include "server/session.h"

namespace caseledger::server {

void SessionManager::Add(const std::shared_ptr<Session>& session) {
  std::lock_guard<std::mutex> lock(mu_);
  sessions_.insert(session);
}

void SessionManager::Remove(const std::shared_ptr<Session>& session) {
  std::lock_guard<std::mutex> lock(mu_);
  sessions_.erase(session);
  subscribers_.erase(session);
}

size_t SessionManager::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return sessions_.size();
}

void SessionManager::AddSubscriber(const std::shared_ptr<Session>& session) {
  std::lock_guard<std::mutex> lock(mu_);
  subscribers_.insert(session);
}

void SessionManager::RemoveSubscriber(const std::shared_ptr<Session>& session) {
  std::lock_guard<std::mutex> lock(mu_);
  subscribers_.erase(session);
}

void SessionManager::NotifyLogGrowth() {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& session : subscribers_) session->NotifyLogGrowth();
}

void SessionManager::DrainAll() {
  std::vector<std::shared_ptr<Session>> all;
  {
    std::lock_guard<std::mutex> lock(mu_);
    all.assign(sessions_.begin(), sessions_.end());
  }
  for (const auto& session : all) session->Drain();
}

void SessionManager::StopAll() {
  std::vector<std::shared_ptr<Session>> all;
  {
    std::lock_guard<std::mutex> lock(mu_);
    all.assign(sessions_.begin(), sessions_.end());
  }
  for (const auto& session : all) session->Stop();
}

bool SessionManager::WaitForCalls(std::chrono::steady_clock::time_point deadline) const {
  while (pending_calls_.load(std::memory_order_acquire) > 0) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

}  // namespace caseledger::server
