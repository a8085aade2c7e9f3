#include <fmt/format.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "apps/valor/commands.h"
#include "valor/core/error.h"

namespace valor::app {

namespace {

constexpr std::array<TorchCommand, 5> kTorchCommands = {{
    {"demo",
     "The main job: DQN on CartPole-v1, Huber vs HL-Gauss heads, 3 seeds each, with a report"},
    {"train", "Train a DQN-family agent into a run directory (metrics, checkpoints, summary)"},
    {"sweep", "Run a grid of training runs (presets x envs x heads x seeds) and report IQMs"},
    {"reward",
     "Reward models from comparisons on features: fit (linear or MLP, ensembles), score, eval"},
    {"az",
     "AlphaZero: self-play training of a policy/value network for a game, its measurement "
     "against the exact solver, and ladders between checkpoints (az train|eval|ladder|export)"},
}};

std::string missing_message(const std::filesystem::path& path, const char* why) {
  return fmt::format(
      "this command needs valor's LibTorch side, {}, which cannot be started ({}); it is built "
      "with valor (cmake --build build) and must stay beside it",
      path.string(), why);
}

}  // namespace

std::span<const TorchCommand> torch_commands() { return kTorchCommands; }

std::string_view torch_command_description(std::string_view name) {
  for (const auto& c : kTorchCommands) {
    if (c.name == name) return c.description;
  }
  VALOR_CHECK(false, "'{}' is not a torch command", name);
  return {};
}

void add_torch_command_entries(CLI::App& app) {
  for (const auto& c : kTorchCommands) {
    app.add_subcommand(std::string(c.name), std::string(c.description))->allow_extras();
  }
}

std::filesystem::path torch_side_path() {
  std::error_code ec;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  return (ec ? std::filesystem::path(".") : self.parent_path()) / "valor-torch";
}

int exec_torch_side(char** argv) {
  const auto path = torch_side_path();
  execv(path.c_str(), argv);
  fmt::print(stderr, "valor: failed: {}\n", missing_message(path, std::strerror(errno)));
  return 1;
}

int run_torch_side(const std::vector<std::string>& args) {
  const auto path = torch_side_path();
  std::vector<std::string> copy = args;
  copy.insert(copy.begin(), path.string());
  std::vector<char*> argv;
  for (auto& a : copy) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::fflush(stdout);
  std::fflush(stderr);
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error(missing_message(path, std::strerror(errno)));
  if (pid == 0) {
    execv(path.c_str(), argv.data());
    _exit(127);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
    throw std::runtime_error(missing_message(path, "exit status 127"));
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace valor::app
