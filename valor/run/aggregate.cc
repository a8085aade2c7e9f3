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

template <typename Statistic>
Interval stratified_bootstrap(const std::vector<std::vector<double>>& strata, int replicates,
                              double level, uint64_t seed, Statistic statistic) {
  if (strata.empty()) fail("bootstrap: no strata");
  for (size_t s = 0; s < strata.size(); ++s) {
    if (strata[s].empty()) fail("bootstrap: stratum {} is empty", s);
  }
  if (replicates < 1) fail("bootstrap: replicates must be >= 1, got {}", replicates);
  if (!(level > 0 && level < 1)) fail("bootstrap: level must be in (0, 1), got {}", level);
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
  std::sort(stats.begin(), stats.end());
  const double tail = (1.0 - level) / 2.0;
  return {quantile_sorted(stats, tail), quantile_sorted(stats, 1.0 - tail)};
}

}  // namespace

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
