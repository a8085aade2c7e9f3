// valor: the command-line front end, torch-free so that every command that trains nothing starts
// in milliseconds. The commands that train (torch_commands()) run in valor-torch, beside this
// binary, which this process becomes. Exit status: 0 success, 1 runtime failure, 2 usage,
// configuration or input error (valor::Error).
#include <CLI/CLI.hpp>
#include <string_view>

#include "apps/valor/commands.h"
#include "valor/core/blas_threads.h"

int main(int argc, char** argv) {
  // `game match` and `game play` with a network agent (az:CHECKPOINT) need LibTorch too.
  if (valor::app::game_command_needs_torch(argc, argv)) return valor::app::exec_torch_side(argv);
  if (argc >= 2) {
    for (const auto& c : valor::app::torch_commands()) {
      if (c.name == std::string_view(argv[1])) return valor::app::exec_torch_side(argv);
    }
  }
  // One BLAS thread (the align and reward models' small GEMMs lose to threading here).
  valor::set_blas_threads(1);
  CLI::App app{"valor: learn values and act on them"};
  valor::app::Action action;
  valor::app::add_torch_command_entries(app);
  valor::app::add_config_command(app, action);
  valor::app::add_plot_command(app, action);
  valor::app::add_env_command(app, action);
  valor::app::add_solve_command(app, action);
  valor::app::add_rank_command(app, action);
  valor::app::add_game_command(app, action, valor::game::make_agent);
  valor::app::add_study_command(app, action);
  valor::app::add_align_command(app, action);
  valor::app::add_bench_command(app, action);
  valor::app::add_version_command(app, action);
  return valor::app::run_main(app, action, argc, argv);
}
