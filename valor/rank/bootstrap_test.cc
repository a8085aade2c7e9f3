#include "valor/rank/bootstrap.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "valor/core/error.h"
#include "valor/core/random.h"
#include "valor/rank/bradley_terry.h"
#include "valor/rank/plackett_luce.h"

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

TEST(BootstrapTest, BradleyTerryFastPathMatchesTheGenericOne) {
  auto data = simulate({0.5, 0.0, -0.5, 1.0, -1.0}, 500, 11);
  data.comparisons()[3].weight = 2.5;
  data.comparisons()[7].outcome = 0.5;
  for (const double prior : {0.0, 1.0}) {
    BtOptions options;
    options.prior_sd = prior;
    const RatingFitter fit = [options](const ComparisonSet& s) {
      return bradley_terry_newton(s, options).ratings;
    };
    const auto generic = bootstrap_ratings(data, fit, 30, 4);
    const auto fast = bradley_terry_bootstrap(data, options, 30, 4);
    ASSERT_EQ(fast.replicates.size(), 30u);
    for (size_t r = 0; r < 30; ++r) {
      for (size_t i = 0; i < 5; ++i) {
        EXPECT_NEAR(fast.replicates[r][i], generic.replicates[r][i], 1e-12) << r << " " << i;
      }
    }
  }
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

// Nominal 95% intervals cover the truth in at least 90% of 200 simulated datasets (item by item;
// the truth has mean 0, the fits' identification).
TEST(BootstrapTest, NominalCoverageOnSimulatedData) {
  const std::vector<double> truth = {0.6, 0.1, -0.2, -0.5};
  int covered = 0, total = 0;
  for (uint64_t d = 0; d < 200; ++d) {
    const auto data = simulate(truth, 400, 100 + d);
    const auto b = bootstrap_ratings(data, newton(), 100, d);
    for (size_t i = 0; i < truth.size(); ++i) {
      covered += b.low[i] <= truth[i] && truth[i] <= b.high[i];
      ++total;
    }
  }
  RecordProperty("coverage", std::to_string(static_cast<double>(covered) / total));
  EXPECT_GE(static_cast<double>(covered) / total, 0.90) << covered << " of " << total;
  // Not vacuous: intervals that covered everything would be too wide.
  EXPECT_LE(static_cast<double>(covered) / total, 0.99) << covered << " of " << total;
}

// A full ranking of all items drawn from Plackett-Luce worths exp(log_pi) (Gumbel trick).
Ranking sample_ranking(const std::vector<double>& log_pi, Rng& rng) {
  std::vector<std::pair<double, int32_t>> keys;
  for (size_t i = 0; i < log_pi.size(); ++i) {
    keys.emplace_back(log_pi[i] - std::log(-std::log(rng.uniform() + 1e-300)),
                      static_cast<int32_t>(i));
  }
  std::sort(keys.rbegin(), keys.rend());
  Ranking r;
  for (const auto& [key, item] : keys) r.order.push_back(item);
  return r;
}

TEST(BootstrapTest, RankingsDeterministicAndCoverTheTruth) {
  const std::vector<double> truth = {0.7, 0.0, -0.2, -0.5};  // mean 0
  const RankingFitter fit = [](const std::vector<Ranking>& r) {
    return fit_plackett_luce_mm(4, r, {}).log_pi;
  };
  int covered = 0, total = 0;
  for (uint64_t d = 0; d < 200; ++d) {
    Rng rng(1000 + d);
    std::vector<Ranking> rankings;
    for (int k = 0; k < 100; ++k) rankings.push_back(sample_ranking(truth, rng));
    const auto b = bootstrap_rankings(4, rankings, fit, 100, d);
    if (d == 0) {
      const auto again = bootstrap_rankings(4, rankings, fit, 100, d, 0.95, 1);
      EXPECT_EQ(b.replicates, again.replicates);
    }
    for (size_t i = 0; i < truth.size(); ++i) {
      covered += b.low[i] <= truth[i] && truth[i] <= b.high[i];
      ++total;
    }
  }
  RecordProperty("coverage", std::to_string(static_cast<double>(covered) / total));
  EXPECT_GE(static_cast<double>(covered) / total, 0.90) << covered << " of " << total;
  EXPECT_LE(static_cast<double>(covered) / total, 0.99) << covered << " of " << total;
}

TEST(BootstrapTest, InvalidArguments) {
  const auto data = simulate({0.0, 1.0}, 50, 1);
  EXPECT_THROW(bootstrap_ratings(data, newton(), 0, 1), Error);
  EXPECT_THROW(bootstrap_ratings(data, newton(), 10, 1, 1.0), Error);
}

}  // namespace
}  // namespace valor::rank
