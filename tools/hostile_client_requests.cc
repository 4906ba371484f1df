// Request-level attacks of tools/hostile_client_attacks.h: replayed appends and requests for
// other agencies' cases, by clients with valid certificates.
#include <cstring>

#include "tools/bench_util.h"
#include "tools/hostile_client_attacks.h"
#include "tools/hostile_client_internal.h"
#include "tools/soak_util.h"

namespace caseledger::bench {

namespace {
constexpr char kPurpose[] = "hostile-client test: synthetic data";
}  // namespace

std::unique_ptr<capnp::MallocMessageBuilder> MarkedEvent(size_t case_number,
                                                         const std::string& agency_id,
                                                         schema::AgencyRole role,
                                                         const std::string& marker,
                                                         uint64_t id_seed) {
  auto message = std::make_unique<capnp::MallocMessageBuilder>();
  auto ev = message->initRoot<schema::Event>();
  EventAuthor author;
  author.agency_id = agency_id;
  author.agency_role = role;
  FillEvent(ev, CaseIdFor(case_number), NowMicrosSinceEpoch(), 0, author);
  const uint64_t a = Mix(id_seed), b = Mix(a ^ 0x686f7374696c6500ULL);
  auto id = ev.initEventId(16);
  std::memcpy(id.begin(), &a, 8);
  std::memcpy(id.begin() + 8, &b, 8);
  auto personal = ev.initPersonal();
  personal.setGivenName(marker + "-given");
  personal.setFamilyName(marker + "-family");
  personal.setNarrative("invented account " + marker + "-narrative");
  return message;
}

AttackReport Replay(const AttackTarget& t, const StopFlag& stop) {
  AttackReport r;
  r.name = "replay";
  const size_t case_number = 9000 + static_cast<size_t>(t.round);
  const std::string agency = DevServer::AgencyOf("childprotection");
  // Two events in one append, both replayed.
  auto e1 = MarkedEvent(case_number, agency, schema::AgencyRole::CHILD_PROTECTION, t.marker,
                        1000 + t.round * 2);
  auto e2 = MarkedEvent(case_number, agency, schema::AgencyRole::CHILD_PROTECTION, t.marker,
                        1001 + t.round * 2);
  const std::vector<schema::Event::Reader> events = {e1->getRoot<schema::Event>().asReader(),
                                                     e2->getRoot<schema::Event>().asReader()};
  std::unique_ptr<server::Client> client;
  std::vector<uint64_t> positions;
  for (uint64_t n = 0; !stop.load(); ++n) {
    // Every tenth replay on a fresh connection: idempotency must not depend on the session.
    if (!client || n % 10 == 0) {
      auto c = server::Client::Connect(t.client_for("childprotection"));
      if (!c.ok()) {
        r.Count("could not connect (" + c.status().ToString() + ")");
        Pause(stop, 100);
        continue;
      }
      client = std::move(*c);
      ++r.connections;
    }
    auto result = client->Append(CaseIdFor(case_number), ExpectedVersion::Any(), events);
    if (!result.ok()) {
      r.Count("append failed: " + CodeOf(result.status()));
      r.Violation("replayed append failed: " + result.status().ToString());
      client.reset();
      continue;
    }
    if (positions.empty()) {
      positions = result->positions;
      r.Count("first append stored");
    } else if (result->deduplicated && result->positions == positions) {
      r.Count("replay: deduplicated, original positions");
    } else {
      r.Count("replay: stored AGAIN or moved");
      r.Violation("a replayed append was not deduplicated to its original positions");
    }
    Pause(stop, 20);
  }
  // The case must hold the two events once.
  if (auto c = server::Client::Connect(t.client_for("childprotection")); c.ok()) {
    auto page = (*c)->ReadStream(CaseIdFor(case_number), 0, 100, kPurpose);
    if (!page.ok()) {
      r.Violation("reading the replayed case failed: " + page.status().ToString());
    } else if (page->events.size() != 2) {
      r.Violation("the replayed case holds " + std::to_string(page->events.size()) +
                  " events, not 2");
    }
  }
  return r;
}

namespace {

// One refusal the server must give: `who` asks, `call` returns the status.
struct Probe {
  std::string name;
  std::string who;
  std::function<Status(server::Client&)> call;
};

std::vector<Probe> ForeignProbes(const AttackTarget& t, const std::string& victim_case,
                                 const std::vector<schema::Event::Reader>* impersonated,
                                 const std::vector<schema::Event::Reader>* not_its_type) {
  return {
      {"agency reads another agency's case", "barnahus",
       [=](server::Client& c) { return c.ReadStream(victim_case, 0, 10, kPurpose).status(); }},
      {"agency unseals another agency's case", "barnahus",
       [=](server::Client& c) {
         return c.ReadStream(victim_case, 0, 10, kPurpose, /*unseal=*/true).status();
       }},
      {"agency appends in another agency's name", "barnahus",
       [=](server::Client& c) {
         return c.Append(victim_case, ExpectedVersion::Any(), *impersonated).status();
       }},
      {"agency records an event type not of its role", "police",
       [=](server::Client& c) {
         return c.Append(victim_case, ExpectedVersion::Any(), *not_its_type).status();
       }},
      {"agency views another agency's case", "barnahus",
       [=](server::Client& c) { return c.CaseQuery(victim_case, false, kPurpose).status(); }},
      {"agency reads the global log", "barnahus",
       [=](server::Client& c) { return c.ReadLog(0, 10, kPurpose).status(); }},
      {"agency runs an audit query", "barnahus",
       [=](server::Client& c) {
         return c.AuditQuery("record_access", kPurpose, {.params = {{"case", victim_case}}})
             .status();
       }},
      {"witness reads a case", "witness",
       [=](server::Client& c) { return c.ReadStream(victim_case, 0, 10, kPurpose).status(); }},
      {"agency reads the case's access stream", "childprotection",
       [=](server::Client& c) {
         return c.ReadStream("access:" + victim_case, 0, 10, kPurpose).status();
       }},
  };
}

}  // namespace

AttackReport Foreign(const AttackTarget& t, const StopFlag& stop) {
  AttackReport r;
  r.name = "foreign";
  const size_t case_number = 8000 + static_cast<size_t>(t.round);
  const std::string victim_case = CaseIdFor(case_number);
  const std::string cp = DevServer::AgencyOf("childprotection");
  // The victim: a case childprotection recorded, with sealed personal data.
  auto own = MarkedEvent(case_number, cp, schema::AgencyRole::CHILD_PROTECTION, t.marker,
                         5000 + t.round);
  // Retried: running beside the flood, a new connection may be refused for a while.
  for (Status st = Status::Unavailable("not tried");; Pause(stop, 200)) {
    if (stop.load()) {
      r.Count("victim case not recorded before the end (" + st.ToString() + ")");
      return r;
    }
    auto c = server::Client::Connect(t.client_for("childprotection"));
    if (!c.ok()) {
      st = c.status();
      continue;
    }
    st = (*c)->Append(victim_case, ExpectedVersion::Any(),
                      std::vector{own->getRoot<schema::Event>().asReader()})
             .status();
    if (st.ok()) break;
    if (st.code() != Status::Code::kUnavailable) {
      r.Violation("could not record the victim case: " + st.ToString());
      return r;
    }
  }
  // Events in childprotection's name (sent by barnahus) and a case conference by police,
  // whose role may not record one; both carry the marker.
  auto forged = MarkedEvent(case_number, cp, schema::AgencyRole::CHILD_PROTECTION, t.marker,
                            6000 + t.round);
  auto police = MarkedEvent(case_number, DevServer::AgencyOf("police"),
                            schema::AgencyRole::POLICE, t.marker, 7000 + t.round);
  const std::vector<schema::Event::Reader> impersonated = {forged->getRoot<schema::Event>().asReader()};
  const std::vector<schema::Event::Reader> not_its_type = {police->getRoot<schema::Event>().asReader()};
  const std::vector<Probe> probes = ForeignProbes(t, victim_case, &impersonated, &not_its_type);
  std::map<std::string, std::unique_ptr<server::Client>> clients;
  for (size_t n = 0; !stop.load(); ++n) {
    const Probe& p = probes[n % probes.size()];
    auto& client = clients[p.who];
    if (!client) {
      auto c = server::Client::Connect(t.client_for(p.who));
      if (!c.ok()) {
        r.Count("could not connect (" + c.status().ToString() + ")");
        Pause(stop, 100);
        continue;
      }
      client = std::move(*c);
      ++r.connections;
    }
    const Status st = p.call(*client);
    r.Count(p.name + ": " + CodeOf(st));
    if (st.code() != Status::Code::kPermissionDenied) {
      r.Violation(p.name + ": expected PermissionDenied, got " + st.ToString());
      if (st.code() == Status::Code::kUnavailable) client.reset();
    }
    Pause(stop, 10);
  }
  return r;
}

}  // namespace caseledger::bench
