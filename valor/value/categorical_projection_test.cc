#include "valor/value/categorical_projection.h"

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

std::vector<float> project(const AtomSupport& support, const std::vector<float>& q,
                           std::vector<float> rewards, std::vector<float> discounts) {
  std::vector<float> out(q.size(), -1.0f);
  project_categorical(support, q, rewards, discounts, out);
  return out;
}

TEST(CategoricalProjectionTest, HandComputed) {
  // Atoms 0..4 (D = 1), q uniform 0.2, r = 0.5, g = 0.5: Tz = 0.5, 1, 1.5, 2, 2.5.
  //   j=0: b=0.5 -> m0 += 0.1, m1 += 0.1     j=1: b=1 (l == u) -> m1 += 0.2
  //   j=2: b=1.5 -> m1 += 0.1, m2 += 0.1     j=3: b=2 (l == u) -> m2 += 0.2
  //   j=4: b=2.5 -> m2 += 0.1, m3 += 0.1
  // m = (0.1, 0.4, 0.4, 0.1, 0); mean 0.4 + 0.8 + 0.3 = 1.5 = r + g * mean(q) = 0.5 + 0.5 * 2.
  const AtomSupport support(0.0, 4.0, 5);
  const std::vector<float> q(5, 0.2f);
  const std::vector<float> out = project(support, q, {0.5f}, {0.5f});
  const std::vector<float> expected = {0.1f, 0.4f, 0.4f, 0.1f, 0.0f};
  for (std::size_t i = 0; i < 5; ++i) EXPECT_NEAR(out[i], expected[i], 1e-7) << i;
}

TEST(CategoricalProjectionTest, HandComputedWithClipping) {
  // Same q, r = 3, g = 0.5: Tz = 3, 3.5, 4, 4.5 -> 4, 5 -> 4.
  //   j=0: m3 += 0.2   j=1: m3 += 0.1, m4 += 0.1   j=2,3,4: m4 += 0.2 each
  // m = (0, 0, 0, 0.3, 0.7).
  const AtomSupport support(0.0, 4.0, 5);
  const std::vector<float> out = project(support, std::vector<float>(5, 0.2f), {3.0f}, {0.5f});
  EXPECT_EQ(out[0], 0.0f);
  EXPECT_EQ(out[1], 0.0f);
  EXPECT_EQ(out[2], 0.0f);
  EXPECT_NEAR(out[3], 0.3, 1e-7);
  EXPECT_NEAR(out[4], 0.7, 1e-7);
}

TEST(CategoricalProjectionTest, ShiftOntoAnAtomIsExact) {
  // Tz exactly on atoms for every j (l == u): r = -1, g = 1 on atoms -2..2 shifts q down one atom,
  // the lowest atom taking what falls off the bottom.
  const AtomSupport support(-2.0, 2.0, 5);
  const std::vector<float> q = {0.1f, 0.2f, 0.3f, 0.15f, 0.25f};
  EXPECT_THAT(project(support, q, {-1.0f}, {1.0f}),
              ElementsAre(0.1f + 0.2f, 0.3f, 0.15f, 0.25f, 0.0f));
  // r = 0, g = 1 is the identity.
  EXPECT_THAT(project(support, q, {0.0f}, {1.0f}), ElementsAre(0.1f, 0.2f, 0.3f, 0.15f, 0.25f));
}

TEST(CategoricalProjectionTest, DoneProjectsTheRewardAlone) {
  // g = gamma (1 - done) = 0: every Tz = r = 1.25 -> b = 1.25, m1 = 0.75, m2 = 0.25, whatever q.
  const AtomSupport support(0.0, 4.0, 5);
  const std::vector<float> q = {0.7f, 0.0f, 0.1f, 0.0f, 0.2f, 0.0f, 0.0f, 0.0f, 0.0f, 1.0f};
  EXPECT_THAT(project(support, q, {1.25f, 1.25f}, {0.0f, 0.0f}),
              ElementsAre(0, 0.75f, 0.25f, 0, 0, 0, 0.75f, 0.25f, 0, 0));
  // A reward on an atom (l == u): one-hot.
  EXPECT_THAT(project(support, std::vector<float>(5, 0.2f), {3.0f}, {0.0f}),
              ElementsAre(0, 0, 0, 1, 0));
  // A reward outside the support: clipped to the edge atom.
  EXPECT_THAT(project(support, std::vector<float>(5, 0.2f), {-9.0f}, {0.0f}),
              ElementsAre(1, 0, 0, 0, 0));
}

