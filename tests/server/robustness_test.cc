// Robustness of caseledgerd's network side (issue 4): malformed, oversized, truncated and
// unknown requests, bad certificates, slow, stalled and idle clients, thousands of idle
// connections, and the plain-TCP development mode. Each abuse must get a clear error reply or
// a closed connection, a well-behaved client connected at the same time must still append and
// read, and nothing stored may change.
//
// The abusive clients are written here with OpenSSL and poll() on a non-blocking socket, so
// that a test can send any bytes, stop reading, and put a deadline on every wait.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "ledger/ledger.h"
#include "ledger/verify.h"
#include "schema/protocol.capnp.h"
#include "server/client.h"
#include "server/config.h"
#include "server/frame_codec.h"
#include "server/server.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_events.h"
#include "tests/support/test_server.h"
#include "tools/dev_certs.h"

namespace caseledger {
namespace {

using server::DecodedFrame;
using server::GetRoot;
using testing::EventSpec;
using testing::TestEvents;
using testing::TestServer;
using Clock = std::chrono::steady_clock;
using Bytes = std::vector<uint8_t>;

// ---------------------------------------------------------------------------------------
// A client that speaks bytes.

class RawConnection {
 public:
  // Connects to 127.0.0.1:port over TCP. `receive_buffer` > 0 shrinks the socket's receive
  // buffer (set before connecting, so the window stays small).
  static std::unique_ptr<RawConnection> Open(uint16_t port, int receive_buffer = 0) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return nullptr;
    if (receive_buffer > 0) {
      ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof(receive_buffer));
    }
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
      ::close(fd);
      return nullptr;
    }
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
    return std::unique_ptr<RawConnection>(new RawConnection(fd));
  }

  ~RawConnection() {
    if (ssl_ != nullptr) SSL_free(ssl_);
    if (ctx_ != nullptr) SSL_CTX_free(ctx_);
    if (fd_ >= 0) ::close(fd_);
  }
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  // TLS 1.3 handshake, checking the server against `ca`; `cert`/`key` may be empty.
  Status StartTls(const std::string& ca, const std::string& cert, const std::string& key) {
    ctx_ = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_min_proto_version(ctx_, TLS1_3_VERSION);
    if (SSL_CTX_load_verify_locations(ctx_, ca.c_str(), nullptr) != 1) return TlsError("CA");
    SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, nullptr);
    if (!cert.empty()) {
      if (SSL_CTX_use_certificate_chain_file(ctx_, cert.c_str()) != 1 ||
          SSL_CTX_use_PrivateKey_file(ctx_, key.c_str(), SSL_FILETYPE_PEM) != 1) {
        return TlsError("client certificate");
      }
    }
    ssl_ = SSL_new(ctx_);
    SSL_set_fd(ssl_, fd_);
    SSL_set_tlsext_host_name(ssl_, "localhost");
    const auto deadline = Clock::now() + std::chrono::seconds(10);
    while (true) {
      ERR_clear_error();
      const int r = SSL_connect(ssl_);
      if (r == 1) return Status::OK();
      const int err = SSL_get_error(ssl_, r);
      if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
        if (!Wait(err == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline)) {
          return Status::Unavailable("TLS handshake timed out");
        }
        continue;
      }
      return TlsError("handshake");
    }
  }

  // Sends all of `bytes`; Unavailable when the server closed, or when it took no byte for
  // `stall_ms` (it stopped reading).
  Status Send(std::span<const uint8_t> bytes, int stall_ms = 5000) {
    size_t done = 0;
    auto deadline = Clock::now() + std::chrono::milliseconds(stall_ms);
    while (done < bytes.size()) {
      ssize_t n;
      int err = 0;
      if (ssl_ != nullptr) {
        ERR_clear_error();
        const int r = SSL_write(ssl_, bytes.data() + done, static_cast<int>(bytes.size() - done));
        if (r > 0) {
          n = r;
        } else {
          n = -1;
          err = SSL_get_error(ssl_, r);
          if (err != SSL_ERROR_WANT_WRITE && err != SSL_ERROR_WANT_READ) {
            return TlsError("write");
          }
        }
      } else {
        n = ::send(fd_, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
        if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
          return Status::Unavailable(std::string("send: ") + std::strerror(errno));
        }
      }
      if (n > 0) {
        done += static_cast<size_t>(n);
        deadline = Clock::now() + std::chrono::milliseconds(stall_ms);
        continue;
      }
      if (!Wait(err == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline)) {
        return Status::Unavailable("the server took no bytes for " + std::to_string(stall_ms) +
                                   " ms");
      }
    }
    return Status::OK();
  }
  Status Send(const kj::Array<capnp::word>& frame, int stall_ms = 5000) {
    auto b = frame.asBytes();
    return Send(std::span<const uint8_t>(b.begin(), b.size()), stall_ms);
  }

  // Reads one reply frame. Unavailable when the connection ended (with why), or on timeout.
  Result<std::unique_ptr<DecodedFrame>> Receive(int timeout_ms = 10000) {
    const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    uint8_t first[server::kFirstHeaderBytes];
    CL_RETURN_IF_ERROR(ReadExactly(first, sizeof(first), deadline));
    auto header_bytes =
        server::FrameHeaderBytes(std::span<const uint8_t, server::kFirstHeaderBytes>(first));
    if (!header_bytes.ok()) return header_bytes.status();
    Bytes header(*header_bytes);
    std::memcpy(header.data(), first, sizeof(first));
    CL_RETURN_IF_ERROR(ReadExactly(header.data() + 8, header.size() - 8, deadline));
    auto total = server::FrameMessageBytes(header, 64 << 20);
    if (!total.ok()) return total.status();
    auto words = kj::heapArray<capnp::word>(*total / 8);
    auto* bytes = reinterpret_cast<uint8_t*>(words.begin());
    std::memcpy(bytes, header.data(), header.size());
    CL_RETURN_IF_ERROR(ReadExactly(bytes + header.size(), *total - header.size(), deadline));
    return server::DecodeFrame(std::move(words), 64 << 20);
  }

  // Reads and discards until the server closes (EOF, close_notify or reset): true, with
  // end_reason() saying how; false when the connection is still open after `timeout_ms`.
  bool WaitClosed(int timeout_ms) {
    const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    uint8_t buf[16384];
    while (true) {
      const int n = ReadSome(buf, sizeof(buf), deadline);
      if (n == -2) return false;
      if (n <= 0) return true;
    }
  }

  // Closes the TCP connection without a TLS close_notify.
  void Abort() {
    ::close(fd_);
    fd_ = -1;
  }

  const std::string& end_reason() const { return end_reason_; }

 private:
  explicit RawConnection(int fd) : fd_(fd) {}

  Status TlsError(const std::string& what) {
    const unsigned long code = ERR_peek_last_error();
    char buf[256] = "no OpenSSL error";
    if (code != 0) ERR_error_string_n(code, buf, sizeof(buf));
    ERR_clear_error();
    return Status::Unavailable(what + ": " + buf);
  }

  bool Wait(short events, Clock::time_point deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd_, events, 0};
    return ::poll(&p, 1, static_cast<int>(left.count())) > 0;
  }

  // > 0 bytes read; 0 the peer closed; -1 an error (end_reason_ says which); -2 timed out.
  int ReadSome(uint8_t* buf, size_t size, Clock::time_point deadline) {
    while (true) {
      if (ssl_ != nullptr) {
        ERR_clear_error();
        const int r = SSL_read(ssl_, buf, static_cast<int>(size));
        if (r > 0) return r;
        const int err = SSL_get_error(ssl_, r);
        if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
          if (!Wait(err == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline)) return -2;
          continue;
        }
        if (err == SSL_ERROR_ZERO_RETURN) {
          end_reason_ = "close_notify";
          return 0;
        }
        end_reason_ = TlsError("read").message();
        if (err == SSL_ERROR_SYSCALL && errno != 0) end_reason_ += std::string(" ") + std::strerror(errno);
        return -1;
      }
      const ssize_t n = ::recv(fd_, buf, size, 0);
      if (n > 0) return static_cast<int>(n);
      if (n == 0) {
        end_reason_ = "EOF";
        return 0;
      }
      if (errno != EAGAIN && errno != EWOULDBLOCK) {
        end_reason_ = std::strerror(errno);
        return -1;
      }
      if (!Wait(POLLIN, deadline)) return -2;
    }
  }

  Status ReadExactly(uint8_t* data, size_t size, Clock::time_point deadline) {
    size_t done = 0;
    while (done < size) {
      const int n = ReadSome(data + done, size - done, deadline);
      if (n == -2) return Status::Unavailable("timed out waiting for the server");
      if (n <= 0) return Status::Unavailable("the server closed the connection: " + end_reason_);
      done += static_cast<size_t>(n);
    }
    return Status::OK();
  }

  int fd_;
  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
  std::string end_reason_;
};

