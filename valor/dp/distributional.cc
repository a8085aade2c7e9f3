#include "valor/dp/distributional.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <utility>

#include "valor/core/error.h"

namespace valor::dp {
namespace {

void check_policy(const TabularMdp& mdp, const Policy& policy, const char* function) {
  if (policy.size() != static_cast<size_t>(mdp.num_states)) {
    fail("{}: the policy has {} actions but {} has {} states; it needs one action per state",
         function, policy.size(), mdp.name, mdp.num_states);
  }
  for (int s = 0; s < mdp.num_states; ++s) {
    const int a = policy[static_cast<size_t>(s)];
    if (a < 0 || a >= mdp.num_actions) {
      fail("{}: the policy takes action {} in state {} of {}; actions are in [0, {})", function, a,
           mdp.state_name(s), mdp.name, mdp.num_actions);
    }
  }
}

// Adds `mass` times the C51 projection of the point mass at x (clipped to the support) into
// `out`: the rule of algorithms.md section 2 for one atom, in double.
void project_point(double x, double mass, double v_min, double spacing, size_t m, double* out) {
  const double last = static_cast<double>(m - 1);
  const double position = std::clamp((x - v_min) / spacing, 0.0, last);
  const auto lower = static_cast<size_t>(position);
  const double l = static_cast<double>(lower);
  if (position == l) {
    out[lower] += mass;
  } else {
    out[lower] += mass * (l + 1.0 - position);
    out[lower + 1] += mass * (position - l);
  }
}

}  // namespace

std::span<const double> CategoricalResult::distribution(int state) const {
  VALOR_CHECK(state >= 0 && state < num_states, "state {} of {}", state, num_states);
  const size_t m = atoms.size();
  return std::span<const double>(probabilities).subspan(static_cast<size_t>(state) * m, m);
}

double CategoricalResult::mean(int state) const {
  return categorical_mean(distribution(state), atoms);
}

std::vector<double> CategoricalResult::means() const {
  std::vector<double> out(static_cast<size_t>(num_states));
  for (int s = 0; s < num_states; ++s) out[static_cast<size_t>(s)] = mean(s);
  return out;
}

double categorical_mean(std::span<const double> probabilities, std::span<const double> atoms) {
  if (probabilities.size() != atoms.size()) {
    fail("categorical_mean: {} probabilities for {} atoms; the sizes must match",
         probabilities.size(), atoms.size());
  }
  double mean = 0.0;
  for (size_t i = 0; i < atoms.size(); ++i) mean += probabilities[i] * atoms[i];
  return mean;
}

CategoricalResult categorical_policy_evaluation(const TabularMdp& mdp, const Policy& policy,
                                                double gamma, const value::AtomSupport& support,
                                                double tolerance, int max_iterations) {
  constexpr const char* kFunction = "categorical_policy_evaluation";
  if (!(gamma >= 0.0 && gamma < 1.0)) {
    fail(
        "{}: gamma is {}; it must be in [0, 1) (for episodic returns with gamma = 1 use "
        "exact_return_distribution)",
        kFunction, gamma);
  }
  if (!(tolerance > 0.0)) fail("{}: tolerance is {}; it must be > 0", kFunction, tolerance);
  if (max_iterations < 1) {
    fail("{}: max_iterations is {}; it must be >= 1", kFunction, max_iterations);
  }
  check_policy(mdp, policy, kFunction);

  const size_t m = support.size();
  const size_t num_states = static_cast<size_t>(mdp.num_states);
  const double v_min = support.v_min();
  const double spacing = support.spacing();

  CategoricalResult result;
  result.num_states = mdp.num_states;
  result.atoms.resize(m);
  for (size_t i = 0; i < m; ++i) result.atoms[i] = v_min + static_cast<double>(i) * spacing;

  // delta_0 (projected onto the support) everywhere; terminal states keep it.
  std::vector<double> zero(m, 0.0);
  project_point(0.0, 1.0, v_min, spacing, m, zero.data());
  std::vector<double> current(num_states * m);
  for (size_t s = 0; s < num_states; ++s) {
    std::copy(zero.begin(), zero.end(), current.begin() + static_cast<std::ptrdiff_t>(s * m));
  }
  std::vector<double> next(num_states * m);
  // The change of the last kCategoricalRateWindow iterations, by iteration number modulo it.
  std::vector<double> recent_change(static_cast<size_t>(kCategoricalRateWindow), 0.0);

  for (int k = 1; k <= max_iterations; ++k) {
    std::fill(next.begin(), next.end(), 0.0);
    for (int s = 0; s < mdp.num_states; ++s) {
      double* out = next.data() + static_cast<size_t>(s) * m;
      if (mdp.terminal[static_cast<size_t>(s)]) {
        std::copy(zero.begin(), zero.end(), out);
        continue;
      }
      for (const env::Transition& t : mdp.row(s, policy[static_cast<size_t>(s)])) {
        if (t.probability == 0.0) continue;
        if (mdp.terminal[static_cast<size_t>(t.next_state)]) {
          // The return after entering a terminal state is exactly 0.
          project_point(t.reward, t.probability, v_min, spacing, m, out);
          continue;
        }
        const double* q = current.data() + static_cast<size_t>(t.next_state) * m;
        for (size_t j = 0; j < m; ++j) {
          if (q[j] == 0.0) continue;
          project_point(t.reward + gamma * result.atoms[j], t.probability * q[j], v_min, spacing, m,
                        out);
        }
      }
    }
    double change = 0.0;
    for (size_t i = 0; i < next.size(); ++i)
      change = std::max(change, std::abs(next[i] - current[i]));
    current.swap(next);
    result.iterations = k;
    result.last_change = change;
    if (change < tolerance) {
      result.converged = true;
      result.probabilities = std::move(current);
      return result;
    }
    const int window = kCategoricalRateWindow;
    const double earlier = recent_change[static_cast<size_t>(k % window)];
    recent_change[static_cast<size_t>(k % window)] = change;
    if (k > window && earlier > 0.0 && change < earlier) {
      const double rate = std::pow(change / earlier, 1.0 / window);
      const double predicted = k + std::log(tolerance / change) / std::log(rate);
      if (predicted > max_iterations) {
        fail(
            "{}: no convergence on {} expected within {} iterations: after {} the change {:.3g} "
            "shrinks by a factor {:.6f} per iteration, which would take about {:.3g} iterations "
            "in all to reach the tolerance {}",
            kFunction, mdp.name, max_iterations, k, change, rate, predicted, tolerance);
      }
    }
  }
  fail(
      "{}: no convergence on {} after {} iterations (last max change {}, tolerance {}); raise "
      "max_iterations or the tolerance",
      kFunction, mdp.name, max_iterations, result.last_change, tolerance);
}

double ExactReturnPmf::finished_mass() const {
  double total = 0.0;
  for (const auto& [g, p] : probabilities) total += p;
  return total;
}

value::ReturnDistribution ExactReturnPmf::finished_distribution() const {
  if (!(finished_mass() > 0.0)) {
    fail(
        "ExactReturnPmf: the pmf has no finished mass (unfinished mass {}), so the return has no "
        "distribution to describe; raise max_steps",
        unfinished_mass);
  }
  std::vector<double> returns, probs;
  returns.reserve(probabilities.size());
  probs.reserve(probabilities.size());
  for (const auto& [g, p] : probabilities) {
    returns.push_back(static_cast<double>(g));
    probs.push_back(p);
  }
  return value::ReturnDistribution(returns, probs);
}

ExactReturnPmf exact_return_distribution(const TabularMdp& mdp, const Policy& policy, int state,
                                         int max_steps, int64_t max_updates) {
  constexpr const char* kFunction = "exact_return_distribution";
  if (max_steps < 1) fail("{}: max_steps is {}; it must be >= 1", kFunction, max_steps);
  if (state < 0 || state >= mdp.num_states) {
    fail("{}: state {} is out of range; {} has states [0, {})", kFunction, state, mdp.name,
         mdp.num_states);
  }
  check_policy(mdp, policy, kFunction);
  // Integer rewards, small enough that max_steps of them cannot overflow the return.
  double max_abs_reward = 0.0;
  for (int s = 0; s < mdp.num_states; ++s) {
    if (mdp.terminal[static_cast<size_t>(s)]) continue;
    const int a = policy[static_cast<size_t>(s)];
    for (const env::Transition& t : mdp.row(s, a)) {
      if (!(std::isfinite(t.reward) && std::trunc(t.reward) == t.reward)) {
        fail(
            "{}: the reward {} of state {}, action {} (to state {}) in {} is not an integer; "
            "the exact return pmf needs integer rewards",
            kFunction, t.reward, mdp.state_name(s), mdp.action_name(a),
            mdp.state_name(t.next_state), mdp.name);
      }
      max_abs_reward = std::max(max_abs_reward, std::abs(t.reward));
    }
  }
  if (max_abs_reward * static_cast<double>(max_steps) > 9.0e15) {
    fail("{}: rewards up to {} over {} steps exceed the exact integer range of the return",
         kFunction, max_abs_reward, max_steps);
  }

  ExactReturnPmf pmf;
  if (mdp.terminal[static_cast<size_t>(state)]) {
    pmf.probabilities[0] = 1.0;
    return pmf;
  }
  // running[s]: return so far -> probability of being in non-terminal s with that return.
  using Pmf = std::map<int64_t, double>;
  std::vector<Pmf> running(static_cast<size_t>(mdp.num_states));
  std::vector<Pmf> next(static_cast<size_t>(mdp.num_states));
  running[static_cast<size_t>(state)][0] = 1.0;
  int64_t updates = 0;
  for (int step = 0; step < max_steps; ++step) {
    for (Pmf& p : next) p.clear();
    bool any = false;
    for (int s = 0; s < mdp.num_states; ++s) {
      const Pmf& here = running[static_cast<size_t>(s)];
      if (here.empty()) continue;
      for (const env::Transition& t : mdp.row(s, policy[static_cast<size_t>(s)])) {
        if (t.probability == 0.0) continue;
        const auto reward = static_cast<int64_t>(t.reward);
        Pmf& target = mdp.terminal[static_cast<size_t>(t.next_state)]
                          ? pmf.probabilities
                          : next[static_cast<size_t>(t.next_state)];
        const bool to_running = !mdp.terminal[static_cast<size_t>(t.next_state)];
        updates += static_cast<int64_t>(here.size());
        if (updates > max_updates) {
          fail(
              "{}: stopped at step {} of {} from state {} of {}: more than {} updates of the "
              "(state, return) table (the limit on its time and memory)",
              kFunction, step + 1, max_steps, mdp.state_name(state), mdp.name, max_updates);
        }
        for (const auto& [g, p] : here) {
          target[g + reward] += p * t.probability;
          any = any || to_running;
        }
      }
    }
    running.swap(next);
    if (!any) break;
  }
  for (const Pmf& p : running) {
    for (const auto& [g, mass] : p) pmf.unfinished_mass += mass;
  }
  pmf.updates = updates;
  return pmf;
}

ExactReturnPmf exact_return_distribution_from_initial(const TabularMdp& mdp, const Policy& policy,
                                                      int max_steps, int64_t max_updates) {
  ExactReturnPmf mix;
  int64_t left = max_updates;
  for (int s = 0; s < mdp.num_states; ++s) {
    const double w = mdp.initial_distribution[static_cast<size_t>(s)];
    if (w <= 0.0) continue;
    const ExactReturnPmf pmf = exact_return_distribution(mdp, policy, s, max_steps, left);
    left -= pmf.updates;
    for (const auto& [g, p] : pmf.probabilities) mix.probabilities[g] += w * p;
    mix.unfinished_mass += w * pmf.unfinished_mass;
  }
  return mix;
}

ReturnBounds discounted_return_bounds(const TabularMdp& mdp, double gamma) {
  if (!(gamma >= 0.0 && gamma < 1.0)) {
    fail(
        "discounted_return_bounds: gamma is {}; it must be in [0, 1) for the returns to be bounded",
        gamma);
  }
  double r_min = 0.0, r_max = 0.0;
  for (const auto& row : mdp.rows) {
    for (const auto& t : row) {
      r_min = std::min(r_min, t.reward);
      r_max = std::max(r_max, t.reward);
    }
  }
  ReturnBounds b;
  b.lo = r_min / (1.0 - gamma);
  b.hi = std::max(r_max / (1.0 - gamma), b.lo + 1e-6);
  return b;
}

value::ReturnDistribution categorical_return_distribution(const TabularMdp& mdp,
                                                          const Policy& policy, double gamma,
                                                          const value::AtomSupport& support,
                                                          int max_iterations) {
  const CategoricalResult c =
      categorical_policy_evaluation(mdp, policy, gamma, support, 1e-12, max_iterations);
  std::vector<double> mix(c.atoms.size(), 0.0);
  for (int s = 0; s < mdp.num_states; ++s) {
    const double w = mdp.initial_distribution[static_cast<size_t>(s)];
    const auto eta = c.distribution(s);
    for (size_t i = 0; i < eta.size(); ++i) mix[i] += w * eta[i];
  }
  return value::ReturnDistribution(c.atoms, mix);
}

}  // namespace valor::dp
