#include "ledger/event_validation.h"

#include <capnp/dynamic.h>
#include <capnp/schema.h>
#include <kj/exception.h>

#include <string>

#include "ledger/storage_format.h"
#include "ledger/time_format.h"

namespace caseledger {

namespace {

// From schema/annotations.capnp.
constexpr uint64_t kRequiredId = 0xf44a3642468f9a5full;
constexpr uint64_t kOptionalId = 0xeb0114b25fc0837eull;

bool HasAnnotation(const capnp::StructSchema::Field& field, uint64_t id) {
  for (auto a : field.getProto().getAnnotations()) {
    if (a.getId() == id) return true;
  }
  return false;
}

std::string Join(const std::string& path, kj::StringPtr name) {
  return path.empty() ? std::string(name.cStr()) : path + "." + name.cStr();
}

Status CheckEnum(capnp::DynamicEnum e, const std::string& path, bool optional) {
  if (e.getEnumerant() == nullptr) {
    return Status::InvalidArgument(path + ": unknown value " + std::to_string(e.getRaw()));
  }
  if (e.getRaw() == 0 && !optional) return Status::InvalidArgument(path + " is required");
  return Status::OK();
}

Status CheckStruct(capnp::DynamicStruct::Reader s, const std::string& path);

Status CheckField(capnp::DynamicStruct::Reader s, capnp::StructSchema::Field field,
                  const std::string& path) {
  const std::string here = Join(path, field.getProto().getName());
  const bool required = HasAnnotation(field, kRequiredId);
  const bool optional = HasAnnotation(field, kOptionalId);
  auto type = field.getType();
  if (field.getProto().isGroup()) {
    return CheckStruct(s.get(field).as<capnp::DynamicStruct>(), here);
  }
  switch (type.which()) {
    case capnp::schema::Type::ENUM:
      return CheckEnum(s.get(field).as<capnp::DynamicEnum>(), here, optional);
    case capnp::schema::Type::TEXT:
      if (required && s.get(field).as<capnp::Text>().size() == 0) {
        return Status::InvalidArgument(here + " is required");
      }
      return Status::OK();
    case capnp::schema::Type::DATA:
      if (required && s.get(field).as<capnp::Data>().size() == 0) {
        return Status::InvalidArgument(here + " is required");
      }
      return Status::OK();
    case capnp::schema::Type::STRUCT:
      if (!s.has(field)) {
        return required ? Status::InvalidArgument(here + " is required") : Status::OK();
      }
      return CheckStruct(s.get(field).as<capnp::DynamicStruct>(), here);
    case capnp::schema::Type::LIST: {
      auto list = s.get(field).as<capnp::DynamicList>();
      if (required && list.size() == 0) return Status::InvalidArgument(here + " is required");
      auto element = type.asList().getElementType();
      for (uint i = 0; i < list.size(); ++i) {
        const std::string item = here + "[" + std::to_string(i) + "]";
        if (element.isEnum()) {
          CL_RETURN_IF_ERROR(CheckEnum(list[i].as<capnp::DynamicEnum>(), item, false));
        } else if (element.isStruct()) {
          CL_RETURN_IF_ERROR(CheckStruct(list[i].as<capnp::DynamicStruct>(), item));
        } else if (element.isText() && list[i].as<capnp::Text>().size() == 0) {
          return Status::InvalidArgument(item + " is empty");
        }
      }
      return Status::OK();
    }
    default:
      return Status::OK();
  }
}

Status CheckStruct(capnp::DynamicStruct::Reader s, const std::string& path) {
  auto schema = s.getSchema();
  for (auto field : schema.getNonUnionFields()) {
    CL_RETURN_IF_ERROR(CheckField(s, field, path));
  }
  if (schema.getUnionFields().size() > 0) {
    KJ_IF_MAYBE(active, s.which()) {
      if (active->getProto().getDiscriminantValue() == 0) {
        return Status::InvalidArgument((path.empty() ? std::string("union") : path) +
                                       " is required (no member set)");
      }
      CL_RETURN_IF_ERROR(CheckField(s, *active, path));
    } else {
      return Status::InvalidArgument((path.empty() ? std::string("union") : path) +
                                     ": unknown member");
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
    status = CheckStruct(capnp::toDynamic(ev), "");
  })) {
    return Status::InvalidArgument(std::string("malformed event: ") + e->getDescription().cStr());
  }
  return status;
}

}  // namespace caseledger
