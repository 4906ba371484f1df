// The compliance engine, one rule kind at a time: packs built in C++, short case histories
// written by hand, expected statuses and due times computed by hand from Regulation 1182/71.
#include <capnp/message.h>
#include <catch2/catch.hpp>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "ledger/time_format.h"
#include "projections/compliance.h"
#include "projections/condition.h"

namespace caseledger::compliance {
namespace {

using schema::Event;

int64_t T(const char* rfc3339) {
  auto t = ParseRfc3339(rfc3339);
  REQUIRE(t.ok());
  return t.value();
}

Condition Cond(std::string path, Condition::Op op, std::vector<std::string> values = {}) {
  Condition c;
  c.path = std::move(path);
  c.op = op;
  c.values = std::move(values);
  c.text = c.path;
  return c;
}

// A case history: builds events and folds them into a CaseCompliance.
class History {
 public:
  explicit History(const PackRegistry& packs, std::string case_id = "case-1")
      : packs_(packs), case_id_(std::move(case_id)) {}

  // Appends an event of the case; `fill` sets its body. Returns its event id (hex).
  std::string Add(int64_t occurred, const std::function<void(Event::Builder)>& fill,
                  int64_t recorded = 0, const std::string& supersedes_hex = "",
                  const std::string& agency = "no-police-oslo") {
    auto msg = std::make_unique<capnp::MallocMessageBuilder>();
    auto e = msg->initRoot<Event>();
    uint8_t id[16] = {};
    id[0] = static_cast<uint8_t>(++counter_);
    id[15] = static_cast<uint8_t>(case_id_.size());
    e.setEventId(capnp::Data::Reader(id, 16));
    e.setCaseId(case_id_);
    e.setChildId("child-pseudonym-7");
    e.setOccurredAt(occurred);
    e.setRecordedAt(recorded != 0 ? recorded : occurred);
    e.setJurisdiction(schema::Jurisdiction::NO);
    e.setAgencyId(agency);
    e.setAgencyRole(schema::AgencyRole::POLICE);
    e.setActorId("actor-1");
    if (!supersedes_hex.empty()) {
      std::vector<uint8_t> bytes;
      for (size_t i = 0; i < supersedes_hex.size(); i += 2) {
        bytes.push_back(static_cast<uint8_t>(std::stoi(supersedes_hex.substr(i, 2), nullptr, 16)));
      }
      e.setSupersedes(capnp::Data::Reader(bytes.data(), bytes.size()));
    }
    fill(e);
    compliance_.Apply(e.asReader(), position_++, packs_, counts_);
    std::string hex;
    for (uint8_t b : id) {
      static const char kD[] = "0123456789abcdef";
      hex += kD[b >> 4];
      hex += kD[b & 15];
    }
    messages_.push_back(std::move(msg));
    return hex;
  }

  std::vector<Obligation> Of(const std::string& rule) const {
    std::vector<Obligation> out;
    for (auto& o : compliance_.Obligations()) {
      if (o.rule_id == rule) out.push_back(o);
    }
    return out;
  }
  CaseCompliance& compliance() { return compliance_; }
  MemoryCrossCaseCounts& counts() { return counts_; }

