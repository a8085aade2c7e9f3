#include "valor/core/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <stdexcept>

#include "valor/core/error.h"

namespace valor {
namespace {

[[noreturn]] void throw_os_error(std::string_view what, const std::filesystem::path& path,
                                 int error) {
  throw std::runtime_error(fmt::format("{} '{}': {}", what, path.string(), std::strerror(error)));
}

// A name no other writer (thread or process) picks at the same time: pid, a process-wide
// counter and the clock; O_EXCL below catches the remaining collisions.
std::filesystem::path temp_path_for(const std::filesystem::path& path) {
  static std::atomic<unsigned long long> counter{0};
  const auto ticks = std::chrono::steady_clock::now().time_since_epoch().count();
  std::filesystem::path temp = path;
  temp.replace_filename(fmt::format(".{}.tmp.{}.{}.{}", path.filename().string(),
                                    static_cast<long long>(::getpid()), counter.fetch_add(1),
                                    static_cast<long long>(ticks)));
  return temp;
}

void write_all(int fd, std::string_view bytes, const std::filesystem::path& temp) {
  while (!bytes.empty()) {
    const ssize_t written = ::write(fd, bytes.data(), bytes.size());
    if (written < 0) {
      if (errno == EINTR) continue;
      throw_os_error("cannot write", temp, errno);
    }
    bytes.remove_prefix(static_cast<size_t>(written));
  }
}

void fsync_folder(const std::filesystem::path& folder) {
  const int fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) throw_os_error("cannot open folder for fsync", folder, errno);
  const int rc = ::fsync(fd);
  const int error = errno;
  ::close(fd);
  // Some file systems cannot fsync a folder; the rename has happened, so only real errors count.
  if (rc != 0 && error != EINVAL && error != EROFS) {
    throw_os_error("cannot fsync folder", folder, error);
  }
}

}  // namespace

void write_file_atomically(const std::filesystem::path& path, std::string_view bytes) {
  if (path.filename().empty()) {
    throw std::runtime_error(fmt::format("cannot write '{}': not a file path", path.string()));
  }
  std::filesystem::path temp;
  int fd = -1;
  for (int attempt = 0; fd < 0; ++attempt) {
    temp = temp_path_for(path);
    fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0 && (errno != EEXIST || attempt >= 100)) {
      throw_os_error("cannot create temp file", temp, errno);
    }
  }
  try {
    write_all(fd, bytes, temp);
    if (::fsync(fd) != 0) throw_os_error("cannot fsync", temp, errno);
    const int rc = ::close(fd);
    fd = -1;
    if (rc != 0) throw_os_error("cannot close", temp, errno);
    if (::rename(temp.c_str(), path.c_str()) != 0) {
      throw_os_error(fmt::format("cannot rename '{}' to", temp.string()), path, errno);
    }
  } catch (...) {
    if (fd >= 0) ::close(fd);
    ::unlink(temp.c_str());
    throw;
  }
  fsync_folder(path.has_parent_path() ? path.parent_path() : std::filesystem::path("."));
}

std::string read_file(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) fail("file not found: '{}'", path.string());
    throw_os_error("cannot open", path, errno);
  }
  std::string content;
  char buffer[1 << 16];
  while (true) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int error = errno;
      ::close(fd);
      throw_os_error("cannot read", path, error);
    }
    if (n == 0) break;
    content.append(buffer, static_cast<size_t>(n));
  }
  ::close(fd);
  return content;
}

}  // namespace valor
