// The wire protocol spoken with stock tools only (docs/wire_protocol.md, "An exchange with
// stock tools"): requests written in Cap'n Proto text, encoded by `capnp encode`, sent through
// `openssl s_client -quiet` with a client certificate, replies read by `capnp decode`. Also
// checks that the worked example's bytes in the doc are still what `capnp encode` makes.
#include <capnp/schema.h>
#include <catch2/catch.hpp>

#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <span>
#include <sstream>
#include <string>
#include <vector>

#include "server/access_control.h"
#include "server/frame_codec.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_events.h"
#include "tests/support/test_server.h"

namespace caseledger {
namespace {

using testing::EventSpec;
using testing::TempDir;
using testing::TestEvents;
using testing::TestServer;

const std::string kSourceDir = CASELEDGER_SOURCE_DIR;
const std::string kSchema = kSourceDir + "/schema/protocol.capnp";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void WriteFile(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary);
  out << content;
  REQUIRE(out.good());
}

// Runs a shell command line; its exit code (-1 when it did not exit normally).
int Shell(const std::string& command) {
  const int status = std::system(command.c_str());
  if (status == -1 || !WIFEXITED(status)) return -1;
  return WEXITSTATUS(status);
}

void RequireStockTools() {
  if (Shell("command -v capnp >/dev/null && command -v openssl >/dev/null && "
            "command -v timeout >/dev/null") != 0) {
    FAIL("this test needs the capnp and openssl command-line tools (tools/setup.sh installs "
         "them: Debian packages capnproto and openssl)");
  }
}

// The documented exchange: encode `requests` (Cap'n Proto text, one Request after another),
// send them through openssl s_client as dev principal `name`, decode the replies. Returns the
// decoded text. The server closes after answering the final goodbye, with a TLS close_notify,
// which ends s_client cleanly (exit 0).
std::string Exchange(const TestServer& server, const TempDir& dir, const std::string& name,
                     const std::string& requests) {
  const std::string text = dir.Sub(name + "-requests.txt");
  const std::string bin = dir.Sub(name + "-requests.bin");
  const std::string replies = dir.Sub(name + "-replies.bin");
  const std::string decoded = dir.Sub(name + "-replies.txt");
  const std::string errors = dir.Sub(name + "-errors.txt");
  WriteFile(text, requests);
  REQUIRE(Shell("capnp encode '" + kSchema + "' Request < '" + text + "' > '" + bin + "' 2> '" +
                errors + "'") == 0);
  // `timeout` guards the test against a server that never closes (it exits 124 then).
  const int sclient = Shell("timeout 20 openssl s_client -quiet -connect 127.0.0.1:" + std::to_string(server.port()) +
        " -servername localhost -verify_hostname localhost -verify_return_error" +
        " -cert '" + server.Cert(name + ".pem") + "' -key '" + server.Cert(name + ".key") +
        "' -CAfile '" + server.Cert("ca.pem") + "' < '" + bin + "' > '" + replies + "' 2> '" +
        errors + "'");
  const int decode = Shell("capnp decode '" + kSchema + "' Response < '" + replies + "' > '" +
                           decoded + "' 2>> '" + errors + "'");
  INFO("s_client and capnp said: " << ReadFile(errors));
  CHECK(sclient == 0);
  REQUIRE(decode == 0);
  return ReadFile(decoded);
}

bool Has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST_CASE("stock tools: hello, status, checkpoint and goodbye through openssl s_client",
          "[wire]") {
  RequireStockTools();
  TestServer server;
  // Something to report: three events and a signed checkpoint over them.
  {
    auto cp = server.Connect("childprotection");
    TestEvents events;
    EventSpec spec;
    spec.case_id = "case-stock";
    spec.agency_id = TestServer::AgencyOf("childprotection");
    spec.agency_role = schema::AgencyRole::CHILD_PROTECTION;
    REQUIRE(cp->Append("case-stock", ExpectedVersion::NoStream(), events.MakeMany(3, spec)).ok());
  }
  REQUIRE(server.ledger().Checkpoint().ok());
  const uint64_t size = server.ledger().size();

  TempDir dir;
  const std::string replies = Exchange(server, dir, "police", R"(
(id = 1, body = (hello = (protocolVersion = 1, client = "stock-tools/1")))
(id = 2, body = (status = void))
(id = 3, body = (checkpoint = (size = 0)))
(id = 4, body = (goodbye = void))
)");
  INFO(replies);
  // The hello reply names the principal the certificate maps to.
  const size_t hello = replies.find("( id = 1,\n  body = (\n    hello = (");
  REQUIRE(hello != std::string::npos);
  CHECK(Has(replies, "principalId = \"police\""));
  CHECK(Has(replies, "agencyId = \"" + TestServer::AgencyOf("police") + "\""));
  CHECK(Has(replies, "userRole = agency"));
  // The status reply, with the tree as the server holds it.
  const size_t status = replies.find("( id = 2,\n  body = (\n    status = (");
  REQUIRE(status != std::string::npos);
  const size_t checkpoint = replies.find("( id = 3,\n  body = (\n    checkpoint = (");
  REQUIRE(checkpoint != std::string::npos);
  const size_t tree_size = replies.find("treeSize = " + std::to_string(size) + ",", status);
  CHECK(tree_size < checkpoint);
  CHECK(Has(replies, "server = \"caseledgerd/"));
  // The checkpoint, as stored: the signed note of the newest tree.
  CHECK(Has(replies, "size = " + std::to_string(size) + " ) ) )"));
  CHECK(Has(replies, "\\n" + std::to_string(size) + "\\n"));  // the note's size line, escaped
  // The goodbye comes last: the server answered everything, then closed.
  const std::string goodbye = "(id = 4, body = (goodbye = void))\n";
  REQUIRE(replies.size() >= goodbye.size());
  CHECK(replies.substr(replies.size() - goodbye.size()) == goodbye);
  CHECK(hello < status);
  CHECK(status < checkpoint);
}

TEST_CASE("stock tools: an agency reads, with a purpose, a case it appended through the client",
          "[wire]") {
  RequireStockTools();
  TestServer server;
  EventSpec spec;
  spec.case_id = "case-wire";
  spec.agency_id = TestServer::AgencyOf("police");
  spec.agency_role = schema::AgencyRole::POLICE;
  spec.type = schema::Event::Body::CRIME_REPORTED;
  {
    auto police = server.Connect("police");
    TestEvents events;
    REQUIRE(police->Append("case-wire", ExpectedVersion::NoStream(), events.MakeMany(2, spec)).ok());
  }
  REQUIRE_FALSE(server.ledger().GetStream("access:case-wire").ok());

  TempDir dir;
  const std::string replies = Exchange(server, dir, "police", R"(
(id = 1, body = (hello = (protocolVersion = 1, client = "stock-tools/1")))
(id = 2, purpose = "investigation pol-ref-1", body = (readStream = (caseId = "case-wire")))
(id = 3, body = (readStream = (caseId = "case-wire")))
(id = 4, body = (goodbye = void))
)");
  INFO(replies);
  // Both events, as stored, with the versions and positions the ledger gave them.
  CHECK(Has(replies, "read = (\n      events = ["));
  CHECK(Has(replies, "caseId = \"case-wire\""));
  CHECK(Has(replies, "streamVersion = 0,"));
  CHECK(Has(replies, "streamVersion = 1,"));
  CHECK(Has(replies, "crimeReported = ("));
  CHECK(Has(replies, "policeRef = \"pol-ref-1\""));
  CHECK(Has(replies, "next = 2,\n      atEnd = true"));
  // A read without a purpose is refused, and the connection goes on.
  CHECK(Has(replies, "( id = 3,\n  body = (\n    error = (\n      code = invalidArgument,"));
  CHECK(Has(replies, "(id = 4, body = (goodbye = void))"));

  // The read was recorded, durably, before the reply: one access record, naming the request.
  auto access = server.ledger().ReadStream("access:case-wire", 0, 10);
  REQUIRE(access.ok());
  REQUIRE(access->size() == 1);
  auto record = (*access)[0].reader().getBody().getRecordAccessed();
  CHECK(std::string(record.getAccessorId().cStr()) == "police");
  CHECK(std::string(record.getPurpose().cStr()) == "investigation pol-ref-1");
  const std::string request_id = record.getRequestId().cStr();
  CHECK(request_id.size() > 2);
  CHECK(request_id.substr(request_id.size() - 2) == "/2");
  // The case itself did not change.
  auto head = server.ledger().GetStream("case-wire");
  REQUIRE(head.ok());
  CHECK(head->head_version == 1);
}

// The text between the fence after `marker` in the doc and its closing fence.
std::string DocBlock(const std::string& doc, const std::string& marker) {
  const size_t at = doc.find(marker);
  REQUIRE(at != std::string::npos);
  const size_t open = doc.find("```", at);
  REQUIRE(open != std::string::npos);
  const size_t start = doc.find('\n', open) + 1;
  const size_t close = doc.find("\n```", start);
  REQUIRE(close != std::string::npos);
  return doc.substr(start, close - start + 1);
}

// The bytes of an `xxd` dump: "OFFSET: 8 groups of 4 hex digits  ascii".
std::vector<uint8_t> ParseXxd(const std::string& dump) {
  std::vector<uint8_t> bytes;
  std::istringstream lines(dump);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty()) continue;
    INFO(line);
    char offset[16];
    std::snprintf(offset, sizeof(offset), "%08zx: ", bytes.size());
    REQUIRE(line.substr(0, 10) == offset);
    const std::string hex = line.substr(10, 39);
    std::string digits;
    for (char c : hex) {
      if (c != ' ') digits += c;
    }
    REQUIRE(digits.size() % 2 == 0);
    for (size_t i = 0; i < digits.size(); i += 2) {
      bytes.push_back(static_cast<uint8_t>(std::stoi(digits.substr(i, 2), nullptr, 16)));
    }
  }
  return bytes;
}

