#include "valor/dp/solve.h"

#include <fmt/format.h>

#include <Eigen/IterativeLinearSolvers>
#include <Eigen/SparseCore>
#include <Eigen/SparseLU>
#include <algorithm>
#include <array>
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

// The states from which a terminal state is reached with positive probability when action a is
// taken in s with probability weight(s, a): a backward search from the terminal states over the
// transitions of positive probability.
template <typename Weight>
std::vector<bool> reaches_terminal(const TabularMdp& mdp, const Weight& weight) {
  const int n = mdp.num_states;
  std::vector<std::vector<int>> predecessors(static_cast<size_t>(n));
  for (int s = 0; s < n; ++s) {
    if (mdp.terminal[static_cast<size_t>(s)]) continue;
    for (int a = 0; a < mdp.num_actions; ++a) {
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
  return reaches;
}

// At most this many states are named in a message about value iteration.
constexpr size_t kNamedStates = 5;

// "(0,1) (+1 per sweep), (0,2) (+1 per sweep) and 3 more": the states with the largest |drift|.
std::string name_moving_states(const TabularMdp& mdp, const std::vector<double>& drift,
                               const std::vector<bool>& escapes, const char* unit) {
  std::vector<int> order(drift.size());
  for (size_t s = 0; s < order.size(); ++s) order[s] = static_cast<int>(s);
  double largest = 0.0;
  for (double d : drift) largest = std::max(largest, std::abs(d));
  std::stable_sort(order.begin(), order.end(), [&drift](int a, int b) {
    return std::abs(drift[static_cast<size_t>(a)]) > std::abs(drift[static_cast<size_t>(b)]);
  });
  std::string text;
  size_t named = 0, moving = 0;
  for (int s : order) {
    const double d = drift[static_cast<size_t>(s)];
    if (!(std::abs(d) >= 1e-3 * largest) || d == 0.0) break;
    ++moving;
    if (named == kNamedStates) continue;
    text += fmt::format("{}{} ({:+.4g} {}{})", named == 0 ? "" : ", ", mdp.state_name(s), d, unit,
                        escapes[static_cast<size_t>(s)] ? ""
                                                        : "; no action sequence from it "
                                                          "reaches a terminal state");
    ++named;
  }
  if (moving > named) text += fmt::format(" and {} more", moving - named);
  return text;
}

// The closed class that `policy` ends in from `state` when it never reaches a terminal state,
// and its gain (the average reward per step in it); gain 0 and no states when there is none.
struct RewardCycle {
  std::vector<int> states;
  double gain = 0.0;
};

// The states reached from `from` under the policy (positive probability), `from` included.
std::vector<int> forward_closure(const TabularMdp& mdp, const Policy& policy, int from) {
  std::vector<bool> seen(static_cast<size_t>(mdp.num_states), false);
  std::vector<int> out = {from};
  seen[static_cast<size_t>(from)] = true;
  for (size_t i = 0; i < out.size(); ++i) {
    for (const auto& t : mdp.row(out[i], policy[static_cast<size_t>(out[i])])) {
      if (t.probability > 0.0 && !seen[static_cast<size_t>(t.next_state)]) {
        seen[static_cast<size_t>(t.next_state)] = true;
        out.push_back(t.next_state);
      }
    }
  }
  return out;
}

RewardCycle closed_class_from(const TabularMdp& mdp, const Policy& policy, int state) {
  // Walk down to a closed class: while some state reached from u cannot return to u, move there
  // (its closure is strictly smaller); at most num_states moves.
  int u = state;
  std::vector<int> closure;
  for (;;) {
    closure = forward_closure(mdp, policy, u);
    std::vector<int> position(static_cast<size_t>(mdp.num_states), -1);
    for (size_t i = 0; i < closure.size(); ++i)
      position[static_cast<size_t>(closure[i])] = static_cast<int>(i);
    for (int s : closure) {
      if (mdp.terminal[static_cast<size_t>(s)]) return {};
    }
    // Backward search to u within the closure.
    std::vector<std::vector<int>> predecessors(closure.size());
    for (size_t i = 0; i < closure.size(); ++i) {
      for (const auto& t : mdp.row(closure[i], policy[static_cast<size_t>(closure[i])])) {
        if (t.probability > 0.0) {
          predecessors[static_cast<size_t>(position[static_cast<size_t>(t.next_state)])].push_back(
              static_cast<int>(i));
        }
      }
    }
    std::vector<bool> returns(closure.size(), false);
    std::vector<int> queue = {0};
    returns[0] = true;
    for (size_t k = 0; k < queue.size(); ++k) {
      for (int p : predecessors[static_cast<size_t>(queue[k])]) {
        if (!returns[static_cast<size_t>(p)]) {
          returns[static_cast<size_t>(p)] = true;
          queue.push_back(p);
        }
      }
    }
    const auto away = std::find(returns.begin(), returns.end(), false);
    if (away == returns.end()) break;
    u = closure[static_cast<size_t>(away - returns.begin())];
  }
  // The stationary distribution mu of the class: mu (P - I) = 0 with sum(mu) = 1 in place of the
  // last equation (the class is irreducible, so the system is regular).
  const int m = static_cast<int>(closure.size());
  std::vector<int> position(static_cast<size_t>(mdp.num_states), -1);
  for (int i = 0; i < m; ++i) position[static_cast<size_t>(closure[static_cast<size_t>(i)])] = i;
  std::vector<Eigen::Triplet<double, int>> triplets;
  Eigen::VectorXd reward = Eigen::VectorXd::Zero(m);
  for (int i = 0; i < m; ++i) {
    const int s = closure[static_cast<size_t>(i)];
    if (i < m - 1) triplets.emplace_back(i, i, -1.0);
    for (const auto& t : mdp.row(s, policy[static_cast<size_t>(s)])) {
      reward[i] += t.probability * t.reward;
      const int j = position[static_cast<size_t>(t.next_state)];
      if (j < m - 1 && t.probability > 0.0) triplets.emplace_back(j, i, t.probability);
    }
    triplets.emplace_back(m - 1, i, 1.0);
  }
  Eigen::SparseMatrix<double, Eigen::ColMajor, int> a(m, m);
  a.setFromTriplets(triplets.begin(), triplets.end());
  a.makeCompressed();
  Eigen::SparseLU<Eigen::SparseMatrix<double, Eigen::ColMajor, int>, Eigen::COLAMDOrdering<int>> lu;
  lu.compute(a);
  if (lu.info() != Eigen::Success) return {};
  Eigen::VectorXd rhs = Eigen::VectorXd::Zero(m);
  rhs[m - 1] = 1.0;
  const Eigen::VectorXd mu = lu.solve(rhs);
  if (lu.info() != Eigen::Success || !mu.allFinite()) return {};
  RewardCycle cycle;
  cycle.states = closure;
  std::sort(cycle.states.begin(), cycle.states.end());
  cycle.gain = mu.dot(reward);
  return cycle;
}

// For gamma = 1, before any sweep: a state from which no action sequence reaches a terminal state,
// and from which every outcome that any actions can lead to pays a negative reward (or every one a
// positive reward), has value -infinity (+infinity); valor::Error naming such states.
void dead_end_check(const TabularMdp& mdp) {
  const std::vector<bool> escapes = reaches_terminal(mdp, [](int, int) { return 1.0; });
  const size_t n = static_cast<size_t>(mdp.num_states);
  // sign[s]: -1 if every outcome reachable from s is negative, +1 if all positive, 0 otherwise;
  // computed as a fixed point over the dead-end states (they only lead to dead-end states).
  std::vector<int> sign(n, 0);
  std::vector<bool> dead(n, false);
  for (size_t s = 0; s < n; ++s) dead[s] = !escapes[s];
  for (int want : {-1, 1}) {
    std::vector<bool> ok(n, false);
    for (size_t s = 0; s < n; ++s) ok[s] = dead[s];
    bool changed = true;
    while (changed) {
      changed = false;
      for (size_t s = 0; s < n; ++s) {
        if (!ok[s]) continue;
        for (int a = 0; a < mdp.num_actions && ok[s]; ++a) {
          for (const auto& t : mdp.row(static_cast<int>(s), a)) {
            if (t.probability <= 0.0) continue;
            if (!(t.reward * want > 0.0) || !ok[static_cast<size_t>(t.next_state)]) {
              ok[s] = false;
              changed = true;
              break;
            }
          }
        }
      }
    }
    for (size_t s = 0; s < n; ++s) {
      if (ok[s]) sign[s] = want;
    }
  }
  std::string names;
  size_t named = 0, found = 0;
  int first_sign = 0;
  for (size_t s = 0; s < n; ++s) {
    if (sign[s] == 0) continue;
    if (first_sign == 0) first_sign = sign[s];
    ++found;
    if (named < kNamedStates) {
      names += fmt::format("{}{} ({}infinity)", named == 0 ? "" : ", ",
                           mdp.state_name(static_cast<int>(s)), sign[s] < 0 ? "-" : "+");
      ++named;
    }
  }
  if (found == 0) return;
  if (found > named) names += fmt::format(" and {} more", found - named);
  fail(
      "value iteration on '{}' (gamma = 1): from {} no action sequence reaches a terminal state, "
      "and every reward on the way is {}, so the undiscounted value there is infinite and value "
      "iteration cannot converge; use gamma < 1, or solve on the states reachable from the start "
      "(unreachable states often are such)",
      mdp.name, names, first_sign < 0 ? "negative" : "positive");
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
    // reach a terminal state under pi (those states hold a closed class).
    const std::vector<bool> reaches = reaches_terminal(mdp, weight);
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
  const size_t n = static_cast<size_t>(mdp.num_states);
  // The last three iterates, V_k = iterate[k % 3], so that V_k - V_(k-1) can be compared with
  // V_(k-1) - V_(k-2) (gamma = 1 only).
  std::array<std::vector<double>, 3> iterate;
  for (auto& v : iterate) v.assign(n, 0.0);
  const auto at = [&iterate](int k) -> std::vector<double>& {
    return iterate[static_cast<size_t>(k) % 3];
  };
  int stable_run = 0;  // sweeps in a row whose increments equal the previous sweep's
  int next_check = kDivergenceSweeps;
  if (gamma == 1.0) dead_end_check(mdp);
  double change = std::numeric_limits<double>::infinity();
  int sweeps = 0;
  while (sweeps < max_sweeps) {
    change = bellman_optimality_sweep(model, gamma, at(sweeps), at(sweeps + 1));
    ++sweeps;
    if (!std::isfinite(change)) break;
    if (change < threshold) {
      ValueIterationResult result;
      result.v = std::move(at(sweeps));
      result.q = q_from_v(mdp, result.v, gamma);
      result.policy = greedy_policy(mdp, result.q);
      result.sweeps = sweeps;
      result.last_change = change;
      result.certified = certified;
      return result;
    }
    if (gamma < 1.0 || sweeps < 2) continue;
    // Iterates that rise by a fixed vector every sweep: a candidate for a reward cycle, which is
    // checked exactly on the greedy policy (a transient can look the same for many sweeps).
    const auto& now = at(sweeps);
    const auto& before = at(sweeps - 1);
    const auto& before_back = at(sweeps - 2);
    double rise = 0.0, wobble = 0.0;
    for (size_t s = 0; s < n; ++s) {
      const double d = now[s] - before[s];
      rise = std::max(rise, d);
      wobble = std::max(wobble, std::abs(d - (before[s] - before_back[s])));
    }
    stable_run = rise > 0.0 && wobble <= 1e-9 * rise ? stable_run + 1 : 0;
    if (stable_run < next_check) continue;
    next_check *= 2;  // a failed check is not repeated soon
    const std::vector<double> q = q_from_v(mdp, now, gamma);
    const Policy greedy = greedy_policy(mdp, q);
    int top = 0;
    for (size_t s = 0; s < n; ++s) {
      if (now[s] - before[s] > now[static_cast<size_t>(top)] - before[static_cast<size_t>(top)]) {
        top = static_cast<int>(s);
      }
    }
    const RewardCycle cycle = closed_class_from(mdp, greedy, top);
    if (cycle.gain > 1e-9 * std::max(1.0, rise)) {
      std::string names;
      for (size_t i = 0; i < std::min(cycle.states.size(), kNamedStates); ++i) {
        names += fmt::format("{}{}", i == 0 ? "" : ", ", mdp.state_name(cycle.states[i]));
      }
      if (cycle.states.size() > kNamedStates) {
        names += fmt::format(" and {} more", cycle.states.size() - kNamedStates);
      }
      fail(
          "value iteration on '{}' (gamma = 1) diverges: after {} sweeps the value of {} rises by "
          "{:.4g} per sweep, and the greedy policy from there loops for ever through {} collecting "
          "{:.4g} per step on average, so the undiscounted optimum is unbounded; use gamma < 1, "
          "or give every endless cycle a cost",
          mdp.name, sweeps, mdp.state_name(top),
          now[static_cast<size_t>(top)] - before[static_cast<size_t>(top)], names, cycle.gain);
    }
  }
  std::vector<double> last(n);
  if (sweeps > 0) {
    for (size_t s = 0; s < n; ++s) last[s] = at(sweeps)[s] - at(sweeps - 1)[s];
  }
  fail(
      "value iteration on '{}' (gamma = {}) did not meet its stopping rule "
      "(||V_k - V_(k-1)||_inf < {}) in {} sweeps; the last change was {}{}{}",
      mdp.name, gamma, threshold, sweeps, change,
      std::isfinite(change)
          ? fmt::format(", largest at {}",
                        name_moving_states(mdp, last, can_reach_terminal(mdp), "in the last sweep"))
          : "",
      gamma == 1.0 ? " (with gamma = 1 some policy may never reach a terminal state; use gamma < 1)"
                   : "; raise max_sweeps or epsilon");
}

std::vector<bool> reachable_states(const TabularMdp& mdp) {
  mdp.validate();
  const size_t n = static_cast<size_t>(mdp.num_states);
  std::vector<bool> seen(n, false);
  std::deque<int> queue;
  for (size_t s = 0; s < n; ++s) {
    if (mdp.initial_distribution[s] > 0.0) {
      seen[s] = true;
      queue.push_back(static_cast<int>(s));
    }
  }
  while (!queue.empty()) {
    const int s = queue.front();
    queue.pop_front();
    if (mdp.terminal[static_cast<size_t>(s)]) continue;
    for (int a = 0; a < mdp.num_actions; ++a) {
      for (const auto& t : mdp.row(s, a)) {
        if (t.probability > 0.0 && !seen[static_cast<size_t>(t.next_state)]) {
          seen[static_cast<size_t>(t.next_state)] = true;
          queue.push_back(t.next_state);
        }
      }
    }
  }
  return seen;
}

std::vector<bool> can_reach_terminal(const TabularMdp& mdp) {
  mdp.validate();
  return reaches_terminal(mdp, [](int, int) { return 1.0; });
}

std::vector<int> improper_states(const TabularMdp& mdp, const Policy& policy) {
  mdp.validate();
  check_policy(mdp, policy);
  const std::vector<bool> reaches = reaches_terminal(
      mdp, [&policy](int s, int a) { return policy[static_cast<size_t>(s)] == a ? 1.0 : 0.0; });
  std::vector<int> out;
  for (int s = 0; s < mdp.num_states; ++s) {
    if (!reaches[static_cast<size_t>(s)]) out.push_back(s);
  }
  return out;
}

SubMdp restrict_to_states(const TabularMdp& mdp, const std::vector<bool>& keep) {
  mdp.validate();
  if (keep.size() != static_cast<size_t>(mdp.num_states)) {
    fail("tabular MDP '{}': the set of states to keep has {} entries but the MDP has {} states",
         mdp.name, keep.size(), mdp.num_states);
  }
  SubMdp sub;
  sub.index.assign(keep.size(), -1);
  for (int s = 0; s < mdp.num_states; ++s) {
    if (!keep[static_cast<size_t>(s)]) continue;
    sub.index[static_cast<size_t>(s)] = static_cast<int>(sub.original.size());
    sub.original.push_back(s);
  }
  if (sub.original.empty()) fail("tabular MDP '{}': no state to keep", mdp.name);
  const int n = static_cast<int>(sub.original.size());
  TabularMdp& out = sub.mdp;
  out = TabularMdp::with_shape(mdp.name, n, mdp.num_actions);
  out.action_names = mdp.action_names;
  out.picture = mdp.picture;
  for (int t = 0; t < n; ++t) {
    const int s = sub.original[static_cast<size_t>(t)];
    out.terminal[static_cast<size_t>(t)] = mdp.terminal[static_cast<size_t>(s)];
    out.initial_distribution[static_cast<size_t>(t)] =
        mdp.initial_distribution[static_cast<size_t>(s)];
    out.state_labels.push_back(mdp.state_name(s));
    if (!mdp.state_cells.empty())
      out.state_cells.push_back(mdp.state_cells[static_cast<size_t>(s)]);
    for (int a = 0; a < mdp.num_actions; ++a) {
      auto& row = out.rows[static_cast<size_t>(t) * static_cast<size_t>(mdp.num_actions) +
                           static_cast<size_t>(a)];
      for (const auto& tr : mdp.row(s, a)) {
        const int next = sub.index[static_cast<size_t>(tr.next_state)];
        if (next >= 0) {
          row.push_back({next, tr.probability, tr.reward});
        } else if (tr.probability > 0.0) {
          fail(
              "tabular MDP '{}': state {} (kept), action {}, leads to state {} (left out) with "
              "probability {}; the kept states must be closed under transitions",
              mdp.name, mdp.state_name(s), mdp.action_name(a), mdp.state_name(tr.next_state),
              tr.probability);
        }
      }
    }
  }
  for (int s = 0; s < mdp.num_states; ++s) {
    if (!keep[static_cast<size_t>(s)] && mdp.initial_distribution[static_cast<size_t>(s)] > 0.0) {
      fail("tabular MDP '{}': state {} is left out but has initial probability {}", mdp.name,
           mdp.state_name(s), mdp.initial_distribution[static_cast<size_t>(s)]);
    }
  }
  out.validate();
  return sub;
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

OptimalSolution solve_optimal(const TabularMdp& mdp, double gamma, double epsilon) {
  OptimalSolution out;
  if (gamma < 1.0) {
    out.vi = value_iteration(mdp, gamma, epsilon);
    return out;
  }
  const std::vector<bool> reachable = reachable_states(mdp);
  for (int s = 0; s < mdp.num_states; ++s) {
    if (!reachable[static_cast<size_t>(s)]) out.unreachable.push_back(s);
  }
  if (out.unreachable.empty()) {
    out.vi = value_iteration(mdp, gamma, epsilon);
    out.improper = improper_states(mdp, out.vi.policy);
    return out;
  }
  const SubMdp sub = restrict_to_states(mdp, reachable);
  const ValueIterationResult vi = value_iteration(sub.mdp, gamma, epsilon);
  for (int t : improper_states(sub.mdp, vi.policy)) {
    out.improper.push_back(sub.original[static_cast<size_t>(t)]);
  }
  const size_t S = static_cast<size_t>(mdp.num_states), A = static_cast<size_t>(mdp.num_actions);
  out.vi = vi;
  out.vi.v.assign(S, std::nan(""));
  out.vi.q.assign(S * A, std::nan(""));
  out.vi.policy.assign(S, -1);
  for (size_t t = 0; t < sub.original.size(); ++t) {
    const size_t s = static_cast<size_t>(sub.original[t]);
    out.vi.v[s] = vi.v[t];
    out.vi.policy[s] = vi.policy[t];
    for (size_t a = 0; a < A; ++a) out.vi.q[s * A + a] = vi.q[t * A + a];
  }
  return out;
}

}  // namespace valor::dp
