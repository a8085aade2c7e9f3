#include "valor/core/random.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <concepts>
#include <cstdint>
#include <limits>
#include <numeric>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "valor/core/error.h"

namespace valor {
namespace {

using ::testing::ElementsAreArray;
using ::testing::StartsWith;

static_assert(std::uniform_random_bit_generator<Rng>);

std::vector<uint64_t> draws(Rng& rng, int n) {
  std::vector<uint64_t> out(n);
  for (uint64_t& x : out) x = rng.next_u64();
  return out;
}

// Pearson's chi-square statistic of observed counts against equal expected counts.
double chi_square_uniform(const std::vector<int64_t>& counts) {
  const double total = static_cast<double>(std::accumulate(counts.begin(), counts.end(), 0LL));
  const double expected = total / static_cast<double>(counts.size());
  double chi2 = 0.0;
  for (int64_t c : counts) chi2 += (c - expected) * (c - expected) / expected;
  return chi2;
}

// The first outputs of pcg64(42, 54) are pcg-cpp's published check values
// (test-high/expected/check-pcg64.out), and numpy's PCG64 bit generator, put in the state that
// pcg64's seeding produces, gives the same outputs (numpy 1.24.2):
//   M = (2549297995355413924 << 64) + 4865540595714422341
//   for seed, stream in [(42, 54), (0, 0), (12345, 7)]:
//       inc = (stream << 1) | 1; st = ((seed + inc) * M + inc) % 2**128
//       bg = np.random.PCG64(); bg.state = {'bit_generator': 'PCG64', 'state': {'state': st,
//           'inc': inc}, 'has_uint32': 0, 'uinteger': 0}
//       print(hex(st), hex(inc), [hex(x) for x in bg.random_raw(6)])
TEST(RngTest, MatchesPcg64ReferenceOutputs) {
  struct Case {
    uint64_t seed, stream;
    std::string state;
    std::array<uint64_t, 6> outputs;
  };
  const std::vector<Case> cases = {
      {42,
       54,
       "pcg64 v1 de2bce05be013be3d3f6c45a41e54320 0000000000000000000000000000006d -",
       {0x86b1da1d72062b68, 0x1304aa46c9853d39, 0xa3670e9e0dd50358, 0xf9090e529a7dae00,
        0xc85b9fd837996f2c, 0x606121f8e3919196}},
      {0,
       0,
       "pcg64 v1 2360ed051fc65da44385df649fccf646 00000000000000000000000000000001 -",
       {0xd4feb4e5a4bcfe09, 0xe85a7fe071b026e6, 0x3a5b9037fe928c11, 0x7b044380d100f216,
        0x1c7850a6b6d83e6a, 0x240b82fcc04f0926}},
      {12345,
       7,
       "pcg64 v1 1fb39f66215922dc1789b2435fd23377 0000000000000000000000000000000f -",
       {0x0db4039e0df138d1, 0xe4a4f9e743f47eff, 0xde07862c83c11de7, 0x22cd5ceddd6e0e02,
        0x6b73502b7c45faaf, 0xdc0dd680ecfe2647}},
  };
  for (const Case& c : cases) {
    Rng rng(c.seed, c.stream);
    EXPECT_EQ(rng.save_state(), c.state);
    EXPECT_THAT(draws(rng, 6), ElementsAreArray(c.outputs)) << c.seed << " " << c.stream;
  }
  EXPECT_EQ(Rng(0).save_state(), Rng(0, 0).save_state());
}

TEST(RngTest, SameSeedSameSequence) {
  Rng a(2024), b(2024);
  EXPECT_EQ(a, b);
  EXPECT_EQ(draws(a, 1000), draws(b, 1000));
  EXPECT_EQ(a.normal(), b.normal());
  EXPECT_EQ(a.uniform(), b.uniform());
}

TEST(RngTest, DifferentSeedsAndStreamsDiffer) {
  std::set<std::vector<uint64_t>> seen;
  for (uint64_t seed : {0, 1, 2, 3}) {
    for (uint64_t stream : {0, 1, 2}) {
      Rng rng(seed, stream);
      seen.insert(draws(rng, 4));
    }
  }
  EXPECT_EQ(seen.size(), 12u);
  EXPECT_NE(Rng(1, 0), Rng(1, 1));
  EXPECT_NE(Rng(1, 0), Rng(2, 0));
}

TEST(RngTest, SplitIsDeterministicAndDoesNotAdvanceTheParent) {
  Rng parent(77);
  const std::string before = parent.save_state();
  Rng c1 = parent.split(3);
  Rng c2 = parent.split(3);
  EXPECT_EQ(parent.save_state(), before);
  EXPECT_EQ(c1, c2);
  EXPECT_EQ(draws(c1, 100), draws(c2, 100));
  // The children follow the parent's current state.
  parent.next_u64();
  EXPECT_NE(parent.split(3), Rng(77).split(3));
}

TEST(RngTest, SplitChildrenDifferFromParentAndEachOther) {
  Rng parent(5);
  std::set<uint64_t> first_outputs;
  std::set<std::string> states;
  Rng copy = parent;
  first_outputs.insert(copy.next_u64());
  states.insert(parent.save_state());
  for (uint64_t child = 0; child < 200; ++child) {
    Rng c = parent.split(child);
    states.insert(c.save_state());
    first_outputs.insert(c.next_u64());
  }
  Rng grandchild = parent.split(0).split(0);
  states.insert(grandchild.save_state());
  first_outputs.insert(grandchild.next_u64());
  EXPECT_EQ(states.size(), 202u);
  EXPECT_EQ(first_outputs.size(), 202u);

  // Neighbouring children are uncorrelated: the bits of their outputs agree half the time.
  Rng a = parent.split(10), b = parent.split(11);
  int64_t agreeing_bits = 0;
  const int n = 20000;
  for (int i = 0; i < n; ++i) agreeing_bits += 64 - std::popcount(a.next_u64() ^ b.next_u64());
  const double fraction = static_cast<double>(agreeing_bits) / (64.0 * n);
  EXPECT_NEAR(fraction, 0.5, 5 * 0.5 / std::sqrt(64.0 * n));  // 5 standard errors
}

TEST(RngTest, BelowStaysInRange) {
  Rng rng(1);
  EXPECT_THROW(rng.below(0), Error);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(rng.below(1), 0u);
  for (uint64_t n : {2ull, 3ull, 7ull, 1000ull, (1ull << 63) + 1, ~0ull}) {
    for (int i = 0; i < 2000; ++i) ASSERT_LT(rng.below(n), n);
  }
}

// Chi-square goodness of fit on 10^5 draws per n with a fixed seed; the thresholds are the
// chi-square quantiles at p = 0.9999 for n - 1 degrees of freedom.
TEST(RngTest, BelowIsUniformChiSquare) {
  const std::vector<std::pair<uint64_t, double>> cases = {{2, 15.14}, {3, 18.42}, {5, 23.51},
                                                          {6, 25.74}, {7, 27.86}, {10, 33.72}};
  Rng rng(31337);
  for (const auto& [n, threshold] : cases) {
    std::vector<int64_t> counts(n, 0);
    for (int i = 0; i < 100000; ++i) ++counts[rng.below(n)];
    EXPECT_LT(chi_square_uniform(counts), threshold) << "n = " << n;
  }
}

// x % n for n = 3 * 2^62 would put half the mass below 2^62; unbiased sampling puts a third.
TEST(RngTest, BelowHasNoModuloBiasForLargeN) {
  Rng rng(8);
  const uint64_t n = 3ull << 62;
  const int draws_count = 100000;
  int below_quarter = 0;
  for (int i = 0; i < draws_count; ++i) below_quarter += rng.below(n) < (1ull << 62);
  const double p = 1.0 / 3.0;
  EXPECT_NEAR(below_quarter / static_cast<double>(draws_count), p,
              5 * std::sqrt(p * (1 - p) / draws_count));
}

TEST(RngTest, UniformIntCoversBothEnds) {
  Rng rng(4);
  std::vector<int64_t> counts(7, 0);
  for (int i = 0; i < 70000; ++i) {
    const int64_t v = rng.uniform_int(-3, 3);
    ASSERT_GE(v, -3);
    ASSERT_LE(v, 3);
    ++counts[v + 3];
  }
  EXPECT_LT(chi_square_uniform(counts), 25.74);  // p = 0.9999, 6 degrees of freedom
  EXPECT_EQ(rng.uniform_int(5, 5), 5);
  EXPECT_EQ(rng.uniform_int(-9, -9), -9);
  EXPECT_THROW(rng.uniform_int(2, 1), Error);
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  bool negative = false, positive = false;
  for (int i = 0; i < 64; ++i) {
    const int64_t v = rng.uniform_int(kMin, kMax);
    negative = negative || v < 0;
    positive = positive || v > 0;
  }
  EXPECT_TRUE(negative && positive);
  std::set<int64_t> top;
  for (int i = 0; i < 200; ++i) top.insert(rng.uniform_int(kMax - 1, kMax));
  EXPECT_EQ(top, (std::set<int64_t>{kMax - 1, kMax}));
  std::set<int64_t> bottom;
  for (int i = 0; i < 200; ++i) bottom.insert(rng.uniform_int(kMin, kMin + 1));
  EXPECT_EQ(bottom, (std::set<int64_t>{kMin, kMin + 1}));
}

// 10^6 draws: mean 1/2 and variance 1/12 within 5 standard errors (the standard error of the
// sample variance of U(0,1) is sqrt(1/180 / N)).
TEST(RngTest, UniformMomentsAndRange) {
  Rng rng(99);
  const int n = 1000000;
  double sum = 0, sum_sq = 0;
  for (int i = 0; i < n; ++i) {
    const double u = rng.uniform();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    sum += u;
    sum_sq += u * u;
  }
  const double mean = sum / n;
  const double var = sum_sq / n - mean * mean;
  EXPECT_NEAR(mean, 0.5, 5 * std::sqrt(1.0 / 12 / n));
  EXPECT_NEAR(var, 1.0 / 12, 5 * std::sqrt(1.0 / 180 / n));

  double fsum = 0;
  for (int i = 0; i < 100000; ++i) {
    const float f = rng.uniform_float();
    ASSERT_GE(f, 0.0f);
    ASSERT_LT(f, 1.0f);
    fsum += f;
  }
  EXPECT_NEAR(fsum / 100000, 0.5, 5 * std::sqrt(1.0 / 12 / 100000));
}

TEST(RngTest, UniformUsesTheTop53Bits) {
  Rng a(6), b(6);
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(a.uniform(), std::ldexp(static_cast<double>(b.next_u64() >> 11), -53));
    EXPECT_EQ(a.uniform_float(), std::ldexp(static_cast<float>(b.next_u64() >> 40), -24));
  }
}

// 10^6 draws: mean 0 (standard error 0.001), variance 1 (standard error 0.0014) and kurtosis 3
// (standard error 0.0049), each within about 5 standard errors.
TEST(RngTest, NormalMoments) {
  Rng rng(123);
  const int n = 1000000;
  std::vector<double> x(n);
  for (double& v : x) v = rng.normal();
  const double mean = std::accumulate(x.begin(), x.end(), 0.0) / n;
  double m2 = 0, m4 = 0;
  for (double v : x) {
    const double d = (v - mean) * (v - mean);
    m2 += d;
    m4 += d * d;
  }
  m2 /= n;
  m4 /= n;
  EXPECT_NEAR(mean, 0.0, 0.005);
  EXPECT_NEAR(m2, 1.0, 0.007);
  EXPECT_NEAR(m4 / (m2 * m2), 3.0, 0.025);
  // Tail mass beyond 3 sigma: 0.0026998, binomial standard error 5.2e-5.
  const auto tail = std::count_if(x.begin(), x.end(), [](double v) { return std::abs(v) > 3; });
  EXPECT_NEAR(static_cast<double>(tail) / n, 0.0026998, 2.6e-4);
}

TEST(RngTest, Bernoulli) {
  Rng rng(10);
  int ones = 0;
  for (int i = 0; i < 10000; ++i) {
    EXPECT_FALSE(rng.bernoulli(0.0));
    EXPECT_TRUE(rng.bernoulli(1.0));
    ones += rng.bernoulli(0.3);
  }
  EXPECT_NEAR(ones / 10000.0, 0.3, 5 * std::sqrt(0.3 * 0.7 / 10000));
  EXPECT_THROW(rng.bernoulli(-0.01), Error);
  EXPECT_THROW(rng.bernoulli(1.01), Error);
  EXPECT_THROW(rng.bernoulli(std::numeric_limits<double>::quiet_NaN()), Error);
}

TEST(RngTest, WorksWithStandardAlgorithms) {
  std::vector<int> v(50);
  std::iota(v.begin(), v.end(), 0);
  std::vector<int> w = v;
  Rng a(3), b(3);
  std::shuffle(v.begin(), v.end(), a);
  std::shuffle(w.begin(), w.end(), b);
  EXPECT_EQ(v, w);
  EXPECT_TRUE(std::is_permutation(v.begin(), v.end(), w.begin()));
}

TEST(RngTest, SaveLoadRoundTripContinuesTheStream) {
  Rng a(42, 9);
  for (int i = 0; i < 1001; ++i) a.next_u64();
  for (bool with_spare : {false, true}) {
    if (with_spare) a.normal();  // leaves a spare normal cached
    const std::string saved = a.save_state();
    EXPECT_THAT(saved, StartsWith("pcg64 v1 "));
    Rng b(0);
    b.load_state(saved);
    EXPECT_EQ(a, b);
    EXPECT_EQ(b.save_state(), saved);
    for (int i = 0; i < 1000; ++i) {
      ASSERT_EQ(a.normal(), b.normal());
      ASSERT_EQ(a.next_u64(), b.next_u64());
      ASSERT_EQ(a.uniform(), b.uniform());
      ASSERT_EQ(a.below(17), b.below(17));
    }
  }
}

TEST(RngTest, MalformedStateThrowsAndLeavesStateUnchanged) {
  const std::string zeros32(32, '0');
  const std::vector<std::string> bad = {
      "",
      "pcg64",
      "pcg64 v1",
      "pcg64 v1 " + zeros32 + " " + zeros32.substr(1) + "1",
      "pcg64 v2 " + zeros32 + " " + zeros32.substr(1) + "1 -",
      "mt19937 v1 " + zeros32 + " " + zeros32.substr(1) + "1 -",
      "pcg64 v1 " + zeros32 + " " + zeros32.substr(1) + "2 -",                 // even increment
      "pcg64 v1 " + zeros32.substr(1) + " " + zeros32.substr(1) + "1 -",       // short state
      "pcg64 v1 " + zeros32 + "0 " + zeros32.substr(1) + "1 -",                // long state
      "pcg64 v1 " + zeros32.substr(1) + "g " + zeros32.substr(1) + "1 -",      // not hex
      "pcg64 v1 " + zeros32 + " " + zeros32.substr(1) + "1 3ff000000000000",   // short spare
      "pcg64 v1 " + zeros32 + " " + zeros32.substr(1) + "1 7ff0000000000000",  // infinite
      "pcg64 v1 " + zeros32 + " " + zeros32.substr(1) + "1 x",
      "pcg64 v1 " + zeros32 + " " + zeros32.substr(1) + "1 - extra",
  };
  Rng target(17);
  target.normal();
  const std::string before = target.save_state();
  for (const std::string& text : bad) {
    EXPECT_THROW(target.load_state(text), Error) << text;
    EXPECT_EQ(target.save_state(), before);
  }
  Rng loaded(1);
  loaded.load_state("pcg64 v1 " + zeros32 + " " + zeros32.substr(1) + "1 3ff0000000000000");
  EXPECT_EQ(loaded.normal(), 1.0);  // the cached spare comes first
}

}  // namespace
}  // namespace valor

namespace valor {
namespace {

TEST(RngWeightedIndexTest, FrequenciesFollowTheWeightsAndZeroWeightsAreNeverDrawn) {
  Rng rng(11);
  const std::vector<double> weights = {2.0, 0.0, 1.0, 5.0};
  std::vector<int> counts(weights.size(), 0);
  const int draws = 80000;
  for (int i = 0; i < draws; ++i) ++counts[rng.weighted_index(weights, 8.0)];
  EXPECT_EQ(counts[1], 0);
  for (size_t k : {0u, 2u, 3u}) {
    const double p = weights[k] / 8.0;
    EXPECT_NEAR(counts[k] / static_cast<double>(draws), p, 4.0 * std::sqrt(p * (1 - p) / draws))
        << k;
  }
}

TEST(RngWeightedIndexTest, OneUniformDrawInvertedInOrder) {
  Rng a(5), b(5);
  const std::vector<double> weights = {0.5, 1.5, 2.0};
  for (int i = 0; i < 100; ++i) {
    const double u = b.uniform() * 4.0;
    const size_t want = u < 0.5 ? 0 : u < 2.0 ? 1 : 2;
    EXPECT_EQ(a.weighted_index(weights, 4.0), want);
  }
}

}  // namespace
}  // namespace valor
