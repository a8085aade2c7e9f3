#include "valor/value/quantile.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "valor/core/error.h"

namespace valor::value {
namespace {

using ::testing::Each;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(QuantileTest, Midpoints) {
  std::vector<float> tau(4);
  quantile_midpoints(tau);
  EXPECT_THAT(tau, ElementsAre(0.125f, 0.375f, 0.625f, 0.875f));
  EXPECT_DOUBLE_EQ(quantile_midpoint(0, 1), 0.5);
  EXPECT_DOUBLE_EQ(quantile_midpoint(199, 200), 399.0 / 400.0);
}

TEST(QuantileTest, MeanAndBellmanTarget) {
  std::vector<float> value(2);
  quantile_mean(std::vector<float>{1, 2, 3, 6, -1, -2, -3, -6}, 4, value);
  EXPECT_THAT(value, ElementsAre(3.0f, -3.0f));
  // r + g theta': 1 + 0.5 * (2, 4) = (2, 3); a terminal row (g = 0) is r = -1 everywhere.
  std::vector<float> target(4);
  quantile_bellman_target(std::vector<float>{2, 4, 7, 9}, std::vector<float>{1, -1},
                          std::vector<float>{0.5f, 0.0f}, target);
  EXPECT_THAT(target, ElementsAre(2.0f, 3.0f, -1.0f, -1.0f));
}

TEST(QuantileTest, BellmanTargetRejectsBadInputs) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  std::vector<float> out(4, -7.0f);
  const std::vector<float> next = {2, 4, 7, 9};
  EXPECT_THROW(
      quantile_bellman_target(next, std::vector<float>{1, nan}, std::vector<float>{1, 1}, out),
      Error);
  EXPECT_THROW(
      quantile_bellman_target(next, std::vector<float>{1, 1}, std::vector<float>{2, 1}, out),
      Error);
  EXPECT_THROW(quantile_bellman_target(std::vector<float>{2, 4, nan, 9}, std::vector<float>{1, 1},
                                       std::vector<float>{1, 1}, out),
               Error);
  EXPECT_THAT(out, Each(-7.0f));
}

TEST(QuantileHuberTest, HandComputedTwoQuantiles) {
  // N = N' = 2, tau = (0.25, 0.75), kappa = 1, theta = (0, 1), targets = (0.5, 3).
  //   i=0: u = (0.5, 3), weights 0.25:           0.25 * (0.125 + 2.5)   = 0.65625
  //   i=1: u = (-0.5, 2), weights (0.25, 0.75):  0.25 * 0.125 + 0.75 * 1.5 = 1.15625
  // L = (0.65625 + 1.15625)/N' = 0.90625.
  // dL/dtheta_0 = -(0.25 * 0.5 + 0.25 * 1)/2 = -0.1875,
  // dL/dtheta_1 = -(0.25 * -0.5 + 0.75 * 1)/2 = -0.3125.
  std::vector<double> grad(2);
  const double loss =
      quantile_huber_loss(std::vector<double>{0, 1}, std::vector<double>{0.5, 3}, 1, grad);
  EXPECT_DOUBLE_EQ(loss, 0.90625);
  EXPECT_THAT(grad, ElementsAre(-0.1875, -0.3125));
  // The same in float, and batched twice: the mean over the batch halves each gradient.
  std::vector<float> grad_f(4);
  EXPECT_DOUBLE_EQ(quantile_huber_loss(std::vector<float>{0, 1, 0, 1},
                                       std::vector<float>{0.5f, 3, 0.5f, 3}, 2, grad_f),
                   0.90625);
  EXPECT_THAT(grad_f, ElementsAre(-0.09375f, -0.15625f, -0.09375f, -0.15625f));
}

TEST(QuantileHuberTest, KappaScalesThePaperWay) {
  // One quantile (tau = 0.5) against one target 3 away, kappa = 2:
  // H_2(3) = 2 (3 - 1) = 4; rho = 0.5 * 4 / 2 = 1; slope 0.5 * 2 / 2 = 0.5.
  std::vector<double> grad(1);
  EXPECT_DOUBLE_EQ(
      quantile_huber_loss(std::vector<double>{0}, std::vector<double>{3}, 1, grad, 2.0), 1.0);
  EXPECT_DOUBLE_EQ(grad[0], -0.5);
}

TEST(QuantileHuberTest, ZeroAtTheTarget) {
  std::vector<double> grad(1, 9.0);
  EXPECT_EQ(quantile_huber_loss(std::vector<double>{1.5}, std::vector<double>{1.5}, 1, grad), 0.0);
  EXPECT_EQ(grad[0], 0.0);
}

TEST(QuantileHuberTest, BadInputsThrow) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const std::vector<double> theta = {0, 1, 2, 3};
  try {
    quantile_huber_loss(theta, std::vector<double>{1, 2, 3, nan}, 2);
    ADD_FAILURE() << "no valor::Error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("target at batch index 1, entry 1 is nan"));
  }
  try {
    quantile_huber_loss(std::vector<double>{0, nan, 2, 3}, theta, 2);
    ADD_FAILURE() << "no valor::Error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("predicted quantile at batch index 0, entry 1 is nan"));
  }
  for (double kappa : {0.0, -1.0, nan, std::numeric_limits<double>::infinity()}) {
    EXPECT_THROW(quantile_huber_loss(theta, theta, 2, {}, kappa), Error) << kappa;
  }
}

// Analytic gradient against central differences in double, over random shapes (N != N' too),
// kappas and values, so that u crosses 0 and +-kappa.
TEST(QuantileHuberTest, PropertyGradientMatchesFiniteDifferences) {
  std::mt19937_64 rng(4);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  std::uniform_int_distribution<int> size(1, 8);
  std::vector<double> theta, target, grad, probe;
  for (int trial = 0; trial < 1000; ++trial) {
    const std::size_t batch = size(rng), n = size(rng), n_target = size(rng);
    const double kappa = 0.2 + 2.8 * unit(rng);
    const double spread = 5.0 * unit(rng);
    theta.resize(batch * n);
    target.resize(batch * n_target);
    for (double& x : theta) x = spread * (2.0 * unit(rng) - 1.0);
    for (double& x : target) x = spread * (2.0 * unit(rng) - 1.0);
    grad.assign(theta.size(), 0.0);
    const double loss = quantile_huber_loss(theta, target, batch, grad, kappa);
    ASSERT_GE(loss, 0.0);
    constexpr double kEps = 1e-6;
    for (std::size_t k = 0; k < theta.size(); ++k) {
      probe = theta;
      probe[k] = theta[k] + kEps;
      const double up = quantile_huber_loss(probe, target, batch, {}, kappa);
      probe[k] = theta[k] - kEps;
      const double down = quantile_huber_loss(probe, target, batch, {}, kappa);
      // The loss is C1 with kinks in its second derivative, so central differences are O(eps).
      ASSERT_NEAR(grad[k], (up - down) / (2.0 * kEps), 1e-7) << "trial " << trial << " k " << k;
    }
    // The float overload agrees with the double one.
    const std::vector<float> theta_f(theta.begin(), theta.end());
    const std::vector<float> target_f(target.begin(), target.end());
    std::vector<float> grad_f(theta.size());
    const double loss_f = quantile_huber_loss(theta_f, target_f, batch, grad_f, kappa);
    ASSERT_NEAR(loss_f, loss, 1e-5 * std::max(1.0, loss));
    for (std::size_t k = 0; k < theta.size(); ++k) ASSERT_NEAR(grad_f[k], grad[k], 1e-5);
  }
}

}  // namespace
}  // namespace valor::value
