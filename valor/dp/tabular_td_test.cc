#include "valor/dp/tabular_td.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "valor/core/error.h"
#include "valor/dp/solve.h"
#include "valor/env/chain.h"
#include "valor/value/hl_gauss.h"
#include "valor/value/support.h"

namespace valor::dp {
namespace {

using ::testing::HasSubstr;

using value::HeadKind;

TdOptions options_for(HeadKind head, double lr) {
  TdOptions o;
  o.head = head;
  o.learning_rate = lr;
  o.gamma = 0.9;
  o.epsilon = 0.5;
  return o;
}

// softmax(l), computed here independently of value::softmax.
std::vector<double> softmax(const std::vector<double>& l) {
  const double top = *std::max_element(l.begin(), l.end());
  std::vector<double> p(l.size());
  double z = 0;
  for (size_t i = 0; i < l.size(); ++i) z += p[i] = std::exp(l[i] - top);
  for (double& x : p) x /= z;
  return p;
}

// softmax(l) . v.
double decode(const std::vector<double>& l, const std::vector<double>& v) {
  const std::vector<double> p = softmax(l);
  double s = 0;
  for (size_t i = 0; i < l.size(); ++i) s += p[i] * v[i];
  return s;
}

// The categorical heads' start (value_head.h) when v0 is one of the points (index k):
// log((1 - e) [i == k] + e / m).
std::vector<double> initial_logits(size_t m, size_t k) {
  const double e = value::kInitialUniformMass;
  std::vector<double> l;
  for (size_t i = 0; i < m; ++i) l.push_back(std::log((i == k ? 1 - e : 0.0) + e / double(m)));
  return l;
}

// l - lr (softmax(l) - p): one cross-entropy gradient step.
std::vector<double> ce_step(const std::vector<double>& l, const std::vector<double>& p, double lr) {
  const std::vector<double> q = softmax(l);
  std::vector<double> out(l.size());
  for (size_t i = 0; i < l.size(); ++i) out[i] = l[i] - lr * (q[i] - p[i]);
  return out;
}

void expect_outputs(std::span<const float> got, const std::vector<double>& want, double tol,
                    const char* what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (size_t i = 0; i < want.size(); ++i) EXPECT_NEAR(got[i], want[i], tol) << what << " " << i;
}

TEST(TabularTdTest, MseQLearningSingleUpdates) {
  TabularTdLearner learner(2, 2, options_for(HeadKind::kMse, 0.5));
  EXPECT_EQ(learner.q(0, 0), 0.0);
  EXPECT_EQ(learner.outputs(0, 0).size(), 1u);
  // Terminal: y = r = 2, Q = 0 + 0.5 (2 - 0) = 1.
  learner.update(1, 0, 2.0, 0, true);
  EXPECT_NEAR(learner.q(1, 0), 1.0, 1e-7);
  // y = 1 + 0.9 max(Q(1, .)) = 1 + 0.9 * 1 = 1.9; Q(0, 1) = 0.5 * 1.9.
  learner.update(0, 1, 1.0, 1, false);
  EXPECT_NEAR(learner.q(0, 1), 0.95, 1e-6);
  // Again: y = 1.9, Q = 0.95 + 0.5 (1.9 - 0.95) = 1.425.
  learner.update(0, 1, 1.0, 1, false);
  EXPECT_NEAR(learner.q(0, 1), 1.425, 1e-6);
  EXPECT_EQ(learner.greedy_action(0), 1);
  EXPECT_THAT(learner.q_table(),
              ::testing::Pointwise(::testing::DoubleNear(1e-6), {0.0, 1.425, 1.0, 0.0}));
}

TEST(TabularTdTest, HuberClipsTheErrorToOne) {
  TabularTdLearner learner(2, 1, options_for(HeadKind::kHuber, 0.5));
  learner.update(1, 0, 5.0, 0, true);  // y - Q = 5, clipped to 1: Q = 0.5
  EXPECT_NEAR(learner.q(1, 0), 0.5, 1e-7);
  learner.update(1, 0, 0.8, 0, true);  // y - Q = 0.3: Q = 0.5 + 0.15
  EXPECT_NEAR(learner.q(1, 0), 0.65, 1e-6);
}

TEST(TabularTdTest, QrMovesEachQuantileByItsAsymmetricWeight) {
  TdOptions o = options_for(HeadKind::kQr, 1.0);
  o.quantiles = 2;  // tau = 0.25, 0.75
  TabularTdLearner learner(2, 1, o);
  // Terminal, r = 0.5: u = 0.5 > 0 for both quantiles: theta_i += tau_i * 0.5.
  learner.update(0, 0, 0.5, 1, true);
  expect_outputs(learner.outputs(0, 0), {0.125, 0.375}, 1e-7, "qr");
  EXPECT_NEAR(learner.q(0, 0), 0.25, 1e-7);
  // r = -1: u = -1.125 and -1.375, Huber slope clipped to -1: theta_i -= (1 - tau_i).
  learner.update(0, 0, -1.0, 1, true);
  expect_outputs(learner.outputs(0, 0), {0.125 - 0.75, 0.375 - 0.25}, 1e-6, "qr");
}

TEST(TabularTdTest, ScalarExpectedSarsaUsesEpsilonGreedyExpectation) {
  TdOptions o = options_for(HeadKind::kMse, 1.0);
  o.target = TdTarget::kExpectedSarsa;
  o.epsilon = 0.5;
  TabularTdLearner learner(2, 2, o);
  learner.update(1, 1, 2.0, 0, true);  // Q(1, 1) = 2, Q(1, 0) = 0
  // pi(1 | 1) = 0.5 + 0.5/2 = 0.75, pi(0 | 1) = 0.25: E Q = 1.5; y = 0 + 0.9 * 1.5.
  learner.update(0, 0, 0.0, 1, false);
  EXPECT_NEAR(learner.q(0, 0), 1.35, 1e-6);
  // Q-learning from the same state would give 0.9 * 2.
  o.target = TdTarget::kQLearning;
  TabularTdLearner greedy(2, 2, o);
  greedy.update(1, 1, 2.0, 0, true);
  greedy.update(0, 0, 0.0, 1, false);
  EXPECT_NEAR(greedy.q(0, 0), 1.8, 1e-6);
}

TEST(TabularTdTest, CategoricalHeadsStartAtTheInitialValue) {
  for (HeadKind head : {HeadKind::kTwoHot, HeadKind::kHlGauss, HeadKind::kC51}) {
    TdOptions o = options_for(head, 1.0);
    o.v_min = 0.0;
    o.v_max = 60.0;
    o.bins = 121;
    o.initial_value = 7.25;
    TabularTdLearner learner(3, 2, o);
    const double want = 0.99 * 7.25 + 0.01 * 30;
    for (double q : learner.q_table()) EXPECT_NEAR(q, want, 1e-4) << value::head_name(head);
  }
}

TEST(TabularTdTest, TwoHotSingleUpdateMovesLogitsByTheCrossEntropyGradient) {
  TdOptions o = options_for(HeadKind::kTwoHot, 1.0);
  o.v_min = 0.0;
  o.v_max = 2.0;
  o.bins = 3;  // atoms 0, 1, 2
  o.initial_value = 1.0;
  TabularTdLearner learner(2, 2, o);
  const std::vector<double> atoms = {0, 1, 2};
  const std::vector<double> l0 = initial_logits(3, 1);
  expect_outputs(learner.outputs(0, 0), l0, 1e-7, "start");
  EXPECT_NEAR(learner.q(0, 0), 1.0, 1e-6);  // symmetric around 1
  // Terminal, r = 1.5: p = (0, 0.5, 0.5).
  learner.update(0, 0, 1.5, 1, true);
  const std::vector<double> want = ce_step(l0, {0, 0.5, 0.5}, 1.0);
  expect_outputs(learner.outputs(0, 0), want, 1e-6, "after r = 1.5");
  const double q = decode(want, atoms);
  EXPECT_NEAR(learner.q(0, 0), q, 1e-6);
  EXPECT_GT(q, 1.0);  // moved towards y = 1.5
  EXPECT_LT(q, 1.5);
  // Non-terminal: y = 0 + 0.9 * max(Q(1, .)) = 0.9 * 1 -> p = (0.1, 0.9, 0).
  learner.update(0, 1, 0.0, 1, false);
  const std::vector<double> want2 = ce_step(l0, {0.1, 0.9, 0}, 1.0);
  expect_outputs(learner.outputs(0, 1), want2, 1e-6, "bootstrapped");
  EXPECT_LT(learner.q(0, 1), 1.0);
  EXPECT_NEAR(learner.q(0, 1), decode(want2, atoms), 1e-6);
}

TEST(TabularTdTest, HlGaussSingleUpdateMovesLogitsByTheCrossEntropyGradient) {
  TdOptions o = options_for(HeadKind::kHlGauss, 0.5);
  o.v_min = -5.0;
  o.v_max = 5.0;
  o.bins = 10;  // centres -4.5, ..., 4.5
  o.initial_value = -0.5;
  TabularTdLearner learner(1, 1, o);
  EXPECT_NEAR(learner.q(0, 0), 0.99 * -0.5, 1e-6);
  const float y = 2.0f;
  std::vector<float> p(10);
  value::hl_gauss_target(value::BinSupport(-5.0, 5.0, 10), std::span<const float>(&y, 1), p, 0.75);
  learner.update(0, 0, 2.0, 0, true);
  std::vector<double> centres(10);
  for (size_t i = 0; i < 10; ++i) centres[i] = -4.5 + static_cast<double>(i);
  const std::vector<double> want =
      ce_step(initial_logits(10, 4), std::vector<double>(p.begin(), p.end()), 0.5);
  expect_outputs(learner.outputs(0, 0), want, 1e-6, "hl_gauss");
  EXPECT_NEAR(learner.q(0, 0), decode(want, centres), 1e-5);
  EXPECT_GT(learner.q(0, 0), 0.99 * -0.5);  // moved towards 2
  EXPECT_LT(learner.q(0, 0), 2.0);
}

TEST(TabularTdTest, C51SingleUpdateUsesTheProjectedDistribution) {
  TdOptions o = options_for(HeadKind::kC51, 1.0);
  o.v_min = 0.0;
  o.v_max = 2.0;
  o.bins = 3;  // atoms 0, 1, 2
  o.gamma = 0.5;
  o.initial_value = 1.0;
  TabularTdLearner learner(2, 1, o);
  const std::vector<double> l0 = initial_logits(3, 1);
  const std::vector<double> z = softmax(l0);  // (q0, q1, q0)
  // r = 0.5, g = 0.5: Tz = 0.5, 1, 1.5 -> m = (q0/2, q0 + q1, q0/2).
  learner.update(0, 0, 0.5, 1, false);
  const std::vector<double> want = ce_step(l0, {z[0] / 2, z[0] + z[1], z[2] / 2}, 1.0);
  expect_outputs(learner.outputs(0, 0), want, 1e-6, "projected");
  EXPECT_NEAR(learner.q(0, 0), 1.0, 1e-6);  // symmetric: mean stays 1 = 0.5 + 0.5 * 1
  // Terminal with r = 2: all mass on atom 2.
  learner.update(0, 0, 2.0, 1, true);
  expect_outputs(learner.outputs(0, 0), ce_step(want, {0, 0, 1}, 1.0), 1e-6, "terminal");
  EXPECT_GT(learner.q(0, 0), 1.0);
}

TEST(TabularTdTest, C51ExpectedSarsaProjectsTheEpsilonGreedyMixture) {
  TdOptions o = options_for(HeadKind::kC51, 1.0);
  o.v_min = 0.0;
  o.v_max = 2.0;
  o.bins = 3;
  o.gamma = 1.0;
  o.initial_value = 1.0;
  o.target = TdTarget::kExpectedSarsa;
  o.epsilon = 1.0;  // uniform mixture of the actions of state 1
  TabularTdLearner learner(2, 2, o);
  const std::vector<double> l0 = initial_logits(3, 1);
  learner.update(1, 0, 2.0, 0, true);
  const std::vector<double> l10 = ce_step(l0, {0, 0, 1}, 1.0);
  // Mixture of Z(1, 0) and the untouched Z(1, 1), r = 0, g = 1: the target is the mixture.
  learner.update(0, 0, 0.0, 1, false);
  const std::vector<double> a = softmax(l10), b = softmax(l0);
  std::vector<double> mix(3);
  for (size_t i = 0; i < 3; ++i) mix[i] = 0.5 * a[i] + 0.5 * b[i];
  expect_outputs(learner.outputs(0, 0), ce_step(l0, mix, 1.0), 1e-6, "mixture");
}

// Strens' chain without slip (deterministic, so constant-step TD has an exact fixed point):
// Q* in [61.05, 100] at gamma 0.9 (range about 39).
struct ChainProblem {
  TabularMdp mdp;
  std::vector<double> q_star;
  double range = 0;
};

ChainProblem chain_problem() {
  ChainProblem p;
  p.mdp = env::chain_mdp(5, {.slip = 0.0, .end_reward = 10.0, .back_reward = 2.0});
  const ValueIterationResult vi = value_iteration(p.mdp, 0.9, 1e-10);
  p.q_star = q_from_v(p.mdp, vi.v, 0.9);
  const auto [lo, hi] = std::minmax_element(p.q_star.begin(), p.q_star.end());
  p.range = *hi - *lo;
  return p;
}

TdOptions chain_options(HeadKind head) {
  TdOptions o;
  o.head = head;
  o.gamma = 0.9;
  o.epsilon = 0.5;  // Q-learning is off-policy: broad exploration visits every pair often
  o.max_episode_steps = 50;
  o.seed = 7;
  // Returns lie in [0, 100]; the support leaves 10 on each side so that HL-Gauss's
  // renormalisation bias (a Gaussian of sd 0.75 * 120/101 = 0.9 is > 10 sd inside) is negligible
  // and no C51 target is clipped.
  o.v_min = -10.0;
  o.v_max = 110.0;
  o.bins = 101;
  o.quantiles = 11;
  // mse and huber move Q by lr times the (clipped) error; qr's quantiles by lr tau_i (clipped),
  // about half as fast, which at 0.5 left the far states unvisited by the greedy-first policy.
  o.learning_rate = head == HeadKind::kMse || head == HeadKind::kHuber ? 0.5 : 2.0;
  return o;
}

TEST(TabularTdTest, ChainQStarIsAsExpected) {
  const ChainProblem p = chain_problem();
  // Q*(4, forward) = 10 / (1 - 0.9) = 100; Q*(0, forward) = 0.9^4 * 100.
  EXPECT_NEAR(p.q_star[4 * 2 + 1], 100.0, 1e-6);
  EXPECT_NEAR(p.q_star[0 * 2 + 1], std::pow(0.9, 4) * 100, 1e-6);
}

class TabularTdConvergence : public ::testing::TestWithParam<HeadKind> {};

TEST_P(TabularTdConvergence, ConvergesToQStarWithoutNoise) {
  const ChainProblem p = chain_problem();
  const TdOptions o = chain_options(GetParam());
  const TdRun run = run_tabular_td(p.mdp, o, 100000, 10000, p.q_star);
  ASSERT_EQ(run.steps.size(), 11u);
  EXPECT_EQ(run.steps.back(), 100000);
  // The error at the start is large (every head starts at 0).
  EXPECT_GT(run.max_error.front(), 0.3 * p.range);
  // Tolerance: the transitions are deterministic, so the scalar learner's fixed point is Q*
  // exactly; the categorical ones approach theirs only as the softmax approaches the (two-point
  // or projected) target distributions, whose means are the TD target exactly (two-hot, C51
  // without clipping) or up to a negligible truncation bias (HL-Gauss, > 10 sd inside the
  // support). 1% of the range of Q* (0.39) leaves room for the slow, ~1/visits decay of the
  // softmax's residual mass on far atoms: over seeds 1..5 the worst final max errors after 100k
  // steps were 0.0000 (scalar), 0.017 (two-hot), 0.089 (HL-Gauss), 0.045 (C51).
  const double tolerance = 0.01 * p.range;
  EXPECT_LT(run.max_error.back(), tolerance)
      << value::head_name(GetParam()) << " final mean abs error " << run.mean_abs_error.back();
  EXPECT_LE(run.mean_abs_error.back(), run.max_error.back());
  EXPECT_EQ(run.q.size(), p.q_star.size());
}

INSTANTIATE_TEST_SUITE_P(TabularTd, TabularTdConvergence,
                         ::testing::Values(HeadKind::kMse, HeadKind::kHuber, HeadKind::kTwoHot,
                                           HeadKind::kHlGauss, HeadKind::kC51, HeadKind::kQr),
                         [](const auto& info) {
                           return std::string(value::head_name(info.param));
                         });

TEST(TabularTdTest, ExpectedSarsaConvergesToItsOwnFixedPointNotQStar) {
  // With epsilon 0.5, expected SARSA evaluates the epsilon-greedy policy, whose values lie
  // strictly below Q* on this chain: the learner must settle below Q*.
  const ChainProblem p = chain_problem();
  TdOptions o = chain_options(HeadKind::kMse);
  o.target = TdTarget::kExpectedSarsa;
  const TdRun run = run_tabular_td(p.mdp, o, 50000, 50000, p.q_star);
  EXPECT_GT(run.max_error.back(), 0.05 * p.range);
  for (size_t k = 0; k < run.q.size(); ++k) EXPECT_LT(run.q[k], p.q_star[k] + 1e-6) << k;
}

TEST(TabularTdTest, SameSeedGivesIdenticalQTables) {
  const ChainProblem p = chain_problem();
  for (HeadKind head : kCompareTdHeads) {
    TdOptions o = chain_options(head);
    o.reward_noise_sd = 1.0;
    const TdRun a = run_tabular_td(p.mdp, o, 3000, 1000, p.q_star);
    const TdRun b = run_tabular_td(p.mdp, o, 3000, 1000, p.q_star);
    EXPECT_EQ(a.q, b.q) << value::head_name(head);
    EXPECT_EQ(a.max_error, b.max_error);
    EXPECT_EQ(a.episodes, b.episodes);
    o.seed = 8;
    const TdRun c = run_tabular_td(p.mdp, o, 3000, 1000, p.q_star);
    EXPECT_NE(a.q, c.q) << value::head_name(head);
  }
}

TEST(TabularTdTest, CurvePointsIncludeTheLastStep) {
  const ChainProblem p = chain_problem();
  const TdRun run = run_tabular_td(p.mdp, chain_options(HeadKind::kMse), 250, 100, p.q_star);
  EXPECT_EQ(run.steps, (std::vector<int64_t>{0, 100, 200, 250}));
  EXPECT_EQ(run.episodes, 1 + 250 / 50);
}

TEST(TabularTdTest, InvalidOptionsThrow) {
  const auto expect_error = [](auto mutate, const char* text) {
    TdOptions o;
    mutate(o);
    EXPECT_THAT([&] { TabularTdLearner(2, 2, o); },
                ::testing::ThrowsMessage<Error>(HasSubstr(text)));
  };
  expect_error([](TdOptions& o) { o.learning_rate = 0; }, "learning_rate");
  expect_error([](TdOptions& o) { o.learning_rate = -1; }, "learning_rate");
  expect_error([](TdOptions& o) { o.gamma = 1.5; }, "gamma");
  expect_error([](TdOptions& o) { o.gamma = -0.1; }, "gamma");
  expect_error([](TdOptions& o) { o.bins = 1; }, "bins");
  expect_error([](TdOptions& o) { o.v_min = o.v_max = 3; }, "v_min");
  expect_error([](TdOptions& o) { o.v_min = 20; }, "v_min");  // above v_max = 10
  expect_error([](TdOptions& o) { o.reward_noise_sd = -1; }, "reward_noise_sd");
  expect_error([](TdOptions& o) { o.epsilon = 1.1; }, "epsilon");
  expect_error([](TdOptions& o) { o.epsilon = -0.1; }, "epsilon");
  expect_error([](TdOptions& o) { o.quantiles = 0; }, "quantiles");
  expect_error(
      [](TdOptions& o) {
        o.head = HeadKind::kQr;
        o.target = TdTarget::kExpectedSarsa;
      },
      "Q-learning targets only");
  expect_error(
      [](TdOptions& o) {
        o.head = HeadKind::kHlGauss;
        o.initial_value = 11;  // support [-10, 10]
      },
      "initial value 11");
  EXPECT_THROW(TabularTdLearner(0, 2, TdOptions{}), Error);
  const ChainProblem p = chain_problem();
  EXPECT_THROW(run_tabular_td(p.mdp, TdOptions{}, 10, 0, p.q_star), Error);
  EXPECT_THROW(run_tabular_td(p.mdp, TdOptions{}, -1, 1, p.q_star), Error);
  EXPECT_THROW(run_tabular_td(p.mdp, TdOptions{}, 10, 1, {1.0}), Error);
}

TEST(CompareTdTest, AggregatesEveryRepresentationNoiseAndSeed) {
  const ChainProblem p = chain_problem();
  CompareTdOptions o;
  o.base = chain_options(HeadKind::kMse);
  o.scalar_learning_rate = 0.5;
  o.categorical_learning_rate = 2.0;
  o.log_every = 1000;
  const CompareTdReport report = compare_td(p.mdp, {0.0, 5.0}, 3, 4000, o);
  EXPECT_EQ(report.steps, (std::vector<int64_t>{0, 1000, 2000, 3000, 4000}));
  EXPECT_NEAR(report.q_star_max, 100.0, 1e-6);
  ASSERT_EQ(report.cells.size(), 8u);
  for (size_t i = 0; i < report.cells.size(); ++i) {
    const CompareTdCell& cell = report.cells[i];
    EXPECT_EQ(cell.head, kCompareTdHeads[i / 2]);
    EXPECT_EQ(cell.noise_sd, i % 2 == 0 ? 0.0 : 5.0);
    ASSERT_EQ(cell.final_max_error.size(), 3u);
    double mean = 0;
    for (double e : cell.final_max_error) mean += e / 3;
    EXPECT_NEAR(cell.mean_final_max_error, mean, 1e-12);
    EXPECT_LE(cell.min_final_max_error, cell.mean_final_max_error);
    EXPECT_GE(cell.max_final_max_error, cell.mean_final_max_error);
    EXPECT_GT(cell.sd_final_max_error, 0.0);  // different seeds, different runs
    ASSERT_EQ(cell.mean_max_error_curve.size(), 5u);
    EXPECT_NEAR(cell.mean_max_error_curve.back(), mean, 1e-9);
    EXPECT_LT(cell.mean_max_error_curve.back(), cell.mean_max_error_curve.front());
  }
  // The same seed's run, done by hand, matches the first seed of the (two-hot, noise 5) cell.
  TdOptions one = o.base;
  one.head = HeadKind::kTwoHot;
  one.learning_rate = 2.0;
  one.reward_noise_sd = 5.0;
  EXPECT_EQ(run_tabular_td(p.mdp, one, 4000, 1000, p.q_star).max_error.back(),
            report.cells[3].final_max_error[0]);
  EXPECT_THROW(compare_td(p.mdp, {}, 1, 10, o), Error);
  EXPECT_THROW(compare_td(p.mdp, {-1.0}, 1, 10, o), Error);
  EXPECT_THROW(compare_td(p.mdp, {0.0}, 0, 10, o), Error);
}

}  // namespace
}  // namespace valor::dp