TEST_CASE("the worked example in wire_protocol.md is what capnp encode and the server make",
          "[wire]") {
  RequireStockTools();
  const std::string doc = ReadFile(kSourceDir + "/docs/wire_protocol.md");
  REQUIRE_FALSE(doc.empty());
  const std::string text = DocBlock(doc, "<!-- example: hello request, text -->");
  const std::vector<uint8_t> documented = ParseXxd(DocBlock(doc, "<!-- example: hello request, bytes -->"));
  REQUIRE(documented.size() == 88);

  // capnp encode makes exactly these bytes from the documented text.
  TempDir dir;
  WriteFile(dir.Sub("hello.txt"), text);
  REQUIRE(Shell("capnp encode '" + kSchema + "' Request < '" + dir.Sub("hello.txt") + "' > '" +
                dir.Sub("hello.bin") + "'") == 0);
  const std::string encoded = ReadFile(dir.Sub("hello.bin"));
  CHECK(std::vector<uint8_t>(encoded.begin(), encoded.end()) == documented);

  // So does the C++ side (the client library's framing) for the same request.
  capnp::MallocMessageBuilder builder;
  auto request = builder.initRoot<schema::Request>();
  request.setId(1);
  auto hello = request.getBody().initHello();
  hello.setProtocolVersion(schema::PROTOCOL_VERSION);
  hello.setClient("stock-tools/1");
  auto frame = server::EncodeFrame(builder);
  auto frame_bytes = frame.asBytes();
  CHECK(std::vector<uint8_t>(frame_bytes.begin(), frame_bytes.end()) == documented);

  // And the server's frame codec reads the documented bytes as that hello.
  auto header = server::FrameHeaderBytes(
      std::span<const uint8_t, server::kFirstHeaderBytes>(documented.data(), 8));
  REQUIRE(header.ok());
  CHECK(*header == 8);
  auto total = server::FrameMessageBytes(std::span(documented.data(), *header), 1 << 20);
  REQUIRE(total.ok());
  CHECK(*total == documented.size());
  auto words = kj::heapArray<capnp::word>(documented.size() / sizeof(capnp::word));
  std::memcpy(words.begin(), documented.data(), documented.size());
  auto decoded = server::DecodeFrame(std::move(words), 1 << 20);
  REQUIRE(decoded.ok());
  auto root = server::GetRoot<schema::Request>(**decoded);
  REQUIRE(root.ok());
  CHECK(root->getId() == 1);
  REQUIRE(root->getBody().isHello());
  CHECK(root->getBody().getHello().getProtocolVersion() == 1);
  CHECK(std::string(root->getBody().getHello().getClient().cStr()) == "stock-tools/1");
}

