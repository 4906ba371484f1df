// Resolving condition paths against the event schema, and evaluating them through the dynamic
// API (condition.h). Everything that depends on names is done in Compile; Matches only walks
// field handles and compares raw values.
#include "projections/condition.h"

#include <capnp/dynamic.h>
#include <capnp/schema.h>

#include <algorithm>
#include <charconv>
#include <cmath>

#include "ledger/time_format.h"

namespace caseledger::compliance {
namespace {

constexpr std::string_view kEnvelopePrefix = "envelope.";
constexpr std::string_view kFactPrefix = "fact.";

capnp::StructSchema EventSchema() { return capnp::Schema::from<schema::Event>(); }

capnp::StructSchema BodySchema() {
  return EventSchema().getFieldByName("body").getType().asStruct();
}

bool InUnion(const capnp::StructSchema::Field& f) {
  return f.getProto().getDiscriminantValue() != capnp::schema::Field::NO_DISCRIMINANT;
}

std::vector<std::string_view> SplitDots(std::string_view path) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    size_t dot = path.find('.', start);
    parts.push_back(path.substr(start, dot == std::string_view::npos ? dot : dot - start));
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return parts;
}

std::optional<int64_t> ParseInt(std::string_view s) {
  int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

std::optional<double> ParseDouble(std::string_view s) {
  if (s.empty()) return std::nullopt;
  std::string copy(s);
  char* end = nullptr;
  double v = std::strtod(copy.c_str(), &end);
  if (end != copy.c_str() + copy.size()) return std::nullopt;
  return v;
}

// A number, or for times an RFC 3339 timestamp or a date (midnight UTC).
std::optional<int64_t> ParseIntOrTime(std::string_view s) {
  if (auto v = ParseInt(s)) return v;
  std::string text(s);
  if (text.size() == 10) text += "T00:00:00Z";
  auto t = ParseRfc3339(text);
  if (!t.ok()) return std::nullopt;
  return t.value();
}

std::string Hex(capnp::Data::Reader d) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(d.size() * 2);
  for (uint8_t b : d) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 15]);
  }
  return out;
}

bool IsInteger(capnp::schema::Type::Which w) {
  using W = capnp::schema::Type::Which;
  switch (w) {
    case W::INT8: case W::INT16: case W::INT32: case W::INT64:
    case W::UINT8: case W::UINT16: case W::UINT32: case W::UINT64:
      return true;
    default:
      return false;
  }
}

std::string NoField(std::string_view path, std::string_view type) {
  // An envelope path is compiled without an event type: name the envelope, not "".
  return "no field " + std::string(path) + " in " +
         (type.empty() ? std::string("the event envelope") : std::string(type));
}

// What a fact holds (compliance.cc UpdateFacts): a fact condition with a value the fact never
// takes would silently never (or always) hold. "" when fine, else why not.
std::string CheckFactCondition(const std::string& fact, const Condition& c) {
  using Op = Condition::Op;
  static const std::vector<std::string> kAnswer = {"yes", "no", "unknown"};
  static const std::vector<std::string> kBool = {"true", "false"};
  static const std::vector<std::string> kTriState = {"true", "false", "unknown"};
  static const std::vector<std::string> kCodes = {"DK", "EE", "FI", "LV", "LT", "SE", "NO", "IS"};
  const std::vector<std::string>* allowed = nullptr;
  std::string what;
  if (fact == "unaccompanied" || fact == "parentalConflictOfInterest" ||
      fact == "foreignNational" || fact == "lawfulStay") {
    allowed = &kAnswer;
    what = "yes, no or unknown";
  } else if (fact == "needsInterpreter" || fact == "identified") {
    allowed = &kBool;
    what = "true or false";
  } else if (fact == "offenceRecent") {
    allowed = &kTriState;
    what = "true, false or unknown";
  } else if (fact == "jurisdiction") {
    allowed = &kCodes;
    what = "a jurisdiction code (DK, EE, FI, LV, LT, SE, NO, IS)";
  }
  if (c.op == Op::kContains) return "fact." + fact + " takes no 'contains'";
  bool ordered = c.op == Op::kLt || c.op == Op::kLe || c.op == Op::kGt || c.op == Op::kGe;
  if (allowed != nullptr && ordered) {
    return "<, <=, >, >= need a number fact (fact." + fact + " is " + what + ")";
  }
  for (const auto& v : c.values) {
    if (allowed == nullptr) {  // ageYears: whole years
      bool digits = !v.empty() && v.size() <= 3 &&
                    std::all_of(v.begin(), v.end(), [](char ch) { return ch >= '0' && ch <= '9'; });
      if (!digits) return "bad value " + v + " for fact." + fact + ": not a whole number of years";
    } else if (std::find(allowed->begin(), allowed->end(), v) == allowed->end()) {
      return "bad value " + v + " for fact." + fact + ": not " + what;
    }
  }
  return "";
}

