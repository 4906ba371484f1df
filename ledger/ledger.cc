// Opening a ledger, reading from it, and preparing appends on the caller's thread.
// The writer side (group commit) is in commit_writer.cc.
#include "ledger/ledger.h"

#include <capnp/serialize.h>
#include <kj/exception.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/slice_transform.h>
#include <rocksdb/table.h>
#include <spdlog/sinks/null_sink.h>
#include <openssl/crypto.h>
#include <spdlog/spdlog.h>

#include <cstring>
#include <filesystem>
#include <future>
#include <unordered_set>

#include "ledger/event_json.h"
#include "ledger/event_validation.h"
#include "ledger/ledger_impl.h"
#include "ledger/rocks_status.h"

namespace caseledger {

using detail::FromRocks;

std::string ExpectedVersion::ToString() const {
  switch (kind_) {
    case Kind::kAny: return "any";
    case Kind::kNoStream: return "no stream";
    case Kind::kExact: return "version " + std::to_string(version_);
  }
  return "?";
}

Hash256 ClientContentDigest(schema::Event::Reader event) {
  auto words = capnp::canonicalize(event);
  auto bytes = words.asBytes();
  return Sha256({bytes.begin(), bytes.size()});
}

// ---------------------------------------------------------------------------------------------
// Open

namespace {

// Memtable insert hints (ColumnFamilyOptions::memtable_insert_with_hint_prefix_extractor): the
// skip list keeps one insert position per prefix, so that a key that lands next to the last
// one of its prefix is inserted without a search from the top. The single writer inserts one
// WriteBatch at a time (no concurrent memtable writes), which is when RocksDB uses hints.

// streams keys: the case id and its 0x00 terminator; versions of a case arrive in order.
class StreamKeyPrefix : public rocksdb::SliceTransform {
 public:
  const char* Name() const override { return "caseledger.StreamKeyPrefix"; }
  rocksdb::Slice Transform(const rocksdb::Slice& key) const override {
    const void* zero = std::memchr(key.data(), 0, key.size());
    return rocksdb::Slice(key.data(), static_cast<const char*>(zero) - key.data() + 1);
  }
  bool InDomain(const rocksdb::Slice& key) const override {
    return std::memchr(key.data(), 0, key.size()) != nullptr;
  }
};

// idempotency keys: random event ids, which the writer inserts sorted within each group: one
// hint for the whole column family, so that each insert starts from the previous one.
class NoPrefix : public rocksdb::SliceTransform {
 public:
  const char* Name() const override { return "caseledger.NoPrefix"; }
  rocksdb::Slice Transform(const rocksdb::Slice& key) const override {
    return rocksdb::Slice(key.data(), 0);
  }
  bool InDomain(const rocksdb::Slice&) const override { return true; }
};

// heads keys: the whole key, since each case's head is rewritten in place over and over.
class WholeKey : public rocksdb::SliceTransform {
 public:
  const char* Name() const override { return "caseledger.WholeKey"; }
  rocksdb::Slice Transform(const rocksdb::Slice& key) const override { return key; }
  bool InDomain(const rocksdb::Slice&) const override { return true; }
};

// The options of column family `name`, tuned for what the writer does to it. None of this
// changes what is stored, only how the memtables index it.
rocksdb::ColumnFamilyOptions TunedForAppends(const std::string& name,
                                             const rocksdb::ColumnFamilyOptions& base) {
  rocksdb::ColumnFamilyOptions o = base;
  if (name == storage::kTreeCf) {
    // level:u8 | index:u64be: each level's nodes arrive in index order, interleaved with
    // the other levels'.
    o.memtable_insert_with_hint_prefix_extractor.reset(rocksdb::NewFixedPrefixTransform(1));
  } else if (name == storage::kStreamsCf) {
    o.memtable_insert_with_hint_prefix_extractor = std::make_shared<StreamKeyPrefix>();
  } else if (name == storage::kHeadsCf) {
    o.memtable_insert_with_hint_prefix_extractor = std::make_shared<WholeKey>();
  } else if (name == storage::kIdempotencyCf) {
    o.memtable_insert_with_hint_prefix_extractor = std::make_shared<NoPrefix>();
  }
  if (name == storage::kIdempotencyCf || name == storage::kHeadsCf) {
    // Every new event id and every new case is a lookup that misses: a Bloom filter over the
    // memtable's keys answers most misses without searching the skip list.
    o.memtable_prefix_bloom_size_ratio = 0.02;
    o.memtable_whole_key_filtering = true;
  }
  return o;
}

}  // namespace

Ledger::Impl::Impl(const LedgerOptions& options)
    : options_(options), clock_(options.clock ? options.clock : SystemClock()) {
  log_ = options.logger;
  if (!log_) log_ = std::make_shared<spdlog::logger>("ledger", std::make_shared<spdlog::sinks::null_sink_mt>());
}

Ledger::Impl::~Impl() {
  {
    std::lock_guard<std::mutex> l(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (writer_.joinable()) writer_.join();
  CloseDb();
}

void Ledger::Impl::CloseDb() {
  if (!db_) return;
  for (auto* h : handles_) {
    (void)db_->DestroyColumnFamilyHandle(h);
  }
  handles_.clear();
  if (!read_only_) (void)db_->Close();
  db_.reset();
}

Status Ledger::Impl::OpenDb(bool read_only) {
  namespace fs = std::filesystem;
  const std::string& dir = options_.data_dir;
  if (dir.empty()) return Status::InvalidArgument("no data directory given");
  std::error_code ec;
  const bool exists = fs::exists(fs::path(dir) / "CURRENT", ec);
  if (!exists) {
    if (read_only || !options_.create_if_missing) {
      return Status::NotFound("no ledger in " + dir);
    }
    fs::create_directories(dir, ec);
    if (ec) return Status::IOError("cannot create " + dir + ": " + ec.message());
  }

  rocksdb::Options db_options;
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  db_options.info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;
  // Not a LOG file on the ledger's own disk: a full disk would make RocksDB abort on its next
  // message (rocks_status.h).
  db_options.info_log = detail::NewRocksLogger(log_);
  db_options.keep_log_file_num = 4;
  // A destroyed data key must leave every file (keys_writer.cc): obsolete write-ahead logs
  // are deleted, never archived or recycled.
  db_options.WAL_ttl_seconds = 0;
  db_options.WAL_size_limit_MB = 0;
  db_options.recycle_log_file_num = 0;
  // Bounded memory and disk whatever the load: all memtables together flush at 128 MiB
  // (without it each of the twelve column families may hold two 64 MiB memtables, and a soak
  // saw the server's memory climb for as long as it ran), and a column family written rarely
  // (holds, erasures, keys) is flushed once the write-ahead logs it pins pass 256 MiB.
  db_options.db_write_buffer_size = 128 << 20;
  db_options.max_total_wal_size = 256 << 20;
  if (options_.env) db_options.env = options_.env;
  rocksdb::ColumnFamilyOptions cf_options;
  if (options_.disable_compression) {
    cf_options.compression = rocksdb::kNoCompression;
    cf_options.bottommost_compression = rocksdb::kNoCompression;
  }
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = rocksdb::NewLRUCache(64 << 20);
  // Index and filter blocks live in that cache too (those of level-0 files pinned), so memory
  // does not grow with the number of table files.
  table.cache_index_and_filter_blocks = true;
  table.pin_l0_filter_and_index_blocks_in_cache = true;
  // Every new event id is looked up and missing from the idempotency index: a Bloom filter
  // answers those misses without reading table files once the index outgrows the memtable.
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  cf_options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));

  // Open every column family the directory has, plus ours.
  std::vector<std::string> names;
  if (exists) {
    auto s = rocksdb::DB::ListColumnFamilies(db_options, dir, &names);
    if (!s.ok()) return FromRocks(s, "list column families of " + dir);
  }
  for (const char* ours : {rocksdb::kDefaultColumnFamilyName.c_str(), storage::kLogCf,
                           storage::kStreamsCf, storage::kHeadsCf, storage::kIdempotencyCf,
                           storage::kMetaCf, storage::kTreeCf, storage::kCheckpointsCf,
                           storage::kCaseHeadsCf}) {
    if (std::find(names.begin(), names.end(), ours) == names.end()) {
      // A directory from before the case-head map still opens read-only, without proofs.
      if (read_only && exists && ours == std::string_view(storage::kCaseHeadsCf)) continue;
      if (read_only && exists) {
        return Status::Corruption(dir + " is not a caseledger data directory (no column family \"" +
                                  ours + "\")");
      }
      names.emplace_back(ours);
    }
  }
  // Keys and erasure (keys_internal.h): a directory from before them still opens read-only,
  // with nothing to unseal.
  for (const char* keys_cf : {storage::kChildKeysCf, storage::kErasuresCf, storage::kHoldsCf}) {
    if (std::find(names.begin(), names.end(), keys_cf) == names.end() && !(read_only && exists)) {
      names.emplace_back(keys_cf);
    }
  }
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const auto& n : names) descriptors.emplace_back(n, TunedForAppends(n, cf_options));

