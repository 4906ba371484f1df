#include "tests/support/power_loss_fs.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>

namespace caseledger::testing {

namespace fs = std::filesystem;
using rocksdb::IOStatus;

namespace {

// RocksDB names files "<dbname>/<file>"; a dbname with a trailing slash gives "//".
std::string Normalize(const std::string& path) {
  std::string p = fs::path(path).lexically_normal().string();
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  return p;
}

std::string DirOf(const std::string& normalized_path) {
  return fs::path(normalized_path).parent_path().string();
}

bool ReadPrefix(const std::string& path, uint64_t limit, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  out->assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  if (out->size() > limit) out->resize(limit);
  return true;
}

}  // namespace

// A writable file that reports appends and syncs to its PowerLossFs.
class PowerLossFs::TrackedFile : public rocksdb::FSWritableFileOwnerWrapper {
 public:
  TrackedFile(std::unique_ptr<rocksdb::FSWritableFile> target, PowerLossFs* fs,
              std::shared_ptr<FileState> state)
      : FSWritableFileOwnerWrapper(std::move(target)), fs_(fs), state_(std::move(state)) {}

  IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                  rocksdb::IODebugContext* dbg) override {
    IOStatus s = fs_->CheckWrite("append");
    if (s.ok()) s = target()->Append(data, options, dbg);
    if (s.ok()) Grow(data.size());
    return s;
  }
  IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                  const rocksdb::DataVerificationInfo& info,
                  rocksdb::IODebugContext* dbg) override {
    IOStatus s = fs_->CheckWrite("append");
    if (s.ok()) s = target()->Append(data, options, info, dbg);
    if (s.ok()) Grow(data.size());
    return s;
  }
  // Direct I/O only, which the ledger does not use.
  IOStatus PositionedAppend(const rocksdb::Slice&, uint64_t, const rocksdb::IOOptions&,
                            rocksdb::IODebugContext*) override {
    return IOStatus::NotSupported("PowerLossFs does not model positioned appends");
  }
  IOStatus PositionedAppend(const rocksdb::Slice&, uint64_t, const rocksdb::IOOptions&,
                            const rocksdb::DataVerificationInfo&,
                            rocksdb::IODebugContext*) override {
    return IOStatus::NotSupported("PowerLossFs does not model positioned appends");
  }
  IOStatus Truncate(uint64_t size, const rocksdb::IOOptions& options,
                    rocksdb::IODebugContext* dbg) override {
    IOStatus s = fs_->CheckWrite("truncate");
    if (s.ok()) s = target()->Truncate(size, options, dbg);
    if (s.ok()) {
      std::lock_guard<std::mutex> l(fs_->mu_);
      state_->size = size;
      state_->synced = std::min(state_->synced, size);
    }
    return s;
  }
  // Always releases the descriptor; after the power cut it still reports failure. It never
  // makes anything durable.
  IOStatus Close(const rocksdb::IOOptions& options, rocksdb::IODebugContext* dbg) override {
    IOStatus s = target()->Close(options, dbg);
    if (s.ok()) s = fs_->CheckWrite("close");
    return s;
  }
  IOStatus Flush(const rocksdb::IOOptions& options, rocksdb::IODebugContext* dbg) override {
    IOStatus s = fs_->CheckWrite("flush");
    return s.ok() ? target()->Flush(options, dbg) : s;
  }
  IOStatus Sync(const rocksdb::IOOptions& options, rocksdb::IODebugContext* dbg) override {
    return DoSync([&] { return target()->Sync(options, dbg); });
  }
  IOStatus Fsync(const rocksdb::IOOptions& options, rocksdb::IODebugContext* dbg) override {
    return DoSync([&] { return target()->Fsync(options, dbg); });
  }
  // Only starts writeback: not a durability point.
  IOStatus RangeSync(uint64_t offset, uint64_t nbytes, const rocksdb::IOOptions& options,
                     rocksdb::IODebugContext* dbg) override {
    IOStatus s = fs_->CheckWrite("range sync");
    return s.ok() ? target()->RangeSync(offset, nbytes, options, dbg) : s;
  }
  IOStatus Allocate(uint64_t offset, uint64_t len, const rocksdb::IOOptions& options,
                    rocksdb::IODebugContext* dbg) override {
    IOStatus s = fs_->CheckWrite("allocate");
    return s.ok() ? target()->Allocate(offset, len, options, dbg) : s;
  }

 private:
  void Grow(uint64_t bytes) {
    std::lock_guard<std::mutex> l(fs_->mu_);
    state_->size += bytes;
  }

  template <typename F>
  IOStatus DoSync(F sync) {
    IOStatus s = fs_->CheckSync("sync");
    if (!s.ok()) return s;
    // What was appended before the sync started is durable once it returns; appends racing
    // with it (RocksDB's SyncWAL) may or may not be.
    uint64_t before;
    {
      std::lock_guard<std::mutex> l(fs_->mu_);
      before = state_->size;
    }
    s = sync();
    if (s.ok()) {
      std::lock_guard<std::mutex> l(fs_->mu_);
      state_->synced = std::max(state_->synced, std::min(before, state_->size));
    }
    return s;
  }

  PowerLossFs* fs_;
  std::shared_ptr<FileState> state_;
};

