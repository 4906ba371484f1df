// What the benchmarks share (docs/performance.md): clocks and CPU counters, a pass-through
// RocksDB file system that counts WAL appends and syncs, synthetic events of a chosen size,
// raw RocksDB writers (the baseline every durable figure is compared with), and a closed-loop
// runner that measures a window after a warm-up.
#ifndef CASELEDGER_TOOLS_BENCH_UTIL_H_
#define CASELEDGER_TOOLS_BENCH_UTIL_H_

#include <capnp/message.h>
#include <rocksdb/db.h>
#include <rocksdb/file_system.h>
#include <sys/types.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "ledger/status.h"
#include "schema/events.capnp.h"

namespace caseledger::bench {

// ---------------------------------------------------------------------------------------------
// Clocks and CPU.

int64_t NowNanos();  // steady clock
int64_t NowMicrosSinceEpoch();
// User plus system time of this process, all threads (getrusage).
double ProcessCpuSeconds();
// User plus system time of process `pid` (/proc/<pid>/stat; 10 ms resolution). -1 if unreadable.
double ProcessCpuSecondsOf(pid_t pid);
// CPU seconds of each thread of this process, by thread id (/proc/self/task).
std::map<int, double> ThreadCpuSeconds();
// CPU seconds every process on the machine has used (/proc/stat; steal excluded).
double MachineBusySeconds();
// The q-quantile (0..1) of `v` (reorders it); 0 when empty.
int64_t Percentile(std::vector<int64_t>& v, double q);

// ---------------------------------------------------------------------------------------------
// Counting what reaches a RocksDB write-ahead log.

struct WalTotals {
  uint64_t bytes = 0;
  uint64_t syncs = 0;
  int64_t sync_nanos = 0;
};
WalTotals Minus(const WalTotals& a, const WalTotals& b);

// Updated by whichever RocksDB thread writes the WAL. Thread-safe.
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

// A RocksDB file system that passes everything through to `target` and wraps WAL files
// (NNNNNN.log) so that their appends and syncs are counted in `counters` (not owned).
std::shared_ptr<rocksdb::FileSystem> NewWalCountingFileSystem(
    std::shared_ptr<rocksdb::FileSystem> target, WalCounters* counters);

// ---------------------------------------------------------------------------------------------
// Events.

// A bijection on 64 bits (the splitmix64 finalizer).
uint64_t Mix(uint64_t z);
void PutBigEndian64(char* out, uint64_t v);

// Who the synthetic events say recorded them.
struct EventAuthor {
  std::string agency_id = "no-cp-oslo";
  schema::AgencyRole agency_role = schema::AgencyRole::CHILD_PROTECTION;
  // The event also carries invented personal data (a given and a family name), which the
  // ledger seals with the child's data key: measures what sealing costs.
  bool personal = false;
};

// "bench-case-0007" (fixed width, so every case id has the same size).
std::string CaseIdFor(size_t n);

// Fills a valid client event (a case conference, as tests/support/test_events.cc builds one)
// with a zero event id and a legalBasis `pad` characters long.
void FillEvent(schema::Event::Builder ev, const std::string& case_id, int64_t occurred_at,
               size_t pad, const EventAuthor& author);

// The canonical bytes of such an event: as a client sends it (`stored` false), or as the ledger
// stores it when it is not the first of its case (schema version, stream version, position,
// recorded-at and prevLeafHash added).
std::string CanonicalFormOf(const std::string& case_id, int64_t occurred_at, size_t pad,
                            const EventAuthor& author, bool stored);

// The legalBasis length that makes that canonical form `target` bytes (to the word); 0 when
// an unpadded event is already as large.
size_t PadFor(size_t target, int64_t occurred_at, const EventAuthor& author, bool stored);

// The events of one append to case CaseIdFor(`stream`), built once. Renew() gives them fresh,
// random-looking ids before each append, so that every append stores new events. Not
// thread-safe: one per client thread.
class EventBatch {
 public:
  EventBatch(size_t stream, size_t count, size_t pad, int64_t occurred_at,
             const EventAuthor& author = {});
  EventBatch(EventBatch&&) = default;
  // Moves to a new case ("bench-NNNNNNNNN", as long as CaseIdFor's ids, so events keep their
  // size) before an append that would take the current one past `events` events; the new
  // case numbers are stream + k * stride, so clients with different streams and the same
  // stride never share a case. 0 (the default): one case for ever.
  void RotateCasesEvery(size_t events, size_t stride);
  void Renew();
  const std::string& case_id() const { return case_id_; }
  std::span<const schema::Event::Reader> events() const { return readers_; }