  rocksdb::DB* raw = nullptr;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::Status s =
      read_only ? rocksdb::DB::OpenForReadOnly(db_options, dir, descriptors, &handles, &raw)
                : rocksdb::DB::Open(db_options, dir, descriptors, &handles, &raw);
  if (!s.ok()) return FromRocks(s, "open " + dir);
  db_.reset(raw);
  handles_ = handles;
  read_only_ = read_only;
  case_heads_cf_ = nullptr;
  child_keys_cf_ = erasures_cf_ = holds_cf_ = nullptr;
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i] == storage::kChildKeysCf) child_keys_cf_ = handles[i];
    if (names[i] == storage::kErasuresCf) erasures_cf_ = handles[i];
    if (names[i] == storage::kHoldsCf) holds_cf_ = handles[i];
    if (names[i] == storage::kLogCf) log_cf_ = handles[i];
    if (names[i] == storage::kStreamsCf) streams_cf_ = handles[i];
    if (names[i] == storage::kHeadsCf) heads_cf_ = handles[i];
    if (names[i] == storage::kIdempotencyCf) idem_cf_ = handles[i];
    if (names[i] == storage::kMetaCf) meta_cf_ = handles[i];
    if (names[i] == storage::kTreeCf) tree_cf_ = handles[i];
    if (names[i] == storage::kCheckpointsCf) checkpoints_cf_ = handles[i];
    if (names[i] == storage::kCaseHeadsCf) case_heads_cf_ = handles[i];
  }

  // The format marker: written on creation, checked ever after.
  std::string format;
  s = db_->Get(rocksdb::ReadOptions(), meta_cf_, storage::kFormatKey, &format);
  if (s.IsNotFound()) {
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), log_cf_));
    it->SeekToFirst();
    if (it->Valid() || read_only) {
      return Status::Corruption(dir + " has events but no format marker");
    }
    rocksdb::WriteOptions wo;
    wo.sync = true;
    s = db_->Put(wo, meta_cf_, storage::kFormatKey, storage::kFormatValue);
    if (!s.ok()) return FromRocks(s, "write format marker");
  } else if (!s.ok()) {
    return FromRocks(s, "read format marker");
  } else if (format != storage::kFormatValue) {
    return Status::InvalidArgument(dir + " has format \"" + format + "\"; this build reads \"" +
                                   storage::kFormatValue + "\"");
  }
  // Before anything else is written: a wrong master key changes nothing.
  CL_RETURN_IF_ERROR(SetUpMasterKey());
  CL_RETURN_IF_ERROR(LoadTail());
  // The signing key is set up once; a reopen after a failure keeps it.
  if (!signing_key_ || read_only) CL_RETURN_IF_ERROR(SetUpSigning());
  CL_RETURN_IF_ERROR(LoadTree());
  CL_RETURN_IF_ERROR(LoadCaseHeads());
  if (!read_only) {
    CL_RETURN_IF_ERROR(BuildHoldsIndex());
    CL_RETURN_IF_ERROR(ResumePurges());
  }
  return read_only ? Status::OK() : RecordSigning();
}

