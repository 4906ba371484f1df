// Clocks are injected so that tests and the synthetic generator control time.
#ifndef CASELEDGER_LEDGER_CLOCK_H_
#define CASELEDGER_LEDGER_CLOCK_H_

#include <atomic>
#include <cstdint>

namespace caseledger {

// A source of wall-clock time in microseconds since 1970-01-01T00:00:00Z. It may step
// backwards (NTP); the ledger keeps its own recorded-at monotonic on top of it.
// Implementations must be thread-safe.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual int64_t NowMicros() = 0;
};

// The system's real-time clock. A process-wide instance; never owned by the caller.
Clock* SystemClock();

// A clock that shows what it is told. For tests and the generator's simulated time.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(int64_t now_micros = 0) : now_(now_micros) {}
  int64_t NowMicros() override { return now_.load(std::memory_order_relaxed); }
  void Set(int64_t now_micros) { now_.store(now_micros, std::memory_order_relaxed); }
  void Advance(int64_t micros) { now_.fetch_add(micros, std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> now_;
};

}  // namespace caseledger

#endif  // CASELEDGER_LEDGER_CLOCK_H_