// A directory whose fsync makes the creations and renames in it durable.
class PowerLossFs::TrackedDirectory : public rocksdb::FSDirectoryWrapper {
 public:
  TrackedDirectory(std::unique_ptr<rocksdb::FSDirectory> target, PowerLossFs* fs, std::string dir)
      : FSDirectoryWrapper(std::move(target)), fs_(fs), dir_(std::move(dir)) {}

  IOStatus Fsync(const rocksdb::IOOptions& options, rocksdb::IODebugContext* dbg) override {
    return DoSync([&] { return FSDirectoryWrapper::Fsync(options, dbg); });
  }
  IOStatus FsyncWithDirOptions(const rocksdb::IOOptions& options, rocksdb::IODebugContext* dbg,
                               const rocksdb::DirFsyncOptions& dir_options) override {
    return DoSync(
        [&] { return FSDirectoryWrapper::FsyncWithDirOptions(options, dbg, dir_options); });
  }

 private:
  template <typename F>
  IOStatus DoSync(F sync) {
    IOStatus s = fs_->CheckSync("directory sync");
    if (!s.ok()) return s;
    uint64_t before;
    {
      std::lock_guard<std::mutex> l(fs_->mu_);
      before = fs_->next_seq_;
    }
    s = sync();
    if (s.ok()) {
      // Entries made before the fsync started are durable now.
      std::lock_guard<std::mutex> l(fs_->mu_);
      auto it = fs_->pending_.find(dir_);
      if (it != fs_->pending_.end()) {
        std::erase_if(it->second, [before](const PendingEntry& e) { return e.seq < before; });
      }
    }
    return s;
  }

  PowerLossFs* fs_;
  std::string dir_;
};

PowerLossFs::PowerLossFs() : FileSystemWrapper(rocksdb::FileSystem::Default()) {}
PowerLossFs::~PowerLossFs() = default;

void PowerLossFs::PowerOff() {
  std::lock_guard<std::mutex> l(mu_);
  powered_off_.store(true);
}

IOStatus PowerLossFs::CheckWrite(const char* what) const {
  if (powered_off_.load()) return IOStatus::IOError(std::string(what) + ": the power is off");
  return IOStatus::OK();
}

IOStatus PowerLossFs::CheckSync(const char* what) const {
  IOStatus s = CheckWrite(what);
  if (s.ok() && fail_syncs_.load()) s = IOStatus::IOError(std::string(what) + ": injected failure");
  return s;
}

void PowerLossFs::AddPendingLocked(const std::string& dir, PendingEntry entry) {
  entry.seq = next_seq_++;
  pending_[dir].push_back(std::move(entry));
}

IOStatus PowerLossFs::WrapNew(const std::string& fname, bool existed, bool keep_content,
                              std::unique_ptr<rocksdb::FSWritableFile>* result) {
  const std::string path = Normalize(fname);
  std::shared_ptr<FileState> state;
  {
    std::lock_guard<std::mutex> l(mu_);
    auto it = files_.find(path);
    if (keep_content && it != files_.end()) {
      state = it->second;
    } else {
      state = std::make_shared<FileState>();
      if (keep_content && existed) {
        // Found on disk, not written through us: durable as it is.
        std::error_code ec;
        state->size = state->synced = fs::file_size(path, ec);
      }
      files_[path] = state;
    }
    if (!existed) {
      PendingEntry created;
      created.path = path;
      AddPendingLocked(DirOf(path), std::move(created));
    }
  }
  *result = std::make_unique<TrackedFile>(std::move(*result), this, std::move(state));
  return IOStatus::OK();
}

