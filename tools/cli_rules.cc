// `caseledger rules list|check` over projections/rule_pack.h.
#include "tools/cli_rules.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <ostream>
#include <sstream>
#include <vector>

#include "projections/rule_pack.h"
#include "tools/cli.h"

namespace caseledger::cli {

namespace {

using compliance::Limit;
using compliance::Period;
using compliance::Rule;
using compliance::RulePack;

std::string PeriodText(const Period& p) {
  std::string unit;
  switch (p.unit) {
    case compliance::PeriodUnit::kHours: unit = "hour"; break;
    case compliance::PeriodUnit::kDays: unit = "day"; break;
    case compliance::PeriodUnit::kWorkingDays: unit = "working day"; break;
    case compliance::PeriodUnit::kWeeks: unit = "week"; break;
    case compliance::PeriodUnit::kMonths: unit = "month"; break;
  }
  return std::to_string(p.amount) + " " + unit + (p.amount == 1 ? "" : "s");
}

std::string DateText(int64_t micros) {
  int64_t z = micros / 86400000000LL + 719468;  // civil from days (H. Hinnant)
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int64_t d = doy - (153 * mp + 2) / 5 + 1;
  const int64_t m = mp < 10 ? mp + 3 : mp - 9;
  const int64_t y = yoe + era * 400 + (m <= 2);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04lld-%02lld-%02lld", static_cast<long long>(y),
                static_cast<long long>(m), static_cast<long long>(d));
  return buf;
}

// "14 days", "cap 30 (50 exceptional)", "30 days, min 6 months", "+7 days when ...".
std::string LimitText(const Limit& l) {
  std::vector<std::string> parts;
  if (l.period) parts.push_back(PeriodText(*l.period));
  if (l.cap) {
    std::string cap = "cap " + std::to_string(*l.cap);
    if (l.exceptional_cap) cap += " (" + std::to_string(*l.exceptional_cap) + " exceptional)";
    parts.push_back(cap);
  }
  if (l.min_span) parts.push_back("min " + PeriodText(*l.min_span));
  for (const auto& e : l.extensions) parts.push_back("+" + PeriodText(e.period));
  if (l.effective_from) parts.push_back("from " + DateText(*l.effective_from));
  if (l.effective_until) parts.push_back("until " + DateText(*l.effective_until));
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : ", ") + p;
  return out.empty() ? "-" : out;
}

struct Row {
  std::string rule, jurisdiction, kind, limit, name, tag, source;
  bool uncertain = false, enabled = true;
};

std::vector<Row> Rows(const std::vector<RulePack>& packs) {
  std::vector<Row> rows;
  for (const RulePack& pack : packs) {
    const std::string jur = pack.jurisdiction.empty() ? "EU" : pack.jurisdiction;
    for (const Rule& r : pack.rules) {
      Row base{r.id, jur, std::string(compliance::RuleKindName(r.kind)), "-", "",
               std::string(compliance::TagName(r.tag)), r.source, r.uncertain, r.enabled};
      if (!r.enabled) {
        // A disabled rule keeps the source column for its source; the note says why it is off.
        // A rule that only switches a baseline rule off names no kind, tag or source itself.
        base.kind = r.source.empty() ? "-" : base.kind;
        base.limit = "off";
        base.tag = r.source.empty() ? "-" : base.tag;
        base.source = r.source.empty() ? "-" : r.source;
      }
      if (r.limits.empty() || !r.enabled) {
        rows.push_back(base);
        continue;
      }
      for (const Limit& l : r.limits) {
        Row row = base;
        row.limit = LimitText(l);
        row.name = l.name;
        row.tag = std::string(compliance::TagName(l.tag));
        row.source = l.source;
        row.uncertain = l.uncertain || r.uncertain;
        rows.push_back(row);
      }
    }
  }
  return rows;
}

std::string JsonString(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

}  // namespace

