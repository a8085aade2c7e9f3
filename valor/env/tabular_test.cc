#include "valor/env/tabular.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "valor/core/error.h"
#include "valor/env/chain.h"

namespace valor::env {
namespace {

using ::testing::HasSubstr;

// Three states, two actions; state 2 is terminal. Action 0 in state 0 has two outcomes with the
// same next state and different rewards.
TabularMdp small_mdp() {
  TabularMdp mdp = TabularMdp::with_shape("small", 3, 2);
  mdp.rows[0] = {{1, 0.5, 1.0}, {1, 0.2, -3.0}, {2, 0.3, 5.0}};  // (0, 0)
  mdp.rows[1] = {{0, 0.6, 0.0}, {1, 0.4, 2.0}};                  // (0, 1)
  mdp.rows[2] = {{0, 1.0, -1.0}};                                // (1, 0)
  mdp.rows[3] = {{1, 0.25, 0.0}, {2, 0.75, 4.0}};                // (1, 1)
  mdp.rows[4] = {{2, 1.0, 0.0}};                                 // (2, 0) terminal
  mdp.rows[5] = {{2, 1.0, 0.0}};                                 // (2, 1) terminal
  mdp.terminal = {false, false, true};
  mdp.initial_distribution = {0.75, 0.25, 0.0};
  mdp.action_names = {"stay", "go"};
  return mdp;
}

// Three states, two actions, no terminal states: each row a different distribution; row (2, 0)
// has next state 0 twice, with different rewards.
TabularMdp ergodic_mdp() {
  TabularMdp mdp = TabularMdp::with_shape("ergodic", 3, 2);
  mdp.rows[0] = {{0, 0.1, 0.0}, {1, 0.6, 1.0}, {2, 0.3, 2.0}};
  mdp.rows[1] = {{1, 0.5, 0.0}, {2, 0.5, 0.0}};
  mdp.rows[2] = {{0, 0.2, 0.0}, {1, 0.05, 0.0}, {2, 0.75, 0.0}};
  mdp.rows[3] = {{0, 0.7, 0.0}, {2, 0.3, 0.0}};
  mdp.rows[4] = {{0, 0.45, 0.0}, {0, 0.05, 7.0}, {1, 0.5, 0.0}};
  mdp.rows[5] = {{2, 1.0, 0.0}};
  mdp.initial_distribution = {0.2, 0.3, 0.5};
  return mdp;
}

std::string validate_error(const TabularMdp& mdp) {
  try {
    mdp.validate();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(TabularMdpTest, ValidModelPasses) {
  EXPECT_NO_THROW(small_mdp().validate());
  EXPECT_NO_THROW(ergodic_mdp().validate());
}

TEST(TabularMdpTest, RowNotSummingToOneNamesStateActionAndSum) {
  TabularMdp mdp = small_mdp();
  mdp.rows[3] = {{1, 0.25, 0.0}, {2, 0.65, 4.0}};
  const std::string message = validate_error(mdp);
  EXPECT_THAT(message, HasSubstr("'small'"));
  EXPECT_THAT(message, HasSubstr("state 1, action 1 (go)"));
  EXPECT_THAT(message, HasSubstr("sum to 0.9"));
  EXPECT_THAT(message, HasSubstr("within 1e-09"));
}

TEST(TabularMdpTest, SumToleranceIsOneInABillion) {
  TabularMdp mdp = small_mdp();
  mdp.rows[2] = {{0, 1.0 + 5e-10, -1.0}};
  EXPECT_NO_THROW(mdp.validate());
  mdp.rows[2] = {{0, 1.0 - 2e-9, -1.0}};
  EXPECT_THAT(validate_error(mdp), HasSubstr("state 1, action 0 (stay)"));
}

TEST(TabularMdpTest, BadEntriesAreCaught) {
  {
    TabularMdp mdp = small_mdp();
    mdp.rows[1] = {{0, 1.2, 0.0}, {1, -0.2, 2.0}};  // sums to 1, but negative
    EXPECT_THAT(validate_error(mdp), HasSubstr("probability -0.2 of next state 1"));
  }
  {
    TabularMdp mdp = small_mdp();
    mdp.rows[1] = {{0, std::nan(""), 0.0}, {1, 0.4, 2.0}};
    EXPECT_THAT(validate_error(mdp), HasSubstr("probability nan"));
  }
  {
    TabularMdp mdp = small_mdp();
    mdp.rows[1] = {{3, 0.6, 0.0}, {1, 0.4, 2.0}};
    EXPECT_THAT(validate_error(mdp), HasSubstr("next state 3 is out of range [0, 3)"));
  }
  {
    TabularMdp mdp = small_mdp();
    mdp.rows[1] = {{-1, 0.6, 0.0}, {1, 0.4, 2.0}};
    EXPECT_THAT(validate_error(mdp), HasSubstr("next state -1 is out of range"));
  }
  {
    TabularMdp mdp = small_mdp();
    mdp.rows[1] = {{0, 0.6, std::numeric_limits<double>::infinity()}, {1, 0.4, 2.0}};
    EXPECT_THAT(validate_error(mdp), HasSubstr("reward inf"));
  }
  {
    TabularMdp mdp = small_mdp();
    mdp.rows[1].clear();
    EXPECT_THAT(validate_error(mdp), HasSubstr("state 0, action 1 (go): the row has no outcomes"));
  }
}

TEST(TabularMdpTest, ShapesAreChecked) {
  {
    TabularMdp mdp = small_mdp();
    mdp.rows.pop_back();
    EXPECT_THAT(validate_error(mdp), HasSubstr("rows has 5 entries"));
  }
  {
    TabularMdp mdp = small_mdp();
    mdp.terminal.push_back(false);
    EXPECT_THAT(validate_error(mdp), HasSubstr("terminal has 4 entries"));
  }
  {
    TabularMdp mdp = small_mdp();
    mdp.state_labels = {"a"};
    EXPECT_THAT(validate_error(mdp), HasSubstr("state_labels has 1 entries"));
  }
  {
    TabularMdp mdp = small_mdp();
    mdp.picture = {"abc"};
    mdp.state_cells = {{0, 0}, {0, 1}, {0, 3}};
    EXPECT_THAT(validate_error(mdp), HasSubstr("state 2 is drawn at row 0, column 3"));
  }
  EXPECT_THAT(validate_error(TabularMdp::with_shape("none", 0, 2)),
              HasSubstr("needs at least one state"));
}

TEST(TabularMdpTest, TerminalRowsMustBeZeroRewardSelfLoops) {
  TabularMdp mdp = small_mdp();
  mdp.rows[5] = {{2, 1.0, 1.0}};
  EXPECT_THAT(validate_error(mdp), HasSubstr("state 2, action 1 (go): the state is terminal"));
  mdp.rows[5] = {{2, 0.5, 0.0}, {0, 0.5, 0.0}};
  EXPECT_THAT(validate_error(mdp), HasSubstr("the state is terminal"));
}

TEST(TabularMdpTest, InitialDistributionIsChecked) {
  {
    TabularMdp mdp = small_mdp();
    mdp.initial_distribution = {0.75, 0.0, 0.25};
    EXPECT_THAT(validate_error(mdp), HasSubstr("on state 2, which is terminal"));
  }
  {
    TabularMdp mdp = small_mdp();
    mdp.initial_distribution = {0.5, 0.25, 0.0};
    EXPECT_THAT(validate_error(mdp), HasSubstr("initial probabilities sum to 0.75"));
  }
  {
    TabularMdp mdp = small_mdp();
    mdp.initial_distribution = {1.5, -0.5, 0.0};
    EXPECT_THAT(validate_error(mdp), HasSubstr("initial probability -0.5 of state 1"));
  }
}

TEST(TabularMdpTest, Accessors) {
  const TabularMdp mdp = small_mdp();
  EXPECT_EQ(mdp.row(0, 0).size(), 3u);
  EXPECT_EQ(mdp.row(1, 1)[1].next_state, 2);
  EXPECT_DOUBLE_EQ(mdp.expected_reward(0, 0), 0.5 * 1.0 + 0.2 * -3.0 + 0.3 * 5.0);
  EXPECT_DOUBLE_EQ(mdp.expected_reward(1, 1), 3.0);
  EXPECT_DOUBLE_EQ(mdp.probability(0, 0, 1), 0.7);
  EXPECT_DOUBLE_EQ(mdp.probability(0, 0, 0), 0.0);
  EXPECT_EQ(mdp.state_name(1), "1");
  EXPECT_EQ(mdp.action_name(1), "go");
}

TEST(TabularEnvTest, SpecAndOneHotObservation) {
  TabularEnv env(small_mdp(), 0, 3);
  EXPECT_EQ(env.spec().name, "small");
  EXPECT_EQ(env.spec().obs_shape, std::vector<int>{3});
  EXPECT_EQ(env.spec().num_actions, 2);
  EXPECT_EQ(env.spec().obs_low, std::vector<float>(3, 0.0f));
  EXPECT_EQ(env.spec().obs_high, std::vector<float>(3, 1.0f));
  EXPECT_EQ(env.state(), -1);
  std::vector<float> obs(3, -1.0f);
  EXPECT_THROW(env.observe(obs), Error);
  env.reset();
  env.observe(obs);
  for (int s = 0; s < 3; ++s) EXPECT_EQ(obs[static_cast<size_t>(s)], s == env.state() ? 1 : 0);
  EXPECT_EQ(env.render(), "state " + std::to_string(env.state()) + "\n");
}

TEST(TabularEnvTest, ConstructorValidates) {
  TabularMdp bad = small_mdp();
  bad.rows[0][0].probability = 0.4;
  EXPECT_THROW(TabularEnv env(bad), Error);
  EXPECT_THROW(TabularEnv env(small_mdp(), -1), Error);
}

// Empirical frequencies of (s, a) -> (s', r) over 10^5 steps match the model within five
// standard errors, sqrt(p (1 - p) / n), per outcome.
TEST(TabularEnvTest, EmpiricalTransitionFrequenciesMatchModel) {
  const TabularMdp mdp = ergodic_mdp();
  TabularEnv env(mdp, 0, 12345);
  env.reset();
  // counts[s][a][k]: how often outcome k of row (s, a) happened, identified by (s', r).
  std::vector<std::vector<int>> counts(mdp.rows.size());
  for (size_t k = 0; k < mdp.rows.size(); ++k) counts[k].assign(mdp.rows[k].size(), 0);
  std::vector<int> visits(mdp.rows.size(), 0);
  Rng policy(99);
  const int steps = 100000;
  for (int t = 0; t < steps; ++t) {
    const int s = env.state();
    const int a = static_cast<int>(policy.below(2));
    const StepResult result = env.step(a);
    ASSERT_FALSE(result.terminated);
    ASSERT_FALSE(result.truncated);
    const size_t row = static_cast<size_t>(s * 2 + a);
    ++visits[row];
    bool found = false;
    for (size_t k = 0; k < mdp.rows[row].size(); ++k) {
      const Transition& outcome = mdp.rows[row][k];
      if (outcome.next_state == env.state() &&
          static_cast<float>(outcome.reward) == result.reward) {
        ++counts[row][k];
        found = true;
      }
    }
    ASSERT_TRUE(found) << "step from " << s << " with " << a << " gave an outcome not in the row";
  }
  for (size_t row = 0; row < mdp.rows.size(); ++row) {
    ASSERT_GT(visits[row], 5000) << "row " << row;
    const double n = visits[row];
    for (size_t k = 0; k < mdp.rows[row].size(); ++k) {
      const double p = mdp.rows[row][k].probability;
      const double frequency = counts[row][k] / n;
      EXPECT_NEAR(frequency, p, 5.0 * std::sqrt(p * (1 - p) / n)) << "row " << row << " k " << k;
    }
  }
}

TEST(TabularEnvTest, InitialStateFrequenciesMatchDistribution) {
  const TabularMdp mdp = ergodic_mdp();
  TabularEnv env(mdp, 0, 7);
  std::vector<int> counts(3, 0);
  const int n = 100000;
  for (int i = 0; i < n; ++i) {
    env.reset();
    ++counts[static_cast<size_t>(env.state())];
  }
  for (size_t s = 0; s < 3; ++s) {
    const double p = mdp.initial_distribution[s];
    EXPECT_NEAR(counts[s] / static_cast<double>(n), p, 5.0 * std::sqrt(p * (1 - p) / n));
  }
}

TEST(TabularEnvTest, ZeroProbabilityOutcomesAreNeverSampled) {
  TabularMdp mdp = TabularMdp::with_shape("zeros", 3, 1);
  mdp.rows[0] = {{0, 0.0, 0.0}, {1, 1.0, 0.0}, {2, 0.0, 0.0}};
  mdp.rows[1] = {{0, 1.0, 0.0}, {2, 0.0, 0.0}};
  mdp.rows[2] = {{2, 1.0, 0.0}};
  mdp.initial_distribution = {1.0, 0.0, 0.0};
  TabularEnv env(mdp, 0, 1);
  env.reset();
  for (int t = 0; t < 10000; ++t) {
    const int s = env.state();
    env.step(0);
    ASSERT_EQ(env.state(), 1 - s);
  }
}

std::vector<int> trajectory(TabularEnv& env, int episodes) {
  std::vector<int> states;
  for (int e = 0; e < episodes; ++e) {
    env.reset();
    states.push_back(env.state());
    for (int t = 0; t < 20; ++t) {
      env.step(t % 2);
      states.push_back(env.state());
    }
  }
  return states;
}

TEST(TabularEnvTest, SeedDeterminesResetsAndSteps) {
  TabularEnv a(ergodic_mdp(), 0, 5);
  TabularEnv b(ergodic_mdp(), 0, 0);
  b.seed(5);
  const std::vector<int> first = trajectory(a, 10);
  EXPECT_EQ(first, trajectory(b, 10));
  a.seed(5);
  EXPECT_EQ(first, trajectory(a, 10));
  a.seed(6);
  EXPECT_NE(first, trajectory(a, 10));
}

TEST(TabularEnvTest, EpisodeEndsOnEnteringTerminalState) {
  TabularMdp mdp = small_mdp();
  mdp.initial_distribution = {0.0, 1.0, 0.0};
  mdp.rows[3] = {{2, 1.0, 4.0}};  // (1, go) -> terminal 2 with reward 4
  TabularEnv env(mdp, 0, 0);
  env.reset();
  EXPECT_EQ(env.state(), 1);
  const StepResult result = env.step(1);
  EXPECT_EQ(env.state(), 2);
  EXPECT_TRUE(result.terminated);
  EXPECT_FALSE(result.truncated);
  EXPECT_EQ(result.reward, 4.0f);
  EXPECT_EQ(env.elapsed_steps(), 1);
  try {
    env.step(0);
    ADD_FAILURE() << "stepping after the end must throw";
  } catch (const Error& e) {
    EXPECT_THAT(std::string(e.what()), HasSubstr("after the episode ended; call reset()"));
  }
  env.reset();
  EXPECT_EQ(env.state(), 1);
  EXPECT_EQ(env.elapsed_steps(), 0);
}

TEST(TabularEnvTest, TimeLimitTruncates) {
  TabularEnv env(ergodic_mdp(), 3, 0);
  env.reset();
  EXPECT_FALSE(env.step(0).truncated);
  EXPECT_FALSE(env.step(0).truncated);
  const StepResult last = env.step(0);
  EXPECT_TRUE(last.truncated);
  EXPECT_FALSE(last.terminated);
  EXPECT_EQ(env.spec().max_episode_steps, 3);
  EXPECT_THROW(env.step(0), Error);
  env.reset();
  EXPECT_FALSE(env.step(1).truncated);
}

TEST(TabularEnvTest, BadActionsAndMissingResetThrow) {
  TabularEnv env(small_mdp(), 0, 0);
  try {
    env.step(0);
    ADD_FAILURE() << "step before reset must throw";
  } catch (const Error& e) {
    EXPECT_THAT(std::string(e.what()), HasSubstr("before reset()"));
  }
  env.reset();
  try {
    env.step(2);
    ADD_FAILURE() << "action 2 must throw";
  } catch (const Error& e) {
    EXPECT_THAT(std::string(e.what()),
                HasSubstr("action 2 is out of range; the actions are 0 to 1"));
  }
  EXPECT_THROW(env.step(-1), Error);
}

// --- chain.h ---

TEST(ChainTest, ModelIsStrensChain) {
  const TabularMdp mdp = chain_mdp(5);
  EXPECT_EQ(mdp.num_states, 5);
  EXPECT_EQ(mdp.num_actions, 2);
  EXPECT_EQ(mdp.action_name(kChainBack), "back");
  EXPECT_EQ(mdp.action_name(kChainForward), "forward");
  EXPECT_EQ(mdp.initial_distribution, (std::vector<double>{1, 0, 0, 0, 0}));
  EXPECT_EQ(mdp.terminal, std::vector<bool>(5, false));
  for (int s = 0; s < 4; ++s) {
    // forward: s + 1 with 0.8 and reward 0; slips back to 0 with 0.2 and reward 2.
    EXPECT_DOUBLE_EQ(mdp.probability(s, kChainForward, s + 1), 0.8) << s;
    EXPECT_DOUBLE_EQ(mdp.probability(s, kChainForward, 0), 0.2) << s;
    EXPECT_DOUBLE_EQ(mdp.expected_reward(s, kChainForward), 0.2 * 2.0) << s;
    // back: to 0 with 0.8 and reward 2; slips forward with 0.2 and reward 0.
    EXPECT_DOUBLE_EQ(mdp.probability(s, kChainBack, 0), 0.8) << s;
    EXPECT_DOUBLE_EQ(mdp.probability(s, kChainBack, s + 1), 0.2) << s;
    EXPECT_DOUBLE_EQ(mdp.expected_reward(s, kChainBack), 0.8 * 2.0) << s;
  }
  EXPECT_DOUBLE_EQ(mdp.probability(4, kChainForward, 4), 0.8);
  EXPECT_DOUBLE_EQ(mdp.expected_reward(4, kChainForward), 0.8 * 10.0 + 0.2 * 2.0);
  EXPECT_DOUBLE_EQ(mdp.expected_reward(4, kChainBack), 0.8 * 2.0 + 0.2 * 10.0);
}

TEST(ChainTest, OptionsAndArgumentsAreChecked) {
  const TabularMdp mdp = chain_mdp(3, {.slip = 0.0, .end_reward = 5.0, .back_reward = 1.0});
  EXPECT_EQ(mdp.row(1, kChainForward).size(), 1u);
  EXPECT_DOUBLE_EQ(mdp.expected_reward(2, kChainForward), 5.0);
  EXPECT_DOUBLE_EQ(mdp.expected_reward(2, kChainBack), 1.0);
  EXPECT_THROW(chain_mdp(1), Error);
  EXPECT_THROW(chain_mdp(5, {.slip = 1.5}), Error);
  EXPECT_THROW(chain_mdp(5, {.slip = std::nan("")}), Error);
  EXPECT_THROW(chain_mdp(5, {.end_reward = std::numeric_limits<double>::infinity()}), Error);
}

TEST(ChainTest, EnvRunsWithTimeLimit) {
  TabularEnv env(chain_mdp(5, {.slip = 0.0}), 10, 0);
  env.reset();
  float total = 0.0f;
  StepResult result;
  for (int t = 0; t < 10; ++t) {
    result = env.step(kChainForward);
    total += result.reward;
  }
  EXPECT_TRUE(result.truncated);
  EXPECT_EQ(env.state(), 4);
  EXPECT_EQ(total, 10.0f * 6);  // four steps to the end, then six at 10
}

}  // namespace
}  // namespace valor::env