// Checks one value against the leaf type; "" when fine, else why not.
std::string CheckValue(capnp::Type type, std::string_view value) {
  using W = capnp::schema::Type::Which;
  W w = type.which();
  if (w == W::ENUM) {
    if (type.asEnum().findEnumerantByName(kj::StringPtr(std::string(value).c_str())) == nullptr) {
      return "not an enumerant of " + std::string(type.asEnum().getShortDisplayName().cStr());
    }
    return "";
  }
  if (w == W::BOOL) return value == "true" || value == "false" ? "" : "not true or false";
  if (IsInteger(w)) return ParseIntOrTime(value) ? "" : "not a number or RFC 3339 time";
  if (w == W::FLOAT32 || w == W::FLOAT64) return ParseDouble(value) ? "" : "not a number";
  return "";
}

}  // namespace

const std::vector<std::string>& KnownFactNames() {
  static const std::vector<std::string> kNames = {
      "unaccompanied", "parentalConflictOfInterest", "foreignNational", "lawfulStay",
      "needsInterpreter", "ageYears", "jurisdiction", "identified", "offenceRecent"};
  return kNames;
}

Status CheckEventType(std::string_view type) {
  if (type == "unspecified" ||
      BodySchema().findFieldByName(kj::StringPtr(std::string(type).c_str())) == nullptr) {
    return Status::InvalidArgument("unknown event type " + std::string(type));
  }
  return Status::OK();
}

std::string_view EventTypeName(schema::Event::Reader event) {
  auto body = capnp::toDynamic(event.getBody());
  KJ_IF_MAYBE(f, body.which()) {
    kj::StringPtr name = f->getProto().getName();
    return std::string_view(name.cStr(), name.size());
  }
  return "unspecified";
}

Result<FieldPath> FieldPath::Compile(std::string_view path, std::string_view event_type) {
  FieldPath fp;
  fp.path_ = std::string(path);
  capnp::StructSchema current;
  std::string_view rest = path;
  if (path.substr(0, kEnvelopePrefix.size()) == kEnvelopePrefix) {
    fp.envelope_ = true;
    current = EventSchema();
    rest = path.substr(kEnvelopePrefix.size());
  } else {
    CL_RETURN_IF_ERROR(CheckEventType(event_type));
    auto member = BodySchema().getFieldByName(kj::StringPtr(std::string(event_type).c_str()));
    fp.steps_.push_back(member);
    current = member.getType().asStruct();
  }
  auto parts = SplitDots(rest);
  for (size_t i = 0; i < parts.size(); ++i) {
    if (parts[i].empty()) return Status::InvalidArgument(NoField(path, event_type));
    auto found = current.findFieldByName(kj::StringPtr(std::string(parts[i]).c_str()));
    KJ_IF_MAYBE(f, found) {
      // The envelope's body is reached through the event type, not through "envelope.".
      if (fp.envelope_ && i == 0 && parts[i] == "body") break;
      fp.steps_.push_back(*f);
      if (i + 1 < parts.size()) {
        if (!f->getType().isStruct()) return Status::InvalidArgument(NoField(path, event_type));
        current = f->getType().asStruct();
      } else {
        fp.leaf_ = *f;
        return fp;
      }
    } else {
      return Status::InvalidArgument(NoField(path, event_type));
    }
  }
  return Status::InvalidArgument(NoField(path, event_type));
}

std::optional<capnp::DynamicValue::Reader> FieldPath::Get(schema::Event::Reader event) const {
  capnp::DynamicStruct::Reader s = capnp::toDynamic(event);
  if (!envelope_) s = s.get("body").as<capnp::DynamicStruct>();
  for (size_t i = 0; i < steps_.size(); ++i) {
    const auto& f = steps_[i];
    if (InUnion(f)) {
      auto w = s.which();
      KJ_IF_MAYBE(active, w) {
        if (*active != f) return std::nullopt;
      } else {
        return std::nullopt;
      }
    }
    if (i + 1 == steps_.size()) return s.get(f);
    s = s.get(f).as<capnp::DynamicStruct>();
  }
  return std::nullopt;
}

