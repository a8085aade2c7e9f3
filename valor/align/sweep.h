// `valor align sweep FILE.toml` (docs/align.md): align presets x a grid of configuration values x
// seeds, one run each, in this process one after another; resumable (a run with summary.json is
// done and skipped; one without is run again from the start); then report.md with, per cell, the
// final gold reward, proxy reward and KL over seeds (IQM and 95% stratified-bootstrap intervals),
// the fitted overoptimisation forms, and gold-against-sqrt(KL) figures.
//
//   # One line that describes the sweep
//   [sweep]
//   name = "overoptimisation"         # optional; default: the file's stem
//   presets = ["dpo", "ipo", "bon"]   # required: align presets (valor align presets)
//   seeds = 5                         # a count (seeds 0..n-1) or a list of seeds
//   [grid]                            # optional: each key a list; every combination is a cell
//   "data.pairs" = [1000, 10000]
//   [set]                             # overrides applied to every run (before the grid's)
//   "align.steps" = 1000
#pragma once

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace valor::align {

struct AlignSweepSpec {
  std::string name, description, source;
  std::vector<std::string> presets;
  std::vector<int64_t> seeds;
  std::vector<std::pair<std::string, std::vector<std::string>>> grid;  // key, values
  std::vector<std::string> overrides;                                  // "key=value"
};

// valor::Error naming `source` and the key for anything malformed or unknown; every run's
// configuration is resolved and checked before anything runs.
AlignSweepSpec parse_align_sweep(std::string_view toml_text, const std::string& source);
AlignSweepSpec read_align_sweep(const std::filesystem::path& path);

struct AlignSweepRun {
  std::string cell;  // "dpo" or "dpo data.pairs=1000"
  std::string preset;
  int64_t seed = 0;
  std::vector<std::string> overrides;  // [set], the grid's, run.seed
  std::filesystem::path dir;           // <out>/<cell folder>/seed-<s>
};
std::vector<AlignSweepRun> expand_align_sweep(const AlignSweepSpec& spec,
                                              const std::filesystem::path& out);

// Runs what is not done (stopping between runs when *stop is set), then writes the report
// (report.md, gold_vs_kl.png) from every finished run. Returns whether every run finished.
bool run_align_sweep(const AlignSweepSpec& spec, const std::filesystem::path& out,
                     std::FILE* progress, const std::atomic<bool>* stop);

// Least-squares fits of the overoptimisation forms of "Scaling Laws for Reward Model
// Overoptimization" to points (d, R) with d = sqrt(KL) and R the reward gain over pi_ref:
// best-of-N R = d (alpha - beta d), RL R = d (alpha - beta log d). NaN alpha and beta for fewer
// than two points with d > 0.
struct OveroptimisationFit {
  double alpha = 0.0, beta = 0.0;
  size_t points = 0;
};
OveroptimisationFit fit_best_of_n_form(const std::vector<double>& d,
                                       const std::vector<double>& gain);
OveroptimisationFit fit_rl_form(const std::vector<double>& d, const std::vector<double>& gain);

}  // namespace valor::align