int RunRulesList(const RulesArgs& args, std::ostream& out, std::ostream& err) {
  const std::string dir = args.rules_dir.empty() ? compliance::DefaultRulesDir() : args.rules_dir;
  Result<std::vector<RulePack>> packs = compliance::LoadPackDir(dir);
  if (!packs.ok()) {
    err << "caseledger rules: " << packs.status().message() << "\n";
    return kExitUsage;
  }
  std::vector<Row> rows = Rows(*packs);
  if (args.json) {
    out << "[";
    for (size_t i = 0; i < rows.size(); ++i) {
      const Row& r = rows[i];
      out << (i ? ",\n " : "\n ") << "{\"rule\":" << JsonString(r.rule)
          << ",\"jurisdiction\":" << JsonString(r.jurisdiction) << ",\"kind\":" << JsonString(r.kind)
          << ",\"limit\":" << JsonString(r.limit) << ",\"name\":" << JsonString(r.name)
          << ",\"tag\":" << JsonString(r.tag) << ",\"uncertain\":" << (r.uncertain ? "true" : "false")
          << ",\"enabled\":" << (r.enabled ? "true" : "false")
          << ",\"source\":" << JsonString(r.source) << "}";
    }
    out << "\n]\n";
    return kExitOk;
  }
  out << std::left << std::setw(6) << "RULE" << std::setw(4) << "JUR" << std::setw(22) << "KIND"
      << std::setw(48) << "LIMIT" << std::setw(14) << "TAG" << "SOURCE\n";
  for (const Row& r : rows) {
    std::string limit = r.name.empty() ? r.limit : r.limit + " (" + r.name + ")";
    out << std::left << std::setw(6) << r.rule << std::setw(4) << r.jurisdiction << std::setw(22)
        << r.kind << std::setw(48) << (limit + " ") << std::setw(14)
        << (r.uncertain ? r.tag + " [?]" : r.tag) << r.source << "\n";
  }
  return kExitOk;
}

int RunRulesCheck(const RulesArgs& args, std::ostream& out, std::ostream& err) {
  std::error_code ec;
  if (std::filesystem::is_directory(args.file, ec)) {
    // An ifstream opens a directory on Linux and reads nothing: say what is wrong.
    err << "caseledger rules check: cannot read " << args.file << ": is a directory\n";
    return kExitUsage;
  }
  std::ifstream in(args.file, std::ios::binary);
  if (!in) {
    err << "caseledger rules check: cannot read " << args.file << "\n";
    return kExitUsage;
  }
  if (!args.rules_dir.empty() && !std::filesystem::is_directory(args.rules_dir, ec)) {
    err << "caseledger rules check: rule pack directory " << args.rules_dir
        << " does not exist\n";
    return kExitUsage;
  }
  std::ostringstream text;
  text << in.rdbuf();
  std::vector<compliance::PackError> errors;
  Result<RulePack> pack = compliance::ParsePack(text.str(), args.file, &errors);
  if (pack.ok() && !pack->jurisdiction.empty()) {
    // A national pack may name the baseline's states: check it against the baseline.
    const std::string dir = args.rules_dir.empty() ? compliance::DefaultRulesDir() : args.rules_dir;
    Result<std::vector<RulePack>> shipped = compliance::LoadPackDir(dir);
    if (shipped.ok() && !shipped->empty() && shipped->front().jurisdiction.empty()) {
      pack = compliance::ParsePack(text.str(), args.file, &errors, &shipped->front());
    }
  }
  if (!pack.ok()) {
    for (const auto& e : errors) err << e.ToString() << "\n";
    if (errors.empty()) err << pack.status().message() << "\n";
    return kExitFailed;
  }
  const size_t n = pack->rules.size();
  out << "ok: " << pack->id << " " << pack->version << ", " << n
      << (n == 1 ? " rule\n" : " rules\n");
  return kExitOk;
}

}  // namespace caseledger::cli
