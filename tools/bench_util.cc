#include "tools/bench_util.h"

#include <fcntl.h>
#include <rocksdb/env.h>
#include <rocksdb/write_batch.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace caseledger::bench {

namespace fs = std::filesystem;
using rocksdb::IODebugContext;
using rocksdb::IOOptions;
using rocksdb::IOStatus;

int64_t NowNanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

int64_t NowMicrosSinceEpoch() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

double ProcessCpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  auto secs = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return secs(u.ru_utime) + secs(u.ru_stime);
}

namespace {

// utime + stime of a /proc/.../stat line, in seconds; -1 when malformed. "pid (comm) state
// ...": comm may hold spaces; utime and stime are fields 14 and 15.
double CpuOfStatLine(const std::string& line) {
  const size_t paren = line.rfind(')');
  if (paren == std::string::npos || paren + 2 > line.size()) return -1;
  std::istringstream rest(line.substr(paren + 2));
  std::string skip;
  for (int field = 3; field <= 13; ++field) rest >> skip;
  unsigned long long user = 0, system = 0;
  if (!(rest >> user >> system)) return -1;
  return static_cast<double>(user + system) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

}  // namespace

double ProcessCpuSecondsOf(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(in, line)) return -1;
  return CpuOfStatLine(line);
}

std::map<int, double> ThreadCpuSeconds() {
  std::map<int, double> out;
  std::error_code ec;
  for (const auto& task : fs::directory_iterator("/proc/self/task", ec)) {
    std::ifstream in(task.path() / "stat");
    std::string line;
    if (!std::getline(in, line)) continue;
    const double cpu = CpuOfStatLine(line);
    if (cpu >= 0) out[std::stoi(task.path().filename())] = cpu;
  }
  return out;
}

