// Storage faults seen through the server (docs/reliability.md, "I/O faults"): a sync that fails
// (the project's RocksDB FileSystemWrapper, tests/support/power_loss_fs.h) and a disk that fills
// up (a size-limited tmpfs, root only, skipped with a message otherwise). The client gets an
// error reply, never an ack; reads keep working; appends resume, gap-free, once the fault is
// gone, and a retry with the same event ids is answered with one set of positions.
#include <catch2/catch.hpp>
#include <rocksdb/env.h>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "ledger/ledger.h"
#include "projections/projection_store.h"
#include "server/client.h"
#include "server/config.h"
#include "server/server.h"
#include "tests/support/power_loss_fs.h"
#include "tests/support/small_fs.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_events.h"
#include "tests/support/test_server.h"
#include "tools/dev_certs.h"

namespace caseledger::testing {
namespace {

constexpr char kPrincipal[] = "childprotection";

// caseledgerd's server library over a ledger whose data directory and RocksDB environment
// the test chooses (TestServer always uses its own directory and the default environment).
class FaultServer {
 public:
  FaultServer(const std::string& data_dir, rocksdb::Env* env) {
    cert_dir_ = certs_.Sub("certs");
    tools::DevCertOptions options;
    options.out_dir = cert_dir_;
    REQUIRE(tools::MakeDevCertificates(options).ok());
    auto config = server::LoadConfig(cert_dir_ + "/caseledgerd.toml");
    REQUIRE(config.ok());
    config_ = std::move(*config);
    config_.data_dir = data_dir;
    config_.listen = "127.0.0.1:0";
    config_.metrics_listen = "127.0.0.1:0";
    config_.threads = 2;
    LedgerOptions lo;
    lo.data_dir = data_dir;
    lo.master_key_path = config_.master_key;
    lo.env = env;
    auto ledger = Ledger::Open(lo);
    REQUIRE(ledger.ok());
    ledger_ = std::move(*ledger);
    auto projections = projections::ProjectionStore::Open(*ledger_);
    REQUIRE(projections.ok());
    projections_ = std::move(*projections);
    auto logger = std::make_shared<spdlog::logger>(
        "io-fault", std::make_shared<spdlog::sinks::null_sink_mt>());
    auto server = server::Server::Create(config_, *ledger_, logger, projections_.get());
    REQUIRE(server.ok());
    server_ = std::move(*server);
    thread_ = std::thread([this] { server_->Run(/*handle_signals=*/false, /*drain_seconds=*/5); });
  }
  ~FaultServer() {
    server_->Shutdown();
    thread_.join();
  }

  std::unique_ptr<server::Client> Connect() const {
    server::ClientOptions o;
    o.server = "127.0.0.1:" + std::to_string(server_->port());
    o.ca_file = cert_dir_ + "/ca.pem";
    o.cert_file = cert_dir_ + "/" + kPrincipal + ".pem";
    o.key_file = cert_dir_ + "/" + kPrincipal + ".key";
    o.timeout_seconds = 30;
    auto c = server::Client::Connect(o);
    if (!c.ok()) FAIL("connect: " << c.status().ToString());
    return std::move(*c);
  }
  Ledger& ledger() { return *ledger_; }

