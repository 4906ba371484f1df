// Connection-level attacks of tools/hostile_client_attacks.h: floods, slow writers, garbage and
// absurd frames. The request-level ones (replays, other agencies' cases) are in
// hostile_client_requests.cc.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <capnp/schema.h>

#include <chrono>
#include <cstring>
#include <random>
#include <thread>

#include "server/frame_codec.h"
#include "tools/bench_util.h"
#include "tools/hostile_client_attacks.h"
#include "tools/hostile_client_internal.h"

namespace caseledger::bench {

void AttackReport::Violation(const std::string& what) {
  // Thousands of one kind say no more than the first few.
  if (violations.size() < 20) violations.push_back(what);
}

// ---------------------------------------------------------------------------------------------
// Helpers (hostile_client_internal.h).

int DialTcp(const AttackTarget& t, std::string* error) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) {
    *error = std::string("socket: ") + std::strerror(errno);
    return -1;
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(t.port);
  ::inet_pton(AF_INET, t.host.c_str(), &addr.sin_addr);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    *error = std::string("connect: ") + std::strerror(errno);
    ::close(fd);
    return -1;
  }
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  return fd;
}

bool PeerClosed(int fd, int wait_ms) {
  const int64_t deadline = NowNanos() + static_cast<int64_t>(wait_ms) * 1'000'000;
  while (true) {
    pollfd p{fd, POLLIN | POLLRDHUP, 0};
    const int64_t left_ms = std::max<int64_t>(0, (deadline - NowNanos()) / 1'000'000);
    if (::poll(&p, 1, static_cast<int>(left_ms)) <= 0) return false;
    char buf[4096];
    // Whatever the server sent (a TLS alert, say) is read and dropped; the end is what counts.
    const ssize_t n = ::recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
    if (n == 0) return true;
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) return true;
    if (NowNanos() >= deadline) return false;
  }
}

