#include "ledger/event_json.h"

#include <capnp/compat/json.h>
#include <capnp/dynamic.h>
#include <capnp/message.h>
#include <capnp/schema.h>
#include <kj/exception.h>

#include <charconv>
#include <cmath>
#include <set>
#include <vector>

#include "ledger/json_escapes.h"
#include "ledger/schema_annotations.h"
#include "ledger/time_format.h"

namespace caseledger {

namespace {

using detail::HasAnnotation;
constexpr uint64_t kJsonHexId = detail::kJsonHexAnnotationId;
constexpr uint64_t kJsonBase64Id = detail::kJsonBase64AnnotationId;
constexpr uint64_t kJsonNameId = detail::kJsonNameAnnotationId;

std::string JsonName(const capnp::StructSchema::Field& field) {
  for (auto a : field.getProto().getAnnotations()) {
    if (a.getId() == kJsonNameId) return a.getValue().getText();
  }
  return field.getProto().getName();
}

bool IsTimeField(const capnp::StructSchema::Field& field) {
  if (field.getType().which() != capnp::schema::Type::INT64) return false;
  kj::StringPtr name = field.getProto().getName();
  return name.endsWith("At") || name == "effectiveFrom";
}

// Times as RFC 3339 strings.
class TimeHandler final : public capnp::JsonCodec::Handler<int64_t> {
 public:
  void encode(const capnp::JsonCodec&, int64_t input,
              capnp::JsonValue::Builder output) const override {
    if (input == 0) {
      output.setNull();  // unset
    } else {
      output.setString(FormatRfc3339(input));
    }
  }
  int64_t decode(const capnp::JsonCodec&, capnp::JsonValue::Reader input) const override {
    if (input.isNull()) return 0;
    KJ_REQUIRE(input.isString(), "expected an RFC 3339 timestamp string");
    auto parsed = ParseRfc3339(input.getString().cStr());
    KJ_REQUIRE(parsed.ok(), parsed.status().message());
    return *parsed;
  }
};

// Positions and versions as JSON numbers (exact up to 2^53, far beyond any ledger).
class CounterHandler final : public capnp::JsonCodec::Handler<uint64_t> {
 public:
  void encode(const capnp::JsonCodec&, uint64_t input,
              capnp::JsonValue::Builder output) const override {
    output.setNumber(static_cast<double>(input));
  }
  uint64_t decode(const capnp::JsonCodec&, capnp::JsonValue::Reader input) const override {
    if (input.isString()) {
      // Digits only: std::stoull took "-1" as 2^64 - 1 and ignored trailing text.
      kj::StringPtr text = input.getString();
      uint64_t value = 0;
      auto [end, error] = std::from_chars(text.begin(), text.end(), value);
      KJ_REQUIRE(error == std::errc() && end == text.end() && text.size() > 0 &&
                     value <= 9007199254740992ULL,
                 "expected a non-negative integer");
      return value;
    }
    KJ_REQUIRE(input.isNumber(), "expected a number");
    double d = input.getNumber();
    KJ_REQUIRE(d >= 0 && d <= 9007199254740992.0 && std::floor(d) == d,
               "expected a non-negative integer");
    return static_cast<uint64_t>(d);
  }
};

bool IsHex(kj::StringPtr s) {
  if (s.size() % 2 != 0) return false;
  for (char c : s) {
    if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

bool IsBase64(kj::StringPtr s) {
  if (s.size() % 4 != 0) return false;
  size_t pad = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '=') {
      if (i + 2 < s.size()) return false;
      ++pad;
      continue;
    }
    if (pad) return false;
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '/') return false;
  }
  return true;
}

// Checks what the stock codec lets through: hex and base64 strings that are not, and arrays
// where a hex or base64 string belongs. Unknown fields are the codec's own job
// (setRejectUnknownFields).
Status CheckEncodedData(capnp::JsonValue::Reader value, capnp::StructSchema schema,
                        const std::string& path) {
  if (!value.isObject()) return Status::OK();
  for (auto member : value.getObject()) {
    kj::StringPtr name = member.getName();
    for (auto field : schema.getFields()) {
      if (JsonName(field) != name.cStr()) continue;
      const std::string here = path.empty() ? std::string(name.cStr()) : path + "." + name.cStr();
      auto type = field.getType();
      auto v = member.getValue();
      if (type.isData()) {
        bool hex = HasAnnotation(field, kJsonHexId);
        bool b64 = HasAnnotation(field, kJsonBase64Id);
        if ((hex || b64) && !v.isNull()) {
          if (!v.isString()) {
            return Status::InvalidArgument(here + ": expected a " + (hex ? "hex" : "base64") +
                                           " string");
          }
          if (hex && !IsHex(v.getString())) {
            return Status::InvalidArgument(here + ": not a hex string");
          }
          if (b64 && !IsBase64(v.getString())) {
            return Status::InvalidArgument(here + ": not a base64 string");
          }
        }
      } else if (type.isEnum()) {
        // The stock codec also takes an enumerant's number; the JSON form is its name.
        if (!v.isString() && !v.isNull()) {
          return Status::InvalidArgument(here + ": expected the name of a value, as a string");
        }
      } else if (type.isList() && type.asList().getElementType().isEnum() && v.isArray()) {
        size_t i = 0;
        for (auto item : v.getArray()) {
          if (!item.isString()) {
            return Status::InvalidArgument(here + "[" + std::to_string(i) +
                                           "]: expected the name of a value, as a string");
          }
          ++i;
        }
      } else if (type.isStruct()) {
        CL_RETURN_IF_ERROR(CheckEncodedData(v, type.asStruct(), here));
      } else if (type.isList() && type.asList().getElementType().isStruct() && v.isArray()) {
        auto element = type.asList().getElementType().asStruct();
        size_t i = 0;
        for (auto item : v.getArray()) {
          CL_RETURN_IF_ERROR(
              CheckEncodedData(item, element, here + "[" + std::to_string(i++) + "]"));
        }
      }
    }
  }
  return Status::OK();
}

std::string CleanKjMessage(const kj::Exception& e) {
  // kj descriptions look like "expected <the code's condition>; <message>; name = value": keep
  // the message and its values, never the library's source text.
  std::string msg = e.getDescription().cStr();
  if (msg.rfind("expected ", 0) == 0) {
    auto semi = msg.find("; ");
    msg = semi == std::string::npos ? "unexpected value" : msg.substr(semi + 2);
  }
  if (msg.rfind("Unknown field; name = ", 0) == 0) msg = "unknown field \"" + msg.substr(22) + "\"";
  if (auto p = msg.find("; input.getString() = "); p != std::string::npos) {
    msg = msg.substr(0, p) + ": \"" + msg.substr(p + 22) + "\"";
  }
  if (msg.find("nameToValue") != std::string::npos || msg.empty()) msg = "unknown value";
  return msg;
}

}  // namespace

