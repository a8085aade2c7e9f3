// valor align: the preference-optimisation lab (valor/align, docs/align.md).
//   valor align run [PRESET] [--config FILE] [--set KEY=VALUE]... [--out DIR]
//   valor align sweep FILE.toml [--out DIR]
//   valor align data [PRESET] [--config FILE] [--set ...] --out FILE.jsonl
//   valor align show [PRESET] [--config FILE] [--set ...]
//   valor align methods | presets
#include <fmt/format.h>

#include <filesystem>
#include <memory>

#include "apps/valor/commands.h"
#include "valor/align/config.h"
#include "valor/align/preference_file.h"
#include "valor/align/run.h"
#include "valor/align/sweep.h"
#include "valor/core/error.h"
#include "valor/run/run_config.h"
#include "valor/run/run_dir.h"

namespace valor::app {
namespace {

struct AlignArgs {
  std::string preset;
  ConfigFlags flags;
  std::string out;
};

Config resolve(const AlignArgs& args) {
  if (args.preset.empty() && args.flags.file.empty()) {
    fail("needs a preset (valor align presets) or --config FILE");
  }
  return align::resolve_align_config(
      args.preset.empty() ? std::nullopt : std::optional<std::string>(args.preset),
      args.flags.file.empty() ? std::nullopt : std::optional<std::string>(args.flags.file),
      args.flags.overrides);
}

int run_command(const AlignArgs& args) {
  const Config config = resolve(args);
  const align::AlignRunSpec spec = align::align_run_spec(config);
  const run::RunSettings settings = run::run_settings(config);
  const std::string name = !settings.name.empty() ? settings.name
                           : !args.preset.empty()
                               ? "align-" + args.preset
                               : std::filesystem::path(args.flags.file).stem().string();
  // A bad preference file fails before the run folder exists.
  if (!spec.data_file.empty()) align::read_preferences_jsonl(spec.data_file, spec.task.shape);
  const std::string toml = config.to_toml();
  run::RunDir dir = args.out.empty() ? run::RunDir::create_named("runs", name, toml)
                                     : run::RunDir::create_at(args.out, toml);
  dir.mirror_log_to_stderr();
  dir.logger()->info("align run {} in {}", name, dir.path().string());
  const nlohmann::json summary = align::run_align(spec, dir, stderr, settings.progress_seconds);
  fmt::print("{}\n{}\n", dir.path().string(), summary.dump(2));
  return 0;
}

}  // namespace

void add_align_command(CLI::App& app, Action& action) {
  auto* align = app.add_subcommand(
      "align",
      "The preference-optimisation lab: DPO, IPO, RLHF, GRPO, Nash-MD, best-of-N on "
      "tasks with an exact optimum");
  align->require_subcommand(1);

  auto add_config = [](CLI::App* command, AlignArgs& args) {
    command->add_option("preset", args.preset, "An align preset (valor align presets)");
    args.flags.add_to(command);
  };

  auto run_args = std::make_shared<AlignArgs>();
  auto* run =
      align->add_subcommand("run", "Train one policy (or evaluate best-of-N) into a run folder");
  add_config(run, *run_args);
  run->add_option("--out", run_args->out, "The run folder (default: runs/align-PRESET-TIMESTAMP)");
  run->callback([&action, run_args] { action = [run_args] { return run_command(*run_args); }; });

  auto sweep_file = std::make_shared<std::string>();
  auto sweep_out = std::make_shared<std::string>();
  auto* sweep = align->add_subcommand(
      "sweep", "Run a grid of presets x settings x seeds (resumable) and write report.md");
  sweep->add_option("file", *sweep_file, "The sweep file (docs/align.md)")->required();
  sweep->add_option("--out", *sweep_out, "Output folder (default: runs/<sweep name>)");
  sweep->callback([&action, sweep_file, sweep_out] {
    action = [sweep_file, sweep_out] {
      const align::AlignSweepSpec spec = align::read_align_sweep(*sweep_file);
      const std::filesystem::path out = sweep_out->empty()
                                            ? std::filesystem::path("runs") / spec.name
                                            : std::filesystem::path(*sweep_out);
      align::run_align_sweep(spec, out, stderr, &stop_on_signals());
      fmt::print("{}\n", (out / "report.md").string());
      return 0;
    };
  });

  auto data_args = std::make_shared<AlignArgs>();
  auto* data = align->add_subcommand(
      "data", "Write the run's generated preference pairs as JSONL (the format data.file reads)");
  add_config(data, *data_args);
  data->add_option("--out", data_args->out, "The JSONL file to write")->required();
  data->callback([&action, data_args] {
    action = [data_args] {
      const align::AlignRunSpec spec = align::align_run_spec(resolve(*data_args));
      const align::Task task(spec.task);
      const align::PreferenceData pairs = align::make_preferences(task, spec.data);
      align::write_preferences_jsonl(data_args->out, pairs);
      fmt::print("{} pairs -> {}\n", pairs.size(), data_args->out);
      return 0;
    };
  });

  auto show_args = std::make_shared<AlignArgs>();
  auto* show =
      align->add_subcommand("show", "Print the resolved configuration with every key's doc");
  add_config(show, *show_args);
  show->callback([&action, show_args] {
    action = [show_args] {
      const Config config = resolve(*show_args);
      align::align_run_spec(config);  // the checks across keys
      fmt::print("{}", config.to_toml());
      return 0;
    };
  });

  align->add_subcommand("methods", "List the methods")->callback([&action] {
    action = [] {
      for (const auto& m : align::methods()) {
        fmt::print("{:<10} {:<8} {}\n", m.name, m.offline ? "offline" : "online", m.description);
      }
      fmt::print("{:<10} {:<8} {}\n", "bon", "sampling",
                 "best-of-N under the proxy (exact when enumerable)");
      return 0;
    };
  });
  align->add_subcommand("presets", "List the align presets")->callback([&action] {
    action = [] {
      for (const auto& p : align::align_presets()) {
        fmt::print("{:<12} {}\n", p.name, preset_description(p));
      }
      return 0;
    };
  });
}

}  // namespace valor::app
