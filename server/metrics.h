// Counters for the metrics endpoint, rendered in the Prometheus text format (version 0.0.4).
// Lock-free: every session and the ledger's writer thread update them.
#ifndef CASELEDGER_SERVER_METRICS_H_
#define CASELEDGER_SERVER_METRICS_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <string>

#include "ledger/ledger.h"
#include "schema/protocol.capnp.h"

namespace caseledger::server {

struct MetricsSnapshot {
  uint64_t tree_size = 0;
  uint64_t checkpoint_size = 0;
  CommitStats commit;  // the ledger's group-commit writer
};

class Metrics {
 public:
  Metrics() = default;
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  void CountRequest(schema::Request::Body::Which op);
  void CountError(schema::ErrorCode code);
  void ObserveAppend(int64_t latency_micros, uint64_t events);
  void CountAccessEvents(uint64_t n) { access_events_.fetch_add(n, std::memory_order_relaxed); }
  void CountSubscriptionEvents(uint64_t n) {
    subscription_events_.fetch_add(n, std::memory_order_relaxed);
  }
  void ConnectionOpened() { connections_.fetch_add(1, std::memory_order_relaxed); }
  void ConnectionClosed() { connections_.fetch_sub(1, std::memory_order_relaxed); }
  void ConnectionRefused() { refused_.fetch_add(1, std::memory_order_relaxed); }
  void HandshakeFailed() { handshake_failures_.fetch_add(1, std::memory_order_relaxed); }
  void SubscriberAdded() { subscribers_.fetch_add(1, std::memory_order_relaxed); }
  void SubscriberRemoved() { subscribers_.fetch_sub(1, std::memory_order_relaxed); }

  int64_t connections() const { return connections_.load(std::memory_order_relaxed); }
  int64_t subscribers() const { return subscribers_.load(std::memory_order_relaxed); }

  std::string RenderPrometheus(const MetricsSnapshot& snapshot) const;

  // Upper bounds of the append latency buckets, in microseconds.
  static constexpr std::array<int64_t, 14> kLatencyBucketsMicros = {
      250, 500, 1000, 2000, 5000, 10000, 20000, 50000, 100000, 250000, 500000, 1000000,
      2500000, 5000000};

 private:
  static constexpr size_t kOps = 16;
  static constexpr size_t kCodes = 16;
  std::array<std::atomic<uint64_t>, kOps> requests_{};
  std::array<std::atomic<uint64_t>, kCodes> errors_{};
  std::array<std::atomic<uint64_t>, kLatencyBucketsMicros.size() + 1> latency_buckets_{};
  std::atomic<uint64_t> latency_sum_micros_{0};
  std::atomic<uint64_t> appends_{0};
  std::atomic<uint64_t> appended_events_{0};
  std::atomic<uint64_t> access_events_{0};
  std::atomic<uint64_t> subscription_events_{0};
  std::atomic<int64_t> connections_{0};
  std::atomic<uint64_t> refused_{0};
  std::atomic<uint64_t> handshake_failures_{0};
  std::atomic<int64_t> subscribers_{0};
};

}  // namespace caseledger::server

#endif  // CASELEDGER_SERVER_METRICS_H_