IOStatus PowerLossFs::NewWritableFile(const std::string& fname, const rocksdb::FileOptions& opts,
                                      std::unique_ptr<rocksdb::FSWritableFile>* result,
                                      rocksdb::IODebugContext* dbg) {
  IOStatus s = CheckWrite("create file");
  if (!s.ok()) return s;
  const bool existed = target()->FileExists(fname, rocksdb::IOOptions(), dbg).ok();
  s = target()->NewWritableFile(fname, opts, result, dbg);
  if (!s.ok()) return s;
  return WrapNew(fname, existed, /*keep_content=*/false, result);
}

IOStatus PowerLossFs::ReopenWritableFile(const std::string& fname, const rocksdb::FileOptions& opts,
                                         std::unique_ptr<rocksdb::FSWritableFile>* result,
                                         rocksdb::IODebugContext* dbg) {
  IOStatus s = CheckWrite("reopen file");
  if (!s.ok()) return s;
  const bool existed = target()->FileExists(fname, rocksdb::IOOptions(), dbg).ok();
  s = target()->ReopenWritableFile(fname, opts, result, dbg);
  if (!s.ok()) return s;
  return WrapNew(fname, existed, /*keep_content=*/true, result);
}

IOStatus PowerLossFs::ReuseWritableFile(const std::string&, const std::string&,
                                        const rocksdb::FileOptions&,
                                        std::unique_ptr<rocksdb::FSWritableFile>*,
                                        rocksdb::IODebugContext*) {
  return IOStatus::NotSupported("PowerLossFs does not model recycled WAL files");
}

IOStatus PowerLossFs::NewRandomRWFile(const std::string&, const rocksdb::FileOptions&,
                                      std::unique_ptr<rocksdb::FSRandomRWFile>*,
                                      rocksdb::IODebugContext*) {
  return IOStatus::NotSupported("PowerLossFs does not model random-write files");
}

IOStatus PowerLossFs::LinkFile(const std::string&, const std::string&, const rocksdb::IOOptions&,
                               rocksdb::IODebugContext*) {
  return IOStatus::NotSupported("PowerLossFs does not model hard links");
}

IOStatus PowerLossFs::NewDirectory(const std::string& name, const rocksdb::IOOptions& io_opts,
                                   std::unique_ptr<rocksdb::FSDirectory>* result,
                                   rocksdb::IODebugContext* dbg) {
  IOStatus s = target()->NewDirectory(name, io_opts, result, dbg);
  if (!s.ok()) return s;
  *result = std::make_unique<TrackedDirectory>(std::move(*result), this, Normalize(name));
  return s;
}

IOStatus PowerLossFs::DeleteFile(const std::string& fname, const rocksdb::IOOptions& opts,
                                 rocksdb::IODebugContext* dbg) {
  std::lock_guard<std::mutex> l(mu_);
  IOStatus s = CheckWrite("delete file");
  if (s.ok()) s = target()->DeleteFile(fname, opts, dbg);
  if (!s.ok()) return s;
  const std::string path = Normalize(fname);
  files_.erase(path);
  auto it = pending_.find(DirOf(path));
  if (it != pending_.end()) {
    std::erase_if(it->second, [&](const PendingEntry& e) { return e.path == path; });
  }
  return s;
}

IOStatus PowerLossFs::Truncate(const std::string& fname, size_t size,
                               const rocksdb::IOOptions& opts, rocksdb::IODebugContext* dbg) {
  std::lock_guard<std::mutex> l(mu_);
  IOStatus s = CheckWrite("truncate");
  if (s.ok()) s = target()->Truncate(fname, size, opts, dbg);
  if (!s.ok()) return s;
  auto it = files_.find(Normalize(fname));
  if (it != files_.end()) {
    it->second->size = size;
    it->second->synced = std::min<uint64_t>(it->second->synced, size);
  }
  return s;
}

IOStatus PowerLossFs::CreateDir(const std::string& dirname, const rocksdb::IOOptions& opts,
                                rocksdb::IODebugContext* dbg) {
  IOStatus s = CheckWrite("create directory");
  return s.ok() ? target()->CreateDir(dirname, opts, dbg) : s;
}

