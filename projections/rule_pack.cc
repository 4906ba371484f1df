// Rule packs: names of tags and kinds, the condition grammar, and finding and loading the
// shipped packs. The TOML walker and the validator are in rule_pack_parse.cc.
//
// Condition grammar (docs/compliance.md, "Conditions"):
//   condition := PATH WS* OP [WS* VALUE]
//   PATH      := [A-Za-z_][A-Za-z0-9_.]*
//   OP        := "=" | "!=" | "<" | "<=" | ">" | ">=" | "in" | "not in" | "contains"
//              | "is set" | "is unset" | "is not set"
//   VALUE     := WORD | '"' any-but-quote '"'           (one value)
//              | "[" VALUE ("," VALUE)* "]"             (in, not in)
// "is set" and "is unset" take no value.
#include "projections/rule_pack.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <utility>

namespace caseledger::compliance {

namespace {

constexpr std::array<std::pair<Tag, std::string_view>, 5> kTagNames{{
    {Tag::kBinding, "binding"},
    {Tag::kNational, "national"},
    {Tag::kPractice, "practice"},
    {Tag::kStandard, "standard"},
    {Tag::kDefault, "default"},
}};

constexpr std::array<std::pair<RuleKind, std::string_view>, 10> kKindNames{{
    {RuleKind::kDeadline, "deadline"},
    {RuleKind::kCountCap, "count_cap"},
    {RuleKind::kOrdering, "ordering"},
    {RuleKind::kPresence, "presence"},
    {RuleKind::kContinuity, "continuity"},
    {RuleKind::kAbsenceAtClosure, "absence_at_closure"},
    {RuleKind::kForbiddenWhileOpen, "forbidden_while_open"},
    {RuleKind::kRecurring, "recurring"},
    {RuleKind::kCrossCaseCap, "cross_case_cap"},
    {RuleKind::kRecordingDelay, "recording_delay"},
}};

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool IsPathChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.';
}

// One value: a bare word without spaces, brackets or commas, or a quoted string.
Result<std::string> ParseValue(std::string_view v) {
  v = Trim(v);
  if (v.empty()) return Status::InvalidArgument("missing value");
  if (v.front() == '"') {
    if (v.size() < 2 || v.back() != '"' || v.substr(1, v.size() - 2).find('"') != v.npos) {
      return Status::InvalidArgument("unterminated quoted value");
    }
    return std::string(v.substr(1, v.size() - 2));
  }
  for (char c : v) {
    if (std::isspace(static_cast<unsigned char>(c)) || c == '[' || c == ']' || c == ',' ||
        c == '"') {
      return Status::InvalidArgument("bad value '" + std::string(v) +
                                     "' (quote values that hold spaces)");
    }
  }
  return std::string(v);
}

// Operators that are words must end at a space, a bracket or the end.
bool TakeWord(std::string_view* rest, std::string_view word) {
  if (rest->substr(0, word.size()) != word) return false;
  if (rest->size() > word.size()) {
    char next = (*rest)[word.size()];
    if (!std::isspace(static_cast<unsigned char>(next)) && next != '[') return false;
  }
  rest->remove_prefix(word.size());
  return true;
}

Status TakeOp(std::string_view* rest, Condition::Op* op) {
  using Op = Condition::Op;
  // Longer spellings first: "<=" before "<", "is unset" before "is set".
  static constexpr std::pair<std::string_view, Op> kSymbols[] = {
      {"!=", Op::kNe}, {"<=", Op::kLe}, {">=", Op::kGe},
      {"=", Op::kEq},  {"<", Op::kLt},  {">", Op::kGt},
  };
  for (const auto& [sym, value] : kSymbols) {
    if (rest->substr(0, sym.size()) == sym) {
      rest->remove_prefix(sym.size());
      *op = value;
      return Status::OK();
    }
  }
  static constexpr std::pair<std::string_view, Op> kWords[] = {
      {"not in", Op::kNotIn},  {"in", Op::kIn},          {"is unset", Op::kUnset},
      {"is not set", Op::kUnset}, {"is set", Op::kSet},  {"contains", Op::kContains},
  };
  for (const auto& [word, value] : kWords) {
    if (TakeWord(rest, word)) {
      *op = value;
      return Status::OK();
    }
  }
  return Status::InvalidArgument(
      "expected an operator (=, !=, <, <=, >, >=, in, not in, contains, is set, is unset) "
      "after the path");
}

}  // namespace

std::string_view TagName(Tag tag) {
  for (const auto& [t, name] : kTagNames) {
    if (t == tag) return name;
  }
  return "?";
}

std::optional<Tag> ParseTag(std::string_view name) {
  for (const auto& [t, n] : kTagNames) {
    if (n == name) return t;
  }
  return std::nullopt;
}

std::string_view RuleKindName(RuleKind kind) {
  for (const auto& [k, name] : kKindNames) {
    if (k == kind) return name;
  }
  return "?";
}

std::optional<RuleKind> ParseRuleKind(std::string_view name) {
  for (const auto& [k, n] : kKindNames) {
    if (n == name) return k;
  }
  return std::nullopt;
}

