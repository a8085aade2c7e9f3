#include "valor/value/vector_math.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <numbers>
#include <random>
#include <vector>

namespace valor::value {
namespace {

// Distance in ulps of float `got` from the exact value `want`.
double float_ulps(float got, long double want) {
  const float rounded = static_cast<float>(want);
  const double ulp = std::nextafter(std::fabs(rounded), std::numeric_limits<float>::infinity()) -
                     std::fabs(rounded);
  return static_cast<double>(std::fabs(static_cast<long double>(got) - want)) / ulp;
}

TEST(VectorMathTest, ExpShiftedIsWithinFourUlpsOfExp) {
  // libmvec's documented bound is 4 ulp (2.5 measured here). Every length 0..12 (ragged ends),
  // arguments over the whole range of a softmax's exps (and a little above 0).
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<float> value(-110.0f, 0.0f);
  for (std::size_t n = 0; n <= 12; ++n) {
    for (int trial = 0; trial < 500; ++trial) {
      std::vector<float> x(n), out(n, -1.0f);
      for (float& v : x) v = value(rng);
      const float shift = trial % 2 == 0 ? 0.0f : -2.5f;
      exp_shifted(x, shift, out);
      for (std::size_t i = 0; i < n; ++i) {
        const float arg = x[i] - shift;
        const long double want = std::exp(static_cast<long double>(arg));
        if (want < std::numeric_limits<float>::min()) {
          EXPECT_LE(out[i], std::numeric_limits<float>::min()) << arg;  // subnormal or 0
        } else {
          EXPECT_LE(float_ulps(out[i], want), 4.0) << "exp(" << arg << ") = " << out[i];
        }
      }
    }
  }
}

TEST(VectorMathTest, ExpShiftedDependsOnTheValueNotItsPosition) {
  // The same x at every position of rows of every length gives the same bits, in place too.
  const float x = -3.1415927f;
  float expected = 0.0f;
  exp_shifted(std::span<const float>(&x, 1), 0.25f, std::span<float>(&expected, 1));
  for (std::size_t n = 1; n <= 9; ++n) {
    std::vector<float> row(n, x);
    exp_shifted(row, 0.25f, row);
    for (float v : row) EXPECT_EQ(std::memcmp(&v, &expected, sizeof v), 0) << n;
  }
}

TEST(VectorMathTest, NormalTailIsWithinTwoEpsilonOfTheLongDoubleTail) {
  std::mt19937_64 rng(4);
  std::uniform_real_distribution<double> value(-37.0, 37.0);
  std::vector<double> x(1001), out(1001);
  for (double& v : x) v = value(rng);
  x[0] = 0.0;
  x[1] = -0.0;
  x[2] = 37.0;
  x[3] = 1e-300;
  normal_tail(x, out);
  for (std::size_t i = 0; i < x.size(); ++i) {
    // The argument rounded to double as normal_tail rounds it (erfc magnifies its relative error
    // by 2 t^2, 1e-13 at t = 25), then erfc in long double.
    const double t = std::fabs(x[i]) * std::numbers::sqrt2 / 2.0;
    const long double want = 0.5L * std::erfc(static_cast<long double>(t));
    const double rel = static_cast<double>(std::fabs(out[i] - want) / want);
    EXPECT_LE(rel, 2 * std::numeric_limits<double>::epsilon()) << "x " << x[i];
    EXPECT_GE(out[i], std::numeric_limits<double>::min()) << "x " << x[i];
  }
  EXPECT_EQ(out[0], 0.5);
  EXPECT_EQ(out[1], 0.5);
}

}  // namespace
}  // namespace valor::value