// ---------------------------------------------------------------------------------------
// Requests as bytes.

using Frame = kj::Array<capnp::word>;

Frame HelloFrame(uint64_t id, uint32_t version = schema::PROTOCOL_VERSION,
                 const std::string& dev_principal = "") {
  capnp::MallocMessageBuilder builder;
  auto request = builder.initRoot<schema::Request>();
  request.setId(id);
  auto hello = request.getBody().initHello();
  hello.setProtocolVersion(version);
  hello.setClient("robustness-test/1");
  if (!dev_principal.empty()) hello.setDevPrincipal(dev_principal);
  return server::EncodeFrame(builder);
}

Frame StatusFrame(uint64_t id) {
  capnp::MallocMessageBuilder builder;
  auto request = builder.initRoot<schema::Request>();
  request.setId(id);
  request.getBody().setStatus();
  return server::EncodeFrame(builder);
}

Frame ReadLogFrame(uint64_t id, uint64_t from, uint32_t limit) {
  capnp::MallocMessageBuilder builder;
  auto request = builder.initRoot<schema::Request>();
  request.setId(id);
  request.setPurpose("robustness test");
  auto read = request.getBody().initReadLog();
  read.setFromPosition(from);
  read.setLimit(limit);
  return server::EncodeFrame(builder);
}

Frame SubscribeFrame(uint64_t id, uint32_t credit) {
  capnp::MallocMessageBuilder builder;
  auto request = builder.initRoot<schema::Request>();
  request.setId(id);
  request.setPurpose("robustness test");
  auto sub = request.getBody().initSubscribe();
  sub.setFromPosition(0);
  sub.setCredit(credit);
  return server::EncodeFrame(builder);
}

Frame AppendFrame(uint64_t id, const std::string& case_id,
                  const std::vector<schema::Event::Reader>& events) {
  capnp::MallocMessageBuilder builder;
  auto request = builder.initRoot<schema::Request>();
  request.setId(id);
  auto append = request.getBody().initAppend();
  append.setCaseId(case_id);
  append.initExpected().setAny();
  auto list = append.initEvents(static_cast<unsigned>(events.size()));
  for (size_t i = 0; i < events.size(); ++i) list.setWithCaveats(i, events[i]);
  return server::EncodeFrame(builder);
}

Bytes ToBytes(const Frame& frame) {
  auto b = frame.asBytes();
  return Bytes(b.begin(), b.end());
}

// The reply in `frame` must be an error with `code`; returns its message.
std::string ExpectError(Result<std::unique_ptr<DecodedFrame>>& frame, schema::ErrorCode code,
                        uint64_t id) {
  REQUIRE(frame.ok());
  auto root = GetRoot<schema::Response>(**frame);
  REQUIRE(root.ok());
  REQUIRE(root->getBody().isError());
  CHECK(root->getId() == id);
  CHECK(root->getBody().getError().getCode() == code);
  return root->getBody().getError().getMessage().cStr();
}

// ---------------------------------------------------------------------------------------
// The server's side of things: metrics, the ledger, a well-behaved client.

// The metrics endpoint's text.
std::string Metrics(const TestServer& server) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(server.metrics_port());
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  const std::string request = "GET /metrics HTTP/1.0\r\n\r\n";
  REQUIRE(::send(fd, request.data(), request.size(), MSG_NOSIGNAL) ==
          static_cast<ssize_t>(request.size()));
  std::string out;
  char buf[8192];
  ssize_t n;
  while ((n = ::recv(fd, buf, sizeof(buf), 0)) > 0) out.append(buf, static_cast<size_t>(n));
  ::close(fd);
  return out;
}

// The value of one metric line ("name value" or "name{labels} value"); -1 when absent.
double MetricValue(const std::string& text, const std::string& name) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(name + " ", 0) == 0) return std::stod(line.substr(name.size() + 1));
  }
  return -1;
}

double Metric(const TestServer& server, const std::string& name) {
  return MetricValue(Metrics(server), name);
}

