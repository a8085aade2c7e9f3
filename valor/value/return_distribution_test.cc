#include "valor/value/return_distribution.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "valor/core/error.h"

namespace valor::value {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::ThrowsMessage;

ReturnDistribution law(const std::vector<double>& atoms, const std::vector<double>& probs) {
  return ReturnDistribution(atoms, probs);
}

// The uniform law on 1..n.
ReturnDistribution uniform(int n) {
  std::vector<double> atoms, probs;
  for (int k = 1; k <= n; ++k) {
    atoms.push_back(k);
    probs.push_back(1.0);
  }
  return ReturnDistribution(atoms, probs);
}

TEST(ReturnDistribution, UniformClosedForms) {
  const ReturnDistribution d = uniform(10);
  ASSERT_EQ(d.size(), 10u);
  EXPECT_EQ(d.min(), 1.0);
  EXPECT_EQ(d.max(), 10.0);
  EXPECT_NEAR(d.mean(), 5.5, 1e-12);
  EXPECT_NEAR(d.variance(), (10.0 * 10.0 - 1.0) / 12.0, 1e-12);
  for (int k = 1; k <= 10; ++k) {
    // The worst k tenths are 1..k: CVaR_{k/10} = (k + 1) / 2; the lower quantile at F(k) is k.
    EXPECT_NEAR(d.cvar(k / 10.0), (k + 1) / 2.0, 1e-12) << k;
    EXPECT_EQ(d.quantile(k / 10.0), k) << k;
    EXPECT_NEAR(d.cdf(k), k / 10.0, 1e-12) << k;
    EXPECT_NEAR(d.cdf(k + 0.5), k / 10.0, 1e-12) << k;
  }
  EXPECT_EQ(d.cdf(0.999), 0.0);
  // Half of the worst atom: CVaR_0.05 = 1; one and a half atoms: (1 + 0.5 * 2) / 1.5.
  EXPECT_NEAR(d.cvar(0.05), 1.0, 1e-12);
  EXPECT_NEAR(d.cvar(0.15), 2.0 / 1.5, 1e-12);
}

TEST(ReturnDistribution, QuantileAtTheLevelBoundaries) {
  const ReturnDistribution d = law({-2.0, 0.0, 3.0}, {0.1, 0.4, 0.5});
  EXPECT_EQ(d.quantile(0.0), -2.0);  // tau = 0: the smallest atom
  EXPECT_EQ(d.quantile(0.05), -2.0);
  EXPECT_EQ(d.quantile(0.1), -2.0);  // F(-2) = 0.1 >= 0.1
  EXPECT_EQ(d.quantile(0.1 + 1e-9), 0.0);
  EXPECT_EQ(d.quantile(0.5), 0.0);  // F(0) = 0.1 + 0.4, rounded, still counts as 0.5
  EXPECT_EQ(d.quantile(0.51), 3.0);
  EXPECT_EQ(d.quantile(1.0), 3.0);
  EXPECT_NEAR(d.mean(), 1.3, 1e-12);
  EXPECT_NEAR(d.sd(), std::sqrt(3.21), 1e-12);
}

TEST(ReturnDistribution, TwoPointFractionalBoundary) {
  // P(0) = 0.3, P(10) = 0.7. CVaR_0.5 takes all of 0 and 0.2 of 10: (0.2 * 10) / 0.5 = 4.
  const ReturnDistribution d = law({10.0, 0.0}, {0.7, 0.3});
  EXPECT_THAT(d.atoms(), ElementsAre(0.0, 10.0));
  EXPECT_NEAR(d.cvar(0.5), 4.0, 1e-12);
  EXPECT_NEAR(d.cvar(0.3), 0.0, 1e-12);
  EXPECT_NEAR(d.cvar(0.2), 0.0, 1e-12);
  EXPECT_NEAR(d.cvar(1.0), 7.0, 1e-12);
  EXPECT_NEAR(d.cvar(1.0), d.mean(), 1e-12);
  EXPECT_NEAR(d.sd(), 10.0 * std::sqrt(0.3 * 0.7), 1e-12);  // Bernoulli scaled by 10
  EXPECT_EQ(d.quantile(0.3), 0.0);
  EXPECT_EQ(d.quantile(0.31), 10.0);
}

TEST(ReturnDistribution, PointMass) {
  const ReturnDistribution d = law({-13.0}, {1.0});
  EXPECT_EQ(d.mean(), -13.0);
  EXPECT_EQ(d.sd(), 0.0);
  EXPECT_EQ(d.quantile(0.5), -13.0);
  EXPECT_DOUBLE_EQ(d.cvar(0.1), -13.0);
  EXPECT_DOUBLE_EQ(d.cvar(1e-9), -13.0);
}

TEST(ReturnDistribution, MergesSortsDropsZerosAndNormalises) {
  const ReturnDistribution d = law({3.0, -1.0, 3.0, 5.0, 7.0}, {1, 1, 2, 0, 0});
  EXPECT_THAT(d.atoms(), ElementsAre(-1.0, 3.0));
  EXPECT_THAT(d.probabilities(), ElementsAre(0.25, 0.75));
  EXPECT_EQ(d.max(), 3.0);  // atoms of probability 0 are not part of the support
  // A sub-probability vector gives the conditional law.
  const ReturnDistribution half = law({1.0, 5.0}, {0.25, 0.25});
  EXPECT_DOUBLE_EQ(half.mean(), 3.0);
  EXPECT_DOUBLE_EQ(half.sd(), 2.0);
  EXPECT_EQ(half.quantile(0.5), 1.0);
  EXPECT_DOUBLE_EQ(half.cvar(0.5), 1.0);
}

// The lower-tail CVaR of sorted samples: the mean of the lowest alpha n, the boundary sample with
// its fractional weight.
double sorted_sample_cvar(const std::vector<double>& sorted, double alpha) {
  const double k = alpha * static_cast<double>(sorted.size());
  double sum = 0.0;
  size_t i = 0;
  for (; i < sorted.size() && static_cast<double>(i + 1) <= k; ++i) sum += sorted[i];
  if (i < sorted.size()) sum += (k - static_cast<double>(i)) * sorted[i];
  return sum / k;
}

TEST(ReturnDistribution, EmpiricalMatchesTheSortedSampleFormulas) {
  std::mt19937_64 rng(3);
  std::uniform_int_distribution<int> value(-5, 5);  // ties are likely
  for (int n : {1, 2, 7, 40, 101}) {
    std::vector<double> x(static_cast<size_t>(n));
    for (double& v : x) v = value(rng) * 0.5;
    const ReturnDistribution d = ReturnDistribution::empirical(x);
    std::vector<double> sorted = x;
    std::sort(sorted.begin(), sorted.end());
    double sum = 0.0;
    for (double v : x) sum += v;
    EXPECT_NEAR(d.mean(), sum / n, 1e-12) << n;
    EXPECT_EQ(d.min(), sorted.front());
    EXPECT_EQ(d.max(), sorted.back());
    for (double alpha : {0.01, 0.1, 0.125, 0.3, 0.5, 0.77, 0.99, 1.0}) {
      EXPECT_NEAR(d.cvar(alpha), sorted_sample_cvar(sorted, alpha), 1e-12) << n << " " << alpha;
      // The lower quantile is the ceil(tau n)-th smallest sample.
      const auto rank = static_cast<size_t>(std::ceil(alpha * n - 1e-9));
      EXPECT_EQ(d.quantile(alpha), sorted[std::max<size_t>(rank, 1) - 1]) << n << " " << alpha;
    }
  }
}

// CVaR equals its dual max_b { b - E[(b - G)^+] / alpha }, attained at b = an alpha-quantile,
// on random laws; it is non-decreasing in alpha, at most the mean and at least the minimum.
TEST(ReturnDistribution, CvarIsItsDualOnRandomLaws) {
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  for (int trial = 0; trial < 50; ++trial) {
    const int n = 1 + trial % 9;
    std::vector<double> atoms, probs;
    for (int k = 0; k < n; ++k) {
      atoms.push_back(std::round(20.0 * unit(rng) - 10.0));
      probs.push_back(unit(rng));
    }
    const ReturnDistribution d(atoms, probs);
    double previous = -1e300;
    for (double alpha : {0.05, 0.2, 0.35, 0.5, 0.9, 1.0}) {
      double dual = -1e300;
      for (double b : d.atoms()) {
        double shortfall = 0.0;
        for (size_t k = 0; k < d.size(); ++k) {
          shortfall += d.probabilities()[k] * std::max(b - d.atoms()[k], 0.0);
        }
        dual = std::max(dual, b - shortfall / alpha);
      }
      const double cvar = d.cvar(alpha);
      EXPECT_NEAR(cvar, dual, 1e-9) << trial << " " << alpha;
      EXPECT_GE(cvar, previous - 1e-12);
      EXPECT_LE(cvar, d.mean() + 1e-12);
      EXPECT_GE(cvar, d.min() - 1e-12);
      previous = cvar;
    }
    EXPECT_NEAR(d.cvar(1.0), d.mean(), 1e-12);
  }
}

TEST(ReturnDistribution, Errors) {
  const std::vector<double> two = {1.0, 2.0};
  EXPECT_THAT([&] { law(two, {1.0}); },
              ThrowsMessage<Error>(HasSubstr("2 atoms but 1 probabilities")));
  EXPECT_THAT([] { law({}, {}); }, ThrowsMessage<Error>(HasSubstr("no atoms")));
  EXPECT_THAT([&] { law({1.0, NAN}, two); }, ThrowsMessage<Error>(HasSubstr("atom 1 is nan")));
  EXPECT_THAT(
      [&] {
        law(two, {0.5, -0.1});
      },
      ThrowsMessage<Error>(HasSubstr("probability 1 (of atom 2) is -0.1")));
  EXPECT_THAT(
      [&] {
        law(two, {INFINITY, 1.0});
      },
      ThrowsMessage<Error>(HasSubstr("probability 0 (of atom 1) is inf")));
  EXPECT_THAT([&] { law(two, {0.0, 0.0}); }, ThrowsMessage<Error>(HasSubstr("sum to 0")));
  EXPECT_THAT([] { ReturnDistribution::empirical(std::vector<double>{}); },
              ThrowsMessage<Error>(HasSubstr("no samples")));
  EXPECT_THAT(
      [] {
        ReturnDistribution::empirical(std::vector<double>{1.0, 2.0, -INFINITY});
      },
      ThrowsMessage<Error>(HasSubstr("sample 2 is -inf")));
  const ReturnDistribution d = uniform(3);
  EXPECT_THAT([&] { d.quantile(1.5); }, ThrowsMessage<Error>(HasSubstr("tau is 1.5")));
  EXPECT_THROW(d.quantile(-0.1), Error);
  EXPECT_THROW(d.quantile(NAN), Error);
  EXPECT_THAT([&] { d.cvar(0.0); }, ThrowsMessage<Error>(HasSubstr("alpha is 0")));
  EXPECT_THROW(d.cvar(1.1), Error);
  EXPECT_THROW(d.cvar(NAN), Error);
}

}  // namespace
}  // namespace valor::value
