#include "valor/dp/segment_preferences.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "valor/core/error.h"
#include "valor/core/math.h"
#include "valor/dp/delivery.h"
#include "valor/dp/testing_delivery.h"

namespace valor::dp {
namespace {

using ::testing::HasSubstr;

// A (0) and B (1) lead to the terminal G (2). Action 0 "go": A -> B (reward -1), B -> G (+10).
// Action 1 "wait": stays (reward 0). With gamma 0.5, by hand:
//   V*(B) = max(10, 0.5 V*(B)) = 10; V*(A) = max(-1 + 0.5 * 10, 0.5 V*(A)) = 4;
//   A*(A, wait) = 0.5 * 4 - 4 = -2; A*(B, wait) = 0.5 * 10 - 10 = -5; A*(., go) = 0.
env::TabularMdp wait_or_go() {
  env::TabularMdp mdp = env::TabularMdp::with_shape("wait-or-go", 3, 2);
  mdp.rows[0] = {{1, 1.0, -1.0}};
  mdp.rows[1] = {{0, 1.0, 0.0}};
  mdp.rows[2] = {{2, 1.0, 10.0}};
  mdp.rows[3] = {{1, 1.0, 0.0}};
  mdp.rows[4] = {{2, 1.0, 0.0}};
  mdp.rows[5] = {{2, 1.0, 0.0}};
  mdp.terminal = {false, false, true};
  mdp.initial_distribution = {1.0, 0.0, 0.0};
  mdp.validate();
  return mdp;
}

TEST(SegmentRegret, EqualsTheSumOfOptimalAdvantagesComputedByHand) {
  const auto mdp = wait_or_go();
  const OptimalValues opt = optimal_values(mdp, 0.5);
  EXPECT_NEAR(opt.v[0], 4.0, 1e-12);
  EXPECT_NEAR(opt.v[1], 10.0, 1e-12);
  // A wait A go B wait B: advantages -2, 0, -5.
  const Segment seg{{0, 0, 1, 1}, {1, 0, 1}};
  EXPECT_NEAR(segment_regret(mdp, opt.v, opt.q, seg), 7.0, 1e-12);
  EXPECT_NEAR(partial_return(mdp, seg), -1.0, 1e-12);
  // A go B go G wait G: optimal, then absorbed.
  const Segment optimal{{0, 1, 2, 2}, {0, 0, 1}};
  EXPECT_NEAR(segment_regret(mdp, opt.v, opt.q, optimal), 0.0, 1e-12);
  EXPECT_NEAR(partial_return(mdp, optimal), 9.0, 1e-12);
  // The logits of both models for (seg, optimal): the optimal one is preferred by both.
  const SegmentPair pair{seg, optimal};
  EXPECT_NEAR(preference_logit(PreferenceModel::kPartialReturn, mdp, opt, pair), -10.0, 1e-12);
  EXPECT_NEAR(preference_logit(PreferenceModel::kRegret, mdp, opt, pair), -7.0, 1e-12);
}

using testing::small_delivery;

TEST(SegmentRegret, DeterministicRegretIsTheTelescopedDiscountedForm) {
  const auto d = small_delivery();
  const double gamma = 0.9;
  const OptimalValues opt = optimal_values(d.mdp, gamma);
  Rng rng(3);
  for (int i = 0; i < 200; ++i) {
    const Segment seg = sample_segment(d.mdp, 4, rng);
    // sum_t V*(s_t) - r_t - gamma V*(s_{t+1}), by hand from the definition of Q*.
    double expected = 0.0;
    for (size_t t = 0; t < seg.actions.size(); ++t) {
      expected += opt.v[static_cast<size_t>(seg.states[t])] -
                  d.mdp.expected_reward(seg.states[t], seg.actions[t]) -
                  gamma * opt.v[static_cast<size_t>(seg.states[t + 1])];
    }
    ASSERT_NEAR(segment_regret(d.mdp, opt.v, opt.q, seg), expected, 1e-9);
    ASSERT_GE(segment_regret(d.mdp, opt.v, opt.q, seg), -1e-9);
  }
}

TEST(SegmentRegret, IsZeroOnOptimalTrajectoriesAndPositiveOffThem) {
  const auto d = small_delivery();
  const OptimalValues opt = optimal_values(d.mdp, 0.999);
  int positive = 0;
  for (int s0 = 0; s0 < d.mdp.num_states; ++s0) {
    if (d.mdp.terminal[static_cast<size_t>(s0)]) continue;
    Segment seg{{s0}, {}};
    for (int t = 0; t < 3; ++t) {
      const int s = seg.states.back();
      const int a = opt.policy[static_cast<size_t>(s)];
      seg.actions.push_back(a);
      seg.states.push_back(d.mdp.row(s, a)[0].next_state);
    }
    EXPECT_NEAR(segment_regret(d.mdp, opt.v, opt.q, seg), 0.0, 1e-9) << "start " << s0;
    // Replacing the first action by a worse one gives positive regret.
    for (int a = 0; a < 4; ++a) {
      if (opt.q[static_cast<size_t>(s0) * 4 + static_cast<size_t>(a)] <
          opt.v[static_cast<size_t>(s0)] - 1e-6) {
        Segment worse{{s0, d.mdp.row(s0, a)[0].next_state}, {a}};
        EXPECT_GT(segment_regret(d.mdp, opt.v, opt.q, worse), 1e-6);
        ++positive;
      }
    }
  }
  EXPECT_GT(positive, 0);
}

TEST(SampleSegment, StartsOffTerminalsAndFollowsTheModel) {
  const auto d = small_delivery();
  Rng rng(1);
  for (int i = 0; i < 500; ++i) {
    const Segment seg = sample_segment(d.mdp, 3, rng);
    ASSERT_EQ(seg.actions.size(), 3u);
    ASSERT_EQ(seg.states.size(), 4u);
    ASSERT_FALSE(d.mdp.terminal[static_cast<size_t>(seg.states[0])]);
    for (size_t t = 0; t < 3; ++t) {
      ASSERT_EQ(d.mdp.row(seg.states[t], seg.actions[t])[0].next_state, seg.states[t + 1]);
    }
  }
  EXPECT_THAT([&] { sample_segment(d.mdp, 0, rng); },
              ::testing::ThrowsMessage<Error>(HasSubstr("segment length must be >= 1")));
}

TEST(SampleSegmentPairs, NeverPairsASegmentWithItself) {
  const auto d = small_delivery();
  Rng rng(2);
  const auto pairs = sample_segment_pairs(d.mdp, 2000, 1, rng);
  ASSERT_EQ(pairs.size(), 2000u);
  for (const auto& p : pairs) ASSERT_FALSE(p.first == p.second);
}

TEST(LabelSegmentPairs, NoiselessLabelsFollowTheSignAndTiesAreHalf) {
  const auto mdp = wait_or_go();
  const Segment wait{{0, 0}, {1}};       // regret 2, partial return 0
  const Segment go{{0, 1}, {0}};         // regret 0, partial return -1
  const Segment go_from_b{{1, 2}, {0}};  // regret 0, partial return 10
  const std::vector<SegmentPair> pairs = {{wait, go}, {go, go_from_b}, {go, wait}};
  Rng rng(0);
  EXPECT_EQ(
      label_segment_pairs(mdp, 0.5, pairs, PreferenceModel::kRegret, LabelNoise::kNoiseless, rng),
      (std::vector<double>{0.0, 0.5, 1.0}));
  // Partial return prefers waiting (0 > -1): the two models disagree on the first pair.
  EXPECT_EQ(label_segment_pairs(mdp, 0.5, pairs, PreferenceModel::kPartialReturn,
                                LabelNoise::kNoiseless, rng),
            (std::vector<double>{1.0, 0.0, 0.0}));
}

TEST(LabelSegmentPairs, LogisticLabelsHaveTheModelsProbability) {
  const auto mdp = wait_or_go();
  const Segment wait{{0, 0}, {1}};
  const Segment go{{0, 1}, {0}};
  const int n = 20000;
  std::vector<SegmentPair> pairs(static_cast<size_t>(n), SegmentPair{go, wait});
  Rng rng(5);
  const auto labels =
      label_segment_pairs(mdp, 0.5, pairs, PreferenceModel::kRegret, LabelNoise::kLogistic, rng);
  double ones = 0.0;
  for (double y : labels) {
    ASSERT_TRUE(y == 0.0 || y == 1.0);
    ones += y;
  }
  const double p = sigmoid(2.0);  // regret(wait) - regret(go) = 2
  const double se = std::sqrt(p * (1 - p) / n);
  EXPECT_NEAR(ones / n, p, 4 * se);
}

TEST(PreferenceNames, RoundTripAndRejectUnknownNames) {
  for (auto m : {PreferenceModel::kPartialReturn, PreferenceModel::kRegret}) {
    EXPECT_EQ(parse_preference_model(preference_model_name(m)), m);
  }
  for (auto n : {LabelNoise::kNoiseless, LabelNoise::kLogistic}) {
    EXPECT_EQ(parse_label_noise(label_noise_name(n)), n);
  }
  EXPECT_THAT([] { parse_preference_model("bt"); },
              ::testing::ThrowsMessage<Error>(HasSubstr("accepted: partial_return, regret")));
  EXPECT_THAT([] { parse_label_noise("gaussian"); },
              ::testing::ThrowsMessage<Error>(HasSubstr("accepted: noiseless, logistic")));
  Rng rng(0);
  EXPECT_THAT(
      [&] {
        label_segment_pairs(wait_or_go(), 1.0, {}, PreferenceModel::kRegret, LabelNoise::kNoiseless,
                            rng);
      },
      ::testing::ThrowsMessage<Error>(HasSubstr("gamma must be in [0, 1)")));
}

}  // namespace
}  // namespace valor::dp