// caseledger_requests_total for one operation. The label is the operation's name, or its
// union ordinal while metrics.cc looks names up in the wrong schema node (Request, whose union
// is in its `body` group).
double RequestsRead(const TestServer& server, const std::string& op,
                    schema::Request::Body::Which which) {
  const std::string text = Metrics(server);
  const double by_name = MetricValue(text, "caseledger_requests_total{op=\"" + op + "\"}");
  if (by_name >= 0) return by_name;
  return MetricValue(
      text, "caseledger_requests_total{op=\"" + std::to_string(static_cast<int>(which)) + "\"}");
}

// Polls `metric` until `pred` holds or `timeout_ms` pass; returns the last value.
template <typename Pred>
double PollMetric(const TestServer& server, const std::string& name, Pred pred,
                  int timeout_ms = 10000) {
  const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  double v = Metric(server, name);
  while (!pred(v) && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    v = Metric(server, name);
  }
  return v;
}

// What the ledger held before an abuse: its size, the Merkle root at that size, the events.
struct LedgerSnapshot {
  uint64_t size = 0;
  Hash256 root{};
  std::vector<Bytes> events;
};

LedgerSnapshot Snapshot(Ledger& ledger) {
  LedgerSnapshot s;
  s.size = ledger.size();
  if (s.size > 0) {
    auto root = ledger.RootAt(s.size);
    REQUIRE(root.ok());
    s.root = *root;
  }
  uint64_t from = 0;
  while (from < s.size) {
    auto page = ledger.ReadLog(from, 1000);
    REQUIRE(page.ok());
    REQUIRE_FALSE(page->empty());
    for (const auto& e : *page) {
      if (e.position() >= s.size) break;
      s.events.emplace_back(e.bytes().begin(), e.bytes().end());
    }
    from += page->size();
  }
  return s;
}

// Nothing stored was lost or changed: the old prefix reads back byte for byte, the root at the
// old size is the same, and the whole ledger verifies.
void CheckUnchanged(TestServer& server, const LedgerSnapshot& before) {
  Ledger& ledger = server.ledger();
  REQUIRE(ledger.size() >= before.size);
  if (before.size > 0) {
    auto root = ledger.RootAt(before.size);
    REQUIRE(root.ok());
    CHECK(*root == before.root);
  }
  LedgerSnapshot now = Snapshot(ledger);
  REQUIRE(now.events.size() >= before.events.size());
  for (size_t i = 0; i < before.events.size(); ++i) {
    if (now.events[i] != before.events[i]) FAIL("event at position " << i << " changed");
  }
  VerifyOptions options;
  options.data_dir = server.config().data_dir;
  auto report = VerifyLedger(options);
  REQUIRE(report.ok());
  if (!report->intact()) FAIL("verify: " << report->findings.front().ToString());
}

EventSpec CpEvent(const std::string& case_id, size_t pad = 0) {
  EventSpec spec;
  spec.case_id = case_id;
  spec.agency_id = TestServer::AgencyOf("childprotection");
  spec.agency_role = schema::AgencyRole::CHILD_PROTECTION;
  spec.pad_to_bytes = pad;
  return spec;
}

// A well-behaved client, connected before an abuse and checked after it.
class GoodClient {
 public:
  explicit GoodClient(TestServer& server) : client_(server.Connect("childprotection")) {}

  // Appends one event and reads the whole case back.
  void CheckServed() {
    auto appended = client_->Append(case_id_, ExpectedVersion::Any(),
                                    events_.MakeMany(1, CpEvent(case_id_)));
    REQUIRE(appended.ok());
    ++appended_;
    auto page = client_->ReadStream(case_id_, 0, 0, "robustness check");
    REQUIRE(page.ok());
    CHECK(page->events.size() == appended_);
  }

 private:
  std::unique_ptr<server::Client> client_;
  TestEvents events_;
  std::string case_id_ = "good-case";
  size_t appended_ = 0;
};

// Fills the ledger with `n` events of about `pad` bytes in one case, straight into the ledger.
void Fill(TestServer& server, size_t n, size_t pad, const std::string& case_id = "filled") {
  TestEvents events;
  for (size_t done = 0; done < n;) {
    const size_t batch = std::min<size_t>(100, n - done);
    auto list = events.MakeMany(batch, CpEvent(case_id, pad));
    auto r = server.ledger().Append(case_id, ExpectedVersion::Any(), list);
    REQUIRE(r.ok());
    done += batch;
  }
}

std::unique_ptr<RawConnection> TlsAs(const TestServer& server, const std::string& name) {
  auto conn = RawConnection::Open(server.port());
  REQUIRE(conn != nullptr);
  REQUIRE(conn->StartTls(server.Cert("ca.pem"), server.Cert(name + ".pem"),
                         server.Cert(name + ".key"))
              .ok());
  return conn;
}

// A TLS connection that has said hello as `name`.
std::unique_ptr<RawConnection> HelloAs(const TestServer& server, const std::string& name) {
  auto conn = TlsAs(server, name);
  REQUIRE(conn->Send(HelloFrame(1)).ok());
  auto reply = conn->Receive();
  REQUIRE(reply.ok());
  auto root = GetRoot<schema::Response>(**reply);
  REQUIRE(root.ok());
  REQUIRE(root->getBody().isHello());
  return conn;
}

// ---------------------------------------------------------------------------------------
// Malformed input.

TEST_CASE("garbage bytes get a protocol error and a closed connection, others go on",
          "[robustness]") {
  TestServer server;
  Fill(server, 5, 0);
  const LedgerSnapshot before = Snapshot(server.ledger());
  GoodClient good(server);
  const std::string garbage = "GET / HTTP/1.1\r\nHost: caseledger\r\n\r\n";
  const auto bytes = std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(garbage.data()),
                                              garbage.size());
  SECTION("right after the TLS handshake") {
    auto conn = TlsAs(server, "police");
    REQUIRE(conn->Send(bytes).ok());
    auto reply = conn->Receive();
    CHECK_THAT(ExpectError(reply, schema::ErrorCode::PROTOCOL_ERROR, 0),
               Catch::Contains("segments"));
    CHECK(conn->WaitClosed(5000));
  }
  SECTION("after hello") {
    auto conn = HelloAs(server, "police");
    REQUIRE(conn->Send(bytes).ok());
    auto reply = conn->Receive();
    ExpectError(reply, schema::ErrorCode::PROTOCOL_ERROR, 0);
    CHECK(conn->WaitClosed(5000));
  }
  SECTION("over plain TCP to the TLS port") {
    auto conn = RawConnection::Open(server.port());
    REQUIRE(conn != nullptr);
    REQUIRE(conn->Send(bytes).ok());
    CHECK(conn->WaitClosed(5000));
  }
  good.CheckServed();
  CheckUnchanged(server, before);
}