 private:
  const PackRegistry& packs_;
  std::string case_id_;
  MemoryCrossCaseCounts counts_;
  CaseCompliance compliance_;
  std::vector<std::unique_ptr<capnp::MallocMessageBuilder>> messages_;
  uint64_t position_ = 0;
  int counter_ = 0;
};

void CrimeReported(Event::Builder e) {
  auto b = e.initBody().initCrimeReported();
  b.initOffenceCodes(1).set(0, "NO:strl 257");
}

std::function<void(Event::Builder)> Interview(const char* interviewer = "iv-1",
                                              bool recorded = true, const char* reason = "") {
  return [=](Event::Builder e) {
    auto b = e.initBody().initForensicInterviewConducted();
    b.setInterviewerId(interviewer);
    b.setRecorded(recorded);
    b.setInterviewerChangeReason(reason);
  };
}

void Info(Event::Builder e) {
  auto b = e.initBody().initInformationProvidedToChild();
  b.initTopics(1);
  b.setLanguage("nb");
}

void Closed(Event::Builder e) { e.initBody().initCaseClosed(); }

Rule MakeRule(std::string id, RuleKind kind, std::vector<std::string> trigger,
              std::vector<std::string> satisfied = {}) {
  Rule r;
  r.id = std::move(id);
  r.title = r.id;
  r.kind = kind;
  r.source = "test";
  r.trigger.types = std::move(trigger);
  r.satisfied_by.types = std::move(satisfied);
  return r;
}

Limit DaysLimit(int64_t days, Tag tag = Tag::kNational) {
  Limit l;
  l.period = Period{days, PeriodUnit::kDays};
  l.tag = tag;
  return l;
}

// A Norwegian pack (Europe/Oslo) with the given rules.
std::shared_ptr<RulePack> NoPack(std::vector<Rule> rules, std::string version = "1") {
  auto p = std::make_shared<RulePack>();
  p->id = "NO";
  p->version = std::move(version);
  p->jurisdiction = "NO";
  p->time_zone = "Europe/Oslo";
  p->rules = std::move(rules);
  return p;
}

PackRegistry Registry(std::shared_ptr<RulePack> pack) {
  PackRegistry r;
  REQUIRE(r.Add(std::move(pack), 0, 0).ok());
  return r;
}

Rule InterviewDeadline() {
  Rule r = MakeRule("R14", RuleKind::kDeadline, {"crimeReported"}, {"forensicInterviewConducted"});
  r.limits.push_back(DaysLimit(14));
  r.accountable = {"satisfier", "trigger"};
  return r;
}

TEST_CASE("a 14-day deadline is due at the end of the 14th local day, met in time",
          "[compliance]") {
  auto packs = Registry(NoPack({InterviewDeadline()}));
  History h(packs);
  h.Add(T("2026-03-02T10:00:00+01:00"), CrimeReported);
  auto open = h.Of("R14");
  REQUIRE(open.size() == 1);
  CHECK(open[0].due_at == T("2026-03-16T23:59:59.999999+01:00"));
  CHECK(open[0].StatusAsOf(T("2026-03-10T00:00:00Z")) == "open");
  CHECK(open[0].StatusAsOf(T("2026-03-17T00:00:00+01:00")) == "overdue");
  h.Add(T("2026-03-16T15:00:00+01:00"), Interview());
  auto met = h.Of("R14");
  REQUIRE(met.size() == 1);
  CHECK(met[0].status == ObligationStatus::kMet);
  CHECK(met[0].satisfied_type == "forensicInterviewConducted");
  CHECK(met[0].jurisdiction == "NO");
  CHECK(met[0].tag == Tag::kNational);
}

TEST_CASE("a deadline met a day late is met_late, closing with none is breached",
          "[compliance]") {
  auto packs = Registry(NoPack({InterviewDeadline()}));
  History late(packs);
  late.Add(T("2026-03-02T10:00:00+01:00"), CrimeReported);
  late.Add(T("2026-03-17T00:30:00+01:00"), Interview());
  REQUIRE(late.Of("R14").size() == 1);
  CHECK(late.Of("R14")[0].status == ObligationStatus::kMetLate);
  CHECK(late.Of("R14")[0].StatusAsOf(INT64_MAX) == "met_late");
  // Between the due time and the late interview it was overdue; before the due time, open.
  CHECK(late.Of("R14")[0].StatusAsOf(*late.Of("R14")[0].satisfied_at - 1) == "overdue");
  CHECK(late.Of("R14")[0].StatusAsOf(*late.Of("R14")[0].due_at - 1) == "open");

  History closed(packs);
  closed.Add(T("2026-03-02T10:00:00+01:00"), CrimeReported);
  closed.Add(T("2026-03-05T10:00:00+01:00"), Closed);
  REQUIRE(closed.Of("R14").size() == 1);
  CHECK(closed.Of("R14")[0].status == ObligationStatus::kBreached);
}

TEST_CASE("a late-recorded interview that occurred in time meets the deadline",
          "[compliance]") {
  auto packs = Registry(NoPack({InterviewDeadline()}));
  History h(packs);
  h.Add(T("2026-03-02T10:00:00+01:00"), CrimeReported);
  h.Add(T("2026-03-20T10:00:00+01:00"), Info);
  h.Add(T("2026-03-09T10:00:00+01:00"), Interview(), T("2026-03-25T10:00:00+01:00"));
  REQUIRE(h.Of("R14").size() == 1);
  CHECK(h.Of("R14")[0].status == ObligationStatus::kMet);
  CHECK(h.Of("R14")[0].satisfied_at == T("2026-03-09T10:00:00+01:00"));
}

TEST_CASE("corrections: a voided interview reopens the deadline, a superseding one replaces it",
          "[compliance]") {
  auto packs = Registry(NoPack({InterviewDeadline()}));
  History h(packs);
  h.Add(T("2026-03-02T10:00:00+01:00"), CrimeReported);
  std::string iv = h.Add(T("2026-03-09T10:00:00+01:00"), Interview());
  CHECK(h.Of("R14")[0].status == ObligationStatus::kMet);
  std::string fixed = h.Add(T("2026-03-18T10:00:00+01:00"), Interview(), 0, iv);
  REQUIRE(h.Of("R14").size() == 1);
  CHECK(h.Of("R14")[0].status == ObligationStatus::kMetLate);
  h.Add(T("2026-03-19T10:00:00+01:00"),
        [](Event::Builder e) { e.initBody().initEntryVoided().setReason("wrong case"); }, 0,
        fixed);
  REQUIRE(h.Of("R14").size() == 1);
  CHECK(h.Of("R14")[0].status == ObligationStatus::kPending);
}

TEST_CASE("count cap: the third interview beyond a cap of two is breached", "[compliance]") {
  Rule r = MakeRule("R15", RuleKind::kCountCap, {"forensicInterviewConducted"});
  Limit l;
  l.cap = 2;
  r.limits.push_back(l);
  r.exempt_field = "repeatReason";
  auto packs = Registry(NoPack({r}));
  History h(packs);
  h.Add(T("2026-03-02T10:00:00+01:00"), Interview());
  h.Add(T("2026-03-03T10:00:00+01:00"), Interview());
  CHECK(h.Of("R15").empty());
  h.Add(T("2026-03-04T10:00:00+01:00"), [](Event::Builder e) {
    auto b = e.initBody().initForensicInterviewConducted();
    b.setInterviewerId("iv-1");
    b.setRepeatReason("court order");
  });
  CHECK(h.Of("R15").empty());
  h.Add(T("2026-03-05T10:00:00+01:00"), Interview());
  REQUIRE(h.Of("R15").size() == 1);
  CHECK(h.Of("R15")[0].status == ObligationStatus::kBreached);
  CHECK(h.Of("R15")[0].trigger_at == T("2026-03-05T10:00:00+01:00"));
}

TEST_CASE("ordering: information before the interview, a late-recorded earlier one fixes it",
          "[compliance]") {
  Rule r = MakeRule("R07", RuleKind::kOrdering, {"forensicInterviewConducted"},
                    {"informationProvidedToChild"});
  auto packs = Registry(NoPack({r}));
  History ok(packs);
  ok.Add(T("2026-03-02T10:00:00+01:00"), Info);
  ok.Add(T("2026-03-03T10:00:00+01:00"), Interview());
  REQUIRE(ok.Of("R07").size() == 1);
  CHECK(ok.Of("R07")[0].status == ObligationStatus::kMet);

  History bad(packs);
  bad.Add(T("2026-03-03T10:00:00+01:00"), Interview());
  REQUIRE(bad.Of("R07").size() == 1);
  CHECK(bad.Of("R07")[0].status == ObligationStatus::kBreached);
  CHECK(bad.Of("R07")[0].accountable_agency == "no-police-oslo");
  bad.Add(T("2026-03-04T10:00:00+01:00"), Info);  // after: does not help
  CHECK(bad.Of("R07")[0].status == ObligationStatus::kBreached);
  bad.Add(T("2026-03-02T10:00:00+01:00"), Info, T("2026-03-05T10:00:00+01:00"));
  CHECK(bad.Of("R07")[0].status == ObligationStatus::kMet);
}

TEST_CASE("presence: an unrecorded interview is breached", "[compliance]") {
  Rule r = MakeRule("R18", RuleKind::kPresence, {"forensicInterviewConducted"});
  r.require_any = {{Cond("recorded", Condition::Op::kEq, {"true"})}};
  auto packs = Registry(NoPack({r}));
  History h(packs);
  h.Add(T("2026-03-02T10:00:00+01:00"), Interview("iv-1", true));
  h.Add(T("2026-03-03T10:00:00+01:00"), Interview("iv-1", false));
  auto obs = h.Of("R18");
  REQUIRE(obs.size() == 2);
  CHECK(obs[0].status == ObligationStatus::kMet);
  CHECK(obs[1].status == ObligationStatus::kBreached);
}

TEST_CASE("continuity: a new interviewer needs a recorded reason", "[compliance]") {
  Rule r = MakeRule("R16", RuleKind::kContinuity, {"forensicInterviewConducted"});
  r.same_field = "interviewerId";
  r.reason_field = "interviewerChangeReason";
  auto packs = Registry(NoPack({r}));
  History h(packs);
  h.Add(T("2026-03-02T10:00:00+01:00"), Interview("iv-1"));
  h.Add(T("2026-03-03T10:00:00+01:00"), Interview("iv-1"));
  h.Add(T("2026-03-04T10:00:00+01:00"), Interview("iv-2", true, "iv-1 on leave"));
  h.Add(T("2026-03-05T10:00:00+01:00"), Interview("iv-3"));
  auto obs = h.Of("R16");
  REQUIRE(obs.size() == 3);
  CHECK(obs[0].status == ObligationStatus::kMet);
  CHECK(obs[1].status == ObligationStatus::kMet);
  CHECK(obs[2].status == ObligationStatus::kBreached);
}

TEST_CASE("absence at closure: closing without a durable solution is breached",
          "[compliance]") {
  Rule r = MakeRule("R29", RuleKind::kAbsenceAtClosure, {"caseClosed"},
                    {"durableSolutionDetermined"});
  auto packs = Registry(NoPack({r}));
  History bad(packs);
  bad.Add(T("2026-03-02T10:00:00+01:00"), Closed);
  REQUIRE(bad.Of("R29").size() == 1);
  CHECK(bad.Of("R29")[0].status == ObligationStatus::kBreached);
  History ok(packs, "case-2");
  ok.Add(T("2026-03-01T10:00:00+01:00"),
         [](Event::Builder e) { e.initBody().initDurableSolutionDetermined(); });
  ok.Add(T("2026-03-02T10:00:00+01:00"), Closed);
  REQUIRE(ok.Of("R29").size() == 1);
  CHECK(ok.Of("R29")[0].status == ObligationStatus::kMet);
}

TEST_CASE("forbidden while open: a return decided while age is disputed", "[compliance]") {
  auto p = NoPack({});
  StateDef s;
  s.name = "age_disputed";
  s.opens.types = {"ageDisputed"};
  s.closes.types = {"ageAssessmentCompleted"};
  p->states.push_back(s);
  Rule r = MakeRule("R02", RuleKind::kForbiddenWhileOpen, {"returnDecided"});
  r.state = "age_disputed";
  p->rules.push_back(r);
  auto packs = Registry(p);
  History h(packs);
  auto ret = [](Event::Builder e) { e.initBody().initReturnDecided().setReceivingState("SE"); };
  h.Add(T("2026-03-01T10:00:00+01:00"), ret);  // before the dispute: allowed
  h.Add(T("2026-03-02T10:00:00+01:00"),
        [](Event::Builder e) { e.initBody().initAgeDisputed().setGrounds("no papers"); });
  h.Add(T("2026-03-03T10:00:00+01:00"), ret);
  h.Add(T("2026-03-04T10:00:00+01:00"),
        [](Event::Builder e) { e.initBody().initAgeAssessmentCompleted().initMethods(1); });
  h.Add(T("2026-03-05T10:00:00+01:00"), ret);
  auto obs = h.Of("R02");
  REQUIRE(obs.size() == 1);
  CHECK(obs[0].status == ObligationStatus::kBreached);
  CHECK(obs[0].trigger_at == T("2026-03-03T10:00:00+01:00"));
}

TEST_CASE("recurring: a review every 7 days after the first, one late, one pending",
          "[compliance]") {
  Rule r = MakeRule("R11", RuleKind::kRecurring, {}, {"caseConferenceHeld"});
  r.limits.push_back(DaysLimit(7, Tag::kDefault));
  auto packs = Registry(NoPack({r}));
  History h(packs);
  auto conf = [](Event::Builder e) { e.initBody().initCaseConferenceHeld(); };
  h.Add(T("2026-03-02T10:00:00+01:00"), conf);  // next due 2026-03-09 end of day
  h.Add(T("2026-03-09T20:00:00+01:00"), conf);  // met; next due 2026-03-16 end of day
  h.Add(T("2026-03-17T09:00:00+01:00"), conf);  // late; next due 2026-03-24 end of day
  auto obs = h.Of("R11");
  REQUIRE(obs.size() == 3);
  CHECK(obs[0].status == ObligationStatus::kMet);
  CHECK(obs[0].due_at == T("2026-03-09T23:59:59.999999+01:00"));
  CHECK(obs[1].status == ObligationStatus::kMetLate);
  CHECK(obs[2].status == ObligationStatus::kPending);
  CHECK(obs[2].due_at == T("2026-03-24T23:59:59.999999+01:00"));
}

TEST_CASE("cross-case cap: a guardian's second ward beyond a cap of one", "[compliance]") {
  Rule r = MakeRule("R06", RuleKind::kCrossCaseCap, {"guardianAppointed"});
  Limit l;
  l.cap = 1;
  l.exceptional_cap = 2;
  l.exceptional_when = {Cond("caseloadExceptional", Condition::Op::kEq, {"true"})};
  r.limits.push_back(l);
  r.group_field = "guardianId";
  r.released_by.types = {"caseClosed"};
  auto packs = Registry(NoPack({r}));
  MemoryCrossCaseCounts counts;
  auto appoint = [](bool exceptional) {
    return [=](Event::Builder e) {
      auto b = e.initBody().initGuardianAppointed();
      b.setGuardianId("g-1");
      b.setCaseloadExceptional(exceptional);
    };
  };
  History ha(packs, "case-a"), hb(packs, "case-b");
  ha.Add(T("2026-03-02T10:00:00+01:00"), appoint(false));
  CHECK(ha.Of("R06").empty());
  // The in-memory counts: idempotent per case, leaving frees a place.
  REQUIRE(counts.Join("R06", "g-1", "case-a", 0) == 1);
  REQUIRE(counts.Join("R06", "g-1", "case-b", 1) == 2);
  counts.Leave("R06", "g-1", "case-a", 2);
  REQUIRE(counts.Join("R06", "g-1", "case-c", 3) == 2);
  hb.counts().Join("R06", "g-1", "case-x", 0);  // another case already has g-1
  hb.Add(T("2026-03-03T10:00:00+01:00"), appoint(false));
  REQUIRE(hb.Of("R06").size() == 1);
  CHECK(hb.Of("R06")[0].status == ObligationStatus::kBreached);
  History hc(packs, "case-c");
  hc.counts().Join("R06", "g-1", "case-x", 0);
  hc.Add(T("2026-03-03T10:00:00+01:00"), appoint(true));  // exceptional cap 2 holds
  CHECK(hc.Of("R06").empty());
}

TEST_CASE("recording delay: an event recorded two days after it occurred", "[compliance]") {
  Rule r = MakeRule("LR", RuleKind::kRecordingDelay, {});
  Limit l;
  l.period = Period{24, PeriodUnit::kHours};
  r.limits.push_back(l);
  auto packs = Registry(NoPack({r}));
  History h(packs);
  h.Add(T("2026-03-02T10:00:00+01:00"), Info, T("2026-03-03T09:00:00+01:00"));
  CHECK(h.Of("LR").empty());
  h.Add(T("2026-03-02T10:00:00+01:00"), Info, T("2026-03-04T10:00:00+01:00"));
  REQUIRE(h.Of("LR").size() == 1);
  CHECK(h.Of("LR")[0].status == ObligationStatus::kMetLate);
  CHECK(h.Of("LR")[0].due_at == T("2026-03-03T10:00:00+01:00"));
}

TEST_CASE("a pack change applies only to triggers from its effective date", "[compliance]") {
  PackRegistry packs;
  REQUIRE(packs.Add(NoPack({InterviewDeadline()}, "1"), 0, 0).ok());
  Rule shorter = InterviewDeadline();
  shorter.limits[0].period->amount = 7;
  REQUIRE(packs.Add(NoPack({shorter}, "2"), 1, T("2026-04-01T00:00:00+02:00")).ok());
  History h(packs);
  h.Add(T("2026-03-30T10:00:00+02:00"), CrimeReported);
  h.Add(T("2026-04-02T10:00:00+02:00"), CrimeReported);
  auto obs = h.Of("R14");
  REQUIRE(obs.size() == 2);
  CHECK(obs[0].pack_version == "1");
  CHECK(obs[0].due_at == T("2026-04-13T23:59:59.999999+02:00"));
  CHECK(obs[1].pack_version == "2");
  CHECK(obs[1].due_at == T("2026-04-09T23:59:59.999999+02:00"));
}

TEST_CASE("the state survives Serialize and Deserialize unchanged", "[compliance]") {
  auto packs = Registry(NoPack({InterviewDeadline()}));
  History h(packs);
  h.Add(T("2026-03-02T10:00:00+01:00"), CrimeReported);
  h.Add(T("2026-03-20T10:00:00+01:00"), Interview());
  std::string bytes = h.compliance().Serialize();
  auto back = CaseCompliance::Deserialize(bytes);
  REQUIRE(back.ok());
  CHECK(back->Serialize() == bytes);
  REQUIRE(back->Obligations().size() == 1);
  CHECK(back->Obligations()[0].status == ObligationStatus::kMetLate);
  CHECK_FALSE(CaseCompliance::Deserialize(bytes.substr(0, bytes.size() - 1)).ok());
  auto cal = Calendar::Make("Europe/Oslo", {});
  REQUIRE(cal.ok());
  std::string json = ObligationJson(back->Obligations()[0], INT64_MAX, cal.value());
  CHECK(json.find("\"status\":\"met_late\"") != std::string::npos);
  CHECK(json.find("\"due\":\"2026-03-16T23:59:59.999999+01:00\"") != std::string::npos);
}

TEST_CASE("condition paths are checked against each event type", "[compliance]") {
  CHECK(CheckConditionPath(Cond("recorded", Condition::Op::kEq, {"true"}),
                           {"forensicInterviewConducted"}).ok());
  CHECK_FALSE(CheckConditionPath(Cond("recorded", Condition::Op::kEq, {"yes"}),
                                 {"forensicInterviewConducted"}).ok());
  CHECK_FALSE(CheckConditionPath(Cond("recordd", Condition::Op::kSet),
                                 {"forensicInterviewConducted"}).ok());
  CHECK(CheckConditionPath(Cond("child.unaccompanied", Condition::Op::kEq, {"yes"}),
                           {"presumedVictimIdentified"}).ok());
  CHECK_FALSE(CheckConditionPath(Cond("child.unaccompanied", Condition::Op::kEq, {"maybe"}),
                                 {"presumedVictimIdentified"}).ok());
  CHECK(CheckConditionPath(Cond("envelope.agencyRole", Condition::Op::kEq, {"police"}), {}).ok());
  CHECK_FALSE(CheckConditionPath(Cond("fact.shoeSize", Condition::Op::kSet), {}).ok());
}

}  // namespace
}  // namespace caseledger::compliance