bool FieldPath::IsSet(schema::Event::Reader event) const {
  auto v = Get(event);
  if (!v) return false;
  switch (v->getType()) {
    case capnp::DynamicValue::BOOL: return v->as<bool>();
    case capnp::DynamicValue::INT: return v->as<int64_t>() != 0;
    case capnp::DynamicValue::UINT: return v->as<uint64_t>() != 0;
    case capnp::DynamicValue::FLOAT: return v->as<double>() != 0;
    case capnp::DynamicValue::TEXT: return v->as<capnp::Text>().size() > 0;
    case capnp::DynamicValue::DATA: return v->as<capnp::Data>().size() > 0;
    case capnp::DynamicValue::LIST: return v->as<capnp::DynamicList>().size() > 0;
    case capnp::DynamicValue::ENUM: return v->as<capnp::DynamicEnum>().getRaw() != 0;
    case capnp::DynamicValue::STRUCT: return true;
    default: return false;
  }
}

std::string FieldPath::Text(schema::Event::Reader event) const {
  auto v = Get(event);
  if (!v) return "";
  switch (v->getType()) {
    case capnp::DynamicValue::BOOL: return v->as<bool>() ? "true" : "false";
    case capnp::DynamicValue::INT: return std::to_string(v->as<int64_t>());
    case capnp::DynamicValue::UINT: return std::to_string(v->as<uint64_t>());
    case capnp::DynamicValue::FLOAT: return std::to_string(v->as<double>());
    case capnp::DynamicValue::TEXT: return v->as<capnp::Text>().cStr();
    case capnp::DynamicValue::DATA: return Hex(v->as<capnp::Data>());
    case capnp::DynamicValue::ENUM: {
      auto e = v->as<capnp::DynamicEnum>();
      KJ_IF_MAYBE(en, e.getEnumerant()) { return en->getProto().getName().cStr(); }
      return std::to_string(e.getRaw());
    }
    default: return "";
  }
}

std::optional<int64_t> FieldPath::Int(schema::Event::Reader event) const {
  auto v = Get(event);
  if (!v) return std::nullopt;
  if (v->getType() == capnp::DynamicValue::INT) return v->as<int64_t>();
  if (v->getType() == capnp::DynamicValue::UINT) return static_cast<int64_t>(v->as<uint64_t>());
  return std::nullopt;
}

Status CheckFieldPath(std::string_view path, const std::vector<std::string>& event_types) {
  if (path.substr(0, kEnvelopePrefix.size()) == kEnvelopePrefix) {
    return FieldPath::Compile(path, "").status();
  }
  if (event_types.empty()) {
    return Status::InvalidArgument("field " + std::string(path) + " needs an event type");
  }
  for (const auto& type : event_types) {
    CL_RETURN_IF_ERROR(FieldPath::Compile(path, type).status());
  }
  return Status::OK();
}

Status CheckConditionPath(const Condition& c, const std::vector<std::string>& event_types) {
  bool body = c.path.substr(0, kEnvelopePrefix.size()) != kEnvelopePrefix &&
              c.path.substr(0, kFactPrefix.size()) != kFactPrefix;
  if (!body || event_types.empty()) {
    if (body) return Status::InvalidArgument("field " + c.path + " needs an event type");
    return CompiledCondition::Compile(c, "").status();
  }
  for (const auto& type : event_types) {
    CL_RETURN_IF_ERROR(CompiledCondition::Compile(c, type).status());
  }
  return Status::OK();
}

