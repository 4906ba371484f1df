// Subscriptions, end to end: catch-up from a position, then live, with credit-based flow
// control (issue 4, "subscribe (catch up from a position, then live, with flow control ...)").
#include <catch2/catch.hpp>

#include <capnp/message.h>

#include <atomic>
#include <exception>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "ledger/ledger.h"
#include "schema/protocol.capnp.h"
#include "server/client.h"
#include "tests/support/test_events.h"
#include "tests/support/test_server.h"

namespace caseledger {
namespace {

using schema::AgencyRole;
using testing::EventSpec;
using testing::TestEvents;
using testing::TestServer;

std::string Str(capnp::Text::Reader text) { return {text.cStr(), text.size()}; }
std::string IdOf(schema::Event::Reader event) {
  auto id = event.getEventId();
  return {reinterpret_cast<const char*>(id.begin()), id.size()};
}

EventSpec CpEvent(const std::string& case_id) {
  EventSpec spec;
  spec.case_id = case_id;
  spec.agency_id = TestServer::AgencyOf("childprotection");
  spec.agency_role = AgencyRole::CHILD_PROTECTION;
  return spec;
}

// `cases` cases of `per_case` events, appended in process in batches of 50.
void Fill(TestServer& server, size_t cases, size_t per_case) {
  TestEvents events;
  for (size_t c = 0; c < cases; ++c) {
    const std::string case_id = "fill-" + std::to_string(c);
    for (size_t done = 0; done < per_case; done += 50) {
      auto batch = events.MakeMany(std::min<size_t>(50, per_case - done), CpEvent(case_id));
      REQUIRE(server.ledger().Append(case_id, ExpectedVersion::Any(), batch).ok());
    }
  }
}

std::unique_ptr<server::Client> ConnectWithTimeout(const TestServer& server,
                                                   const std::string& name, int seconds) {
  auto options = server.ClientFor(name);
  options.timeout_seconds = seconds;
  auto client = server::Client::Connect(options);
  if (!client.ok()) FAIL("connect as " << name << ": " << client.status().ToString());
  return std::move(*client);
}

// Reads batches until `count` events came; checks they continue from `*next` without a gap.
void Expect(server::Client& client, size_t count, uint64_t* next) {
  size_t got = 0;
  while (got < count) {
    auto batch = client.NextBatch();
    REQUIRE(batch.ok());
    REQUIRE(!batch->events.empty());
    for (const StoredEvent& e : batch->events) {
      REQUIRE(e.position() == *next);
      ++*next;
    }
    CHECK(batch->next == *next);
    got += batch->events.size();
  }
  CHECK(got == count);
}

TEST_CASE("a subscription catches up, then follows four appending threads without gaps or "
          "duplicates",
          "[e2e][subscription]") {
  TestServer server;
  Fill(server, 20, 150);  // 3000 events
  const uint64_t initial = server.ledger().size();
  REQUIRE(initial == 3000);

  auto oversight = ConnectWithTimeout(server, "oversight", 15);
  constexpr uint32_t kWindow = 500;
  REQUIRE(oversight->Subscribe(0, kWindow, 0, "replication to the audit copy").ok());
  uint64_t granted = kWindow;

  constexpr int kThreads = 4;
  constexpr int kAppendsPerThread = 60;
  std::atomic<bool> append_failed{false};
  std::vector<std::set<std::string>> appended_ids(kThreads);
  std::vector<std::thread> threads;
  // A failed REQUIRE below must not leave joinable threads behind (std::terminate).
  struct JoinAll {
    std::vector<std::thread>& threads;
    std::atomic<bool>& stop;
    ~JoinAll() {
      if (std::uncaught_exceptions() > 0) stop = true;
      for (auto& t : threads) {
        if (t.joinable()) t.join();
      }
    }
  } join_all{threads, append_failed};
  auto start_appenders = [&] {
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        auto client = server::Client::Connect(server.ClientFor("childprotection"));
        if (!client.ok()) {
          append_failed = true;
          return;
        }
        TestEvents events;
        const std::string case_id = "live-" + std::to_string(t);
        for (int i = 0; i < kAppendsPerThread && !append_failed; ++i) {
          auto batch = events.MakeMany(1 + i % 3, CpEvent(case_id));
          auto result = (*client)->Append(case_id, ExpectedVersion::Any(), batch);
          if (!result.ok()) {
            append_failed = true;
            break;
          }
          for (auto e : batch) appended_ids[t].insert(IdOf(e));
        }
      });
    }
  };

  uint64_t next = 0;
  uint64_t received = 0;
  uint64_t access_events = 0;
  uint64_t live_seen = 0;
  // Thread t appends 1, 2, 3, 1, 2, 3, ... events per request.
  constexpr uint64_t kLiveEvents = kThreads * (kAppendsPerThread / 3) * (1 + 2 + 3);
  bool started = false;
  std::set<std::string> seen_ids;
  while (true) {
    auto batch = oversight->NextBatch();
    REQUIRE(batch.ok());
    REQUIRE(!batch->events.empty());
    for (const StoredEvent& e : batch->events) {
      // Every position once, in order.
      REQUIRE(e.position() == next);
      ++next;
      auto r = e.reader();
      CHECK(seen_ids.insert(IdOf(r)).second);
      if (Str(r.getCaseId()).rfind("access:", 0) == 0) ++access_events;
      if (Str(r.getCaseId()).rfind("live-", 0) == 0) ++live_seen;
    }
    received += batch->events.size();
    // Never more than the credit granted.
    REQUIRE(received <= granted);
    CHECK(batch->next == next);
    if (!started) {
      // Go live while the catch-up is still under way.
      start_appenders();
      started = true;
    }
    REQUIRE(oversight->Credit(static_cast<uint32_t>(batch->events.size())).ok());
    granted += batch->events.size();
    REQUIRE(!append_failed);
    // Done when every appended event came and nothing is left: the access records of each
    // batch are durable before the batch is sent, so they are in size() already.
    if (live_seen == kLiveEvents && next == server.ledger().size()) break;
  }
  for (auto& t : threads) t.join();
  REQUIRE(!append_failed);

  CHECK(next == server.ledger().size());
  CHECK(next > initial + kThreads * kAppendsPerThread);
  for (const auto& ids : appended_ids) {
    for (const std::string& id : ids) CHECK(seen_ids.count(id) == 1);
  }
  // The subscription saw the access records that its own deliveries caused.
  auto own = server.ledger().ReadStream("access:fill-0", 0, 1000);
  REQUIRE(own.ok());
  CHECK(!own->empty());
  CHECK(access_events > 0);
  auto last = oversight->Unsubscribe();
  REQUIRE(last.ok());
  CHECK(*last == next);
}

