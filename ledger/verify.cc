// Offline verification of a data directory (ledger/verify.h).
//
// The log pass reads `log` once, in order, on the calling thread. It checks what each event
// says, on its own and against the case's earlier events, and keeps a 16-byte record of the
// position (case, version, a keyed fingerprint of the event id) plus one record per case. The
// stored bytes go on, in batches, to a second thread (verify_tree.cc) for what needs the leaf
// hash: the canonical form, the back-link, and the tree, whose every node CompactRange
// completes is compared with the stored one. Then `checkpoints` are checked against the roots
// that thread kept, and `streams`, `heads` and `idempotency` are scanned once each (the last on
// its own thread), compared with the records, and what no entry claimed is reported.
#include "ledger/verify.h"

#include <capnp/message.h>
#include <kj/exception.h>
#include <rocksdb/db.h>
#include <rocksdb/env.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <random>
#include <thread>
#include <unordered_map>

#include "ledger/case_heads.h"
#include "ledger/checkpoint.h"
#include "ledger/rocks_status.h"
#include "ledger/storage_format.h"
#include "ledger/verify_internal.h"
#include "schema/events.capnp.h"

namespace caseledger {

std::string VerifyFinding::ToString() const { return where + ": " + what; }

namespace {

using detail::FromRocks;
using namespace verify_detail;  // NOLINT: this file's own internals

constexpr uint64_t kProgressEvery = 1 << 16;
constexpr size_t kLogReadahead = 8 << 20;
constexpr size_t kScanReadahead = 2 << 20;
// A jump in log keys larger than this is not filled position by position: the rest of the log
// is reported as unchecked instead.
constexpr uint64_t kMaxGap = 1 << 20;
constexpr uint32_t kVersionTooLarge = UINT32_MAX;

bool IsPrintable(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= 0x21 && c <= 0x7e; });
}

// A case id as a reader can find it: itself when printable ASCII, else its hex.
std::string Printable(std::string_view s) {
  return !s.empty() && IsPrintable(s) ? std::string(s) : HexKey(s);
}

// SipHash-2-4 (Aumasson and Bernstein) of a 16-byte message: a keyed fingerprint of an event
// id. With a random key per run, an insider cannot make one id pass for another.
uint64_t SipHash16(const uint64_t key[2], std::string_view m) {
  auto rotl = [](uint64_t x, int b) { return (x << b) | (x >> (64 - b)); };
  uint64_t v0 = key[0] ^ 0x736f6d6570736575ULL, v1 = key[1] ^ 0x646f72616e646f6dULL;
  uint64_t v2 = key[0] ^ 0x6c7967656e657261ULL, v3 = key[1] ^ 0x7465646279746573ULL;
  auto round = [&] {
    v0 += v1, v1 = rotl(v1, 13), v1 ^= v0, v0 = rotl(v0, 32);
    v2 += v3, v3 = rotl(v3, 16), v3 ^= v2;
    v0 += v3, v3 = rotl(v3, 21), v3 ^= v0;
    v2 += v1, v1 = rotl(v1, 17), v1 ^= v2, v2 = rotl(v2, 32);
  };
  auto absorb = [&](uint64_t w) {
    v3 ^= w;
    round();
    round();
    v0 ^= w;
  };
  for (int i = 0; i < 2; ++i) {
    uint64_t w = 0;
    for (int b = 7; b >= 0; --b) w = (w << 8) | static_cast<uint8_t>(m[8 * i + b]);
    absorb(w);
  }
  absorb(uint64_t{16} << 56);
  v2 ^= 0xff;
  for (int i = 0; i < 4; ++i) round();
  return v0 ^ v1 ^ v2 ^ v3;
}

// RocksDB's info log, discarded: a read-only open must neither rotate the LOG file of a server
// that holds the directory nor need write access to it.
class NullLogger final : public rocksdb::Logger {
 public:
  using rocksdb::Logger::Logv;
  void Logv(const char* /*format*/, va_list /*ap*/) override {}
};

// The fields of a stored event that the log pass checks. The views point into the bytes read.
struct EventFields {
  uint64_t position = 0;
  uint64_t version = 0;
  int64_t recorded_at = 0;
  std::string_view case_id, child_id, event_id, prev_leaf_hash;
};

std::string WholeWords(size_t bytes) {
  if (bytes > 0 && bytes % sizeof(capnp::word) == 0) return {};
  return "is " + std::to_string(bytes) + " bytes, not a whole number of 8-byte words";
}

