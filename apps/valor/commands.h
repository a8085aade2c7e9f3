// The subcommands of `valor`. Each add_*_command registers its options on `app` and, when the
// subcommand is chosen, sets `action` to what runs after parsing. Commands only parse and print;
// the work is done by the modules.
#pragma once

#include <CLI/CLI.hpp>
#include <atomic>
#include <filesystem>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "valor/core/config.h"
#include "valor/core/presets.h"
#include "valor/game/agent.h"

namespace valor::app {

using Action = std::function<int()>;

// The front end, `valor` (torch-free): every command but those that train.
void add_version_command(CLI::App& app, Action& action);
void add_config_command(CLI::App& app, Action& action);
void add_demo_command(CLI::App& app, Action& action);
void add_plot_command(CLI::App& app, Action& action);
void add_env_command(CLI::App& app, Action& action);
void add_bench_command(CLI::App& app, Action& action);
void add_solve_command(CLI::App& app, Action& action);
void add_rank_command(CLI::App& app, Action& action);
// `valor game`; `make_agent` builds the agents of `game match` and `game play`
// (game::make_agent in the front end; valor-torch adds the network agents, az:CHECKPOINT).
using AgentMaker = std::function<std::unique_ptr<game::Agent>(
    std::string_view spec, const game::GameInfo& game, uint64_t seed)>;
void add_game_command(CLI::App& app, Action& action, AgentMaker make_agent);
// Whether `valor ARGS` is a `game match` or `game play` naming a network agent (az:...), which
// the front end hands to valor-torch.
bool game_command_needs_torch(int argc, char** argv);
void add_study_command(CLI::App& app, Action& action);
void add_align_command(CLI::App& app, Action& action);

// The LibTorch side, `valor-torch` beside `valor` (apps/valor/torch/): the commands that train,
// and `torch-info` (LibTorch's version, the BLAS loaded, thread counts) for `valor version`.
void add_train_command(CLI::App& app, Action& action);
void add_sweep_command(CLI::App& app, Action& action);
void add_reward_command(CLI::App& app, Action& action);
void add_az_command(CLI::App& app, Action& action);
void add_torch_info_command(CLI::App& app, Action& action);

// The commands the front end hands to the LibTorch side: `valor NAME ...` replaces itself with
// `valor-torch NAME ...`, so the user types `valor` for everything and sees one `--help`.
struct TorchCommand {
  std::string_view name;
  std::string_view description;
};
std::span<const TorchCommand> torch_commands();
// The description of torch command `name` (which must be one of torch_commands()).
std::string_view torch_command_description(std::string_view name);
// Lists the torch commands in `app`'s help; their options are the LibTorch side's.
void add_torch_command_entries(CLI::App& app);
// The LibTorch side's binary: valor-torch in the folder of the running executable.
std::filesystem::path torch_side_path();
// Replaces this process with valor-torch given the same arguments; returns only on failure,
// with the exit status to use (1) after printing why.
int exec_torch_side(char** argv);
// Runs valor-torch with `args` (stdout and stderr shared), waits, and returns its exit status.
int run_torch_side(const std::vector<std::string>& args);

// Parses the command line into `app` and runs the chosen action (after `setup`, if any); maps
// errors to exit statuses: 2 for usage and valor::Error, 1 for other failures.
int run_main(CLI::App& app, const Action& action, int argc, char** argv,
             const std::function<void()>& setup = {});

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