 private:
  uint64_t stream_;
  uint64_t counter_ = 0;
  size_t case_events_ = 0, stride_ = 1, in_case_ = 0, rotation_ = 0;
  std::string case_id_;
  std::vector<std::unique_ptr<capnp::MallocMessageBuilder>> messages_;
  std::vector<capnp::Data::Builder> ids_;
  std::vector<schema::Event::Reader> readers_;
};

// ---------------------------------------------------------------------------------------------
// Closed-loop clients.

class LoopClient {
 public:
  virtual ~LoopClient() = default;
  // Makes one append (of one or more events) durable. False, with `error` set, on failure.
  virtual bool Write(std::string* error) = 0;
};

// Raw RocksDB: Put of `value` under increasing 16-byte keys of the thread's own range, or
// (batch > 1) a WriteBatch of `batch` such puts. WriteOptions::sync = `sync`.
class RocksClient : public LoopClient {
 public:
  RocksClient(rocksdb::DB* db, bool sync, size_t thread, size_t batch, const std::string* value);
  bool Write(std::string* error) override;

 private:
  rocksdb::Slice NextKey();
  rocksdb::DB* db_;
  rocksdb::WriteOptions options_;
  uint64_t thread_;
  size_t batch_;
  const std::string* value_;
  uint64_t next_ = 0;
  char key_[16];
};

struct LoopOptions {
  double warmup_seconds = 0.5;
  double seconds = 5;
  size_t events_per_call = 1;
  // Stop every client at the first error (and fail the run) or count errors and go on.
  bool stop_on_error = true;
  const WalCounters* wal = nullptr;  // may be null
  // Run right before the measured window starts and right after it ends (on the caller's
  // thread), e.g. to read another process's counters.
  std::function<void()> at_start;
  std::function<void()> at_end;
};

struct Measurement {
  uint64_t appends = 0;
  uint64_t events = 0;
  uint64_t errors = 0;        // failed calls in the window (stop_on_error false)
  std::string first_error;    // the first error message, of the whole run
  double seconds = 0;
  double cpu_seconds = 0;     // this process
  double busiest_thread = 0;  // share of the window this process's busiest thread was on a CPU
  double machine_busy = 0;    // CPU seconds used by every process on the machine
  int64_t p50_nanos = 0;
  int64_t p99_nanos = 0;
  int64_t p999_nanos = 0;
  int64_t max_nanos = 0;
  WalTotals wal;            // during the measured window (when counted)
  double stored_bytes = 0;  // average stored size of an event
  bool ran() const { return seconds > 0; }
  double events_per_second() const { return ran() ? events / seconds : 0; }
  double appends_per_second() const { return ran() ? appends / seconds : 0; }
  // CPUs that processes other than this one kept busy during the window, on average.
  double other_cpus() const {
    return ran() ? std::max(0.0, machine_busy - cpu_seconds) / seconds : 0;
  }
};

// The options of a plain window: `warmup` seconds, then `seconds` measured.
inline LoopOptions Window(double warmup, double seconds) {
  LoopOptions o;
  o.warmup_seconds = warmup;
  o.seconds = seconds;
  return o;
}

// Runs every client in a closed loop on its own thread: `warmup_seconds`, then `seconds`
// measured. Calls that finish inside the measured window count. With stop_on_error, fails with
// the first error.
Result<Measurement> RunClosedLoop(std::vector<std::unique_ptr<LoopClient>>& clients,
                                  const LoopOptions& options);

// The baseline: raw RocksDB (default options except create_if_missing) in a fresh directory
// `dir`, `threads` closed-loop writers each putting `value` (batch 1) or WriteBatches of
// `batch` puts, WriteOptions::sync as given, over a WAL-counting file system.
struct RocksBaseline {
  std::string dir;
  size_t threads = 64;
  size_t batch = 1;
  bool sync = true;
  double emulated_sync_ms = 0;  // extra sleep in every WAL sync
};
Result<Measurement> RunRocksBaseline(const RocksBaseline& b, const std::string& value,
                                     LoopOptions loop);

// ---------------------------------------------------------------------------------------------
// The disk's floor: appending 512 bytes to a file in `dir` and fdatasync-ing it, `rounds`
// times. -1 when it could not be measured.
struct FsyncProbe {
  int64_t p50_nanos = -1;
  int64_t p99_nanos = -1;
};
FsyncProbe ProbeFsync(const std::string& dir, int rounds);

}  // namespace caseledger::bench

#endif  // CASELEDGER_TOOLS_BENCH_UTIL_H_
