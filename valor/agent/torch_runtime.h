// What LibTorch runs on: its version, the BLAS library actually loaded into the process, and the
// thread counts. valor defaults to one intra-op thread (design.md: parallelism goes across
// environments, seeds and replicates instead).
#pragma once

#include <string>

namespace valor::agent {

struct TorchRuntime {
  std::string torch_version;
  std::string blas_name;    // "OpenBLAS", "reference BLAS", "MKL", ... or "none loaded"
  std::string blas_path;    // real path of the mapped BLAS shared object
  std::string blas_config;  // openblas_get_config() when OpenBLAS is loaded
  std::string lapack_path;  // real path of the mapped LAPACK shared object
  int torch_intra_op_threads = 0;
  int torch_inter_op_threads = 0;
  int blas_threads = 0;  // 0 when the BLAS cannot report it
};

// Makes glibc keep freed memory for reuse instead of mapping and unmapping pages for every
// tensor (call once at start-up; the training loop allocates and frees the same sizes each step).
void keep_tensor_memory();

// Sets LibTorch's intra-op thread count and, when OpenBLAS is loaded, its thread count.
void set_compute_threads(int threads);

TorchRuntime torch_runtime();

}  // namespace valor::agent
