#include "valor/core/math.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace valor {
namespace {

TEST(Sigmoid, ClosedForms) {
  EXPECT_DOUBLE_EQ(sigmoid(0.0), 0.5);
  EXPECT_DOUBLE_EQ(sigmoid(std::log(3.0)), 0.75);
  EXPECT_DOUBLE_EQ(sigmoid(-std::log(3.0)), 0.25);
  for (double x : {-30.0, -5.0, -0.3, 0.1, 2.0, 17.0}) {
    EXPECT_NEAR(sigmoid(x) + sigmoid(-x), 1.0, 1e-15) << x;
    EXPECT_NEAR(sigmoid(x), 1.0 / (1.0 + std::exp(-x)), 1e-15) << x;
  }
}

TEST(Sigmoid, LargeArgumentsNeitherOverflowNorLoseTheTail) {
  EXPECT_EQ(sigmoid(800.0), 1.0);
  EXPECT_EQ(sigmoid(std::numeric_limits<double>::infinity()), 1.0);
  EXPECT_EQ(sigmoid(-std::numeric_limits<double>::infinity()), 0.0);
  // e^{-700} is representable; the naive 1 / (1 + e^{700}) is too, but e^{710} overflows.
  EXPECT_NEAR(sigmoid(-700.0) / std::exp(-700.0), 1.0, 1e-12);
  EXPECT_GT(sigmoid(-720.0), 0.0);  // subnormal, still positive
  EXPECT_TRUE(std::isnan(sigmoid(std::nan(""))));
}

TEST(LogSigmoid, ClosedFormsAndTails) {
  EXPECT_DOUBLE_EQ(log_sigmoid(0.0), -std::log(2.0));
  EXPECT_NEAR(log_sigmoid(std::log(3.0)), std::log(0.75), 1e-15);
  for (double x : {-20.0, -1.0, 0.5, 20.0}) {
    EXPECT_NEAR(log_sigmoid(x), std::log(sigmoid(x)), 1e-14 * (1.0 + std::abs(x))) << x;
  }
  // Far left: log sigmoid(x) = x - log1p(e^x) ~ x; log(sigmoid(-1000)) would be log 0 = -inf.
  EXPECT_DOUBLE_EQ(log_sigmoid(-1000.0), -1000.0);
  EXPECT_EQ(log_sigmoid(-std::numeric_limits<double>::infinity()),
            -std::numeric_limits<double>::infinity());
  // Far right: -log1p(e^{-x}) ~ -e^{-x}; log(sigmoid(40)) rounds to 0.
  EXPECT_NEAR(log_sigmoid(40.0) / -std::exp(-40.0), 1.0, 1e-12);
  EXPECT_EQ(log_sigmoid(800.0), 0.0);
}

TEST(NormalCdf, ClosedFormsAndTails) {
  EXPECT_DOUBLE_EQ(normal_cdf(0.0), 0.5);
  EXPECT_NEAR(normal_cdf(1.959963984540054), 0.975, 1e-15);
  EXPECT_NEAR(normal_cdf(-1.0), 0.15865525393145705, 1e-16);
  for (double x : {-3.0, -0.5, 0.7, 4.0}) {
    EXPECT_NEAR(normal_cdf(x) + normal_cdf(-x), 1.0, 1e-15) << x;
  }
  // The lower tail keeps its relative accuracy: Phi(-30) = 4.906713927148187e-198.
  EXPECT_NEAR(normal_cdf(-30.0) / 4.906713927148187e-198, 1.0, 1e-12);
  EXPECT_EQ(normal_cdf(40.0), 1.0);
  EXPECT_EQ(normal_cdf(-std::numeric_limits<double>::infinity()), 0.0);
}

}  // namespace
}  // namespace valor