TEST_CASE("credit bounds what the server sends, and granting more resumes it",
          "[e2e][subscription]") {
  TestServer server;
  Fill(server, 2, 50);

  SECTION("with its credit spent, the server sends nothing more") {
    auto client = ConnectWithTimeout(server, "oversight", 2);
    REQUIRE(client->Subscribe(0, 10, 4, "flow control").ok());
    uint64_t next = 0;
    Expect(*client, 10, &next);
    // A short wait with the client's own timeout: nothing arrives.
    auto more = client->NextBatch();
    CHECK(more.status().code() == Status::Code::kUnavailable);
    CHECK(more.status().message().find("timed out") != std::string::npos);
  }
  SECTION("granting credit resumes exactly where it stopped") {
    auto client = server.Connect("oversight");
    REQUIRE(client->Subscribe(0, 10, 4, "flow control").ok());
    uint64_t next = 0;
    Expect(*client, 10, &next);
    REQUIRE(client->Credit(15).ok());
    Expect(*client, 15, &next);
    CHECK(next == 25);
    // The server's own position: it queued nothing past the credit.
    auto end = client->Unsubscribe();
    REQUIRE(end.ok());
    CHECK(*end == 25);
  }
}

TEST_CASE("unsubscribe returns the next position, and a new subscription continues from it",
          "[e2e][subscription]") {
  TestServer server;
  Fill(server, 1, 20);
  auto client = server.Connect("ombudsperson");
  REQUIRE(client->Subscribe(0, 7, 3, "audit").ok());
  uint64_t next = 0;
  Expect(*client, 7, &next);
  auto end = client->Unsubscribe();
  REQUIRE(end.ok());
  CHECK(*end == 7);
  // Nothing more comes for the ended subscription; a new one starts where it stopped.
  REQUIRE(client->Subscribe(*end, 13, 5, "audit").ok());
  Expect(*client, 13, &next);
  end = client->Unsubscribe();
  REQUIRE(end.ok());
  CHECK(*end == 20);
  // Without a subscription there is nothing to end.
  CHECK(client->Unsubscribe().status().IsInvalidArgument());
}

