#include "valor/game/sampling.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace valor::game {
namespace {

TEST(Sampling, GammaHasTheRightMeanAndVariance) {
  for (const double shape : {0.03, 0.3, 1.0, 2.5, 10.0}) {
    Rng rng(17);
    const int n = 200000;
    double sum = 0;
    double sum_sq = 0;
    for (int i = 0; i < n; ++i) {
      const double x = sample_gamma(rng, shape);
      ASSERT_GE(x, 0.0);
      sum += x;
      sum_sq += x * x;
    }
    const double mean = sum / n;
    const double var = sum_sq / n - mean * mean;
    // Gamma(k, 1): mean k, variance k; 5 standard errors of the mean.
    EXPECT_NEAR(mean, shape, 5 * std::sqrt(shape / n)) << shape;
    EXPECT_NEAR(var, shape, 0.05 * shape + 0.002) << shape;
  }
}

TEST(Sampling, DirichletIsADistributionWithTheRightMean) {
  Rng rng(3);
  std::vector<double> x(4);
  std::vector<double> mean(4, 0.0);
  const int n = 50000;
  for (int i = 0; i < n; ++i) {
    sample_dirichlet(rng, 0.3, x);
    double total = 0;
    for (double v : x) total += v;
    ASSERT_NEAR(total, 1.0, 1e-12);
    for (size_t k = 0; k < 4; ++k) mean[k] += x[k] / n;
  }
  for (double m : mean) EXPECT_NEAR(m, 0.25, 0.01);
}

TEST(Sampling, GumbelHasTheEulerMascheroniMean) {
  Rng rng(5);
  const int n = 200000;
  double sum = 0;
  for (int i = 0; i < n; ++i) sum += sample_gumbel(rng);
  EXPECT_NEAR(sum / n, 0.5772156649, 0.01);  // variance pi^2/6: sd of the mean 0.003
}

}  // namespace
}  // namespace valor::game
