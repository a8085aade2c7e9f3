#include "valor/core/subprocess.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

extern char** environ;

namespace valor {
namespace {

// A temp file, unlinked at once: the child writes to the descriptor and we read it back.
int anonymous_file() {
  char name[] = "/tmp/valor-program-XXXXXX";
  const int fd = ::mkstemp(name);
  if (fd < 0) {
    throw std::runtime_error(fmt::format("cannot create a temp file: {}", std::strerror(errno)));
  }
  ::unlink(name);
  return fd;
}

std::string read_all(int fd) {
  std::string text;
  ::lseek(fd, 0, SEEK_SET);
  char buffer[65536];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n > 0) {
      text.append(buffer, static_cast<size_t>(n));
    } else if (n == 0 || errno != EINTR) {
      break;
    }
  }
  return text;
}

}  // namespace

ProgramResult run_program(const std::vector<std::string>& argv) {
  if (argv.empty()) throw std::runtime_error("run_program: no program given");
  const int out_fd = anonymous_file();
  const int err_fd = anonymous_file();
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out_fd, STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err_fd, STDERR_FILENO);
  std::vector<std::string> args = argv;
  std::vector<char*> c_args;
  for (auto& a : args) c_args.push_back(a.data());
  c_args.push_back(nullptr);
  pid_t pid = 0;
  const int rc = ::posix_spawnp(&pid, args[0].c_str(), &actions, nullptr, c_args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    ::close(out_fd);
    ::close(err_fd);
    throw std::runtime_error(fmt::format("cannot run '{}': {}{}", argv[0], std::strerror(rc),
                                         rc == ENOENT ? " (not found on PATH)" : ""));
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) {
      ::close(out_fd);
      ::close(err_fd);
      throw std::runtime_error(fmt::format("waiting for '{}': {}", argv[0], std::strerror(errno)));
    }
  }
  ProgramResult result;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  result.out = read_all(out_fd);
  result.err = read_all(err_fd);
  ::close(out_fd);
  ::close(err_fd);
  return result;
}

std::string shell_quote(const std::string& text) {
  std::string out = "'";
  for (const char c : text) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out.push_back(c);
    }
  }
  return out + "'";
}

}  // namespace valor
