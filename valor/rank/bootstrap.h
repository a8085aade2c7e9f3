// Nonparametric bootstrap over comparisons: resample the comparisons with replacement, refit, and
// take percentile intervals. Weights that are whole numbers are counts: a row of weight w is w
// comparisons, and a resample draws sum(w) comparisons (ComparisonUnits, comparisons.h), so pair
// totals give the intervals of the expanded rows; fractional weights resample rows. Replicates run
// in parallel; replicate r draws from its own generator Rng(seed, r), so the result does not depend
// on the number of threads.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "valor/core/random.h"
#include "valor/rank/comparisons.h"
#include "valor/rank/plackett_luce.h"

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

// The machinery behind both: runs one_replicate(Rng(seed, r)) for r < replicates on `threads`
// threads (each returning one rating per item) and takes the percentile intervals. For custom
// resampling schemes; the same errors as bootstrap_ratings.
BootstrapResult bootstrap_resampled(size_t num_items, int replicates, uint64_t seed, double level,
                                    int threads,
                                    const std::function<std::vector<double>(Rng&)>& one_replicate);

// The same over rankings (Plackett-Luce), whole-number weights again counts: each ranking's
// weight becomes that of its units drawn (sum(w) draws of single rankings, or num_rankings draws
// of weighted rows for fractional weights); rankings never drawn are left out.
using RankingFitter = std::function<std::vector<double>(const std::vector<Ranking>&)>;
BootstrapResult bootstrap_rankings(int num_items, const std::vector<Ranking>& rankings,
                                   const RankingFitter& fit, int replicates, uint64_t seed,
                                   double level = 0.95, int threads = 0 /* 0: all cores */);

}  // namespace valor::rank