// Finds the next position and the newest recorded-at from the last stored event.
Status Ledger::Impl::LoadTail() {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), log_cf_));
  it->SeekToLast();
  if (!it->status().ok()) return FromRocks(it->status(), "read the end of the log");
  if (!it->Valid()) {
    next_position_ = 0;
    last_recorded_at_ = 0;
  } else {
    if (it->key().size() != 8) return Status::Corruption("log key of " + std::to_string(it->key().size()) + " bytes");
    uint64_t pos = storage::GetU64BE(it->key().data());
    auto ev = StoredEvent::FromBytes(pos, it->value().ToStringView());
    if (!ev.ok()) return ev.status();
    if (ev->reader().getGlobalPosition() != pos) {
      return Status::Corruption("event at log key " + std::to_string(pos) +
                                " says it is at position " +
                                std::to_string(ev->reader().getGlobalPosition()));
    }
    next_position_ = pos + 1;
    last_recorded_at_ = ev->reader().getRecordedAt();
  }
  committed_size_.store(next_position_, std::memory_order_release);
  committed_recorded_at_.store(last_recorded_at_, std::memory_order_release);
  return Status::OK();
}

Status Ledger::Impl::Open() {
  Status s = OpenDb(options_.read_only);
  if (!s.ok()) return s;
  log_->info("ledger open: {} events, read_only={}", next_position_, options_.read_only);
  if (!options_.read_only) writer_ = std::thread([this] { WriterLoop(); });
  return Status::OK();
}

