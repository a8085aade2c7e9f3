#include "valor/value/scalar_loss.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <limits>
#include <random>
#include <vector>

#include "valor/core/error.h"

namespace valor::value {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(ScalarLossTest, HandComputed) {
  // Q = (1, 3, -0.5), y = 0: MSE = (0.5 + 4.5 + 0.125)/3 = 1.708333, grad = Q/3.
  // Huber (kappa 1): H(1) = 0.5, H(3) = 3 - 0.5 = 2.5, H(-0.5) = 0.125 -> 3.125/3;
  // grad = clip(Q, -1, 1)/3 = (1, 1, -0.5)/3.
  const std::vector<double> q = {1, 3, -0.5};
  const std::vector<double> y = {0, 0, 0};
  std::vector<double> grad(3);
  EXPECT_DOUBLE_EQ(mse_loss(q, y, grad), 5.125 / 3.0);
  EXPECT_THAT(grad, ElementsAre(1.0 / 3.0, 1.0, -0.5 / 3.0));
  EXPECT_DOUBLE_EQ(huber_loss(q, y, grad), 3.125 / 3.0);
  EXPECT_THAT(grad, ElementsAre(1.0 / 3.0, 1.0 / 3.0, -0.5 / 3.0));
  // kappa = 2: H_2(3) = 2 (3 - 1) = 4, the others quadratic -> (0.5 + 4 + 0.125)/3.
  EXPECT_DOUBLE_EQ(huber_loss(q, y, grad, 2.0), 4.625 / 3.0);
  // Float overloads, loss only.
  EXPECT_DOUBLE_EQ(mse_loss(std::vector<float>{2}, std::vector<float>{-1}), 4.5);
  EXPECT_DOUBLE_EQ(huber_loss(std::vector<float>{2}, std::vector<float>{-1}), 2.5);
}

TEST(ScalarLossTest, HuberFunction) {
  EXPECT_DOUBLE_EQ(huber(0.5), 0.125);
  EXPECT_DOUBLE_EQ(huber(-1.0), 0.5);
  EXPECT_DOUBLE_EQ(huber(-4.0), 3.5);
  EXPECT_DOUBLE_EQ(huber_derivative(-4.0), -1.0);
  EXPECT_DOUBLE_EQ(huber_derivative(0.25), 0.25);
  EXPECT_DOUBLE_EQ(huber_derivative(7.0, 3.0), 3.0);
}

TEST(ScalarLossTest, BadInputsThrow) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  try {
    mse_loss(std::vector<float>{0, 0, 0}, std::vector<float>{0, 0, inf});
    ADD_FAILURE() << "no valor::Error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("mse_loss: target at batch index 2 is inf"));
  }
  try {
    huber_loss(std::vector<float>{0, nan}, std::vector<float>{0, 0});
    ADD_FAILURE() << "no valor::Error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("huber_loss: prediction at batch index 1 is nan"));
  }
  EXPECT_THROW(huber_loss(std::vector<float>{0}, std::vector<float>{0}, {}, 0.0), Error);
  EXPECT_THROW(huber_loss(std::vector<float>{0}, std::vector<float>{0}, {}, -2.0), Error);
}

TEST(ScalarLossTest, PropertyGradientsMatchFiniteDifferences) {
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  std::uniform_int_distribution<int> size(1, 16);
  std::vector<double> q, y, grad_mse, grad_huber, probe;
  for (int trial = 0; trial < 1000; ++trial) {
    const std::size_t batch = size(rng);
    const double kappa = 0.1 + 3.0 * unit(rng);
    q.resize(batch);
    y.resize(batch);
    for (double& x : q) x = 10.0 * (unit(rng) - 0.5);
    for (double& x : y) x = 10.0 * (unit(rng) - 0.5);
    grad_mse.resize(batch);
    grad_huber.resize(batch);
    mse_loss(q, y, grad_mse);
    huber_loss(q, y, grad_huber, kappa);
    constexpr double kEps = 1e-6;
    for (std::size_t k = 0; k < batch; ++k) {
      probe = q;
      probe[k] = q[k] + kEps;
      const double mse_up = mse_loss(probe, y);
      const double huber_up = huber_loss(probe, y, {}, kappa);
      probe[k] = q[k] - kEps;
      const double mse_down = mse_loss(probe, y);
      const double huber_down = huber_loss(probe, y, {}, kappa);
      ASSERT_NEAR(grad_mse[k], (mse_up - mse_down) / (2 * kEps), 1e-7);
      ASSERT_NEAR(grad_huber[k], (huber_up - huber_down) / (2 * kEps), 1e-7);
    }
  }
}

}  // namespace
}  // namespace valor::value
