// `valor train PRESET | --config FILE [--set k=v]... [--out DIR]` and
// `valor train --resume RUN_DIR...`: one agent per run directory, one per seed of train.seeds
// (valor/agent/train.h).
#include <fmt/format.h>

#include <atomic>
#include <csignal>
#include <filesystem>
#include <memory>

#include "apps/valor/commands.h"
#include "valor/agent/torch_runtime.h"
#include "valor/agent/train.h"
#include "valor/core/error.h"
#include "valor/run/run_config.h"
#include "valor/run/run_dir.h"

namespace valor::app {

namespace {

struct TrainArgs {
  std::string preset;
  ConfigFlags flags;
  std::string out;
  std::vector<std::string> resume;
  bool quiet = false;
};

// The configuration stored in a run directory.
Config stored_config(const run::RunDir& dir) {
  ConfigSources s;
  s.file = dir.config_path().string();
  return resolve_config(full_schema(), s);
}

// The run directory of `seed` in a group: the --out pattern with {seed} replaced, OUT/seed<s> for
// an --out without {seed}, or runs/<name>--seed<s>-<time>/ without --out.
std::filesystem::path seed_dir(const std::string& out, int64_t seed) {
  const std::string placeholder = "{seed}";
  std::string path = out;
  const size_t at = path.find(placeholder);
  if (at == std::string::npos) return std::filesystem::path(out) / fmt::format("seed{}", seed);
  path.replace(at, placeholder.size(), std::to_string(seed));
  return path;
}

struct Prepared {
  std::vector<run::RunDir> dirs;
  std::vector<Config> configs;
};

// --resume RUN_DIR...: each run's stored configuration, with the request's changes when they
// touch only keys that may change between sessions.
Prepared prepare_resume(const TrainArgs& args) {
  const bool has_request = !args.preset.empty() || !args.flags.file.empty();
  if (!args.out.empty()) fail("--resume continues RUN_DIR in place; do not give --out too");
  if (has_request && args.resume.size() > 1) {
    fail(
        "--resume with several run folders takes --set overrides only (each run keeps its own "
        "configuration); drop the preset or --config");
  }
  Prepared p;
  for (const std::string& path : args.resume) {
    for (const auto& d : p.dirs) {
      if (std::filesystem::equivalent(d.path(), path)) fail("--resume lists {} twice", path);
    }
    run::RunDir dir = run::RunDir::open(path);
    Config config = stored_config(dir);
    if (has_request || !args.flags.overrides.empty()) {
      Config requested =
          has_request
              ? resolve_config(full_schema(),
                               args.flags.sources(args.preset.empty() ? std::nullopt
                                                                      : std::optional(args.preset)))
              : stored_config(dir);
      for (const auto& o : args.flags.overrides) requested.apply_override(o, "--set " + o);
      const auto diffs = agent::fingerprint_differences(config, requested);
      if (!diffs.empty()) {
        std::string list;
        for (const auto& d : diffs) list += "\n  " + d;
        fail(
            "{} belongs to another configuration; these keys differ (run vs requested):{}\n(only "
            "train.frames and "
            "run.* bookkeeping keys may change on resume)",
            dir.config_path().string(), list);
      }
      config = std::move(requested);
      dir.write_config(config.to_toml());
    }
    if (!agent::train_options(config).seeds.empty()) {
      fail("{}: train.seeds is set; a run folder holds one seed's run", dir.config_path().string());
    }
    p.dirs.push_back(std::move(dir));
    p.configs.push_back(std::move(config));
  }
  return p;
}

// A new run, or one run per seed of train.seeds, each folder made and its config.toml written.
Prepared prepare_new(const TrainArgs& args) {
  if (args.preset.empty() && args.flags.file.empty()) {
    fail("train needs a preset (see `valor config list`), --config FILE, or --resume RUN_DIR");
  }
  Config config = resolve_config(
      full_schema(),
      args.flags.sources(args.preset.empty() ? std::nullopt : std::optional(args.preset)));
  // Validates the configuration before any folder is made.
  const agent::TrainOptions options = agent::train_options(config);
  std::string name = config.get_string("run.name");
  if (name.empty()) {
    name =
        !args.preset.empty() ? args.preset : std::filesystem::path(args.flags.file).stem().string();
  }
  Prepared p;
  if (options.seeds.empty()) {
    const std::string toml = config.to_toml();
    p.dirs.push_back(args.out.empty() ? run::RunDir::create_named("runs", name, toml)
                                      : run::RunDir::create_at(args.out, toml));
    p.configs.push_back(std::move(config));
    return p;
  }
  // One configuration per seed: run.seed set to it, train.seeds cleared, so that each folder
  // holds an ordinary run (resumable alone, read by plot and sweep reports like any other).
  const std::string origin = fmt::format("train.seeds (set by {})", config.origin("train.seeds"));
  for (int64_t seed : options.seeds) {
    Config c = config;
    c.apply_override(fmt::format("run.seed={}", seed), origin);
    c.apply_override("train.seeds=", origin);
    p.configs.push_back(std::move(c));
  }
  if (!args.out.empty()) {
    for (int64_t seed : options.seeds) run::RunDir::check_can_create_at(seed_dir(args.out, seed));
  }
  for (size_t i = 0; i < options.seeds.size(); ++i) {
    const int64_t seed = options.seeds[i];
    const std::string toml = p.configs[i].to_toml();
    p.dirs.push_back(args.out.empty() ? run::RunDir::create_named(
                                            "runs", fmt::format("{}--seed{}", name, seed), toml)
                                      : run::RunDir::create_at(seed_dir(args.out, seed), toml));
  }
  return p;
}

int run_train(const TrainArgs& args) {
  Prepared p = args.resume.empty() ? prepare_new(args) : prepare_resume(args);
  const size_t n = p.dirs.size();
  if (!args.quiet) {
    for (const auto& dir : p.dirs) fmt::print("run directory: {}\n", dir.path().string());
  }
  // One run mirrors its log; a group only its warnings (K runs would interleave their lines).
  for (auto& dir : p.dirs) {
    dir.mirror_log_to_stderr(args.quiet || n > 1 ? spdlog::level::warn : spdlog::level::info);
  }
  const std::atomic<bool>& stop = stop_on_signals();
  // A group steps its runs on train.seed_threads threads, each run's LibTorch on one.
  const agent::TrainOptions first = agent::train_options(p.configs[0]);
  agent::set_compute_threads(n > 1 ? 1 : static_cast<int>(p.configs[0].get_int("run.threads")));
  agent::TrainControl control;
  control.progress = args.quiet ? nullptr : stdout;
  control.stop = &stop;
  std::vector<agent::GroupRun> runs;
  for (size_t i = 0; i < n; ++i) runs.push_back({&p.dirs[i], &p.configs[i], !args.resume.empty()});
  const auto outcome = agent::train_group(runs, first.seed_threads, control);
  if (outcome == agent::TrainOutcome::kInterrupted) {
    std::string dirs;
    for (const auto& dir : p.dirs) dirs += " " + dir.path().string();
    fmt::print(stderr, "valor: interrupted; continue with: valor train --resume{}\n", dirs);
    return 130;
  }
  if (!args.quiet) {
    for (const auto& dir : p.dirs) fmt::print("summary: {}\n", dir.summary_path().string());
  }
  return 0;
}

}  // namespace

void add_train_command(CLI::App& app, Action& action) {
  auto args = std::make_shared<TrainArgs>();
  auto* train = app.add_subcommand("train", std::string(torch_command_description("train")));
  train->add_option("preset", args->preset, "A preset name (see `valor config list`)");
  args->flags.add_to(train);
  train->add_option("--out", args->out,
                    "The run directory (default runs/<name>-<time>/); with train.seeds, a pattern "
                    "holding {seed} (default OUT/seed<s>)");
  train->add_option("--resume", args->resume,
                    "Continue the run(s) in these directories from their newest checkpoints, in "
                    "one process");
  train->add_flag("--quiet", args->quiet, "No progress line; only warnings in the log copy");
  train->callback([&action, args] { action = [args] { return run_train(*args); }; });
}

}  // namespace valor::app
