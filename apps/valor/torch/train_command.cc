// `valor train PRESET | --config FILE [--set k=v]... [--out DIR]` and
// `valor train --resume RUN_DIR`: one agent, one run directory (valor/agent/train.h).
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

std::atomic<bool> g_stop{false};

extern "C" void request_stop(int) { g_stop.store(true); }

}  // namespace

const std::atomic<bool>& stop_on_signals() {
  std::signal(SIGINT, request_stop);
  std::signal(SIGTERM, request_stop);
  std::signal(SIGHUP, request_stop);
  return g_stop;
}

namespace {

struct TrainArgs {
  std::string preset;
  ConfigFlags flags;
  std::string out;
  std::string resume;
  bool quiet = false;
};

// The configuration stored in a run directory.
Config stored_config(const run::RunDir& dir) {
  ConfigSources s;
  s.file = dir.config_path().string();
  return resolve_config(full_schema(), s);
}

int run_train(const TrainArgs& args) {
  const bool has_request = !args.preset.empty() || !args.flags.file.empty();
  std::optional<run::RunDir> dir;
  std::optional<Config> config;
  if (!args.resume.empty()) {
    if (!args.out.empty()) fail("--resume continues RUN_DIR in place; do not give --out too");
    dir.emplace(run::RunDir::open(args.resume));
    config.emplace(stored_config(*dir));
    if (has_request || !args.flags.overrides.empty()) {
      Config requested =
          has_request
              ? resolve_config(full_schema(),
                               args.flags.sources(args.preset.empty() ? std::nullopt
                                                                      : std::optional(args.preset)))
              : stored_config(*dir);
      for (const auto& o : args.flags.overrides) requested.apply_override(o, "--set " + o);
      const auto diffs = agent::fingerprint_differences(*config, requested);
      if (!diffs.empty()) {
        std::string list;
        for (const auto& d : diffs) list += "\n  " + d;
        fail(
            "{} belongs to another configuration; these keys differ (run vs requested):{}\n(only "
            "train.frames and "
            "run.* bookkeeping keys may change on resume)",
            dir->config_path().string(), list);
      }
      config.emplace(std::move(requested));
      dir->write_config(config->to_toml());
    }
  } else {
    if (!has_request) {
      fail("train needs a preset (see `valor config list`), --config FILE, or --resume RUN_DIR");
    }
    config.emplace(resolve_config(
        full_schema(),
        args.flags.sources(args.preset.empty() ? std::nullopt : std::optional(args.preset))));
    // Validates the configuration before any folder is made.
    agent::train_options(*config);
    std::string name = config->get_string("run.name");
    if (name.empty()) {
      name = !args.preset.empty() ? args.preset
                                  : std::filesystem::path(args.flags.file).stem().string();
    }
    dir.emplace(args.out.empty() ? run::RunDir::create_named("runs", name)
                                 : run::RunDir::create_at(args.out));
    dir->write_config(config->to_toml());
  }
  if (!args.quiet) fmt::print("run directory: {}\n", dir->path().string());
  dir->mirror_log_to_stderr(args.quiet ? spdlog::level::warn : spdlog::level::info);
  const std::atomic<bool>& stop = stop_on_signals();
  agent::set_compute_threads(static_cast<int>(config->get_int("run.threads")));
  agent::TrainControl control;
  control.progress = args.quiet ? nullptr : stdout;
  control.stop = &stop;
  const auto outcome = agent::train(*dir, *config, !args.resume.empty(), control);
  if (outcome == agent::TrainOutcome::kInterrupted) {
    fmt::print(stderr, "valor: interrupted; continue with: valor train --resume {}\n",
               dir->path().string());
    return 130;
  }
  if (!args.quiet) fmt::print("summary: {}\n", dir->summary_path().string());
  return 0;
}

}  // namespace

void add_train_command(CLI::App& app, Action& action) {
  auto args = std::make_shared<TrainArgs>();
  auto* train = app.add_subcommand("train", std::string(torch_command_description("train")));
  train->add_option("preset", args->preset, "A preset name (see `valor config list`)");
  args->flags.add_to(train);
  train->add_option("--out", args->out, "The run directory (default runs/<name>-<time>/)");
  train->add_option("--resume", args->resume,
                    "Continue the run in this directory from its newest checkpoint");
  train->add_flag("--quiet", args->quiet, "No progress line; only warnings in the log copy");
  train->callback([&action, args] { action = [args] { return run_train(*args); }; });
}

}  // namespace valor::app
