// `valor sweep FILE.toml`: a grid of presets x environments x heads x seeds, each cell a
// `valor train` run in its own process, P at a time; resumable (complete runs are skipped,
// interrupted ones resumed from their checkpoints); then a report.md with IQMs and stratified
// bootstrap intervals (aggregate.h) and learning-curve PNGs (plot.h).
//
// The sweep file (docs/agents.md):
//   # One line that describes the sweep
//   [sweep]
//   name = "demo"                  # optional; default: the file's stem
//   presets = ["cartpole-dqn"]     # required
//   envs = ["CartPole-v1"]         # optional; default: each preset's env.name
//   heads = ["huber", "hl_gauss"]  # optional; default: each preset's value.head
//   seeds = 3                      # a count (seeds 0..n-1) or a list of seeds
//   processes = 2                  # processes at a time (default 2)
//   group_seeds = false            # a cell's seeds share processes (train.seeds; default false)
//   plot_metric = "train_return_100"  # metrics.csv column of the learning curves
//   [set]                          # overrides applied to every run (before the grid's keys)
//   "train.frames" = 50000
//   [[variant]]                    # optional, repeated: named settings, each a cell of its own
//   name = "adam-lr1e-4"           # [A-Za-z0-9_.+-], unique; the run folder ends --<name>--seed<s>
//   "train.optimizer" = "adam"     # keys it sets (not under [set], not run.seed/run.name/
//   "train.learning_rate" = 1e-4   #  train.seeds, nor env.name/value.head when the grid sets them)
//   [report]                       # optional: compare methods across envs (rliable's metrics)
//   baseline = "huber"             # a method: the variant's name, else the head (preset/... when
//                                  #  several presets)
//   random = { breakout = 0.5 }    # optional: per env, the score that normalises to 0 (the
//                                  #  baseline's IQM on the env normalises to 1)
#pragma once

#include <toml++/toml.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace valor::run {

struct SweepVariant {
  std::string name;
  std::vector<std::string> overrides;  // "key=value"
};

struct SweepSpec {
  std::string name;
  std::string description;  // the file's first comment line
  std::string source;       // the file, for messages
  std::vector<std::string> presets, envs, heads;
  std::vector<int64_t> seeds;
  int processes = 2;
  bool group_seeds = false;
  std::string plot_metric = "train_return_100";
  std::vector<std::string> overrides;  // "key=value" from [set]
  std::vector<SweepVariant> variants;  // [[variant]] tables; empty: one cell per preset/env/head
  struct Report {
    std::string baseline;
    std::vector<std::pair<std::string, double>> random;  // env, score
  };
  std::optional<Report> report;  // [report]
};

// The method a run belongs to when methods are compared across envs ([report]): its variant's
// name, else its head; prefixed with "preset/" when the sweep has several presets (and with
// "head/" when it has both heads and variants).
std::string method_label(const SweepSpec& spec, const struct SweepRun& run);

// valor::Error naming `source` and the key for anything malformed or unknown.
SweepSpec parse_sweep(std::string_view toml_text, const std::string& source);
SweepSpec read_sweep_file(const std::filesystem::path& path);

struct SweepRun {
  std::string preset, env, head;  // env and head as resolved for the run
  std::string variant;            // the [[variant]]'s name, empty without variants
  int64_t seed = 0;
  int64_t frames = 0;  // train.frames of the run
  std::vector<std::string>
      overrides;  // the [set] ones, then env.name, value.head, the variant's, run.seed, run.name
  std::filesystem::path dir;
  std::string cell() const {
    return preset + " / " + env + " / " + head + (variant.empty() ? "" : " / " + variant);
  }
};

// What a run resolves to: its env.name, value.head and train.frames. Throws valor::Error for a
// configuration that does not resolve.
struct ResolvedRun {
  std::string env, head;
  int64_t frames = 0;
};
using ResolveRun = std::function<ResolvedRun(const std::string& preset,
                                             const std::vector<std::string>& overrides)>;

// The runs of the grid in order (preset, env, head, variant, seed), each in
// <out>/runs/<preset>--<env>--<head>[--<variant>]--seed<s>. valor::Error when [report] names a
// baseline that is no method of the sweep or a random score for an env it does not run.
std::vector<SweepRun> plan_sweep(const SweepSpec& spec, const std::filesystem::path& out,
                                 const ResolveRun& resolve);

