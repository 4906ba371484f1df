#include "ledger/clock.h"

#include <chrono>

namespace caseledger {

namespace {
class RealClock final : public Clock {
 public:
  int64_t NowMicros() override {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};
}  // namespace

Clock* SystemClock() {
  static RealClock clock;
  return &clock;
}

}  // namespace caseledger