Result<CompiledCondition> CompiledCondition::Compile(const Condition& c,
                                                     std::string_view event_type) {
  using Op = Condition::Op;
  CompiledCondition cc;
  cc.condition_ = c;
  bool needs_value = c.op != Op::kSet && c.op != Op::kUnset;
  if (needs_value && c.values.empty()) {
    return Status::InvalidArgument("no value in condition " + c.text);
  }
  if (c.path.substr(0, kFactPrefix.size()) == kFactPrefix) {
    cc.fact_ = c.path.substr(kFactPrefix.size());
    const auto& names = KnownFactNames();
    if (std::find(names.begin(), names.end(), cc.fact_) == names.end()) {
      return Status::InvalidArgument("no fact " + cc.fact_ + " (facts: unaccompanied, "
                                     "parentalConflictOfInterest, foreignNational, lawfulStay, "
                                     "needsInterpreter, ageYears, jurisdiction, identified, "
                                     "offenceRecent)");
    }
    if (std::string why = CheckFactCondition(cc.fact_, c); !why.empty()) {
      return Status::InvalidArgument(why);
    }
    cc.leaf_ = Leaf::kFact;
    cc.texts_ = c.values;
    for (const auto& v : c.values) {
      if (auto d = ParseDouble(v)) cc.floats_.push_back(*d);
    }
    return cc;
  }
  auto fp = FieldPath::Compile(c.path, event_type);
  if (!fp.ok()) return fp.status();
  cc.field_ = std::move(fp.value());
  capnp::Type type = cc.field_->leaf_type();
  using W = capnp::schema::Type::Which;
  auto bad = [&](const std::string& value, const std::string& why) {
    return Status::InvalidArgument("bad value " + value + " for " + c.path + " in " +
                                   std::string(event_type) + ": " + why);
  };
  capnp::Type value_type = type;
  if (type.isList()) {
    value_type = type.asList().getElementType();
    cc.leaf_ = Leaf::kList;
    if (needs_value && c.op != Op::kContains) {
      return bad(c.values[0], "a list takes only contains, is set, is not set");
    }
  } else if (c.op == Op::kContains && type.which() != W::TEXT) {
    return bad(c.values[0], "contains needs a list or text field");
  }
  Leaf kind;
  W w = value_type.which();
  if (w == W::ENUM) kind = Leaf::kEnum;
  else if (w == W::BOOL) kind = Leaf::kBool;
  else if (w == W::INT8 || w == W::INT16 || w == W::INT32 || w == W::INT64) kind = Leaf::kInt;
  else if (IsInteger(w)) kind = Leaf::kUInt;
  else if (w == W::FLOAT32 || w == W::FLOAT64) kind = Leaf::kFloat;
  else if (w == W::TEXT) kind = Leaf::kText;
  else if (w == W::DATA) kind = Leaf::kData;
  else kind = Leaf::kStruct;
  if (cc.leaf_ == Leaf::kList) cc.element_ = kind; else cc.leaf_ = kind;
  if (kind == Leaf::kStruct && needs_value) {
    return bad(c.values[0], "a struct or list field takes only is set / is not set");
  }
  bool ordered = c.op == Op::kLt || c.op == Op::kLe || c.op == Op::kGt || c.op == Op::kGe;
  if (ordered && kind != Leaf::kInt && kind != Leaf::kUInt && kind != Leaf::kFloat) {
    return bad(c.values[0], "<, <=, >, >= need a number field");
  }
  if (!needs_value) return cc;
  for (const auto& v : c.values) {
    std::string why = CheckValue(value_type, v);
    if (!why.empty()) return bad(v, why);
    switch (kind) {
      case Leaf::kEnum:
        cc.ints_.push_back(
            value_type.asEnum().getEnumerantByName(kj::StringPtr(v.c_str())).getOrdinal());
        break;
      case Leaf::kBool: cc.ints_.push_back(v == "true" ? 1 : 0); break;
      case Leaf::kInt: case Leaf::kUInt: cc.ints_.push_back(*ParseIntOrTime(v)); break;
      case Leaf::kFloat: cc.floats_.push_back(*ParseDouble(v)); break;
      default: cc.texts_.push_back(v); break;
    }
  }
  return cc;
}

bool CompiledCondition::Matches(schema::Event::Reader event, const CaseFacts& facts) const {
  using Op = Condition::Op;
  if (leaf_ == Leaf::kFact) return MatchesFact(facts);
  if (condition_.op == Op::kSet) return field_->IsSet(event);
  if (condition_.op == Op::kUnset) return !field_->IsSet(event);
  auto v = field_->Get(event);
  if (!v) return condition_.op == Op::kNe || condition_.op == Op::kNotIn;
  return MatchesValue(*v);
}

namespace {

template <typename T>
bool Compare(Condition::Op op, T value, const std::vector<T>& wanted) {
  using Op = Condition::Op;
  bool any = std::find(wanted.begin(), wanted.end(), value) != wanted.end();
  switch (op) {
    case Op::kEq: case Op::kIn: case Op::kContains: return any;
    case Op::kNe: case Op::kNotIn: return !any;
    case Op::kLt: return value < wanted[0];
    case Op::kLe: return value <= wanted[0];
    case Op::kGt: return value > wanted[0];
    case Op::kGe: return value >= wanted[0];
    default: return false;
  }
}

}  // namespace

