// Events as JSON, through Cap'n Proto's JSON codec, made strict.
//
// The JSON form uses the schema's field names. Ids are hex strings, `sealed` is base64, times
// are RFC 3339 strings (every Int64 field whose name ends in "At", plus `effectiveFrom`), and the
// ledger's positions and versions are JSON numbers. Unlike the stock codec, parsing refuses
// unknown fields, malformed hex and base64, and wrong types, with a message that names the field.
#ifndef CASELEDGER_LEDGER_EVENT_JSON_H_
#define CASELEDGER_LEDGER_EVENT_JSON_H_

#include <memory>
#include <string>
#include <string_view>

#include "ledger/status.h"
#include "schema/events.capnp.h"

namespace caseledger {

class EventJson {
 public:
  // Builds and configures the codec. Thread-safe to use from many threads once constructed.
  EventJson();
  ~EventJson();
  EventJson(const EventJson&) = delete;
  EventJson& operator=(const EventJson&) = delete;

  // Parses one JSON object into `out` (which should be freshly initialised). InvalidArgument
  // names what is wrong; `out` may then hold a partial event and must be discarded.
  Status ParseEvent(std::string_view json, schema::Event::Builder out) const;
  Status ParsePersonal(std::string_view json, schema::PersonalData::Builder out) const;

  // One line of JSON, no trailing newline.
  std::string Format(schema::Event::Reader event) const;
  std::string Format(schema::PersonalData::Reader personal) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The schema name of an agency role ("childProtection").
std::string AgencyRoleName(schema::AgencyRole role);

// The name of the event's body member ("guardianAppointed"), or "unknown".
std::string EventTypeName(schema::Event::Reader event);

}  // namespace caseledger

#endif  // CASELEDGER_LEDGER_EVENT_JSON_H_