double MachineBusySeconds() {
  std::ifstream in("/proc/stat");
  std::string cpu;
  unsigned long long user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0;
  if (!(in >> cpu >> user >> nice >> system >> idle >> iowait >> irq >> softirq)) return 0;
  return (user + nice + system + irq + softirq) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

int64_t Percentile(std::vector<int64_t>& v, double q) {
  if (v.empty()) return 0;
  auto nth = v.begin() + static_cast<ptrdiff_t>(q * static_cast<double>(v.size() - 1));
  std::nth_element(v.begin(), nth, v.end());
  return *nth;
}

// ---------------------------------------------------------------------------------------------
// WAL counting.

WalTotals Minus(const WalTotals& a, const WalTotals& b) {
  return {a.bytes - b.bytes, a.syncs - b.syncs, a.sync_nanos - b.sync_nanos};
}

namespace {

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

class WalCountingFileSystem : public rocksdb::FileSystemWrapper {
 public:
  WalCountingFileSystem(std::shared_ptr<rocksdb::FileSystem> target, WalCounters* counters)
      : FileSystemWrapper(std::move(target)), counters_(counters) {}

  static const char* kClassName() { return "BenchWalCountingFileSystem"; }
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

}  // namespace

std::shared_ptr<rocksdb::FileSystem> NewWalCountingFileSystem(
    std::shared_ptr<rocksdb::FileSystem> target, WalCounters* counters) {
  return std::make_shared<WalCountingFileSystem>(std::move(target), counters);
}

// ---------------------------------------------------------------------------------------------
// Events.

uint64_t Mix(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

void PutBigEndian64(char* out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>(v >> (56 - 8 * i));
}

std::string CaseIdFor(size_t n) {
  char id[32];
  std::snprintf(id, sizeof(id), "bench-case-%04zu", n);
  return id;
}

void FillEvent(schema::Event::Builder ev, const std::string& case_id, int64_t occurred_at,
               size_t pad, const EventAuthor& author) {
  ev.initEventId(16);
  ev.setCaseId(case_id);
  ev.setChildId("bench-child-" + case_id.substr(case_id.size() - 4));
  ev.setDataClass(schema::DataClass::ORDINARY);
  ev.setOccurredAt(occurred_at);
  ev.setJurisdiction(schema::Jurisdiction::NO);
  ev.setAgencyId(author.agency_id);
  ev.setAgencyRole(author.agency_role);
  ev.setActorId("worker-17");
  auto body = ev.initBody().initCaseConferenceHeld();
  body.setKind(schema::CaseConferenceHeld::Kind::INITIAL);
  auto attendees = body.initAttendees(2);
  attendees.set(0, schema::AgencyRole::CHILD_PROTECTION);
  attendees.set(1, schema::AgencyRole::POLICE);
  if (pad > 0) ev.setLegalBasis(std::string(pad, 'x'));
  if (author.personal) {
    auto personal = ev.initPersonal();
    personal.setGivenName("Benchmark");
    personal.setFamilyName("Child-" + case_id.substr(case_id.size() - 4));
  }
}

std::string CanonicalFormOf(const std::string& case_id, int64_t occurred_at, size_t pad,
                            const EventAuthor& author, bool stored) {
  capnp::MallocMessageBuilder message;
  auto ev = message.initRoot<schema::Event>();
  FillEvent(ev, case_id, occurred_at, pad, author);
  if (stored) {
    ev.setSchemaVersion(schema::SCHEMA_VERSION);
    ev.setStreamVersion(1000);
    ev.setGlobalPosition(1000000);
    ev.setRecordedAt(occurred_at);
    const uint8_t hash[32] = {0x5a};
    ev.setPrevLeafHash(capnp::Data::Reader(hash, sizeof(hash)));
  }
  auto words = capnp::canonicalize(ev.asReader());
  auto bytes = words.asBytes();
  return std::string(reinterpret_cast<const char*>(bytes.begin()), bytes.size());
}

size_t PadFor(size_t target, int64_t occurred_at, const EventAuthor& author, bool stored) {
  const size_t base = CanonicalFormOf(CaseIdFor(0), occurred_at, 0, author, stored).size();
  // A Text of n characters takes n + 1 bytes (the NUL), rounded up to whole words.
  return target >= base + 8 ? target - base - 1 : 0;
}

EventBatch::EventBatch(size_t stream, size_t count, size_t pad, int64_t occurred_at,
                       const EventAuthor& author)
    : stream_(stream), case_id_(CaseIdFor(stream)) {
  for (size_t i = 0; i < count; ++i) {
    messages_.push_back(std::make_unique<capnp::MallocMessageBuilder>(pad / 8 + 128));
    auto ev = messages_.back()->initRoot<schema::Event>();
    FillEvent(ev, case_id_, occurred_at, pad, author);
    ids_.push_back(ev.getEventId());
    readers_.push_back(ev.asReader());
  }
}

void EventBatch::RotateCasesEvery(size_t events, size_t stride) {
  case_events_ = events;
  stride_ = stride > 0 ? stride : 1;
}

void EventBatch::Renew() {
  if (case_events_ > 0 && in_case_ > 0 && in_case_ + readers_.size() > case_events_) {
    char id[32];
    std::snprintf(id, sizeof(id), "bench-%09zu", stream_ + ++rotation_ * stride_);
    case_id_ = id;
    for (auto& m : messages_) m->getRoot<schema::Event>().setCaseId(case_id_);
    in_case_ = 0;
  }
  in_case_ += readers_.size();
  for (auto& id : ids_) {
    const uint64_t a = Mix((stream_ << 40) | ++counter_);
    const uint64_t b = Mix(a ^ 0x6c65646765720000ULL);
    std::memcpy(id.begin(), &a, 8);
    std::memcpy(id.begin() + 8, &b, 8);
  }
}

// ---------------------------------------------------------------------------------------------
// Closed loops.

RocksClient::RocksClient(rocksdb::DB* db, bool sync, size_t thread, size_t batch,
                         const std::string* value)
    : db_(db), thread_(thread), batch_(batch), value_(value) {
  options_.sync = sync;
}

bool RocksClient::Write(std::string* error) {
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

// 16 bytes: the thread, then a counter; big-endian, so each thread's keys increase.
rocksdb::Slice RocksClient::NextKey() {
  PutBigEndian64(key_, thread_ + 1);
  PutBigEndian64(key_ + 8, next_++);
  return rocksdb::Slice(key_, sizeof(key_));
}

namespace {

// The counters a measured window is the difference of.
struct Snapshot {
  int64_t nanos = 0;
  double process_cpu = 0;
  double machine_busy = 0;
  WalTotals wal;
  std::map<int, double> thread_cpu;

  static Snapshot Take(const WalCounters* wal) {
    Snapshot s;
    s.thread_cpu = ThreadCpuSeconds();
    s.machine_busy = MachineBusySeconds();
    s.process_cpu = ProcessCpuSeconds();
    if (wal) s.wal = wal->Read();
    s.nanos = NowNanos();
    return s;
  }
};

}  // namespace

Result<Measurement> RunClosedLoop(std::vector<std::unique_ptr<LoopClient>>& clients,
                                  const LoopOptions& o) {
  enum Phase : int { kWarmUp, kMeasure, kStop };
  std::atomic<int> phase{kWarmUp};
  std::vector<std::vector<int64_t>> latencies(clients.size());
  std::vector<uint64_t> errors(clients.size(), 0);
  std::vector<std::string> first_errors(clients.size());
  std::vector<std::thread> threads;
  for (size_t i = 0; i < clients.size(); ++i) {
    threads.emplace_back([&, i] {
      latencies[i].reserve(1 << 14);
      std::string error;
      while (phase.load(std::memory_order_acquire) != kStop) {
        const int64_t start = NowNanos();
        const bool ok = clients[i]->Write(&error);
        const int64_t took = NowNanos() - start;
        const bool measuring = phase.load(std::memory_order_acquire) == kMeasure;
        if (!ok) {
          if (first_errors[i].empty()) first_errors[i] = error.empty() ? "failed" : error;
          if (measuring) ++errors[i];
          if (o.stop_on_error) {
            phase.store(kStop, std::memory_order_release);
            return;
          }
          continue;
        }
        if (measuring) latencies[i].push_back(took);
      }
    });
  }
  auto sleep_until = [&](int64_t deadline) {
    while (phase.load(std::memory_order_acquire) != kStop && NowNanos() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  };
  sleep_until(NowNanos() + static_cast<int64_t>(o.warmup_seconds * 1e9));
  if (o.at_start) o.at_start();
  const Snapshot start = Snapshot::Take(o.wal);
  int expected = kWarmUp;
  if (phase.compare_exchange_strong(expected, kMeasure)) {
    sleep_until(start.nanos + static_cast<int64_t>(o.seconds * 1e9));
  }
  // Stop counting first, so that the window's counters and its calls agree.
  expected = kMeasure;
  phase.compare_exchange_strong(expected, kWarmUp);
  const Snapshot end = Snapshot::Take(o.wal);
  if (o.at_end) o.at_end();
  phase.store(kStop, std::memory_order_release);
  for (auto& t : threads) t.join();

  Measurement m;
  for (size_t i = 0; i < clients.size(); ++i) {
    m.errors += errors[i];
    if (m.first_error.empty()) m.first_error = first_errors[i];
  }
  if (o.stop_on_error && !m.first_error.empty()) return Status::IOError(m.first_error);
  std::vector<int64_t> all;
  for (const auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  m.appends = all.size();
  m.events = m.appends * o.events_per_call;
  m.seconds = static_cast<double>(end.nanos - start.nanos) / 1e9;
  m.cpu_seconds = end.process_cpu - start.process_cpu;
  m.machine_busy = end.machine_busy - start.machine_busy;
  for (const auto& [tid, cpu] : end.thread_cpu) {
    auto before = start.thread_cpu.find(tid);
    if (before != start.thread_cpu.end()) {
      m.busiest_thread = std::max(m.busiest_thread, (cpu - before->second) / m.seconds);
    }
  }
  m.wal = Minus(end.wal, start.wal);
  m.p50_nanos = Percentile(all, 0.50);
  m.p99_nanos = Percentile(all, 0.99);
  m.p999_nanos = Percentile(all, 0.999);
  m.max_nanos = all.empty() ? 0 : *std::max_element(all.begin(), all.end());
  return m;
}

Result<Measurement> RunRocksBaseline(const RocksBaseline& b, const std::string& value,
                                     LoopOptions loop) {
  WalCounters wal(static_cast<int64_t>(b.emulated_sync_ms * 1e6));
  auto env = rocksdb::NewCompositeEnv(NewWalCountingFileSystem(rocksdb::FileSystem::Default(), &wal));
  rocksdb::Options options;  // RocksDB's defaults, except:
  options.create_if_missing = true;
  options.env = env.get();  // pass-through, counting WAL syncs
  rocksdb::DB* raw = nullptr;
  rocksdb::Status st = rocksdb::DB::Open(options, b.dir, &raw);
  if (!st.ok()) return Status::IOError("open " + b.dir + ": " + st.ToString());
  std::unique_ptr<rocksdb::DB> db(raw);
  std::vector<std::unique_ptr<LoopClient>> clients;
  for (size_t t = 0; t < b.threads; ++t) {
    clients.push_back(std::make_unique<RocksClient>(db.get(), b.sync, t, b.batch, &value));
  }
  loop.wal = &wal;
  loop.events_per_call = b.batch;
  auto m = RunClosedLoop(clients, loop);
  if (m.ok()) m->stored_bytes = static_cast<double>(value.size());
  clients.clear();
  (void)db->Close();
  return m;
}

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

}  // namespace caseledger::bench
