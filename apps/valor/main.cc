// valor: the command-line front end. Exit status: 0 success, 1 runtime failure, 2 usage,
// configuration or input error (valor::Error).
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>

#include "apps/valor/commands.h"
#include "valor/agent/torch_runtime.h"
#include "valor/core/error.h"

int main(int argc, char** argv) {
  CLI::App app{"valor: learn values and act on them"};
  app.require_subcommand(1);
  app.fallthrough();
  valor::app::Action action;
  valor::app::add_demo_command(app, action);
  valor::app::add_train_command(app, action);
  valor::app::add_sweep_command(app, action);
  valor::app::add_config_command(app, action);
  valor::app::add_plot_command(app, action);
  valor::app::add_env_command(app, action);
  valor::app::add_solve_command(app, action);
  valor::app::add_rank_command(app, action);
  valor::app::add_bench_command(app, action);
  valor::app::add_version_command(app, action);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  try {
    valor::agent::keep_tensor_memory();
    valor::agent::set_compute_threads(1);
    return action ? action() : 0;
  } catch (const valor::Error& e) {
    fmt::print(stderr, "valor: error: {}\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    fmt::print(stderr, "valor: failed: {}\n", e.what());
    return 1;
  }
}
