// Exact solvers on tabular MDPs (algorithms.md section 4): value iteration with the certified
// stopping rule, policy iteration, exact policy evaluation, Q-values and greedy policies. The
// ground truth every learned value in valor is checked against.
//
// Conventions: V and policies are indexed by state; Q is [S * A], Q[s * A + a]. Terminal states
// are absorbing zero-reward self-loops (TabularMdp::validate), so V(terminal) = 0. gamma must be
// in [0, 1]; gamma = 1 (episodic) needs every evaluated policy to reach a terminal state.
#pragma once

#include <span>
#include <vector>

#include "valor/env/tabular.h"

namespace valor::dp {

using env::TabularMdp;

// A deterministic policy: the action taken in each state.
using Policy = std::vector<int>;

// Validates the MDP (valor::Error as TabularMdp::validate), then valor::Error unless
// 0 <= gamma <= 1, and, for gamma = 1, some terminal state is reachable from
// the initial distribution (the message says to use gamma < 1 or add a terminal state).
void check_discount(const TabularMdp& mdp, double gamma);

// Q(s, a) = sum_{s', r} p(s', r | s, a) (r + gamma V(s')).
std::vector<double> q_from_v(const TabularMdp& mdp, const std::vector<double>& v, double gamma);

// argmax_a Q(s, a); ties go to the lowest action index.
Policy greedy_policy(const TabularMdp& mdp, const std::vector<double>& q);

struct ValueIterationResult {
  std::vector<double> v;  // the last iterate
  std::vector<double> q;  // Q of the last iterate
  Policy policy;          // greedy with respect to q
  int sweeps = 0;
  double last_change = 0;  // ||V_k - V_{k-1}||_inf at the stop
  // For gamma < 1: the stop at ||V_k - V_{k-1}|| < epsilon (1 - gamma) / (2 gamma) certifies
  // ||V^policy - V*||_inf <= epsilon. For gamma = 1 it stops at ||V_k - V_{k-1}|| < epsilon and
  // certifies nothing (certified = false).
  bool certified = false;
};

// Synchronous (Gauss-Jacobi) sweeps from V_0 = 0: each sweep is bellman_optimality_sweep, reading
// only the previous iterate; all buffers are allocated before the loop. valor::Error (after
// check_discount) if max_sweeps pass without meeting the stopping rule, if epsilon <= 0 or
// max_sweeps < 1.
//
// For gamma = 1 value iteration converges only where the undiscounted optimum is finite, and two
// kinds of divergence are caught early, each a valor::Error naming the states involved:
// - before any sweep: states from which no action sequence reaches a terminal state and every
//   reward that any actions can lead to is negative (value -infinity; e.g. a walled-in cost cell)
//   or every one positive (+infinity);
// - during the sweeps: once the iterates have risen by the same vector for kDivergenceSweeps
//   sweeps in a row (then 2x, 4x, ... as many after a check that finds nothing), the greedy policy
//   is followed from the state that rises most to the closed class it ends in, and if that class
//   never reaches a terminal state and its average reward per step (exact, from its stationary
//   distribution) is positive, the optimum is +infinity there.
// A rise alone proves nothing (from a start whose only way out costs 100, staying at -1 per step
// is the best plan for the first 100 sweeps), hence the exact check. Any other failure to converge
// ends at max_sweeps; that message names the states whose values changed most in the last sweep.
ValueIterationResult value_iteration(const TabularMdp& mdp, double gamma, double epsilon = 1e-10,
                                     int max_sweeps = 1000000);

// Sweeps during which the iterates must have risen by the same vector before value iteration
// checks the greedy policy for a reward cycle: a few, so that the check is cheap to try and
// divergence is caught in milliseconds; the check itself is exact.
inline constexpr int kDivergenceSweeps = 16;

// V*, Q* and the greedy policy as `valor solve` reports them: value_iteration, and for gamma = 1
// on the states reachable from the initial distribution only (the others cannot affect an episode,
// and a walled-in cost cell among them would make the undiscounted values diverge). Indexed by the
// states of `mdp`: unreachable states get NaN values and Q-values and action -1. The errors of
// value_iteration.
struct OptimalSolution {
  ValueIterationResult vi;
  std::vector<int> unreachable;  // gamma = 1: the states left out, ascending
  std::vector<int> improper;     // gamma = 1: states from which the greedy policy never ends
};
OptimalSolution solve_optimal(const TabularMdp& mdp, double gamma, double epsilon = 1e-10);

// The states reachable from the initial distribution through outcomes of positive probability
// under any actions (the initial states included; terminal states are not left).
// valor::Error as TabularMdp::validate.
std::vector<bool> reachable_states(const TabularMdp& mdp);

// The states from which some sequence of actions reaches a terminal state with positive
// probability (the terminal states included). valor::Error as TabularMdp::validate.
std::vector<bool> can_reach_terminal(const TabularMdp& mdp);

// The states from which `policy` never reaches a terminal state (their return at gamma = 1 is not
// that of an episode that ends), ascending. valor::Error for a policy of the wrong size or with an
// action out of range.
std::vector<int> improper_states(const TabularMdp& mdp, const Policy& policy);

// An MDP restricted to a set of its states that no outcome of positive probability leaves.
struct SubMdp {
  TabularMdp mdp;             // the kept states, in their original order; same name and actions
  std::vector<int> original;  // original[t]: the state of the full MDP that sub-state t is
  std::vector<int> index;     // index[s]: the sub-state of state s, or -1 if left out
};

// Keeps the states with keep[s]; outcomes of probability 0 into left-out states are dropped.
// valor::Error if keep has the wrong size, keeps no state, or a kept non-terminal state has an
// outcome of positive probability into a left-out state (naming both); the initial distribution
// must lie on kept states (else valor::Error).
SubMdp restrict_to_states(const TabularMdp& mdp, const std::vector<bool>& keep);

struct PolicyIterationResult {
  std::vector<double> v;  // exact V of the final policy
  Policy policy;
  int iterations = 0;
};

// Howard's policy iteration from `initial` (default: action 0 everywhere), with exact evaluation;
// improves only where an action beats the current one by more than 1e-12 (relative), so it stops.
PolicyIterationResult policy_iteration(const TabularMdp& mdp, double gamma, Policy initial = {});

// Exact V^pi: solves (I - gamma P_pi) V = r_pi with a sparse LU (Eigen), V(terminal) = 0.
// For gamma < 1 and more than 2,000 states BiCGSTAB is tried first (random MDPs fill the LU
// factors in almost completely) and its answer kept only when the residual certifies
// ||V - V^pi||_inf <= 1e-10 max(1, ||V||_inf); otherwise the sparse LU decides.
// valor::Error naming a state if the system is singular (gamma = 1 and the policy does not reach
// a terminal state from it; checked by a backward search before factoring), for a policy of the
// wrong size or with an action out of range, and for gamma outside [0, 1].
std::vector<double> evaluate_policy(const TabularMdp& mdp, const Policy& policy, double gamma);

// The same for a stochastic policy pi[s * A + a] (rows sum to 1).
std::vector<double> evaluate_stochastic_policy(const TabularMdp& mdp, const std::vector<double>& pi,
                                               double gamma);

// The model flattened for fast sweeps (compressed rows): the outcomes of pair k = s * A + a are
// entries [row_start[k], row_start[k + 1]) of next_state / probability, and expected_reward[k]
// is r(s, a). Built once (flatten) outside any loop.
struct FlatModel {
  int num_states = 0;
  int num_actions = 0;
  std::vector<int> row_start;  // size S * A + 1
  std::vector<int> next_state;
  std::vector<double> probability;
  std::vector<double> expected_reward;  // size S * A
};

// Validates the MDP (valor::Error as TabularMdp::validate) and flattens it.
FlatModel flatten(const TabularMdp& mdp);

// One synchronous (Gauss-Jacobi) Bellman optimality sweep:
// out(s) = max_a [r(s, a) + gamma sum_s' P(s'|s, a) v(s')] for every s, reading only v.
// Returns ||out - v||_inf. v and out have size num_states and must not overlap; no allocation.
// value_iteration performs exactly these sweeps.
double bellman_optimality_sweep(const FlatModel& model, double gamma, std::span<const double> v,
                                std::span<double> out);

}  // namespace valor::dp
