// The subcommands of `valor`. Each add_*_command registers its options on `app` and, when the
// subcommand is chosen, sets `action` to what runs after parsing. Commands only parse and print;
// the work is done by the modules.
#pragma once

#include <CLI/CLI.hpp>
#include <atomic>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "valor/core/config.h"
#include "valor/core/presets.h"

namespace valor::app {

using Action = std::function<int()>;

void add_version_command(CLI::App& app, Action& action);
void add_config_command(CLI::App& app, Action& action);
void add_demo_command(CLI::App& app, Action& action);
void add_plot_command(CLI::App& app, Action& action);
void add_env_command(CLI::App& app, Action& action);
void add_bench_command(CLI::App& app, Action& action);
void add_solve_command(CLI::App& app, Action& action);
void add_rank_command(CLI::App& app, Action& action);
void add_train_command(CLI::App& app, Action& action);
void add_sweep_command(CLI::App& app, Action& action);

// Makes SIGINT and SIGTERM set the returned flag instead of killing the process, so that a long
// job can checkpoint and stop cleanly.
const std::atomic<bool>& stop_on_signals();

// Every configuration key valor knows, declared by the modules that read them.
ConfigSchema full_schema();

// --config FILE and --set KEY=VALUE (repeatable), shared by every command that takes a config.
struct ConfigFlags {
  std::string file;
  std::vector<std::string> overrides;
  void add_to(CLI::App* command);
  ConfigSources sources(std::optional<std::string> preset) const;
};

}  // namespace valor::app