Result<std::unique_ptr<Ledger>> Ledger::Open(const LedgerOptions& options) {
  auto impl = std::make_unique<Impl>(options);
  Status s = impl->Open();
  if (!s.ok()) return s;
  return std::unique_ptr<Ledger>(new Ledger(std::move(impl)));
}

Ledger::Ledger(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Ledger::~Ledger() = default;

const LedgerOptions& Ledger::options() const { return impl_->options_; }
uint64_t Ledger::size() const { return impl_->size(); }
CommitStats Ledger::GetCommitStats() const { return impl_->commit_stats(); }

// ---------------------------------------------------------------------------------------------
// Appends: validation and the stored form are built here, on the caller's thread, so that the
// single writer only assigns positions, hashes and writes.

namespace {

// An executed erasure destroys the child's data key for good, so it must answer a recorded
// request (R31): its requestEventRef names an erasureRequested event of the same child with
// the same requestRef, stored already or earlier in this append. InvalidArgument otherwise.
Status CheckErasuresAnswerRequests(const Ledger::Impl& impl,
                                   std::span<const schema::Event::Reader> events) {
  for (size_t i = 0; i < events.size(); ++i) {
    auto body = events[i].getBody();
    if (!body.isErasureDecided() ||
        body.getErasureDecided().getDecision() != schema::ErasureDecided::Decision::EXECUTED) {
      continue;
    }
    auto decided = body.getErasureDecided();
    const std::string prefix = "event " + std::to_string(i) + " executes an erasure";
    auto ref = decided.getRequestEventRef();
    if (ref.size() != 16) {
      return Status::InvalidArgument(prefix + " but names no erasureRequested event "
                                              "(requestEventRef, 16 bytes): R31 erases only on "
                                              "a recorded request");
    }
    const std::string_view ref_id(reinterpret_cast<const char*>(ref.begin()), ref.size());
    auto answers = [&](schema::Event::Reader request) -> Status {
      if (!request.getBody().isErasureRequested()) {
        return Status::InvalidArgument(prefix + ": its requestEventRef is a " +
                                       EventTypeName(request) + " event, not erasureRequested");
      }
      if (request.getChildId() != events[i].getChildId() ||
          request.getBody().getErasureRequested().getRequestRef() != decided.getRequestRef()) {
        return Status::InvalidArgument(
            prefix + ": its erasureRequested event is about another child or has another "
                     "requestRef");
      }
      return Status::OK();
    };
    bool found = false;
    for (size_t j = 0; j < i && !found; ++j) {
      auto id = events[j].getEventId();
      if (std::string_view(reinterpret_cast<const char*>(id.begin()), id.size()) == ref_id) {
        CL_RETURN_IF_ERROR(answers(events[j]));
        found = true;
      }
    }
    if (found) continue;
    auto position = impl.FindEvent(ref_id);
    if (position.status().IsNotFound()) {
      return Status::InvalidArgument(prefix + ", but its requestEventRef " +
                                     ToHex(AsBytes(ref_id)) + " is no stored event");
    }
    if (!position.ok()) return position.status();
    auto request = impl.ReadEvent(*position);
    if (!request.ok()) return request.status();
    CL_RETURN_IF_ERROR(answers(request->reader()));
  }
  return Status::OK();
}

Result<std::unique_ptr<AppendRequest>> Prepare(const Ledger::Impl& impl, std::string_view case_id,
                                               ExpectedVersion expected,
                                               std::span<const schema::Event::Reader> events) {
  const LedgerOptions& o = impl.options_;
  if (events.empty()) return Status::InvalidArgument("an append needs at least one event");
  if (events.size() > o.max_events_per_append) {
    return Status::InvalidArgument("an append may carry at most " +
                                   std::to_string(o.max_events_per_append) + " events, not " +
                                   std::to_string(events.size()));
  }
  if (!IsValidId(case_id)) {
    return Status::InvalidArgument("case id must be 1..128 printable ASCII characters without spaces");
  }
  auto req = std::make_unique<AppendRequest>();
  req->case_id.assign(case_id);
  req->expected = expected;
  const int64_t now = impl.LedgerNow();
  // Ids seen so far in this append (views into req->events' strings, which do not move).
  std::unordered_set<std::string_view> ids;
  for (size_t i = 0; i < events.size(); ++i) {
    Status s;
    auto prefix = [&] { return "event " + std::to_string(i); };
    KJ_IF_MAYBE(e, kj::runCatchingExceptions([&] {
      schema::Event::Reader ev = events[i];
      const size_t words = ev.totalSize().wordCount;
      if (words * sizeof(capnp::word) > o.max_event_bytes) {
        s = Status::InvalidArgument(prefix() + " is " + std::to_string(words * 8) +
                                    " bytes; the limit is " + std::to_string(o.max_event_bytes));
        return;
      }
      s = ValidateClientEvent(ev, now, o.max_clock_skew_micros);
      if (!s.ok()) {
        s = s.WithContext(prefix());
        return;
      }
      if (std::string_view(ev.getCaseId().cStr(), ev.getCaseId().size()) != case_id) {
        s = Status::InvalidArgument(prefix() + " has caseId \"" + ev.getCaseId().cStr() +
                                    "\" but the append is to case \"" + std::string(case_id) + "\"");
        return;
      }
      auto pe = std::make_unique<PreparedEvent>(words + 32);
      auto id = ev.getEventId();
      pe->event_id.assign(reinterpret_cast<const char*>(id.begin()), id.size());
      auto sup = ev.getSupersedes();
      pe->supersedes.assign(reinterpret_cast<const char*>(sup.begin()), sup.size());
      pe->child_id.assign(ev.getChildId().cStr(), ev.getChildId().size());
      pe->digest = ClientContentDigest(ev);
      if (!req->events.empty() && req->events.front()->child_id != pe->child_id) {
        s = Status::InvalidArgument(prefix() + " names another child than event 0 of the append");
        return;
      }
      // A single event needs no set (most network appends carry one).
      if (events.size() > 1 && !ids.insert(pe->event_id).second) {
        s = Status::InvalidArgument(prefix() + " repeats the event id of an earlier event");
        return;
      }
      pe->message.setRoot(ev);
      auto root = pe->message.getRoot<schema::Event>();
      root.setSchemaVersion(schema::SCHEMA_VERSION);
      if (ev.hasPersonal()) {
        // Sealed format (docs/storage_format.md): scheme 0x01, AES-256-GCM under the child's
        // data key. The writer seals (it owns the keys); the section is sized here.
        auto words_personal = capnp::canonicalize(ev.getPersonal());
        auto bytes = words_personal.asBytes();
        pe->personal.assign(reinterpret_cast<const char*>(bytes.begin()), bytes.size());
        OPENSSL_cleanse(bytes.begin(), bytes.size());
        root.initSealed(SealedSize(bytes.size()));
        root.disownPersonal();
      }
      pe->bytes = words * sizeof(capnp::word);
      req->bytes += pe->bytes;
      req->events.push_back(std::move(pe));
    })) {
      return Status::InvalidArgument(prefix() + " is malformed: " + e->getDescription().cStr());
    }
    if (!s.ok()) return s;
  }
  CL_RETURN_IF_ERROR(CheckErasuresAnswerRequests(impl, events));
  return req;
}

}  // namespace

void Ledger::AppendAsync(std::string_view case_id, ExpectedVersion expected,
                         std::span<const schema::Event::Reader> events, AppendCallback done) {
  if (impl_->options_.read_only) {
    done(Status::Unavailable("the ledger is open read-only"));
    return;
  }
  auto req = Prepare(*impl_, case_id, expected, events);
  if (!req.ok()) {
    done(req.status());
    return;
  }
  (*req)->done = std::move(done);
  impl_->Submit(std::move(req).value());
}

Result<AppendResult> Ledger::Append(std::string_view case_id, ExpectedVersion expected,
                                    std::span<const schema::Event::Reader> events) {
  std::promise<Result<AppendResult>> promise;
  auto future = promise.get_future();
  AppendAsync(case_id, expected, events,
              [&promise](Result<AppendResult> r) { promise.set_value(std::move(r)); });
  return future.get();
}

// ---------------------------------------------------------------------------------------------
// Reads

Result<StoredEvent> Ledger::Impl::ReadEvent(uint64_t position) const {
  std::shared_lock<std::shared_mutex> l(db_mu_);
  CL_RETURN_IF_ERROR(CheckOpenLocked());
  return ReadEventLocked(position);
}

Result<StoredEvent> Ledger::Impl::ReadEventLocked(uint64_t position) const {
  if (position >= size()) return Status::NotFound("no event at position " + std::to_string(position));
  rocksdb::PinnableSlice value;
  auto s = db_->Get(rocksdb::ReadOptions(), log_cf_, storage::LogKey(position), &value);
  if (s.IsNotFound()) return Status::NotFound("no event at position " + std::to_string(position));
  if (!s.ok()) return FromRocks(s, "read event " + std::to_string(position));
  auto ev = StoredEvent::FromBytes(position, value.ToStringView());
  value.Reset();
  return ev;
}

Result<std::vector<StoredEvent>> Ledger::Impl::ReadLog(uint64_t from, size_t limit) const {
  std::shared_lock<std::shared_mutex> l(db_mu_);
  CL_RETURN_IF_ERROR(CheckOpenLocked());
  std::vector<StoredEvent> out;
  // Only what is acknowledged: never beyond size(), even where the database shows more.
  const uint64_t end = size();
  if (from >= end) return out;
  limit = std::min<uint64_t>(limit, end - from);
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), log_cf_));
  uint64_t expect = from;
  for (it->Seek(storage::LogKey(from)); it->Valid() && out.size() < limit; it->Next()) {
    if (it->key().size() != 8) return Status::Corruption("log key of wrong size after position " + std::to_string(expect));
    uint64_t pos = storage::GetU64BE(it->key().data());
    if (pos != expect) {
      return Status::Corruption("log gap: expected position " + std::to_string(expect) +
                                ", found " + std::to_string(pos));
    }
    auto ev = StoredEvent::FromBytes(pos, it->value().ToStringView());
    if (!ev.ok()) return ev.status();
    out.push_back(std::move(ev).value());
    ++expect;
  }
  if (!it->status().ok()) return FromRocks(it->status(), "read log");
  return out;
}

