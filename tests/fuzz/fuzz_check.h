// The invariant check of the fuzz targets. Under libFuzzer a broken invariant aborts, so that
// the fuzzer saves the input as a crash; in caseledger_fuzz_replay it throws instead, so that
// the test names the input file and goes on with the next.
#ifndef CASELEDGER_TESTS_FUZZ_FUZZ_CHECK_H_
#define CASELEDGER_TESTS_FUZZ_FUZZ_CHECK_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace caseledger::fuzz {

// Reports `what` (with the check's place) as a broken invariant. Does not return.
[[noreturn]] void Fail(const char* file, int line, const std::string& what);

inline std::string_view AsText(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

}  // namespace caseledger::fuzz

#define FUZZ_CHECK(cond, what)                                                                 \
  do {                                                                                         \
    if (!(cond)) ::caseledger::fuzz::Fail(__FILE__, __LINE__, #cond ": " + std::string(what)); \
  } while (0)

#endif  // CASELEDGER_TESTS_FUZZ_FUZZ_CHECK_H_
