#include "valor/rank/suggest.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "valor/core/error.h"

namespace valor::rank {
namespace {

TEST(SuggestTest, NeverComparedEqualRatingPairFirst) {
  ComparisonSet set;
  const int32_t a = set.intern("a"), b = set.intern("b"), c = set.intern("c"), d = set.intern("d");
  set.add({a, b, 1.0, 1.0, false});  // a-b compared once, equal ratings
  // c and d have equal ratings and were never compared.
  const std::vector<double> ratings = {0.0, 0.0, 1.0, 1.0};
  const std::vector<SuggestedPair> s = suggest_pairs(set, ratings, 2);
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].a, c);
  EXPECT_EQ(s[0].b, d);
  EXPECT_DOUBLE_EQ(s[0].p, 0.5);
  EXPECT_DOUBLE_EQ(s[0].n, 0.0);
  EXPECT_DOUBLE_EQ(s[0].score, 0.25);
  // Next: pairs a-c, a-d, b-c, b-d with p = sigma(-1): p(1-p) = 0.19661..., beating a-b's
  // 0.25 / 2 = 0.125; lower indices first among the four equal scores.
  EXPECT_EQ(s[1].a, a);
  EXPECT_EQ(s[1].b, c);
  EXPECT_NEAR(s[1].score, 0.19661193324148185, 1e-15);
  EXPECT_GE(s[0].score, s[1].score);
}

TEST(SuggestTest, RespectsKAndIsDeterministic) {
  ComparisonSet set;
  for (int i = 0; i < 6; ++i) set.intern(std::to_string(i));
  set.add({0, 1, 1.0, 2.0, false});
  set.add({2, 3, 0.0, 1.0, false});
  const std::vector<double> ratings(6, 0.0);  // all scores tie except compared pairs
  const std::vector<SuggestedPair> all = suggest_pairs(set, ratings, 100);
  ASSERT_EQ(all.size(), 15u);
  // 13 never-compared pairs with score 0.25 in (a, b) order, then 2-3 (n = 1), then 0-1 (n = 2).
  EXPECT_EQ(all[0].a, 0);
  EXPECT_EQ(all[0].b, 2);
  EXPECT_EQ(all[12].a, 4);
  EXPECT_EQ(all[12].b, 5);
  EXPECT_EQ(all[13].a, 2);
  EXPECT_EQ(all[13].b, 3);
  EXPECT_DOUBLE_EQ(all[13].n, 1.0);
  EXPECT_EQ(all[14].a, 0);
  EXPECT_EQ(all[14].b, 1);
  EXPECT_DOUBLE_EQ(all[14].score, 0.25 / 3.0);
  for (size_t k = 0; k <= 15; ++k) {
    const std::vector<SuggestedPair> some = suggest_pairs(set, ratings, k);
    ASSERT_EQ(some.size(), k);
    for (size_t i = 0; i < k; ++i) {
      EXPECT_EQ(some[i].a, all[i].a);
      EXPECT_EQ(some[i].b, all[i].b);
    }
  }
  EXPECT_TRUE(suggest_pairs(set, ratings, 0).empty());
}

TEST(SuggestTest, PrefersCloseRatings) {
  ComparisonSet set;
  for (int i = 0; i < 4; ++i) set.intern(std::to_string(i));
  const std::vector<double> ratings = {-3.0, 0.0, 0.1, 3.0};
  const std::vector<SuggestedPair> s = suggest_pairs(set, ratings, 1);
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].a, 1);
  EXPECT_EQ(s[0].b, 2);
  EXPECT_LT(s[0].p, 0.5);
}

TEST(SuggestTest, RejectsWrongRatings) {
  ComparisonSet set;
  set.intern("a");
  set.intern("b");
  EXPECT_THROW(suggest_pairs(set, {0.0}, 1), Error);
  EXPECT_THROW(suggest_pairs(set, {0.0, std::nan("")}, 1), Error);
  EXPECT_TRUE(suggest_pairs(ComparisonSet{}, {}, 3).empty());
}

}  // namespace
}  // namespace valor::rank
