// Generated preference data: pairs of different responses, Bradley-Terry labels on the gold
// reward, and the optional ties and annotators with their own tastes.
#include "valor/align/preferences.h"

#include <gtest/gtest.h>

#include <cmath>

#include "valor/core/error.h"

namespace valor::align {
namespace {

const Task& task() {
  static const Task t([] {
    TaskSpec spec;
    spec.shape = {3, 5, 3};
    spec.reference_hidden = {16};
    spec.pretrain_steps = 50;
    return spec;
  }());
  return t;
}

double gold_margin(const PreferenceData& d, size_t i) {
  const auto len = static_cast<size_t>(d.length);
  return task().gold_reward(d.prompts[i], d.a.data() + i * len) -
         task().gold_reward(d.prompts[i], d.b.data() + i * len);
}

// The fraction of hard labels that prefer the response with the higher gold reward.
double agreement_with_gold(const PreferenceData& d) {
  double agree = 0.0, hard = 0.0;
  for (size_t i = 0; i < d.size(); ++i) {
    if (d.outcome[i] == 0.5f) continue;
    hard += 1.0;
    agree += (gold_margin(d, i) > 0.0) == (d.outcome[i] == 1.0f) ? 1.0 : 0.0;
  }
  return agree / hard;
}

TEST(Preferences, PairsDifferAndLabelsFollowTheGoldReward) {
  PreferenceOptions o;
  o.pairs = 4000;
  o.label_temperature = 0.05;
  const PreferenceData d = make_preferences(task(), o);
  ASSERT_EQ(d.size(), 4000u);
  const auto len = static_cast<size_t>(d.length);
  for (size_t i = 0; i < d.size(); ++i) {
    EXPECT_FALSE(
        std::equal(d.a.begin() + i * len, d.a.begin() + (i + 1) * len, d.b.begin() + i * len));
  }
  EXPECT_GT(agreement_with_gold(d), 0.95);
}

TEST(Preferences, TiesBelowTheMarginAndNowhereElse) {
  PreferenceOptions o;
  o.pairs = 3000;
  o.tie_margin = 0.3;
  o.label_noise = 0.2;
  const PreferenceData d = make_preferences(task(), o);
  size_t ties = 0;
  for (size_t i = 0; i < d.size(); ++i) {
    const bool tie = std::abs(gold_margin(d, i)) < 0.3;
    EXPECT_EQ(d.outcome[i] == 0.5f, tie) << i;
    ties += tie ? 1 : 0;
  }
  EXPECT_GT(ties, 100u);
  EXPECT_LT(ties, 2900u);
  // The same responses as without ties: the option changes labels only.
  PreferenceOptions plain = o;
  plain.tie_margin = 0.0;
  const PreferenceData p = make_preferences(task(), plain);
  EXPECT_EQ(p.a, d.a);
  EXPECT_EQ(p.b, d.b);
}

TEST(Preferences, AnnotatorsWithOwnTastesDisagreeWithTheGoldReward) {
  PreferenceOptions o;
  o.pairs = 4000;
  o.label_temperature = 0.05;
  const double alone = agreement_with_gold(make_preferences(task(), o));
  o.annotators = 3;
  const double agreeing = agreement_with_gold(make_preferences(task(), o));  // spread 0
  o.annotator_spread = 2.0;
  const PreferenceData d = make_preferences(task(), o);
  const double apart = agreement_with_gold(d);
  EXPECT_GT(alone, 0.95);
  EXPECT_GT(agreeing, 0.95);
  EXPECT_LT(apart, alone - 0.1) << "annotators with spread 2 should often disagree with r*";
  EXPECT_GT(apart, 0.55);
}

TEST(Preferences, BadOptionsAreErrors) {
  PreferenceOptions o;
  o.tie_margin = -1.0;
  EXPECT_THROW(make_preferences(task(), o), Error);
  o = {};
  o.annotators = 0;
  EXPECT_THROW(make_preferences(task(), o), Error);
  o = {};
  o.annotator_spread = NAN;
  EXPECT_THROW(make_preferences(task(), o), Error);
}

}  // namespace
}  // namespace valor::align