TEST_CASE("a subscription from the end waits for the log to grow, past the end is refused",
          "[e2e][subscription]") {
  TestServer server;
  Fill(server, 1, 5);
  auto oversight = server.Connect("oversight");
  REQUIRE(oversight->Subscribe(server.ledger().size() + 1, 10, 0, "live feed").ok());
  CHECK(oversight->NextBatch().status().IsInvalidArgument());

  const uint64_t end = server.ledger().size();
  REQUIRE(oversight->Subscribe(end, 10, 0, "live feed").ok());
  auto cp = server.Connect("childprotection");
  TestEvents events;
  auto event = events.Make(CpEvent("fill-0"));
  auto appended = cp->Append("fill-0", ExpectedVersion::Any(), std::span(&event, 1));
  REQUIRE(appended.ok());
  auto batch = oversight->NextBatch();
  REQUIRE(batch.ok());
  REQUIRE(batch->events.size() == 1);
  CHECK(batch->events[0].position() == end);
  CHECK(IdOf(batch->events[0].reader()) == IdOf(event));
  CHECK(batch->at_end);  // live
}

TEST_CASE("a connection has at most one subscription", "[e2e][subscription]") {
  TestServer server;
  Fill(server, 1, 10);
  auto oversight = server.Connect("oversight");
  auto subscribe = [&](uint64_t from) {
    capnp::MallocMessageBuilder builder;
    auto request = builder.initRoot<schema::Request>();
    request.setPurpose("two feeds");
    auto sub = request.getBody().initSubscribe();
    sub.setFromPosition(from);
    sub.setCredit(2);
    auto id = oversight->Send(builder);
    REQUIRE(id.ok());
    return *id;
  };
  const uint64_t first = subscribe(0);
  const uint64_t second = subscribe(0);
  // Two batches for the first (credit 2, then nothing) and one refusal for the second, in any
  // order.
  size_t first_events = 0;
  bool refused = false;
  while (first_events < 2 || !refused) {
    auto frame = oversight->ReceiveFrame();
    REQUIRE(frame.ok());
    auto response = (*frame)->reader().getRoot<schema::Response>();
    if (response.getId() == first) {
      REQUIRE(response.getBody().isSubscription());
      first_events += response.getBody().getSubscription().getEvents().size();
    } else {
      REQUIRE(response.getId() == second);
      REQUIRE(response.getBody().isError());
      CHECK(response.getBody().getError().getCode() == schema::ErrorCode::INVALID_ARGUMENT);
      refused = true;
    }
  }
  CHECK(first_events == 2);
}

TEST_CASE("agencies, witnesses and admins may not subscribe", "[e2e][subscription]") {
  TestServer server;
  Fill(server, 1, 3);
  for (const char* name : {"police", "childprotection", "witness", "admin"}) {
    INFO(name);
    auto client = server.Connect(name);
    REQUIRE(client->Subscribe(0, 10, 0, "a feed").ok());
    CHECK(client->NextBatch().status().code() == Status::Code::kPermissionDenied);
  }
  CHECK(server.ledger().size() == 3);
}

// Once an unsubscribe is answered, a new subscribe on the connection is served at once, even
// while the last read of the ended subscription is still in flight (its batch is dropped).
TEST_CASE("a subscription may start again at once after unsubscribe",
          "[e2e][subscription]") {
  TestServer server;
  Fill(server, 4, 50);
  auto oversight = server.Connect("oversight");
  auto subscribe = [&] {
    capnp::MallocMessageBuilder builder;
    auto request = builder.initRoot<schema::Request>();
    request.setPurpose("resubscribe");
    auto sub = request.getBody().initSubscribe();
    sub.setFromPosition(0);
    sub.setCredit(1000);
    sub.setMaxBatch(1);  // many small reads: one is nearly always in flight
    auto id = oversight->Send(builder);
    REQUIRE(id.ok());
    return *id;
  };
  const uint64_t first = subscribe();
  for (int i = 0; i < 3; ++i) {
    auto frame = oversight->ReceiveFrame();
    REQUIRE(frame.ok());
    REQUIRE((*frame)->reader().getRoot<schema::Response>().getId() == first);
  }
  capnp::MallocMessageBuilder unsubscribe;
  unsubscribe.initRoot<schema::Request>().getBody().setUnsubscribe();
  auto unsubscribe_id = oversight->Send(unsubscribe);
  REQUIRE(unsubscribe_id.ok());
  const uint64_t second = subscribe();
  bool unsubscribed = false;
  while (true) {
    auto frame = oversight->ReceiveFrame();
    REQUIRE(frame.ok());
    auto response = (*frame)->reader().getRoot<schema::Response>();
    if (response.getId() == *unsubscribe_id) {
      REQUIRE(response.getBody().isSubscription());
      unsubscribed = true;
    } else if (response.getId() == second) {
      REQUIRE(unsubscribed);
      INFO((response.getBody().isError() ? response.getBody().getError().getMessage().cStr()
                                          : "a batch"));
      CHECK(response.getBody().isSubscription());
      break;
    }
  }
}

}  // namespace
}  // namespace caseledger