TEST(CategoricalProjectionTest, TwoAtoms) {
  // Atoms {-1, 1}, q = (0.25, 0.75), r = 0.2, g = 0.5: Tz = -0.3, 0.7; b = 0.35, 0.85.
  //   m0 = 0.25 * 0.65 + 0.75 * 0.15 = 0.275, m1 = 0.25 * 0.35 + 0.75 * 0.85 = 0.725.
  // Mean -0.275 + 0.725 = 0.45 = 0.2 + 0.5 * 0.5.
  const std::vector<float> out = project(AtomSupport(-1.0, 1.0, 2), {0.25f, 0.75f}, {0.2f}, {0.5f});
  EXPECT_NEAR(out[0], 0.275, 1e-7);
  EXPECT_NEAR(out[1], 0.725, 1e-7);
}

TEST(CategoricalProjectionTest, BadInputsThrowAndLeaveOutUnchanged) {
  const AtomSupport support(0.0, 4.0, 5);
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  const std::vector<float> q(15, 0.2f);
  const auto message = [&](std::vector<float> probs, std::vector<float> rewards,
                           std::vector<float> discounts) -> std::string {
    std::vector<float> out(15, -7.0f);
    try {
      project_categorical(support, probs, rewards, discounts, out);
    } catch (const Error& e) {
      EXPECT_THAT(out, Each(-7.0f));
      return e.what();
    }
    return "no valor::Error thrown";
  };
  EXPECT_THAT(message(q, {0, nan, 0}, {1, 1, 1}), HasSubstr("reward at batch index 1 is nan"));
  EXPECT_THAT(message(q, {0, 0, -inf}, {1, 1, 1}), HasSubstr("reward at batch index 2 is -inf"));
  std::vector<float> bad_q = q;
  bad_q[12] = inf;
  EXPECT_THAT(message(bad_q, {0, 0, 0}, {1, 1, 1}),
              HasSubstr("next-state probability at batch index 2, entry 2 is inf"));
  EXPECT_THAT(message(q, {0, 0, 0}, {1, -0.5f, 1}),
              HasSubstr("discount at batch index 1 is -0.5; discounts gamma^n (1 - done) must be "
                        "in [0, 1]"));
  EXPECT_THAT(message(q, {0, 0, 0}, {1.5f, 1, 1}), HasSubstr("discount at batch index 0 is 1.5"));
  EXPECT_THAT(message(q, {0, 0, 0}, {1, 1, nan}), HasSubstr("discount at batch index 2 is nan"));
}

// Random supports, next-state distributions, rewards and discounts: the projection is a
// distribution; when no Tz is clipped it keeps the mean r + g mean(q) (up to float rounding
// of the atoms and of the accumulated masses, 1e-5 of the largest |atom|).
TEST(CategoricalProjectionTest, PropertyDistributionAndMean) {
  std::mt19937_64 rng(51);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  std::uniform_int_distribution<int> atoms(2, 201);
  constexpr std::size_t kBatch = 8;
  std::vector<float> q, out, rewards(kBatch), discounts(kBatch);
  for (int trial = 0; trial < 2000; ++trial) {
    const double v_min = -50.0 + 100.0 * unit(rng);
    const double width = std::pow(10.0, -2.0 + 4.0 * unit(rng));
    const AtomSupport support(v_min, v_min + width, atoms(rng));
    const std::size_t m = support.size();
    const bool unclipped = trial % 2 == 0;
    q.resize(kBatch * m);
    for (std::size_t b = 0; b < kBatch; ++b) {
      double total = 0.0;
      for (std::size_t i = 0; i < m; ++i) {
        // Sparse rows too: a third of the atoms empty.
        q[b * m + i] = unit(rng) < 0.33 ? 0.0f : static_cast<float>(-std::log(unit(rng)));
        total += q[b * m + i];
      }
      if (total == 0.0) q[b * m] = 1.0f, total = 1.0;
      for (std::size_t i = 0; i < m; ++i) q[b * m + i] = static_cast<float>(q[b * m + i] / total);
      const double g = unit(rng) < 0.1 ? 0.0 : (unit(rng) < 0.1 ? 1.0 : unit(rng));
      discounts[b] = static_cast<float>(g);
      // Unclipped: r + g z stays in [v_min, v_max] for every atom iff
      // r in [v_min (1 - g), v_max (1 - g)]; otherwise anything up to a range away.
      const double r = unclipped ? (v_min + width * unit(rng)) * (1.0 - discounts[b])
                                 : v_min + width * (3.0 * unit(rng) - 1.0);
      rewards[b] = static_cast<float>(r);
    }
    out.assign(kBatch * m, -1.0f);
    project_categorical(support, q, rewards, discounts, out);
    const double scale = std::max({std::fabs(v_min), std::fabs(v_min + width), 1.0});
    for (std::size_t b = 0; b < kBatch; ++b) {
      double sum = 0.0;
      double mean = 0.0;
      double next_mean = 0.0;
      for (std::size_t i = 0; i < m; ++i) {
        ASSERT_GE(out[b * m + i], 0.0f);
        sum += out[b * m + i];
        mean += static_cast<double>(out[b * m + i]) * support.atom(i);
        next_mean += static_cast<double>(q[b * m + i]) * support.atom(i);
      }
      ASSERT_NEAR(sum, 1.0, 1e-6) << "trial " << trial;
      if (!unclipped) continue;
      const double r = rewards[b];
      const double g = discounts[b];
      // Skip the rare row where float rounding of r pushed an end atom just past a bound.
      if (r + g * support.v_min() < support.v_min() || r + g * support.v_max() > support.v_max()) {
        continue;
      }
      ASSERT_NEAR(mean, r + g * next_mean, 1e-5 * scale)
          << "trial " << trial << " m " << m << " r " << r << " g " << g;
    }
  }
}

