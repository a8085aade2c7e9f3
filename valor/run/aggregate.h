// Statistics for reports across seeds (algorithms.md section 6, after "Deep RL at the Edge of the
// Statistical Precipice"): the interquartile mean and stratified bootstrap confidence intervals.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace valor::run {

// The mean of the values left after removing floor(n / 4) of the lowest and of the highest
// (scipy.stats.trim_mean(x, 0.25), as rliable computes the IQM). NaN for no values.
double interquartile_mean(std::span<const double> values);

struct Interval {
  double low = 0.0, high = 0.0;
};

// Percentile bootstrap interval of the IQM of all values pooled, resampling with replacement
// within each stratum (e.g. each task's seeds) independently, `replicates` times from `seed`.
// `level` in (0, 1), e.g. 0.95. Deterministic for a seed. valor::Error for an empty stratum.
Interval stratified_bootstrap_iqm(const std::vector<std::vector<double>>& strata, int replicates,
                                  double level, uint64_t seed);

// The same for the plain mean of the pooled values (e.g. a rate: the mean of 0/1 indicators).
Interval stratified_bootstrap_mean(const std::vector<std::vector<double>>& strata, int replicates,
                                   double level, uint64_t seed);

// rliable's probability of improvement of X over Y ("Deep RL at the Edge of the Statistical
// Precipice"): per task m, P(X_m > Y_m) = mean over all pairs (i, j) of [x_mi > y_mj] +
// [x_mi == y_mj] / 2 (the Mann-Whitney U statistic over n_m k_m), averaged over the tasks.
// x[m] and y[m] hold the two methods' scores (e.g. per seed) on task m; valor::Error for a
// different number of tasks or an empty task.
double probability_of_improvement(const std::vector<std::vector<double>>& x,
                                  const std::vector<std::vector<double>>& y);

// Its percentile bootstrap interval: each replicate resamples X's and Y's scores with
// replacement within each task, independently. Deterministic for a seed.
Interval stratified_bootstrap_probability_of_improvement(const std::vector<std::vector<double>>& x,
                                                         const std::vector<std::vector<double>>& y,
                                                         int replicates, double level,
                                                         uint64_t seed);

}  // namespace valor::run