Result<std::vector<StoredEvent>> Ledger::Impl::ReadStream(std::string_view case_id,
                                                          uint64_t from_version,
                                                          size_t limit) const {
  std::shared_lock<std::shared_mutex> l(db_mu_);
  CL_RETURN_IF_ERROR(CheckOpenLocked());
  std::string head;
  auto s = db_->Get(rocksdb::ReadOptions(), heads_cf_, rocksdb::Slice(case_id.data(), case_id.size()), &head);
  if (s.IsNotFound()) return Status::NotFound("no case \"" + std::string(case_id) + "\"");
  if (!s.ok()) return FromRocks(s, "read case head");
  std::vector<StoredEvent> out;
  const std::string prefix = storage::StreamPrefix(case_id);
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), streams_cf_));
  uint64_t expect = from_version;
  for (it->Seek(storage::StreamKey(case_id, from_version));
       it->Valid() && it->key().starts_with(prefix) && out.size() < limit; it->Next()) {
    const std::string where = "stream index of case \"" + std::string(case_id) + "\"";
    if (it->key().size() != prefix.size() + 8 || it->value().size() != 8) {
      return Status::Corruption(where + ": malformed entry");
    }
    uint64_t version = storage::GetU64BE(it->key().data() + prefix.size());
    if (version != expect) {
      return Status::Corruption(where + ": expected version " + std::to_string(expect) +
                                ", found " + std::to_string(version));
    }
    uint64_t pos = storage::GetU64BE(it->value().data());
    if (pos >= size()) break;  // not acknowledged (see ReadLog)
    rocksdb::PinnableSlice value;
    s = db_->Get(rocksdb::ReadOptions(), log_cf_, storage::LogKey(pos), &value);
    if (!s.ok()) {
      return s.IsNotFound() ? Status::Corruption(where + ": version " + std::to_string(version) +
                                                 " points at missing position " + std::to_string(pos))
                            : FromRocks(s, "read log");
    }
    auto ev = StoredEvent::FromBytes(pos, value.ToStringView());
    value.Reset();
    if (!ev.ok()) return ev.status();
    auto r = ev->reader();
    if (std::string_view(r.getCaseId().cStr(), r.getCaseId().size()) != case_id ||
        r.getStreamVersion() != version) {
      return Status::Corruption(where + ": version " + std::to_string(version) +
                                " points at position " + std::to_string(pos) +
                                ", which holds another event");
    }
    out.push_back(std::move(ev).value());
    ++expect;
  }
  if (!it->status().ok()) return FromRocks(it->status(), "read stream");
  return out;
}

