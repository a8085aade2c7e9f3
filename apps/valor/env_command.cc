#include <fmt/format.h>

#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <numeric>
#include <optional>

#include "apps/valor/commands.h"
#include "valor/core/atomic_file.h"
#include "valor/core/error.h"
#include "valor/core/random.h"
#include "valor/env/golden.h"
#include "valor/env/registry.h"
#include "valor/env/throughput.h"

namespace valor::app {
namespace {

// MinAtar flags shared by play, render and bench.
struct MinAtarFlags {
  std::optional<double> sticky;
  bool no_ramping = false;
  bool minimal_actions = false;

  void add_to(CLI::App* command) {
    command->add_option("--sticky", sticky,
                        "MinAtar sticky-action probability in [0, 1] (default 0.1)");
    command->add_flag("--no-ramping", no_ramping, "MinAtar: turn difficulty ramping off");
    command->add_flag("--minimal-actions", minimal_actions,
                      "MinAtar: use the game's minimal action set instead of all 6 actions");
  }

  env::EnvOptions options(const std::string& name) const {
    const bool minatar =
        std::find(env::minatar_game_names().begin(), env::minatar_game_names().end(), name) !=
        env::minatar_game_names().end();
    if (!minatar && (sticky || no_ramping || minimal_actions)) {
      fail("--sticky, --no-ramping and --minimal-actions apply to MinAtar games only, not '{}'",
           name);
    }
    env::EnvOptions o;
    if (sticky) o.minatar.sticky_action_prob = *sticky;
    o.minatar.difficulty_ramping = !no_ramping;
    o.minatar.minimal_action_set = minimal_actions;
    return o;
  }
};

std::string shape_text(const std::vector<int>& shape) {
  return fmt::format("{}", fmt::join(shape, "x"));
}

int list_envs() {
  fmt::print("{:<18} {:<16} {:<12} {:>7} {:>10}\n", "name", "family", "observation", "actions",
             "time limit");
  for (const auto& info : env::list_envs()) {
    const auto e = env::make_env(info.name);
    const auto& spec = e->spec();
    std::string actions = fmt::format("{}", spec.num_actions);
    if (info.family == "minatar") {
      env::EnvOptions minimal;
      minimal.minatar.minimal_action_set = true;
      actions = fmt::format("{} ({})", env::make_env(info.name, minimal)->spec().num_actions,
                            spec.num_actions);
    }
    fmt::print("{:<18} {:<16} {:<12} {:>7} {:>10}\n", info.name, info.family,
               shape_text(spec.obs_shape), actions,
               spec.max_episode_steps > 0 ? fmt::format("{}", spec.max_episode_steps) : "-");
  }
  fmt::print("(MinAtar actions: minimal set (full set); observations are C x 10 x 10)\n");
  return 0;
}

int play(const std::string& name, const env::EnvOptions& options, uint64_t seed, int64_t episodes,
         int64_t max_steps) {
  auto e = env::make_env(name, options);
  const auto num_actions = static_cast<uint64_t>(e->spec().num_actions);
  Rng policy(seed, 1);  // the random policy's own stream
  e->seed(seed);
  double total = 0;
  for (int64_t k = 0; k < episodes; ++k) {
    e->reset();
    double ret = 0;
    int64_t length = 0;
    bool ended = false;
    while (!ended && length < max_steps) {
      const env::StepResult r = e->step(static_cast<int>(policy.below(num_actions)));
      ret += r.reward;
      ++length;
      ended = r.terminated || r.truncated;
    }
    total += ret;
    fmt::print("episode {:>4}: return {:>10.4g}  length {:>7}{}\n", k + 1, ret, length,
               ended ? "" : "  (stopped at --max-steps)");
  }
  fmt::print("mean return over {} episodes: {:.4g}\n", episodes,
             total / static_cast<double>(episodes));
  return 0;
}

int render(const std::string& name, const env::EnvOptions& options, uint64_t seed, int64_t steps) {
  auto e = env::make_env(name, options);
  const auto num_actions = static_cast<uint64_t>(e->spec().num_actions);
  Rng policy(seed, 1);
  e->seed(seed);
  e->reset();
  fmt::print("{} seed {}: reset\n{}\n", name, seed, e->render());
  for (int64_t t = 1; t <= steps; ++t) {
    const int a = static_cast<int>(policy.below(num_actions));
    const env::StepResult r = e->step(a);
    fmt::print("step {} action {} reward {:g}{}{}\n{}\n", t, a, r.reward,
               r.terminated ? " terminated" : "", r.truncated ? " truncated" : "", e->render());
    if (r.terminated || r.truncated) {
      e->reset();
      fmt::print("reset\n{}\n", e->render());
    }
  }
  return 0;
}

int check_golden(const std::vector<std::string>& files) {
  size_t trajectories = 0, steps = 0, mismatches = 0;
  std::string first;
  for (const auto& file : files) {
    const env::GoldenReport r = env::check_golden_file(file);
    fmt::print("{}: {} {} trajectories, {} steps, {} mismatches\n", file, r.format, r.trajectories,
               r.steps, r.mismatches);
    trajectories += r.trajectories;
    steps += r.steps;
    mismatches += r.mismatches;
    if (first.empty()) first = r.first_mismatch;
    if (r.free_run_diverged > 0) {
      fmt::print(
          "  note: checked step by step; a free run from state0 drifted past the tolerance "
          "in {} of {} episodes (first: {})\n",
          r.free_run_diverged, r.trajectories, r.free_run_note);
    }
  }
  fmt::print("checked {} trajectories, {} steps, {} mismatches\n", trajectories, steps, mismatches);
  if (mismatches > 0) {
    fmt::print("first mismatch: {}\n", first);
    return 1;
  }
  return 0;
}

int bench_env(std::vector<std::string> names, const std::string& json_path, double seconds,
              size_t batch) {
  if (names.empty()) {
    for (const auto& info : env::list_envs()) names.push_back(info.name);
  }
  for (const auto& name : names) env::make_env(name);  // validate every name before timing
  nlohmann::json results = nlohmann::json::array();
  fmt::print("{:<18} {:>12} {:>12} {:>12} {:>16} {:>16} {:>16}\n", "environment", "1 env", "1 env",
             "1 env", fmt::format("{} envs", batch), fmt::format("{} envs", batch),
             fmt::format("{} envs, bytes", batch));
  fmt::print("{:<18} {:>12} {:>12} {:>12} {:>16} {:>16} {:>16}\n", "", "native obs", "packed obs",
             "float obs", "1 thread", "2 threads", "1 thread");
  using env::ObservationForm;
  for (const auto& name : names) {
    std::vector<env::Throughput> rows;
    const bool packed = env::make_env(name)->packed_obs_bytes() > 0;
    rows.push_back(env::measure_single_env(name, {}, seconds, 0, ObservationForm::kNative));
    if (packed) {
      rows.push_back(env::measure_single_env(name, {}, seconds, 0, ObservationForm::kPacked));
      rows.push_back(env::measure_single_env(name, {}, seconds, 0, ObservationForm::kFloat));
    }
    const size_t vector_rows = rows.size();
    rows.push_back(env::measure_vector_env(name, {}, batch, 1, seconds));
    rows.push_back(env::measure_vector_env(name, {}, batch, 2, seconds));
    const bool bytes = env::make_env(name)->offers_byte_obs();
    if (bytes) {
      rows.push_back(
          env::measure_vector_env(name, {}, batch, 1, seconds, 0, ObservationForm::kBytes));
    }
    auto rate = [](const env::Throughput& t) {
      return fmt::format("{:.4g}", t.steps_per_second());
    };
    fmt::print("{:<18} {:>12} {:>12} {:>12} {:>16} {:>16} {:>16}\n", name, rate(rows[0]),
               packed ? rate(rows[1]) : "-", packed ? rate(rows[2]) : "(native)",
               rate(rows[vector_rows]), rate(rows[vector_rows + 1]),
               bytes ? rate(rows.back()) : "-");
    for (const auto& t : rows) {
      results.push_back({{"env", t.name},
                         {"observation", env::observation_form_name(t.form)},
                         {"batch", t.batch},
                         {"threads", t.threads},
                         {"steps", t.steps},
                         {"seconds", t.seconds},
                         {"steps_per_second", t.steps_per_second()}});
    }
  }
  fmt::print(
      "(steps per second with random actions, the observation written to a buffer every step; "
      "native: MinAtar's 10x10xC byte grid as Python's state() returns it, float for the others; "
      "batches write float observations, or with bytes the same values one byte each, where the "
      "observations are 0/1)\n");
  if (!json_path.empty()) {
    write_file_atomically(json_path, results.dump(2) + "\n");
    fmt::print("wrote {}\n", json_path);
  }
  return 0;
}

}  // namespace

void add_env_command(CLI::App& app, Action& action) {
  auto* env_cmd = app.add_subcommand("env", "List, play, render and check environments");
  env_cmd->require_subcommand(1);

  env_cmd->add_subcommand("list", "List the environments: observation shape, actions, time limit")
      ->callback([&action] { action = [] { return list_envs(); }; });

  struct RunArgs {
    std::string name;
    uint64_t seed = 0;
    int64_t episodes = 5;
    int64_t steps = 20;
    int64_t max_steps = 100000;
    MinAtarFlags minatar;
  };
  auto args = std::make_shared<RunArgs>();

  auto* play_cmd = env_cmd->add_subcommand(
      "play", "Play episodes with a uniformly random policy; print returns");
  play_cmd->add_option("name", args->name, "Environment (see `valor env list`)")->required();
  play_cmd->add_option("--seed", args->seed, "Seed of the environment and the policy");
  play_cmd->add_option("--episodes", args->episodes, "Number of episodes")
      ->check(CLI::Range(int64_t{1}, int64_t{1000000}));
  play_cmd->add_option("--max-steps", args->max_steps, "Stop an episode after this many steps")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 40));
  args->minatar.add_to(play_cmd);
  play_cmd->callback([&action, args] {
    action = [args] {
      return play(args->name, args->minatar.options(args->name), args->seed, args->episodes,
                  args->max_steps);
    };
  });

  auto* render_cmd =
      env_cmd->add_subcommand("render", "Print the state as text for a few random-policy steps");
  render_cmd->add_option("name", args->name, "Environment (see `valor env list`)")->required();
  render_cmd->add_option("--seed", args->seed, "Seed of the environment and the policy");
  render_cmd->add_option("--steps", args->steps, "Number of steps")
      ->check(CLI::Range(int64_t{0}, int64_t{100000}));
  args->minatar.add_to(render_cmd);
  render_cmd->callback([&action, args] {
    action = [args] {
      return render(args->name, args->minatar.options(args->name), args->seed, args->steps);
    };
  });

  auto files = std::make_shared<std::vector<std::string>>();
  auto* golden_cmd = env_cmd->add_subcommand(
      "check-golden",
      "Replay golden trajectories (MinAtar or classic-control JSONL, detected from the content); "
      "exit 0 only when nothing differs");
  golden_cmd->add_option("files", *files, "Golden JSONL files")->required();
  golden_cmd->callback([&action, files] { action = [files] { return check_golden(*files); }; });
}

void add_bench_command(CLI::App& app, Action& action) {
  auto* bench = app.add_subcommand("bench", "Measure throughput");
  bench->require_subcommand(1);
  struct BenchArgs {
    std::vector<std::string> names;
    std::string json;
    double seconds = 1.0;
    size_t batch = 64;
  };
  auto args = std::make_shared<BenchArgs>();
  auto* env_bench = bench->add_subcommand(
      "env",
      "Steps per second of each environment: one env on one thread, and a batch on 1 "
      "and 2 threads (random actions, observation written every step)");
  env_bench->add_option("--names", args->names, "Environments (default: all)");
  env_bench->add_option("--json", args->json, "Also write the results to this JSON file");
  env_bench->add_option("--seconds", args->seconds, "Minimum seconds per measurement")
      ->check(CLI::Range(0.01, 3600.0));
  env_bench->add_option("--batch", args->batch, "Batch size of the vector measurements")
      ->check(CLI::Range(size_t{1}, size_t{100000}));
  env_bench->callback([&action, args] {
    action = [args] { return bench_env(args->names, args->json, args->seconds, args->batch); };
  });
}

}  // namespace valor::app
