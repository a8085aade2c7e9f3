#include "valor/core/error.h"

#include <cstdio>
#include <cstdlib>

namespace valor::detail {

void check_failed(const char* condition, const char* file, int line, const std::string& message) {
  std::fprintf(stderr, "valor: internal error: %s:%d: check `%s` failed%s%s\n", file, line,
               condition, message.empty() ? "" : ": ", message.c_str());
  std::abort();
}

}  // namespace valor::detail