// -- The role matrices of wire_protocol.md are the ones access_control.cc enforces -----------

const char kYes[] = "✓";
const char kNo[] = "·";

std::string TableRow(const std::vector<std::string>& cells) {
  std::string row = "|";
  for (const std::string& cell : cells) row += " " + cell + " |";
  return row + "\n";
}

// Rows: the event types, grouped where they allow the same agency roles, in schema order.
std::string RenderEventTypeMatrix() {
  std::vector<schema::AgencyRole> roles;
  std::vector<std::string> header = {"event types"};
  for (auto enumerant : capnp::Schema::from<schema::AgencyRole>().getEnumerants()) {
    if (enumerant.getOrdinal() == 0) continue;
    roles.push_back(static_cast<schema::AgencyRole>(enumerant.getOrdinal()));
    header.push_back(enumerant.getProto().getName().cStr());
  }
  std::vector<std::string> groups;               // in order of first appearance
  std::map<std::string, std::string> names;      // allowed-roles key -> event types
  auto body = capnp::Schema::from<schema::Event>().getFieldByName("body").getType().asStruct();
  for (auto field : body.getUnionFields()) {
    const auto which = static_cast<schema::Event::Body::Which>(field.getProto().getDiscriminantValue());
    if (which == schema::Event::Body::UNSPECIFIED) continue;
    std::string key;
    for (schema::AgencyRole role : roles) key += server::MayRecord(role, which) ? '1' : '0';
    if (!names.count(key)) groups.push_back(key);
    std::string& list = names[key];
    if (!list.empty()) list += ", ";
    list += field.getProto().getName().cStr();
  }
  std::string table = TableRow(header);
  table += TableRow(std::vector<std::string>(header.size(), "---"));
  for (const std::string& key : groups) {
    std::vector<std::string> row = {names[key]};
    for (char c : key) row.push_back(c == '1' ? kYes : kNo);
    table += TableRow(row);
  }
  return table;
}

