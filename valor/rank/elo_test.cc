#include "valor/rank/elo.h"

#include <gtest/gtest.h>

#include "valor/core/error.h"

namespace valor::rank {
namespace {

TEST(EloTest, ExpectedScore) {
  EXPECT_DOUBLE_EQ(elo_expected_score(1000.0, 1000.0), 0.5);
  EXPECT_DOUBLE_EQ(elo_expected_score(1400.0, 1000.0), 10.0 / 11.0);  // 1 / (1 + 10^-1)
  EXPECT_DOUBLE_EQ(elo_expected_score(1000.0, 1400.0), 1.0 / 11.0);
}

TEST(EloTest, ThreeGamesByHand) {
  ComparisonSet set;
  const int32_t a = set.intern("a");
  const int32_t b = set.intern("b");
  const int32_t c = set.intern("c");
  set.add({a, b, 1.0, 1.0, false});  // a beats b
  set.add({b, c, 1.0, 1.0, false});  // b beats c
  set.add({c, a, 0.5, 1.0, true});   // c and a tie
  const std::vector<double> r = elo_ratings(set, 32.0, 1000.0);
  // Game 1: E = 0.5, a = 1016, b = 984.
  // Game 2: E_b = 1 / (1 + 10^(16/400)) = 0.4769904127..., delta = 32 (1 - E_b) = 16.7363067935,
  //   b = 1000.7363067935, c = 983.2636932065.
  // Game 3: E_c = 1 / (1 + 10^((1016 - 983.2636932065)/400)) = 0.4530275909, delta = 32 (0.5 -
  //   E_c) = 1.5031170912, c = 984.7668102977, a = 1014.4968829088.
  ASSERT_EQ(r.size(), 3u);
  EXPECT_NEAR(r[a], 1014.4968829087939, 1e-9);
  EXPECT_NEAR(r[b], 1000.736306793522, 1e-9);
  EXPECT_NEAR(r[c], 984.7668102976842, 1e-9);
  EXPECT_NEAR(r[a] + r[b] + r[c], 3000.0, 1e-9);  // zero-sum
}

TEST(EloTest, DefaultsAndOrderMatters) {
  ComparisonSet set;
  const int32_t a = set.intern("a");
  const int32_t b = set.intern("b");
  set.add({a, b, 1.0, 1.0, false});
  const std::vector<double> r = elo_ratings(set);
  EXPECT_DOUBLE_EQ(r[a], 1002.0);  // k = 4, E = 0.5
  EXPECT_DOUBLE_EQ(r[b], 998.0);
  EXPECT_THROW(elo_ratings(set, -1.0), Error);
}

}  // namespace
}  // namespace valor::rank
