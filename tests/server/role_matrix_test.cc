// The role matrix, end to end: every development principal tries every operation over mutual
// TLS, and the outcome is compared with a table written here from the issue ("Principals") and
// the Emitter column of shared/domain/obligations.md §2, not from server/access_control.cc.
#include <catch2/catch.hpp>

#include <capnp/schema.h>

#include <cstring>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "ledger/event_json.h"
#include "ledger/ledger.h"
#include "server/access_control.h"
#include "server/client.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_events.h"
#include "tests/support/test_server.h"
#include "tools/dev_certs.h"
#include "tools/synthetic.h"

namespace caseledger {
namespace {

using schema::AgencyRole;
using Body = schema::Event::Body;
using testing::EventSpec;
using testing::TestEvents;
using testing::TestServer;

// ---------------------------------------------------------------------------------------------
// Which agency role may record which event type: obligations.md §2, row by row.

const std::set<AgencyRole> kAllRoles = {
    AgencyRole::POLICE,         AgencyRole::PROSECUTION,  AgencyRole::COURT,
    AgencyRole::CHILD_PROTECTION, AgencyRole::BARNAHUS,   AgencyRole::MIGRATION,
    AgencyRole::GUARDIANSHIP,   AgencyRole::HEALTH,       AgencyRole::NRM_BODY,
    AgencyRole::LEGAL_AID,      AgencyRole::EDUCATION,    AgencyRole::BORDER_GUARD,
    AgencyRole::OMBUDS,         AgencyRole::PLACEMENT,    AgencyRole::COMPENSATION_AUTHORITY,
    AgencyRole::SYSTEM,         AgencyRole::UNSPECIFIED};

// "any": every agency that acts on a case; not the read-only ombuds, not the ledger itself.
std::set<AgencyRole> AnyAgency() {
  std::set<AgencyRole> out = kAllRoles;
  out.erase(AgencyRole::OMBUDS);
  out.erase(AgencyRole::SYSTEM);
  out.erase(AgencyRole::UNSPECIFIED);
  return out;
}

// "any front line": the agencies that meet children in their daily work and so may be the
// first to see indicators and identify a child.
const std::set<AgencyRole> kFrontLine = {
    AgencyRole::POLICE,    AgencyRole::BORDER_GUARD, AgencyRole::CHILD_PROTECTION,
    AgencyRole::BARNAHUS,  AgencyRole::MIGRATION,    AgencyRole::HEALTH,
    AgencyRole::EDUCATION, AgencyRole::NRM_BODY,     AgencyRole::PLACEMENT};

// The bodies designated to decide formal victim status and take referrals: the NRM body, or
// where the State gave that task elsewhere (glossary: DK Immigration Service, LV
// police/prosecutor).
const std::set<AgencyRole> kNrmDesignated = {AgencyRole::NRM_BODY, AgencyRole::MIGRATION,
                                             AgencyRole::POLICE, AgencyRole::PROSECUTION};

std::map<Body::Which, std::set<AgencyRole>> EmitterTable() {
  using R = AgencyRole;
  std::map<Body::Which, std::set<AgencyRole>> t;
  auto set = [&](std::initializer_list<Body::Which> types, const std::set<AgencyRole>& roles) {
    for (Body::Which type : types) t[type] = roles;
  };
  set({Body::TRAFFICKING_INDICATORS_OBSERVED, Body::PRESUMED_VICTIM_IDENTIFIED}, kFrontLine);
  set({Body::FORMAL_VICTIM_STATUS_DECIDED}, kNrmDesignated);
  // "identifier, NRM_BODY": the identifying agency refers, the NRM accepts.
  set({Body::REFERRED_TO_NRM}, kFrontLine);
  set({Body::REFERRAL_ACCEPTED}, kNrmDesignated);
  set({Body::CHILD_PROTECTION_REPORT_RECEIVED, Body::CP_ASSESSMENT_DECIDED,
       Body::CP_INVESTIGATION_COMPLETED},
      {R::CHILD_PROTECTION});
  // R01 makes the identifier accountable for treating the child as a child at once, so any
  // identifying agency may dispute an age and apply the presumption; the assessment itself
  // belongs to MIGRATION, CHILD_PROTECTION, HEALTH.
  set({Body::AGE_DISPUTED, Body::AGE_PRESUMPTION_APPLIED}, kFrontLine);
  set({Body::AGE_ASSESSMENT_COMPLETED}, {R::MIGRATION, R::CHILD_PROTECTION, R::HEALTH});
  set({Body::PROVISIONAL_REPRESENTATIVE_DESIGNATED, Body::GUARDIAN_APPOINTED,
       Body::GUARDIAN_CONFLICT_FLAGGED, Body::GUARDIAN_REPLACED},
      {R::GUARDIANSHIP, R::COURT});
  // §4 FI: reflection periods are granted by NAS, the police or the Border Guard.
  set({Body::REFLECTION_PERIOD_GRANTED, Body::REFLECTION_PERIOD_EXTENDED,
       Body::REFLECTION_PERIOD_ENDED},
      {R::MIGRATION, R::POLICE, R::NRM_BODY, R::BORDER_GUARD});
  set({Body::INDIVIDUAL_ASSESSMENT_COMPLETED, Body::RISK_ASSESSMENT_UPDATED,
       Body::BEST_INTERESTS_DETERMINATION_COMPLETED, Body::CASE_CONFERENCE_HELD},
      {R::CHILD_PROTECTION, R::BARNAHUS});
  set({Body::PLACEMENT_STARTED, Body::PLACEMENT_CHANGED, Body::PLACEMENT_ENDED},
      {R::CHILD_PROTECTION});
  set({Body::MEDICAL_EXAMINATION_PERFORMED, Body::CRISIS_SUPPORT_PROVIDED, Body::THERAPY_STARTED,
       Body::THERAPY_ENDED},
      {R::HEALTH, R::BARNAHUS});
  set({Body::SCHOOL_ENROLLED, Body::EDUCATION_ARRANGEMENT_PROVIDED}, {R::EDUCATION});
  set({Body::INFORMATION_PROVIDED_TO_CHILD, Body::INTERPRETER_ASSIGNED, Body::CHILD_VIEWS_HEARD},
      AnyAgency());
  // "POLICE at BARNAHUS"; in Iceland the Barnahus staff interview the under-15s (§4 IS).
  set({Body::FORENSIC_INTERVIEW_SCHEDULED, Body::FORENSIC_INTERVIEW_CONDUCTED},
      {R::POLICE, R::BARNAHUS});
  set({Body::LEGAL_COUNSEL_APPOINTED}, {R::LEGAL_AID, R::COURT});
  set({Body::CRIME_REPORTED, Body::INVESTIGATION_OPENED, Body::CHARGES_FILED, Body::TRIAL_STARTED,
       Body::VERDICT_DELIVERED, Body::PROCEEDINGS_DISCONTINUED},
      {R::POLICE, R::PROSECUTION, R::COURT});
  set({Body::COMPENSATION_CLAIM_FILED, Body::COMPENSATION_AWARDED, Body::COMPENSATION_PAID},
      {R::LEGAL_AID, R::COURT, R::COMPENSATION_AUTHORITY});
  set({Body::CHILD_SUSPECTED_OF_OFFENCE, Body::NON_PUNISHMENT_ASSESSED},
      {R::POLICE, R::PROSECUTION});
  set({Body::RESIDENCE_PERMIT_APPLIED, Body::RESIDENCE_PERMIT_GRANTED,
       Body::RESIDENCE_PERMIT_REFUSED},
      {R::MIGRATION});
  set({Body::TRANSNATIONAL_REFERRAL_SENT, Body::CASE_TRANSFERRED,
       Body::RETURN_RISK_ASSESSMENT_COMPLETED, Body::RETURN_DECIDED},
      {R::NRM_BODY, R::MIGRATION, R::CHILD_PROTECTION});
  // R12 holds the Border Guard accountable for removals: it records the ones it carries out.
  set({Body::RETURN_EXECUTED}, {R::NRM_BODY, R::MIGRATION, R::CHILD_PROTECTION, R::BORDER_GUARD});
  set({Body::CHILD_MISSING_REPORTED, Body::CHILD_LOCATED},
      {R::PLACEMENT, R::CHILD_PROTECTION, R::POLICE});
  set({Body::DURABLE_SOLUTION_DETERMINED, Body::CASE_CLOSED}, {R::CHILD_PROTECTION, R::NRM_BODY});
  // Access records are written by the server alone.
  set({Body::RECORD_ACCESSED, Body::UNSPECIFIED}, {});
  // A disclosure happens outside the ledger; only the disclosing controller (R30: "each
  // controller") knows of it, so the agency records it.
  set({Body::RECORD_DISCLOSED}, AnyAgency());
  // Not in §2: an agency withdraws its own mistaken entry.
  set({Body::ENTRY_VOIDED}, AnyAgency());
  // Not in §2, added for the compliance rules: notifications (R25) and reasoned exemptions from
  // hearing the child (R10) come from whoever notifies or decides; exclusions from accompanying
  // the child at an interview (R19) from the investigator, the prosecutor or the court.
  set({Body::NOTIFICATION_SENT, Body::CHILD_HEARING_EXEMPTION_DECIDED}, AnyAgency());
  set({Body::ACCOMPANIMENT_EXCLUSION_DECIDED}, {R::POLICE, R::PROSECUTION, R::COURT});
  set({Body::ERASURE_REQUESTED, Body::ERASURE_DECIDED, Body::LEGAL_HOLD_APPLIED,
       Body::LEGAL_HOLD_RELEASED, Body::RULE_PACK_ACTIVATED},
      {R::SYSTEM});
  return t;
}

std::string BodyName(Body::Which type) {
  for (auto field : capnp::Schema::from<schema::Event::Body>().getUnionFields()) {
    if (field.getProto().getDiscriminantValue() == static_cast<uint16_t>(type)) {
      return field.getProto().getName().cStr();
    }
  }
  return std::to_string(static_cast<int>(type));
}

TEST_CASE("MayRecord follows the emitter table of the domain catalogue for every type and role",
          "[e2e][roles]") {
  const auto table = EmitterTable();
  const auto fields = capnp::Schema::from<schema::Event::Body>().getUnionFields();
  // The table names every member of the body union: a new event type must be placed.
  CHECK(table.size() == fields.size());
  for (auto field : fields) {
    const auto type = static_cast<Body::Which>(field.getProto().getDiscriminantValue());
    auto row = table.find(type);
    if (row == table.end()) {
      FAIL_CHECK("the table has no row for " << BodyName(type));
      continue;
    }
    for (AgencyRole role : kAllRoles) {
      INFO(AgencyRoleName(role) << " recording " << BodyName(type));
      CHECK(server::MayRecord(role, type) == (row->second.count(role) == 1));
    }
  }
}

TEST_CASE("every event of the synthetic generator is one its agency role may record",
          "[e2e][roles]") {
  testing::TempDir dir;
  synthetic::GeneratorOptions options;
  options.cases = 100;
  options.seed = 7;
  auto summary = synthetic::GenerateInto(dir.Sub("data"), options);
  REQUIRE(summary.ok());
  LedgerOptions lo;
  lo.data_dir = dir.Sub("data");
  lo.create_if_missing = false;
  auto ledger = Ledger::Open(lo);
  REQUIRE(ledger.ok());
  REQUIRE((*ledger)->size() == summary->events);
  std::map<std::string, uint64_t> refused;  // "role type" -> count
  std::set<Body::Which> types_seen;
  for (uint64_t from = 0; from < (*ledger)->size();) {
    auto page = (*ledger)->ReadLog(from, 1000);
    REQUIRE(page.ok());
    REQUIRE(!page->empty());
    for (const StoredEvent& event : *page) {
      auto r = event.reader();
      types_seen.insert(r.getBody().which());
      if (!server::MayRecord(r.getAgencyRole(), r.getBody().which())) {
        ++refused[AgencyRoleName(r.getAgencyRole()) + " " + EventTypeName(r)];
      }
    }
    from += page->size();
  }
  for (const auto& [what, n] : refused) UNSCOPED_INFO(what << ": " << n << " events");
  CHECK(refused.empty());
  // The check covers the bulk of the catalogue, not a handful of types.
  CHECK(types_seen.size() >= 40);
}

// ---------------------------------------------------------------------------------------------
// Every principal, every operation.

enum class Op {
  kAppendAllowedType,
  kAppendForbiddenType,
  kAppendForOtherAgency,
  kAppendToAccessStream,
  kAppendRecordAccessed,
  kReadOwnCase,
  kReadOtherCase,
  kReadMissingCase,
  kReadAccessStream,
  kReadLog,
  kSubscribe,
  kCheckpoint,
  kInclusionProof,
  kConsistencyProof,
  kStatus,
};
constexpr int kOps = 15;

const char* OpName(Op op) {
  static const char* kNames[kOps] = {
      "append (type its role may record)", "append (type its role may not record)",
      "append (naming another agency)",    "append (to an access: stream)",
      "append (a recordAccessed)",         "readStream (a case it took part in)",
      "readStream (a case it had no part in)", "readStream (a case that does not exist)",
      "readStream (an access stream)",     "readLog",
      "subscribe",                         "checkpoint",
      "inclusion proof",                   "consistency proof",
      "status"};
  return kNames[static_cast<int>(op)];
}

// Y: done. D: PermissionDenied. N: NotFound.
struct Row {
  const char* principal;
  const char* outcomes;  // one letter per Op, in order
};

// From the issue: an agency appends what its role may record and reads the cases it took part
// in; oversight reads and replays every case; an ombudsperson makes audit queries and reads,
// the access streams included; a witness gets checkpoints and proofs only ("anything else is
// refused"); an admin handles configuration, keys and erasure (erasure and legal holds are
// system events it appends) and sees no case data. Checkpoints and proofs carry no case data:
// every client may fetch them to verify what it was shown (the client library's purpose).
// An agency learns nothing of cases it had no part in: a missing case is refused like a foreign
// one. No one may name another agency, write to an access stream, or forge an access record.
//
//                 append    read       log sub  cp incl cons status
const Row kMatrix[] = {
    {"police",          "YDDDD" "YDDD" "D" "D" "Y" "Y" "Y" "Y"},
    {"prosecution",     "YDDDD" "YDDD" "D" "D" "Y" "Y" "Y" "Y"},
    {"guardianship",    "YDDDD" "YDDD" "D" "D" "Y" "Y" "Y" "Y"},
    {"childprotection", "YDDDD" "YDDD" "D" "D" "Y" "Y" "Y" "Y"},
    {"migration",       "YDDDD" "YDDD" "D" "D" "Y" "Y" "Y" "Y"},
    {"health",          "YDDDD" "YDDD" "D" "D" "Y" "Y" "Y" "Y"},
    {"barnahus",        "YDDDD" "YDDD" "D" "D" "Y" "Y" "Y" "Y"},
    {"oversight",       "DDDDD" "YYNY" "Y" "Y" "Y" "Y" "Y" "Y"},
    {"ombudsperson",    "DDDDD" "YYNY" "Y" "Y" "Y" "Y" "Y" "Y"},
    {"witness",         "DDDDD" "DDDD" "D" "D" "Y" "Y" "Y" "D"},
    {"admin",           "YDDDD" "DDDD" "D" "D" "Y" "Y" "Y" "Y"},
};

// For each principal: a type its role may record and one it may not.
struct Types {
  Body::Which allowed;
  Body::Which forbidden;
};
Types TypesFor(const std::string& name) {
  static const std::map<std::string, Types> kTypes = {
      {"police", {Body::CRIME_REPORTED, Body::GUARDIAN_APPOINTED}},
      {"prosecution", {Body::CHARGES_FILED, Body::MEDICAL_EXAMINATION_PERFORMED}},
      {"guardianship", {Body::GUARDIAN_APPOINTED, Body::CRIME_REPORTED}},
      {"childprotection", {Body::CASE_CONFERENCE_HELD, Body::CHARGES_FILED}},
      {"migration", {Body::RESIDENCE_PERMIT_APPLIED, Body::CASE_CONFERENCE_HELD}},
      {"health", {Body::MEDICAL_EXAMINATION_PERFORMED, Body::GUARDIAN_APPOINTED}},
      {"barnahus", {Body::CASE_CONFERENCE_HELD, Body::RESIDENCE_PERMIT_APPLIED}},
      {"admin", {Body::LEGAL_HOLD_APPLIED, Body::CASE_CONFERENCE_HELD}},
      // Read-only roles: nothing is allowed; these are what their agency role would suggest.
      {"oversight", {Body::CASE_CONFERENCE_HELD, Body::CRIME_REPORTED}},
      {"ombudsperson", {Body::CASE_CONFERENCE_HELD, Body::CRIME_REPORTED}},
      {"witness", {Body::LEGAL_HOLD_APPLIED, Body::CRIME_REPORTED}},
  };
  return kTypes.at(name);
}

const tools::DevPrincipal& Dev(const std::string& name) {
  for (const auto& p : tools::DevPrincipals()) {
    if (p.name == name) return p;
  }
  FAIL("no dev principal " << name);
  static const tools::DevPrincipal kNone;
  return kNone;
}

EventSpec SpecFor(const std::string& name, const std::string& case_id, Body::Which type) {
  EventSpec spec;
  spec.case_id = case_id;
  spec.agency_id = Dev(name).agency_id;
  auto role = server::ParseAgencyRole(Dev(name).agency_role);
  REQUIRE(role.ok());
  spec.agency_role = *role;
  spec.type = type;
  return spec;
}

char Letter(const Status& status) {
  if (status.ok()) return 'Y';
  if (status.code() == Status::Code::kPermissionDenied) return 'D';
  if (status.IsNotFound()) return 'N';
  return '?';
}

// Runs `op` as `name` and returns its outcome.
Status Attempt(TestServer& server, server::Client& client, const std::string& name, Op op) {
  TestEvents events;
  const Types types = TypesFor(name);
  const std::string own_case = "mx-" + name;
  auto append = [&](const std::string& case_id, EventSpec spec) {
    auto event = events.Make(spec);
    return client.Append(case_id, ExpectedVersion::Any(), std::span(&event, 1)).status();
  };
  switch (op) {
    case Op::kAppendAllowedType:
      return append(own_case, SpecFor(name, own_case, types.allowed));
    case Op::kAppendForbiddenType:
      return append(own_case, SpecFor(name, own_case, types.forbidden));
    case Op::kAppendForOtherAgency: {
      // Another principal's agency, with a type that agency may record.
      const std::string other = name == "childprotection" ? "police" : "childprotection";
      return append(own_case, SpecFor(other, own_case, TypesFor(other).allowed));
    }
    case Op::kAppendToAccessStream: {
      const std::string stream = "access:" + own_case;
      return append(stream, SpecFor(name, stream, types.allowed));
    }
    case Op::kAppendRecordAccessed:
      return append(own_case, SpecFor(name, own_case, Body::RECORD_ACCESSED));
    case Op::kReadOwnCase: {
      // Principals that record nothing have no case of their own: any case stands in.
      const bool records = Dev(name).user_role == "agency" || name == "admin";
      return client.ReadStream(records ? own_case : "mx-police", 0, 0, "role matrix").status();
    }
    case Op::kReadOtherCase:
      return client.ReadStream("mx-foreign", 0, 0, "role matrix").status();
    case Op::kReadMissingCase:
      return client.ReadStream("mx-nowhere", 0, 0, "role matrix").status();
    case Op::kReadAccessStream:
      return client.ReadStream("access:mx-foreign", 0, 0, "role matrix").status();
    case Op::kReadLog:
      return client.ReadLog(0, 10, "role matrix").status();
    case Op::kSubscribe: {
      if (Status s = client.Subscribe(0, 5, 5, "role matrix"); !s.ok()) return s;
      auto batch = client.NextBatch();
      if (!batch.ok()) return batch.status();
      if (batch->events.empty()) return Status::Corruption("an empty first batch");
      return client.Unsubscribe().status();
    }
    case Op::kCheckpoint:
      return client.GetCheckpoint().status();
    case Op::kInclusionProof:
      return client.InclusionProof(0).status();
    case Op::kConsistencyProof:
      return client.ConsistencyProof(1).status();
    case Op::kStatus:
      return client.GetServerStatus().status();
  }
  return Status::InvalidArgument("no such op");
}

bool IsAppend(Op op) { return static_cast<int>(op) <= static_cast<int>(Op::kAppendRecordAccessed); }

TEST_CASE("each principal may do exactly what its role allows, over mutual TLS",
          "[e2e][roles]") {
  TestServer server;
  REQUIRE(std::size(kMatrix) == tools::DevPrincipals().size());
  // A case no dev principal took part in, and its access stream (made by a read).
  {
    TestEvents events;
    EventSpec foreign;
    foreign.case_id = "mx-foreign";
    foreign.agency_id = "se-police-stockholm";
    foreign.agency_role = AgencyRole::POLICE;
    foreign.type = Body::CRIME_REPORTED;
    auto batch = events.MakeMany(2, foreign);
    REQUIRE(server.ledger().Append("mx-foreign", ExpectedVersion::NoStream(), batch).ok());
    auto oversight = server.Connect("oversight");
    REQUIRE(oversight->ReadStream("mx-foreign", 0, 0, "setting up").ok());
    REQUIRE(server.ledger().GetStream("access:mx-foreign").ok());
  }
  // Every recording principal's own case first, so reads find them.
  std::map<std::string, std::unique_ptr<server::Client>> clients;
  for (const Row& row : kMatrix) {
    clients[row.principal] = server.Connect(row.principal);
    CHECK(clients[row.principal]->hello().principal_id == row.principal);
  }
  for (const Row& row : kMatrix) {
    REQUIRE(std::strlen(row.outcomes) == kOps);
    const Op op = Op::kAppendAllowedType;
    const Status s = Attempt(server, *clients[row.principal], row.principal, op);
    INFO(row.principal << ": " << OpName(op) << " -> " << s.ToString());
    CHECK(Letter(s) == row.outcomes[0]);
  }
  REQUIRE(server.ledger().Checkpoint().ok());

  for (const Row& row : kMatrix) {
    for (int i = 1; i < kOps; ++i) {
      const Op op = static_cast<Op>(i);
      const uint64_t size_before = server.ledger().size();
      const Status s = Attempt(server, *clients[row.principal], row.principal, op);
      INFO(row.principal << ": " << OpName(op) << " -> " << s.ToString());
      CHECK(Letter(s) == row.outcomes[i]);
      if (!s.ok()) {
        // A refusal leaves the ledger as it was: no event, no access record.
        CHECK(server.ledger().size() == size_before);
      } else if (IsAppend(op)) {
        CHECK(server.ledger().size() == size_before + 1);
      }
    }
  }
  // The refusals did not cost anyone the connection.
  for (auto& [name, client] : clients) {
    INFO(name);
    CHECK(client->GetCheckpoint().ok());
  }
}

// The catalogue gives voiding to "the agency that made the voided entry"
// (docs/event_catalogue.md); corrections in general replace an agency's own facts.
TEST_CASE("an agency voids only its own entries", "[e2e][roles]") {
  TestServer server;
  TestEvents events;
  auto cp = server.Connect("childprotection");
  auto police = server.Connect("police");
  auto cp_event = events.Make(SpecFor("childprotection", "void-1", Body::CASE_CONFERENCE_HELD));
  REQUIRE(cp->Append("void-1", ExpectedVersion::NoStream(), std::span(&cp_event, 1)).ok());
  auto police_event = events.Make(SpecFor("police", "void-1", Body::CRIME_REPORTED));
  REQUIRE(police->Append("void-1", ExpectedVersion::Exact(0), std::span(&police_event, 1)).ok());
  auto id_of = [](schema::Event::Reader e) {
    return std::string(reinterpret_cast<const char*>(e.getEventId().begin()),
                       e.getEventId().size());
  };
  // Its own entry: allowed.
  EventSpec own = SpecFor("police", "void-1", Body::ENTRY_VOIDED);
  own.supersedes = id_of(police_event);
  auto void_own = events.Make(own);
  CHECK(police->Append("void-1", ExpectedVersion::Any(), std::span(&void_own, 1)).ok());
  // Child protection's entry: refused, and nothing written; a correction of it too.
  const uint64_t size = server.ledger().size();
  EventSpec other = SpecFor("police", "void-1", Body::ENTRY_VOIDED);
  other.supersedes = id_of(cp_event);
  auto void_other = events.Make(other);
  auto result = police->Append("void-1", ExpectedVersion::Any(), std::span(&void_other, 1));
  CHECK(result.status().code() == Status::Code::kPermissionDenied);
  EventSpec correction = SpecFor("police", "void-1", Body::CRIME_REPORTED);
  correction.supersedes = id_of(cp_event);
  auto correct_other = events.Make(correction);
  result = police->Append("void-1", ExpectedVersion::Any(), std::span(&correct_other, 1));
  CHECK(result.status().code() == Status::Code::kPermissionDenied);
  CHECK(server.ledger().size() == size);
  // Voiding an entry made earlier in the same append is the agency's own.
  auto fresh = events.Make(SpecFor("police", "void-1", Body::CRIME_REPORTED));
  EventSpec same_batch = SpecFor("police", "void-1", Body::ENTRY_VOIDED);
  same_batch.supersedes = id_of(fresh);
  std::vector<schema::Event::Reader> pair = {fresh, events.Make(same_batch)};
  CHECK(police->Append("void-1", ExpectedVersion::Any(), pair).ok());
}

}  // namespace
}  // namespace caseledger
