// valor::Error: a mistake the user can fix (bad config key, malformed input line, unknown
// environment). The CLI prints its message and exits with status 2. Internal bugs use
// VALOR_CHECK instead, and other runtime failures (I/O, a missing external program) use
// std::runtime_error, which the CLI reports with exit status 1.
#pragma once

#include <fmt/format.h>

#include <stdexcept>
#include <string>

namespace valor {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

// Formats the message with fmt and throws valor::Error.
template <typename... Args>
[[noreturn]] void fail(fmt::format_string<Args...> format, Args&&... args) {
  throw Error(fmt::format(format, std::forward<Args>(args)...));
}

namespace detail {
[[noreturn]] void check_failed(const char* condition, const char* file, int line,
                               const std::string& message);
}  // namespace detail

}  // namespace valor

// An internal invariant; always on (Release too), since a wrong number is worse than a crash.
#define VALOR_CHECK(condition, ...)                                                               \
  do {                                                                                            \
    if (!(condition)) {                                                                           \
      ::valor::detail::check_failed(#condition, __FILE__, __LINE__, fmt::format("" __VA_ARGS__)); \
    }                                                                                             \
  } while (false)