 private:
  TempDir certs_;
  std::string cert_dir_;
  server::ServerConfig config_;
  std::unique_ptr<Ledger> ledger_;
  std::unique_ptr<projections::ProjectionStore> projections_;
  std::unique_ptr<server::Server> server_;
  std::thread thread_;
};

// One append's events, kept so that a retry sends the very same ones.
struct Batch {
  TestEvents events;
  std::vector<schema::Event::Reader> readers;
  std::vector<std::string> ids;
};

std::unique_ptr<Batch> MakeBatch(uint64_t token, size_t n, size_t pad) {
  auto b = std::make_unique<Batch>();
  EventSpec spec;
  spec.case_id = "case-" + std::to_string(token % 3);
  spec.child_id = "child-" + std::to_string(token % 3);
  spec.agency_id = TestServer::AgencyOf(kPrincipal);
  spec.pad_to_bytes = pad;
  for (size_t k = 0; k < n; ++k) {
    spec.event_id = TestEvents::IdFor(token * 1000 + k);
    b->ids.push_back(spec.event_id);
    b->readers.push_back(b->events.Make(spec));
  }
  return b;
}

bool IsStorageError(const Status& s) {
  return s.code() == Status::Code::kIOError || s.code() == Status::Code::kUnavailable;
}

// Every acknowledged id at its acknowledged position, and the log gap-free with no id twice.
std::string CheckAcked(const Ledger& ledger,
                       const std::vector<std::pair<std::string, uint64_t>>& acked) {
  std::string problems;
  for (const auto& [id, position] : acked) {
    auto at = ledger.FindEvent(id);
    if (!at.ok() || *at != position) {
      problems += "an acknowledged event is not at " + std::to_string(position) + "\n";
    }
  }
  auto log = ledger.ReadLog(0, 1 << 20);
  if (!log.ok()) return problems + log.status().ToString();
  std::set<std::string> seen;
  for (size_t i = 0; i < log->size(); ++i) {
    const auto& ev = (*log)[i];
    if (ev.position() != i) problems += "gap before " + std::to_string(ev.position()) + "\n";
    auto id = ev.reader().getEventId();
    if (!seen.insert(std::string(reinterpret_cast<const char*>(id.begin()), id.size())).second) {
      problems += "an event id is stored twice\n";
    }
  }
  if (log->size() != ledger.size()) problems += "the log is shorter than size()\n";
  return problems;
}

// Appends `b` with the same ids until it is acknowledged (at most `tries` times); the status
// of the last try.
Result<AppendResult> RetryUntilAcked(server::Client& client, const Batch& b, int tries) {
  Result<AppendResult> r = Status::Unavailable("not tried");
  for (int i = 0; i < tries; ++i) {
    r = client.Append(b.readers.front().getCaseId().cStr(), ExpectedVersion::Any(), b.readers);
    if (r.ok()) break;
  }
  return r;
}

}  // namespace

TEST_CASE("through the server a failing sync is answered with an error, never an ack, reads "
          "that record nothing go on, and appends resume gap-free once syncs work",
          "[server][io-fault]") {
  TempDir dir;
  auto fs = std::make_shared<PowerLossFs>();
  std::unique_ptr<rocksdb::Env> env = rocksdb::NewCompositeEnv(fs);
  FaultServer server(dir.Sub("data"), env.get());
  auto client = server.Connect();
  std::vector<std::pair<std::string, uint64_t>> acked;
  uint64_t token = 0;
  for (; token < 6; ++token) {
    auto b = MakeBatch(token, 3, 0);
    auto r = client->Append(b->readers.front().getCaseId().cStr(), ExpectedVersion::Any(),
                            b->readers);
    REQUIRE(r.ok());
    for (size_t i = 0; i < b->ids.size(); ++i) acked.emplace_back(b->ids[i], r->positions[i]);
  }
  const uint64_t size_before = acked.size();
  REQUIRE(server.ledger().Checkpoint().ok());

  fs->SetSyncFailure(true);
  auto failed = MakeBatch(token++, 3, 0);
  for (int i = 0; i < 3; ++i) {
    auto r = client->Append(failed->readers.front().getCaseId().cStr(), ExpectedVersion::Any(),
                            failed->readers);
    REQUIRE_FALSE(r.ok());
    INFO(r.status().ToString());
    CHECK(IsStorageError(r.status()));
  }
  // A read of case data must leave a durable access record first: it is refused with a
  // storage error rather than served unrecorded. Reads that record nothing are served.
  auto page = client->ReadStream("case-0", 0, 100, "io fault test: read during a failing sync");
  REQUIRE_FALSE(page.ok());
  INFO(page.status().ToString());
  CHECK(IsStorageError(page.status()));
  auto status = client->GetServerStatus();
  REQUIRE(status.ok());
  CHECK(status->tree_size == size_before);
  auto newest = client->GetCheckpoint();
  INFO("newest checkpoint: " << (newest.ok() ? "served" : newest.status().ToString()));
  CHECK(status->checkpoint_size == size_before);
  REQUIRE(client->GetCheckpoint(size_before).ok());
  CHECK(server.ledger().size() == size_before);
  auto direct = server.ledger().ReadLog(0, 100);  // the ledger itself keeps serving reads
  REQUIRE(direct.ok());
  CHECK(direct->size() == size_before);

  fs->SetSyncFailure(false);
  auto r = RetryUntilAcked(*client, *failed, 20);
  REQUIRE(r.ok());
  CHECK(r->positions.front() == size_before);
  page = client->ReadStream("case-0", 0, 100, "io fault test: read after the fault");
  REQUIRE(page.ok());
  CHECK(page->events.size() == 9);  // tokens 0, 3 and the retried 6
  for (size_t i = 0; i < failed->ids.size(); ++i) acked.emplace_back(failed->ids[i], r->positions[i]);
  auto again = RetryUntilAcked(*client, *failed, 1);  // the same ids once more: no new events
  REQUIRE(again.ok());
  CHECK(again->positions == r->positions);
  CHECK(CheckAcked(server.ledger(), acked) == "");
}

TEST_CASE("through the server a full disk is answered with an error naming it, never an ack, "
          "reads go on, and appends resume gap-free when space returns",
          "[server][io-fault]") {
  std::string why;
  auto fs = SmallFs::Mount(6 << 20, &why);
  if (!fs) {
    WARN("skipped: " << why);
    return;
  }
  FaultServer server(fs->path() + "/data", nullptr);
  auto client = server.Connect();
  std::vector<std::pair<std::string, uint64_t>> acked;
  std::unique_ptr<Batch> failed;
  Status failure;
  for (uint64_t token = 0; token < 3000 && !failed; ++token) {
    auto b = MakeBatch(token, 32, 1024);
    auto r = client->Append(b->readers.front().getCaseId().cStr(), ExpectedVersion::Any(),
                            b->readers);
    if (!r.ok()) {
      failure = r.status();
      failed = std::move(b);
      break;
    }
    for (size_t i = 0; i < b->ids.size(); ++i) acked.emplace_back(b->ids[i], r->positions[i]);
  }
  REQUIRE(failed);
  INFO("after " << acked.size() << " events: " << failure.ToString());
  CHECK(IsStorageError(failure));
  std::string m = failure.ToString();
  std::transform(m.begin(), m.end(), m.begin(), [](unsigned char c) { return std::tolower(c); });
  CHECK(m.find("space") != std::string::npos);
  const uint64_t size_when_full = server.ledger().size();
  CHECK(size_when_full == acked.size());
  // A read of case data is served if its access record still fits, else refused with a
  // storage error; never served unrecorded. Status and checkpoints record nothing.
  auto page = client->ReadStream("case-0", 0, 10, "io fault test: read on a full disk");
  if (page.ok()) {
    CHECK(page->events.size() == 10);
  } else {
    INFO(page.status().ToString());
    CHECK(IsStorageError(page.status()));
  }
  REQUIRE(client->GetServerStatus().ok());
  REQUIRE(client->GetCheckpoint().ok());
  auto direct = server.ledger().ReadLog(0, 10);
  REQUIRE(direct.ok());
  CHECK(direct->size() == 10);

  REQUIRE(fs->Resize(256 << 20, &why));
  const uint64_t size_before_retry = server.ledger().size();  // access records included
  auto r = RetryUntilAcked(*client, *failed, 20);
  REQUIRE(r.ok());
  CHECK(r->positions.front() == size_before_retry);
  for (size_t i = 0; i < failed->ids.size(); ++i) acked.emplace_back(failed->ids[i], r->positions[i]);
  CHECK(CheckAcked(server.ledger(), acked) == "");
}

}  // namespace caseledger::testing