TEST_CASE("a frame announcing a huge segment count is refused from its first word",
          "[robustness]") {
  TestServer server;
  Fill(server, 3, 0);
  const LedgerSnapshot before = Snapshot(server.ledger());
  GoodClient good(server);
  auto conn = HelloAs(server, "police");
  // 2^32 segments, then nothing: the server must not wait for (or allocate) the table.
  Bytes first = {0xFF, 0xFF, 0xFF, 0xFF, 0x01, 0x00, 0x00, 0x00};
  REQUIRE(conn->Send(first).ok());
  auto reply = conn->Receive();
  CHECK_THAT(ExpectError(reply, schema::ErrorCode::PROTOCOL_ERROR, 0),
             Catch::Contains("4294967296 segments"));
  CHECK(conn->WaitClosed(5000));
  good.CheckServed();
  CheckUnchanged(server, before);
}

TEST_CASE("a message over max_message_bytes is refused from its segment table",
          "[robustness]") {
  TestServer server([](server::ServerConfig& c) { c.limits.max_message_bytes = 8192; });
  Fill(server, 3, 0);
  const LedgerSnapshot before = Snapshot(server.ledger());
  GoodClient good(server);
  SECTION("announced, never sent") {
    auto conn = HelloAs(server, "childprotection");
    // One segment of 1 Mi words (8 MiB): refused before a byte of it is read.
    Bytes header = {0, 0, 0, 0, 0x00, 0x00, 0x10, 0x00};
    REQUIRE(conn->Send(header).ok());
    auto reply = conn->Receive();
    CHECK_THAT(ExpectError(reply, schema::ErrorCode::PROTOCOL_ERROR, 0),
               Catch::Contains("limit of 8192 bytes"));
    CHECK(conn->WaitClosed(5000));
  }
  SECTION("a real append just over the limit, sent whole") {
    auto conn = HelloAs(server, "childprotection");
    TestEvents events;
    auto frame = AppendFrame(7, "too-big", events.MakeMany(1, CpEvent("too-big", 9000)));
    REQUIRE(frame.size() * 8 > 8192);
    // The server may close before taking it all; either way the reply is the error.
    (void)conn->Send(frame);
    auto reply = conn->Receive();
    ExpectError(reply, schema::ErrorCode::PROTOCOL_ERROR, 0);
    CHECK(conn->WaitClosed(5000));
    CHECK(server.ledger().GetStream("too-big").status().IsNotFound());
  }
  good.CheckServed();
  CheckUnchanged(server, before);
}

TEST_CASE("a large honest append just under the limit is served", "[robustness]") {
  // GetRoot reads the whole request once to check it; the handler reads it again. A traversal
  // limit of one message size made the second read throw inside the handler.
  TestServer server([](server::ServerConfig& c) { c.limits.max_message_bytes = 64 << 10; });
  auto cp = server.Connect("childprotection");
  TestEvents events;
  auto batch = events.MakeMany(1, CpEvent("big-case", 60 << 10));
  auto appended = cp->Append("big-case", ExpectedVersion::NoStream(), batch);
  INFO(appended.status().ToString());
  REQUIRE(appended.ok());
  auto page = cp->ReadStream("big-case", 0, 0, "check");
  REQUIRE(page.ok());
  CHECK(page->events.size() == 1);
}

TEST_CASE("a truncated message followed by close stores nothing", "[robustness]") {
  TestServer server;
  Fill(server, 3, 0);
  const LedgerSnapshot before = Snapshot(server.ledger());
  GoodClient good(server);
  {
    auto conn = HelloAs(server, "childprotection");
    TestEvents events;
    Bytes frame = ToBytes(AppendFrame(5, "truncated", events.MakeMany(3, CpEvent("truncated"))));
    frame.resize(frame.size() / 2);
    REQUIRE(conn->Send(frame).ok());
    conn->Abort();
  }
  // The session ends (only the good client is left) and nothing of the half append is stored.
  CHECK(PollMetric(server, "caseledger_connections", [](double v) { return v == 1; }) == 1);
  CHECK(server.ledger().GetStream("truncated").status().IsNotFound());
  good.CheckServed();
  CheckUnchanged(server, before);
}

TEST_CASE("a well-framed message that is not a valid Request gets a protocol error",
          "[robustness]") {
  TestServer server;
  Fill(server, 3, 0);
  const LedgerSnapshot before = Snapshot(server.ledger());
  GoodClient good(server);
  auto conn = HelloAs(server, "childprotection");
  // One segment: a root struct pointer 100 words past the end of its 2-word segment.
  Bytes bad = {0, 0, 0, 0, 2, 0, 0, 0};
  const uint64_t pointer = (uint64_t{100} << 2) | (uint64_t{2} << 32) | (uint64_t{2} << 48);
  for (int i = 0; i < 8; ++i) bad.push_back(static_cast<uint8_t>(pointer >> (8 * i)));
  bad.resize(bad.size() + 8, 0);
  REQUIRE(conn->Send(bad).ok());
  auto reply = conn->Receive();
  CHECK_THAT(ExpectError(reply, schema::ErrorCode::PROTOCOL_ERROR, 0),
             Catch::Contains("malformed"));
  CHECK(conn->WaitClosed(5000));
  good.CheckServed();
  CheckUnchanged(server, before);
}

TEST_CASE("an unknown operation gets unimplemented and the connection stays usable",
          "[robustness]") {
  TestServer server;
  Fill(server, 3, 0);
  const LedgerSnapshot before = Snapshot(server.ledger());
  auto cp = server.Connect("childprotection");
  // Find the union discriminant: the one byte where a status request and a goodbye request
  // (both Void members, 13 and 14) differ; patch it to a member this server does not know.
  Bytes status = ToBytes(StatusFrame(1000));
  capnp::MallocMessageBuilder goodbye_builder;
  auto goodbye = goodbye_builder.initRoot<schema::Request>();
  goodbye.setId(1000);
  goodbye.getBody().setGoodbye();
  Bytes other = ToBytes(server::EncodeFrame(goodbye_builder));
  REQUIRE(status.size() == other.size());
  size_t at = status.size();
  for (size_t i = 0; i < status.size(); ++i) {
    if (status[i] != other[i]) {
      REQUIRE(at == status.size());
      at = i;
    }
  }
  REQUIRE(at + 1 < status.size());
  REQUIRE(status[at] == static_cast<uint8_t>(schema::Request::Body::STATUS));
  status[at] = 0x34;
  status[at + 1] = 0x12;  // discriminant 0x1234
  REQUIRE(cp->SendRaw(status).ok());
  auto reply = cp->ReceiveFrame();
  CHECK_THAT(ExpectError(reply, schema::ErrorCode::UNIMPLEMENTED, 1000),
             Catch::Contains("4660"));
  // The same connection goes on.
  auto server_status = cp->GetServerStatus();
  REQUIRE(server_status.ok());
  TestEvents events;
  auto appended = cp->Append("after-unknown", ExpectedVersion::NoStream(),
                             events.MakeMany(1, CpEvent("after-unknown")));
  REQUIRE(appended.ok());
  CheckUnchanged(server, before);
}