bool CompiledCondition::MatchesValue(const capnp::DynamicValue::Reader& v) const {
  Condition::Op op = condition_.op;
  switch (leaf_) {
    case Leaf::kEnum: return Compare<int64_t>(op, v.as<capnp::DynamicEnum>().getRaw(), ints_);
    case Leaf::kBool: return Compare<int64_t>(op, v.as<bool>() ? 1 : 0, ints_);
    case Leaf::kInt: return Compare<int64_t>(op, v.as<int64_t>(), ints_);
    case Leaf::kUInt: return Compare<int64_t>(op, static_cast<int64_t>(v.as<uint64_t>()), ints_);
    case Leaf::kFloat: return Compare<double>(op, v.as<double>(), floats_);
    case Leaf::kData: return Compare<std::string>(op, Hex(v.as<capnp::Data>()), texts_);
    case Leaf::kText: {
      std::string text = v.as<capnp::Text>().cStr();
      if (op == Condition::Op::kContains) return text.find(texts_[0]) != std::string::npos;
      return Compare<std::string>(op, text, texts_);
    }
    case Leaf::kList: {
      // Only `contains` takes a value on a list: any element equal to the value.
      for (auto e : v.as<capnp::DynamicList>()) {
        bool hit = false;
        switch (element_) {
          case Leaf::kEnum: hit = ints_[0] == e.as<capnp::DynamicEnum>().getRaw(); break;
          case Leaf::kBool: hit = ints_[0] == (e.as<bool>() ? 1 : 0); break;
          case Leaf::kInt: hit = ints_[0] == e.as<int64_t>(); break;
          case Leaf::kUInt: hit = ints_[0] == static_cast<int64_t>(e.as<uint64_t>()); break;
          case Leaf::kFloat: hit = floats_[0] == e.as<double>(); break;
          case Leaf::kText: hit = texts_[0] == e.as<capnp::Text>().cStr(); break;
          case Leaf::kData: hit = texts_[0] == Hex(e.as<capnp::Data>()); break;
          default: break;
        }
        if (hit) return true;
      }
      return false;
    }
    default: return false;
  }
}

// Facts are text: numeric comparisons when both sides are numbers, text equality otherwise.
// An unknown fact equals nothing.
bool CompiledCondition::MatchesFact(const CaseFacts& facts) const {
  using Op = Condition::Op;
  auto it = facts.find(fact_);
  bool set = it != facts.end() && !it->second.empty() && it->second != "unknown" &&
             it->second != "false" && it->second != "0" && it->second != "unspecified";
  if (condition_.op == Op::kSet) return set;
  if (condition_.op == Op::kUnset) return !set;
  if (it == facts.end()) return condition_.op == Op::kNe || condition_.op == Op::kNotIn;
  bool ordered = condition_.op == Op::kLt || condition_.op == Op::kLe ||
                 condition_.op == Op::kGt || condition_.op == Op::kGe;
  if (ordered) {
    auto d = ParseDouble(it->second);
    if (!d || floats_.empty()) return false;
    return Compare<double>(condition_.op, *d, floats_);
  }
  return Compare<std::string>(condition_.op, it->second, texts_);
}

bool HasGrounds(schema::Event::Reader event) {
  // For each event type, its fields that give grounds for a delay: looked up once, not per
  // event (this runs for every event the rules see).
  static const std::vector<std::vector<capnp::StructSchema::Field>> kGroundFields = [] {
    std::vector<std::vector<capnp::StructSchema::Field>> table;
    auto body = capnp::Schema::from<schema::Event::Body>();
    for (auto member : body.getUnionFields()) {
      const uint16_t d = member.getProto().getDiscriminantValue();
      if (table.size() <= d) table.resize(d + 1);
      if (!member.getType().isStruct()) continue;
      auto s = member.getType().asStruct();
      for (const char* name : {"delayReason", "delayGrounds", "extensionGrounds"}) {
        KJ_IF_MAYBE(f, s.findFieldByName(name)) { table[d].push_back(*f); }
      }
    }
    return table;
  }();
  const auto d = static_cast<uint16_t>(event.getBody().which());
  if (d >= kGroundFields.size() || kGroundFields[d].empty()) return false;
  auto body = capnp::toDynamic(event.getBody());
  KJ_IF_MAYBE(member, body.which()) {
    auto s = body.get(*member).as<capnp::DynamicStruct>();
    for (const auto& f : kGroundFields[d]) {
      auto v = s.get(f);
      if (v.getType() == capnp::DynamicValue::TEXT && v.as<capnp::Text>().size() > 0) {
        return true;
      }
      if (v.getType() == capnp::DynamicValue::ENUM && v.as<capnp::DynamicEnum>().getRaw() != 0) {
        return true;
      }
    }
  }
  return false;
}

}  // namespace caseledger::compliance
