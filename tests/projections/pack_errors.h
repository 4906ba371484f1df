// Test helper for rule-pack errors: whether a parse reported a problem on a given line.
#ifndef CASELEDGER_TESTS_PROJECTIONS_PACK_ERRORS_H_
#define CASELEDGER_TESTS_PROJECTIONS_PACK_ERRORS_H_

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "projections/rule_pack.h"

namespace caseledger::compliance {

// True when some error is on `line` and mentions `words`; otherwise logs every error.
inline bool HasError(const std::vector<PackError>& errors, int line, const std::string& words) {
  for (const auto& e : errors) {
    if (e.line == line && e.message.find(words) != std::string::npos) return true;
  }
  std::string all;
  for (const auto& e : errors) all += e.ToString() + "\n";
  UNSCOPED_INFO("errors:\n" << all);
  return false;
}

}  // namespace caseledger::compliance

#endif  // CASELEDGER_TESTS_PROJECTIONS_PACK_ERRORS_H_