TEST_CASE("protocol violations around hello get a protocol error and a closed connection",
          "[robustness]") {
  TestServer server;
  Fill(server, 3, 0);
  const LedgerSnapshot before = Snapshot(server.ledger());
  GoodClient good(server);
  SECTION("a request before hello") {
    auto conn = TlsAs(server, "police");
    REQUIRE(conn->Send(StatusFrame(9)).ok());
    auto reply = conn->Receive();
    CHECK_THAT(ExpectError(reply, schema::ErrorCode::PROTOCOL_ERROR, 9),
               Catch::Contains("first message must be hello"));
    CHECK(conn->WaitClosed(5000));
  }
  SECTION("hello twice") {
    auto conn = HelloAs(server, "police");
    REQUIRE(conn->Send(HelloFrame(2)).ok());
    auto reply = conn->Receive();
    CHECK_THAT(ExpectError(reply, schema::ErrorCode::PROTOCOL_ERROR, 2),
               Catch::Contains("already"));
    CHECK(conn->WaitClosed(5000));
  }
  SECTION("a protocol version this server does not speak") {
    auto conn = TlsAs(server, "police");
    REQUIRE(conn->Send(HelloFrame(3, 999)).ok());
    auto reply = conn->Receive();
    CHECK_THAT(ExpectError(reply, schema::ErrorCode::PROTOCOL_ERROR, 3),
               Catch::Contains("protocol version 999"));
    CHECK(conn->WaitClosed(5000));
  }
  good.CheckServed();
  CheckUnchanged(server, before);
}

// ---------------------------------------------------------------------------------------
// Certificates.

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
  REQUIRE(out.good());
}

// Writes `pem` as <dir>/<name>.pem and .key; returns client options using them.
server::ClientOptions OptionsWith(const TestServer& server, const testing::TempDir& dir,
                                  const std::string& name, const tools::PemKeyAndCert& pem) {
  WriteFile(dir.Sub(name + ".pem"), pem.cert_pem);
  WriteFile(dir.Sub(name + ".key"), pem.key_pem);
  server::ClientOptions options = server.ClientFor("police");
  options.cert_file = dir.Sub(name + ".pem");
  options.key_file = dir.Sub(name + ".key");
  options.timeout_seconds = 10;
  return options;
}

tools::PemKeyAndCert DevCa(const TestServer& server) {
  return {ReadFile(server.Cert("ca.key")), ReadFile(server.Cert("ca.pem"))};
}

TEST_CASE("bad client certificates are refused, the refusal reaches the client",
          "[robustness][tls]") {
  TestServer server;
  Fill(server, 3, 0);
  const LedgerSnapshot before = Snapshot(server.ledger());
  GoodClient good(server);
  testing::TempDir dir;
  tools::CertRequest request;
  request.common_name = "police";
  request.subject_alt_names = {"URI:caseledger://principal/police"};
  std::string expected;
  server::ClientOptions options;
  SECTION("no certificate at all") {
    options = server.ClientFor("police");
    options.cert_file.clear();
    options.key_file.clear();
    expected = "certificate required";
  }
  SECTION("an expired certificate from the right CA") {
    request.valid_from_offset_seconds = -3 * 86400;
    request.valid_seconds = 86400;
    auto pem = tools::IssueCertificate(DevCa(server), request);
    REQUIRE(pem.ok());
    options = OptionsWith(server, dir, "expired", *pem);
    expected = "expired";
  }
  SECTION("a certificate from a foreign CA") {
    auto foreign = tools::MakeCertificateAuthority("foreign CA", -3600, 86400);
    REQUIRE(foreign.ok());
    auto pem = tools::IssueCertificate(*foreign, request);
    REQUIRE(pem.ok());
    options = OptionsWith(server, dir, "foreign", *pem);
    expected = "unknown ca";
  }
  const double failures_before = Metric(server, "caseledger_handshake_failures_total");
  auto client = server::Client::Connect(options);
  REQUIRE_FALSE(client.ok());
  // Under TLS 1.3 the client's handshake completes; the server's alert arrives on its first
  // read. The server lingers after writing it, so the alert (not a reset) is what it reads.
  CHECK_THAT(client.status().message(), Catch::Contains(expected));
  CHECK(PollMetric(server, "caseledger_handshake_failures_total",
                   [&](double v) { return v > failures_before; }) > failures_before);
  good.CheckServed();
  CheckUnchanged(server, before);
}

TEST_CASE("a valid certificate that maps to no principal gets PermissionDenied to hello",
          "[robustness][tls]") {
  TestServer server;
  GoodClient good(server);
  testing::TempDir dir;
  tools::CertRequest request;
  request.common_name = "stranger";
  request.subject_alt_names = {"URI:caseledger://principal/stranger"};
  auto pem = tools::IssueCertificate(DevCa(server), request);
  REQUIRE(pem.ok());
  auto client = server::Client::Connect(OptionsWith(server, dir, "stranger", *pem));
  REQUIRE_FALSE(client.ok());
  CHECK(client.status().code() == Status::Code::kPermissionDenied);
  CHECK_THAT(client.status().message(), Catch::Contains("no configured principal"));
  good.CheckServed();
}

TEST_CASE("devPrincipal sent over TLS is refused", "[robustness][tls]") {
  TestServer server;
  GoodClient good(server);
  auto conn = TlsAs(server, "police");
  REQUIRE(conn->Send(HelloFrame(4, schema::PROTOCOL_VERSION, "oversight")).ok());
  auto reply = conn->Receive();
  CHECK_THAT(ExpectError(reply, schema::ErrorCode::PERMISSION_DENIED, 4),
             Catch::Contains("devPrincipal"));
  CHECK(conn->WaitClosed(5000));
  good.CheckServed();
}