std::string RenderOperationMatrix() {
  const std::vector<schema::UserRole> roles = {schema::UserRole::AGENCY, schema::UserRole::OVERSIGHT,
                                               schema::UserRole::OMBUDSPERSON,
                                               schema::UserRole::WITNESS, schema::UserRole::ADMIN};
  const std::vector<std::pair<server::Operation, std::string>> ops = {
      {server::Operation::kAppend, "append"},
      {server::Operation::kReadStream, "readStream"},
      {server::Operation::kReadLog, "readLog"},
      {server::Operation::kSubscribe, "subscribe, credit, unsubscribe"},
      {server::Operation::kCheckpoint, "checkpoint"},
      {server::Operation::kProof, "inclusionProof, consistencyProof"},
      {server::Operation::kStatus, "status"},
      {server::Operation::kAuditQuery, "auditQuery"},
  };
  std::vector<std::string> header = {"operation"};
  for (auto role : roles) header.emplace_back(server::UserRoleName(role));
  std::string table = TableRow(header);
  table += TableRow(std::vector<std::string>(header.size(), "---"));
  for (const auto& [op, label] : ops) {
    std::vector<std::string> row = {label};
    for (auto role : roles) {
      server::Principal p;
      p.id = "p";
      p.user_role = role;
      row.push_back(server::CheckOperation(p, op).ok() ? kYes : kNo);
    }
    table += TableRow(row);
  }
  return table;
}

// The table that follows `marker` in the doc: its lines up to the first that is not a row.
std::string DocTable(const std::string& doc, const std::string& marker) {
  const size_t at = doc.find(marker);
  REQUIRE(at != std::string::npos);
  std::istringstream lines(doc.substr(doc.find('\n', at) + 1));
  std::string line, table;
  while (std::getline(lines, line) && !line.empty() && line[0] == '|') table += line + "\n";
  return table;
}

TEST_CASE("the role matrices in wire_protocol.md are the ones the server enforces", "[wire]") {
  const std::string doc = ReadFile(kSourceDir + "/docs/wire_protocol.md");
  REQUIRE_FALSE(doc.empty());
  const std::string operations = RenderOperationMatrix();
  INFO("the user-role table should read:\n" << operations);
  CHECK(DocTable(doc, "<!-- matrix: operation x user role -->") == operations);
  const std::string event_types = RenderEventTypeMatrix();
  INFO("the agency-role table should read:\n" << event_types);
  CHECK(DocTable(doc, "<!-- matrix: event type x agency role -->") == event_types);
}

}  // namespace
}  // namespace caseledger
