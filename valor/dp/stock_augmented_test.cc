#include "valor/dp/stock_augmented.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <tuple>
#include <vector>

#include "valor/core/error.h"
#include "valor/core/random.h"
#include "valor/dp/solve.h"
#include "valor/env/gridworld.h"

namespace valor::dp {
namespace {

using env::Transition;

// Two decisions in a row, then termination: states 0 -> 1 -> 2 (terminal). In each, action 0
// (safe) gives +1 surely, action 1 (risky) gives `up` or `down` with probability 1/2 each.
TabularMdp safe_risky(int up, int down) {
  TabularMdp mdp = TabularMdp::with_shape("safe-risky", 3, 2);
  for (int s = 0; s < 2; ++s) {
    mdp.rows[static_cast<size_t>(s * 2 + 0)] = {Transition{s + 1, 1.0, 1.0}};
    mdp.rows[static_cast<size_t>(s * 2 + 1)] = {Transition{s + 1, 0.5, static_cast<double>(up)},
                                                Transition{s + 1, 0.5, static_cast<double>(down)}};
  }
  mdp.rows[4] = mdp.rows[5] = {Transition{2, 1.0, 0.0}};
  mdp.terminal[2] = true;
  mdp.initial_distribution[0] = 1.0;
  return mdp;
}

// A state that can go on for ever, so the cap matters: action 0 stays with +1; action 1 gives +6
// and stays w.p. 0.5, or -1 and terminates w.p. 0.5.
TabularMdp looping() {
  TabularMdp mdp = TabularMdp::with_shape("looping", 2, 2);
  mdp.rows[0] = {Transition{0, 1.0, 1.0}};
  mdp.rows[1] = {Transition{0, 0.5, 6.0}, Transition{1, 0.5, -1.0}};
  mdp.rows[2] = mdp.rows[3] = {Transition{1, 1.0, 0.0}};
  mdp.terminal[1] = true;
  mdp.initial_distribution[0] = 1.0;
  return mdp;
}

// A random MDP with 3 non-terminal states, a terminal one, 2 actions and rewards in {-2..2}.
TabularMdp random_mdp(uint64_t seed) {
  Rng rng(seed);
  TabularMdp mdp = TabularMdp::with_shape("random", 4, 2);
  for (int s = 0; s < 3; ++s) {
    for (int a = 0; a < 2; ++a) {
      auto& row = mdp.rows[static_cast<size_t>(s * 2 + a)];
      const int n = 1 + static_cast<int>(rng.below(2));
      double left = 1.0;
      for (int k = 0; k < n; ++k) {
        const double p = k + 1 == n ? left : 0.25 + 0.5 * rng.uniform() * left;
        left -= p;
        row.push_back(Transition{static_cast<int>(rng.below(4)), p,
                                 static_cast<double>(rng.uniform_int(-2, 2))});
      }
    }
  }
  mdp.rows[6] = mdp.rows[7] = {Transition{3, 1.0, 0.0}};
  mdp.terminal[3] = true;
  mdp.initial_distribution = {0.6, 0.4, 0.0, 0.0};
  return mdp;
}

using Key = std::tuple<int, int, int>;  // (t, s, c)

// The augmented states (t, s, c), s not terminal, t < horizon, reachable under some policy.
std::vector<Key> decision_points(const TabularMdp& mdp, int horizon) {
  std::set<Key> seen;
  std::vector<Key> frontier;
  for (int s = 0; s < mdp.num_states; ++s) {
    if (mdp.initial_distribution[static_cast<size_t>(s)] > 0) frontier.emplace_back(0, s, 0);
  }
  while (!frontier.empty()) {
    const Key key = frontier.back();
    frontier.pop_back();
    const auto [t, s, c] = key;
    if (t >= horizon || mdp.terminal[static_cast<size_t>(s)] || !seen.insert(key).second) continue;
    for (int a = 0; a < mdp.num_actions; ++a) {
      for (const auto& tr : mdp.row(s, a)) {
        if (tr.probability > 0) {
          frontier.emplace_back(t + 1, tr.next_state, c + static_cast<int>(tr.reward));
        }
      }
    }
  }
  return {seen.begin(), seen.end()};
}

// The return pmf (cap rule) of the policy `choice` over the decision points, computed directly.
std::map<int, double> pmf_of(const TabularMdp& mdp, int horizon, const std::map<Key, int>& choice) {
  std::map<int, double> pmf;
  std::map<std::pair<int, int>, double> mass;  // (s, c) at step t
  for (int s = 0; s < mdp.num_states; ++s) {
    if (mdp.initial_distribution[static_cast<size_t>(s)] > 0) {
      mass[{s, 0}] += mdp.initial_distribution[static_cast<size_t>(s)];
    }
  }
  for (int t = 0; t < horizon; ++t) {
    std::map<std::pair<int, int>, double> next;
    for (const auto& [sc, m] : mass) {
      const auto [s, c] = sc;
      for (const auto& tr : mdp.row(s, choice.at(Key{t, s, c}))) {
        if (tr.probability == 0) continue;
        const int c2 = c + static_cast<int>(tr.reward);
        if (mdp.terminal[static_cast<size_t>(tr.next_state)]) {
          pmf[c2] += m * tr.probability;
        } else {
          next[{tr.next_state, c2}] += m * tr.probability;
        }
      }
    }
    mass = std::move(next);
  }
  for (const auto& [sc, m] : mass) pmf[sc.second] += m;
  return pmf;
}

// Lower-tail CVaR from the primal definition: the mean of the lowest alpha of the mass.
double primal_cvar(const std::map<int, double>& pmf, double alpha) {
  double left = alpha;
  double sum = 0;
  for (const auto& [g, p] : pmf) {
    const double w = std::min(p, left);
    sum += w * g;
    left -= w;
    if (left <= 1e-15) break;
  }
  return sum / alpha;
}

// The return pmfs of every deterministic (t, s, c)-policy on the decision points.
struct BruteForce {
  std::vector<Key> points;
  std::vector<std::map<Key, int>> policies;
  std::vector<std::map<int, double>> pmfs;
};

BruteForce enumerate(const TabularMdp& mdp, int horizon) {
  BruteForce bf;
  bf.points = decision_points(mdp, horizon);
  EXPECT_LE(bf.points.size(), 16u) << "too many policies to enumerate";
  const size_t n = bf.points.size();
  for (uint64_t mask = 0; mask < (uint64_t{1} << n); ++mask) {
    std::map<Key, int> choice;
    for (size_t i = 0; i < n; ++i) choice[bf.points[i]] = static_cast<int>((mask >> i) & 1);
    bf.pmfs.push_back(pmf_of(mdp, horizon, choice));
    bf.policies.push_back(std::move(choice));
  }
  return bf;
}

double best_cvar(const BruteForce& bf, double alpha) {
  double best = -1e300;
  for (const auto& pmf : bf.pmfs) best = std::max(best, primal_cvar(pmf, alpha));
  return best;
}

std::map<int, double> to_map(const value::ReturnDistribution& pmf) {
  std::map<int, double> m;
  for (size_t k = 0; k < pmf.size(); ++k) {
    if (pmf.probabilities()[k] > 1e-15)
      m[static_cast<int>(pmf.atoms()[k])] = pmf.probabilities()[k];
  }
  return m;
}

void expect_matches_brute_force(const TabularMdp& mdp, int horizon,
                                const std::vector<double>& alphas) {
  const BruteForce bf = enumerate(mdp, horizon);
  for (double alpha : alphas) {
    SCOPED_TRACE(testing::Message() << mdp.name << " horizon " << horizon << " alpha " << alpha);
    const CvarResult r = optimize_cvar(mdp, alpha, horizon);
    EXPECT_NEAR(r.cvar, best_cvar(bf, alpha), 1e-9);
    // The returned policy achieves it, evaluated exactly two ways.
    EXPECT_NEAR(evaluate_stock_policy_cvar(mdp, r.policy, alpha), r.cvar, 1e-9);
    EXPECT_NEAR(primal_cvar(to_map(stock_policy_return_pmf(mdp, r.policy)), alpha), r.cvar, 1e-9);
  }
}

TEST(StockAugmentedCvar, SafeRiskyMatchesBruteForce) {
  for (auto [up, down] : {std::pair{5, -2}, std::pair{3, -2}, std::pair{4, -1}}) {
    for (int horizon : {2, 3}) {
      expect_matches_brute_force(safe_risky(up, down), horizon, {0.05, 0.25, 0.5, 0.7, 0.9, 1.0});
    }
  }
}

TEST(StockAugmentedCvar, LoopingMatchesBruteForceWithCap) {
  for (int horizon : {1, 2, 3, 4}) {
    expect_matches_brute_force(looping(), horizon, {0.1, 0.3, 0.5, 0.75, 0.9, 1.0});
  }
}

TEST(StockAugmentedCvar, RandomMdpsMatchBruteForce) {
  int checked = 0;
  for (uint64_t seed = 1; seed < 200 && checked < 12; ++seed) {
    const TabularMdp mdp = random_mdp(seed);
    for (int horizon : {2, 3}) {
      if (decision_points(mdp, horizon).size() > 12) continue;
      expect_matches_brute_force(mdp, horizon, {0.1, 0.35, 0.6, 1.0});
      ++checked;
    }
  }
  EXPECT_GE(checked, 8);
}

// With risky = +5 / -2 and alpha = 0.9, the optimum takes the risk first, then plays safe after a
// good step (stock 5) and risky after a bad one (stock -2): CVaR 2.15 / 0.9. No policy that
// ignores the stock does as well.
TEST(StockAugmentedCvar, OptimalPolicyDependsOnStock) {
  const TabularMdp mdp = safe_risky(5, -2);
  const CvarResult r = optimize_cvar(mdp, 0.9, 2);
  EXPECT_NEAR(r.cvar, 2.15 / 0.9, 1e-12);
  EXPECT_EQ(r.policy.action(0, 0, 0), 1);
  EXPECT_EQ(r.policy.action(1, 1, 5), 0);
  EXPECT_EQ(r.policy.action(1, 1, -2), 1);
  const BruteForce bf = enumerate(mdp, 2);
  double best_markov = -1e300;
  for (size_t i = 0; i < bf.policies.size(); ++i) {
    const auto& choice = bf.policies[i];
    if (choice.at(Key{1, 1, 1}) == choice.at(Key{1, 1, 5}) &&
        choice.at(Key{1, 1, 1}) == choice.at(Key{1, 1, -2})) {
      best_markov = std::max(best_markov, primal_cvar(bf.pmfs[i], 0.9));
    }
  }
  EXPECT_NEAR(best_markov, 2.0 / 0.9, 1e-12);  // risky twice
  EXPECT_GT(r.cvar, best_markov + 0.1);
}

TEST(StockAugmentedCvar, AlphaOneIsMaximumExpectedReturn) {
  for (int horizon : {2, 4}) {
    const TabularMdp mdp = safe_risky(5, -2);
    const CvarResult r = optimize_cvar(mdp, 1.0, horizon);
    const StockPolicy eu = optimize_expected_utility(
        mdp, [](double c) { return c; }, horizon);
    EXPECT_NEAR(r.cvar, 3.0, 1e-12);
    EXPECT_NEAR(eu.value, 3.0, 1e-12);
    // Every policy terminates within 2 <= horizon steps, so the cap never binds and the
    // ordinary Bellman optimum at gamma = 1 must agree.
    const ValueIterationResult vi = value_iteration(mdp, 1.0);
    EXPECT_NEAR(vi.v[0], r.cvar, 1e-9);
  }
  // With the cap binding: E[G] is maximised by the brute force too.
  for (int horizon : {1, 2, 3}) {
    const TabularMdp mdp = looping();
    const BruteForce bf = enumerate(mdp, horizon);
    double best = -1e300;
    for (const auto& pmf : bf.pmfs) {
      double m = 0;
      for (const auto& [g, p] : pmf) m += g * p;
      best = std::max(best, m);
    }
    const StockPolicy eu = optimize_expected_utility(
        mdp, [](double c) { return c; }, horizon);
    EXPECT_NEAR(eu.value, best, 1e-12);
    EXPECT_NEAR(optimize_cvar(mdp, 1.0, horizon).cvar, best, 1e-12);
    EXPECT_NEAR(stock_policy_return_pmf(mdp, eu).mean(), best, 1e-12);
  }
}

TEST(StockAugmented, ExpectedUtilityMatchesBruteForce) {
  const auto u = [](double c) { return -std::exp(-0.4 * c); };  // risk-averse
  for (int horizon : {1, 2, 3}) {
    for (const TabularMdp& mdp : {safe_risky(5, -2), looping()}) {
      const BruteForce bf = enumerate(mdp, horizon);
      double best = -1e300;
      for (const auto& pmf : bf.pmfs) {
        double m = 0;
        for (const auto& [g, p] : pmf) m += u(g) * p;
        best = std::max(best, m);
      }
      const StockPolicy eu = optimize_expected_utility(mdp, u, horizon);
      EXPECT_NEAR(eu.value, best, 1e-12) << mdp.name << " horizon " << horizon;
      double achieved = 0;
      for (const auto& [g, p] : to_map(stock_policy_return_pmf(mdp, eu))) achieved += u(g) * p;
      EXPECT_NEAR(achieved, eu.value, 1e-12);
    }
  }
}

TEST(StockAugmented, TiesGoToLowestAction) {
  // Both actions of safe_risky(1, 1) give +1 surely.
  const StockPolicy eu = optimize_expected_utility(
      safe_risky(1, 1), [](double c) { return c; }, 2);
  EXPECT_EQ(eu.action(0, 0, 0), 0);
  EXPECT_EQ(eu.action(1, 1, 1), 0);
}

TEST(StockAugmented, EmpiricalCvarIsThePluginDual) {
  const std::vector<double> x = {3, -1, 4, 1, -5, 9, 2, 6};
  for (double alpha : {0.1, 0.125, 0.3, 0.5, 0.99, 1.0}) {
    double dual = -1e300;
    for (double b : x) {
      double m = 0;
      for (double v : x) m += std::max(b - v, 0.0);
      dual = std::max(dual, b - m / static_cast<double>(x.size()) / alpha);
    }
    EXPECT_NEAR(value::ReturnDistribution::empirical(x).cvar(alpha), dual, 1e-12) << alpha;
  }
}

// Rollouts of the optimal policy estimate its CVaR. CI: normal approximation of the plug-in
// estimator, whose asymptotic variance is Var((q - G)^+) / (alpha^2 n) with q the alpha-quantile
// (valid when alpha is not a CDF value of G, as here); the variance is estimated by plug-in with
// the empirical quantile. Half-width z = 3.29 (99.9 %); the seed is fixed.
TEST(StockAugmentedCvar, MonteCarloAgreesWithExactValue) {
  struct Case {
    TabularMdp mdp;
    int horizon;
    double alpha;
  };
  const std::vector<Case> cases = {
      {safe_risky(5, -2), 2, 0.9}, {safe_risky(6, -3), 3, 0.9}, {looping(), 3, 0.9}};
  uint64_t seed = 17;
  for (const auto& c : cases) {
    SCOPED_TRACE(c.mdp.name);
    const CvarResult r = optimize_cvar(c.mdp, c.alpha, c.horizon);
    std::vector<double> g = rollout_returns(c.mdp, r.policy, 200000, seed++);
    ASSERT_EQ(g.size(), 200000u);
    const double estimate = value::ReturnDistribution::empirical(g).cvar(c.alpha);
    std::sort(g.begin(), g.end());
    const double n = static_cast<double>(g.size());
    const double q = g[static_cast<size_t>(std::floor(c.alpha * n))];
    double m1 = 0, m2 = 0;
    for (double v : g) {
      const double y = std::max(q - v, 0.0);
      m1 += y;
      m2 += y * y;
    }
    m1 /= n;
    m2 /= n;
    const double se = std::sqrt((m2 - m1 * m1) / n) / c.alpha;
    EXPECT_GT(se, 0.0);
    EXPECT_LE(std::fabs(estimate - r.cvar), 3.29 * se)
        << "estimate " << estimate << " exact " << r.cvar << " se " << se;
    // The sample mean agrees with the exact mean too.
    double mean = 0;
    for (double v : g) mean += v;
    mean /= n;
    const value::ReturnDistribution pmf = stock_policy_return_pmf(c.mdp, r.policy);
    EXPECT_LE(std::fabs(mean - pmf.mean()), 3.29 * std::sqrt(pmf.variance() / n));
  }
}

TEST(StockAugmentedCvar, RolloutsAreDeterministicInTheSeed) {
  const TabularMdp mdp = looping();
  const CvarResult r = optimize_cvar(mdp, 0.9, 3);
  EXPECT_EQ(rollout_returns(mdp, r.policy, 100, 5), rollout_returns(mdp, r.policy, 100, 5));
  EXPECT_NE(rollout_returns(mdp, r.policy, 100, 5), rollout_returns(mdp, r.policy, 100, 6));
}

// The exhaustive dense programme the search replaces: for every integer b in [H r_lo, H r_hi],
// max over policies of E[-(b - G)^+] by backward induction over the whole stock grid
// [t r_lo, t r_hi] of every step. value[b - H r_lo]; the objective is b + value / alpha.
struct DenseValues {
  int b_min = 0;
  std::vector<double> value;
};

DenseValues dense_values(const TabularMdp& mdp, int horizon) {
  int lo = 0, hi = 0;
  for (int s = 0; s < mdp.num_states; ++s) {
    if (mdp.terminal[static_cast<size_t>(s)]) continue;
    for (int a = 0; a < mdp.num_actions; ++a) {
      for (const auto& tr : mdp.row(s, a)) {
        lo = std::min(lo, static_cast<int>(tr.reward));
        hi = std::max(hi, static_cast<int>(tr.reward));
      }
    }
  }
  const int cmin = horizon * lo, count = horizon * (hi - lo) + 1;
  const auto at = [count](int s, int c_index) { return static_cast<size_t>(s * count + c_index); };
  DenseValues out;
  out.b_min = horizon * lo;
  for (int b = horizon * lo; b <= horizon * hi; ++b) {
    const auto u = [b](int c) { return -std::max(static_cast<double>(b) - c, 0.0); };
    std::vector<double> next(static_cast<size_t>(mdp.num_states * count));
    for (int s = 0; s < mdp.num_states; ++s) {
      for (int k = 0; k < count; ++k) next[at(s, k)] = u(cmin + k);
    }
    std::vector<double> cur = next;
    for (int t = horizon - 1; t >= 0; --t) {
      for (int s = 0; s < mdp.num_states; ++s) {
        for (int c = t * lo; c <= t * hi; ++c) {
          if (mdp.terminal[static_cast<size_t>(s)]) {
            cur[at(s, c - cmin)] = u(c);
            continue;
          }
          double top = -1e300;
          for (int a = 0; a < mdp.num_actions; ++a) {
            double q = 0;
            for (const auto& tr : mdp.row(s, a)) {
              if (tr.probability == 0) continue;
              q += tr.probability * next[at(tr.next_state, c + static_cast<int>(tr.reward) - cmin)];
            }
            top = std::max(top, q);
          }
          cur[at(s, c - cmin)] = top;
        }
      }
      std::swap(cur, next);
    }
    double value = 0;
    for (int s = 0; s < mdp.num_states; ++s) {
      const double p = mdp.initial_distribution[static_cast<size_t>(s)];
      if (p != 0) value += p * next[at(s, -cmin)];
    }
    out.value.push_back(value);
  }
  return out;
}

// A risk map: the far start pays a long cost path or gambles along the cliff; the near start is
// next to the goal (testdata/maps/risk.txt without its header, and a cliff of -20 so that the
// dense programme stays small).
TabularMdp risk_map() {
  env::GridworldOptions o;
  o.slip = 0.1;
  o.step_reward = -3;
  o.cliff_reward = -20;
  return env::gridworld_from_map("S.......SG\n.#CCCCCC#.\n.########.\n.33333333.\n", o, "risk");
}

// The search over attainable returns with its bound finds the optimum of the exhaustive dense
// programme (the same sums in the same order) and its lowest maximiser b, where maximisers that
// tie up to rounding count as one (with alpha = 1 every b above the best policy's returns is one).
TEST(StockAugmentedCvar, SearchMatchesExhaustiveDenseProgramme) {
  std::vector<std::pair<TabularMdp, int>> cases = {
      {env::gridworld_preset_mdp("cliff"), 5},
      {env::gridworld_preset_mdp("gridworld-4x4"), 9},
      {env::gridworld_preset_mdp("frozen-lake-4x4"), 7},
      {risk_map(), 9},
      {looping(), 4},
      {safe_risky(5, -2), 3}};
  for (uint64_t seed = 1; seed <= 6; ++seed) cases.emplace_back(random_mdp(seed), 5);
  int pruned = 0;
  for (const auto& [mdp, horizon] : cases) {
    const DenseValues dense = dense_values(mdp, horizon);
    for (double alpha : {0.02, 0.1, 0.5, 1.0}) {
      SCOPED_TRACE(testing::Message() << mdp.name << " horizon " << horizon << " alpha " << alpha);
      const auto phi = [&dense, alpha](int b) {
        return b + dense.value[static_cast<size_t>(b - dense.b_min)] / alpha;
      };
      const int b_max = dense.b_min + static_cast<int>(dense.value.size()) - 1;
      double best = -1e300;
      for (int b = dense.b_min; b <= b_max; ++b) best = std::max(best, phi(b));
      const double tol = 1e-12 * std::max(1.0, std::fabs(best));
      int lowest = dense.b_min;
      while (phi(lowest) < best - tol) ++lowest;
      const CvarResult r = optimize_cvar(mdp, alpha, horizon);
      EXPECT_NEAR(r.cvar, best, tol);
      EXPECT_EQ(r.b, lowest);
      EXPECT_NEAR(evaluate_stock_policy_cvar(mdp, r.policy, alpha), r.cvar,
                  1e-9 * std::max(1.0, std::fabs(r.cvar)));
      EXPECT_LE(r.evaluated, r.candidates);
      pruned += r.evaluated < r.candidates;
    }
  }
  EXPECT_GT(pruned, 10);  // the bound skips candidates in most of these 48 problems
}

// The policy's table lists exactly the augmented states some policy reaches.
TEST(StockAugmented, PolicyTableIsTheReachableTriples) {
  for (int horizon : {1, 3, 6}) {
    const TabularMdp mdp = env::gridworld_preset_mdp("cliff");
    const StockPolicy p = optimize_expected_utility(
        mdp, [](double c) { return c; }, horizon);
    const std::vector<Key> points = decision_points(mdp, horizon);
    ASSERT_EQ(p.stocks.size(), points.size());
    for (const auto& [t, s, c] : points) EXPECT_TRUE(p.reachable(t, s, c));
    EXPECT_EQ(p.start.size(), static_cast<size_t>(horizon * mdp.num_states + 1));
    EXPECT_EQ(stock_problem_size(mdp, horizon).triples, static_cast<int64_t>(points.size()));
  }
  // Cliff walking with the default horizon: 38 states, stocks in [-10000, 0], but only a few
  // thousand reachable triples (the old grid had 38 x 10001 per step).
  const StockProblemSize size = stock_problem_size(env::gridworld_preset_mdp("cliff"), 100);
  EXPECT_LT(size.triples, 200000);
  EXPECT_GT(size.triples, 1000);
}

// A problem whose tables cannot fit is refused by the forward pass, with the size it found.
TEST(StockAugmented, TooLargeIsRefusedBeforeTheTables) {
  const TabularMdp mdp = env::gridworld_preset_mdp("cliff");
  StockLimits limits;
  limits.max_bytes = 64 * 1024;
  try {
    optimize_cvar(mdp, 0.1, 100, limits);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), testing::HasSubstr("reachable (step, state, stock) triples"));
    EXPECT_THAT(e.what(), testing::HasSubstr("more than the limit of 0.1 MiB"));
  }
  EXPECT_THROW(optimize_expected_utility(
                   mdp, [](double c) { return c; }, 100, limits),
               Error);
  EXPECT_THROW(stock_problem_size(mdp, 100, limits), Error);
  // Stocks beyond 2^30 are refused too.
  TabularMdp big = safe_risky(1 << 20, -(1 << 20));
  EXPECT_THROW(optimize_cvar(big, 0.5, 1 << 10), Error);
}