// ---------------------------------------------------------------------------------------
// Slow, stalled and idle clients.

TEST_CASE("a message started and not finished is closed after the frame timeout",
          "[robustness][slow]") {
  TestServer server([](server::ServerConfig& c) { c.limits.frame_timeout_seconds = 1; });
  Fill(server, 3, 0);
  const LedgerSnapshot before = Snapshot(server.ledger());
  GoodClient good(server);
  auto conn = HelloAs(server, "childprotection");
  TestEvents events;
  Bytes frame = ToBytes(AppendFrame(5, "stalled", events.MakeMany(2, CpEvent("stalled"))));
  SECTION("three bytes of the first header word") { frame.resize(3); }
  SECTION("the header and half the body") { frame.resize(frame.size() / 2); }
  REQUIRE(conn->Send(frame).ok());
  auto reply = conn->Receive(10000);
  CHECK_THAT(ExpectError(reply, schema::ErrorCode::PROTOCOL_ERROR, 0),
             Catch::Contains("not finished within 1 s"));
  CHECK(conn->WaitClosed(5000));
  CHECK(server.ledger().GetStream("stalled").status().IsNotFound());
  good.CheckServed();
  CheckUnchanged(server, before);
}

TEST_CASE("an idle connection is closed by the watchdog with a reason", "[robustness][slow]") {
  TestServer server([](server::ServerConfig& c) { c.limits.idle_timeout_seconds = 1; });
  auto idle = server.Connect("police");
  // Wait, without a request, for what the server sends.
  auto reply = idle->ReceiveFrame();
  CHECK_THAT(ExpectError(reply, schema::ErrorCode::UNAVAILABLE, 0), Catch::Contains("idle"));
  CHECK_FALSE(idle->ReceiveFrame().ok());
  CHECK(PollMetric(server, "caseledger_connections", [](double v) { return v == 0; }) == 0);
  GoodClient good(server);
  good.CheckServed();
}

long ResidentKiB() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

// Sends `frame` repeatedly until the server stops taking bytes; returns how many were sent.
size_t FloodUntilStalled(RawConnection& conn, const Frame& frame, size_t max) {
  size_t sent = 0;
  while (sent < max && conn.Send(frame, /*stall_ms=*/1000).ok()) ++sent;
  return sent;
}

// The most a loopback TCP send buffer grows to (net.ipv4.tcp_wmem's maximum).
double SendBufferMax() {
  std::ifstream in("/proc/sys/net/ipv4/tcp_wmem");
  double min = 0, initial = 0, max = 4 << 20;
  in >> min >> initial >> max;
  return max;
}

TEST_CASE("a client that never reads its replies is cut off, memory stays bounded",
          "[robustness][slow]") {
  constexpr uint32_t kInflight = 4;
  constexpr size_t kOutbound = 64 << 10;
  TestServer server([&](server::ServerConfig& c) {
    c.limits.max_inflight_requests = kInflight;
    c.limits.max_outbound_bytes = kOutbound;
    c.limits.write_timeout_seconds = 2;
  });
  // 50 events of 2 KiB: each readLog reply below carries about 100 KiB.
  constexpr size_t kReplyEvents = 50, kEventBytes = 2048;
  Fill(server, kReplyEvents, kEventBytes);
  const LedgerSnapshot before = Snapshot(server.ledger());
  GoodClient good(server);
  const long rss_before = ResidentKiB();

  auto flood = RawConnection::Open(server.port(), /*receive_buffer=*/16 << 10);
  REQUIRE(flood != nullptr);
  REQUIRE(flood->StartTls(server.Cert("ca.pem"), server.Cert("oversight.pem"),
                          server.Cert("oversight.key"))
              .ok());
  REQUIRE(flood->Send(HelloFrame(1)).ok());
  // Hello's reply stays unread, as every reply after it. Unbounded, a server that read all
  // these would hold 5000 replies of 100 KiB.
  const size_t kRequests = 5000;
  const size_t sent =
      FloodUntilStalled(*flood, ReadLogFrame(2, 0, kReplyEvents), kRequests);
  // (The kernel's buffers hold many of these small requests; the sender need not stall.)
  const double read_requests = RequestsRead(server, "readLog", schema::Request::Body::READ_LOG);
  // Read: the in-flight limit, plus the replies that fit in the outbound queue and in the
  // kernel's buffers (the server's send buffer, the client's 16 KiB receive buffer).
  const double reply_bytes = kReplyEvents * kEventBytes;
  const double bound = kInflight + 2 + (SendBufferMax() + kOutbound + (64 << 10)) / reply_bytes;
  INFO("requests read " << read_requests << " of " << sent << " sent; bound " << bound);
  CHECK(read_requests > 0);
  CHECK(read_requests <= bound);
  const long rss_grown_mib = (ResidentKiB() - rss_before) / 1024;
  INFO("resident memory grew by " << rss_grown_mib << " MiB");
  CHECK(rss_grown_mib < 64);

  // Others are served meanwhile.
  good.CheckServed();
  // The stalled connection is closed once a write has waited write_timeout_seconds.
  CHECK(PollMetric(server, "caseledger_connections", [](double v) { return v == 1; }) == 1);
  CHECK(flood->WaitClosed(10000));
  good.CheckServed();
  CheckUnchanged(server, before);
}

TEST_CASE("a subscriber with big credit that never reads is cut off, memory stays bounded",
          "[robustness][slow]") {
  constexpr size_t kOutbound = 64 << 10;
  TestServer server([&](server::ServerConfig& c) {
    c.limits.max_outbound_bytes = kOutbound;
    c.limits.write_timeout_seconds = 2;
  });
  // 3000 events of 4 KiB: 12 MiB, three times what a loopback send buffer holds.
  constexpr size_t kEvents = 3000, kEventBytes = 4096;
  Fill(server, kEvents, kEventBytes);
  const LedgerSnapshot before = Snapshot(server.ledger());
  GoodClient good(server);
  auto sub = RawConnection::Open(server.port(), /*receive_buffer=*/16 << 10);
  REQUIRE(sub != nullptr);
  REQUIRE(sub->StartTls(server.Cert("ca.pem"), server.Cert("oversight.pem"),
                        server.Cert("oversight.key"))
              .ok());
  REQUIRE(sub->Send(HelloFrame(1)).ok());
  REQUIRE(sub->Send(SubscribeFrame(2, 10000)).ok());
  // The subscription sends until the socket and the outbound queue are full, then waits.
  double sent = 0, last = -1;
  const auto deadline = Clock::now() + std::chrono::seconds(5);
  while (Clock::now() < deadline) {
    sent = Metric(server, "caseledger_subscription_events_total");
    if (sent > 0 && sent == last) break;
    last = sent;
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
  }
  // Bounded by the kernel's buffers (the server's send buffer, the client's 16 KiB receive
  // buffer) and the outbound limit, in events; far from all 3000.
  const double bound = (SendBufferMax() + 2 * kOutbound + (1 << 20)) / kEventBytes;
  INFO("events sent to the stalled subscriber: " << sent);
  CHECK(sent > 0);
  CHECK(sent < bound);
  REQUIRE(bound < kEvents);
  good.CheckServed();
  CHECK(PollMetric(server, "caseledger_connections", [](double v) { return v == 1; }) == 1);
  CHECK(PollMetric(server, "caseledger_subscribers", [](double v) { return v == 0; }) == 0);
  CHECK(sub->WaitClosed(10000));
  good.CheckServed();
  CheckUnchanged(server, before);
}

