#include "valor/value/two_hot.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "valor/core/error.h"

namespace valor::value {
namespace {

using ::testing::Each;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::vector<float> two_hot(const AtomSupport& support, std::vector<float> targets) {
  std::vector<float> out(targets.size() * support.size(), -1.0f);
  two_hot_target(support, targets, out);
  return out;
}

TEST(TwoHotTest, HandComputed) {
  // Atoms {0, 1}: y = 0.25 -> p_1 = (0.25 - 0)/1 = 0.25, p_0 = 0.75.
  EXPECT_THAT(two_hot(AtomSupport(0.0, 1.0, 2), {0.25f}), ElementsAre(0.75f, 0.25f));
  // Atoms {-1, 0, 1, 2}: y = 1.5 -> k = 2, p_3 = 0.5, p_2 = 0.5;
  // y = -0.8 -> k = 0, p_1 = (-0.8 - -1)/1 = 0.2, p_0 = 0.8.
  const AtomSupport support(-1.0, 2.0, 4);
  const std::vector<float> out = two_hot(support, {1.5f, -0.8f});
  EXPECT_THAT(std::vector<float>(out.begin(), out.begin() + 4), ElementsAre(0, 0, 0.5f, 0.5f));
  EXPECT_FLOAT_EQ(out[4], 0.8f);
  EXPECT_FLOAT_EQ(out[5], 0.2f);
  EXPECT_EQ(out[6], 0.0f);
  EXPECT_EQ(out[7], 0.0f);
}

TEST(TwoHotTest, TwoAtoms) {
  // Atoms {-3, 5}: y = 1 -> p_1 = (1 + 3)/8 = 0.5; y = 4 -> p_1 = 7/8.
  const std::vector<float> out = two_hot(AtomSupport(-3.0, 5.0, 2), {1.0f, 4.0f});
  EXPECT_THAT(out, ElementsAre(0.5f, 0.5f, 0.125f, 0.875f));
}

TEST(TwoHotTest, TargetOnAnAtomPutsAllMassThere) {
  for (const AtomSupport& support :
       {AtomSupport(-10.0, 10.0, 51), AtomSupport(-1.7, 3.3, 7), AtomSupport(0.1, 0.9, 201)}) {
    const std::size_t m = support.size();
    const std::vector<float> targets(support.atoms().begin(), support.atoms().end());
    const std::vector<float> out = two_hot(support, targets);
    for (std::size_t b = 0; b < m; ++b) {
      for (std::size_t i = 0; i < m; ++i) {
        // Exactly: the neighbour gets 0, not a rounding residue.
        EXPECT_EQ(out[b * m + i], i == b ? 1.0f : 0.0f) << "atom " << b << " entry " << i;
      }
    }
  }
}

TEST(TwoHotTest, TargetsOnTheBounds) {
  const AtomSupport support(-2.0, 6.0, 5);
  EXPECT_THAT(two_hot(support, {-2.0f}), ElementsAre(1, 0, 0, 0, 0));
  EXPECT_THAT(two_hot(support, {6.0f}), ElementsAre(0, 0, 0, 0, 1));
}

TEST(TwoHotTest, TargetsOutsideTheSupportAreClipped) {
  const AtomSupport support(-2.0, 6.0, 5);
  EXPECT_THAT(two_hot(support, {-2.5f}), ElementsAre(1, 0, 0, 0, 0));
  EXPECT_THAT(two_hot(support, {-1e30f}), ElementsAre(1, 0, 0, 0, 0));
  EXPECT_THAT(two_hot(support, {6.001f}), ElementsAre(0, 0, 0, 0, 1));
  EXPECT_THAT(two_hot(support, {std::numeric_limits<float>::max()}), ElementsAre(0, 0, 0, 0, 1));
}

TEST(TwoHotTest, NonFiniteTargetsThrowAndLeaveOutUnchanged) {
  const AtomSupport support(0.0, 1.0, 3);
  for (float bad : {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity(),
                    -std::numeric_limits<float>::infinity()}) {
    const std::vector<float> targets = {0.5f, 0.2f, bad, 0.1f};
    std::vector<float> out(targets.size() * 3, -7.0f);
    try {
      two_hot_target(support, targets, out);
      ADD_FAILURE() << "no valor::Error for " << bad;
    } catch (const Error& e) {
      EXPECT_THAT(e.what(), HasSubstr("two_hot_target: target at batch index 2 is"));
      EXPECT_THAT(e.what(), HasSubstr("must be finite"));
    }
    EXPECT_THAT(out, Each(-7.0f));
  }
}

TEST(TwoHotDeathTest, SizeMismatchIsAnInternalError) {
  const AtomSupport support(0.0, 1.0, 3);
  const std::vector<float> targets = {0.5f, 0.2f};
  std::vector<float> out(5);
  EXPECT_DEATH(two_hot_target(support, targets, out), "internal error");
}

// Random supports (m in [2, 201], |bounds| <= 50 + 100) and targets, a fifth of them outside.
TEST(TwoHotTest, PropertyDistributionWithTheClippedMean) {
  std::mt19937_64 rng(20240611);
  std::uniform_int_distribution<int> atoms(2, 201);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  std::vector<float> targets(16);
  std::vector<float> out;
  for (int trial = 0; trial < 2000; ++trial) {
    const double v_min = -50.0 + 100.0 * unit(rng);
    const double width = std::pow(10.0, -2.0 + 4.0 * unit(rng));  // 0.01 .. 100
    const AtomSupport support(v_min, v_min + width, atoms(rng));
    const std::size_t m = support.size();
    for (float& y : targets) {
      y = static_cast<float>(v_min - 0.1 * width + 1.2 * width * unit(rng));
      if (unit(rng) < 0.05) y = static_cast<float>(support.atom(rng() % m));
    }
    out.assign(targets.size() * m, -1.0f);
    two_hot_target(support, targets, out);
    for (std::size_t b = 0; b < targets.size(); ++b) {
      const float* p = out.data() + b * m;
      double sum = 0.0;
      double mean = 0.0;
      int nonzero = 0;
      for (std::size_t i = 0; i < m; ++i) {
        ASSERT_GE(p[i], 0.0f);
        sum += p[i];
        mean += static_cast<double>(p[i]) * support.atom(i);
        nonzero += p[i] != 0.0f;
      }
      const double clipped = std::clamp(targets[b], support.v_min(), support.v_max());
      ASSERT_NEAR(sum, 1.0, 1e-6);
      ASSERT_NEAR(mean, clipped, 1e-5 * std::max(std::fabs(clipped), 1.0))
          << "trial " << trial << " y " << targets[b] << " m " << m;
      ASSERT_LE(nonzero, 2);
    }
  }
}

}  // namespace
}  // namespace valor::value