Result<uint64_t> Ledger::Impl::FindEvent(std::string_view event_id) const {
  std::shared_lock<std::shared_mutex> l(db_mu_);
  CL_RETURN_IF_ERROR(CheckOpenLocked());
  std::string value;
  auto s = db_->Get(rocksdb::ReadOptions(), idem_cf_, rocksdb::Slice(event_id.data(), event_id.size()), &value);
  if (s.IsNotFound()) return Status::NotFound("no event with id " + ToHex(AsBytes(event_id)));
  if (!s.ok()) return FromRocks(s, "read idempotency index");
  storage::IdempotencyRecord rec;
  if (!storage::DecodeIdempotency(value, &rec)) {
    return Status::Corruption("idempotency entry of " + ToHex(AsBytes(event_id)) + " is malformed");
  }
  if (rec.position >= size()) return Status::NotFound("no event with id " + ToHex(AsBytes(event_id)));
  return rec.position;
}

namespace {
Result<StreamInfo> ToStreamInfo(std::string_view case_id, std::string_view value) {
  storage::Head head;
  if (!storage::DecodeHead(value, &head)) {
    return Status::Corruption("head of case \"" + std::string(case_id) + "\" is malformed");
  }
  StreamInfo info;
  info.case_id.assign(case_id);
  info.child_id = std::move(head.child_id);
  info.head_version = head.version;
  info.head_position = head.position;
  info.head_leaf_hash = head.leaf_hash;
  return info;
}
}  // namespace

