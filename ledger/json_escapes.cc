#include "ledger/json_escapes.h"

#include <cctype>

namespace caseledger::detail {
namespace {

// The value of the escape's four hex digits at `hex`, or -1 unless they are hex digits with
// at least one letter (escapes of digits only decode right).
int LetterEscapeValue(std::string_view hex) {
  if (hex.size() != 4) return -1;
  int value = 0;
  bool letter = false;
  for (char c : hex) {
    if (!std::isxdigit(static_cast<unsigned char>(c))) return -1;
    letter = letter || std::isalpha(static_cast<unsigned char>(c));
    value = value * 16 + (std::isdigit(static_cast<unsigned char>(c))
                              ? c - '0'
                              : std::tolower(static_cast<unsigned char>(c)) - 'a' + 10);
  }
  return letter ? value : -1;
}

}  // namespace

std::string FixJsonEscapes(std::string_view json) {
  std::string out;
  out.reserve(json.size());
  bool in_string = false;
  for (size_t i = 0; i < json.size(); ++i) {
    const char c = json[i];
    if (c == '"') in_string = !in_string;
    if (!in_string || c != '\\' || i + 1 == json.size()) {
      out += c;
      continue;
    }
    // An escape: both characters are copied together, so an escaped quote or backslash is
    // never taken for the end of the string or the start of another escape.
    const int value = json[i + 1] == 'u' ? LetterEscapeValue(json.substr(i + 2, 4)) : -1;
    if (value >= 0 && value < 0x80) {
      out += value == '\\' ? std::string("\\\\") : std::string(1, static_cast<char>(value));
      i += 5;
      continue;
    }
    out += c;
    out += json[i + 1];
    ++i;
  }
  return out;
}

}  // namespace caseledger::detail
