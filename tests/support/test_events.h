// Valid client events for tests, built in memory.
#ifndef CASELEDGER_TESTS_SUPPORT_TEST_EVENTS_H_
#define CASELEDGER_TESTS_SUPPORT_TEST_EVENTS_H_

#include <capnp/message.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "schema/events.capnp.h"

namespace caseledger::testing {

// 2025-03-03T09:00:00Z: a Monday; tests' clocks start here.
inline constexpr int64_t kT0 = 1740992400LL * 1000000;

struct EventSpec {
  std::string case_id = "case-1";
  std::string child_id = "child-1";
  std::string event_id;        // 16 bytes; empty means a fresh one from a counter
  int64_t occurred_at = kT0;
  std::string supersedes;      // event id of the corrected event, or empty
  std::string given_name;      // put into the personal section when non-empty
  size_t pad_to_bytes = 0;     // grow the event (legalBasis) to about this canonical size
  std::string agency_id = "no-cp-oslo";
  schema::AgencyRole agency_role = schema::AgencyRole::CHILD_PROTECTION;
  schema::Jurisdiction jurisdiction = schema::Jurisdiction::NO;
  // The body: a case conference unless another type is asked for. Also known here, for the
  // role matrix tests: guardianAppointed, crimeReported, chargesFiled, residencePermitApplied,
  // medicalExaminationPerformed, legalHoldApplied, entryVoided (set `supersedes`) and
  // recordAccessed. Any other type gets a case conference.
  schema::Event::Body::Which type = schema::Event::Body::CASE_CONFERENCE_HELD;
};

// Owns the messages it builds; readers stay valid while it lives. Not thread-safe.
class TestEvents {
 public:
  schema::Event::Reader Make(const EventSpec& spec = {});
  // `n` events of one case with fresh ids.
  std::vector<schema::Event::Reader> MakeMany(size_t n, const EventSpec& spec = {});
  // A 16-byte id made from `n` (distinct n give distinct ids).
  static std::string IdFor(uint64_t n);
  // A fresh id, distinct from every other fresh id of this process.
  static std::string FreshId();

 private:
  std::vector<std::unique_ptr<capnp::MallocMessageBuilder>> messages_;
};

}  // namespace caseledger::testing

#endif  // CASELEDGER_TESTS_SUPPORT_TEST_EVENTS_H_
