#include <fmt/format.h>

#include <thread>

#include "apps/valor/commands.h"
#include "valor/agent/torch_runtime.h"

namespace valor::app {

void add_torch_info_command(CLI::App& app, Action& action) {
  // Not listed in --help: `valor version` runs it and prints its lines after valor's own.
  auto* command = app.add_subcommand(
      "torch-info", "LibTorch's version, the BLAS actually loaded and the thread counts");
  command->group("");
  command->callback([&action] {
    action = [] {
      const agent::TorchRuntime rt = agent::torch_runtime();
      fmt::print("LibTorch {}\n", rt.torch_version);
      fmt::print("BLAS {}: {}\n", rt.blas_name, rt.blas_path.empty() ? "-" : rt.blas_path);
      if (!rt.blas_config.empty()) fmt::print("BLAS config: {}\n", rt.blas_config);
      fmt::print("LAPACK: {}\n", rt.lapack_path.empty() ? "-" : rt.lapack_path);
      fmt::print("threads: LibTorch intra-op {}, inter-op {}; BLAS {}; hardware {}\n",
                 rt.torch_intra_op_threads, rt.torch_inter_op_threads,
                 rt.blas_threads > 0 ? fmt::format("{}", rt.blas_threads) : "unknown",
                 std::thread::hardware_concurrency());
      return 0;
    };
  });
}

}  // namespace valor::app