// Reads the event in `words` (one segment, 8-byte aligned, as Cap'n Proto needs). Empty when
// it is a readable event (then `f` is filled), else what is wrong.
std::string ReadEvent(kj::ArrayPtr<const capnp::word> words, EventFields* f) {
  kj::ArrayPtr<const capnp::word> segments[1] = {words};
  KJ_IF_MAYBE (e, kj::runCatchingExceptions([&] {
                 capnp::SegmentArrayMessageReader message(segments, EventReaderOptions());
                 auto ev = message.getRoot<schema::Event>();
                 auto text = [](capnp::Text::Reader t) {
                   return std::string_view(t.begin(), t.size());
                 };
                 auto data = [](capnp::Data::Reader d) {
                   return std::string_view(reinterpret_cast<const char*>(d.begin()), d.size());
                 };
                 f->position = ev.getGlobalPosition();
                 f->version = ev.getStreamVersion();
                 f->recorded_at = ev.getRecordedAt();
                 f->case_id = text(ev.getCaseId());
                 f->child_id = text(ev.getChildId());
                 f->event_id = data(ev.getEventId());
                 f->prev_leaf_hash = data(ev.getPrevLeafHash());
               })) {
    return std::string("is not a readable event: ") + e->getDescription().cStr();
  }
  return {};
}

// What the index scans compare against, per position. Held in memory only.
struct PositionRecord {
  uint32_t case_index = kNoCase;  // kNoCase: no readable event at this position
  uint32_t version = 0;           // kVersionTooLarge when it does not fit
  uint64_t id_fingerprint = 0;    // SipHash16 of the event id under this run's key
};
static_assert(sizeof(PositionRecord) == 16);

// What the log says of one case, for back-links and `heads`.
struct CaseState {
  std::string case_id;
  std::string child_id;
  uint64_t first_position = 0;
  uint64_t last_version = 0;
  uint64_t last_position = 0;
  bool head_seen = false;
};

struct StoredCheckpoint {
  std::string key;
  std::string note;
  uint64_t size = 0;            // the key's value, when the key is 8 bytes
  std::optional<Hash256> root;  // recomputed at `size`, when the log reaches it
};

// One run of VerifyLedger. The steps run in the order of Run.
class Verifier {
 public:
  explicit Verifier(const VerifyOptions& options)
      : options_(options), findings_(options.max_findings) {
    std::random_device rd;
    for (uint64_t& k : id_key_) k = (uint64_t{rd()} << 32) ^ rd();
  }
  ~Verifier() {
    if (!db_) return;
    for (auto* h : handles_) (void)db_->DestroyColumnFamilyHandle(h);
  }
  Verifier(const Verifier&) = delete;
  Verifier& operator=(const Verifier&) = delete;

  Result<VerifyReport> Run() {
    CL_RETURN_IF_ERROR(ParsePinnedKey());
    CL_RETURN_IF_ERROR(Open());
    CL_RETURN_IF_ERROR(ReadCheckpoints());
    CL_RETURN_IF_ERROR(CheckLogAndTree());
    CL_RETURN_IF_ERROR(ReadKeys());
    CheckCheckpoints();
    CL_RETURN_IF_ERROR(CheckIndexes());
    CL_RETURN_IF_ERROR(CheckHeadsCommitments());
    report_.cases = cases_.size();
    findings_.MoveTo(&report_);
    return std::move(report_);
  }

 private:
  rocksdb::ColumnFamilyHandle* Cf(std::string_view name) const {
    for (size_t i = 0; i < cf_names_.size(); ++i) {
      if (cf_names_[i] == name) return handles_[i];
    }
    return nullptr;
  }

  Status ParsePinnedKey() {
    if (!options_.pinned_verifier_key) return Status::OK();
    std::string_view text = *options_.pinned_verifier_key;
    const size_t begin = text.find_first_not_of(" \t\r\n");
    text = begin == std::string_view::npos
               ? ""
               : text.substr(begin, text.find_last_not_of(" \t\r\n") - begin + 1);
    Result<VerifierKey> key = VerifierKey::Parse(text);
    if (!key.ok()) return key.status().WithContext("pinned verifier key");
    pinned_ = *key;
    return Status::OK();
  }

