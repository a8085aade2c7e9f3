#include "valor/value/hl_gauss.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
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

std::vector<float> hl_gauss(const BinSupport& bins, std::vector<float> targets,
                            double ratio = kDefaultHlGaussSigmaRatio) {
  std::vector<float> out(targets.size() * bins.size(), -1.0f);
  hl_gauss_target(bins, targets, out, ratio);
  return out;
}

// Phi(b) - Phi(a) from erfc in long double, which does not underflow until about 100 sigma:
// an independent reference for the asymptotic tail branch.
long double reference_mass(long double a, long double b) {
  const long double r = std::sqrt(2.0L);
  return 0.5L * std::erfc(-b / r) - 0.5L * std::erfc(-a / r);
}

std::vector<double> reference(const BinSupport& bins, double y, double ratio) {
  const long double s = static_cast<long double>(ratio) * bins.width();
  const auto x = [&](std::size_t k) { return (bins.edge(k) - static_cast<long double>(y)) / s; };
  const std::size_t m = bins.size();
  const bool above = y > bins.v_max();
  std::vector<double> p(m);
  // Mirror a target below the range so that every CDF value is a lower tail.
  const long double z = above ? reference_mass(x(0), x(m)) : reference_mass(-x(m), -x(0));
  for (std::size_t i = 0; i < m; ++i) {
    p[i] = static_cast<double>(
        (above ? reference_mass(x(i), x(i + 1)) : reference_mass(-x(i + 1), -x(i))) / z);
  }
  return p;
}

TEST(HlGaussTest, HandComputed) {
  // Bins [0, 1), [1, 2]; w = 1, s = 0.75, y = 0.5: (e - y)/s = -2/3, 2/3, 2 and
  // Phi = 0.2524925, 0.7475075, 0.9772499; Z = 0.9772499 - 0.2524925 = 0.7247573;
  // p_0 = 0.4950149/0.7247573 = 0.6830078, p_1 = 0.2297424/0.7247573 = 0.3169922.
  const std::vector<float> out = hl_gauss(BinSupport(0.0, 2.0, 2), {0.5f});
  EXPECT_NEAR(out[0], 0.6830078, 1e-6);
  EXPECT_NEAR(out[1], 0.3169922, 1e-6);
}

TEST(HlGaussTest, SymmetricAboutTheMiddle) {
  const BinSupport bins(-3.0, 3.0, 12);
  const std::vector<float> out = hl_gauss(bins, {0.0f});
  for (std::size_t i = 0; i < 12; ++i) EXPECT_NEAR(out[i], out[11 - i], 1e-7);
  // Two bins, target in the middle: half and half.
  EXPECT_THAT(hl_gauss(BinSupport(0.0, 2.0, 2), {1.0f}), ElementsAre(0.5f, 0.5f));
}

TEST(HlGaussTest, SigmaRatioWidensTheTarget) {
  // Target on a bin center: the central bin holds 2 Phi(0.5/0.75) - 1 = 0.4950 of an untruncated
  // Gaussian (1.5 bins wide at ratio 0.75); a ratio of 0.1 leaves it almost one-hot.
  const BinSupport bins(0.0, 21.0, 21);
  EXPECT_NEAR(hl_gauss(bins, {10.5f})[10], 0.4950149, 1e-6);
  EXPECT_NEAR(hl_gauss(bins, {10.5f}, 0.1)[10], 1.0 - 5.7e-7, 1e-7);
}

TEST(HlGaussTest, TargetsOnTheBoundsAndOutsideLeanOnTheEdgeBins) {
  const BinSupport bins(0.0, 10.0, 10);
  const std::vector<float> low = hl_gauss(bins, {0.0f});
  const std::vector<float> high = hl_gauss(bins, {10.0f});
  // On the bound, the Gaussian is cut in half: bin 0 holds
  // [Phi(1/0.75) - Phi(0)] / [Phi(10/0.75) - Phi(0)] = 0.40879/0.5 = 0.81758.
  EXPECT_NEAR(low[0], 0.8175776, 1e-6);
  EXPECT_NEAR(high[9], 0.8175776, 1e-6);
  // Outside: no clipping, but the renormalised tail puts ever more mass on the edge bin.
  EXPECT_GT(hl_gauss(bins, {-1.0f})[0], 0.95f);
  // y = 12: bin 9 holds [Phi(-8/3) - Phi(-4)] / [Phi(-8/3) - Phi(-16)] = 0.9917316.
  EXPECT_NEAR(hl_gauss(bins, {12.0f})[9], 0.9917316, 1e-6);
  EXPECT_GT(hl_gauss(bins, {15.0f})[9], 0.9999f);
  // Far outside: one-hot on the edge bin.
  EXPECT_THAT(hl_gauss(bins, {-1e6f}), ElementsAre(1, 0, 0, 0, 0, 0, 0, 0, 0, 0));
  EXPECT_THAT(hl_gauss(bins, {std::numeric_limits<float>::max()}),
              ElementsAre(0, 0, 0, 0, 0, 0, 0, 0, 0, 1));
}

