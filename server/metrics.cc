#include "server/metrics.h"

#include <capnp/schema.h>

#include <sstream>

namespace caseledger::server {
namespace {

template <typename E>
std::string EnumerantName(uint16_t ordinal) {
  auto enumerants = capnp::Schema::from<E>().getEnumerants();
  if (ordinal < enumerants.size()) return enumerants[ordinal].getProto().getName().cStr();
  return std::to_string(ordinal);
}

// The operation's name as the protocol spells it ("append"): the member of Request's body
// union (the union is the group `body`, not Request itself).
std::string OpName(size_t which) {
  auto fields = capnp::Schema::from<schema::Request::Body>().getUnionFields();
  for (auto field : fields) {
    if (field.getProto().getDiscriminantValue() == which) return field.getProto().getName().cStr();
  }
  return std::to_string(which);
}

}  // namespace

void Metrics::CountRequest(schema::Request::Body::Which op) {
  const size_t i = static_cast<size_t>(op);
  if (i < kOps) requests_[i].fetch_add(1, std::memory_order_relaxed);
}

void Metrics::CountError(schema::ErrorCode code) {
  const size_t i = static_cast<size_t>(code);
  if (i < kCodes) errors_[i].fetch_add(1, std::memory_order_relaxed);
}

void Metrics::ObserveAppend(int64_t latency_micros, uint64_t events) {
  size_t bucket = 0;
  while (bucket < kLatencyBucketsMicros.size() && latency_micros > kLatencyBucketsMicros[bucket]) {
    ++bucket;
  }
  latency_buckets_[bucket].fetch_add(1, std::memory_order_relaxed);
  latency_sum_micros_.fetch_add(static_cast<uint64_t>(latency_micros), std::memory_order_relaxed);
  appends_.fetch_add(1, std::memory_order_relaxed);
  appended_events_.fetch_add(events, std::memory_order_relaxed);
}

std::string Metrics::RenderPrometheus(const MetricsSnapshot& snapshot) const {
  std::ostringstream out;
  out << "# HELP caseledger_requests_total Requests received, by operation.\n"
         "# TYPE caseledger_requests_total counter\n";
  for (size_t i = 1; i < kOps; ++i) {
    const uint64_t n = requests_[i].load(std::memory_order_relaxed);
    if (n > 0) out << "caseledger_requests_total{op=\"" << OpName(i) << "\"} " << n << "\n";
  }
  out << "# HELP caseledger_errors_total Error replies sent, by code.\n"
         "# TYPE caseledger_errors_total counter\n";
  for (size_t i = 1; i < kCodes; ++i) {
    const uint64_t n = errors_[i].load(std::memory_order_relaxed);
    if (n > 0) {
      out << "caseledger_errors_total{code=\"" << EnumerantName<schema::ErrorCode>(i) << "\"} "
          << n << "\n";
    }
  }
  out << "# HELP caseledger_append_latency_seconds Time from an append request read to its "
         "durable acknowledgement.\n"
         "# TYPE caseledger_append_latency_seconds histogram\n";
  uint64_t cumulative = 0;
  for (size_t i = 0; i < kLatencyBucketsMicros.size(); ++i) {
    cumulative += latency_buckets_[i].load(std::memory_order_relaxed);
    out << "caseledger_append_latency_seconds_bucket{le=\""
        << static_cast<double>(kLatencyBucketsMicros[i]) / 1e6 << "\"} " << cumulative << "\n";
  }
  cumulative += latency_buckets_.back().load(std::memory_order_relaxed);
  out << "caseledger_append_latency_seconds_bucket{le=\"+Inf\"} " << cumulative << "\n";
  out << "caseledger_append_latency_seconds_sum "
      << static_cast<double>(latency_sum_micros_.load(std::memory_order_relaxed)) / 1e6 << "\n";
  out << "caseledger_append_latency_seconds_count " << cumulative << "\n";
  auto counter = [&](const char* name, const char* help, uint64_t value) {
    out << "# HELP " << name << " " << help << "\n# TYPE " << name << " counter\n"
        << name << " " << value << "\n";
  };
  auto gauge = [&](const char* name, const char* help, int64_t value) {
    out << "# HELP " << name << " " << help << "\n# TYPE " << name << " gauge\n"
        << name << " " << value << "\n";
  };
  counter("caseledger_appended_events_total", "Events appended by clients.",
          appended_events_.load(std::memory_order_relaxed));
  counter("caseledger_access_events_total", "Access records written for reads of case data.",
          access_events_.load(std::memory_order_relaxed));
  counter("caseledger_subscription_events_total", "Events sent to subscribers.",
          subscription_events_.load(std::memory_order_relaxed));
  counter("caseledger_connections_refused_total", "Connections closed at once: over the limit.",
          refused_.load(std::memory_order_relaxed));
  counter("caseledger_handshake_failures_total", "TLS handshakes or hellos that failed.",
          handshake_failures_.load(std::memory_order_relaxed));
  gauge("caseledger_connections", "Open connections.", connections());
  gauge("caseledger_subscribers", "Active subscriptions.", subscribers());
  counter("caseledger_commit_groups_total",
          "Commit groups the ledger's writer wrote, one RocksDB write each.",
          snapshot.commit.groups);
  counter("caseledger_commit_synced_writes_total",
          "Synced ledger writes (groups and checkpoints): one WAL fdatasync each.",
          snapshot.commit.synced_writes);
  counter("caseledger_commit_events_total", "Events the ledger's writer wrote.",
          snapshot.commit.events);
  auto seconds = [&](const char* name, const char* help, uint64_t nanos) {
    out << "# HELP " << name << " " << help << "\n# TYPE " << name << " counter\n"
        << name << " " << static_cast<double>(nanos) / 1e9 << "\n";
  };
  seconds("caseledger_commit_stage_seconds_total",
          "Writer time checking and preparing commit groups.", snapshot.commit.stage_nanos);
  seconds("caseledger_commit_write_seconds_total",
          "Writer time inside RocksDB writes (memtables, WAL, sync).", snapshot.commit.write_nanos);
  seconds("caseledger_commit_answer_seconds_total", "Writer time answering appenders.",
          snapshot.commit.answer_nanos);
  gauge("caseledger_tree_size", "Events in the ledger (the Merkle tree size).",
        static_cast<int64_t>(snapshot.tree_size));
  gauge("caseledger_checkpoint_size", "Tree size of the newest signed checkpoint.",
        static_cast<int64_t>(snapshot.checkpoint_size));
  return out.str();
}

}  // namespace caseledger::server