  Status Open() {
    namespace fs = std::filesystem;
    const std::string& dir = options_.data_dir;
    if (dir.empty()) return Status::InvalidArgument("no data directory given");
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) return Status::NotFound("no directory " + dir);
    if (!fs::exists(fs::path(dir) / "CURRENT", ec)) {
      return Status::InvalidArgument(dir + " is not a caseledger data directory (no database)");
    }
    rocksdb::DBOptions db_options;
    db_options.info_log = std::make_shared<NullLogger>();
    CL_RETURN_IF_ERROR(FromRocks(rocksdb::DB::ListColumnFamilies(db_options, dir, &cf_names_),
                                 "list the column families of " + dir));
    for (const char* required : {storage::kLogCf, storage::kMetaCf}) {
      if (std::find(cf_names_.begin(), cf_names_.end(), required) == cf_names_.end()) {
        return Status::InvalidArgument(
            dir + " is not a caseledger data directory (no column family \"" + required + "\")");
      }
    }
    std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
    for (const auto& name : cf_names_)
      descriptors.emplace_back(name, rocksdb::ColumnFamilyOptions());
    // Read-only takes no lock, so a running server may hold the directory; what it writes
    // after this open is not seen.
    rocksdb::DB* raw = nullptr;
    CL_RETURN_IF_ERROR(
        FromRocks(rocksdb::DB::OpenForReadOnly(db_options, dir, descriptors, &handles_, &raw),
                  "open " + dir + " read-only"));
    db_.reset(raw);

