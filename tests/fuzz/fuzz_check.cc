#include "tests/fuzz/fuzz_check.h"

#include <cstdio>
#include <cstdlib>
#include <stdexcept>

namespace caseledger::fuzz {

void Fail(const char* file, int line, const std::string& what) {
  const std::string message =
      std::string(file) + ":" + std::to_string(line) + ": fuzz invariant broken: " + what;
#ifdef CASELEDGER_FUZZ_REPLAY
  throw std::runtime_error(message);
#else
  std::fprintf(stderr, "%s\n", message.c_str());
  std::abort();
#endif
}

}  // namespace caseledger::fuzz