// The utility is evaluated at the attainable returns only, each once; a non-finite value at one
// of them is an error naming that return.
TEST(StockAugmented, UtilityOnlyAtAttainableReturns) {
  const TabularMdp mdp = safe_risky(5, 3);  // every return is positive: 2, 4, 6, 8, 10
  std::vector<double> seen;
  const StockPolicy p = optimize_expected_utility(
      mdp,
      [&seen](double c) {
        seen.push_back(c);
        return std::log(c);
      },
      2);
  EXPECT_EQ(seen, (std::vector<double>{2, 4, 6, 8, 10}));
  // Risky (+5 or +3) beats safe (+1) whatever the stock: risky twice.
  EXPECT_NEAR(p.value, 0.25 * std::log(10.0) + 0.5 * std::log(8.0) + 0.25 * std::log(6.0), 1e-12);
  try {
    optimize_expected_utility(
        safe_risky(5, -2), [](double c) { return std::log(c); }, 2);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), testing::HasSubstr("u(-4) = "));
    EXPECT_THAT(e.what(), testing::HasSubstr("nan is not finite, and -4 is a return"));
  }
}

TEST(StockAugmentedCvar, Errors) {
  const TabularMdp mdp = safe_risky(5, -2);
  EXPECT_THROW(optimize_cvar(mdp, 0.0, 2), Error);
  EXPECT_THROW(optimize_cvar(mdp, 1.5, 2), Error);
  EXPECT_THROW(optimize_cvar(mdp, -0.5, 2), Error);
  EXPECT_THROW(optimize_cvar(mdp, std::nan(""), 2), Error);
  EXPECT_THROW(optimize_cvar(mdp, 0.5, 0), Error);
  EXPECT_THROW(optimize_expected_utility(
                   mdp, [](double c) { return c; }, 0),
               Error);
  EXPECT_THROW(optimize_expected_utility(
                   mdp, [](double c) { return c; }, -3),
               Error);
  TabularMdp fractional = mdp;
  fractional.rows[1][0].reward = 4.5;
  EXPECT_THROW(optimize_cvar(fractional, 0.5, 2), Error);
  EXPECT_THROW(optimize_expected_utility(
                   fractional, [](double c) { return c; }, 2),
               Error);
  const CvarResult r = optimize_cvar(mdp, 0.5, 2);
  EXPECT_THROW(r.policy.action(2, 0, 0), Error);  // t == horizon
  EXPECT_THROW(r.policy.action(0, 0, 1), Error);  // stock 1 unreachable at t = 0
  EXPECT_THROW(r.policy.action(1, 1, 0), Error);  // stocks at t = 1 are 1, 5 and -2
  EXPECT_THROW(r.policy.action(1, 3, 0), Error);  // no such state
  EXPECT_THROW(rollout_returns(mdp, r.policy, -1, 0), Error);
  EXPECT_THROW(rollout_returns(looping(), r.policy, 10, 0), Error);  // wrong MDP
  EXPECT_THROW(evaluate_stock_policy_cvar(mdp, r.policy, 0.0), Error);
  EXPECT_THROW(value::ReturnDistribution::empirical(std::vector<double>{}), Error);
  EXPECT_THROW(value::ReturnDistribution::empirical(std::vector<double>{1.0}).cvar(2.0), Error);
}

}  // namespace
}  // namespace valor::dp
