#include "valor/rank/bootstrap.h"

#include <gtest/gtest.h>

#include <cmath>

#include "valor/core/error.h"
#include "valor/core/random.h"
#include "valor/rank/bradley_terry.h"

namespace valor::rank {
namespace {

// Comparisons simulated from known Bradley-Terry ratings.
ComparisonSet simulate(const std::vector<double>& truth, int n, uint64_t seed) {
  ComparisonSet set;
  for (size_t i = 0; i < truth.size(); ++i) set.intern("item" + std::to_string(i));
  Rng rng(seed);
  for (int k = 0; k < n; ++k) {
    const auto a = static_cast<int32_t>(rng.below(truth.size()));
    auto b = static_cast<int32_t>(rng.below(truth.size() - 1));
    if (b >= a) ++b;
    const double p =
        1 / (1 + std::exp(truth[static_cast<size_t>(b)] - truth[static_cast<size_t>(a)]));
    set.add({a, b, rng.uniform() < p ? 1.0 : 0.0, 1.0, false});
  }
  return set;
}

RatingFitter newton() {
  return [](const ComparisonSet& s) { return bradley_terry_newton(s).ratings; };
}

TEST(BootstrapTest, DeterministicForASeedWhateverTheThreads) {
  const auto data = simulate({0.5, 0.0, -0.5, 1.0}, 400, 3);
  const auto one = bootstrap_ratings(data, newton(), 20, 7, 0.95, 1);
  const auto two = bootstrap_ratings(data, newton(), 20, 7, 0.95, 2);
  EXPECT_EQ(one.replicates, two.replicates);
  EXPECT_EQ(one.low, two.low);
  const auto other = bootstrap_ratings(data, newton(), 20, 8, 0.95, 2);
  EXPECT_NE(one.replicates, other.replicates);
}

TEST(BootstrapTest, IntervalsBracketTheFitAndShrinkWithData) {
  const std::vector<double> truth = {0.8, 0.2, -0.3, -0.7};
  const auto small = simulate(truth, 300, 1);
  const auto large = simulate(truth, 3000, 1);
  const auto fit = bradley_terry_newton(small).ratings;
  const auto bs = bootstrap_ratings(small, newton(), 100, 5);
  const auto bl = bootstrap_ratings(large, newton(), 100, 5);
  for (size_t i = 0; i < truth.size(); ++i) {
    EXPECT_LT(bs.low[i], fit[i]);
    EXPECT_GT(bs.high[i], fit[i]);
    EXPECT_LT(bl.high[i] - bl.low[i], bs.high[i] - bs.low[i]);
  }
}

// Nominal 95% intervals cover the truth in at least 90% of simulated datasets (item by item).
TEST(BootstrapTest, NominalCoverageOnSimulatedData) {
  const std::vector<double> truth = {0.6, 0.1, -0.2, -0.5};
  int covered = 0, total = 0;
  for (uint64_t d = 0; d < 60; ++d) {
    const auto data = simulate(truth, 400, 100 + d);
    const auto b = bootstrap_ratings(data, newton(), 100, d);
    for (size_t i = 0; i < truth.size(); ++i) {
      covered += b.low[i] <= truth[i] && truth[i] <= b.high[i];
      ++total;
    }
  }
  EXPECT_GE(static_cast<double>(covered) / total, 0.90) << covered << " of " << total;
}

TEST(BootstrapTest, InvalidArguments) {
  const auto data = simulate({0.0, 1.0}, 50, 1);
  EXPECT_THROW(bootstrap_ratings(data, newton(), 0, 1), Error);
  EXPECT_THROW(bootstrap_ratings(data, newton(), 10, 1, 1.0), Error);
}

}  // namespace
}  // namespace valor::rank