// Algorithm 1 of the C51 paper, one atom at a time, scattering into the row as it goes.
void textbook_projection(const AtomSupport& support, const float* q, double r, double g,
                         float* row) {
  const std::size_t m = support.size();
  std::fill(row, row + m, 0.0f);
  for (std::size_t j = 0; j < m; ++j) {
    const double tz = std::clamp(r + g * support.atom(j), static_cast<double>(support.v_min()),
                                 static_cast<double>(support.v_max()));
    const double position =
        std::clamp((tz - support.v_min()) / support.spacing(), 0.0, static_cast<double>(m - 1));
    const double l = std::floor(position);
    const double u = std::ceil(position);
    const auto lower = static_cast<std::size_t>(l);
    if (l == u) {
      row[lower] += q[j];
    } else {
      row[lower] += static_cast<float>(q[j] * (u - position));
      row[lower + 1] += static_cast<float>(q[j] * (position - l));
    }
  }
}

// The vectorised projection (positions for a pass of atoms at once, then the mass spread in atom
// order) adds the same float terms in the same order as the textbook loop: equal bit for bit, for
// m from 2 to 300 (more atoms than one pass holds), g in {0, 1} and between, rewards that clip at
// either end and rewards that put every Tz exactly on an atom.
TEST(CategoricalProjectionTest, PropertyEqualsTheTextbookLoopExactly) {
  std::mt19937_64 rng(52);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  const int sizes[] = {2, 3, 5, 51, 64, 65, 129, 300};
  constexpr std::size_t kBatch = 12;
  std::vector<float> q, out, expected, rewards(kBatch), discounts(kBatch);
  for (int trial = 0; trial < 400; ++trial) {
    const int m = sizes[trial % 8];
    const double v_min = -50.0 + 100.0 * unit(rng);
    const double width = std::pow(10.0, -1.0 + 3.0 * unit(rng));
    const AtomSupport support(v_min, v_min + width, m);
    q.resize(kBatch * m);
    for (float& p : q) p = unit(rng) < 0.3 ? 0.0f : static_cast<float>(unit(rng));
    for (std::size_t b = 0; b < kBatch; ++b) {
      const double g = b % 4 == 0 ? 0.0 : (b % 4 == 1 ? 1.0 : unit(rng));
      discounts[b] = static_cast<float>(g);
      const std::size_t shift = static_cast<std::size_t>(unit(rng) * m);
      // On an atom: g = 1 and r a whole number of spacings; else anything up to a range away.
      rewards[b] = b % 4 == 1 && b % 8 == 1
                       ? static_cast<float>(support.atom(shift) - support.v_min())
                       : static_cast<float>(v_min + width * (3.0 * unit(rng) - 1.5));
    }
    out.assign(kBatch * m, -1.0f);
    project_categorical(support, q, rewards, discounts, out);
    expected.assign(kBatch * m, -1.0f);
    for (std::size_t b = 0; b < kBatch; ++b) {
      textbook_projection(support, q.data() + b * m, rewards[b], discounts[b],
                          expected.data() + b * m);
    }
    for (std::size_t k = 0; k < out.size(); ++k) {
      ASSERT_EQ(out[k], expected[k]) << "trial " << trial << " m " << m << " row " << k / m;
    }
  }
}

}  // namespace
}  // namespace valor::value
