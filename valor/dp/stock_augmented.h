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
// Rewards must be integers (exactly, as doubles) with |r| <= 2^20, else valor::Error. The stock
// after t steps lies in [t * r_lo, t * r_hi] with r_lo = min(0, min r) and r_hi = max(0, max r)
// over the non-terminal rows; the value tables have (H + 1) * S * (H (r_hi - r_lo) + 1) entries
// (valor::Error beyond 2^28).
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "valor/env/tabular.h"
#include "valor/value/return_distribution.h"

namespace valor::dp {

using env::TabularMdp;

// A deterministic policy on the augmented state (t, s, c): the action at step t in state s with
// stock c. Defined for 0 <= t < horizon and c in [t * stock_lo_step, t * stock_hi_step].
struct StockPolicy {
  int horizon = 0;
  int num_states = 0;
  int num_actions = 0;
  int stock_lo_step = 0;  // r_lo = min(0, min reward); the stock at step t is >= t * r_lo
  int stock_hi_step = 0;  // r_hi = max(0, max reward); the stock at step t is <= t * r_hi
  // The optimised objective from the initial distribution with c_0 = 0 (E[u(G)] for
  // optimize_expected_utility; E[-(b - G)^+] for the policy of optimize_cvar).
  double value = 0.0;
  // actions[(t * num_states + s) * stock_count() + (c - horizon * stock_lo_step)]; 0 for terminal
  // states (their rows are self-loops, so the action does not matter) and outside the reachable
  // range of c at step t.
  std::vector<int> actions;

  int stock_min() const { return horizon * stock_lo_step; }
  int stock_max() const { return horizon * stock_hi_step; }
  int stock_count() const { return stock_max() - stock_min() + 1; }
  // The action at (t, s, c); valor::Error if t is not in [0, horizon), s not a state, or c
  // outside [t * stock_lo_step, t * stock_hi_step].
  int action(int t, int state, int stock) const;
};

// Maximises E[u(G)] over all (history-dependent) policies; the optimum is attained by the
// returned (t, s, c)-policy, greedy in the backward induction with ties to the lowest action.
// valor::Error if the MDP is invalid, a reward is not an integer, or horizon < 1.
StockPolicy optimize_expected_utility(const TabularMdp& mdp, const std::function<double(double)>& u,
                                      int horizon);

struct CvarResult {
  double alpha = 1.0;
  double cvar = 0.0;   // max over policies of CVaR_alpha(G)
  int b = 0;           // the maximising b of the dual (the lowest one on ties); a VaR_alpha of G
  StockPolicy policy;  // optimal for u(c) = -(b - c)^+, hence CVaR-optimal
};

// Maximises the lower-tail CVaR_alpha(G) = max_b { b - E[(b - G)^+] / alpha } over all policies
// (alpha = 1 gives the expectation). valor::Error unless 0 < alpha <= 1, and as
// optimize_expected_utility.
CvarResult optimize_cvar(const TabularMdp& mdp, double alpha, int horizon);

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