bool SendAll(int fd, const void* data, size_t size) {
  const auto* p = static_cast<const uint8_t*>(data);
  while (size > 0) {
    const ssize_t n = ::send(fd, p, size, MSG_NOSIGNAL);
    if (n <= 0) return false;
    p += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

std::string ErrorCodeName(schema::ErrorCode code) {
  auto enumerants = capnp::Schema::from<schema::ErrorCode>().getEnumerants();
  const auto i = static_cast<uint16_t>(code);
  return i < enumerants.size() ? enumerants[i].getProto().getName().cStr() : "code " + std::to_string(i);
}

std::string ReadOutcome(server::Client& client) {
  auto frame = client.ReceiveFrame();
  if (!frame.ok()) return "closed without a reply";
  auto root = server::GetRoot<schema::Response>(**frame);
  if (!root.ok()) return "unreadable reply";
  if (!root->getBody().isError()) return "success reply";
  return ErrorCodeName(root->getBody().getError().getCode()) + " reply";
}

std::string CodeOf(const Status& s) {
  return s.ok() ? "ok" : std::string(StatusCodeName(s.code()));
}

std::vector<uint8_t> FrameHeader(uint32_t segments_minus_one, uint32_t words) {
  std::vector<uint8_t> h(8);
  for (int i = 0; i < 4; ++i) {
    h[i] = static_cast<uint8_t>(segments_minus_one >> (8 * i));
    h[4 + i] = static_cast<uint8_t>(words >> (8 * i));
  }
  return h;
}

void Pause(const StopFlag& stop, int millis) {
  const int64_t until = NowNanos() + static_cast<int64_t>(millis) * 1'000'000;
  while (!stop.load() && NowNanos() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(std::min(millis, 20)));
  }
}

// ---------------------------------------------------------------------------------------------
// Attacks.

AttackReport Flood(const AttackTarget& t, const StopFlag& stop, size_t connections) {
  AttackReport r;
  r.name = "flood";
  std::vector<int> fds;
  std::string error;
  for (size_t i = 0; i < connections && !stop.load(); ++i) {
    const int fd = DialTcp(t, &error);
    if (fd < 0) {
      r.Count("could not connect (" + error + ")");
      continue;
    }
    ++r.connections;
    fds.push_back(fd);
  }
  // The server closes a connection over its limit as soon as it accepts it.
  Pause(stop, 1000);
  std::vector<bool> closed(fds.size(), false);
  size_t open = 0;
  for (size_t i = 0; i < fds.size(); ++i) {
    closed[i] = PeerClosed(fds[i], 0);
    if (closed[i]) {
      r.Count("closed by the server at once (over max_connections)");
    } else {
      ++open;
    }
  }
  if (open > t.max_connections) {
    r.Violation(std::to_string(open) + " connections held open, more than max_connections " +
                std::to_string(t.max_connections));
  }
  if (fds.size() > t.max_connections && open == fds.size()) {
    r.Violation("no connection refused although " + std::to_string(fds.size()) +
                " exceed max_connections");
  }
  while (!stop.load()) Pause(stop, 200);
  for (size_t i = 0; i < fds.size(); ++i) {
    if (!closed[i]) {
      r.Count(PeerClosed(fds[i], 0) ? "held, then closed by the server (handshake timeout)"
                                    : "still open when the attack ended");
    }
    ::close(fds[i]);
  }
  return r;
}

namespace {

struct SlowConnection {
  int fd = -1;                             // plain TCP (stalled handshake)
  std::unique_ptr<server::Client> client;  // TLS (stalled frame)
  std::vector<uint8_t> bytes;              // what it trickles
  size_t sent = 0;
  int64_t opened = 0;  // when the first byte went out: the timeouts count from there
  int64_t closed = 0;  // 0 while open
};

// One more byte; false when the server has closed the connection.
bool TrickleOne(SlowConnection& c) {
  const uint8_t b = c.bytes[c.sent % c.bytes.size()];
  if (c.fd >= 0) {
    if (PeerClosed(c.fd, 0)) return false;
    if (!SendAll(c.fd, &b, 1)) return false;
  } else if (!c.client->SendRaw(std::span<const uint8_t>(&b, 1)).ok()) {
    return false;
  }
  if (c.sent++ == 0) c.opened = NowNanos();
  return true;
}

}  // namespace

AttackReport Slowloris(const AttackTarget& t, const StopFlag& stop, size_t connections) {
  AttackReport r;
  r.name = "slowloris";
  std::vector<SlowConnection> conns;
  std::string error;
  // A TLS handshake record header announcing 512 bytes, then filler: the server's TLS layer
  // waits for the rest of the record.
  const std::vector<uint8_t> hello = {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03};
  for (size_t i = 0; i < connections / 2 && !stop.load(); ++i) {
    SlowConnection c;
    c.fd = DialTcp(t, &error);
    if (c.fd < 0) {
      r.Count("could not connect (" + error + ")");
      continue;
    }
    ++r.connections;
    c.bytes = hello;
    conns.push_back(std::move(c));
  }
  // A message of max_message_bytes announced, then trickled.
  std::vector<uint8_t> frame = FrameHeader(0, static_cast<uint32_t>(t.max_message_bytes / 8 - 1));
  frame.resize(4096, 0);
  for (size_t i = 0; i < connections - connections / 2 && !stop.load(); ++i) {
    auto client = server::Client::Connect(t.client_for("childprotection"));
    if (!client.ok()) {
      r.Count("could not connect (" + client.status().ToString() + ")");
      Pause(stop, 100);
      continue;
    }
    ++r.connections;
    SlowConnection c;
    c.client = std::move(*client);
    c.bytes = frame;
    conns.push_back(std::move(c));
  }
  size_t open = conns.size();
  while (!stop.load() && open > 0) {
    for (auto& c : conns) {
      if (c.closed == 0 && !TrickleOne(c)) {
        c.closed = NowNanos();
        --open;
      }
    }
    Pause(stop, 500);
  }
  const int64_t now = NowNanos();
  for (auto& c : conns) {
    const bool tls = c.fd < 0;
    const int limit = tls ? t.frame_timeout_seconds : t.handshake_timeout_seconds;
    const char* kind = tls ? "stalled frame" : "stalled handshake";
    if (c.sent == 0) {
      r.Count(std::string(kind) + ": closed before its first byte");
    } else if (c.closed == 0) {
      const double held = (now - c.opened) / 1e9;
      r.Count(std::string(kind) + ": still open when the attack ended");
      if (held > limit + 3) {
        r.Violation(std::string(kind) + " held " + std::to_string(static_cast<int>(held)) +
                    " s, past its " + std::to_string(limit) + " s timeout");
      }
    } else {
      const double after = (c.closed - c.opened) / 1e9;
      r.Count(std::string(kind) + ": closed by the server after " +
              (after <= limit + 3 ? "<= timeout + 3 s" : "MORE than timeout + 3 s"));
      if (after > limit + 3) {
        r.Violation(std::string(kind) + " closed only after " + std::to_string(after) + " s");
      }
    }
    if (c.fd >= 0) ::close(c.fd);
  }
  return r;
}

AttackReport Garbage(const AttackTarget& t, const StopFlag& stop, uint64_t seed) {
  AttackReport r;
  r.name = "garbage";
  std::mt19937_64 rng(seed);
  std::string error;
  for (uint64_t n = 0; !stop.load(); ++n) {
    std::vector<uint8_t> bytes(1024);
    for (auto& b : bytes) b = static_cast<uint8_t>(rng());
    std::memcpy(bytes.data() + 100, t.marker.data(), std::min<size_t>(t.marker.size(), 900));
    if (n % 2 == 0) {
      const int fd = DialTcp(t, &error);
      if (fd < 0) {
        r.Count("could not connect (" + error + ")");
        Pause(stop, 100);
        continue;
      }
      ++r.connections;
      SendAll(fd, bytes.data(), bytes.size());
      const bool closed = PeerClosed(fd, (t.handshake_timeout_seconds + 3) * 1000);
      r.Count(closed ? "before TLS: closed by the server" : "before TLS: still open");
      if (!closed) r.Violation("random bytes before TLS: connection not closed in time");
      ::close(fd);
    } else {
      auto client = server::Client::Connect(t.client_for("childprotection"));
      if (!client.ok()) {
        r.Count("could not connect (" + client.status().ToString() + ")");
        continue;
      }
      ++r.connections;
      (void)(*client)->SendRaw(bytes);
      const std::string outcome = ReadOutcome(**client);
      r.Count("after hello: " + outcome);
      if (outcome == "success reply") r.Violation("random bytes after hello answered with success");
    }
    Pause(stop, 50);
  }
  return r;
}

namespace {

// A message whose single segment is `words` (little-endian 64-bit values), framed.
std::vector<uint8_t> OneSegment(const std::vector<uint64_t>& words) {
  std::vector<uint8_t> out = FrameHeader(0, static_cast<uint32_t>(words.size()));
  for (uint64_t w : words) {
    for (int i = 0; i < 8; ++i) out.push_back(static_cast<uint8_t>(w >> (8 * i)));
  }
  return out;
}

// A struct pointer: offset (words after the pointer), data words, pointer count.
uint64_t StructPointer(int32_t offset, uint16_t data, uint16_t pointers) {
  return (static_cast<uint64_t>(static_cast<uint32_t>(offset) << 2)) |
         (static_cast<uint64_t>(data) << 32) | (static_cast<uint64_t>(pointers) << 48);
}

// Text of the marker, as words, so it sits in the frame's bytes.
void AppendText(std::vector<uint64_t>* words, const std::string& text) {
  for (size_t i = 0; i < text.size(); i += 8) {
    uint64_t w = 0;
    std::memcpy(&w, text.data() + i, std::min<size_t>(8, text.size() - i));
    words->push_back(w);
  }
}

struct AbsurdCase {
  std::string name;
  std::vector<uint8_t> bytes;
  bool must_close;  // the framing itself is refused: an error reply, then the close
};

std::vector<AbsurdCase> AbsurdCases(const AttackTarget& t) {
  std::vector<AbsurdCase> cases;
  cases.push_back({"length prefix 2^32-1", FrameHeader(0, 0xffffffffu), true});
  cases.push_back({"2^32 segments", FrameHeader(0xffffffffu, 1), true});
  cases.push_back({"one word over the limit",
                   FrameHeader(0, static_cast<uint32_t>(t.max_message_bytes / 8)), true});
  // Each struct's one pointer points at the next word: nesting 20,000 deep.
  std::vector<uint64_t> deep;
  for (int i = 0; i < 20000; ++i) deep.push_back(StructPointer(0, 0, 1));
  deep.push_back(0);
  AppendText(&deep, t.marker);
  cases.push_back({"pointers nested 20,000 deep", OneSegment(deep), false});
  // Root: a struct with one pointer, a list of 2^29-1 eight-byte elements.
  std::vector<uint64_t> list = {StructPointer(0, 0, 1),
                                1 | (static_cast<uint64_t>(5) << 32) | (0x1fffffffULL << 35)};
  AppendText(&list, t.marker);
  cases.push_back({"list pointer of 2^29 words", OneSegment(list), false});
  // Root: a far pointer into segment 7 of a one-segment message.
  std::vector<uint64_t> far = {2 | (static_cast<uint64_t>(7) << 32)};
  AppendText(&far, t.marker);
  cases.push_back({"far pointer to a missing segment", OneSegment(far), false});
  // A whole message of the largest size allowed, all zeros (a null root).
  std::vector<uint8_t> full = FrameHeader(0, static_cast<uint32_t>(t.max_message_bytes / 8 - 1));
  full.resize(t.max_message_bytes, 0);
  cases.push_back({"max-size frame of zeros", std::move(full), false});
  return cases;
}

}  // namespace

AttackReport Absurd(const AttackTarget& t, const StopFlag& stop) {
  AttackReport r;
  r.name = "absurd";
  const std::vector<AbsurdCase> cases = AbsurdCases(t);
  for (size_t n = 0; !stop.load(); ++n) {
    const AbsurdCase& c = cases[n % cases.size()];
    auto client = server::Client::Connect(t.client_for("childprotection"));
    if (!client.ok()) {
      r.Count("could not connect (" + client.status().ToString() + ")");
      Pause(stop, 100);
      continue;
    }
    ++r.connections;
    (void)(*client)->SendRaw(c.bytes);
    const std::string outcome = ReadOutcome(**client);
    r.Count(c.name + ": " + outcome);
    if (outcome == "success reply") r.Violation(c.name + " answered with success");
    if (c.must_close && outcome != "protocolError reply") {
      r.Violation(c.name + ": expected a protocolError reply, got " + outcome);
    }
    Pause(stop, 50);
  }
  return r;
}

}  // namespace caseledger::bench