TEST(HlGaussTest, FarTailMatchesALongDoubleReference) {
  // Beyond 30 sigma the implementation switches to the asymptotic series of log Phi. With a wide
  // Gaussian (ratio 20) the far-outside target is still spread over several bins.
  for (double ratio : {0.75, 5.0, 20.0}) {
    const BinSupport bins(-1.0, 1.0, 8);
    const double s = ratio * bins.width();
    for (double distance : {29.0, 29.999999, 30.000001, 31.0, 45.0, 70.0, 95.0}) {
      for (double y : {1.0 + distance * s, -1.0 - distance * s}) {
        const std::vector<float> out = hl_gauss(bins, {static_cast<float>(y)}, ratio);
        const std::vector<double> expected = reference(bins, static_cast<float>(y), ratio);
        for (std::size_t i = 0; i < bins.size(); ++i) {
          EXPECT_NEAR(out[i], expected[i], 2e-7) << "ratio " << ratio << " y " << y << " bin " << i;
        }
      }
    }
  }
}

TEST(HlGaussTest, TwoBins) {
  // Bins [-1, 0), [0, 1]: y = -0.5 is the hand-computed case shifted by 1, so p = (0.6830078,
  // 0.3169922); y = 0.5 is its mirror image and y = 0 splits evenly.
  const std::vector<float> out = hl_gauss(BinSupport(-1.0, 1.0, 2), {-0.5f, 0.5f, 0.0f});
  EXPECT_NEAR(out[0], 0.6830078, 1e-6);
  EXPECT_NEAR(out[1], 0.3169922, 1e-6);
  EXPECT_NEAR(out[2], 0.3169922, 1e-6);
  EXPECT_NEAR(out[3], 0.6830078, 1e-6);
  EXPECT_EQ(out[4], 0.5f);
  EXPECT_EQ(out[5], 0.5f);
}

TEST(HlGaussTest, NonFiniteTargetsThrowAndLeaveOutUnchanged) {
  const BinSupport bins(0.0, 1.0, 4);
  for (float bad : {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity(),
                    -std::numeric_limits<float>::infinity()}) {
    const std::vector<float> targets = {0.5f, bad};
    std::vector<float> out(8, -7.0f);
    try {
      hl_gauss_target(bins, targets, out);
      ADD_FAILURE() << "no valor::Error for " << bad;
    } catch (const Error& e) {
      EXPECT_THAT(e.what(), HasSubstr("hl_gauss_target: target at batch index 1 is"));
    }
    EXPECT_THAT(out, Each(-7.0f));
  }
}

TEST(HlGaussTest, BadSigmaRatioThrows) {
  const BinSupport bins(0.0, 1.0, 4);
  const std::vector<float> targets = {0.5f};
  std::vector<float> out(4);
  for (double ratio : {0.0, -0.75, 1e4, std::numeric_limits<double>::quiet_NaN(),
                       std::numeric_limits<double>::infinity()}) {
    try {
      hl_gauss_target(bins, targets, out, ratio);
      ADD_FAILURE() << "no valor::Error for ratio " << ratio;
    } catch (const Error& e) {
      EXPECT_THAT(e.what(), HasSubstr("must be in (0, 1000]")) << ratio;
    }
  }
  EXPECT_THROW(hl_gauss_target(bins, targets, out, 1e-320), Error);  // sigma underflows
}

// Every row is a distribution, for targets anywhere (including far outside) and any ratio.
TEST(HlGaussTest, PropertyDistributionForAnyTarget) {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  std::uniform_int_distribution<int> bins_count(2, 201);
  std::vector<float> targets(16);
  std::vector<float> out;
  for (int trial = 0; trial < 1000; ++trial) {
    const double v_min = -50.0 + 100.0 * unit(rng);
    const double width = std::pow(10.0, -2.0 + 4.0 * unit(rng));
    const BinSupport bins(v_min, v_min + width, bins_count(rng));
    const double ratio = std::pow(10.0, -1.5 + 3.0 * unit(rng));  // 0.03 .. 30
    for (float& y : targets) {
      const double spread = std::pow(10.0, 3.0 * unit(rng));  // up to 1000 ranges away
      y = static_cast<float>(v_min + width * (0.5 + spread * (unit(rng) - 0.5)));
    }
    const std::size_t m = bins.size();
    out.assign(targets.size() * m, -1.0f);
    hl_gauss_target(bins, targets, out, ratio);
    for (std::size_t b = 0; b < targets.size(); ++b) {
      double sum = 0.0;
      for (std::size_t i = 0; i < m; ++i) {
        ASSERT_GE(out[b * m + i], 0.0f);
        sum += out[b * m + i];
      }
      ASSERT_NEAR(sum, 1.0, 1e-6) << "trial " << trial << " y " << targets[b];
    }
  }
}

