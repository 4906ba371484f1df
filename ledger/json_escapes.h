// A workaround for Cap'n Proto 0.9's JSON decoder (capnp/compat/json.c++,
// Parser::unescapeAndAppend), which reads the hex letters of a "\u" escape as 0..5 instead of
// 10..15: "\u000b" decodes to U+0001 and "\u004a" to "@". Our own formatters (EventJson::Format,
// FormatProof) write control characters as "\u00XX" with lower-case letters, so without this an
// event or proof with a vertical tab, form feed or ESC in a text field came back changed from
// its own JSON (found by tests/fuzz: fuzz_event_json, fuzz_checkpoint).
#ifndef CASELEDGER_LEDGER_JSON_ESCAPES_H_
#define CASELEDGER_LEDGER_JSON_ESCAPES_H_

#include <string>
#include <string_view>

namespace caseledger::detail {

// `json` with every "\u" escape inside a string whose four hex digits hold a letter and whose
// value is below U+0080 (the only escapes the decoder accepts) replaced by the character
// itself ("\\\\" for a backslash), which the decoder reads as written. Everything else,
// malformed JSON included, is left for the decoder to accept or refuse.
std::string FixJsonEscapes(std::string_view json);

}  // namespace caseledger::detail

#endif  // CASELEDGER_LEDGER_JSON_ESCAPES_H_
