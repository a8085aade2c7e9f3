#include "valor/dp/distributional.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <vector>

#include "valor/core/error.h"
#include "valor/env/garnet.h"
#include "valor/env/gridworld.h"
#include "valor/value/categorical_projection.h"

namespace valor::dp {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::ThrowsMessage;

// A fixed, non-trivial policy: action s mod A.
Policy cyclic_policy(const TabularMdp& mdp) {
  Policy policy(static_cast<size_t>(mdp.num_states));
  for (int s = 0; s < mdp.num_states; ++s) policy[static_cast<size_t>(s)] = s % mdp.num_actions;
  return policy;
}

// States 0, 1 and the terminal 2. From 0: to 1 with reward 1, or to 2 with reward 0 (1/2 each).
// From 1: back to 0 with reward -1, or to 2 with reward 3 (1/2 each). The return from 0 is 0
// with probability 2/3 and 4 with probability 1/3 (each visit of the loop 0 -> 1 -> 0 adds 0).
TabularMdp loop_mdp() {
  TabularMdp mdp = TabularMdp::with_shape("loop", 3, 1);
  mdp.rows[0] = {{1, 0.5, 1.0}, {2, 0.5, 0.0}};
  mdp.rows[1] = {{0, 0.5, -1.0}, {2, 0.5, 3.0}};
  mdp.rows[2] = {{2, 1.0, 0.0}};
  mdp.terminal = {false, false, true};
  mdp.initial_distribution = {1.0, 0.0, 0.0};
  mdp.validate();
  return mdp;
}

TEST(CategoricalPolicyEvaluation, MeanEqualsExactValueOnGarnet) {
  for (uint64_t seed : {1u, 2u, 3u}) {
    const TabularMdp mdp = env::garnet_mdp(20, 3, 4, seed);
    const Policy policy = cyclic_policy(mdp);
    const value::AtomSupport support(0.0, 10.0, 201);
    const CategoricalResult result = categorical_policy_evaluation(mdp, policy, 0.9, support);
    EXPECT_TRUE(result.converged);
    EXPECT_GT(result.iterations, 10);
    const std::vector<double> v = evaluate_policy(mdp, policy, 0.9);
    const std::vector<double> means = result.means();
    ASSERT_EQ(means.size(), v.size());
    for (size_t s = 0; s < v.size(); ++s) {
      EXPECT_NEAR(means[s], v[s], 1e-6) << "seed " << seed << " state " << s;
      EXPECT_NEAR(result.mean(static_cast<int>(s)), v[s], 1e-6);
    }
  }
}

TEST(CategoricalPolicyEvaluation, NarrowSupportClipsTheMean) {
  const TabularMdp mdp = env::garnet_mdp(20, 3, 4, 7);
  const Policy policy = cyclic_policy(mdp);
  const std::vector<double> v = evaluate_policy(mdp, policy, 0.9);
  const value::AtomSupport narrow(0.0, 3.0, 61);
  const CategoricalResult result = categorical_policy_evaluation(mdp, policy, 0.9, narrow);
  double max_gap = 0.0;
  for (int s = 0; s < mdp.num_states; ++s) {
    EXPECT_LE(result.mean(s), 3.0 + 1e-12);
    max_gap = std::max(max_gap, std::abs(result.mean(s) - v[static_cast<size_t>(s)]));
  }
  EXPECT_GT(max_gap, 0.5);
}

TEST(CategoricalPolicyEvaluation, RowsAreDistributions) {
  const TabularMdp mdp = env::garnet_mdp(15, 2, 3, 11);
  const value::AtomSupport support(-1.0, 8.0, 51);
  const CategoricalResult result =
      categorical_policy_evaluation(mdp, cyclic_policy(mdp), 0.85, support);
  ASSERT_EQ(result.probabilities.size(), 15u * 51u);
  ASSERT_EQ(result.atoms.size(), 51u);
  for (int s = 0; s < mdp.num_states; ++s) {
    double sum = 0.0;
    for (double p : result.distribution(s)) {
      EXPECT_GE(p, 0.0);
      sum += p;
    }
    EXPECT_NEAR(sum, 1.0, 1e-9) << "state " << s;
  }
}

TEST(CategoricalPolicyEvaluation, FixedPointOfTheProjectedOperator) {
  // One more application of the C51 projection (value::project_categorical, in float) to the
  // fixed point returns it up to float rounding.
  const TabularMdp mdp = env::garnet_mdp(6, 2, 3, 5);
  const Policy policy = cyclic_policy(mdp);
  const value::AtomSupport support(0.0, 10.0, 41);
  const double gamma = 0.8;
  const CategoricalResult result = categorical_policy_evaluation(mdp, policy, gamma, support);
  const size_t m = support.size();
  for (int s = 0; s < mdp.num_states; ++s) {
    std::vector<double> applied(m, 0.0);
    for (const env::Transition& t : mdp.row(s, policy[static_cast<size_t>(s)])) {
      std::vector<float> q(m);
      const std::span<const double> next = result.distribution(t.next_state);
      for (size_t i = 0; i < m; ++i) q[i] = static_cast<float>(next[i]);
      const std::vector<float> reward = {static_cast<float>(t.reward)};
      const std::vector<float> discount = {static_cast<float>(gamma)};
      std::vector<float> out(m);
      value::project_categorical(support, q, reward, discount, out);
      for (size_t i = 0; i < m; ++i) applied[i] += t.probability * out[i];
    }
    const std::span<const double> eta = result.distribution(s);
    for (size_t i = 0; i < m; ++i) EXPECT_NEAR(applied[i], eta[i], 1e-5) << s << " " << i;
  }
}

TEST(CategoricalPolicyEvaluation, TerminalStatesHoldThePointMassAtZero) {
  const TabularMdp mdp = loop_mdp();
  const value::AtomSupport support(-4.0, 8.0, 13);  // atoms -4, -3, ..., 8
  const CategoricalResult result = categorical_policy_evaluation(mdp, {0, 0, 0}, 0.9, support);
  const std::span<const double> terminal = result.distribution(2);
  for (size_t i = 0; i < 13; ++i) EXPECT_EQ(terminal[i], i == 4 ? 1.0 : 0.0);
  const std::vector<double> v = evaluate_policy(mdp, {0, 0, 0}, 0.9);
  for (int s = 0; s < 3; ++s) EXPECT_NEAR(result.mean(s), v[static_cast<size_t>(s)], 1e-9);
}

TEST(CategoricalPolicyEvaluation, Errors) {
  const TabularMdp mdp = env::garnet_mdp(5, 2, 2, 1);
  const Policy policy = cyclic_policy(mdp);
  const value::AtomSupport support(0.0, 10.0, 21);
  EXPECT_THAT([&] { categorical_policy_evaluation(mdp, policy, 1.0, support); },
              ThrowsMessage<Error>(HasSubstr("gamma")));
  EXPECT_THROW(categorical_policy_evaluation(mdp, policy, -0.1, support), Error);
  EXPECT_THROW(categorical_policy_evaluation(mdp, policy, std::nan(""), support), Error);
  EXPECT_THROW(categorical_policy_evaluation(mdp, {0, 1}, 0.9, support), Error);
  EXPECT_THROW(categorical_policy_evaluation(mdp, {0, 1, 2, 0, 1}, 0.9, support), Error);
  EXPECT_THAT([&] { categorical_policy_evaluation(mdp, policy, 0.9, support, 1e-12, 3); },
              ThrowsMessage<Error>(HasSubstr("3 iterations")));
  const std::vector<double> p = {0.5, 0.5};
  const std::vector<double> z = {0.0, 1.0, 2.0};
  EXPECT_THROW(categorical_mean(p, z), Error);
  EXPECT_DOUBLE_EQ(categorical_mean(p, std::span<const double>(z).first(2)), 0.5);
}

TEST(ExactReturnDistribution, HandComputedLoop) {
  const TabularMdp mdp = loop_mdp();
  const ExactReturnPmf pmf = exact_return_distribution(mdp, {0, 0, 0}, 0, 200);
  ASSERT_EQ(pmf.probabilities.size(), 2u);
  EXPECT_NEAR(pmf.probabilities.at(0), 2.0 / 3.0, 1e-12);
  EXPECT_NEAR(pmf.probabilities.at(4), 1.0 / 3.0, 1e-12);
  EXPECT_LT(pmf.unfinished_mass, 1e-50);
  EXPECT_NEAR(pmf.finished_distribution().mean(), 4.0 / 3.0, 1e-12);

  // After 3 steps: 0 (1/2, one step), 4 (1/4, two steps), 0 (1/8, three steps); 1/8 running.
  const ExactReturnPmf short_pmf = exact_return_distribution(mdp, {0, 0, 0}, 0, 3);
  EXPECT_DOUBLE_EQ(short_pmf.probabilities.at(0), 0.625);
  EXPECT_DOUBLE_EQ(short_pmf.probabilities.at(4), 0.25);
  EXPECT_DOUBLE_EQ(short_pmf.unfinished_mass, 0.125);
  EXPECT_DOUBLE_EQ(short_pmf.finished_mass(), 0.875);

  // From the terminal state: the point mass at 0.
  const ExactReturnPmf terminal = exact_return_distribution(mdp, {0, 0, 0}, 2, 1);
  ASSERT_EQ(terminal.probabilities.size(), 1u);
  EXPECT_EQ(terminal.probabilities.at(0), 1.0);
  EXPECT_EQ(terminal.unfinished_mass, 0.0);
}

TEST(ExactReturnDistribution, CliffOptimalPathIsAPointMass) {
  const TabularMdp mdp = env::gridworld_preset_mdp("cliff");
  // States are numbered row by row over non-cliff cells: rows 0..2 have 12 states each, then
  // S = 36 and G = 37. Optimal path from S: up, right along row 2, down at its end.
  Policy policy(static_cast<size_t>(mdp.num_states), env::kGridworldRight);
  // Down in the last column (states 11, 23, 35), so that every state reaches the goal.
  policy[11] = policy[23] = policy[35] = env::kGridworldDown;
  policy[36] = env::kGridworldUp;
  ASSERT_EQ(mdp.state_name(36), "(3,0)");
  ASSERT_EQ(mdp.state_name(35), "(2,11)");
  const ExactReturnPmf pmf = exact_return_distribution(mdp, policy, 36, 100);
  ASSERT_EQ(pmf.probabilities.size(), 1u);
  EXPECT_EQ(pmf.probabilities.at(-13), 1.0);
  EXPECT_EQ(pmf.unfinished_mass, 0.0);
  const value::ReturnDistribution d = pmf.finished_distribution();
  EXPECT_EQ(d.quantile(0.5), -13);
  EXPECT_DOUBLE_EQ(d.cvar(0.1), -13.0);
  EXPECT_DOUBLE_EQ(d.sd(), 0.0);
  const std::vector<double> v = evaluate_policy(mdp, policy, 1.0);
  EXPECT_NEAR(d.mean(), v[36], 1e-9);
}

TEST(ExactReturnDistribution, SlipperyCostMapMatchesExactValue) {
  env::GridworldOptions options;
  options.slip = 0.2;
  options.step_reward = -1;
  options.goal_reward = 0;
  options.trap_reward = -5;
  const TabularMdp mdp = env::gridworld_from_map("S1.\n.2T\n..G\n", options, "costs");
  // Right along the rows, down in the last column: reaches G or T with probability 1.
  Policy policy(static_cast<size_t>(mdp.num_states), env::kGridworldRight);
  for (int s = 0; s < mdp.num_states; ++s) {
    if (mdp.state_name(s).ends_with(",2)")) policy[static_cast<size_t>(s)] = env::kGridworldDown;
  }
  const std::vector<double> v = evaluate_policy(mdp, policy, 1.0);
  for (int s = 0; s < mdp.num_states; ++s) {
    const ExactReturnPmf pmf = exact_return_distribution(mdp, policy, s, 400);
    EXPECT_LT(pmf.unfinished_mass, 1e-13) << mdp.state_name(s);
    EXPECT_NEAR(pmf.finished_mass() + pmf.unfinished_mass, 1.0, 1e-12);
    const value::ReturnDistribution d = pmf.finished_distribution();
    EXPECT_NEAR(d.mean(), v[static_cast<size_t>(s)], 1e-9) << mdp.state_name(s);
    for (const auto& [g, p] : pmf.probabilities) EXPECT_GE(p, 0.0) << g;
    if (!mdp.terminal[static_cast<size_t>(s)]) {
      EXPECT_GT(pmf.probabilities.size(), 3u);
      EXPECT_GT(d.sd(), 0.0);
      EXPECT_LE(d.cvar(0.1), d.mean());
      EXPECT_LE(d.quantile(0.1), d.quantile(0.9));
    }
  }
}

TEST(ExactReturnDistribution, FromInitialMixesTheStartStates) {
  TabularMdp mdp = loop_mdp();
  mdp.initial_distribution = {0.25, 0.75, 0.0};
  for (int steps : {3, 200}) {
    const ExactReturnPmf mix = exact_return_distribution_from_initial(mdp, {0, 0, 0}, steps);
    const ExactReturnPmf from0 = exact_return_distribution(mdp, {0, 0, 0}, 0, steps);
    const ExactReturnPmf from1 = exact_return_distribution(mdp, {0, 0, 0}, 1, steps);
    std::map<int64_t, double> expected;
    for (const auto& [g, p] : from0.probabilities) expected[g] += 0.25 * p;
    for (const auto& [g, p] : from1.probabilities) expected[g] += 0.75 * p;
    ASSERT_EQ(mix.probabilities.size(), expected.size()) << steps;
    for (const auto& [g, p] : expected) EXPECT_NEAR(mix.probabilities.at(g), p, 1e-15) << g;
    EXPECT_NEAR(mix.unfinished_mass, 0.25 * from0.unfinished_mass + 0.75 * from1.unfinished_mass,
                1e-15);
  }
  // From 1 the return is -1 (1/3) or 3 (2/3); from 0 it is 0 (2/3) or 4 (1/3).
  const value::ReturnDistribution d =
      exact_return_distribution_from_initial(mdp, {0, 0, 0}, 200).finished_distribution();
  EXPECT_NEAR(d.mean(), 0.25 * 4.0 / 3.0 + 0.75 * (-1.0 / 3.0 + 2.0), 1e-12);
  EXPECT_EQ(d.min(), -1.0);
  EXPECT_EQ(d.max(), 4.0);
}

TEST(ReturnPmf, NoFinishedMassIsAnErrorThatSaysWhatToDo) {
  ExactReturnPmf pmf;
  pmf.unfinished_mass = 1.0;
  EXPECT_THAT([&] { pmf.finished_distribution(); },
              ThrowsMessage<Error>(AllOf(HasSubstr("no finished mass"), HasSubstr("max_steps"))));
}

TEST(DiscountedReturnBounds, HoldEveryReturn) {
  const TabularMdp mdp = loop_mdp();  // rewards -1, 0, 1, 3
  const ReturnBounds b = discounted_return_bounds(mdp, 0.5);
  EXPECT_DOUBLE_EQ(b.lo, -2.0);
  EXPECT_DOUBLE_EQ(b.hi, 6.0);
  TabularMdp zero = mdp;
  for (auto& row : zero.rows) {
    for (auto& t : row) t.reward = 0.0;
  }
  const ReturnBounds z = discounted_return_bounds(zero, 0.9);
  EXPECT_EQ(z.lo, 0.0);
  EXPECT_DOUBLE_EQ(z.hi, 1e-6);  // never empty
  EXPECT_THROW(discounted_return_bounds(mdp, 1.0), Error);
  EXPECT_THROW(discounted_return_bounds(mdp, -0.1), Error);
}

TEST(CategoricalReturnDistribution, MixtureMeanIsTheValueOfTheInitialDistribution) {
  for (uint64_t seed : {1u, 2u}) {
    const TabularMdp mdp = env::garnet_mdp(20, 3, 4, seed);
    const Policy policy = cyclic_policy(mdp);
    const ReturnBounds b = discounted_return_bounds(mdp, 0.9);
    const value::AtomSupport support(b.lo, b.hi, 401);
    const value::ReturnDistribution d = categorical_return_distribution(mdp, policy, 0.9, support);
    const std::vector<double> v = evaluate_policy(mdp, policy, 0.9);
    double objective = 0.0;
    for (size_t s = 0; s < v.size(); ++s) objective += mdp.initial_distribution[s] * v[s];
    EXPECT_NEAR(d.mean(), objective, 1e-6) << seed;
    EXPECT_GE(d.min(), support.v_min());
    EXPECT_LE(d.max(), support.v_max());
    EXPECT_LE(d.cvar(0.1), d.mean());
  }
}

TEST(ExactReturnDistribution, Errors) {
  TabularMdp mdp = loop_mdp();
  EXPECT_THROW(exact_return_distribution(mdp, {0, 0, 0}, 0, 0), Error);
  EXPECT_THROW(exact_return_distribution(mdp, {0, 0, 0}, 3, 10), Error);
  EXPECT_THROW(exact_return_distribution(mdp, {0, 1, 0}, 0, 10), Error);
  EXPECT_THROW(exact_return_distribution(mdp, {0, 0}, 0, 10), Error);
  mdp.rows[1][1].reward = 2.5;
  EXPECT_THAT(
      [&] {
        exact_return_distribution(mdp, {0, 0, 0}, 0, 10);
      },
      ThrowsMessage<Error>(AllOf(HasSubstr("state 1"), HasSubstr("action 0"), HasSubstr("2.5"),
                                 HasSubstr("integer"))));
  const TabularMdp garnet = env::garnet_mdp(4, 2, 2, 3);
  EXPECT_THROW(exact_return_distribution(garnet, {0, 0, 0, 0}, 0, 10), Error);
}

TEST(ReturnPmf, Statistics) {
  ExactReturnPmf pmf;
  pmf.probabilities = {{-2, 0.1}, {0, 0.4}, {3, 0.5}};
  EXPECT_DOUBLE_EQ(pmf.finished_mass(), 1.0);
  const value::ReturnDistribution d = pmf.finished_distribution();
  EXPECT_NEAR(d.mean(), 1.3, 1e-12);
  EXPECT_NEAR(d.sd(), std::sqrt(3.21), 1e-12);
  EXPECT_EQ(d.quantile(0.0), -2);
  EXPECT_EQ(d.quantile(0.05), -2);
  EXPECT_EQ(d.quantile(0.1), -2);
  EXPECT_EQ(d.quantile(0.3), 0);
  EXPECT_EQ(d.quantile(0.5), 0);
  EXPECT_EQ(d.quantile(0.51), 3);
  EXPECT_EQ(d.quantile(1.0), 3);
  EXPECT_NEAR(d.cvar(0.05), -2.0, 1e-12);
  EXPECT_NEAR(d.cvar(0.1), -2.0, 1e-12);
  EXPECT_NEAR(d.cvar(0.3), -2.0 / 3.0, 1e-12);
  EXPECT_NEAR(d.cvar(0.6), 1.0 / 6.0, 1e-12);
  EXPECT_NEAR(d.cvar(1.0), 1.3, 1e-12);
  EXPECT_THROW(d.quantile(1.5), Error);
  EXPECT_THROW(d.quantile(-0.1), Error);
  EXPECT_THROW(d.cvar(0.0), Error);
  EXPECT_THROW(d.cvar(1.1), Error);
}

TEST(ReturnPmf, ConditionsOnFinishedEpisodes) {
  ExactReturnPmf pmf;
  pmf.probabilities = {{1, 0.25}, {5, 0.25}};
  pmf.unfinished_mass = 0.5;
  const value::ReturnDistribution d = pmf.finished_distribution();
  EXPECT_DOUBLE_EQ(d.mean(), 3.0);
  EXPECT_DOUBLE_EQ(d.sd(), 2.0);
  EXPECT_EQ(d.quantile(0.5), 1);
  EXPECT_DOUBLE_EQ(d.cvar(0.5), 1.0);
  const ExactReturnPmf empty;
  EXPECT_THROW(empty.finished_distribution(), Error);
}

}  // namespace
}  // namespace valor::dp
