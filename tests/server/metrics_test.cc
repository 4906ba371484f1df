// The metrics endpoint, end to end: an HTTP GET of /metrics on the metrics port returns the
// Prometheus text format (version 0.0.4) with the figures the issue names.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cmath>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "server/client.h"
#include "tests/support/test_events.h"
#include "tests/support/test_server.h"

namespace caseledger {
namespace {

using schema::AgencyRole;
using testing::EventSpec;
using testing::TestEvents;
using testing::TestServer;

struct HttpReply {
  int status = 0;
  std::string headers;
  std::string body;
};

// One HTTP/1.1 exchange over a plain socket: sends `request_line` and reads to EOF.
HttpReply HttpExchange(uint16_t port, const std::string& request_line) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool connected = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  std::string raw;
  if (connected) {
    const std::string request =
        request_line + "\r\nHost: 127.0.0.1\r\nUser-Agent: caseledger-test\r\n\r\n";
    if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) ==
        static_cast<ssize_t>(request.size())) {
      char buf[8192];
      ssize_t n;
      while ((n = ::recv(fd, buf, sizeof buf, 0)) > 0) raw.append(buf, static_cast<size_t>(n));
    }
  }
  ::close(fd);
  REQUIRE(connected);
  HttpReply reply;
  const size_t end = raw.find("\r\n\r\n");
  REQUIRE(end != std::string::npos);
  reply.headers = raw.substr(0, end);
  reply.body = raw.substr(end + 4);
  std::smatch m;
  static const std::regex kStatus("^HTTP/1\\.[01] ([0-9]{3}) ");
  REQUIRE(std::regex_search(reply.headers, m, kStatus));
  reply.status = std::stoi(m[1]);
  return reply;
}

std::string Scrape(const TestServer& server) {
  auto reply = HttpExchange(server.metrics_port(), "GET /metrics HTTP/1.1");
  REQUIRE(reply.status == 200);
  CHECK(reply.headers.find("text/plain; version=0.0.4") != std::string::npos);
  return reply.body;
}

// -- A checker of the Prometheus text exposition format (0.0.4) ------------------------------

struct Sample {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
};

struct Exposition {
  std::map<std::string, std::string> types;  // family -> counter, gauge, histogram, ...
  std::vector<Sample> samples;
  std::vector<std::string> problems;

  // The value of the series `name` with exactly these labels; NaN when absent.
  double Get(const std::string& name, const std::map<std::string, std::string>& labels = {}) const {
    for (const Sample& s : samples) {
      if (s.name == name && s.labels == labels) return s.value;
    }
    return std::nan("");
  }
};

// The family a sample belongs to: histograms own name_bucket, name_sum and name_count.
std::string FamilyOf(const std::string& sample, const std::map<std::string, std::string>& types) {
  if (types.count(sample)) return sample;
  for (const char* suffix : {"_bucket", "_sum", "_count"}) {
    const std::string s(suffix);
    if (sample.size() > s.size() && sample.compare(sample.size() - s.size(), s.size(), s) == 0) {
      const std::string base = sample.substr(0, sample.size() - s.size());
      auto it = types.find(base);
      if (it != types.end() && (it->second == "histogram" || it->second == "summary")) return base;
    }
  }
  return {};
}

