// Makes fuzz_frame's seeds from real client traffic: an in-process caseledgerd in plain-TCP
// development mode, the project's client talking to it through a loopback relay that records
// every byte the client sends. Each session's bytes are written whole (session-*.bin, a frame
// stream as the server's reader sees it) and cut into single frames (frame-*.bin).
//
// Run by tests/fuzz/make_seeds.sh:  fuzz_frame_seeds "[.seeds]"  with
// CASELEDGER_FUZZ_SEED_DIR naming the output folder. Only synthetic test events are sent.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <span>
#include <string>
#include <thread>

#include "server/frame_codec.h"
#include "tests/support/test_events.h"
#include "tests/support/test_server.h"

namespace caseledger::testing {
namespace {

// Accepts one connection on a loopback port, connects it to `upstream_port`, and relays both
// ways until both sides have closed, keeping what the client sent.
class RecordingRelay {
 public:
  explicit RecordingRelay(uint16_t upstream_port) : upstream_port_(upstream_port) {
    listener_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr = Loopback(0);
    REQUIRE(bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
    REQUIRE(listen(listener_, 1) == 0);
    socklen_t len = sizeof(addr);
    REQUIRE(getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { Run(); });
  }
  ~RecordingRelay() {
    if (thread_.joinable()) thread_.join();
    close(listener_);
  }
  RecordingRelay(const RecordingRelay&) = delete;
  RecordingRelay& operator=(const RecordingRelay&) = delete;

  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

  // Waits for the session to end; what the client sent.
  std::string Finish() {
    thread_.join();
    return sent_;
  }

 private:
  static sockaddr_in Loopback(uint16_t port) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return addr;
  }

  void Run() {
    const int client = accept(listener_, nullptr, nullptr);
    const int server = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr = Loopback(upstream_port_);
    if (client < 0 || connect(server, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
      close(client);
      close(server);
      return;
    }
    pollfd fds[2] = {{client, POLLIN, 0}, {server, POLLIN, 0}};
    bool open[2] = {true, true};
    char buffer[65536];
    while (open[0] || open[1]) {
      if (poll(fds, 2, -1) < 0) break;
      for (int i = 0; i < 2; ++i) {
        if (!open[i] || (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
        const ssize_t n = read(fds[i].fd, buffer, sizeof(buffer));
        const int other = fds[1 - i].fd;
        if (n <= 0) {
          open[i] = false;
          fds[i].events = 0;
          shutdown(other, SHUT_WR);
          continue;
        }
        if (i == 0) sent_.append(buffer, static_cast<size_t>(n));
        for (ssize_t done = 0; done < n;) {
          const ssize_t w = write(other, buffer + done, static_cast<size_t>(n - done));
          if (w <= 0) break;
          done += w;
        }
      }
    }
    close(client);
    close(server);
  }

  uint16_t upstream_port_;
  int listener_ = -1;
  uint16_t port_ = 0;
  std::thread thread_;
  std::string sent_;
};

void WriteFile(const std::string& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  REQUIRE(out.good());
}

// Writes the session whole and each of its frames alone; returns the number of frames.
size_t WriteSession(const std::string& dir, const std::string& name, const std::string& bytes) {
  WriteFile(dir + "/session-" + name + ".bin", bytes);
  std::span<const uint8_t> rest(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  size_t count = 0;
  while (rest.size() >= server::kFirstHeaderBytes) {
    auto header = server::FrameHeaderBytes(rest.first<server::kFirstHeaderBytes>());
    REQUIRE(header.ok());
    auto total = server::FrameMessageBytes(rest.first(*header), 64 << 20);
    REQUIRE(total.ok());
    const char* start = reinterpret_cast<const char*>(rest.data());
    WriteFile(dir + "/frame-" + name + "-" + std::to_string(count++) + ".bin",
              std::string_view(start, *total));
    rest = rest.subspan(*total);
  }
  REQUIRE(rest.empty());
  return count;
}

EventSpec CpEvent(const std::string& case_id, schema::Event::Body::Which type) {
  EventSpec spec;
  spec.case_id = case_id;
  spec.agency_id = TestServer::AgencyOf("childprotection");
  spec.agency_role = schema::AgencyRole::CHILD_PROTECTION;
  spec.jurisdiction = schema::Jurisdiction::DK;
  spec.type = type;
  return spec;
}

}  // namespace

TEST_CASE("record the frames a client sends, as fuzz seeds", "[.seeds]") {
  const char* dir = std::getenv("CASELEDGER_FUZZ_SEED_DIR");
  REQUIRE(dir != nullptr);
  TestServer server([](server::ServerConfig& c) { c.plain_tcp = true; });
  TestEvents events;
  const std::string purpose = "fuzz seed recording";

  {  // An agency appends (one event, then a batch with personal data) and reads back.
    RecordingRelay relay(server.port());
    auto options = server.ClientFor("childprotection");
    options.server = relay.address();
    auto client = server::Client::Connect(options);
    REQUIRE(client.ok());
    using Body = schema::Event::Body;
    std::vector<schema::Event::Reader> one = {
        events.Make(CpEvent("case-1", Body::CASE_CONFERENCE_HELD))};
    REQUIRE((*client)->Append("case-1", ExpectedVersion::NoStream(), one).ok());
    EventSpec named = CpEvent("case-1", Body::CASE_CONFERENCE_HELD);
    named.given_name = "Testname";
    std::vector<schema::Event::Reader> batch = {
        events.Make(named), events.Make(CpEvent("case-1", Body::CASE_CONFERENCE_HELD))};
    auto appended = (*client)->Append("case-1", ExpectedVersion::Exact(0), batch);
    INFO(appended.status().ToString());
    REQUIRE(appended.ok());
    REQUIRE((*client)->ReadStream("case-1", 0, 10, purpose).ok());
    REQUIRE(server.ledger().Checkpoint().ok());
    REQUIRE((*client)->GetCheckpoint().ok());
    REQUIRE((*client)->InclusionProof(1).ok());
    REQUIRE((*client)->ConsistencyProof(1, 3).ok());
    REQUIRE((*client)->GetServerStatus().ok());
    (void)(*client)->CaseQuery("case-1", true, purpose);
    REQUIRE((*client)->Goodbye().ok());
    client->reset();
    CHECK(WriteSession(dir, "agency", relay.Finish()) >= 10);
  }
  {  // Oversight reads the log, follows it, and asks audit queries.
    RecordingRelay relay(server.port());
    auto options = server.ClientFor("oversight");
    options.server = relay.address();
    auto client = server::Client::Connect(options);
    REQUIRE(client.ok());
    REQUIRE((*client)->ReadLog(0, 10, purpose).ok());
    REQUIRE((*client)->Subscribe(0, 100, 10, purpose).ok());
    REQUIRE((*client)->NextBatch().ok());
    REQUIRE((*client)->Credit(10).ok());
    REQUIRE((*client)->Unsubscribe().ok());
    (void)(*client)->AuditQuery("", purpose, {});
    server::Client::AuditQueryOptions query;
    query.format = "csv";
    query.params = {{"from", "2025-01-01"}};
    (void)(*client)->AuditQuery("overdue", purpose, query);
    REQUIRE((*client)->Goodbye().ok());
    client->reset();
    CHECK(WriteSession(dir, "oversight", relay.Finish()) >= 7);
  }
}

}  // namespace caseledger::testing
