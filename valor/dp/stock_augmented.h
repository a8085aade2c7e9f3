// Return-distribution optimisation by stock augmentation (algorithms.md section 4, "Optimizing
// Return Distributions with Distributional Dynamic Programming"), for undiscounted episodic MDPs
// with integer rewards and a finite horizon H.
//
// The state is augmented with the time t and the stock c = the sum of the rewards received so far
// (c_0 = 0, c_{t+1} = c_t + r_t), so that an objective f(G) of the return becomes a terminal reward
// of the augmented MDP, solved exactly by backward induction on the integer stock grid:
//   V_t(s, c) = max_a sum_{s', r} p(s', r | s, a) V_{t+1}(s', c + r),
//   V_t(s, c) = f(c) for terminal s,   V_H(s, c) = f(c) for every s.
//
// Cap rule: H is a hard cap on the number of steps. An episode that has not terminated after H
// steps is stopped there and the objective is applied to its stock at the cap, i.e. its return G
// is the sum of its first H rewards. Episodes that terminate earlier have G = their full return.
// Every function here (optimisation, exact evaluation, rollouts) uses this same rule.
//
// Rewards must be integers (exactly, as doubles) with |r| <= 2^20, and H max |r| < 2^30 so that
// stocks fit an int, else valor::Error.
//
// Only the reachable augmented states are solved: a forward pass from (0, s, 0), s initial, lists
// the (t, s, c) that some policy reaches with positive probability (s not terminal, t < H) and the
// returns G that some policy attains (stocks on entering a terminal state, or at the cap); the
// backward induction visits those triples only, and an objective is evaluated at those returns
// only. The forward pass stops with valor::Error, before the tables are allocated, as soon as they
// would need more than StockLimits::max_bytes (the message gives the size found so far).
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "valor/env/tabular.h"
#include "valor/value/return_distribution.h"

namespace valor::dp {

using env::TabularMdp;

// The memory the stock-augmented tables may take.
struct StockLimits {
  // Per reachable triple: its stock and action (8 bytes) and one 4-byte successor per outcome of
  // every action; plus two layers of 8-byte values. 4 GiB by default: the development machines
  // have 23 GiB shared by several builds, and a larger problem would take minutes anyway.
  int64_t max_bytes = int64_t{4} << 30;
};

// The size of the stock-augmented problem of an MDP and horizon, from the forward pass.
struct StockProblemSize {
  int64_t triples = 0;  // reachable (t, s, c), s not terminal, t < H
  int64_t returns = 0;  // attainable returns
  int64_t bytes = 0;    // memory of the tables, as StockLimits counts it
};

// A deterministic policy on the reachable augmented states (t, s, c): the action at step t in
// state s with stock c (the sum of the rewards so far).
//
// Layout: the triples are listed by t, then s, then ascending c. Entries
// [start[t * num_states + s], start[t * num_states + s + 1]) of `stocks` are the stocks with which
// state s can be reached at step t (under some policy; none for terminal states), and the same
// entries of `actions` are the actions taken there. `valor solve --format json` writes these three
// arrays as they are.
struct StockPolicy {
  int horizon = 0;
  int num_states = 0;
  int num_actions = 0;
  // The optimised objective from the initial distribution with c_0 = 0 (E[u(G)] for
  // optimize_expected_utility; E[-(b - G)^+] for the policy of optimize_cvar).
  double value = 0.0;
  std::vector<int64_t> start;  // horizon * num_states + 1 entries, start[0] = 0
  std::vector<int> stocks;
  std::vector<int> actions;

  // Whether (t, state, stock) is a reachable triple of the policy's table.
  bool reachable(int t, int state, int stock) const;
  // The action at (t, s, c); valor::Error if t is not in [0, horizon), s not a state, or (t, s, c)
  // not reachable.
  int action(int t, int state, int stock) const;
};

// Maximises E[u(G)] over all (history-dependent) policies; the optimum is attained by the
// returned (t, s, c)-policy, greedy in the backward induction with ties to the lowest action.
// u is called once for each attainable return G (ascending), never at a stock no policy reaches;
// valor::Error naming G if u(G) is not finite. valor::Error also if the MDP is invalid, a reward
// is not an integer, horizon < 1, or the tables exceed limits.max_bytes.
StockPolicy optimize_expected_utility(const TabularMdp& mdp, const std::function<double(double)>& u,
                                      int horizon, const StockLimits& limits = {});

struct CvarResult {
  double alpha = 1.0;
  double cvar = 0.0;   // max over policies of CVaR_alpha(G)
  int b = 0;           // the maximising b of the dual (the lowest one on ties); a VaR_alpha of G
  StockPolicy policy;  // optimal for u(c) = -(b - c)^+, hence CVaR-optimal
  int candidates = 0;  // attainable returns, each a candidate b
  int evaluated = 0;   // candidates whose backward induction was run
};

// Maximises the lower-tail CVaR_alpha(G) = max_b { b - E[(b - G)^+] / alpha } over all policies
// (alpha = 1 gives the expectation). The maximum over b is attained at an attainable return, and
// m(b) = min over policies of E[(b - G)^+] does not decrease in b, so for candidates b_i < b < b_j,
// b - m(b) / alpha <= b_(j-1) - m(b_i) / alpha: a best-first search over intervals of candidates
// skips those whose bound is below the best value found, and returns what the exhaustive search
// returns (ties to the lowest b). valor::Error unless 0 < alpha <= 1, and as
// optimize_expected_utility.
CvarResult optimize_cvar(const TabularMdp& mdp, double alpha, int horizon,
                         const StockLimits& limits = {});

// The size of the problem (the forward pass only). valor::Error as optimize_expected_utility.
StockProblemSize stock_problem_size(const TabularMdp& mdp, int horizon,
                                    const StockLimits& limits = {});

// The exact distribution of G (cap rule) under a stock policy, from the initial distribution
// (its atoms are the integer returns of positive probability). valor::Error if the policy's sizes
// do not match the MDP, or as optimize_expected_utility.
value::ReturnDistribution stock_policy_return_pmf(const TabularMdp& mdp, const StockPolicy& policy);

// The lower-tail CVaR_alpha of G under the policy: stock_policy_return_pmf(mdp,
// policy).cvar(alpha). valor::Error unless 0 < alpha <= 1, and as stock_policy_return_pmf. (For
// Monte Carlo returns, value::ReturnDistribution::empirical(samples).cvar(alpha) is the plug-in
// estimate.)
double evaluate_stock_policy_cvar(const TabularMdp& mdp, const StockPolicy& policy, double alpha);

// Monte Carlo returns (cap rule) of `episodes` episodes under the policy. Sampling uses one
// Rng(seed): one uniform() per initial state and per step, by inverse CDF over the initial
// distribution and the row in its stored order. valor::Error as stock_policy_return_pmf, or if
// episodes < 0.
std::vector<double> rollout_returns(const TabularMdp& mdp, const StockPolicy& policy, int episodes,
                                    uint64_t seed);

}  // namespace valor::dp
