#include "tools/synthetic.h"

#include <capnp/compat/json.h>
#include <capnp/dynamic.h>
#include <capnp/message.h>
#include <capnp/schema.h>
#include <capnp/serialize.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "ledger/event_json.h"
#include "ledger/event_validation.h"
#include "ledger/hash.h"
#include "ledger/ledger.h"
#include "ledger/time_format.h"
#include "tests/support/temp_dir.h"
#include "tests/tools/synthetic_checks.h"

namespace caseledger::synthetic {
namespace {

using checks::CaseCheck;
using checks::Finding;
using checks::kDayUs;
using testing::TempDir;
using Body = schema::Event::Body;

// 2025-03-03T09:00:00Z.
constexpr int64_t kStart = 1740992400LL * 1000000;

// ---------------------------------------------------------------------------------------------
// A generated directory, its events and its manifest.

struct Deviation {
  std::string step, kind, rule, event_id, due_at, occurred_at, recorded_at, before, for_step;
};

struct ManifestCase {
  std::string case_id, child_id, jurisdiction;
  int64_t events = 0;
  std::map<std::string, std::string> facts;  // values as JSON text: "yes", "true", "15"
  std::vector<Deviation> deviations;
};

struct Generated {
  TempDir dir;
  Summary summary;
  std::string manifest_text;
  std::vector<ManifestCase> cases;
  std::vector<StoredEvent> log;
  std::unique_ptr<Ledger> ledger;  // read-only: unseals the personal data of `log`
  std::map<std::string, std::vector<const StoredEvent*>> by_case;  // in stream order
  std::vector<std::pair<uint64_t, uint64_t>> progress;
};

std::string Text(capnp::JsonValue::Reader v) {
  switch (v.which()) {
    case capnp::JsonValue::STRING:
      return v.getString();
    case capnp::JsonValue::BOOLEAN:
      return v.getBoolean() ? "true" : "false";
    case capnp::JsonValue::NUMBER:
      return std::to_string(static_cast<int64_t>(v.getNumber()));
    default:
      return "";
  }
}

capnp::JsonValue::Reader Member(capnp::JsonValue::Reader obj, const char* name) {
  for (auto f : obj.getObject()) {
    if (f.getName() == name) return f.getValue();
  }
  FAIL("manifest lacks \"" << name << "\"");
  return obj;
}

std::vector<ManifestCase> ParseManifest(const std::string& text) {
  capnp::MallocMessageBuilder msg;
  auto root = msg.initRoot<capnp::JsonValue>();
  capnp::JsonCodec codec;
  codec.decodeRaw(kj::ArrayPtr<const char>(text.data(), text.size()), root);
  std::vector<ManifestCase> out;
  for (auto c : Member(root.asReader(), "cases").getArray()) {
    ManifestCase mc;
    mc.case_id = Text(Member(c, "caseId"));
    mc.child_id = Text(Member(c, "childId"));
    mc.jurisdiction = Text(Member(c, "jurisdiction"));
    mc.events = static_cast<int64_t>(Member(c, "events").getNumber());
    for (auto f : Member(c, "facts").getObject()) mc.facts[f.getName()] = Text(f.getValue());
    for (auto d : Member(c, "deviations").getArray()) {
      Deviation dv;
      for (auto f : d.getObject()) {
        const std::string name = f.getName();
        const std::string value = Text(f.getValue());
        if (name == "step") dv.step = value;
        if (name == "kind") dv.kind = value;
        if (name == "rule") dv.rule = value;
        if (name == "eventId") dv.event_id = value;
        if (name == "dueAt") dv.due_at = value;
        if (name == "occurredAt") dv.occurred_at = value;
        if (name == "recordedAt") dv.recorded_at = value;
        if (name == "before") dv.before = value;
        if (name == "for") dv.for_step = value;
      }
      mc.deviations.push_back(dv);
    }
    out.push_back(std::move(mc));
  }
  return out;
}

std::unique_ptr<Generated> Generate(GeneratorOptions o) {
  auto g = std::make_unique<Generated>();
  o.progress = [p = &g->progress](uint64_t done, uint64_t total) { p->emplace_back(done, total); };
  auto s = GenerateInto(g->dir.Sub("data"), o);
  INFO(s.status().ToString());
  REQUIRE(s.ok());
  g->summary = *s;
  std::ifstream in(s->manifest_path);
  std::stringstream text;
  text << in.rdbuf();
  g->manifest_text = text.str();
  g->cases = ParseManifest(g->manifest_text);

  LedgerOptions lo;
  lo.data_dir = g->dir.Sub("data");
  lo.read_only = true;
  lo.create_if_missing = false;
  auto ledger = Ledger::Open(lo);
  REQUIRE(ledger.ok());
  auto log = (*ledger)->ReadLog(0, 10'000'000);
  REQUIRE(log.ok());
  g->log = std::move(log).value();
  g->ledger = std::move(ledger).value();
  for (const auto& ev : g->log) g->by_case[ev.reader().getCaseId().cStr()].push_back(&ev);
  return g;
}

GeneratorOptions Options(uint64_t cases, uint64_t seed, double late_share) {
  GeneratorOptions o;
  o.cases = cases;
  o.seed = seed;
  o.late_share = late_share;
  o.start_micros = kStart;
  return o;
}

// One 200-case run shared by the tests that only read it (the generator is deterministic).
const Generated& Shared() {
  static const std::unique_ptr<Generated> g = Generate(Options(200, 7, 0.3));
  return *g;
}

std::string IdHex(const StoredEvent& ev) {
  auto id = ev.reader().getEventId();
  return ToHex({id.begin(), id.size()});
}

int64_t Rfc(const std::string& text) {
  auto t = ParseRfc3339(text);
  REQUIRE(t.ok());
  return *t;
}

// ---------------------------------------------------------------------------------------------

// The event at `i` without its sealed section and back-link, followed by its unsealed personal
// data: sealed sections are encrypted under random data keys and nonces, and each back-link
// hashes the previous event's ciphertext, so only these are the same from run to run.
std::string Comparable(const Generated& g, size_t i) {
  capnp::MallocMessageBuilder msg;
  msg.setRoot(g.log[i].reader());
  auto ev = msg.getRoot<schema::Event>();
  ev.disownSealed();
  ev.disownPrevLeafHash();
  auto words = capnp::canonicalize(ev.asReader());
  std::string out(reinterpret_cast<const char*>(words.asBytes().begin()), words.asBytes().size());
  auto unsealed = g.ledger->Unseal(g.log[i]);
  REQUIRE(unsealed.ok());
  return out + unsealed->canonical;
}

TEST_CASE("the same options on empty directories give the same events at every position",
          "[tools][synthetic]") {
  auto a = Generate(Options(40, 5, 0.3));
  auto b = Generate(Options(40, 5, 0.3));
  REQUIRE(a->log.size() == b->log.size());
  REQUIRE(a->log.size() == a->summary.events);
  for (size_t i = 0; i < a->log.size(); ++i) {
    INFO("position " << i);
    REQUIRE(Comparable(*a, i) == Comparable(*b, i));
  }
  CHECK(a->manifest_text == b->manifest_text);
}

TEST_CASE("a different seed gives different events", "[tools][synthetic]") {
  auto a = Generate(Options(40, 5, 0.3));
  auto c = Generate(Options(40, 6, 0.3));
  size_t same = 0;
  for (size_t i = 0; i < std::min(a->log.size(), c->log.size()); ++i) {
    auto x = a->log[i].bytes();
    auto y = c->log[i].bytes();
    same += std::equal(x.begin(), x.end(), y.begin(), y.end());
  }
  CHECK(same == 0);
  CHECK(a->manifest_text != c->manifest_text);
}

TEST_CASE("a directory that is not empty is refused and left as it was", "[tools][synthetic]") {
  TempDir dir;
  const std::string data = dir.Sub("data");
  std::filesystem::create_directories(data);
  std::ofstream(data + "/notes.txt") << "keep me\n";
  auto r = GenerateInto(data, Options(3, 1, 0.1));
  REQUIRE(r.status().IsInvalidArgument());
  CHECK_THAT(r.status().message(), Catch::Contains("is not empty"));
  CHECK_FALSE(std::filesystem::exists(data + "/CURRENT"));
  CHECK(std::distance(std::filesystem::directory_iterator(data),
                      std::filesystem::directory_iterator()) == 1);
}

TEST_CASE("options the generator cannot honour are refused", "[tools][synthetic]") {
  TempDir dir;
  auto bad_share = Options(3, 1, 1.5);
  CHECK(GenerateInto(dir.Sub("a"), bad_share).status().IsInvalidArgument());
  auto bad_place = Options(3, 1, 0.1);
  bad_place.jurisdictions = {schema::Jurisdiction::UNSPECIFIED};
  CHECK(GenerateInto(dir.Sub("b"), bad_place).status().IsInvalidArgument());

  CHECK(*ParseJurisdiction("DK") == schema::Jurisdiction::DK);
  CHECK(*ParseJurisdiction("IS") == schema::Jurisdiction::IS);
  CHECK(ParseJurisdiction("XX").status().IsInvalidArgument());
  CHECK(ParseJurisdiction("").status().IsInvalidArgument());
}

TEST_CASE("Generate fills only an empty ledger", "[tools][synthetic]") {
  TempDir dir;
  ManualClock clock(kStart);
  LedgerOptions lo;
  lo.data_dir = dir.Sub("data");
  lo.clock = &clock;
  auto ledger = Ledger::Open(lo);
  REQUIRE(ledger.ok());
  std::string manifest;
  auto first = synthetic::Generate(**ledger, clock, Options(5, 2, 0.2), &manifest);
  REQUIRE(first.ok());
  CHECK(first->cases == 5);
  CHECK((*ledger)->size() == first->events);
  CHECK_THAT(manifest, Catch::Contains("\"cases\":["));
  auto again = synthetic::Generate(**ledger, clock, Options(5, 2, 0.2), &manifest);
  CHECK(again.status().IsInvalidArgument());
}

TEST_CASE("every generated event is a valid client event in a plausible order",
          "[tools][synthetic]") {
  const Generated& g = Shared();
  REQUIRE(g.log.size() == g.summary.events);
  const std::regex case_id("^(DK|EE|FI|LV|LT|SE|NO|IS)-20[0-9]{2}-[0-9]{6}$");
  const std::regex child_id("^child-[0-9a-f]{12}$");
  const std::regex narrative("^Synthetic narrative #[0-9]+\\.[0-9]+: invented for testing\\.$");
  int64_t last_recorded = 0;
  std::map<std::string, uint64_t> versions;
  std::set<std::string> ids;
  size_t with_personal = 0;
  for (const auto& ev : g.log) {
    auto r = ev.reader();
    INFO("position " << ev.position() << ": " << EventTypeName(r));
    // As the client sent it: without the fields the ledger assigns, with the sealed personal data
    // put back.
    capnp::MallocMessageBuilder msg;
    msg.setRoot(r);
    auto client = msg.getRoot<schema::Event>();
    client.setStreamVersion(0);
    client.setGlobalPosition(0);
    client.setRecordedAt(0);
    client.setSchemaVersion(0);
    client.disownPrevLeafHash();
    client.disownSealed();
    if (r.hasSealed()) {
      // Encrypted per child (scheme 0x01); the generator's development master key opens it.
      REQUIRE(r.getSealed()[0] == 0x01);
      auto unsealed = g.ledger->Unseal(ev);
      REQUIRE(unsealed.ok());
      REQUIRE(unsealed->state == UnsealedPersonal::State::kOpen);
      const std::string& bytes = unsealed->canonical;
      auto words = kj::heapArray<capnp::word>(bytes.size() / sizeof(capnp::word));
      std::memcpy(words.begin(), bytes.data(), bytes.size());
      kj::ArrayPtr<const capnp::word> segments[1] = {words};
      capnp::SegmentArrayMessageReader reader(segments);
      auto personal = reader.getRoot<schema::PersonalData>();
      CHECK(std::regex_match(std::string(personal.getNarrative().cStr()), narrative));
      client.setPersonal(personal);
      ++with_personal;
    }
    Status s = ValidateClientEvent(client.asReader(), r.getRecordedAt(), 0);
    INFO(s.ToString());
    CHECK(s.ok());

    CHECK(std::regex_match(std::string(r.getCaseId().cStr()), case_id));
    CHECK(std::regex_match(std::string(r.getChildId().cStr()), child_id));
    CHECK(r.getOccurredAt() <= r.getRecordedAt());
    CHECK(r.getRecordedAt() >= last_recorded);
    last_recorded = r.getRecordedAt();
    CHECK(ids.insert(IdHex(ev)).second);
    const std::string c = r.getCaseId().cStr();
    CHECK(r.getStreamVersion() == versions[c]++);
    // The agency belongs to the case's jurisdiction.
    std::string prefix = c.substr(0, 2);
    std::transform(prefix.begin(), prefix.end(), prefix.begin(), ::tolower);
    CHECK(std::string(r.getAgencyId().cStr()).rfind(prefix + "-", 0) == 0);
    const auto type = r.getBody().which();
    const auto expected_class =
        type == Body::MEDICAL_EXAMINATION_PERFORMED || type == Body::THERAPY_STARTED
            ? schema::DataClass::HEALTH
        : type == Body::FORENSIC_INTERVIEW_CONDUCTED || type == Body::CRIME_REPORTED
            ? schema::DataClass::CRIMINAL
        : type == Body::SCHOOL_ENROLLED || type == Body::CASE_CLOSED ? schema::DataClass::ORDINARY
                                                                     : r.getDataClass();
    CHECK(r.getDataClass() == expected_class);
    if (type == Body::PRESUMED_VICTIM_IDENTIFIED) CHECK(r.hasSealed());
    if (type == Body::CASE_CONFERENCE_HELD || type == Body::CRIME_REPORTED)
      CHECK_FALSE(r.hasSealed());
    if (r.hasSupersedes()) {
      // A correction names an earlier event of its case, of its own type.
      bool found = false;
      for (auto* e : g.by_case.at(c)) {
        if (e->position() >= ev.position()) break;
        auto id = e->reader().getEventId();
        if (id == r.getSupersedes()) {
          found = true;
          CHECK(e->reader().getBody().which() == type);
        }
      }
      CHECK(found);
    }
  }
  CHECK(with_personal >= g.cases.size());
}

TEST_CASE("a run covers all eight jurisdictions, children with two cases and corrections",
          "[tools][synthetic]") {
  const Generated& g = Shared();
  REQUIRE(g.cases.size() == 200);
  std::map<std::string, int> per_jurisdiction, per_child;
  for (const auto& c : g.cases) {
    ++per_jurisdiction[c.jurisdiction];
    ++per_child[c.child_id];
    CHECK(c.case_id.substr(0, 2) == c.jurisdiction);
    REQUIRE(g.by_case.count(c.case_id));
    CHECK(static_cast<int64_t>(g.by_case.at(c.case_id).size()) == c.events);
  }
  CHECK(per_jurisdiction.size() == 8);
  CHECK(std::any_of(per_child.begin(), per_child.end(), [](auto& p) { return p.second == 2; }));
  CHECK(std::none_of(per_child.begin(), per_child.end(), [](auto& p) { return p.second > 2; }));
  CHECK(g.by_case.size() == g.cases.size());
  const size_t corrections =
      std::count_if(g.log.begin(), g.log.end(), [](auto& e) { return e.reader().hasSupersedes(); });
  CHECK(corrections > 0);
  const double per_case = static_cast<double>(g.log.size()) / g.cases.size();
  CHECK(per_case > 25);
  CHECK(per_case < 60);
  // Progress came at the end with the total.
  REQUIRE_FALSE(g.progress.empty());
  CHECK(g.progress.back() == std::make_pair(g.summary.events, g.summary.events));
}

TEST_CASE("a correction restates its target with one body field fixed", "[tools][synthetic]") {
  const Generated& g = Shared();
  size_t corrections = 0;
  for (const auto& ev : g.log) {
    auto r = ev.reader();
    if (!r.hasSupersedes()) continue;
    ++corrections;
    const StoredEvent* target = nullptr;
    for (auto* e : g.by_case.at(r.getCaseId().cStr())) {
      if (e->reader().getEventId() == r.getSupersedes()) target = e;
    }
    REQUIRE(target);
    auto t = target->reader();
    INFO(EventTypeName(r));
    CHECK(target->position() < ev.position());
    CHECK(t.getBody().which() == r.getBody().which());
    CHECK(t.getOccurredAt() == r.getOccurredAt());
    CHECK(t.getAgencyId() == r.getAgencyId());
    // Compare the body member field by field.
    auto a = capnp::toDynamic(t.getBody());
    auto b = capnp::toDynamic(r.getBody());
    KJ_IF_MAYBE (member, a.which()) {
      auto x = a.get(*member).as<capnp::DynamicStruct>();
      auto y = b.get(*member).as<capnp::DynamicStruct>();
      int differing = 0;
      for (auto field : x.getSchema().getFields()) {
        differing += kj::str(x.get(field)) != kj::str(y.get(field));
      }
      CHECK(differing == 1);
    }
  }
  CHECK(corrections > 0);
}

TEST_CASE("only the chosen jurisdictions are drawn", "[tools][synthetic]") {
  auto o = Options(20, 9, 0.1);
  o.jurisdictions = {schema::Jurisdiction::DK, schema::Jurisdiction::NO};
  auto g = Generate(o);
  for (const auto& c : g->cases) CHECK((c.jurisdiction == "DK" || c.jurisdiction == "NO"));
  CHECK_THAT(g->manifest_text, Catch::Contains("\"jurisdictions\":[\"DK\",\"NO\"]"));
}

// Checks the manifest of a run against the events: every deviation is there as listed, and the
// deadline rules recomputed from the events find exactly the late, missing and out-of-order
// steps the manifest lists.
void CheckManifestAgainstLedger(const Generated& g) {
  for (const auto& mc : g.cases) {
    INFO("case " << mc.case_id);
    const auto& events = g.by_case.at(mc.case_id);
    std::map<std::string, const StoredEvent*> by_id;
    for (auto* e : events) by_id[IdHex(*e)] = e;

    std::multiset<Finding> listed;
    std::set<std::string> listed_late_recorded;
    for (const auto& d : mc.deviations) {
      INFO(d.step << " " << d.kind << " " << d.rule);
      if (d.kind == "lateRecorded") {
        listed_late_recorded.insert(d.event_id);
        REQUIRE(by_id.count(d.event_id));
        auto r = by_id.at(d.event_id)->reader();
        CHECK(EventTypeName(r) == d.step);
        CHECK(r.getRecordedAt() - r.getOccurredAt() >= 3 * kDayUs);
        CHECK(FormatRfc3339(r.getRecordedAt()) == d.recorded_at);
        continue;
      }
      listed.insert(checks::MakeFinding(d.step, d.kind, d.rule));
      if (d.kind == "missing") {
        CHECK(d.event_id.empty());
        if (d.for_step.empty()) {
          for (auto* e : events) CHECK(EventTypeName(e->reader()) != d.step);
        }
        continue;
      }
      REQUIRE(by_id.count(d.event_id));
      auto r = by_id.at(d.event_id)->reader();
      CHECK(EventTypeName(r) == d.step);
      CHECK(FormatRfc3339(r.getOccurredAt()) == d.occurred_at);
      if (d.kind == "late") CHECK(r.getOccurredAt() > Rfc(d.due_at));
      if (d.kind == "outOfOrder") CHECK_FALSE(d.before.empty());
    }

    checks::CheckKeptObligations(events);
    CaseCheck check = checks::Evaluate(events);
    CHECK(check.findings == listed);
    for (const auto& d : mc.deviations) {
      if (d.kind != "late") continue;
      auto due = check.due.find(checks::MakeFinding(d.step, d.kind, d.rule));
      if (due != check.due.end()) CHECK(FormatRfc3339(due->second) == d.due_at);
    }
    // Everything else is recorded soon after it occurred.
    for (auto* e : events) {
      auto r = e->reader();
      const int64_t delay = r.getRecordedAt() - r.getOccurredAt();
      if (!listed_late_recorded.count(IdHex(*e)) && !r.hasSupersedes()) {
        INFO(EventTypeName(r));
        CHECK(delay < kDayUs);
      }
    }
  }
}

TEST_CASE("late share 0 gives no deviations and every deadline met", "[tools][synthetic]") {
  auto g = Generate(Options(60, 3, 0.0));
  for (const auto& c : g->cases) CHECK(c.deviations.empty());
  CheckManifestAgainstLedger(*g);
}

TEST_CASE("late share 1 marks many deviations of every kind", "[tools][synthetic]") {
  auto g = Generate(Options(40, 3, 1.0));
  std::map<std::string, int> kinds;
  size_t total = 0;
  for (const auto& c : g->cases) {
    for (const auto& d : c.deviations) ++kinds[d.kind];
    total += c.deviations.size();
  }
  CHECK(total >= 8 * g->cases.size());
  CHECK(kinds["late"] > 0);
  CHECK(kinds["missing"] > 0);
  CHECK(kinds["lateRecorded"] > 0);
  CHECK(kinds["outOfOrder"] > 0);
  CheckManifestAgainstLedger(*g);
}

TEST_CASE("the manifest lists exactly the deviations found in the events", "[tools][synthetic]") {
  CheckManifestAgainstLedger(Shared());
}

}  // namespace
}  // namespace caseledger::synthetic