Exposition Parse(const std::string& text) {
  Exposition out;
  static const std::regex kName("[a-zA-Z_:][a-zA-Z0-9_:]*");
  static const std::regex kHelp("# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)");
  static const std::regex kType("# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) "
                                "(counter|gauge|histogram|summary|untyped)");
  static const std::regex kSample("([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(.*)\\})? (\\S+)");
  static const std::regex kLabel("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\\\n]|\\\\[\\\\\"n])*)\"");
  if (text.empty() || text.back() != '\n') out.problems.push_back("does not end with a newline");
  std::set<std::string> helped, series, finished_families;
  std::string current_family;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    std::smatch m;
    if (line.empty()) continue;
    if (line.rfind("# HELP ", 0) == 0) {
      if (!std::regex_match(line, m, kHelp)) {
        out.problems.push_back("bad HELP line: " + line);
      } else if (!helped.insert(m[1]).second) {
        out.problems.push_back("second HELP for " + m[1].str());
      }
      continue;
    }
    if (line.rfind("# TYPE ", 0) == 0) {
      if (!std::regex_match(line, m, kType)) {
        out.problems.push_back("bad TYPE line: " + line);
        continue;
      }
      const std::string family = m[1];
      if (out.types.count(family)) out.problems.push_back("second TYPE for " + family);
      if (finished_families.count(family) || current_family == family) {
        out.problems.push_back("TYPE of " + family + " after its samples");
      }
      out.types[family] = m[2];
      continue;
    }
    if (line[0] == '#') continue;  // a plain comment
    if (!std::regex_match(line, m, kSample)) {
      out.problems.push_back("bad sample line: " + line);
      continue;
    }
    Sample sample;
    sample.name = m[1];
    const std::string labels = m[3];
    std::string rest = labels;
    std::smatch lm;
    while (!rest.empty()) {
      if (!std::regex_search(rest, lm, kLabel) || lm.position(0) != 0) {
        out.problems.push_back("bad labels: " + line);
        break;
      }
      if (!sample.labels.emplace(lm[1], lm[2]).second) {
        out.problems.push_back("repeated label in " + line);
      }
      rest = lm.suffix();
      if (!rest.empty()) {
        if (rest[0] != ',') {
          out.problems.push_back("bad labels: " + line);
          break;
        }
        rest.erase(0, 1);
      }
    }
    const std::string value = m[4];
    if (value == "+Inf") {
      sample.value = INFINITY;
    } else if (value == "-Inf") {
      sample.value = -INFINITY;
    } else if (value == "NaN") {
      sample.value = std::nan("");
    } else {
      try {
        size_t used = 0;
        sample.value = std::stod(value, &used);
        if (used != value.size()) out.problems.push_back("bad value: " + line);
      } catch (const std::exception&) {
        out.problems.push_back("bad value: " + line);
      }
    }
    const std::string family = FamilyOf(sample.name, out.types);
    if (family.empty()) {
      out.problems.push_back("sample without a TYPE: " + line);
    } else {
      if (!helped.count(family)) out.problems.push_back("no HELP for " + family);
      if (family != current_family) {
        if (finished_families.count(family)) {
          out.problems.push_back("samples of " + family + " are not together");
        }
        if (!current_family.empty()) finished_families.insert(current_family);
        current_family = family;
      }
    }
    if (!series.insert(line.substr(0, line.rfind(' '))).second) {
      out.problems.push_back("duplicate series: " + line);
    }
    // Same labels in another order would be the same series.
    std::string key = sample.name;
    for (const auto& [k, v] : sample.labels) key += "," + k + "=" + v;
    if (!series.insert("#" + key).second) out.problems.push_back("duplicate series: " + line);
    out.samples.push_back(std::move(sample));
  }
  return out;
}

// Checks one histogram: buckets cumulative with increasing bounds, the last +Inf, equal to
// _count. Returns its count.
double CheckHistogram(const Exposition& e, const std::string& name) {
  std::vector<std::pair<double, double>> buckets;  // le, count
  for (const Sample& s : e.samples) {
    if (s.name != name + "_bucket") continue;
    auto le = s.labels.find("le");
    REQUIRE(le != s.labels.end());
    buckets.emplace_back(le->second == "+Inf" ? INFINITY : std::stod(le->second), s.value);
  }
  REQUIRE(buckets.size() >= 2);
  for (size_t i = 1; i < buckets.size(); ++i) {
    CHECK(buckets[i].first > buckets[i - 1].first);
    CHECK(buckets[i].second >= buckets[i - 1].second);
  }
  CHECK(std::isinf(buckets.back().first));
  const double count = e.Get(name + "_count");
  CHECK(buckets.back().second == count);
  CHECK(!std::isnan(e.Get(name + "_sum")));
  return count;
}

EventSpec CpEvent(const std::string& case_id) {
  EventSpec spec;
  spec.case_id = case_id;
  spec.agency_id = TestServer::AgencyOf("childprotection");
  spec.agency_role = AgencyRole::CHILD_PROTECTION;
  return spec;
}

TEST_CASE("the parser of this test finds what is wrong with Prometheus text", "[e2e][metrics]") {
  // The checker must be able to fail, or the format test below proves nothing.
  CHECK(Parse("# HELP a x\n# TYPE a counter\na 1\n").problems.empty());
  CHECK(!Parse("a 1\n").problems.empty());                                       // no TYPE
  CHECK(!Parse("# HELP a x\n# TYPE a counter\na 1\na 2\n").problems.empty());    // duplicate
  CHECK(!Parse("# HELP a x\n# TYPE a counter\na{x=\"1\",y=\"2\"} 1\na{y=\"2\",x=\"1\"} 1\n")
             .problems.empty());                                                 // duplicate
  CHECK(!Parse("# HELP a x\n# TYPE a counter\na{x=1} 1\n").problems.empty());    // bad label
  CHECK(!Parse("# HELP a x\n# TYPE a counter\na one\n").problems.empty());       // bad value
  CHECK(!Parse("# HELP a x\n# TYPE a counter\n# TYPE a gauge\na 1\n").problems.empty());
  CHECK(!Parse("# TYPE a counter\na 1\n").problems.empty());                     // no HELP
  CHECK(!Parse("# HELP a x\n# TYPE a counter\na 1").problems.empty());           // no newline
}

