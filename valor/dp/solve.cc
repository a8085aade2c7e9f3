#include "valor/dp/solve.h"

#include <Eigen/IterativeLinearSolvers>
#include <Eigen/SparseCore>
#include <Eigen/SparseLU>
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <deque>
#include <limits>
#include <string>
#include <utility>

#include "valor/core/error.h"

namespace valor::dp {
namespace {

size_t pair_index(const TabularMdp& mdp, int s, int a) {
  return static_cast<size_t>(s) * static_cast<size_t>(mdp.num_actions) + static_cast<size_t>(a);
}

void check_gamma_range(const TabularMdp& mdp, double gamma) {
  if (!(gamma >= 0.0 && gamma <= 1.0)) {
    fail("tabular MDP '{}': discount gamma = {} must be in [0, 1]", mdp.name, gamma);
  }
}

void check_values_size(const TabularMdp& mdp, size_t size, const char* what) {
  if (size != static_cast<size_t>(mdp.num_states)) {
    fail("tabular MDP '{}': {} has {} entries but the MDP has {} states", mdp.name, what, size,
         mdp.num_states);
  }
}

void check_policy(const TabularMdp& mdp, const Policy& policy) {
  check_values_size(mdp, policy.size(), "the policy");
  for (int s = 0; s < mdp.num_states; ++s) {
    const int a = policy[static_cast<size_t>(s)];
    if (a < 0 || a >= mdp.num_actions) {
      fail("tabular MDP '{}': the policy takes action {} in state {}, outside [0, {})", mdp.name, a,
           mdp.state_name(s), mdp.num_actions);
    }
  }
}

// Systems larger than this try an iterative solver first (gamma < 1); see solve_linear.
constexpr int kIterativeMinStates = 2000;

// weight(s, a): the probability that the evaluated policy takes a in s.
template <typename Weight>
std::vector<double> solve_linear(const TabularMdp& mdp, double gamma, const Weight& weight,
                                 const char* what) {
  const int n = mdp.num_states;
  const int num_actions = mdp.num_actions;
  if (gamma == 1.0) {
    // (I - P_pi) restricted to the non-terminal states is singular exactly when some state cannot
    // reach a terminal state under pi (those states hold a closed class). Find them by a backward
    // search from the terminal states over the policy's positive-probability transitions.
    std::vector<std::vector<int>> predecessors(static_cast<size_t>(n));
    for (int s = 0; s < n; ++s) {
      if (mdp.terminal[static_cast<size_t>(s)]) continue;
      for (int a = 0; a < num_actions; ++a) {
        if (!(weight(s, a) > 0.0)) continue;
        for (const auto& t : mdp.row(s, a)) {
          if (t.probability > 0.0) predecessors[static_cast<size_t>(t.next_state)].push_back(s);
        }
      }
    }
    std::vector<bool> reaches(static_cast<size_t>(n), false);
    std::deque<int> queue;
    for (int s = 0; s < n; ++s) {
      if (mdp.terminal[static_cast<size_t>(s)]) {
        reaches[static_cast<size_t>(s)] = true;
        queue.push_back(s);
      }
    }
    while (!queue.empty()) {
      const int s = queue.front();
      queue.pop_front();
      for (int p : predecessors[static_cast<size_t>(s)]) {
        if (!reaches[static_cast<size_t>(p)]) {
          reaches[static_cast<size_t>(p)] = true;
          queue.push_back(p);
        }
      }
    }
    for (int s = 0; s < n; ++s) {
      if (!reaches[static_cast<size_t>(s)]) {
        fail(
            "tabular MDP '{}': {} with gamma = 1 is singular: from state {} the policy never "
            "reaches a terminal state, so its return is undefined; use gamma < 1, or a policy "
            "that reaches a terminal state from every state",
            mdp.name, what, mdp.state_name(s));
      }
    }
  }

  std::vector<Eigen::Triplet<double, int>> triplets;
  Eigen::VectorXd rhs = Eigen::VectorXd::Zero(n);
  for (int s = 0; s < n; ++s) {
    triplets.emplace_back(s, s, 1.0);
    if (mdp.terminal[static_cast<size_t>(s)]) continue;  // V(terminal) = 0
    for (int a = 0; a < num_actions; ++a) {
      const double w = weight(s, a);
      if (w == 0.0) continue;
      for (const auto& t : mdp.row(s, a)) {
        if (t.probability == 0.0) continue;
        rhs[s] += w * t.probability * t.reward;
        triplets.emplace_back(s, t.next_state, -gamma * w * t.probability);
      }
    }
  }
  Eigen::SparseMatrix<double, Eigen::ColMajor, int> matrix(n, n);
  matrix.setFromTriplets(triplets.begin(), triplets.end());  // duplicates are summed
  matrix.makeCompressed();
  // Random MDPs (Garnets) have no sparse LU structure: the factors of a 10,000-state Garnet fill
  // in almost completely and take a minute. For gamma < 1, (I - gamma P_pi) is strictly
  // diagonally dominant with ||(I - gamma P_pi)^-1||_inf <= 1 / (1 - gamma), so an iterative
  // solution x has ||x - V||_inf <= ||r - (I - gamma P_pi) x||_inf / (1 - gamma): large systems
  // try BiCGSTAB first and keep its answer only when that bound certifies it; otherwise (and for
  // small systems or gamma = 1) the sparse LU decides.
  if (gamma < 1.0 && n > kIterativeMinStates) {
    const Eigen::SparseMatrix<double, Eigen::RowMajor, int> row_major = matrix;
    Eigen::BiCGSTAB<Eigen::SparseMatrix<double, Eigen::RowMajor, int>> solver;
    solver.setTolerance(1e-15);
    solver.setMaxIterations(10000);
    solver.compute(row_major);
    if (solver.info() == Eigen::Success) {
      const Eigen::VectorXd x = solver.solve(rhs);
      const double residual = (rhs - row_major * x).lpNorm<Eigen::Infinity>();
      const double bound = residual / (1.0 - gamma);
      if (x.allFinite() && bound <= 1e-10 * std::max(1.0, x.lpNorm<Eigen::Infinity>())) {
        std::vector<double> v(static_cast<size_t>(n));
        for (int s = 0; s < n; ++s) {
          v[static_cast<size_t>(s)] = mdp.terminal[static_cast<size_t>(s)] ? 0.0 : x[s];
        }
        return v;
      }
    }
  }
  Eigen::SparseLU<Eigen::SparseMatrix<double, Eigen::ColMajor, int>, Eigen::COLAMDOrdering<int>> lu;
  lu.compute(matrix);
  if (lu.info() != Eigen::Success) {
    fail(
        "tabular MDP '{}': {} failed: the system (I - gamma P_pi) V = r_pi is singular ({}); use "
        "gamma < 1, or a policy that reaches a terminal state",
        mdp.name, what, lu.lastErrorMessage());
  }
  const Eigen::VectorXd x = lu.solve(rhs);
  if (lu.info() != Eigen::Success) {
    fail(
        "tabular MDP '{}': {} failed: the sparse LU solve did not succeed; use gamma < 1, or a "
        "policy that reaches a terminal state",
        mdp.name, what);
  }
  std::vector<double> v(static_cast<size_t>(n));
  for (int s = 0; s < n; ++s) {
    if (!std::isfinite(x[s])) {
      fail(
          "tabular MDP '{}': {} gave a non-finite value in state {} (a numerically singular "
          "system); use gamma < 1, or a policy that reaches a terminal state",
          mdp.name, what, mdp.state_name(s));
    }
    v[static_cast<size_t>(s)] = mdp.terminal[static_cast<size_t>(s)] ? 0.0 : x[s];
  }
  return v;
}

}  // namespace

void check_discount(const TabularMdp& mdp, double gamma) {
  check_gamma_range(mdp, gamma);
  mdp.validate();
  if (gamma < 1.0) return;
  // Breadth-first search from the initial states over positive-probability transitions of any
  // action.
  const int n = mdp.num_states;
  std::vector<bool> seen(static_cast<size_t>(n), false);
  std::deque<int> queue;
  for (int s = 0; s < n; ++s) {
    if (static_cast<size_t>(s) < mdp.initial_distribution.size() &&
        mdp.initial_distribution[static_cast<size_t>(s)] > 0.0) {
      seen[static_cast<size_t>(s)] = true;
      queue.push_back(s);
    }
  }
  while (!queue.empty()) {
    const int s = queue.front();
    queue.pop_front();
    if (mdp.terminal[static_cast<size_t>(s)]) return;
    for (int a = 0; a < mdp.num_actions; ++a) {
      for (const auto& t : mdp.row(s, a)) {
        if (t.probability > 0.0 && !seen[static_cast<size_t>(t.next_state)]) {
          seen[static_cast<size_t>(t.next_state)] = true;
          queue.push_back(t.next_state);
        }
      }
    }
  }
  fail(
      "tabular MDP '{}': gamma = 1 (undiscounted) needs a terminal state reachable from the "
      "initial distribution, and there is none, so returns are unbounded; use gamma < 1, or add "
      "a terminal state",
      mdp.name);
}

FlatModel flatten(const TabularMdp& mdp) {
  mdp.validate();
  FlatModel model;
  model.num_states = mdp.num_states;
  model.num_actions = mdp.num_actions;
  const size_t pairs = mdp.rows.size();
  size_t total = 0;
  for (const auto& row : mdp.rows) total += row.size();
  if (total > static_cast<size_t>(std::numeric_limits<int>::max())) {
    fail("tabular MDP '{}': {} outcomes are too many to flatten (at most 2^31 - 1)", mdp.name,
         total);
  }
  model.row_start.reserve(pairs + 1);
  model.next_state.reserve(total);
  model.probability.reserve(total);
  model.expected_reward.reserve(pairs);
  model.row_start.push_back(0);
  for (const auto& row : mdp.rows) {
    double r = 0.0;
    for (const auto& t : row) {
      if (t.probability == 0.0) continue;
      model.next_state.push_back(t.next_state);
      model.probability.push_back(t.probability);
      r += t.probability * t.reward;
    }
    model.expected_reward.push_back(r);
    model.row_start.push_back(static_cast<int>(model.next_state.size()));
  }
  return model;
}

double bellman_optimality_sweep(const FlatModel& model, double gamma, std::span<const double> v,
                                std::span<double> out) {
  const int n = model.num_states;
  const int num_actions = model.num_actions;
  const int* row_start = model.row_start.data();
  const int* next = model.next_state.data();
  const double* prob = model.probability.data();
  const double* reward = model.expected_reward.data();
  const double* vin = v.data();
  double change = 0.0;
  for (int s = 0; s < n; ++s) {
    double best = -std::numeric_limits<double>::infinity();
    const int k0 = s * num_actions;
    for (int k = k0; k < k0 + num_actions; ++k) {
      double expected = 0.0;
      for (int i = row_start[k]; i < row_start[k + 1]; ++i) expected += prob[i] * vin[next[i]];
      best = std::max(best, reward[k] + gamma * expected);
    }
    out[static_cast<size_t>(s)] = best;
    change = std::max(change, std::abs(best - vin[s]));
  }
  return change;
}

std::vector<double> q_from_v(const TabularMdp& mdp, const std::vector<double>& v, double gamma) {
  check_gamma_range(mdp, gamma);
  check_values_size(mdp, v.size(), "V");
  std::vector<double> q(static_cast<size_t>(mdp.num_states) * static_cast<size_t>(mdp.num_actions));
  for (int s = 0; s < mdp.num_states; ++s) {
    for (int a = 0; a < mdp.num_actions; ++a) {
      double total = 0.0;
      for (const auto& t : mdp.row(s, a)) {
        total += t.probability * (t.reward + gamma * v[static_cast<size_t>(t.next_state)]);
      }
      q[pair_index(mdp, s, a)] = total;
    }
  }
  return q;
}

Policy greedy_policy(const TabularMdp& mdp, const std::vector<double>& q) {
  if (q.size() != static_cast<size_t>(mdp.num_states) * static_cast<size_t>(mdp.num_actions)) {
    fail("tabular MDP '{}': Q has {} entries but must have states * actions = {} * {}", mdp.name,
         q.size(), mdp.num_states, mdp.num_actions);
  }
  Policy policy(static_cast<size_t>(mdp.num_states), 0);
  for (int s = 0; s < mdp.num_states; ++s) {
    int best = 0;
    for (int a = 1; a < mdp.num_actions; ++a) {
      if (q[pair_index(mdp, s, a)] > q[pair_index(mdp, s, best)]) best = a;
    }
    policy[static_cast<size_t>(s)] = best;
  }
  return policy;
}

ValueIterationResult value_iteration(const TabularMdp& mdp, double gamma, double epsilon,
                                     int max_sweeps) {
  check_discount(mdp, gamma);
  if (!(epsilon > 0.0) || !std::isfinite(epsilon)) {
    fail("value iteration on '{}': epsilon = {} must be finite and > 0", mdp.name, epsilon);
  }
  if (max_sweeps < 1) {
    fail("value iteration on '{}': max_sweeps = {} must be >= 1", mdp.name, max_sweeps);
  }
  const FlatModel model = flatten(mdp);
  const bool certified = gamma < 1.0;
  const double threshold = gamma == 0.0  ? std::numeric_limits<double>::infinity()
                           : gamma < 1.0 ? epsilon * (1.0 - gamma) / (2.0 * gamma)
                                         : epsilon;
  ValueIterationResult result;
  std::vector<double> v(static_cast<size_t>(mdp.num_states), 0.0);
  std::vector<double> next(v.size(), 0.0);
  double change = std::numeric_limits<double>::infinity();
  int sweeps = 0;
  while (sweeps < max_sweeps) {
    change = bellman_optimality_sweep(model, gamma, v, next);
    v.swap(next);
    ++sweeps;
    if (!std::isfinite(change)) break;
    if (change < threshold) {
      result.v = std::move(v);
      result.q = q_from_v(mdp, result.v, gamma);
      result.policy = greedy_policy(mdp, result.q);
      result.sweeps = sweeps;
      result.last_change = change;
      result.certified = certified;
      return result;
    }
  }
  fail(
      "value iteration on '{}' (gamma = {}) did not meet its stopping rule "
      "(||V_k - V_(k-1)||_inf < {}) in {} sweeps; the last change was {}{}",
      mdp.name, gamma, threshold, sweeps, change,
      gamma == 1.0 ? " (with gamma = 1 some policy may never reach a terminal state; use gamma < 1)"
                   : "; raise max_sweeps or epsilon");
}

PolicyIterationResult policy_iteration(const TabularMdp& mdp, double gamma, Policy initial) {
  check_discount(mdp, gamma);
  Policy policy =
      initial.empty() ? Policy(static_cast<size_t>(mdp.num_states), 0) : std::move(initial);
  check_policy(mdp, policy);
  PolicyIterationResult result;
  // Each improvement strictly raises V^pi in some state and lowers it nowhere, so no policy
  // repeats; the cap only guards against a numerical cycle.
  const long long cap = 1000000;
  for (long long iteration = 1; iteration <= cap; ++iteration) {
    std::vector<double> v = evaluate_policy(mdp, policy, gamma);
    const std::vector<double> q = q_from_v(mdp, v, gamma);
    bool changed = false;
    for (int s = 0; s < mdp.num_states; ++s) {
      if (mdp.terminal[static_cast<size_t>(s)]) continue;
      const int current = policy[static_cast<size_t>(s)];
      const double current_q = q[pair_index(mdp, s, current)];
      int best = current;
      for (int a = 0; a < mdp.num_actions; ++a) {
        if (q[pair_index(mdp, s, a)] > q[pair_index(mdp, s, best)]) best = a;
      }
      const double gain = q[pair_index(mdp, s, best)] - current_q;
      if (best != current && gain > 1e-12 * std::max(1.0, std::abs(current_q))) {
        policy[static_cast<size_t>(s)] = best;
        changed = true;
      }
    }
    if (!changed) {
      result.v = std::move(v);
      result.policy = std::move(policy);
      result.iterations = static_cast<int>(iteration);
      return result;
    }
  }
  fail("policy iteration on '{}' did not converge in {} iterations", mdp.name, cap);
}

std::vector<double> evaluate_policy(const TabularMdp& mdp, const Policy& policy, double gamma) {
  mdp.validate();
  check_gamma_range(mdp, gamma);
  check_policy(mdp, policy);
  return solve_linear(
      mdp, gamma,
      [&policy](int s, int a) { return policy[static_cast<size_t>(s)] == a ? 1.0 : 0.0; },
      "policy evaluation");
}

std::vector<double> evaluate_stochastic_policy(const TabularMdp& mdp, const std::vector<double>& pi,
                                               double gamma) {
  mdp.validate();
  check_gamma_range(mdp, gamma);
  const size_t pairs = static_cast<size_t>(mdp.num_states) * static_cast<size_t>(mdp.num_actions);
  if (pi.size() != pairs) {
    fail(
        "tabular MDP '{}': the stochastic policy has {} entries but must have states * actions "
        "= {} * {}",
        mdp.name, pi.size(), mdp.num_states, mdp.num_actions);
  }
  for (int s = 0; s < mdp.num_states; ++s) {
    double total = 0.0;
    for (int a = 0; a < mdp.num_actions; ++a) {
      const double p = pi[pair_index(mdp, s, a)];
      if (!(p >= 0.0) || !std::isfinite(p)) {
        fail("tabular MDP '{}': the stochastic policy gives action {} in state {} probability {}",
             mdp.name, mdp.action_name(a), mdp.state_name(s), p);
      }
      total += p;
    }
    if (std::abs(total - 1.0) > 1e-9) {
      fail(
          "tabular MDP '{}': the stochastic policy's probabilities in state {} sum to {} (must "
          "sum to 1 within 1e-09)",
          mdp.name, mdp.state_name(s), total);
    }
  }
  return solve_linear(
      mdp, gamma, [&pi, &mdp](int s, int a) { return pi[pair_index(mdp, s, a)]; },
      "stochastic policy evaluation");
}

}  // namespace valor::dp
