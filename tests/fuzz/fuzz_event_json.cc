// Fuzz target: events as JSON (ledger/event_json), as `caseledger append` reads them, then
// checked as a client's event (ledger/event_validation). The same bytes are also read as the
// personal section (EventJson::ParsePersonal), which `append` accepts inside an event.
//
// Invariants, beyond "no crash, no sanitizer report":
// - what parses formats to a line that parses again to the canonically same message, and
//   formats to the same line (Format is a fixed point after one round);
// - a parse that fails says why (a non-empty message).
#include <capnp/message.h>

#include <cstring>

#include "ledger/event_json.h"
#include "ledger/event_validation.h"
#include "tests/fuzz/fuzz_check.h"

namespace caseledger::fuzz {
namespace {

constexpr int64_t kNowMicros = 1790000000LL * 1000000;
constexpr int64_t kSkewMicros = 5LL * 60 * 1000000;

bool SameWords(const kj::Array<capnp::word>& a, const kj::Array<capnp::word>& b) {
  return a.size() == b.size() &&
         std::memcmp(a.begin(), b.begin(), a.size() * sizeof(capnp::word)) == 0;
}

// Parses `text` as a T (Event or PersonalData) with `parse`, then checks the round trip.
template <typename T, typename Parse>
void CheckRoundTrip(const EventJson& json, std::string_view text, Parse parse) {
  capnp::MallocMessageBuilder first;
  Status status = parse(text, first.initRoot<T>());
  if (!status.ok()) {
    FUZZ_CHECK(!status.message().empty(), "a refusal without a reason");
    return;
  }
  typename T::Reader parsed = first.getRoot<T>().asReader();
  if constexpr (std::is_same_v<T, schema::Event>) {
    (void)ValidateClientEvent(parsed, kNowMicros, kSkewMicros);
  }
  const std::string line = json.Format(parsed);
  capnp::MallocMessageBuilder second;
  Status again = parse(line, second.initRoot<T>());
  FUZZ_CHECK(again.ok(), "formatted line does not parse: " + again.message() + "\n" + line);
  typename T::Reader reparsed = second.getRoot<T>().asReader();
  FUZZ_CHECK(SameWords(capnp::canonicalize(parsed), capnp::canonicalize(reparsed)),
             "formatted line parses to another message:\n" + line + "\nwhich formats as\n" +
                 json.Format(reparsed));
  FUZZ_CHECK(json.Format(reparsed) == line, "Format is not stable:\n" + line);
}

}  // namespace
}  // namespace caseledger::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace caseledger;
  using namespace caseledger::fuzz;
  static const EventJson* json = new EventJson();  // built once: the codec setup is costly
  const std::string_view text = AsText(data, size);
  CheckRoundTrip<schema::Event>(*json, text, [&](std::string_view t, schema::Event::Builder b) {
    return json->ParseEvent(t, b);
  });
  CheckRoundTrip<schema::PersonalData>(*json, text,
                                       [&](std::string_view t, schema::PersonalData::Builder b) {
                                         return json->ParsePersonal(t, b);
                                       });
  return 0;
}
