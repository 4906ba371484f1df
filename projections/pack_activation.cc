#include "projections/pack_activation.h"

#include <capnp/schema.h>

#include <cctype>
#include <span>

#include "ledger/hash.h"
#include "schema/events.capnp.h"

namespace caseledger::compliance {

std::unique_ptr<capnp::MallocMessageBuilder> BuildActivation(const RulePack& pack,
                                                             const std::string& text,
                                                             int64_t effective_from,
                                                             const std::string& actor,
                                                             int64_t occurred_at) {
  auto message = std::make_unique<capnp::MallocMessageBuilder>();
  auto ev = message->initRoot<schema::Event>();
  const Hash256 digest = Sha256(std::span<const uint8_t>(
      reinterpret_cast<const uint8_t*>(text.data()), text.size()));
  // The event id: the first 16 bytes of SHA-256(digest, effective time, decision time), so that
  // a retried append of the same activation is recognised by the ledger as the same event.
  std::string id_input(reinterpret_cast<const char*>(digest.data()), digest.size());
  id_input += std::to_string(effective_from) + "/" + std::to_string(occurred_at);
  const Hash256 id = Sha256(std::span<const uint8_t>(
      reinterpret_cast<const uint8_t*>(id_input.data()), id_input.size()));
  ev.setEventId(capnp::Data::Reader(id.data(), 16));
  ev.setCaseId("rules:" + pack.id);
  ev.setChildId("rules");
  ev.setDataClass(schema::DataClass::ORDINARY);
  ev.setOccurredAt(occurred_at);
  ev.setAgencyId("caseledger-admin");
  ev.setAgencyRole(schema::AgencyRole::SYSTEM);
  ev.setActorId(actor.empty() ? "admin" : actor);
  ev.setJurisdiction(schema::Jurisdiction::EU);
  auto body = ev.initBody().initRulePackActivated();
  body.setPackId(pack.id);
  body.setPackVersion(pack.version);
  if (!pack.jurisdiction.empty()) {
    auto j = capnp::Schema::from<schema::Jurisdiction>();
    for (auto e : j.getEnumerants()) {
      std::string name = e.getProto().getName();
      for (auto& c : name) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      if (name == pack.jurisdiction) {
        body.setJurisdiction(static_cast<schema::Jurisdiction>(e.getOrdinal()));
        ev.setJurisdiction(static_cast<schema::Jurisdiction>(e.getOrdinal()));
      }
    }
  }
  body.setEffectiveFrom(effective_from);
  body.setDigest(capnp::Data::Reader(digest.data(), digest.size()));
  body.setContent(text);
  return message;
}

}  // namespace caseledger::compliance
