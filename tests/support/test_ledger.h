// Appending test events to a ledger directly.
#ifndef CASELEDGER_TESTS_SUPPORT_TEST_LEDGER_H_
#define CASELEDGER_TESTS_SUPPORT_TEST_LEDGER_H_

#include <catch2/catch.hpp>

#include <string>

#include "ledger/ledger.h"
#include "tests/support/test_events.h"

namespace caseledger::testing {

// Appends `n` events (case conferences with fresh ids) to `case_id`, whose child is
// "child-of-<case_id>"; fails the test if the append fails.
inline void Append(Ledger& ledger, TestEvents& t, const std::string& case_id, size_t n) {
  EventSpec spec;
  spec.case_id = case_id;
  spec.child_id = "child-of-" + case_id;
  auto events = t.MakeMany(n, spec);
  auto r = ledger.Append(case_id, ExpectedVersion::Any(), events);
  INFO(r.status().ToString());
  REQUIRE(r.ok());
}

}  // namespace caseledger::testing

#endif  // CASELEDGER_TESTS_SUPPORT_TEST_LEDGER_H_