    std::string format;
    Status s = FromRocks(
        db_->Get(rocksdb::ReadOptions(), Cf(storage::kMetaCf), storage::kFormatKey, &format),
        "read the format marker");
    if (s.IsNotFound()) {
      // With events in it this is a damaged ledger (as Ledger::Open says too), not a foreign
      // directory: report it and check the rest.
      rocksdb::ColumnFamilyHandle* log = Cf(storage::kLogCf);
      std::unique_ptr<rocksdb::Iterator> it(log ? db_->NewIterator(rocksdb::ReadOptions(), log)
                                                : nullptr);
      if (it) it->SeekToFirst();
      if (!it || !it->Valid()) {
        return Status::InvalidArgument(dir +
                                       " is not a caseledger data directory (no format marker)");
      }
      findings_.Add("meta key format", "is missing, but the log holds events");
      return Status::OK();
    }
    if (!s.ok()) return s;
    if (format != storage::kFormatValue) {
      return Status::InvalidArgument(dir + " has format \"" + format + "\"; this build reads \"" +
                                     storage::kFormatValue + "\"");
    }
    return Status::OK();
  }

  Status ReadCheckpoints() {
    rocksdb::ColumnFamilyHandle* cf = Cf(storage::kCheckpointsCf);
    if (!cf) return Status::OK();
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ScanOptions(0), cf));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      StoredCheckpoint& cp = checkpoints_.emplace_back();
      cp.key = it->key().ToString();
      cp.note = it->value().ToString();
      // 8-byte keys come in size order, whatever lies between them.
      if (cp.key.size() == 8) {
        cp.size = storage::GetU64BE(cp.key.data());
        checkpoint_order_.push_back(checkpoints_.size() - 1);
      }
    }
    report_.checkpoints = checkpoints_.size();
    return IteratorEnd(*it, "checkpoints", &findings_);
  }

  // The log pass on this thread; on another, what needs the leaf hashes: the canonical form,
  // the back-links and the tree.
  Status CheckLogAndTree() {
    std::vector<uint64_t> sizes;
    for (size_t i : checkpoint_order_) sizes.push_back(checkpoints_[i].size);
    auto leaves = std::make_unique<LeafCheck>(db_.get(), Cf(storage::kTreeCf),
                                              options_.max_findings, std::move(sizes));
    BatchQueue queue;
    std::thread leaf_thread([leaves = leaves.get(), &queue] {
      Batch batch;
      while (queue.Pop(&batch)) {
        leaves->Check(batch);
        queue.Recycle(std::move(batch));
      }
      leaves->Finish();
    });
    Status s = CheckLog(&queue);
    queue.Close();
    leaf_thread.join();
    CL_RETURN_IF_ERROR(s);
    CL_RETURN_IF_ERROR(leaves->tree().status());
    for (size_t i = 0; i < checkpoint_order_.size(); ++i) {
      checkpoints_[checkpoint_order_[i]].root = leaves->roots()[i];
    }
    case_leaves_ = std::move(leaves->case_leaves());
    case_leaves_.resize(cases_.size());
    report_.tree_nodes = leaves->tree().nodes_read();
    findings_.set_tag(kAfterLog);
    findings_.Merge(std::move(leaves->findings()));
    if (!Cf(storage::kTreeCf)) {
      findings_.Add("column family tree", "is missing, so no tree node could be compared");
    }
    return Status::OK();
  }

  Status CheckLog(BatchQueue* queue) {
    std::unique_ptr<rocksdb::Iterator> it(
        db_->NewIterator(ScanOptions(kLogReadahead), Cf(storage::kLogCf)));
    uint64_t total = 0;
    it->SeekToLast();
    if (it->Valid() && it->key().size() == 8) total = storage::GetU64BE(it->key().data()) + 1;
    records_.reserve(std::min<uint64_t>(total, uint64_t{1} << 26));
    Batch batch = queue->Reuse();
    auto flush = [&](bool force) {
      if (batch.events.empty()) return;
      if (!force && batch.events.size() < kBatchEvents &&
          batch.arena.size() * sizeof(uint64_t) < kBatchBytes) {
        return;
      }
      queue->Push(std::move(batch));
      batch = queue->Reuse();
    };
    uint64_t next = 0;
    bool whole = true;
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      findings_.set_tag(next);
      const std::string_view key = it->key().ToStringView();
      if (key.size() != 8) {
        findings_.Add("log key " + HexKey(key),
                      "is " + std::to_string(key.size()) + " bytes, not an 8-byte position");
        continue;
      }
      const uint64_t position = storage::GetU64BE(key.data());
      if (position != next) {  // keys come in order: a gap
        if (position - next > kMaxGap) {
          findings_.Add(Pos(next), "is missing, and the next log key is position " +
                                       std::to_string(position) +
                                       "; the log from there on is not checked");
          whole = false;
          break;
        }
        findings_.Add(Pos(next), position - next == 1
                                     ? "is missing from the log"
                                     : "is missing from the log, and so are the positions up to " +
                                           std::to_string(position - 1));
        for (; next < position; ++next) {
          records_.emplace_back();
          BatchEvent& missing = batch.events.emplace_back();
          missing.position = next;
          missing.missing = true;
          flush(false);
        }
        findings_.set_tag(next);
      }
      CheckEvent(position, it->value().ToStringView(), &batch);
      flush(false);
      ++next;
      if (options_.progress && next % kProgressEvery == 0) options_.progress(next, total);
    }
    findings_.set_tag(next);
    if (whole) CL_RETURN_IF_ERROR(IteratorEnd(*it, Pos(next), &findings_));
    flush(true);
    n_ = next;
    if (options_.progress) options_.progress(next, std::max(total, next));
    return Status::OK();
  }

  // Checks what the event says, on its own and against the case's earlier events, and adds it
  // to `batch` for the checks that need its leaf hash.
  void CheckEvent(uint64_t position, std::string_view bytes, Batch* batch) {
    ++report_.events;
    report_.event_bytes += bytes.size();
    PositionRecord& rec = records_.emplace_back();
    // The copy into the batch is also the aligned copy that Cap'n Proto reads.
    BatchEvent& e = batch->events.emplace_back();
    e.position = position;
    e.offset = batch->arena.size();
    e.size = static_cast<uint32_t>(bytes.size());
    batch->arena.resize(e.offset + (bytes.size() + 7) / 8);
    std::memcpy(batch->arena.data() + e.offset, bytes.data(), bytes.size());
    auto add = [&](std::string what) { findings_.Add(Pos(position), std::move(what)); };
    EventFields f;
    std::string unreadable = WholeWords(bytes.size());
    if (unreadable.empty()) unreadable = ReadEvent(batch->words(e), &f);
    if (!unreadable.empty()) {
      add("the stored value " + unreadable);
      return;
    }
    e.readable = true;
    if (f.position != position) {
      add("the event says it is at position " + std::to_string(f.position));
    }
    if (f.event_id.size() != storage::kEventIdSize) {
      add("the event id is " + std::to_string(f.event_id.size()) + " bytes, not 16");
    } else {
      rec.id_fingerprint = SipHash16(id_key_, f.event_id);
    }
    if (f.case_id.empty() || f.case_id.size() > storage::kMaxCaseIdSize ||
        !IsPrintable(f.case_id)) {
      add("case id " + Printable(f.case_id) + " is not 1 to 128 printable ASCII characters");
    }
    if (position > 0 && f.recorded_at < last_recorded_at_) {
      add("recordedAt " + std::to_string(f.recorded_at) + " is earlier than the previous " +
          "event's " + std::to_string(last_recorded_at_));
    }
    last_recorded_at_ = f.recorded_at;

    scratch_.assign(f.case_id);
    const auto [entry, is_new] = case_index_.try_emplace(scratch_, cases_.size());
    if (is_new) {
      CaseState& c = cases_.emplace_back();
      c.case_id = scratch_;
      c.child_id.assign(f.child_id);
      c.first_position = position;
    }
    CaseState& c = cases_[entry->second];
    const uint64_t expected = is_new ? 0 : c.last_version + 1;
    if (f.version != expected) {
      add("case " + Printable(c.case_id) + " has version " + std::to_string(f.version) +
          " here; the log order gives " + std::to_string(expected));
    } else if (f.version == 0 && !f.prev_leaf_hash.empty()) {
      add("back-link broken: the case's first event has a prevLeafHash");
    } else if (f.version > 0) {
      e.link = true;
      e.prev_position = c.last_position;
      e.prev_offset = static_cast<uint32_t>(
          reinterpret_cast<const uint8_t*>(f.prev_leaf_hash.data()) - batch->bytes(e));
      e.prev_size = static_cast<uint32_t>(f.prev_leaf_hash.size());
    }
    if (!is_new && f.child_id != c.child_id) {
      add("childId differs from that of the case's first event (position " +
          std::to_string(c.first_position) + ")");
    }
    c.last_version = f.version;
    c.last_position = position;
    e.case_index = rec.case_index = entry->second;
    rec.version =
        f.version < kVersionTooLarge ? static_cast<uint32_t>(f.version) : kVersionTooLarge;
  }

  // The recorded origin and verifier keys.
  Status ReadKeys() {
    rocksdb::ColumnFamilyHandle* meta = Cf(storage::kMetaCf);
    std::string origin;
    Status s = FromRocks(db_->Get(rocksdb::ReadOptions(), meta, storage::kOriginKey, &origin),
                         "read the origin");
    if (s.ok()) {
      origin_ = origin;
    } else if (!s.IsNotFound()) {
      return s;
    } else if (!checkpoints_.empty()) {
      findings_.Add("meta key origin", "is missing, so no checkpoint's origin can be checked");
    }
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ScanOptions(0), meta));
    for (it->Seek(storage::kVerifierPrefix);
         it->Valid() && it->key().starts_with(storage::kVerifierPrefix); it->Next()) {
      const std::string_view key = it->key().ToStringView();
      Result<VerifierKey> parsed = VerifierKey::Parse(it->value().ToStringView());
      if (!parsed.ok()) {
        findings_.Add("meta key " + Printable(key),
                      "does not hold a verifier key: " + parsed.status().message());
        continue;
      }
      char id[9];
      std::snprintf(id, sizeof(id), "%08x", parsed->key_id());
      if (key.substr(std::strlen(storage::kVerifierPrefix)) != id) {
        findings_.Add("meta key " + Printable(key), "holds a key whose id is " + std::string(id));
        continue;
      }
      recorded_keys_.push_back(*parsed);
    }
    CL_RETURN_IF_ERROR(IteratorEnd(*it, "meta", &findings_));
    if (pinned_) {
      report_.keys_used.push_back(pinned_->ToString());
      return Status::OK();
    }
    report_.used_recorded_key = true;
    for (const auto& k : recorded_keys_) report_.keys_used.push_back(k.ToString());
    if (recorded_keys_.empty() && !checkpoints_.empty()) {
      findings_.Add("meta key verifier/",
                    "no verifier key is recorded, so no checkpoint signature can be checked");
    }
    return Status::OK();
  }

  // Empty when `note` carries a valid signature by the pinned key or, with none pinned, by a
  // recorded key; else what is wrong.
  std::string SignatureProblem(std::string_view note) const {
    if (pinned_) {
      Result<std::string> text = OpenNote(note, *pinned_);
      return text.ok() ? "" : "is not validly signed by the pinned key: " + text.status().message();
    }
    std::string why;
    for (const auto& key : recorded_keys_) {
      Result<std::string> text = OpenNote(note, key);
      if (text.ok()) return "";
      if (why.empty() || text.status().IsCorruption()) why = text.status().message();
    }
    return "is not validly signed by a recorded key: " + why;
  }

  void CheckCheckpoints() {
    if (!Cf(storage::kCheckpointsCf)) {
      findings_.Add("column family checkpoints", "is missing");
      return;
    }
    for (const StoredCheckpoint& cp : checkpoints_) {
      if (cp.key.size() != 8) {
        findings_.Add("checkpoints key " + HexKey(cp.key),
                      "is " + std::to_string(cp.key.size()) + " bytes, not an 8-byte tree size");
        continue;
      }
      auto add = [&](std::string what) {
        findings_.Add("checkpoint " + std::to_string(cp.size), std::move(what));
      };
      Result<Checkpoint> parsed = ParseCheckpointUnverified(cp.note);
      if (!parsed.ok()) {
        add("is not a checkpoint note: " + parsed.status().message());
        continue;
      }
      if (pinned_ || !recorded_keys_.empty()) {
        if (std::string problem = SignatureProblem(cp.note); !problem.empty()) add(problem);
      }
      if (parsed->size != cp.size) {
        add("states size " + std::to_string(parsed->size) + " but is stored under size " +
            std::to_string(cp.size));
      }
      if (origin_ && parsed->origin != *origin_) {
        add("names origin \"" + parsed->origin + "\", but this ledger's is \"" + *origin_ + "\"");
      }
      if (!cp.root) {
        add("covers " + std::to_string(cp.size) + " events, but the log holds " +
            std::to_string(n_));
      } else if (parsed->root != *cp.root) {
        add("root " + ToHex(parsed->root) + " is not the root " + ToHex(*cp.root) +
            " recomputed from the log at size " + std::to_string(cp.size));
      }
    }
  }

  // `streams` and `heads` here while `idempotency` is scanned on another thread; they share
  // only what the log pass left, read-only.
  Status CheckIndexes() {
    Findings id_findings(options_.max_findings);
    id_findings.set_tag(kAfterLog);
    Status id_status;
    std::thread id_thread([&] { id_status = CheckIdempotency(&id_findings); });
    Status s = CheckStreams();
    if (s.ok()) s = CheckHeads();
    id_thread.join();
    CL_RETURN_IF_ERROR(s);
    CL_RETURN_IF_ERROR(id_status);
    findings_.Merge(std::move(id_findings));
    return Status::OK();
  }

  // The case index of `case_id`, or kNoCase. Uses scratch_: the calling thread only.
  uint32_t FindCase(std::string_view case_id) {
    scratch_.assign(case_id);
    auto it = case_index_.find(scratch_);
    return it == case_index_.end() ? kNoCase : it->second;
  }

  // Whether `position` holds a readable event: what an index entry must point at.
  bool HoldsEvent(uint64_t position) const {
    return position < n_ && records_[position].case_index != kNoCase;
  }
  static std::string NoEventAt(uint64_t position) {
    return "points at position " + std::to_string(position) + ", which holds no readable event";
  }

  Status CheckStreams() {
    rocksdb::ColumnFamilyHandle* cf = Cf(storage::kStreamsCf);
    if (!cf) {
      findings_.Add("column family streams", "is missing");
      return Status::OK();
    }
    std::vector<bool> claimed(n_);
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ScanOptions(kScanReadahead), cf));
    std::string last_case;
    uint32_t case_index = kNoCase;
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      const std::string_view key = it->key().ToStringView();
      const size_t sep = key.find('\0');
      if (sep == 0 || sep == std::string_view::npos || key.size() != sep + 9) {
        findings_.Add("streams key " + HexKey(key), "is not case id, 0x00, 8-byte version");
        continue;
      }
      const std::string_view case_id = key.substr(0, sep);
      const uint64_t version = storage::GetU64BE(key.data() + sep + 1);
      auto add = [&](std::string what) {
        findings_.Add("streams key " + Printable(case_id) + "/" + std::to_string(version),
                      std::move(what));
      };
      if (case_id != last_case) {
        last_case.assign(case_id);
        case_index = FindCase(case_id);
      }
      const std::string_view value = it->value().ToStringView();
      if (value.size() != 8) {
        add("holds " + std::to_string(value.size()) + " bytes, not an 8-byte position");
        continue;
      }
      const uint64_t position = storage::GetU64BE(value.data());
      if (case_index == kNoCase) {
        add("names a case with no event in the log");
      } else if (!HoldsEvent(position)) {
        add(NoEventAt(position));
      } else if (records_[position].case_index != case_index) {
        add("points at position " + std::to_string(position) + ", an event of case " +
            Printable(cases_[records_[position].case_index].case_id));
      } else if (records_[position].version != version) {
        add("points at position " + std::to_string(position) + ", which holds version " +
            std::to_string(records_[position].version));
      } else {
        claimed[position] = true;
      }
    }
    CL_RETURN_IF_ERROR(IteratorEnd(*it, "streams", &findings_));
    for (uint64_t p = 0; p < n_; ++p) {
      const PositionRecord& rec = records_[p];
      if (rec.case_index == kNoCase || claimed[p]) continue;
      findings_.Add("streams key " + Printable(cases_[rec.case_index].case_id) + "/" +
                        std::to_string(rec.version),
                    "is missing; the event is at position " + std::to_string(p));
    }
    return Status::OK();
  }

  Status CheckHeads() {
    rocksdb::ColumnFamilyHandle* cf = Cf(storage::kHeadsCf);
    if (!cf) {
      findings_.Add("column family heads", "is missing");
      return Status::OK();
    }
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ScanOptions(kScanReadahead), cf));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      const std::string_view key = it->key().ToStringView();
      const std::string where = "heads key " + Printable(key);
      const uint32_t index = FindCase(key);
      if (index == kNoCase) {
        findings_.Add(where, "names a case with no event in the log");
        continue;
      }
      CaseState& c = cases_[index];
      c.head_seen = true;
      storage::Head head;
      if (!storage::DecodeHead(it->value().ToStringView(), &head)) {
        findings_.Add(where, "holds " + std::to_string(it->value().size()) +
                                 " bytes, too few for a head record");
        continue;
      }
      std::string wrong;
      auto differs = [&](std::string_view field, const std::string& stored) {
        wrong += (wrong.empty() ? "" : ", ") + std::string(field) + " " + stored;
      };
      if (head.version != c.last_version) differs("version", std::to_string(head.version));
      if (head.position != c.last_position) differs("position", std::to_string(head.position));
      if (head.leaf_hash != case_leaves_[index]) differs("leaf hash", ToHex(head.leaf_hash));
      if (head.child_id != c.child_id) differs("child id", Printable(head.child_id));
      if (!wrong.empty()) {
        findings_.Add(where, "says " + wrong + "; the case's newest event in the log is version " +
                                 std::to_string(c.last_version) + " at position " +
                                 std::to_string(c.last_position) + ", leaf hash " +
                                 ToHex(case_leaves_[index]) + ", child id " +
                                 Printable(c.child_id));
      }
    }
    CL_RETURN_IF_ERROR(IteratorEnd(*it, "heads", &findings_));
    std::vector<const CaseState*> missing;
    for (const CaseState& c : cases_) {
      if (!c.head_seen) missing.push_back(&c);
    }
    std::sort(missing.begin(), missing.end(),
              [](const CaseState* a, const CaseState* b) { return a->case_id < b->case_id; });
    for (const CaseState* c : missing) {
      findings_.Add("heads key " + Printable(c->case_id),
                    "is missing; the case's newest event is version " +
                        std::to_string(c->last_version) + " at position " +
                        std::to_string(c->last_position));
    }
    return Status::OK();
  }

  // Each checkpoint's caseledger-heads line against the case heads replayed from the log
  // (verify_heads.cc).
  Status CheckHeadsCommitments() {
    std::vector<CommittedHeads> committed;
    for (size_t i : checkpoint_order_) {
      const StoredCheckpoint& cp = checkpoints_[i];
      Result<Checkpoint> parsed = ParseCheckpointUnverified(cp.note);
      if (!parsed.ok() || cp.size > n_) continue;  // CheckCheckpoints reported it
      auto line = FindHeadsRoot(parsed->extensions);
      if (!line.ok()) {
        findings_.Add("checkpoint " + std::to_string(cp.size), line.status().message());
      } else if (*line) {
        committed.push_back({cp.size, **line});
      }
    }
    std::vector<std::string> case_ids;
    for (const CaseState& c : cases_) case_ids.push_back(c.case_id);
    auto at = [this](uint64_t p) {
      return std::make_pair(records_[p].case_index, uint64_t{records_[p].version});
    };
    return CheckHeadCommitments(db_.get(), Cf(storage::kLogCf), committed, case_ids, at,
                                &findings_);
  }

  // Reads records_ only; runs beside CheckStreams and CheckHeads.
  Status CheckIdempotency(Findings* findings) const {
    rocksdb::ColumnFamilyHandle* cf = Cf(storage::kIdempotencyCf);
    if (!cf) {
      findings->Add("column family idempotency", "is missing");
      return Status::OK();
    }
    std::vector<bool> claimed(n_);
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ScanOptions(kScanReadahead), cf));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      const std::string_view key = it->key().ToStringView();
      auto add = [&](std::string what) {
        findings->Add("idempotency key " + ToHex(AsBytes(key)), std::move(what));
      };
      const std::string_view value = it->value().ToStringView();
      if (key.size() != storage::kEventIdSize) {
        add("is " + std::to_string(key.size()) + " bytes, not a 16-byte event id");
        continue;
      }
      if (value.size() != 40) {
        add("holds " + std::to_string(value.size()) +
            " bytes, not a position and a 32-byte digest (40)");
        continue;
      }
      const uint64_t position = storage::GetU64BE(value.data());
      if (!HoldsEvent(position)) {
        add(NoEventAt(position));
      } else if (records_[position].id_fingerprint != SipHash16(id_key_, key)) {
        add("points at position " + std::to_string(position) + ", whose event has another id");
      } else if (claimed[position]) {
        add("points at position " + std::to_string(position) +
            ", which another entry already claims");
      } else {
        claimed[position] = true;
      }
    }
    CL_RETURN_IF_ERROR(IteratorEnd(*it, "idempotency", findings));
    return ReportMissingIds(claimed, cf, findings);
  }

  // Names the entry that should exist for each event that no idempotency entry claimed. Rare:
  // a point read of the event, and of the entry, each.
  Status ReportMissingIds(const std::vector<bool>& claimed, rocksdb::ColumnFamilyHandle* cf,
                          Findings* findings) const {
    std::vector<uint64_t> aligned;
    for (uint64_t p = 0; p < n_; ++p) {
      if (records_[p].case_index == kNoCase || claimed[p]) continue;
      std::string bytes;
      CL_RETURN_IF_ERROR(FromRocks(
          db_->Get(rocksdb::ReadOptions(), Cf(storage::kLogCf), storage::LogKey(p), &bytes),
          "read the log"));
      aligned.assign((bytes.size() + 7) / 8, 0);
      std::memcpy(aligned.data(), bytes.data(), bytes.size());
      EventFields f;
      if (!WholeWords(bytes.size()).empty() ||
          !ReadEvent({reinterpret_cast<const capnp::word*>(aligned.data()), aligned.size()}, &f)
               .empty() ||
          f.event_id.size() != storage::kEventIdSize) {
        continue;  // the log pass reported it
      }
      const std::string id(f.event_id);
      std::string value;
      Status s = FromRocks(db_->Get(rocksdb::ReadOptions(), cf, id, &value), "read idempotency");
      if (s.IsNotFound()) {
        findings->Add("idempotency key " + ToHex(AsBytes(id)),
                      "is missing; the event with this id is at position " + std::to_string(p));
        continue;
      }
      if (!s.ok()) return s;
      if (value.size() != 40) continue;  // the scan reported it
      const uint64_t other = storage::GetU64BE(value.data());
      // Otherwise the scan reported the entry as pointing at an event with another id.
      if (HoldsEvent(other) && records_[other].id_fingerprint == records_[p].id_fingerprint) {
        findings->Add(Pos(p), "has event id " + ToHex(AsBytes(id)) +
                                  ", which is also the id of the event at position " +
                                  std::to_string(other) + ": event ids must be unique");
      }
    }
    return Status::OK();
  }

  const VerifyOptions& options_;
  VerifyReport report_;
  Findings findings_;  // this thread's; the other threads' are merged in
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<std::string> cf_names_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;  // parallel to cf_names_

  std::optional<VerifierKey> pinned_;
  std::vector<VerifierKey> recorded_keys_;
  std::optional<std::string> origin_;
  std::vector<StoredCheckpoint> checkpoints_;  // in key order; roots set by the tree thread
  std::vector<size_t> checkpoint_order_;       // those with 8-byte keys, by size

  // Written by the log pass, read-only afterwards.
  uint64_t id_key_[2];
  uint64_t n_ = 0;  // positions the log pass covered
  int64_t last_recorded_at_ = 0;
  std::vector<PositionRecord> records_;
  std::unordered_map<std::string, uint32_t> case_index_;
  std::vector<CaseState> cases_;
  std::vector<Hash256> case_leaves_;  // by case index: the newest leaf (from LeafCheck)
  std::string scratch_;
};

}  // namespace

Result<VerifyReport> VerifyLedger(const VerifyOptions& options) {
  Verifier verifier(options);
  return verifier.Run();
}

}  // namespace caseledger
