#include "ledger/event_validation.h"

#include <capnp/dynamic.h>
#include <capnp/schema.h>
#include <kj/exception.h>

#include <algorithm>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "ledger/hash.h"
#include "ledger/schema_annotations.h"
#include "ledger/storage_format.h"
#include "ledger/time_format.h"

namespace caseledger {

namespace {

using detail::HasAnnotation;
constexpr uint64_t kRequiredId = detail::kRequiredAnnotationId;
constexpr uint64_t kOptionalId = detail::kOptionalAnnotationId;

// Where a field sits ("body.caseConferenceHeld.attendees"), spelled out only for an error
// message: building it for every field that passes cost a heap allocation per nested struct.
struct Path {
  const Path* parent = nullptr;
  const std::string* name = nullptr;  // null for the root
  size_t index = SIZE_MAX;            // a list element: name[index]
  std::string ToString() const {
    if (name == nullptr) return "";
    std::string up = parent ? parent->ToString() : "";
    std::string here = index == SIZE_MAX ? *name : *name + "[" + std::to_string(index) + "]";
    return up.empty() ? here : up + "." + here;
  }
};

// What to check of one field, worked out once per schema: reading annotations and types
// through reflection for every event would dominate the cost of an append.
struct FieldRule {
  enum class Kind { kSkip, kGroup, kEnum, kText, kData, kStruct, kList };
  capnp::StructSchema::Field field;
  Kind kind = Kind::kSkip;
  bool required = false;
  bool optional = false;
  capnp::Type element;  // lists: the element type
  std::string name;
};

struct StructRules {
  std::vector<FieldRule> non_union;
  std::unordered_map<uint16_t, FieldRule> union_members;  // by discriminant
  bool has_union = false;
};

class Rules {
 public:
  Rules() { Add(capnp::Schema::from<schema::Event>()); }
  const StructRules& For(capnp::StructSchema s) const { return by_id_.at(s.getProto().getId()); }

 private:
  FieldRule Rule(capnp::StructSchema::Field field) {
    FieldRule r{field};
    r.name = field.getProto().getName();
    r.required = HasAnnotation(field, kRequiredId);
    r.optional = HasAnnotation(field, kOptionalId);
    if (field.getProto().isGroup()) {
      r.kind = FieldRule::Kind::kGroup;
      Add(field.getType().asStruct());
      return r;
    }
    auto type = field.getType();
    switch (type.which()) {
      case capnp::schema::Type::ENUM: r.kind = FieldRule::Kind::kEnum; break;
      case capnp::schema::Type::TEXT: r.kind = FieldRule::Kind::kText; break;
      case capnp::schema::Type::DATA: r.kind = FieldRule::Kind::kData; break;
      case capnp::schema::Type::STRUCT:
        r.kind = FieldRule::Kind::kStruct;
        Add(type.asStruct());
        break;
      case capnp::schema::Type::LIST:
        r.kind = FieldRule::Kind::kList;
        r.element = type.asList().getElementType();
        if (r.element.isStruct()) Add(r.element.asStruct());
        break;
      default: break;
    }
    return r;
  }

  void Add(capnp::StructSchema s) {
    const uint64_t id = s.getProto().getId();
    if (by_id_.count(id)) return;
    by_id_[id];  // mark before recursing (recursive types)
    StructRules rules;
    for (auto f : s.getNonUnionFields()) rules.non_union.push_back(Rule(f));
    for (auto f : s.getUnionFields()) {
      rules.has_union = true;
      rules.union_members.emplace(f.getProto().getDiscriminantValue(), Rule(f));
    }
    by_id_[id] = std::move(rules);
  }