enum class RunState { kPending, kPartial, kComplete };
// kComplete when summary.json says "complete": true; kPartial when config.toml exists.
RunState run_state(const std::filesystem::path& run_dir);

// Frames a run has done so far: the later of its last metrics.csv row and its newest checkpoint
// (rows come once per log interval, and a resumed run restarts at the checkpoint, which can be
// past the last row). A metrics.csv last written before `since` does not count: a run restarted
// at `since` goes back to its checkpoint (cutting later rows) or, with none, begins the file anew,
// so until it writes, the file holds rows it will do again. 0 for a run with neither. Unreadable
// files count as absent.
int64_t frames_done(const std::filesystem::path& run_dir,
                    std::filesystem::file_time_type since = std::filesystem::file_time_type::min());

struct SweepControl {
  std::filesystem::path executable;  // the valor binary
  std::FILE* progress = stdout;
  const std::atomic<bool>* stop = nullptr;  // stop launching; wait for running runs to checkpoint
  double progress_seconds = 10.0;
  bool group_seeds = false;  // the seeds of a cell share processes (train.seeds)
};

struct SweepOutcome {
  size_t complete = 0, skipped = 0, failed = 0;
  bool interrupted = false;
  std::vector<std::string> failures;  // "<run dir>: exit status N (see <run dir>/train.out)"
};

// How the unfinished runs go to processes. Each process is one run, or, with `group_seeds`,
// several seeds of one cell (same preset and overrides but run.seed), all new or all partial:
// `valor train` with train.seeds, or with --resume listing their folders. A cell's seeds are
// split into ceil(processes / cells) batches (at most one per seed) so that `processes` batches
// can run at once. Indices are into `runs`, whose flags `partial` say which are partial.
struct SweepBatch {
  std::vector<size_t> runs;
  bool resume = false;
};
std::vector<SweepBatch> batch_sweep_runs(const std::vector<const SweepRun*>& runs,
                                         const std::vector<bool>& partial, int processes,
                                         bool group_seeds);

// The `valor train` command line (exe first) of one process of a sweep: new runs as
// `PRESET --set ... --out DIR` (a group of seeds with train.seeds and an --out pattern), partial
// ones as `--resume DIR...`; with --quiet.
std::vector<std::string> train_command(const std::vector<const SweepRun*>& runs, bool resume,
                                       const std::filesystem::path& exe);

// Runs every run that is not complete, in the batches of batch_sweep_runs, `processes` at a
// time, as `valor train PRESET --set ... [--set train.seeds=...] --out DIR --quiet` (or
// `--resume DIR...` for partial runs), its output appended to the first run's DIR/train.out.
SweepOutcome execute_sweep(const std::vector<SweepRun>& runs, int processes,
                           const SweepControl& control);

// Writes <out>/report.md and the learning curves <out>/curves-<env>.png; returns the report's
// table (Markdown) for printing. Runs that are not complete are listed as missing.
struct SweepReport {
  std::string table;
  std::filesystem::path report;
  std::vector<std::filesystem::path> plots;
  std::string plot_error;  // why plots are missing, if they are
};
SweepReport report_sweep(const SweepSpec& spec, const std::vector<SweepRun>& runs,
                         const std::filesystem::path& out);

// What every sweep file (valor sweep, valor align sweep) shares: the parsed TOML
// (valor::Error "source:line:column: ..." when malformed), the description (the first line, when
// it is a comment) and the name (sweep.name when given: a non-empty string without '/'; else the
// file's stem).
struct SweepFileHeader {
  toml::table root;
  std::string name, description;
};
SweepFileHeader parse_sweep_header(std::string_view text, const std::string& source);
// The [sweep] table's `seeds`: a count n (seeds 0..n-1, n in [1, 100000]) or a non-empty list of
// integers >= 0; valor::Error naming `source` otherwise.
std::vector<int64_t> sweep_seeds(const toml::table& sweep, const std::string& source);
// The "key=value" overrides of a TOML table of configuration keys (nested tables give dotted
// keys), as --set takes them; valor::Error naming `source` for a value that is not a string,
// boolean, integer or float.
void flatten_assignments(const toml::table& table, const std::string& prefix,
                         const std::string& source, std::vector<std::string>& out);

}  // namespace valor::run
