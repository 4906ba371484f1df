// ledger_bench: how fast the ledger makes appends durable, next to raw RocksDB doing the same
// synced writes of the same size in the same run. Figures and conditions: docs/performance.md.
//
// Each scenario runs both sides, each in a fresh directory, each after a short warm-up:
// - caseledger: T closed-loop threads, each appending to its own case (ExpectedVersion::Any)
//   B events per Append, each event stored in about --event-bytes (canonical form, padded
//   through legalBasis). Latency is per Append call.
// - rocksdb: default options except create_if_missing. T threads each Put values of the same
//   size under increasing keys of their own range, or (B > 1) one thread writing WriteBatches
//   of B puts. Same sync setting. Latency is per Put or Write call.
// Batch scenarios run with one thread. Both databases run over a pass-through file system that
// counts WAL appends and syncs, so that the report can say how many appends one sync carried
// (the size of a commit group) and how much of the wall time went into syncing.
#include <capnp/message.h>
#include <fcntl.h>
#include <rocksdb/db.h>
#include <rocksdb/env.h>
#include <rocksdb/file_system.h>
#include <rocksdb/write_batch.h>
#include <sys/resource.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "ledger/ledger.h"
#include "schema/events.capnp.h"

namespace caseledger::bench {
namespace {

namespace fs = std::filesystem;
using rocksdb::IODebugContext;
using rocksdb::IOOptions;
using rocksdb::IOStatus;

int64_t NowNanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// User plus system time of the whole process (clients, the ledger's writer, RocksDB's threads).
double ProcessCpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  auto secs = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return secs(u.ru_utime) + secs(u.ru_stime);
}

// CPU seconds each thread of this process has used, by thread id (/proc/self/task).
std::map<int, double> ThreadCpuSeconds() {
  std::map<int, double> out;
  std::error_code ec;
  const double tick = static_cast<double>(::sysconf(_SC_CLK_TCK));
  for (const auto& task : fs::directory_iterator("/proc/self/task", ec)) {
    std::ifstream in(task.path() / "stat");
    std::string line;
    if (!std::getline(in, line) || line.rfind(')') == std::string::npos) continue;
    // "tid (comm) state ...": comm may hold spaces; utime and stime are fields 14 and 15.
    std::istringstream rest(line.substr(line.rfind(')') + 2));
    std::string skip;
    for (int field = 3; field <= 13; ++field) rest >> skip;
    unsigned long long user = 0, system = 0;
    if (rest >> user >> system) out[std::stoi(task.path().filename())] = (user + system) / tick;
  }
  return out;
}

// CPU seconds every process on the machine has used (/proc/stat; steal excluded).
double MachineBusySeconds() {
  std::ifstream in("/proc/stat");
  std::string cpu;
  unsigned long long user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0;
  if (!(in >> cpu >> user >> nice >> system >> idle >> iowait >> irq >> softirq)) return 0;
  return (user + nice + system + irq + softirq) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

// ---------------------------------------------------------------------------------------------
// Counting what reaches the write-ahead log.

struct WalTotals {
  uint64_t bytes = 0;
  uint64_t syncs = 0;
  int64_t sync_nanos = 0;
};

// Updated by whichever RocksDB thread writes the WAL.
class WalCounters {
 public:
  // Each WAL sync then also sleeps this long, to emulate a slower disk (0: no delay).
  explicit WalCounters(int64_t extra_sync_nanos = 0) : extra_sync_nanos_(extra_sync_nanos) {}
  int64_t extra_sync_nanos() const { return extra_sync_nanos_; }
  void AddBytes(uint64_t n) { bytes_.fetch_add(n, std::memory_order_relaxed); }
  void AddSync(int64_t nanos) {
    syncs_.fetch_add(1, std::memory_order_relaxed);
    sync_nanos_.fetch_add(nanos, std::memory_order_relaxed);
  }
  WalTotals Read() const {
    return {bytes_.load(std::memory_order_relaxed), syncs_.load(std::memory_order_relaxed),
            sync_nanos_.load(std::memory_order_relaxed)};
  }

 private:
  std::atomic<uint64_t> bytes_{0};
  std::atomic<uint64_t> syncs_{0};
  std::atomic<int64_t> sync_nanos_{0};
  const int64_t extra_sync_nanos_;
};

WalTotals Minus(const WalTotals& a, const WalTotals& b) {
  return {a.bytes - b.bytes, a.syncs - b.syncs, a.sync_nanos - b.sync_nanos};
}

class CountingWalFile : public rocksdb::FSWritableFileOwnerWrapper {
 public:
  CountingWalFile(std::unique_ptr<rocksdb::FSWritableFile> file, WalCounters* counters)
      : FSWritableFileOwnerWrapper(std::move(file)), counters_(counters) {}

  IOStatus Append(const rocksdb::Slice& data, const IOOptions& o, IODebugContext* dbg) override {
    counters_->AddBytes(data.size());
    return target()->Append(data, o, dbg);
  }
  IOStatus Append(const rocksdb::Slice& data, const IOOptions& o,
                  const rocksdb::DataVerificationInfo& info, IODebugContext* dbg) override {
    counters_->AddBytes(data.size());
    return target()->Append(data, o, info, dbg);
  }
  IOStatus Sync(const IOOptions& o, IODebugContext* dbg) override {
    const int64_t start = NowNanos();
    IOStatus s = target()->Sync(o, dbg);
    Delay();
    counters_->AddSync(NowNanos() - start);
    return s;
  }
  IOStatus Fsync(const IOOptions& o, IODebugContext* dbg) override {
    const int64_t start = NowNanos();
    IOStatus s = target()->Fsync(o, dbg);
    Delay();
    counters_->AddSync(NowNanos() - start);
    return s;
  }

 private:
  void Delay() {
    if (counters_->extra_sync_nanos() > 0) {
      std::this_thread::sleep_for(std::chrono::nanoseconds(counters_->extra_sync_nanos()));
    }
  }
  WalCounters* counters_;
};

// Passes everything through; wraps WAL files (NNNNNN.log) in a CountingWalFile.
class WalCountingFileSystem : public rocksdb::FileSystemWrapper {
 public:
  WalCountingFileSystem(std::shared_ptr<rocksdb::FileSystem> target, WalCounters* counters)
      : FileSystemWrapper(std::move(target)), counters_(counters) {}

  static const char* kClassName() { return "LedgerBenchWalCountingFileSystem"; }
  const char* Name() const override { return kClassName(); }

  IOStatus NewWritableFile(const std::string& name, const rocksdb::FileOptions& o,
                           std::unique_ptr<rocksdb::FSWritableFile>* file,
                           IODebugContext* dbg) override {
    return Wrap(name, target()->NewWritableFile(name, o, file, dbg), file);
  }
  IOStatus ReopenWritableFile(const std::string& name, const rocksdb::FileOptions& o,
                              std::unique_ptr<rocksdb::FSWritableFile>* file,
                              IODebugContext* dbg) override {
    return Wrap(name, target()->ReopenWritableFile(name, o, file, dbg), file);
  }
  IOStatus ReuseWritableFile(const std::string& name, const std::string& old_name,
                             const rocksdb::FileOptions& o,
                             std::unique_ptr<rocksdb::FSWritableFile>* file,
                             IODebugContext* dbg) override {
    return Wrap(name, target()->ReuseWritableFile(name, old_name, o, file, dbg), file);
  }

 private:
  IOStatus Wrap(const std::string& name, IOStatus s,
                std::unique_ptr<rocksdb::FSWritableFile>* file) {
    if (s.ok() && name.ends_with(".log")) {
      *file = std::make_unique<CountingWalFile>(std::move(*file), counters_);
    }
    return s;
  }
  WalCounters* counters_;
};

// ---------------------------------------------------------------------------------------------
// Events.

// A bijection on 64 bits (the splitmix64 finalizer): distinct inputs give distinct ids that
// look random, as clients' UUIDs do.
uint64_t Mix(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

void PutBigEndian64(char* out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>(v >> (56 - 8 * i));
}

std::string CaseIdFor(size_t thread) {
  char id[32];
  std::snprintf(id, sizeof(id), "bench-case-%04zu", thread);  // fixed width: same size
  return id;
}

// A valid client event (as tests/support/test_events.cc builds one), its legalBasis `pad`
// characters long. The event id is left zero for EventBatch to fill.
void FillEvent(schema::Event::Builder ev, const std::string& case_id, int64_t occurred_at,
               size_t pad) {
  ev.initEventId(16);
  ev.setCaseId(case_id);
  ev.setChildId("bench-child-" + case_id.substr(case_id.size() - 4));
  ev.setDataClass(schema::DataClass::ORDINARY);
  ev.setOccurredAt(occurred_at);
  ev.setJurisdiction(schema::Jurisdiction::NO);
  ev.setAgencyId("no-cp-oslo");
  ev.setAgencyRole(schema::AgencyRole::CHILD_PROTECTION);
  ev.setActorId("worker-17");
  auto body = ev.initBody().initCaseConferenceHeld();
  body.setKind(schema::CaseConferenceHeld::Kind::INITIAL);
  auto attendees = body.initAttendees(2);
  attendees.set(0, schema::AgencyRole::CHILD_PROTECTION);
  attendees.set(1, schema::AgencyRole::POLICE);
  if (pad > 0) ev.setLegalBasis(std::string(pad, 'x'));
}

// The canonical bytes the ledger stores for such an event when it is not the first of its
// case (the writer adds schema version, stream version, position, recorded-at, prevLeafHash).
std::string StoredFormOf(const std::string& case_id, int64_t occurred_at, size_t pad) {
  capnp::MallocMessageBuilder message;
  auto ev = message.initRoot<schema::Event>();
  FillEvent(ev, case_id, occurred_at, pad);
  ev.setSchemaVersion(schema::SCHEMA_VERSION);
  ev.setStreamVersion(1000);
  ev.setGlobalPosition(1000000);
  ev.setRecordedAt(occurred_at);
  const uint8_t hash[32] = {0x5a};
  ev.setPrevLeafHash(capnp::Data::Reader(hash, sizeof(hash)));
  auto words = capnp::canonicalize(ev.asReader());
  auto bytes = words.asBytes();
  return std::string(reinterpret_cast<const char*>(bytes.begin()), bytes.size());
}

// The legalBasis length that makes the stored form `target` bytes (to the word); 0 when an
// unpadded event is already as large.
size_t PadFor(size_t target, int64_t occurred_at) {
  const size_t base = StoredFormOf(CaseIdFor(0), occurred_at, 0).size();
  // A Text of n characters takes n + 1 bytes (the NUL), rounded up to whole words.
  return target >= base + 8 ? target - base - 1 : 0;
}

// The events of one append, built once. Renew() gives them fresh ids before each append, so
// every append stores new events. Not thread-safe: one per client thread.
class EventBatch {
 public:
  EventBatch(size_t thread, size_t count, size_t pad, int64_t occurred_at)
      : thread_(thread), case_id_(CaseIdFor(thread)) {
    for (size_t i = 0; i < count; ++i) {
      messages_.push_back(std::make_unique<capnp::MallocMessageBuilder>(pad / 8 + 128));
      auto ev = messages_.back()->initRoot<schema::Event>();
      FillEvent(ev, case_id_, occurred_at, pad);
      ids_.push_back(ev.getEventId());
      readers_.push_back(ev.asReader());
    }
  }

  void Renew() {
    for (auto& id : ids_) {
      const uint64_t a = Mix((static_cast<uint64_t>(thread_) << 40) | ++counter_);
      const uint64_t b = Mix(a ^ 0x6c65646765720000ULL);
      std::memcpy(id.begin(), &a, 8);
      std::memcpy(id.begin() + 8, &b, 8);
    }
  }
  const std::string& case_id() const { return case_id_; }
  std::span<const schema::Event::Reader> events() const { return readers_; }

 private:
  uint64_t thread_;
  uint64_t counter_ = 0;
  std::string case_id_;
  std::vector<std::unique_ptr<capnp::MallocMessageBuilder>> messages_;
  std::vector<capnp::Data::Builder> ids_;
  std::vector<schema::Event::Reader> readers_;
};

// ---------------------------------------------------------------------------------------------
// Closed-loop clients.

class Client {
 public:
  virtual ~Client() = default;
  // Makes one append (of one or more events) durable. False, with `error` set, on failure.
  virtual bool Write(std::string* error) = 0;
};

class LedgerClient : public Client {
 public:
  LedgerClient(Ledger* ledger, EventBatch batch) : ledger_(ledger), batch_(std::move(batch)) {}
  bool Write(std::string* error) override {
    batch_.Renew();
    auto r = ledger_->Append(batch_.case_id(), ExpectedVersion::Any(), batch_.events());
    if (!r.ok()) *error = r.status().ToString();
    return r.ok();
  }

 private:
  Ledger* ledger_;
  EventBatch batch_;
};

class RocksClient : public Client {
 public:
  RocksClient(rocksdb::DB* db, bool sync, size_t thread, size_t batch, const std::string* value)
      : db_(db), thread_(thread), batch_(batch), value_(value) {
    options_.sync = sync;
  }
  bool Write(std::string* error) override {
    rocksdb::Status s;
    if (batch_ == 1) {
      s = db_->Put(options_, NextKey(), *value_);
    } else {
      rocksdb::WriteBatch batch;
      for (size_t i = 0; i < batch_; ++i) batch.Put(NextKey(), *value_);
      s = db_->Write(options_, &batch);
    }
    if (!s.ok()) *error = s.ToString();
    return s.ok();
  }

 private:
  // 16 bytes: the thread, then a counter; big-endian, so each thread's keys increase.
  rocksdb::Slice NextKey() {
    PutBigEndian64(key_, thread_ + 1);
    PutBigEndian64(key_ + 8, next_++);
    return rocksdb::Slice(key_, sizeof(key_));
  }
  rocksdb::DB* db_;
  rocksdb::WriteOptions options_;
  uint64_t thread_;
  size_t batch_;
  const std::string* value_;
  uint64_t next_ = 0;
  char key_[16];
};

// The counters a measured window is the difference of.
struct Snapshot {
  int64_t nanos = 0;
  double process_cpu = 0;
  double machine_busy = 0;
  WalTotals wal;
  std::map<int, double> thread_cpu;

  static Snapshot Take(const WalCounters& wal) {
    Snapshot s;
    s.thread_cpu = ThreadCpuSeconds();
    s.machine_busy = MachineBusySeconds();
    s.process_cpu = ProcessCpuSeconds();
    s.wal = wal.Read();
    s.nanos = NowNanos();
    return s;
  }
};

struct Measurement {
  uint64_t appends = 0;
  uint64_t events = 0;
  double seconds = 0;
  double cpu_seconds = 0;     // this process
  double busiest_thread = 0;  // share of the window the busiest thread was on a CPU
  double other_cpus = 0;      // CPUs that other processes kept busy, on average
  int64_t p50_nanos = 0;
  int64_t p99_nanos = 0;
  WalTotals wal;            // during the measured window
  double stored_bytes = 0;  // average stored size of an event (value size for rocksdb)
  bool ran() const { return seconds > 0; }
  double events_per_second() const { return ran() ? events / seconds : 0; }
  double appends_per_second() const { return ran() ? appends / seconds : 0; }
};

int64_t Percentile(std::vector<int64_t>& v, double q) {
  if (v.empty()) return 0;
  auto nth = v.begin() + static_cast<ptrdiff_t>(q * static_cast<double>(v.size() - 1));
  std::nth_element(v.begin(), nth, v.end());
  return *nth;
}

// Runs every client in a closed loop on its own thread: `warmup` seconds, then `seconds`
// measured. Calls that finish inside the measured window count. Fails with the first error.
Result<Measurement> RunClosedLoop(std::vector<std::unique_ptr<Client>>& clients,
                                  size_t events_per_call, double warmup, double seconds,
                                  const WalCounters& wal) {
  enum Phase : int { kWarmUp, kMeasure, kStop };
  std::atomic<int> phase{kWarmUp};
  std::vector<std::vector<int64_t>> latencies(clients.size());
  std::vector<std::string> errors(clients.size());
  std::vector<std::thread> threads;
  for (size_t i = 0; i < clients.size(); ++i) {
    threads.emplace_back([&, i] {
      latencies[i].reserve(1 << 14);
      while (phase.load(std::memory_order_acquire) != kStop) {
        const int64_t start = NowNanos();
        if (!clients[i]->Write(&errors[i])) {
          phase.store(kStop, std::memory_order_release);
          return;
        }
        const int64_t took = NowNanos() - start;
        if (phase.load(std::memory_order_acquire) == kMeasure) latencies[i].push_back(took);
      }
    });
  }
  auto sleep_until = [&](int64_t deadline) {
    while (phase.load(std::memory_order_acquire) != kStop && NowNanos() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  };
  sleep_until(NowNanos() + static_cast<int64_t>(warmup * 1e9));
  const Snapshot start = Snapshot::Take(wal);
  int expected = kWarmUp;
  if (phase.compare_exchange_strong(expected, kMeasure)) {
    sleep_until(start.nanos + static_cast<int64_t>(seconds * 1e9));
  }
  const Snapshot end = Snapshot::Take(wal);
  phase.store(kStop, std::memory_order_release);
  for (auto& t : threads) t.join();
  for (const auto& e : errors) {
    if (!e.empty()) return Status::IOError(e);
  }

  Measurement m;
  std::vector<int64_t> all;
  for (const auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  m.appends = all.size();
  m.events = m.appends * events_per_call;
  m.seconds = static_cast<double>(end.nanos - start.nanos) / 1e9;
  m.cpu_seconds = end.process_cpu - start.process_cpu;
  m.other_cpus = std::max(0.0, end.machine_busy - start.machine_busy - m.cpu_seconds) / m.seconds;
  for (const auto& [tid, cpu] : end.thread_cpu) {
    auto before = start.thread_cpu.find(tid);
    if (before != start.thread_cpu.end()) {
      m.busiest_thread = std::max(m.busiest_thread, (cpu - before->second) / m.seconds);
    }
  }
  m.wal = Minus(end.wal, start.wal);
  m.p50_nanos = Percentile(all, 0.50);
  m.p99_nanos = Percentile(all, 0.99);
  return m;
}

// ---------------------------------------------------------------------------------------------
// Scenarios.

struct Config {
  double seconds = 5;
  double warmup = 0.5;
  size_t event_bytes = 512;
  bool sync = true;
  double emulated_sync_ms = 0;  // added to every WAL sync on both sides
  bool run_ledger = true;
  bool run_rocks = true;
};

struct Scenario {
  size_t threads;
  size_t batch;
};

struct ScenarioResult {
  Scenario scenario;
  Measurement ledger;
  Measurement rocks;
  double ratio() const {
    return rocks.events > 0 ? ledger.events_per_second() / rocks.events_per_second() : 0;
  }
};

// What the ledger stores per event, read back from a sample of the log.
double AverageStoredSize(const Ledger& ledger) {
  const uint64_t n = ledger.size();
  uint64_t bytes = 0, count = 0;
  for (uint64_t k = 0; k < 16 && n > 0; ++k) {
    auto events = ledger.ReadLog(n * k / 16, 64);
    if (!events.ok()) continue;
    for (const auto& e : *events) bytes += e.bytes().size();
    count += events->size();
  }
  return count ? static_cast<double>(bytes) / count : 0;
}

Result<Measurement> RunLedgerSide(const Config& c, const Scenario& s, const std::string& dir,
                                  size_t pad, int64_t occurred_at) {
  WalCounters wal(static_cast<int64_t>(c.emulated_sync_ms * 1e6));
  auto env = rocksdb::NewCompositeEnv(
      std::make_shared<WalCountingFileSystem>(rocksdb::FileSystem::Default(), &wal));
  LedgerOptions options;
  options.data_dir = dir;
  options.sync = c.sync;
  options.env = env.get();
  auto ledger = Ledger::Open(options);
  if (!ledger.ok()) return ledger.status();
  std::vector<std::unique_ptr<Client>> clients;
  for (size_t t = 0; t < s.threads; ++t) {
    clients.push_back(
        std::make_unique<LedgerClient>(ledger->get(), EventBatch(t, s.batch, pad, occurred_at)));
  }
  auto m = RunClosedLoop(clients, s.batch, c.warmup, c.seconds, wal);
  if (m.ok()) m->stored_bytes = AverageStoredSize(**ledger);
  return m;
}

Result<Measurement> RunRocksSide(const Config& c, const Scenario& s, const std::string& dir,
                                 const std::string& value) {
  WalCounters wal(static_cast<int64_t>(c.emulated_sync_ms * 1e6));
  auto env = rocksdb::NewCompositeEnv(
      std::make_shared<WalCountingFileSystem>(rocksdb::FileSystem::Default(), &wal));
  rocksdb::Options options;  // RocksDB's defaults, except:
  options.create_if_missing = true;
  options.env = env.get();  // pass-through, counting WAL syncs
  rocksdb::DB* raw = nullptr;
  rocksdb::Status st = rocksdb::DB::Open(options, dir, &raw);
  if (!st.ok()) return Status::IOError("open " + dir + ": " + st.ToString());
  std::unique_ptr<rocksdb::DB> db(raw);
  std::vector<std::unique_ptr<Client>> clients;
  for (size_t t = 0; t < s.threads; ++t) {
    clients.push_back(std::make_unique<RocksClient>(db.get(), c.sync, t, s.batch, &value));
  }
  auto m = RunClosedLoop(clients, s.batch, c.warmup, c.seconds, wal);
  if (m.ok()) m->stored_bytes = static_cast<double>(value.size());
  (void)db->Close();
  return m;
}

// ---------------------------------------------------------------------------------------------
// The disk's floor: appending 512 bytes to a file and fdatasync-ing it.

struct FsyncProbe {
  int64_t p50_nanos = -1;
  int64_t p99_nanos = -1;
};

FsyncProbe ProbeFsync(const std::string& dir, int rounds) {
  FsyncProbe probe;
  const std::string path = dir + "/fsync-probe";
  int fd = ::open(path.c_str(), O_CREAT | O_WRONLY | O_APPEND, 0644);
  if (fd < 0) return probe;
  std::vector<int64_t> took;
  const std::string block(512, 'p');
  for (int i = 0; i < rounds; ++i) {
    const int64_t start = NowNanos();
    if (::write(fd, block.data(), block.size()) != static_cast<ssize_t>(block.size())) break;
    if (::fdatasync(fd) != 0) break;
    took.push_back(NowNanos() - start);
  }
  ::close(fd);
  ::unlink(path.c_str());
  if (static_cast<int>(took.size()) == rounds) {
    probe.p50_nanos = Percentile(took, 0.50);
    probe.p99_nanos = Percentile(took, 0.99);
  }
  return probe;
}

// ---------------------------------------------------------------------------------------------
// Reports.

std::string Label(const Scenario& s) {
  return std::to_string(s.threads) + " thr x " + std::to_string(s.batch) + " ev";
}

void PrintRow(FILE* out, const char* scenario, const char* side, const Measurement& m) {
  auto per_event = [&](double v) { return m.events ? v / static_cast<double>(m.events) : 0; };
  std::fprintf(
      out, "%-15s %-10s %9.0f %9.0f %7.2f %7.2f %6.1f %7.0f %6.1f %5.0f %4.0f%% %4.0f%% %5.2f\n",
      scenario, side, m.events_per_second(), m.appends_per_second(), m.p50_nanos / 1e6,
      m.p99_nanos / 1e6, per_event(m.cpu_seconds * 1e6), m.wal.syncs / m.seconds,
      m.wal.syncs ? static_cast<double>(m.appends) / m.wal.syncs : 0,
      per_event(static_cast<double>(m.wal.bytes)), 100.0 * m.wal.sync_nanos / 1e9 / m.seconds,
      100.0 * m.busiest_thread, m.other_cpus);
}

struct Target {
  Scenario scenario;
  double at_least;
};
// From the issue: 64 single-event appenders at least 2x raw RocksDB with 64 threads;
// 1024-event batches at least 0.5x a raw synced WriteBatch of 1024 puts.
const Target kTargets[] = {{{64, 1}, 2.0}, {{1, 1024}, 0.5}};

// The targets are printed only for synced runs on the real disk (`with_targets`).
void PrintTable(FILE* out, const std::vector<ScenarioResult>& results, bool with_targets) {
  std::fprintf(out, "%-15s %-10s %9s %9s %7s %7s %6s %7s %6s %5s %5s %5s %5s\n", "scenario", "side",
               "events/s", "appends/s", "p50 ms", "p99 ms", "CPU us", "syncs/s", "ap/syn", "WAL B",
               "sync", "busy1", "other");
  for (const auto& r : results) {
    const std::string label = Label(r.scenario);
    if (r.ledger.ran()) PrintRow(out, label.c_str(), "caseledger", r.ledger);
    if (r.rocks.ran()) PrintRow(out, r.ledger.ran() ? "" : label.c_str(), "rocksdb", r.rocks);
    if (!r.ledger.ran() || !r.rocks.ran()) continue;
    std::fprintf(
        out, "%-15s %-10s %8.2fx %9s %6.2fx\n", "", "ratio", r.ratio(), "",
        r.rocks.p50_nanos ? static_cast<double>(r.ledger.p50_nanos) / r.rocks.p50_nanos : 0);
  }
  std::fprintf(
      out,
      "CPU us: process CPU time (getrusage, all threads) per event; ap/syn: appends per WAL "
      "sync (commit group size);\nWAL B: WAL bytes per event; sync: share of the window "
      "spent in WAL syncs; busy1: share of the window the busiest\nthread was on a CPU; "
      "other: CPUs kept busy by other processes meanwhile. ratio: caseledger/rocksdb "
      "events/s, then p50.\n");
  for (const auto& t : kTargets) {
    if (!with_targets) break;
    for (const auto& r : results) {
      if (r.scenario.threads != t.scenario.threads || r.scenario.batch != t.scenario.batch ||
          !r.ledger.ran() || !r.rocks.ran()) {
        continue;
      }
      std::fprintf(out, "target %s: caseledger/rocksdb %.2fx, wanted >= %.1fx: %s\n",
                   Label(t.scenario).c_str(), r.ratio(), t.at_least,
                   r.ratio() >= t.at_least ? "met" : "MISSED");
    }
  }
}

void JsonSide(std::ostream& o, const Measurement& m) {
  o << "{\"events_per_s\":" << m.events_per_second()
    << ",\"appends_per_s\":" << m.appends_per_second() << ",\"p50_us\":" << m.p50_nanos / 1e3
    << ",\"p99_us\":" << m.p99_nanos / 1e3
    << ",\"cpu_us_per_event\":" << (m.events ? m.cpu_seconds * 1e6 / m.events : 0)
    << ",\"appends\":" << m.appends << ",\"events\":" << m.events << ",\"seconds\":" << m.seconds
    << ",\"wal_syncs\":" << m.wal.syncs << ",\"wal_bytes\":" << m.wal.bytes
    << ",\"wal_sync_seconds\":" << m.wal.sync_nanos / 1e9
    << ",\"busiest_thread_cpu_share\":" << m.busiest_thread
    << ",\"other_processes_cpus\":" << m.other_cpus
    << ",\"stored_bytes_per_event\":" << m.stored_bytes << "}";
}

std::string Json(const Config& c, const FsyncProbe& probe, const std::vector<ScenarioResult>& rs) {
  std::ostringstream o;
  o << "{\"config\":{\"seconds\":" << c.seconds << ",\"warmup\":" << c.warmup
    << ",\"event_bytes\":" << c.event_bytes << ",\"sync\":" << (c.sync ? "true" : "false")
    << ",\"emulated_sync_ms\":" << c.emulated_sync_ms
    << ",\"nproc\":" << std::thread::hardware_concurrency()
    << "},\"fsync_probe\":{\"p50_us\":" << probe.p50_nanos / 1e3
    << ",\"p99_us\":" << probe.p99_nanos / 1e3 << "},\"scenarios\":[";
  for (size_t i = 0; i < rs.size(); ++i) {
    o << (i ? "," : "") << "{\"threads\":" << rs[i].scenario.threads
      << ",\"batch\":" << rs[i].scenario.batch;
    if (rs[i].ledger.ran()) JsonSide(o << ",\"caseledger\":", rs[i].ledger);
    if (rs[i].rocks.ran()) JsonSide(o << ",\"rocksdb\":", rs[i].rocks);
    if (rs[i].ledger.ran() && rs[i].rocks.ran()) o << ",\"ratio\":" << rs[i].ratio();
    o << "}";
  }
  o << "]}\n";
  return o.str();
}

// "1,8,64" -> {1, 8, 64}; "" or "none" -> {}. False on anything else.
bool ParseList(const std::string& text, std::vector<size_t>* out) {
  out->clear();
  if (text.empty() || text == "none") return true;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    char* end = nullptr;
    const unsigned long long v = std::strtoull(item.c_str(), &end, 10);
    if (item.empty() || *end != '\0' || v == 0) return false;
    out->push_back(v);
  }
  return true;
}

void PrintHeader(FILE* out, const Config& c, size_t scenarios, size_t pad, size_t stored,
                 const FsyncProbe& probe, const std::string& root) {
  std::fprintf(out,
               "ledger_bench: %zu scenarios, %.1f s each after %.1f s warm-up, sync %s, %u CPUs\n"
               "events: legalBasis padded by %zu chars, stored form %zu bytes; rocksdb values "
               "%zu bytes\n"
               "disk floor: 512-byte append + fdatasync p50 %.3f ms, p99 %.3f ms (in %s)\n",
               scenarios, c.seconds, c.warmup, c.sync ? "on" : "off",
               std::thread::hardware_concurrency(), pad, stored, stored, probe.p50_nanos / 1e6,
               probe.p99_nanos / 1e6, root.c_str());
  if (c.emulated_sync_ms > 0) {
    std::fprintf(out, "EMULATED slower disk: every WAL sync sleeps %.2f ms more, both sides\n",
                 c.emulated_sync_ms);
  }
}

int Main(int argc, char** argv) {
  CLI::App app{"Durable append throughput of caseledger against raw synced RocksDB writes"};
  Config c;
  std::string parent_dir, threads = "1,8,64", batches = "1,64,1024", side = "both";
  bool json = false, keep = false;
  app.add_option("--dir", parent_dir, "where to make the run's fresh directory (default: $TMPDIR)");
  app.add_option("--seconds", c.seconds, "measured seconds per scenario and side")
      ->capture_default_str();
  app.add_option("--warmup", c.warmup, "warm-up seconds before each measurement")
      ->capture_default_str();
  app.add_option("--threads", threads, "single-event appender threads, e.g. 1,8,64 or none")
      ->capture_default_str();
  app.add_option("--batches", batches, "events per append, one thread, e.g. 1,64,1024 or none")
      ->capture_default_str();
  app.add_option("--event-bytes", c.event_bytes, "stored (canonical) size of each event")
      ->capture_default_str();
  app.add_flag("--sync,!--no-sync", c.sync, "sync every write, both sides (default: on)");
  app.add_option("--emulate-sync-ms", c.emulated_sync_ms,
                 "sleep this long in every WAL sync, both sides: a slower disk (default 0)");
  app.add_option("--side", side, "both, caseledger or rocksdb")
      ->capture_default_str()
      ->check(CLI::IsMember({"both", "caseledger", "rocksdb"}));
  app.add_flag("--json", json, "print JSON on stdout (the table then goes to stderr)");
  app.add_flag("--keep", keep, "keep the data directories");
  CLI11_PARSE(app, argc, argv);

  std::vector<size_t> thread_counts, batch_sizes;
  if (!ParseList(threads, &thread_counts) || !ParseList(batches, &batch_sizes)) {
    std::fprintf(stderr, "--threads and --batches take comma-separated positive numbers\n");
    return 2;
  }
  c.run_ledger = side != "rocksdb";
  c.run_rocks = side != "caseledger";
  std::vector<Scenario> scenarios;
  for (size_t t : thread_counts) scenarios.push_back({t, 1});
  for (size_t b : batch_sizes) {
    // One thread appending batches of 1 is the one-thread scenario: run it once.
    if (b == 1 && std::count(thread_counts.begin(), thread_counts.end(), 1)) continue;
    scenarios.push_back({1, b});
  }

  std::error_code ec;
  const fs::path parent = parent_dir.empty() ? fs::temp_directory_path(ec) : fs::path(parent_dir);
  std::string root = (parent / "ledger_bench-XXXXXX").string();
  if (::mkdtemp(root.data()) == nullptr) {
    std::fprintf(stderr, "cannot make a directory in %s: %s\n", parent.c_str(),
                 std::strerror(errno));
    return 2;
  }
  const int64_t occurred_at = std::chrono::duration_cast<std::chrono::microseconds>(
                                  std::chrono::system_clock::now().time_since_epoch())
                                  .count();
  const size_t pad = PadFor(c.event_bytes, occurred_at);
  const std::string value = StoredFormOf(CaseIdFor(0), occurred_at, pad);
  FILE* table = json ? stderr : stdout;
  const FsyncProbe probe = ProbeFsync(root, 200);
  PrintHeader(table, c, scenarios.size(), pad, value.size(), probe, root);

  std::vector<ScenarioResult> results;
  std::string failure;
  for (size_t i = 0; i < scenarios.size() && failure.empty(); ++i) {
    const Scenario& s = scenarios[i];
    const std::string dir = root + "/" + std::to_string(i) + "-t" + std::to_string(s.threads) +
                            "-b" + std::to_string(s.batch);
    std::fprintf(stderr, "[%zu/%zu] %s ...\n", i + 1, scenarios.size(), Label(s).c_str());
    ScenarioResult r{s, {}, {}};
    if (c.run_ledger) {
      auto m = RunLedgerSide(c, s, dir + "-caseledger", pad, occurred_at);
      if (!m.ok()) failure = "caseledger: " + m.status().ToString();
      if (m.ok()) r.ledger = *m;
    }
    if (c.run_rocks && failure.empty()) {
      auto m = RunRocksSide(c, s, dir + "-rocksdb", value);
      if (!m.ok()) failure = "rocksdb: " + m.status().ToString();
      if (m.ok()) r.rocks = *m;
    }
    if (failure.empty()) results.push_back(r);
  }

  if (c.run_ledger && !results.empty()) {
    std::fprintf(table, "caseledger stored %.0f bytes per event on average (read back)\n",
                 results.front().ledger.stored_bytes);
  }
  PrintTable(table, results, c.sync && c.emulated_sync_ms == 0);
  if (json) std::fputs(Json(c, probe, results).c_str(), stdout);
  if (!keep) fs::remove_all(root, ec);
  if (!failure.empty()) std::fprintf(stderr, "failed: %s\n", failure.c_str());
  return failure.empty() ? 0 : 1;
}

}  // namespace
}  // namespace caseledger::bench

int main(int argc, char** argv) { return caseledger::bench::Main(argc, argv); }
