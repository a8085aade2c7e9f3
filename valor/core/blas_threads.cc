#include "valor/core/blas_threads.h"

#include <dlfcn.h>

#include "valor/core/error.h"

namespace valor {

bool set_blas_threads(int threads) {
  if (threads < 1) fail("BLAS threads must be >= 1, got {}", threads);
  // Looked up at run time: the library is whichever libblas.so.3 the alternatives system selects.
  auto set = reinterpret_cast<void (*)(int)>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"));
  if (set == nullptr) return false;
  set(threads);
  return true;
}

}  // namespace valor