// ---------------------------------------------------------------------------------------
// Shutdown and subscriptions, as the session sees them.

TEST_CASE("a shutdown lets replies being written finish, whole", "[robustness][shutdown]") {
  // The outbound queue may hold every reply: flow control is not what this test is about.
  auto server = std::make_unique<TestServer>(
      [](server::ServerConfig& c) { c.limits.max_outbound_bytes = 64 << 20; });
  // 400 events of 2 KiB: each readLog reply below is about 800 KiB, and 12 of them are more
  // than the kernel's buffers hold while the client does not read.
  constexpr uint32_t kEvents = 400;
  Fill(*server, kEvents, 2048);
  auto reader = RawConnection::Open(server->port(), /*receive_buffer=*/16 << 10);
  REQUIRE(reader != nullptr);
  REQUIRE(reader->StartTls(server->Cert("ca.pem"), server->Cert("oversight.pem"),
                           server->Cert("oversight.key"))
              .ok());
  REQUIRE(reader->Send(HelloFrame(1)).ok());
  constexpr int kReads = 12;
  for (int i = 0; i < kReads; ++i) REQUIRE(reader->Send(ReadLogFrame(10 + i, 0, kEvents)).ok());
  // Every read is handled (its access record written) before the shutdown begins, so each
  // must be answered; the writer is then in the middle of the replies.
  REQUIRE(PollMetric(*server, "caseledger_access_events_total",
                   [&](double v) { return v >= kReads; }) >= kReads);
  std::jthread stopper([&] { server->Shutdown(); });
  auto hello = reader->Receive();
  REQUIRE(hello.ok());
  for (int i = 0; i < kReads; ++i) {
    auto reply = reader->Receive(20000);
    INFO("reply " << i);
    REQUIRE(reply.ok());
    auto root = GetRoot<schema::Response>(**reply);
    REQUIRE(root.ok());
    CHECK(root->getId() == static_cast<uint64_t>(10 + i));
    REQUIRE(root->getBody().isRead());
    CHECK(root->getBody().getRead().getEvents().size() == kEvents);
  }
  // Then a clean end: close_notify, not a reset.
  CHECK(reader->WaitClosed(10000));
  CHECK(reader->end_reason() == "close_notify");
}

