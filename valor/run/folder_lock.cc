#include "valor/run/folder_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "valor/core/error.h"

namespace valor::run {

FolderLock FolderLock::acquire(const std::filesystem::path& folder, std::string_view what) {
  const auto path = folder / ".lock";
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    fail("cannot open the lock file '{}' of {} '{}': {}", path.string(), what, folder.string(),
         std::strerror(errno));
  }
  FolderLock lock;
  lock.fd_ = std::shared_ptr<const int>(new int(fd), [](const int* p) {
    ::close(*p);
    delete p;
  });
  int status;
  while ((status = ::flock(fd, LOCK_EX | LOCK_NB)) != 0 && errno == EINTR) {
  }
  if (status != 0) {
    if (errno != EWOULDBLOCK) {
      fail("cannot lock {} '{}': {}", what, folder.string(), std::strerror(errno));
    }
    char text[32] = {};
    const ssize_t n = ::pread(fd, text, sizeof text - 1, 0);
    std::string holder = n > 0 ? std::string(text, static_cast<size_t>(n)) : "";
    while (!holder.empty() && (holder.back() == '\n' || holder.back() == ' ')) holder.pop_back();
    fail(
        "{} '{}' is in use by another writer (process {}); wait for it to finish or stop it, "
        "then try again",
        what, folder.string(), holder.empty() ? "unknown" : holder);
  }
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid.data(), pid.size(), 0) < 0) {
    fail("cannot write the lock file '{}': {}", path.string(), std::strerror(errno));
  }
  return lock;
}

}  // namespace valor::run