  std::unordered_map<uint64_t, StructRules> by_id_;
};

const Rules& AllRules() {
  static const Rules* rules = new Rules();
  return *rules;
}

// `path` makes the field's name, only when it is needed for an error.
template <typename PathFn>
Status CheckEnum(capnp::DynamicEnum e, const PathFn& path, bool optional) {
  if (e.getEnumerant() == nullptr) {
    return Status::InvalidArgument(path() + ": unknown value " + std::to_string(e.getRaw()));
  }
  if (e.getRaw() == 0 && !optional) return Status::InvalidArgument(path() + " is required");
  return Status::OK();
}

Status CheckStruct(capnp::DynamicStruct::Reader s, const Path& path);

Status CheckField(capnp::DynamicStruct::Reader s, const FieldRule& rule, const Path& path) {
  const Path field_path{&path, &rule.name};
  auto here = [&] { return field_path.ToString(); };
  switch (rule.kind) {
    case FieldRule::Kind::kSkip: return Status::OK();
    case FieldRule::Kind::kGroup:
      return CheckStruct(s.get(rule.field).as<capnp::DynamicStruct>(), field_path);
    case FieldRule::Kind::kEnum:
      return CheckEnum(s.get(rule.field).as<capnp::DynamicEnum>(), here, rule.optional);
    case FieldRule::Kind::kText:
      if (rule.required && s.get(rule.field).as<capnp::Text>().size() == 0) {
        return Status::InvalidArgument(here() + " is required");
      }
      return Status::OK();
    case FieldRule::Kind::kData:
      if (rule.required && s.get(rule.field).as<capnp::Data>().size() == 0) {
        return Status::InvalidArgument(here() + " is required");
      }
      return Status::OK();
    case FieldRule::Kind::kStruct:
      if (!s.has(rule.field)) {
        return rule.required ? Status::InvalidArgument(here() + " is required") : Status::OK();
      }
      return CheckStruct(s.get(rule.field).as<capnp::DynamicStruct>(), field_path);
    case FieldRule::Kind::kList: {
      if (!s.has(rule.field)) {
        return rule.required ? Status::InvalidArgument(here() + " is required") : Status::OK();
      }
      auto list = s.get(rule.field).as<capnp::DynamicList>();
      if (rule.required && list.size() == 0) return Status::InvalidArgument(here() + " is required");
      for (uint i = 0; i < list.size(); ++i) {
        auto item = [&] { return here() + "[" + std::to_string(i) + "]"; };
        if (rule.element.isEnum()) {
          auto e = list[i].as<capnp::DynamicEnum>();
          if (e.getRaw() == 0 || e.getEnumerant() == nullptr) CL_RETURN_IF_ERROR(CheckEnum(e, item, false));
        } else if (rule.element.isStruct()) {
          CL_RETURN_IF_ERROR(
              CheckStruct(list[i].as<capnp::DynamicStruct>(), Path{&path, &rule.name, i}));
        } else if (rule.element.isText() && list[i].as<capnp::Text>().size() == 0) {
          return Status::InvalidArgument(item() + " is empty");
        }
      }
      return Status::OK();
    }
  }
  return Status::OK();
}

Status CheckStruct(capnp::DynamicStruct::Reader s, const Path& path) {
  const StructRules& rules = AllRules().For(s.getSchema());
  for (const auto& rule : rules.non_union) CL_RETURN_IF_ERROR(CheckField(s, rule, path));
  if (rules.has_union) {
    auto where = [&] {
      std::string p = path.ToString();
      return p.empty() ? std::string("union") : p;
    };
    KJ_IF_MAYBE(active, s.which()) {
      const uint16_t d = active->getProto().getDiscriminantValue();
      if (d == 0) return Status::InvalidArgument(where() + " is required (no member set)");
      CL_RETURN_IF_ERROR(CheckField(s, rules.union_members.at(d), path));
    } else {
      return Status::InvalidArgument(where() + ": unknown member");
    }
  }
  return Status::OK();
}

Status CheckOptionalId(capnp::Data::Reader id, const char* name) {
  if (id.size() != 0 && id.size() != storage::kEventIdSize) {
    return Status::InvalidArgument(std::string(name) + " must be empty or 16 bytes, not " +
                                   std::to_string(id.size()));
  }
  return Status::OK();
}

}  // namespace

bool IsValidId(std::string_view id) {
  if (id.empty() || id.size() > storage::kMaxCaseIdSize) return false;
  for (char c : id) {
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

Status ValidateClientEvent(schema::Event::Reader ev, int64_t now_micros,
                           int64_t max_skew_micros) {
  Status status;
  KJ_IF_MAYBE(e, kj::runCatchingExceptions([&] {
    if (ev.getEventId().size() != storage::kEventIdSize) {
      status = Status::InvalidArgument("eventId must be 16 bytes, not " +
                                       std::to_string(ev.getEventId().size()));
      return;
    }
    if (!IsValidId(std::string_view(ev.getCaseId().cStr(), ev.getCaseId().size()))) {
      status = Status::InvalidArgument(
          "caseId must be 1..128 printable ASCII characters without spaces");
      return;
    }
    if (!IsValidId(std::string_view(ev.getChildId().cStr(), ev.getChildId().size()))) {
      status = Status::InvalidArgument(
          "childId must be 1..128 printable ASCII characters without spaces");
      return;
    }
    if (ev.getStreamVersion() != 0 || ev.getGlobalPosition() != 0 || ev.getRecordedAt() != 0 ||
        ev.getSchemaVersion() != 0 || ev.hasPrevLeafHash() || ev.hasSealed()) {
      status = Status::InvalidArgument(
          "streamVersion, globalPosition, recordedAt, schemaVersion, prevLeafHash and sealed "
          "are set by the ledger and must be left out");
      return;
    }
    if (ev.getOccurredAt() <= 0) {
      status = Status::InvalidArgument("occurredAt is required");
      return;
    }
    if (ev.getOccurredAt() > now_micros + max_skew_micros) {
      status = Status::InvalidArgument("occurredAt " + FormatRfc3339(ev.getOccurredAt()) +
                                       " is later than the ledger's time " +
                                       FormatRfc3339(now_micros) +
                                       " by more than the allowed clock skew");
      return;
    }
    status = CheckOptionalId(ev.getCausationId(), "causationId");
    if (!status.ok()) return;
    status = CheckOptionalId(ev.getCorrelationId(), "correlationId");
    if (!status.ok()) return;
    status = CheckOptionalId(ev.getSupersedes(), "supersedes");
    if (!status.ok()) return;
    if (ev.getBody().isUnspecified()) {
      status = Status::InvalidArgument("body is required: name the event type");
      return;
    }
    status = CheckStruct(capnp::toDynamic(ev), Path{});
    if (!status.ok()) return;
    if (ev.getJurisdiction() == schema::Jurisdiction::EU && !ev.getBody().isRulePackActivated()) {
      status = Status::InvalidArgument(
          "jurisdiction EU is only for rule pack activations: a case belongs to a state");
      return;
    }
    if (ev.getBody().isRulePackActivated()) {
      // The pack's text is what replays evaluate; its digest must name exactly that text.
      auto pack = ev.getBody().getRulePackActivated();
      auto text = pack.getContent();
      const Hash256 digest = Sha256(std::span<const uint8_t>(
          reinterpret_cast<const uint8_t*>(text.begin()), text.size()));
      auto given = pack.getDigest();
      if (given.size() != digest.size() ||
          !std::equal(given.begin(), given.end(), digest.begin())) {
        status = Status::InvalidArgument(
            "rulePackActivated.digest must be the SHA-256 of rulePackActivated.content");
      }
    }
  })) {
    return Status::InvalidArgument(std::string("malformed event: ") + e->getDescription().cStr());
  }
  return status;
}

}  // namespace caseledger