// For y at least 3 sigma inside the range, truncating the Gaussian shifts its mean by at most
// phi(3)/(1 - Phi(-3)) s = 0.0044 s = 0.0033 w at ratio 0.75 (bin-center discretisation adds
// ~1e-5 w). With bin widths up to 0.25 that is within 1e-3; at 4 sigma inside it is 1e-4 w.
TEST(HlGaussTest, PropertyMeanIsTheTargetWellInsideTheRange) {
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  std::uniform_int_distribution<int> bins_count(21, 201);
  std::vector<float> targets(16);
  std::vector<float> out;
  for (int trial = 0; trial < 1000; ++trial) {
    const int m = bins_count(rng);
    const double w = trial % 2 == 0 ? 0.01 + 0.24 * unit(rng) : std::pow(10.0, 2.0 * unit(rng));
    const double inside = trial % 2 == 0 ? 3.0 : 4.0;
    const double tolerance = trial % 2 == 0 ? 1e-3 : 1e-3 * w;
    const double v_min = -20.0 * w * unit(rng) * m / 21.0;
    const BinSupport bins(v_min, v_min + m * w, m);
    const double s = kDefaultHlGaussSigmaRatio * bins.width();
    const double lo = bins.v_min() + inside * s;
    const double hi = bins.v_max() - inside * s;
    for (float& y : targets) y = static_cast<float>(lo + (hi - lo) * unit(rng));
    targets[0] = static_cast<float>(lo);
    targets[1] = static_cast<float>(hi);
    out.assign(targets.size() * bins.size(), -1.0f);
    hl_gauss_target(bins, targets, out);
    for (std::size_t b = 0; b < targets.size(); ++b) {
      double mean = 0.0;
      for (std::size_t i = 0; i < bins.size(); ++i) {
        mean += static_cast<double>(out[b * bins.size() + i]) * bins.center(i);
      }
      ASSERT_NEAR(mean, targets[b], tolerance)
          << "trial " << trial << " m " << m << " w " << w << " y " << targets[b];
    }
  }
}

// The windowed, vectorised implementation against the textbook formula in long double (every
// edge, erfc, Z over the whole support): on random supports with m from 2 (and not a multiple of
// the vector width) to 300 (more edges than one pass of the window holds), ratios from 0.01 to
// the largest accepted, and targets on and beside the bounds, on edges and centers, inside and
// up to 25 s outside. Beyond the window the textbook tails are below 1e-9; float rounding adds
// 6e-8 relative: within 1e-7 absolute.
TEST(HlGaussTest, PropertyWindowedMatchesTheTextbookFormula) {
  std::mt19937_64 rng(13);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  const int sizes[] = {2, 3, 5, 7, 51, 64, 65, 121, 300};
  const double ratios[] = {0.01, 0.1, 0.75, 2.0, 30.0, 1000.0};
  std::vector<float> targets;
  for (int trial = 0; trial < 400; ++trial) {
    const int m = sizes[trial % 9];
    const double ratio = ratios[(trial / 9) % 6];
    const double v_min = -20.0 + 40.0 * unit(rng);
    const BinSupport bins(v_min, v_min + std::pow(10.0, -1.0 + 3.0 * unit(rng)), m);
    const double s = ratio * bins.width();
    const std::size_t k = static_cast<std::size_t>(unit(rng) * m);
    targets = {bins.v_min(),
               bins.v_max(),
               std::nextafter(bins.v_min(), -1e30f),
               std::nextafter(bins.v_max(), 1e30f),
               bins.edge(k),
               bins.center(k),
               static_cast<float>(bins.v_min() - 3.0 * s),
               static_cast<float>(bins.v_max() + 6.0 * s),
               static_cast<float>(bins.v_max() + 25.0 * s),
               static_cast<float>(bins.v_min() + unit(rng) * (bins.v_max() - bins.v_min()))};
    const std::vector<float> out = hl_gauss(bins, targets, ratio);
    for (std::size_t b = 0; b < targets.size(); ++b) {
      const std::vector<double> expected = reference(bins, targets[b], ratio);
      for (std::size_t i = 0; i < bins.size(); ++i) {
        ASSERT_NEAR(out[b * m + i], expected[i], 1e-7)
            << "m " << m << " ratio " << ratio << " y " << targets[b] << " bin " << i;
      }
    }
  }
}

}  // namespace
}  // namespace valor::value
