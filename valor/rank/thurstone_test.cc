#include "valor/rank/thurstone.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "valor/core/error.h"
#include "valor/core/math.h"
#include "valor/core/random.h"
#include "valor/rank/comparison_reader.h"
#include "valor/rank/cross_validation.h"

namespace valor::rank {
namespace {

TEST(ThurstoneTest, ProbabilityIsPhiOfTheScaledDifference) {
  EXPECT_DOUBLE_EQ(thurstone_probability(1.0, 0.6, 1.0, 0.8), 0.5);
  // (1.5 - 0.5) / sqrt(0.6^2 + 0.8^2) = 1: Phi(1) = 0.8413447460685429.
  EXPECT_NEAR(thurstone_probability(1.5, 0.6, 0.5, 0.8), 0.8413447460685429, 1e-15);
  EXPECT_NEAR(thurstone_probability(0.5, 0.8, 1.5, 0.6), 1.0 - 0.8413447460685429, 1e-15);
}

TEST(ThurstoneTest, TwoItemsFixedSigmaMatchesClosedForm) {
  // One soft comparison with P(a > b) = Phi(z0): the MLE has (mu_a - mu_b) / sqrt(2) = z0.
  const double z0 = 0.7;
  ComparisonSet data;
  const int32_t a = data.intern("a");
  const int32_t b = data.intern("b");
  data.add({a, b, normal_cdf(z0), 3.0, false});
  ThurstoneOptions options;
  options.fixed_sigma = 1.0;
  options.prior_precision = 0.0;
  options.normalize = false;
  const ThurstoneFit raw = fit_thurstone(data, options);
  ASSERT_TRUE(raw.converged);
  EXPECT_NEAR(raw.mu[0] - raw.mu[1], std::sqrt(2.0) * z0, 1e-7);
  EXPECT_DOUBLE_EQ(raw.sigma[0], 1.0);

  // Normalised: mu = +-1, sigma scaled alike, the implied probability unchanged.
  options.normalize = true;
  const ThurstoneFit fit = fit_thurstone(data, options);
  EXPECT_NEAR(fit.mu[0], 1.0, 1e-9);
  EXPECT_NEAR(fit.mu[1], -1.0, 1e-9);
  EXPECT_NEAR((fit.mu[0] - fit.mu[1]) / std::hypot(fit.sigma[0], fit.sigma[1]), z0, 1e-7);
  EXPECT_NEAR(fit.log_likelihood, raw.log_likelihood, 1e-9);
  const double p = normal_cdf(z0);
  EXPECT_NEAR(fit.log_likelihood, 3.0 * (p * std::log(p) + (1 - p) * std::log(1 - p)), 1e-9);
}

TEST(ThurstoneTest, GradientMatchesFiniteDifferences) {
  ComparisonSet data;
  for (int i = 0; i < 4; ++i) data.intern(fmt::format("item{}", i));
  data.add({0, 1, 1.0, 1.0, false});
  data.add({1, 2, 0.3, 2.0, false});
  data.add({2, 0, 0.0, 1.5, false});
  data.add({3, 1, 0.5, 1.0, true});
  data.add({0, 3, 0.8, 0.5, false});
  Rng rng(7);
  for (double fixed : {0.0, 1.3}) {
    ThurstoneOptions options;
    options.prior_precision = 0.1;
    options.fixed_sigma = fixed;
    std::vector<double> x(fixed > 0 ? 4 : 8);
    for (double& v : x) v = 0.5 * rng.normal();
    std::vector<double> grad;
    thurstone_objective(data, options, x, &grad);
    const double h = 1e-6;
    for (size_t i = 0; i < x.size(); ++i) {
      std::vector<double> up = x;
      std::vector<double> down = x;
      up[i] += h;
      down[i] -= h;
      const double fd = (thurstone_objective(data, options, up, nullptr) -
                         thurstone_objective(data, options, down, nullptr)) /
                        (2 * h);
      EXPECT_NEAR(grad[i], fd, 1e-6) << "component " << i << " fixed_sigma " << fixed;
    }
  }
}

TEST(ThurstoneTest, GradientStableInFarTail) {
  ComparisonSet data;
  data.intern("a");
  data.intern("b");
  data.add({0, 1, 0.0, 1.0, false});  // a lost, but the model says a is 60 sd better
  ThurstoneOptions options;
  options.prior_precision = 0.0;
  options.fixed_sigma = 1.0;
  std::vector<double> grad;
  const double value = thurstone_objective(data, options, {60.0 * std::sqrt(2.0), 0.0}, &grad);
  EXPECT_TRUE(std::isfinite(value));
  EXPECT_NEAR(value, -0.5 * 3600.0 - std::log(60.0) - 0.5 * std::log(2 * M_PI), 1e-3);
  EXPECT_TRUE(std::isfinite(grad[0]));
  EXPECT_NEAR(grad[0], -60.0 / std::sqrt(2.0), 0.1);
}

TEST(ThurstoneTest, RecoversSimulatedUtilities) {
  // 8 items with known mu and sigma; 600 binary comparisons per pair.
  const std::vector<double> mu_true = {-1.5, -1.0, -0.4, 0.0, 0.3, 0.8, 1.2, 1.9};
  const std::vector<double> sd_true = {0.6, 1.0, 1.4, 0.8, 1.2, 0.7, 1.0, 1.5};
  const size_t n = mu_true.size();
  ComparisonSet data;
  for (size_t i = 0; i < n; ++i) data.intern(fmt::format("m{}", i));
  Rng rng(20261123);
  const int per_pair = 600;
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = i + 1; j < n; ++j) {
      const double p = normal_cdf((mu_true[i] - mu_true[j]) / std::hypot(sd_true[i], sd_true[j]));
      int wins = 0;
      for (int t = 0; t < per_pair; ++t) wins += rng.bernoulli(p) ? 1 : 0;
      data.add({static_cast<int32_t>(i), static_cast<int32_t>(j),
                static_cast<double>(wins) / per_pair, static_cast<double>(per_pair), false});
    }
  }
  const ThurstoneFit fit = fit_thurstone(data);
  ASSERT_TRUE(fit.converged);
  // Normalise the truth like the fit.
  double mean = 0.0;
  for (double v : mu_true) mean += v;
  mean /= static_cast<double>(n);
  double var = 0.0;
  for (double v : mu_true) var += (v - mean) * (v - mean);
  const double sd = std::sqrt(var / static_cast<double>(n));
  double fit_mean = 0.0;
  double fit_var = 0.0;
  for (size_t i = 0; i < n; ++i) fit_mean += fit.mu[i];
  for (size_t i = 0; i < n; ++i) fit_var += fit.mu[i] * fit.mu[i];
  EXPECT_NEAR(fit_mean, 0.0, 1e-9);
  EXPECT_NEAR(fit_var / static_cast<double>(n), 1.0, 1e-9);
  for (size_t i = 0; i < n; ++i) {
    EXPECT_NEAR(fit.mu[i], (mu_true[i] - mean) / sd, 0.1) << "item " << i;
    const double sigma = sd_true[i] / sd;
    EXPECT_NEAR(fit.sigma[i] / sigma, 1.0, 0.3) << "item " << i;
  }
  // The fit is at least as likely as the truth.
  std::vector<double> mu_n(n);
  std::vector<double> s_n(n);
  for (size_t i = 0; i < n; ++i) {
    mu_n[i] = (mu_true[i] - mean) / sd;
    s_n[i] = sd_true[i] / sd;
  }
  EXPECT_GE(fit.log_likelihood, thurstone_log_likelihood(data, mu_n, s_n) - 1e-6);
}

