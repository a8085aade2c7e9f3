// Nonparametric bootstrap over comparisons: resample the comparisons with replacement, refit, and
// take percentile intervals. Replicates run in parallel; replicate r draws from its own
// generator Rng(seed, r), so the result does not depend on the number of threads.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "valor/rank/comparisons.h"

namespace valor::rank {

// Fits ratings (one per item) to a set of comparisons.
using RatingFitter = std::function<std::vector<double>(const ComparisonSet&)>;

struct BootstrapResult {
  std::vector<std::vector<double>> replicates;  // [replicate][item]
  std::vector<double> low, high;                // percentile interval per item
};

// `level` is the interval's coverage (0.95: the 2.5% and 97.5% percentiles). valor::Error for
// replicates < 1 or level outside (0, 1); an error in any replicate's fit is rethrown, prefixed
// with the replicate number.
BootstrapResult bootstrap_ratings(const ComparisonSet& data, const RatingFitter& fit,
                                  int replicates, uint64_t seed, double level = 0.95,
                                  int threads = 0 /* 0: all cores */);

}  // namespace valor::rank
