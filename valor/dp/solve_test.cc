#include "valor/dp/solve.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "valor/core/error.h"
#include "valor/env/garnet.h"
#include "valor/env/gridworld.h"

namespace valor::dp {
namespace {

using env::TabularMdp;
using ::testing::HasSubstr;

double max_abs_diff(const std::vector<double>& a, const std::vector<double>& b) {
  EXPECT_EQ(a.size(), b.size());
  double d = 0.0;
  for (size_t i = 0; i < a.size(); ++i) d = std::max(d, std::abs(a[i] - b[i]));
  return d;
}

int start_state(const TabularMdp& mdp) {
  for (int s = 0; s < mdp.num_states; ++s) {
    if (mdp.initial_distribution[static_cast<size_t>(s)] > 0.0) return s;
  }
  return -1;
}

// Two states, one action each... and a second action. State 0: action 0 stays with reward 1
// (p 0.5) or moves to 1 with reward 0 (p 0.5); action 1 moves to 1 with reward 2. State 1:
// action 0 returns to 0 with reward 3; action 1 stays with reward 0.
TabularMdp two_state_mdp() {
  TabularMdp mdp = TabularMdp::with_shape("two-state", 2, 2);
  mdp.rows[0] = {{0, 0.5, 1.0}, {1, 0.5, 0.0}};
  mdp.rows[1] = {{1, 1.0, 2.0}};
  mdp.rows[2] = {{0, 1.0, 3.0}};
  mdp.rows[3] = {{1, 1.0, 0.0}};
  mdp.initial_distribution = {1.0, 0.0};
  mdp.validate();
  return mdp;
}

// Iterates the Bellman expectation operator of a deterministic policy to convergence.
std::vector<double> iterate_policy(const TabularMdp& mdp, const Policy& policy, double gamma) {
  std::vector<double> v(static_cast<size_t>(mdp.num_states), 0.0);
  for (int it = 0; it < 100000; ++it) {
    std::vector<double> next(v.size(), 0.0);
    for (int s = 0; s < mdp.num_states; ++s) {
      for (const auto& t : mdp.row(s, policy[static_cast<size_t>(s)])) {
        next[static_cast<size_t>(s)] +=
            t.probability * (t.reward + gamma * v[static_cast<size_t>(t.next_state)]);
      }
    }
    const double d = max_abs_diff(v, next);
    v = next;
    if (d < 1e-14) break;
  }
  return v;
}

TEST(EvaluatePolicy, MatchesHandComputedTwoStateMdp) {
  // Policy (0, 0), gamma 0.9:
  //   V0 = 0.5 (1 + 0.9 V0) + 0.5 (0 + 0.9 V1)  ->  0.55 V0 - 0.45 V1 = 0.5
  //   V1 = 3 + 0.9 V0
  //   0.55 V0 - 0.45 (3 + 0.9 V0) = 0.5  ->  0.145 V0 = 1.85  ->  V0 = 1.85 / 0.145, V1 = 3 + 0.9
  //   V0.
  const TabularMdp mdp = two_state_mdp();
  const auto v = evaluate_policy(mdp, {0, 0}, 0.9);
  const double v0 = 1.85 / 0.145;
  EXPECT_NEAR(v[0], v0, 1e-10);
  EXPECT_NEAR(v[1], 3.0 + 0.9 * v0, 1e-10);
  // Policy (1, 1): V1 = 0, V0 = 2.
  const auto w = evaluate_policy(mdp, {1, 1}, 0.9);
  EXPECT_NEAR(w[0], 2.0, 1e-12);
  EXPECT_NEAR(w[1], 0.0, 1e-12);
}

TEST(EvaluatePolicy, MatchesIteratedBellmanOperator) {
  const TabularMdp mdp = env::garnet_mdp(50, 4, 5, 7);
  Policy policy(50);
  for (int s = 0; s < 50; ++s) policy[static_cast<size_t>(s)] = (s * 7) % 4;
  const auto exact = evaluate_policy(mdp, policy, 0.9);
  const auto iterated = iterate_policy(mdp, policy, 0.9);
  EXPECT_LT(max_abs_diff(exact, iterated), 1e-10);

  const TabularMdp grid = env::gridworld_preset_mdp("russell-norvig-4x3");
  const ValueIterationResult vi = value_iteration(grid, 1.0, 1e-13);
  const auto exact_grid = evaluate_policy(grid, vi.policy, 1.0);
  EXPECT_LT(max_abs_diff(exact_grid, iterate_policy(grid, vi.policy, 1.0)), 1e-10);
}

TEST(EvaluatePolicy, StochasticWithDeterministicPiEqualsDeterministic) {
  const TabularMdp mdp = env::garnet_mdp(40, 3, 4, 11);
  Policy policy(40);
  std::vector<double> pi(40 * 3, 0.0);
  for (int s = 0; s < 40; ++s) {
    policy[static_cast<size_t>(s)] = s % 3;
    pi[static_cast<size_t>(s * 3 + s % 3)] = 1.0;
  }
  EXPECT_LT(
      max_abs_diff(evaluate_policy(mdp, policy, 0.95), evaluate_stochastic_policy(mdp, pi, 0.95)),
      1e-10);
}

TEST(EvaluatePolicy, StochasticMixesLinearlyInTheTwoStateMdp) {
  // Uniform policy, gamma 0.5: r_pi = (0.5 * 0.5 + 0.5 * 2, 0.5 * 3) = (1.25, 1.5);
  // P_pi = [[0.25, 0.75], [0.5, 0.5]]. V = (I - 0.5 P)^-1 r:
  //   0.875 V0 - 0.375 V1 = 1.25,  -0.25 V0 + 0.75 V1 = 1.5
  //   det = 0.65625 - 0.09375 = 0.5625; V0 = (1.25 * 0.75 + 0.375 * 1.5) / 0.5625 = 8/3,
  //   V1 = (0.875 * 1.5 + 0.25 * 1.25) / 0.5625 = 26/9.
  const auto v = evaluate_stochastic_policy(two_state_mdp(), {0.5, 0.5, 0.5, 0.5}, 0.5);
  EXPECT_NEAR(v[0], 8.0 / 3.0, 1e-12);
  EXPECT_NEAR(v[1], 26.0 / 9.0, 1e-12);
}

TEST(EvaluatePolicy, ErrorsOnBadPolicies) {
  const TabularMdp mdp = two_state_mdp();
  EXPECT_THROW(evaluate_policy(mdp, {0}, 0.9), Error);
  EXPECT_THROW(evaluate_policy(mdp, {0, 2}, 0.9), Error);
  EXPECT_THROW(evaluate_policy(mdp, {-1, 0}, 0.9), Error);
  EXPECT_THROW(evaluate_policy(mdp, {0, 0}, 1.5), Error);
  EXPECT_THROW(evaluate_stochastic_policy(mdp, {0.5, 0.5, 0.5}, 0.9), Error);
  EXPECT_THROW(evaluate_stochastic_policy(mdp, {0.5, 0.6, 0.5, 0.5}, 0.9), Error);
}

TEST(EvaluatePolicy, ImproperPolicyWithGammaOneIsAnError) {
  // Cliff walking is deterministic: "up" everywhere pins the agent against the top edge forever.
  const TabularMdp cliff = env::gridworld_preset_mdp("cliff");
  const Policy up(static_cast<size_t>(cliff.num_states), env::kGridworldUp);
  try {
    evaluate_policy(cliff, up, 1.0);
    FAIL() << "expected valor::Error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("from state ("));
    EXPECT_THAT(e.what(), HasSubstr("gamma < 1"));
  }
  // "left" everywhere bumps into the left edge forever.
  EXPECT_THROW(evaluate_policy(
                   cliff, Policy(static_cast<size_t>(cliff.num_states), env::kGridworldLeft), 1.0),
               Error);
  std::vector<double> all_up(static_cast<size_t>(cliff.num_states * 4), 0.0);
  for (int s = 0; s < cliff.num_states; ++s) all_up[static_cast<size_t>(s * 4)] = 1.0;
  EXPECT_THROW(evaluate_stochastic_policy(cliff, all_up, 1.0), Error);
  // A Garnet has no terminal state at all.
  const TabularMdp garnet = env::garnet_mdp(20, 2, 3, 1);
  EXPECT_THROW(evaluate_policy(garnet, Policy(20, 0), 1.0), Error);
  // The same policy is fine with gamma < 1: a step reward of -1 forever is -1 / (1 - gamma).
  const auto v = evaluate_policy(cliff, up, 0.9);
  EXPECT_NEAR(v[0], -10.0, 1e-9);
}

TEST(EvaluatePolicy, HandlesTenThousandStateGarnet) {
  const TabularMdp mdp = env::garnet_mdp(10000, 2, 5, 3);
  const Policy policy(10000, 1);
  const auto v = evaluate_policy(mdp, policy, 0.95);
  // Rewards are in [0, 1), so 0 <= V < 1 / (1 - gamma) = 20; and V is the fixed point.
  for (double x : v) {
    ASSERT_GE(x, 0.0);
    ASSERT_LT(x, 20.0);
  }
  const auto q = q_from_v(mdp, v, 0.95);
  for (int s = 0; s < 10000; ++s) {
    ASSERT_NEAR(q[static_cast<size_t>(s * 2 + 1)], v[static_cast<size_t>(s)], 1e-9);
  }
}

TEST(EvaluatePolicy, LargeGarnetIsTheFixedPointToHighAccuracy) {
  // 3,000 states: above the size where the iterative solver is tried; compare with a long run of
  // the Bellman operator.
  const TabularMdp mdp = env::garnet_mdp(3000, 3, 4, 9);
  Policy policy(3000);
  for (int s = 0; s < 3000; ++s) policy[static_cast<size_t>(s)] = s % 3;
  EXPECT_LT(max_abs_diff(evaluate_policy(mdp, policy, 0.9), iterate_policy(mdp, policy, 0.9)),
            1e-10);
}

TEST(SolveDiscount, Errors) {
  const TabularMdp garnet = env::garnet_mdp(20, 2, 3, 1);
  EXPECT_THROW(check_discount(garnet, 1.5), Error);
  EXPECT_THROW(check_discount(garnet, -0.1), Error);
  EXPECT_THROW(check_discount(garnet, std::nan("")), Error);
  try {
    check_discount(garnet, 1.0);
    FAIL() << "expected valor::Error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("gamma < 1"));
  }
  EXPECT_NO_THROW(check_discount(garnet, 0.99));
  EXPECT_NO_THROW(check_discount(garnet, 0.0));
  EXPECT_NO_THROW(check_discount(env::gridworld_preset_mdp("cliff"), 1.0));
  EXPECT_THROW(value_iteration(garnet, 1.5), Error);
  EXPECT_THROW(value_iteration(garnet, 1.0), Error);
  EXPECT_THROW(policy_iteration(garnet, 1.0), Error);
}

TEST(SolveGreedy, TiesGoToLowestAction) {
  const TabularMdp mdp = two_state_mdp();
  EXPECT_EQ(greedy_policy(mdp, {1.0, 1.0, 0.0, 2.0}), (Policy{0, 1}));
  EXPECT_EQ(greedy_policy(mdp, {1.0, 3.0, 2.0, 2.0}), (Policy{1, 0}));
  EXPECT_THROW(greedy_policy(mdp, {1.0, 2.0}), Error);
}

TEST(ValueIteration, MaxSweepsExceededIsAnError) {
  const TabularMdp mdp = env::garnet_mdp(30, 3, 4, 2);
  EXPECT_THROW(value_iteration(mdp, 0.99, 1e-10, 5), Error);
}

TEST(ValueIteration, SweepMatchesQFromV) {
  const TabularMdp mdp = env::garnet_mdp(60, 4, 6, 5);
  const FlatModel model = flatten(mdp);
  std::vector<double> v(60);
  for (int s = 0; s < 60; ++s) v[static_cast<size_t>(s)] = std::sin(s);
  std::vector<double> out(60);
  const double change = bellman_optimality_sweep(model, 0.9, v, out);
  const auto q = q_from_v(mdp, v, 0.9);
  double expected_change = 0.0;
  for (int s = 0; s < 60; ++s) {
    const double best = *std::max_element(q.begin() + s * 4, q.begin() + s * 4 + 4);
    EXPECT_NEAR(out[static_cast<size_t>(s)], best, 1e-12);
    expected_change = std::max(expected_change, std::abs(best - v[static_cast<size_t>(s)]));
  }
  EXPECT_NEAR(change, expected_change, 1e-12);
}

// VI's greedy policy, evaluated exactly, is within epsilon of V* (from PI), and PI and VI agree.
void expect_vi_certified_and_agrees_with_pi(const TabularMdp& mdp, double gamma, double epsilon) {
  SCOPED_TRACE(mdp.name + " gamma " + std::to_string(gamma));
  const ValueIterationResult vi = value_iteration(mdp, gamma, epsilon);
  EXPECT_TRUE(vi.certified);
  const PolicyIterationResult pi = policy_iteration(mdp, gamma);
  const auto v_greedy = evaluate_policy(mdp, vi.policy, gamma);
  for (int s = 0; s < mdp.num_states; ++s) {
    EXPECT_LE(pi.v[static_cast<size_t>(s)] - v_greedy[static_cast<size_t>(s)], epsilon);
    EXPECT_LE(v_greedy[static_cast<size_t>(s)], pi.v[static_cast<size_t>(s)] + 1e-9);
  }
  // With a tight epsilon, VI's iterate and PI's values agree, and the actions agree up to ties.
  const ValueIterationResult tight = value_iteration(mdp, gamma, 1e-11);
  EXPECT_LT(max_abs_diff(tight.v, pi.v), 1e-8);
  const auto q = q_from_v(mdp, pi.v, gamma);
  for (int s = 0; s < mdp.num_states; ++s) {
    const size_t k = static_cast<size_t>(s * mdp.num_actions);
    EXPECT_NEAR(q[k + static_cast<size_t>(tight.policy[static_cast<size_t>(s)])],
                q[k + static_cast<size_t>(pi.policy[static_cast<size_t>(s)])], 1e-8);
  }
}

TEST(PolicyIteration, AgreesWithValueIterationOnGarnets) {
  expect_vi_certified_and_agrees_with_pi(env::garnet_mdp(50, 4, 3, 1), 0.9, 1e-3);
  expect_vi_certified_and_agrees_with_pi(env::garnet_mdp(100, 5, 10, 2), 0.99, 1e-2);
  expect_vi_certified_and_agrees_with_pi(env::garnet_mdp(200, 3, 1, 3), 0.95, 1e-4);
  expect_vi_certified_and_agrees_with_pi(env::garnet_mdp(30, 8, 30, 4), 0.5, 1e-6);
}

TEST(PolicyIteration, AgreesWithValueIterationOnGridworlds) {
  expect_vi_certified_and_agrees_with_pi(env::gridworld_preset_mdp("russell-norvig-4x3"), 0.99,
                                         1e-4);
  expect_vi_certified_and_agrees_with_pi(env::gridworld_preset_mdp("frozen-lake-4x4"), 0.9, 1e-4);
  expect_vi_certified_and_agrees_with_pi(env::gridworld_preset_mdp("cliff"), 0.9, 1e-4);
}

TEST(PolicyIteration, GammaOneNeedsAProperInitialPolicy) {
  const TabularMdp cliff = env::gridworld_preset_mdp("cliff");
  // Action 0 (up) everywhere never ends from the top row.
  EXPECT_THROW(policy_iteration(cliff, 1.0), Error);
  const ValueIterationResult vi = value_iteration(cliff, 1.0);
  EXPECT_FALSE(vi.certified);
  const PolicyIterationResult pi = policy_iteration(cliff, 1.0, vi.policy);
  EXPECT_EQ(pi.iterations, 1);
  EXPECT_LT(max_abs_diff(pi.v, vi.v), 1e-9);
}

TEST(ValueIteration, CliffOptimalReturnIsMinusThirteen) {
  const TabularMdp cliff = env::gridworld_preset_mdp("cliff");
  const ValueIterationResult vi = value_iteration(cliff, 1.0);
  const int start = start_state(cliff);
  EXPECT_DOUBLE_EQ(vi.v[static_cast<size_t>(start)], -13.0);
  EXPECT_DOUBLE_EQ(evaluate_policy(cliff, vi.policy, 1.0)[static_cast<size_t>(start)], -13.0);
  // The greedy first move from the start is up.
  EXPECT_EQ(vi.policy[static_cast<size_t>(start)], env::kGridworldUp);
}

TEST(ValueIteration, RussellNorvigStartValueMatchesTheBook) {
  // AIMA figure 17.3 (gamma 1, R = -0.04 in every non-terminal state, 0.8/0.1/0.1 slip):
  // U(1,1) = 0.705 at the start, U(1,2) = 0.762, U(3,3) = 0.918. The book charges R(s) for every
  // non-terminal state visited, the start included, and the goal's +1 replaces it; valor pays
  // the reward of the cell entered, so the start is never charged: V(s) = U(s) + 0.04 for every
  // non-terminal s, i.e. U(s) = V(s) + step_reward.
  const TabularMdp grid = env::gridworld_preset_mdp("russell-norvig-4x3");
  const double step = env::gridworld_preset("russell-norvig-4x3").options.step_reward;
  ASSERT_EQ(step, -0.04);
  const ValueIterationResult vi = value_iteration(grid, 1.0, 1e-13);
  const int start = start_state(grid);
  EXPECT_NEAR(vi.v[static_cast<size_t>(start)] + step, 0.705, 1e-3);
  const PolicyIterationResult pi = policy_iteration(grid, 1.0, vi.policy);
  EXPECT_NEAR(pi.v[static_cast<size_t>(start)] + step, 0.705, 1e-3);
  EXPECT_LT(max_abs_diff(pi.v, vi.v), 1e-9);
  int checked = 0;
  for (int s = 0; s < grid.num_states; ++s) {
    if (grid.state_name(s) == "(1,0)") {  // AIMA (1,2)
      EXPECT_NEAR(vi.v[static_cast<size_t>(s)] + step, 0.762, 1e-3);
      ++checked;
    }
    if (grid.state_name(s) == "(0,2)") {  // AIMA (3,3)
      EXPECT_NEAR(vi.v[static_cast<size_t>(s)] + step, 0.918, 1e-3);
      ++checked;
    }
  }
  EXPECT_EQ(checked, 2);
}

// The number N in "after N sweeps" of a value-iteration error.
int sweeps_in(const std::string& message) {
  const size_t at = message.find("after ");
  return at == std::string::npos ? -1 : std::stoi(message.substr(at + 6));
}

std::string value_iteration_error(const TabularMdp& mdp) {
  try {
    value_iteration(mdp, 1.0);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

// A walled-in cost cell that no start reaches: every action pays 5 and stays, so its value falls
// by 5 every sweep. Value iteration on the whole map stops at once and names it; on the states
// reachable from the start it converges.
TEST(ValueIteration, UnreachableCostCellIsNamedAndReachableStatesSolve) {
  const TabularMdp map = env::gridworld_from_map("S..G\n####\n#5##\n", {}, "walled");
  const std::string message = value_iteration_error(map);
  EXPECT_THAT(message, HasSubstr("from (2,1) (-infinity) no action sequence reaches a terminal"));
  EXPECT_THAT(message, HasSubstr("every reward on the way is negative"));

  const std::vector<bool> reachable = reachable_states(map);
  EXPECT_EQ(std::count(reachable.begin(), reachable.end(), true), 4);
  const SubMdp sub = restrict_to_states(map, reachable);
  ASSERT_EQ(sub.mdp.num_states, 4);
  EXPECT_EQ(sub.original, (std::vector<int>{0, 1, 2, 3}));
  EXPECT_EQ(sub.index[4], -1);
  EXPECT_EQ(sub.mdp.state_name(3), "(0,3)");
  const ValueIterationResult vi = value_iteration(sub.mdp, 1.0);
  EXPECT_EQ(vi.v, (std::vector<double>{1.0, 1.0, 1.0, 0.0}));
  // With no step cost every action ties at 1, and the lowest (up) bumps into the edge for ever.
  EXPECT_EQ(improper_states(sub.mdp, vi.policy), (std::vector<int>{0, 1, 2}));
}

// solve_optimal (what `valor solve` and the Python module report): at gamma = 1 the unreachable
// cell is left out with NaN values and action -1; below 1 it is plain value iteration.
TEST(SolveOptimal, GammaOneSolvesTheReachableStates) {
  const TabularMdp map = env::gridworld_from_map("S..G\n####\n#5##\n", {}, "walled");
  const OptimalSolution sol = solve_optimal(map, 1.0);
  EXPECT_EQ(sol.unreachable, (std::vector<int>{4}));
  EXPECT_EQ(sol.improper, (std::vector<int>{0, 1, 2}));
  ASSERT_EQ(sol.vi.v.size(), 5u);
  EXPECT_EQ(std::vector<double>(sol.vi.v.begin(), sol.vi.v.begin() + 4),
            (std::vector<double>{1.0, 1.0, 1.0, 0.0}));
  EXPECT_TRUE(std::isnan(sol.vi.v[4]));
  EXPECT_TRUE(std::isnan(sol.vi.q[4 * static_cast<size_t>(map.num_actions)]));
  EXPECT_EQ(sol.vi.policy[4], -1);
  const OptimalSolution discounted = solve_optimal(map, 0.9);
  EXPECT_TRUE(discounted.unreachable.empty());
  EXPECT_EQ(discounted.vi.v, value_iteration(map, 0.9).v);
}

// A positive step reward at gamma = 1: walking in circles pays for ever.
TEST(ValueIteration, PositiveRewardCycleIsDetectedEarly) {
  env::GridworldOptions o;
  o.step_reward = 1.0;
  const std::string message = value_iteration_error(env::gridworld_from_map("S.\n.G\n", o, "m"));
  EXPECT_THAT(message, HasSubstr("diverges"));
  EXPECT_THAT(message, HasSubstr("rises by 1 per sweep"));
  EXPECT_THAT(message, HasSubstr("collecting 1 per step on average"));
  EXPECT_LT(sweeps_in(message), 100);
  // The same with stochastic transitions: state 0 stays with +1 (p 1/2) or moves to state 1 (p
  // 1/2); from 1 one action returns to 0 with +2, the other ends. Looping visits 0 two thirds of
  // the time: gain 2/3 * 1/2 * 1 + 1/3 * 2 = 1 per step.
  TabularMdp mdp = TabularMdp::with_shape("loop", 3, 2);
  mdp.rows[0] = mdp.rows[1] = {{0, 0.5, 1.0}, {1, 0.5, 0.0}};
  mdp.rows[2] = {{0, 1.0, 2.0}};
  mdp.rows[3] = {{2, 1.0, 0.0}};
  mdp.rows[4] = mdp.rows[5] = {{2, 1.0, 0.0}};
  mdp.terminal[2] = true;
  mdp.initial_distribution[0] = 1.0;
  const std::string stochastic = value_iteration_error(mdp);
  EXPECT_THAT(stochastic, HasSubstr("loops for ever through 0, 1 collecting 1 per step"));
  EXPECT_LT(sweeps_in(stochastic), 200);
}

// Rewards +1, -1 around a cycle that never has to end: the iterates alternate for ever, which no
// early check claims; the sweeps run out and the message names the states that still move.
TEST(ValueIteration, ZeroSumCycleRunsOutOfSweepsNamingStates) {
  TabularMdp mdp = TabularMdp::with_shape("two-cycle", 3, 2);
  mdp.rows[0] = {{1, 1.0, 1.0}};
  mdp.rows[1] = {{2, 1.0, 0.0}};
  mdp.rows[2] = mdp.rows[3] = {{0, 1.0, -1.0}};
  mdp.rows[4] = mdp.rows[5] = {{2, 1.0, 0.0}};
  mdp.terminal[2] = true;
  mdp.initial_distribution[0] = 1.0;
  try {
    value_iteration(mdp, 1.0, 1e-10, 1000);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("in 1000 sweeps"));
    EXPECT_THAT(e.what(), HasSubstr("largest at 0 (-1 in the last sweep), 1 (+1 in the last"));
  }
}

// From a start whose only way out is a cliff of -100, staying put at -1 per step is the best plan
// for the first 200 sweeps: the iterates fall by the same amount sweep after sweep, and then
// converge. No early check may call that divergence.
TEST(ValueIteration, LongLinearTransientIsNotDivergence) {
  env::GridworldOptions o;
  o.step_reward = -1.0;
  o.cliff_reward = -1000.0;
  const TabularMdp mdp = env::gridworld_from_map("S#G\nC#.\nS..\n", o, "m");
  const ValueIterationResult vi = value_iteration(mdp, 1.0, 1e-12);
  EXPECT_GT(vi.sweeps, 1000);
  EXPECT_NEAR(vi.v[0], -2000.0 + 1.0 - 3.0, 1e-8);
}

TEST(ValueIteration, ImproperStatesOfAPolicy) {
  const TabularMdp cliff = env::gridworld_preset_mdp("cliff");
  const std::vector<int> all_up =
      improper_states(cliff, Policy(static_cast<size_t>(cliff.num_states), env::kGridworldUp));
  EXPECT_EQ(all_up.size(), static_cast<size_t>(cliff.num_states - 1));  // all but the goal
  EXPECT_TRUE(improper_states(cliff, value_iteration(cliff, 1.0).policy).empty());
  EXPECT_THROW(improper_states(cliff, Policy{0}), Error);
}

TEST(RestrictToStates, Errors) {
  const TabularMdp map = env::gridworld_from_map("S..G\n####\n#5##\n", {}, "walled");
  std::vector<bool> keep(static_cast<size_t>(map.num_states), true);
  keep[1] = false;  // (0,1) is entered from the start
  EXPECT_THROW(restrict_to_states(map, keep), Error);
  EXPECT_THROW(restrict_to_states(map, std::vector<bool>(2, true)), Error);
  EXPECT_THROW(restrict_to_states(map, std::vector<bool>(5, false)), Error);
  std::vector<bool> no_start(5, false);
  no_start[4] = true;  // the cost cell alone is closed, but the start is left out
  EXPECT_THROW(restrict_to_states(map, no_start), Error);
}

// A start whose only move is into the cliff: each fall pays -100 and lands on either start with
// probability 1/2, so V(A) = -100 + (V(A) + V(B)) / 2, i.e. V(A) = V(B) - 200; from B the goal is
// three steps of -1 and the goal's +1 away (the header sets the step reward): V(B) = -2.
TEST(ValueIteration, CliffLeadsToTheOtherStart) {
  const TabularMdp mdp = env::gridworld_from_map("step_reward = -1\nS#G\nC#.\nS..\n", {}, "m");
  const ValueIterationResult vi = value_iteration(mdp, 1.0, 1e-12);
  ASSERT_EQ(mdp.state_name(0), "(0,0)");
  ASSERT_EQ(mdp.state_name(3), "(2,0)");
  EXPECT_NEAR(vi.v[3], -2.0, 1e-12);
  EXPECT_NEAR(vi.v[0], -202.0, 1e-9);
}

TEST(ValueIteration, GammaZeroIsTheBestImmediateReward) {
  const TabularMdp mdp = two_state_mdp();
  const ValueIterationResult vi = value_iteration(mdp, 0.0);
  EXPECT_EQ(vi.sweeps, 1);
  EXPECT_DOUBLE_EQ(vi.v[0], 2.0);
  EXPECT_DOUBLE_EQ(vi.v[1], 3.0);
  EXPECT_EQ(vi.policy, (Policy{1, 0}));
}

}  // namespace
}  // namespace valor::dp