IOStatus PowerLossFs::CreateDirIfMissing(const std::string& dirname, const rocksdb::IOOptions& opts,
                                         rocksdb::IODebugContext* dbg) {
  IOStatus s = CheckWrite("create directory");
  return s.ok() ? target()->CreateDirIfMissing(dirname, opts, dbg) : s;
}

IOStatus PowerLossFs::DeleteDir(const std::string& dirname, const rocksdb::IOOptions& opts,
                                rocksdb::IODebugContext* dbg) {
  IOStatus s = CheckWrite("delete directory");
  return s.ok() ? target()->DeleteDir(dirname, opts, dbg) : s;
}

IOStatus PowerLossFs::RenameFile(const std::string& src, const std::string& dst,
                                 const rocksdb::IOOptions& opts, rocksdb::IODebugContext* dbg) {
  std::lock_guard<std::mutex> l(mu_);
  IOStatus s = CheckWrite("rename");
  if (!s.ok()) return s;
  const std::string from = Normalize(src);
  const std::string to = Normalize(dst);
  // What a power cut before the directory's fsync would bring back under `to`.
  std::optional<std::string> replaced;
  if (fs::exists(to)) {
    auto tracked = files_.find(to);
    uint64_t limit = tracked == files_.end() ? UINT64_MAX : tracked->second->synced;
    std::string content;
    if (!ReadPrefix(to, limit, &content)) return IOStatus::IOError("cannot read " + to);
    replaced = std::move(content);
  }
  s = target()->RenameFile(src, dst, opts, dbg);
  if (!s.ok()) return s;
  auto moved = files_.find(from);
  if (moved != files_.end()) {
    files_[to] = moved->second;
    files_.erase(moved);
  } else {
    files_.erase(to);
  }
  PendingEntry renamed;
  renamed.path = to;
  renamed.from = from;
  renamed.replaced = std::move(replaced);
  AddPendingLocked(DirOf(to), std::move(renamed));
  return s;
}

IOStatus PowerLossFs::LockFile(const std::string& fname, const rocksdb::IOOptions& opts,
                               rocksdb::FileLock** lock, rocksdb::IODebugContext* dbg) {
  IOStatus s = CheckWrite("lock file");
  return s.ok() ? target()->LockFile(fname, opts, lock, dbg) : s;
}

IOStatus PowerLossFs::NewLogger(const std::string& fname, const rocksdb::IOOptions& io_opts,
                                std::shared_ptr<rocksdb::Logger>* result,
                                rocksdb::IODebugContext* dbg) {
  IOStatus s = CheckWrite("create info log");
  return s.ok() ? target()->NewLogger(fname, io_opts, result, dbg) : s;
}

Status PowerLossFs::DropUnsyncedData() {
  std::lock_guard<std::mutex> l(mu_);
  std::error_code ec;
  for (const auto& [path, state] : files_) {
    if (!fs::exists(path, ec)) continue;
    if (fs::file_size(path, ec) > state->synced) fs::resize_file(path, state->synced, ec);
    if (ec) return Status::IOError("cannot truncate " + path + ": " + ec.message());
  }
  for (auto& [dir, entries] : pending_) {
    for (auto e = entries.rbegin(); e != entries.rend(); ++e) {
      if (!e->from) {
        fs::remove(e->path, ec);
      } else {
        if (fs::exists(e->path, ec)) fs::rename(e->path, *e->from, ec);
        if (!ec && e->replaced) {
          std::ofstream out(e->path, std::ios::binary | std::ios::trunc);
          out << *e->replaced;
          if (!out.flush()) return Status::IOError("cannot restore " + e->path);
        }
      }
      if (ec) return Status::IOError("cannot undo the entry " + e->path + ": " + ec.message());
    }
  }
  files_.clear();
  pending_.clear();
  powered_off_.store(false);
  return Status::OK();
}

uint64_t PowerLossFs::UnsyncedBytes() const {
  std::lock_guard<std::mutex> l(mu_);
  uint64_t n = 0;
  for (const auto& [path, state] : files_) n += state->size - state->synced;
  return n;
}

size_t PowerLossFs::PendingDirectoryEntries() const {
  std::lock_guard<std::mutex> l(mu_);
  size_t n = 0;
  for (const auto& [dir, entries] : pending_) n += entries.size();
  return n;
}

}  // namespace caseledger::testing
