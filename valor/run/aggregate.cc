#include "valor/run/aggregate.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "valor/core/error.h"
#include "valor/core/random.h"

namespace valor::run {

double interquartile_mean(std::span<const double> values) {
  if (values.empty()) return std::numeric_limits<double>::quiet_NaN();
  std::vector<double> v(values.begin(), values.end());
  std::sort(v.begin(), v.end());
  const size_t cut = v.size() / 4;
  double sum = 0.0;
  for (size_t i = cut; i < v.size() - cut; ++i) sum += v[i];
  return sum / static_cast<double>(v.size() - 2 * cut);
}

namespace {

// The q-quantile of sorted values by linear interpolation (numpy's default).
double quantile_sorted(const std::vector<double>& v, double q) {
  const double pos = q * static_cast<double>(v.size() - 1);
  const size_t lo = static_cast<size_t>(std::floor(pos));
  const size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (pos - static_cast<double>(lo)) * (v[hi] - v[lo]);
}

double pooled_mean(std::span<const double> values) {
  double sum = 0.0;
  for (double v : values) sum += v;
  return sum / static_cast<double>(values.size());
}

void check_interval_arguments(int replicates, double level) {
  if (replicates < 1) fail("bootstrap: replicates must be >= 1, got {}", replicates);
  if (!(level > 0 && level < 1)) fail("bootstrap: level must be in (0, 1), got {}", level);
}

Interval percentile_interval(std::vector<double>& stats, double level) {
  std::sort(stats.begin(), stats.end());
  const double tail = (1.0 - level) / 2.0;
  return {quantile_sorted(stats, tail), quantile_sorted(stats, 1.0 - tail)};
}

template <typename Statistic>
Interval stratified_bootstrap(const std::vector<std::vector<double>>& strata, int replicates,
                              double level, uint64_t seed, Statistic statistic) {
  if (strata.empty()) fail("bootstrap: no strata");
  for (size_t s = 0; s < strata.size(); ++s) {
    if (strata[s].empty()) fail("bootstrap: stratum {} is empty", s);
  }
  check_interval_arguments(replicates, level);
  Rng rng(seed);
  std::vector<double> stats(static_cast<size_t>(replicates));
  std::vector<double> pooled;
  for (auto& stat : stats) {
    pooled.clear();
    for (const auto& stratum : strata) {
      for (size_t i = 0; i < stratum.size(); ++i)
        pooled.push_back(stratum[rng.below(stratum.size())]);
    }
    stat = statistic(pooled);
  }
  return percentile_interval(stats, level);
}

void check_paired_tasks(const std::vector<std::vector<double>>& x,
                        const std::vector<std::vector<double>>& y) {
  if (x.empty() || x.size() != y.size()) {
    fail("probability of improvement: both methods need scores on the same tasks ({} and {})",
         x.size(), y.size());
  }
  for (size_t m = 0; m < x.size(); ++m) {
    if (x[m].empty() || y[m].empty()) fail("probability of improvement: task {} has no score", m);
  }
}

double task_probability_of_improvement(std::span<const double> x, std::span<const double> y) {
  double wins = 0.0;
  for (double a : x) {
    for (double b : y) wins += a > b ? 1.0 : (a == b ? 0.5 : 0.0);
  }
  return wins / (static_cast<double>(x.size()) * static_cast<double>(y.size()));
}

}  // namespace

double probability_of_improvement(const std::vector<std::vector<double>>& x,
                                  const std::vector<std::vector<double>>& y) {
  check_paired_tasks(x, y);
  double sum = 0.0;
  for (size_t m = 0; m < x.size(); ++m) sum += task_probability_of_improvement(x[m], y[m]);
  return sum / static_cast<double>(x.size());
}

Interval stratified_bootstrap_probability_of_improvement(const std::vector<std::vector<double>>& x,
                                                         const std::vector<std::vector<double>>& y,
                                                         int replicates, double level,
                                                         uint64_t seed) {
  check_paired_tasks(x, y);
  check_interval_arguments(replicates, level);
  Rng rng(seed);
  std::vector<double> stats(static_cast<size_t>(replicates)), rx, ry;
  const auto resample = [&rng](const std::vector<double>& from, std::vector<double>& to) {
    to.resize(from.size());
    for (double& v : to) v = from[rng.below(from.size())];
  };
  for (double& stat : stats) {
    double sum = 0.0;
    for (size_t m = 0; m < x.size(); ++m) {
      resample(x[m], rx);
      resample(y[m], ry);
      sum += task_probability_of_improvement(rx, ry);
    }
    stat = sum / static_cast<double>(x.size());
  }
  return percentile_interval(stats, level);
}

Interval stratified_bootstrap_iqm(const std::vector<std::vector<double>>& strata, int replicates,
                                  double level, uint64_t seed) {
  return stratified_bootstrap(strata, replicates, level, seed,
                              [](std::span<const double> v) { return interquartile_mean(v); });
}

Interval stratified_bootstrap_mean(const std::vector<std::vector<double>>& strata, int replicates,
                                   double level, uint64_t seed) {
  return stratified_bootstrap(strata, replicates, level, seed, pooled_mean);
}

}  // namespace valor::run
