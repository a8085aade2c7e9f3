#include "valor/agent/torch_runtime.h"

#include <ATen/Context.h>
#include <ATen/Parallel.h>
#include <dlfcn.h>
#include <malloc.h>
#include <torch/version.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "valor/core/blas_threads.h"
#include "valor/core/error.h"

namespace valor::agent {
namespace {

// The real paths of the shared objects mapped into this process whose file name contains `part`.
std::string mapped_library(const std::string& part) {
  std::ifstream maps("/proc/self/maps");
  std::string line;
  while (std::getline(maps, line)) {
    const auto slash = line.find('/');
    if (slash == std::string::npos) continue;
    const std::string path = line.substr(slash);
    const std::string file = std::filesystem::path(path).filename().string();
    if (file.find(part) != std::string::npos && file.find(".so") != std::string::npos) {
      std::error_code ec;
      const auto real = std::filesystem::canonical(path, ec);
      return ec ? path : real.string();
    }
  }
  return "";
}

template <typename Fn>
Fn blas_symbol(const char* name) {
  return reinterpret_cast<Fn>(dlsym(RTLD_DEFAULT, name));
}

}  // namespace

void keep_tensor_memory() {
  // LibTorch's CPU allocator calls malloc for every tensor. Activations of a minibatch are near
  // glibc's mmap threshold, so each update would map, zero-fault and unmap fresh pages: measured
  // on a MinAtar run, 3x the wall time. Serve them from the heap and keep freed memory instead.
  mallopt(M_MMAP_THRESHOLD, 256 << 20);
  mallopt(M_TRIM_THRESHOLD, 512 << 20);
}

void set_compute_threads(int threads) {
  if (threads < 1) fail("compute threads must be >= 1, got {}", threads);
  at::set_num_threads(threads);
  // Denormal floats (tiny gradients, RMSProp averages) slow CPU arithmetic by orders of magnitude;
  // flush them to zero, as torch.set_flush_denormal(True) does.
  at::globalContext().setFlushDenormal(true);
  set_blas_threads(threads);
}

TorchRuntime torch_runtime() {
  TorchRuntime info;
  info.torch_version = TORCH_VERSION;
  info.torch_intra_op_threads = at::get_num_threads();
  info.torch_inter_op_threads = at::get_num_interop_threads();
  info.blas_path = mapped_library("blas");
  info.lapack_path = mapped_library("lapack");
  const std::string& p = info.blas_path;
  if (p.empty()) {
    info.blas_name = "none loaded";
  } else if (p.find("openblas") != std::string::npos) {
    info.blas_name = "OpenBLAS";
  } else if (p.find("mkl") != std::string::npos) {
    info.blas_name = "MKL";
  } else if (p.find("blis") != std::string::npos) {
    info.blas_name = "BLIS";
  } else if (p.find("atlas") != std::string::npos) {
    info.blas_name = "ATLAS";
  } else if (p.find("/blas/") != std::string::npos) {
    info.blas_name = "reference BLAS (slow: run tools/install-deps to select OpenBLAS)";
  } else {
    info.blas_name = "unknown";
  }
  if (auto config = blas_symbol<char* (*)()>("openblas_get_config")) info.blas_config = config();
  if (auto get = blas_symbol<int (*)()>("openblas_get_num_threads")) info.blas_threads = get();
  return info;
}

}  // namespace valor::agent