std::string PackError::ToString() const {
  std::ostringstream out;
  out << file << ':' << line << ':' << column << ": " << message;
  return out.str();
}

Result<Condition> ParseCondition(std::string_view text) {
  Condition c;
  c.text = std::string(Trim(text));
  std::string_view rest = c.text;
  size_t n = 0;
  while (n < rest.size() && IsPathChar(rest[n])) ++n;
  c.path = std::string(rest.substr(0, n));
  if (c.path.empty() || !(std::isalpha(static_cast<unsigned char>(c.path[0])) || c.path[0] == '_')) {
    return Status::InvalidArgument("condition '" + c.text + "' must start with a field path");
  }
  if (c.path.back() == '.' || c.path.find("..") != std::string::npos) {
    return Status::InvalidArgument("bad path '" + c.path + "' in condition '" + c.text + "'");
  }
  rest = Trim(rest.substr(n));
  Status st = TakeOp(&rest, &c.op);
  if (!st.ok()) return Status::InvalidArgument("condition '" + c.text + "': " + st.message());
  rest = Trim(rest);
  auto fail = [&](const std::string& why) {
    return Status::InvalidArgument("condition '" + c.text + "': " + why);
  };
  switch (c.op) {
    case Condition::Op::kSet:
    case Condition::Op::kUnset:
      if (!rest.empty()) return fail("'is set' and 'is unset' take no value");
      break;
    case Condition::Op::kIn:
    case Condition::Op::kNotIn: {
      if (rest.size() < 2 || rest.front() != '[' || rest.back() != ']') {
        return fail("'in' takes a list: [a, b]");
      }
      std::string_view list = rest.substr(1, rest.size() - 2);
      if (Trim(list).empty()) return fail("empty list");
      while (true) {
        size_t comma = list.find(',');
        Result<std::string> v = ParseValue(list.substr(0, comma));
        if (!v.ok()) return fail(v.status().message());
        c.values.push_back(std::move(v).value());
        if (comma == std::string_view::npos) break;
        list.remove_prefix(comma + 1);
      }
      break;
    }
    default: {
      if (!rest.empty() && rest.front() == '[') return fail("a list needs 'in' or 'not in'");
      Result<std::string> v = ParseValue(rest);
      if (!v.ok()) return fail(v.status().message());
      c.values.push_back(std::move(v).value());
    }
  }
  return c;
}

Result<std::vector<RulePack>> LoadPackDir(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return Status::NotFound("rule pack directory " + dir + " does not exist");
  }
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.is_regular_file() && entry.path().extension() == ".toml") {
      files.push_back(entry.path());
    }
  }
  if (ec) return Status::IOError("cannot list " + dir + ": " + ec.message());
  std::sort(files.begin(), files.end());

  // Baselines first (jurisdiction ""), then each national pack validated against them: a
  // national pack may name a state the baseline declares.
  std::vector<std::pair<std::string, std::string>> texts;  // file, text
  for (const auto& f : files) {
    std::ifstream in(f, std::ios::binary);
    if (!in) return Status::IOError("cannot read " + f.string());
    std::ostringstream buf;
    buf << in.rdbuf();
    texts.emplace_back(f.string(), buf.str());
  }
  auto first_error = [](const Status& st, const std::vector<PackError>& errors) {
    std::string msg = errors.empty() ? st.message() : errors.front().ToString();
    if (errors.size() > 1) msg += " (and " + std::to_string(errors.size() - 1) + " more)";
    return Status::InvalidArgument(msg);
  };
  std::vector<RulePack> baselines, nationals;
  std::vector<std::string> national_files;
  for (const auto& [file, text] : texts) {
    std::vector<PackError> errors;
    Result<RulePack> pack = ParsePack(text, file, &errors);
    if (!pack.ok()) return first_error(pack.status(), errors);
    if (pack->jurisdiction.empty()) {
      baselines.push_back(std::move(pack).value());
    } else {
      nationals.push_back(std::move(pack).value());
      national_files.push_back(file);
    }
  }
  if (baselines.size() > 1) {
    return Status::InvalidArgument(dir + " holds more than one baseline pack");
  }
  if (baselines.size() == 1) {
    for (size_t i = 0; i < nationals.size(); ++i) {
      std::vector<PackError> errors;
      Result<RulePack> again =
          ParsePack(nationals[i].text, national_files[i], &errors, &baselines[0]);
      if (!again.ok()) return first_error(again.status(), errors);
      nationals[i] = std::move(again).value();
    }
  }
  std::vector<RulePack> all = std::move(baselines);
  for (auto& p : nationals) all.push_back(std::move(p));
  return all;
}

std::string DefaultRulesDir() {
  namespace fs = std::filesystem;
  if (const char* env = std::getenv("CASELEDGER_RULES"); env != nullptr && *env != '\0') {
    return env;
  }
  std::error_code ec;
#ifdef CASELEDGER_RULES_SOURCE_DIR
  if (fs::is_directory(CASELEDGER_RULES_SOURCE_DIR, ec)) return CASELEDGER_RULES_SOURCE_DIR;
#endif
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return "share/caseledger/rules";
  return (exe.parent_path() / ".." / "share" / "caseledger" / "rules").lexically_normal().string();
}

}  // namespace caseledger::compliance