Result<StreamInfo> Ledger::Impl::GetStream(std::string_view case_id) const {
  std::shared_lock<std::shared_mutex> l(db_mu_);
  CL_RETURN_IF_ERROR(CheckOpenLocked());
  std::string value;
  auto s = db_->Get(rocksdb::ReadOptions(), heads_cf_, rocksdb::Slice(case_id.data(), case_id.size()), &value);
  if (s.IsNotFound()) return Status::NotFound("no case \"" + std::string(case_id) + "\"");
  if (!s.ok()) return FromRocks(s, "read case head");
  auto info = ToStreamInfo(case_id, value);
  if (!info.ok() || info->head_position < size()) return info;
  // The head is not acknowledged (reads after a failed commit): walk back to what is.
  const std::string prefix = storage::StreamPrefix(case_id);
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), streams_cf_));
  for (it->SeekForPrev(storage::StreamKey(case_id, info->head_version));
       it->Valid() && it->key().starts_with(prefix); it->Prev()) {
    if (it->value().size() != 8 || it->key().size() != prefix.size() + 8) break;
    const uint64_t pos = storage::GetU64BE(it->value().data());
    if (pos >= size()) continue;
    auto ev = ReadEventLocked(pos);
    if (!ev.ok()) return ev.status();
    info->head_version = storage::GetU64BE(it->key().data() + prefix.size());
    info->head_position = pos;
    info->head_leaf_hash = LeafHash(ev->bytes());
    return info;
  }
  return Status::NotFound("no case \"" + std::string(case_id) + "\"");
}

