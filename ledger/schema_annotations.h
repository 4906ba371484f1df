// Internal: reading the schema's annotations through reflection (validation, JSON).
#ifndef CASELEDGER_LEDGER_SCHEMA_ANNOTATIONS_H_
#define CASELEDGER_LEDGER_SCHEMA_ANNOTATIONS_H_

#include <capnp/schema.h>

#include <cstdint>

namespace caseledger::detail {

// From schema/annotations.capnp.
inline constexpr uint64_t kRequiredAnnotationId = 0xf44a3642468f9a5full;
inline constexpr uint64_t kOptionalAnnotationId = 0xeb0114b25fc0837eull;
// From capnp/compat/json.capnp.
inline constexpr uint64_t kJsonHexAnnotationId = 0xf061e22f0ae5c7b5ull;
inline constexpr uint64_t kJsonBase64AnnotationId = 0xd7d879450a253e4bull;
inline constexpr uint64_t kJsonNameAnnotationId = 0xfa5b1fd61c2e7c3dull;

inline bool HasAnnotation(const capnp::StructSchema::Field& field, uint64_t id) {
  for (auto a : field.getProto().getAnnotations()) {
    if (a.getId() == id) return true;
  }
  return false;
}

}  // namespace caseledger::detail

#endif  // CASELEDGER_LEDGER_SCHEMA_ANNOTATIONS_H_
