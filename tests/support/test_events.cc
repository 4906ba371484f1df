#include "tests/support/test_events.h"

#include <atomic>
#include <cstring>

namespace caseledger::testing {

std::string TestEvents::IdFor(uint64_t n) {
  std::string id(16, '\0');
  std::memcpy(id.data(), "tst-", 4);
  for (int i = 0; i < 8; ++i) id[15 - i] = static_cast<char>((n >> (8 * i)) & 0xff);
  return id;
}

std::string TestEvents::FreshId() {
  static std::atomic<uint64_t> counter{0};
  return IdFor(++counter);
}

schema::Event::Reader TestEvents::Make(const EventSpec& spec) {
  auto msg = std::make_unique<capnp::MallocMessageBuilder>();
  auto ev = msg->initRoot<schema::Event>();
  const std::string id = spec.event_id.empty() ? FreshId() : spec.event_id;
  ev.setEventId(capnp::Data::Reader(reinterpret_cast<const uint8_t*>(id.data()), id.size()));
  ev.setCaseId(spec.case_id);
  ev.setChildId(spec.child_id);
  ev.setDataClass(schema::DataClass::ORDINARY);
  ev.setOccurredAt(spec.occurred_at);
  ev.setJurisdiction(spec.jurisdiction);
  ev.setAgencyId(spec.agency_id);
  ev.setAgencyRole(spec.agency_role);
  ev.setActorId("worker-17");
  if (!spec.supersedes.empty()) {
    ev.setSupersedes(capnp::Data::Reader(reinterpret_cast<const uint8_t*>(spec.supersedes.data()),
                                         spec.supersedes.size()));
  }
  switch (spec.type) {
    case schema::Event::Body::GUARDIAN_APPOINTED: {
      auto body = ev.initBody().initGuardianAppointed();
      body.setGuardianId("guardian-3");
      body.setGuardianType(schema::GuardianType::CIVIL_GUARDIAN);
      body.setGround(schema::RepresentationGround::UNACCOMPANIED);
      break;
    }
    case schema::Event::Body::CRIME_REPORTED: {
      auto body = ev.initBody().initCrimeReported();
      body.initOffenceCodes(1).set(0, "trafficking");
      body.setReportedBy(schema::ReporterKind::POLICE);
      body.setChildRole(schema::CrimeReported::ChildRole::VICTIM);
      body.setPoliceRef("pol-ref-1");
      break;
    }
    case schema::Event::Body::CHARGES_FILED: {
      auto body = ev.initBody().initChargesFiled();
      body.initOffenceCodes(1).set(0, "trafficking");
      ev.setDataClass(schema::DataClass::CRIMINAL);
      break;
    }
    case schema::Event::Body::RESIDENCE_PERMIT_APPLIED: {
      auto body = ev.initBody().initResidencePermitApplied();
      body.setPermitType(schema::PermitType::TRAFFICKING_VICTIM);
      break;
    }
    case schema::Event::Body::MEDICAL_EXAMINATION_PERFORMED: {
      auto body = ev.initBody().initMedicalExaminationPerformed();
      body.setPurpose(schema::MedicalExaminationPerformed::Purpose::CARE);
      body.setProviderId("clinic-2");
      body.setPremises(schema::Premises::HOSPITAL);
      ev.setDataClass(schema::DataClass::HEALTH);
      break;
    }
    case schema::Event::Body::LEGAL_HOLD_APPLIED: {
      auto body = ev.initBody().initLegalHoldApplied();
      body.setHoldId("hold-1");
      body.setReason(schema::LegalHoldApplied::Reason::AUDIT);
      break;
    }
    case schema::Event::Body::ENTRY_VOIDED: {
      ev.initBody().initEntryVoided().setReason("entered in the wrong case");
      break;
    }
    case schema::Event::Body::RECORD_ACCESSED: {
      auto body = ev.initBody().initRecordAccessed();
      body.setAccessorId("someone");
      body.setAccessorRole(spec.agency_role);
      body.setPurpose("forged");
      body.setRequestId("c0/0");
      body.setAccessKind(schema::RecordAccessed::AccessKind::CONSULTATION);
      break;
    }
    default: {
      auto body = ev.initBody().initCaseConferenceHeld();
      body.setKind(schema::CaseConferenceHeld::Kind::INITIAL);
      auto attendees = body.initAttendees(2);
      attendees.set(0, schema::AgencyRole::CHILD_PROTECTION);
      attendees.set(1, schema::AgencyRole::POLICE);
    }
  }
  if (!spec.given_name.empty()) {
    auto p = ev.initPersonal();
    p.setGivenName(spec.given_name);
    p.setFamilyName("Testperson");
  }
  if (spec.pad_to_bytes > 0) {
    size_t now = ev.totalSize().wordCount * 8;
    if (spec.pad_to_bytes > now + 8) ev.setLegalBasis(std::string(spec.pad_to_bytes - now - 8, 'x'));
  }
  messages_.push_back(std::move(msg));
  return messages_.back()->getRoot<schema::Event>().asReader();
}

std::vector<schema::Event::Reader> TestEvents::MakeMany(size_t n, const EventSpec& spec) {
  std::vector<schema::Event::Reader> out;
  for (size_t i = 0; i < n; ++i) {
    EventSpec s = spec;
    s.event_id.clear();
    out.push_back(Make(s));
  }
  return out;
}

}  // namespace caseledger::testing