TEST(ThurstoneTest, SeparableDataStaysFiniteWithPrior) {
  ComparisonSet data;
  data.intern("a");
  data.intern("b");
  data.intern("c");
  data.add({0, 1, 1.0, 1.0, false});
  data.add({1, 2, 1.0, 1.0, false});
  const ThurstoneFit fit = fit_thurstone(data);
  EXPECT_TRUE(fit.converged);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_TRUE(std::isfinite(fit.mu[i]));
    EXPECT_TRUE(std::isfinite(fit.sigma[i]) && fit.sigma[i] > 0);
  }
  EXPECT_GT(fit.mu[0], fit.mu[1]);
  EXPECT_GT(fit.mu[1], fit.mu[2]);
}

TEST(ThurstoneTest, EmptyAndInvalid) {
  ComparisonSet empty;
  const ThurstoneFit fit = fit_thurstone(empty);
  EXPECT_TRUE(fit.mu.empty());
  EXPECT_TRUE(fit.converged);
  ThurstoneOptions bad;
  bad.prior_precision = -1.0;
  EXPECT_THROW(fit_thurstone(empty, bad), Error);
  bad = {};
  bad.fixed_sigma = -1.0;
  EXPECT_THROW(fit_thurstone(empty, bad), Error);
}

// The per-item sds overfit without a prior on log sigma: on BradleyTerry2's icehockey they spread
// over orders of magnitude and the held-out log-likelihood is worse than a coin's; the default
// prior keeps them within a small factor and the held-out fit near Bradley-Terry's.
TEST(ThurstoneTest, DefaultLogSigmaPriorStopsTheOverfitOnIcehockey) {
  ReadOptions ro;
  ro.col_a = "visitor";
  ro.col_b = "opponent";
  ro.col_outcome = "outcome";
  const ComparisonSet data =
      read_comparisons(std::string(VALOR_TESTDATA_DIR) + "/rank/icehockey.csv", ro);
  auto spread = [&](double sd) {
    ThurstoneOptions o;
    o.log_sigma_prior_sd = sd;
    const ThurstoneFit fit = fit_thurstone(data, o);
    const auto [lo, hi] = std::minmax_element(fit.sigma.begin(), fit.sigma.end());
    return *hi / *lo;
  };
  auto held_out = [&](double sd) {
    CvOptions cv;
    cv.models = {"bt", "thurstone"};
    cv.model.thurstone_log_sigma_prior_sd = sd;
    return cross_validate(data, cv);
  };
  EXPECT_GT(spread(0.0), 1e6);
  EXPECT_LT(spread(kThurstoneLogSigmaPriorSd), 2.0);
  const auto raw = held_out(0.0);
  EXPECT_LT(raw[1].log_likelihood, std::log(0.5));
  const auto regularised = held_out(kThurstoneLogSigmaPriorSd);
  EXPECT_GT(regularised[1].log_likelihood, std::log(0.5));
  EXPECT_NEAR(regularised[1].log_likelihood, regularised[0].log_likelihood, 0.01);
}

}  // namespace
}  // namespace valor::rank
