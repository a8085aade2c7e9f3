// valor-torch: the LibTorch side of valor (train, sweep, reward, az, demo, torch-info). Users type
// `valor`; the front end (apps/valor/main.cc) replaces itself with this binary for these commands.
#include <CLI/CLI.hpp>

#include "apps/valor/commands.h"
#include "valor/agent/torch_runtime.h"
#include "valor/az/network_agent.h"

int main(int argc, char** argv) {
  CLI::App app{"valor: learn values and act on them"};
  valor::app::Action action;
  valor::app::add_demo_command(app, action);
  valor::app::add_train_command(app, action);
  valor::app::add_sweep_command(app, action);
  valor::app::add_reward_command(app, action);
  valor::app::add_az_command(app, action);
  // `valor game match|play` with a network agent (the front end hands them here).
  valor::app::add_game_command(app, action, valor::az::make_any_agent);
  valor::app::add_torch_info_command(app, action);
  return valor::app::run_main(app, action, argc, argv, [] {
    valor::agent::keep_tensor_memory();
    valor::agent::set_compute_threads(1);
  });
}