struct EventJson::Impl {
  capnp::JsonCodec codec;
  TimeHandler time_handler;
  CounterHandler counter_handler;
  std::set<uint64_t> visited;

  void RegisterFields(capnp::StructSchema schema) {
    if (!visited.insert(schema.getProto().getId()).second) return;
    for (auto field : schema.getFields()) {
      auto type = field.getType();
      if (IsTimeField(field)) {
        codec.addFieldHandler(field, time_handler);
      } else if (type.isStruct()) {
        RegisterFields(type.asStruct());
      } else if (type.isList() && type.asList().getElementType().isStruct()) {
        RegisterFields(type.asList().getElementType().asStruct());
      }
    }
  }
};

EventJson::EventJson() : impl_(std::make_unique<Impl>()) {
  auto& codec = impl_->codec;
  codec.handleByAnnotation<schema::Event>();
  codec.handleByAnnotation<schema::PersonalData>();
  codec.setRejectUnknownFields(true);
  auto event_schema = capnp::Schema::from<schema::Event>();
  codec.addFieldHandler(event_schema.getFieldByName("streamVersion"), impl_->counter_handler);
  codec.addFieldHandler(event_schema.getFieldByName("globalPosition"), impl_->counter_handler);
  impl_->RegisterFields(event_schema);
  impl_->RegisterFields(capnp::Schema::from<schema::PersonalData>());
}

EventJson::~EventJson() = default;

namespace {

template <typename T>
Status ParseInto(const capnp::JsonCodec& codec, std::string_view json,
                 typename T::Builder out) {
  capnp::MallocMessageBuilder scratch;
  auto value = scratch.initRoot<capnp::JsonValue>();
  Status status;
  const std::string text = detail::FixJsonEscapes(json);
  KJ_IF_MAYBE(e, kj::runCatchingExceptions(
                     [&] { codec.decodeRaw(kj::ArrayPtr<const char>(text.data(), text.size()), value); })) {
    return Status::InvalidArgument("malformed JSON: " + CleanKjMessage(*e));
  }
  if (!value.asReader().isObject()) return Status::InvalidArgument("expected a JSON object");
  CL_RETURN_IF_ERROR(CheckEncodedData(value.asReader(), capnp::Schema::from<T>(), ""));
  KJ_IF_MAYBE(e, kj::runCatchingExceptions([&] {
                codec.decode(value.asReader(), capnp::DynamicStruct::Builder(out));
              })) {
    return Status::InvalidArgument("invalid event JSON: " + CleanKjMessage(*e));
  }
  return Status::OK();
}

}  // namespace

Status EventJson::ParseEvent(std::string_view json, schema::Event::Builder out) const {
  return ParseInto<schema::Event>(impl_->codec, json, out);
}

Status EventJson::ParsePersonal(std::string_view json, schema::PersonalData::Builder out) const {
  return ParseInto<schema::PersonalData>(impl_->codec, json, out);
}

std::string EventJson::Format(schema::Event::Reader event) const {
  return impl_->codec.encode(event).cStr();
}

std::string AgencyRoleName(schema::AgencyRole role) {
  KJ_IF_MAYBE(e, capnp::DynamicEnum(capnp::Schema::from<schema::AgencyRole>(),
                                    static_cast<uint16_t>(role)).getEnumerant()) {
    return e->getProto().getName().cStr();
  }
  return "unknown";
}

std::string EventTypeName(schema::Event::Reader event) {
  KJ_IF_MAYBE(field, capnp::toDynamic(event.getBody()).which()) {
    return field->getProto().getName().cStr();
  }
  return "unknown";
}

std::string EventJson::Format(schema::PersonalData::Reader personal) const {
  return impl_->codec.encode(personal).cStr();
}

}  // namespace caseledger
