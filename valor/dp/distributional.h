// Distributional policy evaluation on tabular MDPs (algorithms.md section 4): the fixed point of
// the projected distributional Bellman operator Pi_C T^pi on a categorical (C51) support, and,
// for episodic MDPs with integer rewards, the exact probability mass function of the
// undiscounted return by dynamic programming over (state, return so far).
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <span>
#include <vector>

#include "valor/dp/solve.h"
#include "valor/value/return_distribution.h"
#include "valor/value/support.h"

namespace valor::dp {

// Iterations over which categorical_policy_evaluation measures how fast its change shrinks:
// enough to average out the wobble of the first iterations of an episodic task.
inline constexpr int kCategoricalRateWindow = 64;

// The fixed point eta of eta(s) = sum_{s', r} p(s', r | s, pi(s)) Pi_C[(r + gamma z)_# eta(s')].
struct CategoricalResult {
  int num_states = 0;
  // The atoms z_i = v_min + i D in double (v_min and D as the support holds them).
  std::vector<double> atoms;
  // probabilities[s * m + i]: the probability of atom i in state s (m = atoms.size()). Terminal
  // states hold the projection of the point mass at 0 (delta_0 when 0 is on an atom).
  std::vector<double> probabilities;
  int iterations = 0;        // applications of the operator
  bool converged = false;    // always true on return (not converging throws)
  double last_change = 0.0;  // max |eta_k - eta_{k-1}| over states and atoms at the stop

  // The distribution of state s (m entries).
  std::span<const double> distribution(int state) const;
  // sum_i eta(s)_i z_i.
  double mean(int state) const;
  // mean(s) for every state.
  std::vector<double> means() const;
};

// Iterates eta_{k+1} = Pi_C T^pi eta_k from delta_0 in every state until the largest absolute
// change of any probability is below `tolerance`. Each transition (s, r, s') is projected with
// the C51 rule of algorithms.md section 2 (value::project_categorical's formula), evaluated in
// double precision so that the fixed point's mean meets the Bellman equation to ~1e-12 rather
// than float rounding: Tz = clip(r + g z_j, v_min, v_max) with g = gamma, or g = 0 when s' is
// terminal (its return distribution is the point mass at 0). Without clipping the projection
// preserves means, so the fixed point's means solve V = r_pi + gamma P_pi V, i.e. equal V^pi.
// valor::Error unless 0 <= gamma < 1, the policy has one action in [0, A) per state, and
// tolerance > 0; also if max_iterations pass without converging, and, early, once
// kCategoricalRateWindow iterations have run, as soon as the rate at which the change shrank over
// the last kCategoricalRateWindow iterations predicts more than max_iterations in all (the message
// gives the prediction).
CategoricalResult categorical_policy_evaluation(const TabularMdp& mdp, const Policy& policy,
                                                double gamma, const value::AtomSupport& support,
                                                double tolerance = 1e-12,
                                                int max_iterations = 100000);

// The mean of a categorical distribution over `atoms`; valor::Error on a size mismatch.
double categorical_mean(std::span<const double> probabilities, std::span<const double> atoms);

// An interval that holds every discounted return of the MDP under any policy:
// lo = min(0, r_min) / (1 - gamma), hi = max(max(0, r_max) / (1 - gamma), lo + 1e-6), r_min and
// r_max over the rewards of every row (the 1e-6 keeps the interval non-empty when every reward is
// 0). valor::Error unless 0 <= gamma < 1.
struct ReturnBounds {
  double lo = 0.0;
  double hi = 0.0;
};
ReturnBounds discounted_return_bounds(const TabularMdp& mdp, double gamma);

// The return distribution of `policy` from the MDP's initial distribution on a categorical
// support: the mixture sum_s initial_distribution[s] eta(s) of the fixed point eta of
// categorical_policy_evaluation(mdp, policy, gamma, support, default tolerance, max_iterations).
// Pick a support that covers the returns (discounted_return_bounds) so that its mean is the
// policy's value. valor::Error as categorical_policy_evaluation.
value::ReturnDistribution categorical_return_distribution(const TabularMdp& mdp,
                                                          const Policy& policy, double gamma,
                                                          const value::AtomSupport& support,
                                                          int max_iterations = 100000);

// The law of an integer-valued return: P(G = g) for the returns of positive probability among
// episodes that terminated within the step budget, plus the mass of the episodes that did not.
struct ExactReturnPmf {
  std::map<int64_t, double> probabilities;  // return -> probability, ascending returns
  double unfinished_mass = 0.0;             // episodes still running after max_steps
  int64_t updates = 0;                      // (return, probability) entries added to compute it

  // sum of probabilities.
  double finished_mass() const;
  // The law of the return conditional on termination within the budget (the probabilities
  // divided by finished_mass(), = 1 - unfinished_mass up to rounding), for its mean, sd,
  // quantiles and CVaR (conventions in value/return_distribution.h). Check unfinished_mass before
  // trusting it. valor::Error when there is no finished mass.
  value::ReturnDistribution finished_distribution() const;
};

// The exact pmf of the undiscounted (gamma = 1) return from `state` under `policy`, by dynamic
// programming over (state, return so far), one step at a time for at most max_steps steps.
// Mass that enters a terminal state joins `probabilities`; mass still in a non-terminal state
// after max_steps steps is reported as unfinished_mass. A terminal `state` gives the point mass
// at 0. Outcomes of probability 0 are skipped.
// valor::Error if the reward of any outcome of a policy row (s, pi(s)), s non-terminal, is not an
// integer (naming the state, action and reward), if max_steps < 1, if `state` is out of range,
// if the policy does not have one action in [0, A) per state, or once more than max_updates
// (return, probability) entries have been added into the table (a bound on the time and memory
// it takes; the message says how far it got).
ExactReturnPmf exact_return_distribution(const TabularMdp& mdp, const Policy& policy, int state,
                                         int max_steps,
                                         int64_t max_updates = std::numeric_limits<int64_t>::max());

// The same from the MDP's initial distribution: the mixture over the states s of positive
// initial probability w_s of exact_return_distribution(mdp, policy, s, max_steps), both its
// probabilities and its unfinished mass weighted by w_s. valor::Error as above; max_updates bounds
// the updates of all the initial states together.
ExactReturnPmf exact_return_distribution_from_initial(
    const TabularMdp& mdp, const Policy& policy, int max_steps,
    int64_t max_updates = std::numeric_limits<int64_t>::max());

}  // namespace valor::dp
