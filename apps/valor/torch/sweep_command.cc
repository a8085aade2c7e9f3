// `valor sweep FILE.toml | NAME [--out DIR] [--processes P] [--report-only]` and `valor demo`
// (the embedded sweep sweeps/demo.toml): a grid of training runs, P processes at a time,
// resumable, then a report (valor/run/sweep.h).
#include <fmt/format.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <memory>

#include "apps/valor/commands.h"
#include "valor/agent/train.h"
#include "valor/core/error.h"
#include "valor/run/folder_lock.h"
#include "valor/run/slurm.h"
#include "valor/run/sweep.h"

namespace valor::app {

namespace {

struct SweepArgs {
  std::string file;
  std::string out;
  int processes = 0;
  bool group_seeds = false;
  bool report_only = false;
  std::string backend = "local";
  run::SlurmOptions slurm;
  bool no_wait = false;
};

run::SweepSpec load_sweep(const std::string& file_or_name) {
  std::error_code ec;
  if (std::filesystem::exists(file_or_name, ec)) return run::read_sweep_file(file_or_name);
  if (const EmbeddedPreset* sweep = find_embedded_sweep(file_or_name)) {
    return run::parse_sweep(sweep->text, std::string(sweep->source));
  }
  std::vector<std::string_view> names;
  for (const auto& s : embedded_sweeps()) names.push_back(s.name);
  fail("{}: no such sweep file, and no built-in sweep of that name (built in: {})", file_or_name,
       fmt::join(names, ", "));
}

int run_sweep(const SweepArgs& args, bool demo) {
  run::SweepSpec spec = load_sweep(args.file);
  spec.group_seeds = spec.group_seeds || args.group_seeds;
  const std::filesystem::path out = args.out.empty() ? std::filesystem::path("runs") / spec.name
                                                     : std::filesystem::path(args.out);
  const auto resolve = [](const std::string& preset, const std::vector<std::string>& overrides) {
    ConfigSources sources;
    sources.preset = preset;
    sources.overrides = overrides;
    const Config config = resolve_config(full_schema(), sources);
    agent::train_options(config);  // every run is checked before any starts
    return run::ResolvedRun{config.get_string("env.name"), config.get_string("value.head"),
                            config.get_int("train.frames")};
  };
  const auto runs = run::plan_sweep(spec, out, resolve);
  const int processes = args.processes > 0 ? args.processes : spec.processes;
  if (demo) {
    fmt::print("valor demo: {}\n", spec.description);
  }
  if (args.backend == "slurm") {
    fmt::print("sweep '{}': {} runs, on Slurm, into {}\n", spec.name, runs.size(), out.string());
  } else {
    fmt::print("sweep '{}': {} runs, {} processes at a time{}, into {}\n", spec.name, runs.size(),
               processes, spec.group_seeds ? " (seeds grouped)" : "", out.string());
  }
  std::fflush(stdout);
  run::SweepOutcome outcome;
  std::filesystem::create_directories(out);
  // One sweep at a time in a folder (its runs each lock their own).
  const run::FolderLock lock = run::FolderLock::acquire(out, "sweep folder");
  const bool slurm = args.backend == "slurm";
  if (slurm && spec.group_seeds) {
    fail(
        "--group-seeds (or sweep.group_seeds = true in {}) applies to the local backend; with "
        "--backend slurm each run is its own task",
        spec.source.empty() ? args.file : spec.source);
  }
  if (!args.report_only) {
    run::SweepControl control;
    control.executable = std::filesystem::read_symlink("/proc/self/exe");
    control.stop = &stop_on_signals();
    control.progress_seconds = 10.0;
    control.group_seeds = spec.group_seeds;
    if (slurm) {
      run::SlurmOptions options = args.slurm;
      options.wait = !args.no_wait;
      const run::SlurmOutcome s = run::execute_sweep_slurm(runs, options, control, out, spec.name);
      outcome = s.sweep;
      if (outcome.skipped > 0) {
        fmt::print("{} runs were already complete and were skipped\n", outcome.skipped);
      }
      if (args.no_wait) {
        if (!s.job_id.empty()) {
          fmt::print(
              "not waiting: follow it with `squeue -j {}`; run the same command again to follow "
              "it here, or add --report-only to write the report of the runs finished so far\n",
              s.job_id);
        }
        return 0;
      }
      if (outcome.interrupted) {
        fmt::print(stderr,
                   "valor: stopped following Slurm array {}; it keeps running on the cluster "
                   "(`scancel {}` stops it, and its runs stay resumable); run the same command "
                   "again to follow it\n",
                   s.job_id, s.job_id);
        return 130;
      }
    } else {
      outcome = run::execute_sweep(runs, processes, control);
    }
    if (outcome.skipped > 0 && !slurm) {
      fmt::print("{} runs were already complete and were skipped\n", outcome.skipped);
    }
  }
  const run::SweepReport report = run::report_sweep(spec, runs, out);
  fmt::print("\n{}\nreport: {}\n", report.table, report.report.string());
  for (const auto& p : report.plots) fmt::print("plot: {}\n", p.string());
  if (!report.plot_error.empty()) fmt::print("plots not drawn: {}\n", report.plot_error);
  if (outcome.interrupted) {
    fmt::print(stderr, "valor: interrupted; run the same command again to continue\n");
    return 130;
  }
  if (outcome.failed > 0) {
    for (const auto& f : outcome.failures) fmt::print(stderr, "failed: {}\n", f);
    return 1;
  }
  return 0;
}

}  // namespace

void add_sweep_command(CLI::App& app, Action& action) {
  auto args = std::make_shared<SweepArgs>();
  auto* sweep = app.add_subcommand("sweep", std::string(torch_command_description("sweep")));
  sweep->add_option("file", args->file, "A sweep file (.toml) or a built-in sweep name")
      ->required();
  sweep->add_option("--out", args->out, "Output folder (default runs/<sweep name>)");
  sweep->add_option("--processes", args->processes, "Processes at a time (default: the file's)")
      ->check(CLI::Range(1, 256));
  sweep->add_flag("--group-seeds", args->group_seeds,
                  "A cell's seeds share processes (train.seeds), as sweep.group_seeds = true does");
  sweep->add_flag("--report-only", args->report_only,
                  "Only write the report of the runs already finished");
  sweep
      ->add_option("--backend", args->backend,
                   "Where the runs go: local (child processes, the default) or slurm (one job "
                   "array; docs/cluster.md)")
      ->check(CLI::IsMember({"local", "slurm"}));
  sweep->add_option("--partition", args->slurm.partition, "Slurm: partition (sbatch --partition)");
  sweep->add_option("--time", args->slurm.time, "Slurm: time limit of a task, e.g. 02:00:00");
  sweep->add_option("--cpus-per-run", args->slurm.cpus_per_run, "Slurm: CPUs of a task (default 1)")
      ->check(CLI::Range(1, 1024));
  sweep->add_option("--mem", args->slurm.mem, "Slurm: memory of a task, e.g. 4G");
  sweep
      ->add_option("--max-concurrent", args->slurm.max_concurrent,
                   "Slurm: tasks running at once (default: no limit)")
      ->check(CLI::Range(1, 100000));
  sweep->add_option("--sbatch-arg", args->slurm.sbatch_args,
                    "Slurm: an argument passed to sbatch as it is, e.g. --sbatch-arg=--qos=low "
                    "(repeatable)");
  sweep->add_flag("--no-wait", args->no_wait,
                  "Slurm: submit and return; run the command again to follow the array");
  sweep
      ->add_option("--poll-seconds", args->slurm.poll_seconds,
                   "Slurm: seconds between squeue calls while following (default 10)")
      ->check(CLI::Range(0.1, 3600.0));
  sweep->callback([&action, args, sweep] {
    if (args->backend != "slurm") {
      for (const char* name : {"--partition", "--time", "--cpus-per-run", "--mem",
                               "--max-concurrent", "--sbatch-arg", "--no-wait", "--poll-seconds"}) {
        if (sweep->count(name) > 0) {
          throw CLI::ValidationError(name, "applies to --backend slurm only");
        }
      }
    }
    action = [args] { return run_sweep(*args, false); };
  });
}

void add_demo_command(CLI::App& app, Action& action) {
  auto args = std::make_shared<SweepArgs>();
  auto* demo = app.add_subcommand("demo", std::string(torch_command_description("demo")));
  demo->add_option("--out", args->out, "Output folder (default runs/demo)");
  demo->callback([&action, args] {
    action = [args] {
      SweepArgs a = *args;
      a.file = "demo";
      return run_sweep(a, true);
    };
  });
}

}  // namespace valor::app
