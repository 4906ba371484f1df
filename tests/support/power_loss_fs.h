// A RocksDB file system for power-loss tests: it remembers what was made durable.
//
// SIGKILL leaves the page cache intact, so it cannot catch a missing sync. PowerLossFs forwards
// every call to the default file system and keeps, for each file written through it:
// - its length and how many of those bytes a successful Sync or Fsync made durable (RangeSync
//   does not count: sync_file_range(SYNC_FILE_RANGE_WRITE) only starts writeback, and Close
//   does not sync);
// - whether its directory entry is durable: a file created, or renamed into place, through
//   PowerLossFs stays pending until an FSDirectory of its directory is fsynced after the
//   creation or rename. A rename that is undone puts the file back under its old name and
//   restores what the rename replaced (CURRENT is replaced that way).
// Files that were there before are taken as durable. Directories are taken as durable. A
// deletion is taken as durable at once (a simplification: RocksDB deletes a file only once the
// MANIFEST no longer needs it, so a deleted file coming back would be harmless to it).
// Recycled WAL files (ReuseWritableFile), NewRandomRWFile and LinkFile are refused with
// NotSupported rather than modelled: RocksDB uses none of them with the ledger's options.
//
// Use it through rocksdb::NewCompositeEnv(fs) as LedgerOptions::env. Thread-safe.
#ifndef CASELEDGER_TESTS_SUPPORT_POWER_LOSS_FS_H_
#define CASELEDGER_TESTS_SUPPORT_POWER_LOSS_FS_H_

#include <rocksdb/file_system.h>

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "ledger/status.h"

namespace caseledger::testing {

class PowerLossFs : public rocksdb::FileSystemWrapper {
 public:
  // Over rocksdb::FileSystem::Default().
  PowerLossFs();
  ~PowerLossFs() override;

  static const char* kClassName() { return "PowerLossFs"; }
  const char* Name() const override { return kClassName(); }

  // Cuts the power: from now on every write, flush, sync, rename, deletion, truncation and file
  // creation through this file system fails with IOError, so that nothing RocksDB does
  // afterwards (closing the DB included) reaches the disk. Reads still work.
  void PowerOff();
  bool powered_off() const { return powered_off_.load(); }

  // While set, every file Sync/Fsync and directory Fsync fails with IOError (and makes
  // nothing durable); writes still succeed. Clear it to remove the fault.
  void SetSyncFailure(bool fail) { fail_syncs_.store(fail); }

  // Leaves the disk as a power cut would: truncates every tracked file to its synced length,
  // undoes every rename and deletes every file created whose directory was not fsynced since.
  // Then forgets what it tracked and turns the power back on. Call it only when no DB is open
  // on this file system. IOError when the disk cannot be changed.
  Status DropUnsyncedData();

  // Bytes written through this file system and not yet synced, over all tracked files.
  uint64_t UnsyncedBytes() const;
  // Creations and renames whose directory was not fsynced since.
  size_t PendingDirectoryEntries() const;

  // FileSystem. Overrides that are not listed forward to the default file system.
  rocksdb::IOStatus NewWritableFile(const std::string& fname, const rocksdb::FileOptions& opts,
                                    std::unique_ptr<rocksdb::FSWritableFile>* result,
                                    rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus ReopenWritableFile(const std::string& fname, const rocksdb::FileOptions& opts,
                                       std::unique_ptr<rocksdb::FSWritableFile>* result,
                                       rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus ReuseWritableFile(const std::string& fname, const std::string& old_fname,
                                      const rocksdb::FileOptions& opts,
                                      std::unique_ptr<rocksdb::FSWritableFile>* result,
                                      rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus NewRandomRWFile(const std::string& fname, const rocksdb::FileOptions& opts,
                                    std::unique_ptr<rocksdb::FSRandomRWFile>* result,
                                    rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus NewDirectory(const std::string& name, const rocksdb::IOOptions& io_opts,
                                 std::unique_ptr<rocksdb::FSDirectory>* result,
                                 rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus DeleteFile(const std::string& fname, const rocksdb::IOOptions& opts,
                               rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus Truncate(const std::string& fname, size_t size, const rocksdb::IOOptions& opts,
                             rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus CreateDir(const std::string& dirname, const rocksdb::IOOptions& opts,
                              rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus CreateDirIfMissing(const std::string& dirname, const rocksdb::IOOptions& opts,
                                       rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus DeleteDir(const std::string& dirname, const rocksdb::IOOptions& opts,
                              rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus RenameFile(const std::string& src, const std::string& target,
                               const rocksdb::IOOptions& opts,
                               rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus LinkFile(const std::string& src, const std::string& target,
                             const rocksdb::IOOptions& opts, rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus LockFile(const std::string& fname, const rocksdb::IOOptions& opts,
                             rocksdb::FileLock** lock, rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus NewLogger(const std::string& fname, const rocksdb::IOOptions& io_opts,
                              std::shared_ptr<rocksdb::Logger>* result,
                              rocksdb::IODebugContext* dbg) override;

 private:
  class TrackedFile;
  class TrackedDirectory;

  struct FileState {
    uint64_t size = 0;    // bytes in the file
    uint64_t synced = 0;  // of which durable
  };
  // A creation or rename not yet made durable by an fsync of its directory.
  struct PendingEntry {
    uint64_t seq = 0;
    std::string path;                     // the new name
    std::optional<std::string> from;      // set for a rename: the old name
    std::optional<std::string> replaced;  // a rename over a file: its durable content
  };

  rocksdb::IOStatus CheckWrite(const char* what) const;
  rocksdb::IOStatus CheckSync(const char* what) const;
  rocksdb::IOStatus WrapNew(const std::string& fname, bool existed, bool keep_content,
                            std::unique_ptr<rocksdb::FSWritableFile>* result);
  void AddPendingLocked(const std::string& dir, PendingEntry entry);

  std::atomic<bool> powered_off_{false};
  std::atomic<bool> fail_syncs_{false};

  mutable std::mutex mu_;
  // Tracked files by their current path.
  std::map<std::string, std::shared_ptr<FileState>> files_;  // GUARDED_BY(mu_)
  // Pending entries by directory, oldest first.
  std::map<std::string, std::vector<PendingEntry>> pending_;  // GUARDED_BY(mu_)
  uint64_t next_seq_ = 1;                                     // GUARDED_BY(mu_)
};

}  // namespace caseledger::testing

#endif  // CASELEDGER_TESTS_SUPPORT_POWER_LOSS_FS_H_