TEST_CASE("a subscription ended and started again at once sends every event once",
          "[robustness][subscription]") {
  TestServer server;
  auto cp = server.Connect("childprotection");
  TestEvents events;
  REQUIRE(cp->Append("sub-race", ExpectedVersion::Any(), events.MakeMany(3, CpEvent("sub-race")))
              .ok());
  auto sub = HelloAs(server, "oversight");
  REQUIRE(sub->Send(SubscribeFrame(2, 1000)).ok());
  // Catch up to the live end (the subscription's own access records grow the log a little).
  uint64_t next = 0;
  bool live = false;
  while (!live) {
    auto frame = sub->Receive();
    REQUIRE(frame.ok());
    auto root = GetRoot<schema::Response>(**frame);
    REQUIRE(root.ok());
    REQUIRE(root->getBody().isSubscription());
    next = root->getBody().getSubscription().getNext();
    live = root->getBody().getSubscription().getLive() && next >= server.ledger().size();
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // the loop waits for growth
  // Unsubscribe and subscribe again, in one write: both are read before the first loop wakes.
  capnp::MallocMessageBuilder unsub_builder;
  auto unsub = unsub_builder.initRoot<schema::Request>();
  unsub.setId(3);
  unsub.getBody().setUnsubscribe();
  Bytes both = ToBytes(server::EncodeFrame(unsub_builder));
  capnp::MallocMessageBuilder resub_builder;
  auto resub = resub_builder.initRoot<schema::Request>();
  resub.setId(4);
  resub.setPurpose("robustness test");
  auto body = resub.getBody().initSubscribe();
  body.setCredit(1000);
  Bytes second = ToBytes(server::EncodeFrame(resub_builder));
  both.insert(both.end(), second.begin(), second.end());
  REQUIRE(sub->Send(both).ok());
  {
    auto frame = sub->Receive();  // the unsubscribe's reply
    REQUIRE(frame.ok());
    auto root = GetRoot<schema::Response>(**frame);
    REQUIRE(root.ok());
    REQUIRE(root->getId() == 3);
  }
  for (int i = 0; i < 4; ++i) {
    REQUIRE(cp->Append("sub-race", ExpectedVersion::Any(), events.MakeMany(2, CpEvent("sub-race")))
                .ok());
  }
  // The second subscription replays the log from 0: every position once, in order, until the
  // log is quiet.
  std::vector<uint64_t> positions;
  while (true) {
    auto frame = sub->Receive(1500);
    if (!frame.ok()) break;
    auto root = GetRoot<schema::Response>(**frame);
    REQUIRE(root.ok());
    REQUIRE(root->getId() == 4);
    REQUIRE(root->getBody().isSubscription());
    for (auto e : root->getBody().getSubscription().getEvents()) {
      positions.push_back(e.getGlobalPosition());
    }
  }
  REQUIRE_FALSE(positions.empty());
  CHECK(positions.front() == 0);
  for (size_t i = 1; i < positions.size(); ++i) {
    INFO("index " << i);
    REQUIRE(positions[i] == positions[i - 1] + 1);
  }
  CHECK(positions.back() + 1 == server.ledger().size());
}

// ---------------------------------------------------------------------------------------
// Many connections.

// Raises the soft limit on open files to the hard limit; returns the limit in force.
rlim_t RaiseOpenFileLimit() {
  rlimit limit{};
  REQUIRE(::getrlimit(RLIMIT_NOFILE, &limit) == 0);
  limit.rlim_cur = limit.rlim_max;
  ::setrlimit(RLIMIT_NOFILE, &limit);
  REQUIRE(::getrlimit(RLIMIT_NOFILE, &limit) == 0);
  return limit.rlim_cur;
}

TEST_CASE("thousands of idle TCP connections: others served, extra refused, all timed out",
          "[robustness][many]") {
  const rlim_t files = RaiseOpenFileLimit();
  // Each connection costs two descriptors in this process (client and server side).
  const size_t idle_count = std::min<size_t>(2000, (files - 256) / 2 - 64);
  if (idle_count < 2000) WARN("open-file limit " << files << ": " << idle_count << " connections");
  REQUIRE(idle_count >= 100);
  constexpr size_t kExtra = 20;
  TestServer server([&](server::ServerConfig& c) {
    c.limits.handshake_timeout_seconds = 3;
    c.limits.max_connections = idle_count + 1;  // the idle ones and the good client
  });
  Fill(server, 3, 0);
  const LedgerSnapshot before = Snapshot(server.ledger());
  GoodClient good(server);

  std::vector<std::unique_ptr<RawConnection>> idle;
  idle.reserve(idle_count);
  for (size_t i = 0; i < idle_count; ++i) {
    auto conn = RawConnection::Open(server.port());
    REQUIRE(conn != nullptr);
    idle.push_back(std::move(conn));
  }
  CHECK(PollMetric(server, "caseledger_connections",
                   [&](double v) { return v == idle_count + 1; }) == idle_count + 1);
  // The TLS client appends and reads as usual among them.
  good.CheckServed();
  good.CheckServed();

  // Past max_connections: accepted and closed at once, and counted.
  std::vector<std::unique_ptr<RawConnection>> extra;
  for (size_t i = 0; i < kExtra; ++i) {
    auto conn = RawConnection::Open(server.port());
    REQUIRE(conn != nullptr);
    extra.push_back(std::move(conn));
  }
  CHECK(PollMetric(server, "caseledger_connections_refused_total",
                   [&](double v) { return v == kExtra; }) == kExtra);
  for (auto& conn : extra) CHECK(conn->WaitClosed(2000));

  // The handshake timeout closes every idle one; the good client stays.
  CHECK(PollMetric(server, "caseledger_connections", [](double v) { return v == 1; },
                   15000) == 1);
  size_t closed = 0;
  for (auto& conn : idle) closed += conn->WaitClosed(2000) ? 1 : 0;
  CHECK(closed == idle_count);
  good.CheckServed();
  CheckUnchanged(server, before);
}

// ---------------------------------------------------------------------------------------
// Plain TCP development mode.

TEST_CASE("plain TCP is refused on a non-loopback address", "[robustness][plain]") {
  server::ServerConfig config;
  config.data_dir = "/nonexistent";
  config.plain_tcp = true;
  for (const char* listen : {"0.0.0.0:7450", "192.0.2.10:7450", "[::]:7450", "example.org:7450"}) {
    config.listen = listen;
    Status s = server::ValidateConfig(config);
    INFO(listen);
    CHECK(s.IsInvalidArgument());
    CHECK_THAT(s.message(), Catch::Contains("loopback"));
  }
  for (const char* listen : {"127.0.0.1:0", "[::1]:0", "localhost:0"}) {
    config.listen = listen;
    INFO(listen);
    CHECK(server::ValidateConfig(config).ok());
  }
  // The server refuses to start with it, before binding anything.
  testing::TempDir dir;
  LedgerOptions options;
  options.data_dir = dir.Sub("data");
  auto ledger = Ledger::Open(options);
  REQUIRE(ledger.ok());
  config.data_dir = options.data_dir;
  config.listen = "0.0.0.0:0";
  auto refused = server::Server::Create(config, **ledger, nullptr);
  REQUIRE_FALSE(refused.ok());
  CHECK_THAT(refused.status().message(), Catch::Contains("loopback"));
}

TEST_CASE("plain TCP on loopback serves with a loud warning in the log", "[robustness][plain]") {
  std::ostringstream log;
  auto logger = std::make_shared<spdlog::logger>(
      "plain", std::make_shared<spdlog::sinks::ostream_sink_mt>(log));
  testing::TempDir dir;
  tools::DevCertOptions cert_options;
  cert_options.out_dir = dir.Sub("certs");
  REQUIRE(tools::MakeDevCertificates(cert_options).ok());
  auto config = server::LoadConfig(dir.Sub("certs/caseledgerd.toml"));
  REQUIRE(config.ok());
  config->plain_tcp = true;
  config->listen = "127.0.0.1:0";
  config->metrics_listen.clear();
  config->data_dir = dir.Sub("data");
  config->threads = 2;
  LedgerOptions options;
  options.data_dir = config->data_dir;
  auto ledger = Ledger::Open(options);
  REQUIRE(ledger.ok());
  auto created = server::Server::Create(*config, **ledger, logger);
  REQUIRE(created.ok());
  server::Server& srv = **created;
  std::thread runner([&] { srv.Run(false, 5); });
  {
    server::ClientOptions client_options;
    client_options.server = "127.0.0.1:" + std::to_string(srv.port());
    client_options.plain_tcp = true;
    client_options.dev_principal = "childprotection";
    client_options.timeout_seconds = 10;
    auto client = server::Client::Connect(client_options);
    REQUIRE(client.ok());
    TestEvents events;
    auto appended = (*client)->Append("plain-case", ExpectedVersion::NoStream(),
                                      events.MakeMany(2, CpEvent("plain-case")));
    REQUIRE(appended.ok());
    auto page = (*client)->ReadStream("plain-case", 0, 0, "check");
    REQUIRE(page.ok());
    CHECK(page->events.size() == 2);
    // A principal that is not configured is refused.
    client_options.dev_principal = "nobody";
    auto nobody = server::Client::Connect(client_options);
    REQUIRE_FALSE(nobody.ok());
    CHECK(nobody.status().code() == Status::Code::kPermissionDenied);
  }
  srv.Shutdown();
  runner.join();
  logger->flush();
  CHECK_THAT(log.str(), Catch::Contains("PLAIN TCP DEVELOPMENT MODE"));
  CHECK_THAT(log.str(), Catch::Contains("Never use this with real data"));
}

}  // namespace
}  // namespace caseledger