TEST_CASE("metrics show requests, errors, the append latency histogram and the tree size",
          "[e2e][metrics]") {
  TestServer server;
  REQUIRE(server.metrics_port() != 0);
  auto cp = server.Connect("childprotection");
  TestEvents events;
  constexpr int kAppends = 5;
  for (int i = 0; i < kAppends; ++i) {
    auto batch = events.MakeMany(1 + i, CpEvent("m-1"));
    REQUIRE(cp->Append("m-1", ExpectedVersion::Any(), batch).ok());
  }
  // A refused request: the police took no part in m-1.
  auto police = server.Connect("police");
  REQUIRE(police->ReadStream("m-1", 0, 0, "curiosity").status().code() == Status::Code::kPermissionDenied);
  REQUIRE(cp->ReadStream("m-1", 0, 0, "case work").ok());

  const std::string text = Scrape(server);
  const Exposition e = Parse(text);
  for (const std::string& p : e.problems) UNSCOPED_INFO(p);
  INFO(text);
  CHECK(e.problems.empty());
  CHECK(e.Get("caseledger_requests_total", {{"op", "append"}}) == kAppends);
  CHECK(e.Get("caseledger_requests_total", {{"op", "readStream"}}) == 2);
  CHECK(e.Get("caseledger_requests_total", {{"op", "hello"}}) == 2);
  CHECK(e.Get("caseledger_errors_total", {{"code", "permissionDenied"}}) == 1);
  CHECK(e.types.at("caseledger_requests_total") == "counter");
  CHECK(e.types.at("caseledger_errors_total") == "counter");
  REQUIRE(e.types.count("caseledger_append_latency_seconds"));
  CHECK(e.types.at("caseledger_append_latency_seconds") == "histogram");
  CHECK(CheckHistogram(e, "caseledger_append_latency_seconds") == kAppends);
  CHECK(e.Get("caseledger_append_latency_seconds_sum") > 0);
  CHECK(e.Get("caseledger_appended_events_total") == 1 + 2 + 3 + 4 + 5);
  CHECK(e.Get("caseledger_access_events_total") == 1);
  CHECK(e.Get("caseledger_tree_size") == static_cast<double>(server.ledger().size()));
  CHECK(e.types.at("caseledger_tree_size") == "gauge");
  CHECK(e.Get("caseledger_connections") == 2);
}

TEST_CASE("metrics count subscribers while a subscription is open", "[e2e][metrics]") {
  TestServer server;
  {
    TestEvents events;
    auto batch = events.MakeMany(3, CpEvent("m-2"));
    REQUIRE(server.ledger().Append("m-2", ExpectedVersion::NoStream(), batch).ok());
  }
  CHECK(Parse(Scrape(server)).Get("caseledger_subscribers") == 0);
  auto oversight = server.Connect("oversight");
  REQUIRE(oversight->Subscribe(0, 100, 0, "feed").ok());
  REQUIRE(oversight->NextBatch().ok());
  auto open = Parse(Scrape(server));
  CHECK(open.problems.empty());
  CHECK(open.Get("caseledger_subscribers") == 1);
  CHECK(open.Get("caseledger_subscription_events_total") >= 3);
  REQUIRE(oversight->Unsubscribe().ok());
  CHECK(Parse(Scrape(server)).Get("caseledger_subscribers") == 0);
}

TEST_CASE("the metrics port serves /metrics only", "[e2e][metrics]") {
  TestServer server;
  CHECK(HttpExchange(server.metrics_port(), "GET /metrics HTTP/1.0").status == 200);
  for (const char* line : {"GET / HTTP/1.1", "GET /metricsx HTTP/1.1", "GET /metrics/x HTTP/1.1",
                           "GET /status HTTP/1.1", "POST /metrics HTTP/1.1"}) {
    INFO(line);
    auto reply = HttpExchange(server.metrics_port(), line);
    CHECK(reply.status == 404);
    CHECK(reply.body.find("caseledger_") == std::string::npos);
  }
  // The endpoint goes on serving after the refusals.
  CHECK(!Scrape(server).empty());
}

}  // namespace
}  // namespace caseledger
