// A small tmpfs for I/O fault tests: mounted by the test (root only) on a fresh temporary
// directory with a size limit, grown later with a remount, unmounted when the object dies.
#ifndef CASELEDGER_TESTS_SUPPORT_SMALL_FS_H_
#define CASELEDGER_TESTS_SUPPORT_SMALL_FS_H_

#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>

namespace caseledger::testing {

class SmallFs {
 public:
  // Mounts a tmpfs of `bytes`. Null, with `why` saying why, when not root or mount(2) fails:
  // the caller skips its test then.
  static std::unique_ptr<SmallFs> Mount(size_t bytes, std::string* why) {
    if (::geteuid() != 0) {
      *why = "not root: cannot mount a size-limited tmpfs";
      return nullptr;
    }
    std::string dir =
        (std::filesystem::temp_directory_path() / "caseledger-smallfs-XXXXXX").string();
    if (::mkdtemp(dir.data()) == nullptr) {
      *why = std::string("mkdtemp: ") + std::strerror(errno);
      return nullptr;
    }
    const std::string options = "size=" + std::to_string(bytes) + ",mode=0700";
    if (::mount("tmpfs", dir.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, options.c_str()) != 0) {
      *why = std::string("mount -t tmpfs: ") + std::strerror(errno);
      ::rmdir(dir.c_str());
      return nullptr;
    }
    return std::unique_ptr<SmallFs>(new SmallFs(dir));
  }

  ~SmallFs() {
    ::umount2(path_.c_str(), MNT_DETACH);
    ::rmdir(path_.c_str());
  }
  SmallFs(const SmallFs&) = delete;
  SmallFs& operator=(const SmallFs&) = delete;

  // `mount -o remount,size=`: gives the file system room again. False, with errno's text in
  // `why`, when the remount fails.
  bool Resize(size_t bytes, std::string* why) {
    const std::string options = "size=" + std::to_string(bytes);
    if (::mount("tmpfs", path_.c_str(), "tmpfs", MS_REMOUNT | MS_NOSUID | MS_NODEV,
                options.c_str()) != 0) {
      *why = std::string("remount: ") + std::strerror(errno);
      return false;
    }
    return true;
  }

  const std::string& path() const { return path_; }

 private:
  explicit SmallFs(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

}  // namespace caseledger::testing

#endif  // CASELEDGER_TESTS_SUPPORT_SMALL_FS_H_
