#include <fmt/format.h>

#include <cstdio>

#include "apps/valor/commands.h"

namespace valor {
extern const char* const kGitCommit;
}

namespace valor::app {

void add_version_command(CLI::App& app, Action& action) {
  auto* command = app.add_subcommand(
      "version",
      "Print valor's version and commit, LibTorch's version, the BLAS actually loaded "
      "and the thread counts");
  command->callback([&action] {
    action = [] {
      fmt::print("valor {} (commit {})\n", VALOR_VERSION, kGitCommit);
      // LibTorch and the BLAS it loads are known only to the LibTorch side.
      return run_torch_side({"torch-info"});
    };
  });
}

}  // namespace valor::app