Result<std::vector<StreamInfo>> Ledger::Impl::ListStreams(std::string_view after, size_t limit) const {
  std::shared_lock<std::shared_mutex> l(db_mu_);
  CL_RETURN_IF_ERROR(CheckOpenLocked());
  std::vector<StreamInfo> out;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), heads_cf_));
  it->Seek(rocksdb::Slice(after.data(), after.size()));
  if (it->Valid() && !after.empty() && it->key().ToStringView() == after) it->Next();
  for (; it->Valid() && out.size() < limit; it->Next()) {
    auto info = ToStreamInfo(it->key().ToStringView(), it->value().ToStringView());
    if (!info.ok()) return info.status();
    out.push_back(std::move(info).value());
  }
  if (!it->status().ok()) return FromRocks(it->status(), "list cases");
  return out;
}

Result<LedgerStats> Ledger::Impl::Stats() const {
  std::shared_lock<std::shared_mutex> l(db_mu_);
  CL_RETURN_IF_ERROR(CheckOpenLocked());
  LedgerStats st;
  st.event_count = size();
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), heads_cf_));
  for (it->SeekToFirst(); it->Valid(); it->Next()) ++st.stream_count;
  if (!it->status().ok()) return FromRocks(it->status(), "count cases");
  if (st.event_count > 0) {
    rocksdb::PinnableSlice value;
    auto s = db_->Get(rocksdb::ReadOptions(), log_cf_, storage::LogKey(st.event_count - 1), &value);
    if (s.ok()) {
      auto ev = StoredEvent::FromBytes(st.event_count - 1, value.ToStringView());
      if (ev.ok()) st.last_recorded_at = ev->reader().getRecordedAt();
    }
    value.Reset();
  }
  std::error_code ec;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(options_.data_dir, ec)) {
    if (entry.is_regular_file(ec)) st.disk_bytes += entry.file_size(ec);
  }
  return st;
}

Result<std::vector<StoredEvent>> Ledger::ReadStream(std::string_view case_id, uint64_t from_version,
                                                    size_t limit) const {
  return impl_->ReadStream(case_id, from_version, limit);
}
Result<std::vector<StoredEvent>> Ledger::ReadLog(uint64_t from_position, size_t limit) const {
  return impl_->ReadLog(from_position, limit);
}
Result<StoredEvent> Ledger::ReadEvent(uint64_t position) const { return impl_->ReadEvent(position); }
Result<uint64_t> Ledger::FindEvent(std::string_view event_id) const { return impl_->FindEvent(event_id); }
Result<StreamInfo> Ledger::GetStream(std::string_view case_id) const { return impl_->GetStream(case_id); }
Result<std::vector<StreamInfo>> Ledger::ListStreams(std::string_view after, size_t limit) const {
  return impl_->ListStreams(after, limit);
}
Result<LedgerStats> Ledger::Stats() const { return impl_->Stats(); }

Status Ledger::Sync() {
  std::shared_lock<std::shared_mutex> l(impl_->db_mu_);
  CL_RETURN_IF_ERROR(impl_->CheckOpenLocked());
  if (impl_->options_.read_only) return Status::OK();
  CL_RETURN_IF_ERROR(FromRocks(impl_->db_->SyncWAL(), "sync"));
  // Also move the memtables into synced table files, so that the next open (read-only ones
  // included) does not replay a large write-ahead log.
  rocksdb::FlushOptions fo;
  fo.wait = true;
  return FromRocks(impl_->db_->Flush(fo, impl_->handles_), "flush");
}

}  // namespace caseledger
