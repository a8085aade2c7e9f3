#include "valor/run/aggregate.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "valor/core/error.h"

namespace valor::run {
namespace {

TEST(InterquartileMean, TrimsAQuarterFromEachEnd) {
  const std::vector<double> eight = {8, 1, 7, 2, 6, 3, 5, 4};
  EXPECT_DOUBLE_EQ(interquartile_mean(eight), 4.5);  // mean of 3, 4, 5, 6
  const std::vector<double> five = {100, 1, 2, 3, -50};
  EXPECT_DOUBLE_EQ(interquartile_mean(five), 2.0);  // floor(5/4) = 1 cut from each end
  const std::vector<double> three = {1, 2, 6};
  EXPECT_DOUBLE_EQ(interquartile_mean(three), 3.0);  // nothing cut below 4 values
  EXPECT_TRUE(std::isnan(interquartile_mean(std::vector<double>{})));
}

TEST(StratifiedBootstrap, IntervalBracketsTheEstimateAndIsDeterministic) {
  const std::vector<std::vector<double>> strata = {{1, 2, 3, 4, 5}, {10, 11, 12, 13, 14}};
  const Interval a = stratified_bootstrap_iqm(strata, 2000, 0.95, 7);
  const Interval b = stratified_bootstrap_iqm(strata, 2000, 0.95, 7);
  EXPECT_EQ(a.low, b.low);
  EXPECT_EQ(a.high, b.high);
  std::vector<double> pooled;
  for (const auto& s : strata) pooled.insert(pooled.end(), s.begin(), s.end());
  const double iqm = interquartile_mean(pooled);
  EXPECT_LT(a.low, iqm);
  EXPECT_GT(a.high, iqm);
  // Stratification keeps 5 draws from each task, so the pooled IQM cannot collapse onto one
  // task's values.
  EXPECT_GT(a.low, 3.0);
  EXPECT_LT(a.high, 12.0);
  const Interval constant = stratified_bootstrap_iqm({{2, 2, 2}}, 100, 0.9, 1);
  EXPECT_EQ(constant.low, 2.0);
  EXPECT_EQ(constant.high, 2.0);
  EXPECT_THROW(stratified_bootstrap_iqm({{1.0}, {}}, 10, 0.95, 1), Error);
  EXPECT_THROW(stratified_bootstrap_iqm({{1.0}}, 10, 1.0, 1), Error);
}

TEST(StratifiedBootstrap, MeanIntervalIsOfThePooledMean) {
  // A rate: 1 of 4 in the first stratum, 3 of 4 in the second; the pooled mean is 0.5. The
  // outer values are never trimmed, unlike the IQM's.
  const std::vector<std::vector<double>> strata = {{0, 0, 0, 1}, {1, 1, 0, 1}};
  const Interval a = stratified_bootstrap_mean(strata, 4000, 0.95, 3);
  EXPECT_LT(a.low, 0.5);
  EXPECT_GT(a.high, 0.5);
  EXPECT_GE(a.low, 0.0);
  EXPECT_LE(a.high, 1.0);
  // Each bootstrap mean is (k1 + k2) / 8 with k1 ~ Bin(4, 1/4), k2 ~ Bin(4, 3/4): the 2.5% and
  // 97.5% points are 0.25 and 0.75.
  EXPECT_DOUBLE_EQ(a.low, 0.25);
  EXPECT_DOUBLE_EQ(a.high, 0.75);
  const Interval constant = stratified_bootstrap_mean({{0.3, 0.3}}, 100, 0.9, 1);
  EXPECT_DOUBLE_EQ(constant.low, 0.3);
  EXPECT_DOUBLE_EQ(constant.high, 0.3);
  EXPECT_THROW(stratified_bootstrap_mean({{}}, 10, 0.95, 1), Error);
}

TEST(ProbabilityOfImprovement, CountsPairsAndAveragesTasks) {
  EXPECT_DOUBLE_EQ(probability_of_improvement({{3, 4}}, {{1, 2}}), 1.0);
  EXPECT_DOUBLE_EQ(probability_of_improvement({{1, 2}}, {{3, 4}}), 0.0);
  // Ties count a half: (0 + 0.5 + 1) / 3.
  EXPECT_DOUBLE_EQ(probability_of_improvement({{1, 2, 3}}, {{2}}), 0.5);
  // The Mann-Whitney U over n m: 0 + 2 + 3 + 2 wins of 12 pairs.
  const std::vector<std::vector<double>> x = {{0.1, 0.5, 0.9, 0.4}}, y = {{0.2, 0.3, 0.6}};
  EXPECT_DOUBLE_EQ(probability_of_improvement(x, y), 7.0 / 12.0);
  EXPECT_DOUBLE_EQ(probability_of_improvement(x, y) + probability_of_improvement(y, x), 1.0);
  // Each task weighs the same, whatever its number of seeds.
  EXPECT_DOUBLE_EQ(probability_of_improvement({{5}, {0, 0, 0}}, {{1}, {1, 1}}), 0.5);
  EXPECT_THROW(probability_of_improvement({{1}}, {{1}, {2}}), Error);
  EXPECT_THROW(probability_of_improvement({{1}, {}}, {{1}, {2}}), Error);
}

TEST(ProbabilityOfImprovement, BootstrapIntervalBracketsTheEstimateAndIsDeterministic) {
  const std::vector<std::vector<double>> x = {{0.1, 0.5, 0.9, 0.4}, {3, 5, 4}};
  const std::vector<std::vector<double>> y = {{0.2, 0.3, 0.6}, {4.5, 2, 1, 6}};
  const double p = probability_of_improvement(x, y);
  const Interval a = stratified_bootstrap_probability_of_improvement(x, y, 2000, 0.95, 7);
  const Interval b = stratified_bootstrap_probability_of_improvement(x, y, 2000, 0.95, 7);
  EXPECT_LT(a.low, p);
  EXPECT_GT(a.high, p);
  EXPECT_GE(a.low, 0.0);
  EXPECT_LE(a.high, 1.0);
  EXPECT_EQ(a.low, b.low);
  EXPECT_EQ(a.high, b.high);
  // Every resample of a method that always wins still wins.
  const Interval all =
      stratified_bootstrap_probability_of_improvement({{3, 4}}, {{1, 2}}, 100, 0.95, 1);
  EXPECT_DOUBLE_EQ(all.low, 1.0);
  EXPECT_DOUBLE_EQ(all.high, 1.0);
  EXPECT_THROW(stratified_bootstrap_probability_of_improvement(x, y, 0, 0.95, 1), Error);
}

}  // namespace
}  // namespace valor::run
