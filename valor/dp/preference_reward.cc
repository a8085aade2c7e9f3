#include "valor/dp/preference_reward.h"

#include <Eigen/SparseCore>
#include <Eigen/SparseLU>
#include <cmath>
#include <limits>

#include "valor/core/error.h"
#include "valor/core/math.h"

namespace valor::dp {

namespace {

void check_discounted(double gamma) {
  if (!(gamma >= 0.0 && gamma < 1.0)) {
    fail("preference reward: gamma must be in [0, 1), got {}", gamma);
  }
}

size_t num_pairs(const TabularMdp& mdp) {
  return static_cast<size_t>(mdp.num_states) * static_cast<size_t>(mdp.num_actions);
}

void check_segment(const TabularMdp& mdp, const Segment& seg, size_t pair, const char* which) {
  if (seg.states.size() != seg.actions.size() + 1) {
    fail("preference data: pair {}, {} segment has {} states for {} actions (needs one more)", pair,
         which, seg.states.size(), seg.actions.size());
  }
  for (int s : seg.states) {
    if (s < 0 || s >= mdp.num_states) {
      fail("preference data: pair {}, {} segment: state {} outside [0, {})", pair, which, s,
           mdp.num_states);
    }
  }
  for (int a : seg.actions) {
    if (a < 0 || a >= mdp.num_actions) {
      fail("preference data: pair {}, {} segment: action {} outside [0, {})", pair, which, a,
           mdp.num_actions);
    }
  }
}

void check_data(const TabularMdp& mdp, const PreferenceData& data) {
  if (data.labels.size() != data.pairs.size()) {
    fail("preference data: {} labels for {} pairs", data.labels.size(), data.pairs.size());
  }
  for (size_t i = 0; i < data.pairs.size(); ++i) {
    const double y = data.labels[i];
    if (!(y >= 0.0 && y <= 1.0))
      fail("preference data: label {} of pair {} is not in [0, 1]", y, i);
    check_segment(mdp, data.pairs[i].first, i, "first");
    check_segment(mdp, data.pairs[i].second, i, "second");
  }
}

// The (s * A + a) of each non-terminal step of each pair, flattened: pair i's first segment is
// index[start[2i] .. start[2i + 1]), its second index[start[2i + 1] .. start[2i + 2]). Terminal
// steps are left out: both models give them 0 (r = 0 there, and so A* = 0).
struct CompiledPairs {
  std::vector<int> index;
  std::vector<size_t> start;
};

CompiledPairs compile_pairs(const TabularMdp& mdp, const PreferenceData& data) {
  CompiledPairs c;
  c.start.reserve(2 * data.pairs.size() + 1);
  c.start.push_back(0);
  auto add = [&](const Segment& seg) {
    for (size_t t = 0; t < seg.actions.size(); ++t) {
      const int s = seg.states[t];
      if (mdp.terminal[static_cast<size_t>(s)]) continue;
      c.index.push_back(s * mdp.num_actions + seg.actions[t]);
    }
    c.start.push_back(c.index.size());
  };
  for (const auto& pair : data.pairs) {
    add(pair.first);
    add(pair.second);
  }
  return c;
}

// y solving (I - gamma P_pi)^T y = b on the non-terminal states (y = 0 on terminal ones).
std::vector<double> adjoint_solve(const TabularMdp& mdp, const Policy& policy, double gamma,
                                  const std::vector<double>& b) {
  const int n = mdp.num_states;
  std::vector<Eigen::Triplet<double, int>> triplets;
  triplets.reserve(static_cast<size_t>(n) * 3);
  for (int s = 0; s < n; ++s) {
    triplets.emplace_back(s, s, 1.0);
    if (mdp.terminal[static_cast<size_t>(s)]) continue;
    for (const auto& o : mdp.row(s, policy[static_cast<size_t>(s)])) {
      if (mdp.terminal[static_cast<size_t>(o.next_state)] || o.probability == 0.0) continue;
      // Row next_state, column s: the transpose of M(s, next_state) = -gamma p.
      triplets.emplace_back(o.next_state, s, -gamma * o.probability);
    }
  }
  Eigen::SparseMatrix<double, Eigen::ColMajor, int> mt(n, n);
  mt.setFromTriplets(triplets.begin(), triplets.end());
  Eigen::SparseLU<Eigen::SparseMatrix<double, Eigen::ColMajor, int>, Eigen::COLAMDOrdering<int>> lu;
  lu.compute(mt);
  VALOR_CHECK(lu.info() == Eigen::Success, "adjoint system of policy evaluation is singular");
  Eigen::VectorXd rhs(n);
  for (int s = 0; s < n; ++s) rhs[s] = b[static_cast<size_t>(s)];
  const Eigen::VectorXd y = lu.solve(rhs);
  std::vector<double> out(static_cast<size_t>(n));
  for (int s = 0; s < n; ++s) out[static_cast<size_t>(s)] = y[s];
  return out;
}

}  // namespace

RewardFeatures RewardFeatures::tabular(const TabularMdp& mdp) {
  RewardFeatures f;
  f.num_states = mdp.num_states;
  f.num_actions = mdp.num_actions;
  int count = 0;
  for (int s = 0; s < mdp.num_states; ++s) {
    if (!mdp.terminal[static_cast<size_t>(s)]) count += mdp.num_actions;
  }
  f.num_features = count;
  f.phi.assign(num_pairs(mdp) * static_cast<size_t>(count), 0.0);
  int k = 0;
  for (int s = 0; s < mdp.num_states; ++s) {
    if (mdp.terminal[static_cast<size_t>(s)]) continue;
    for (int a = 0; a < mdp.num_actions; ++a, ++k) {
      const size_t row =
          static_cast<size_t>(s) * static_cast<size_t>(mdp.num_actions) + static_cast<size_t>(a);
      f.phi[row * static_cast<size_t>(count) + static_cast<size_t>(k)] = 1.0;
    }
  }
  return f;
}

std::vector<double> RewardFeatures::reward(std::span<const double> theta) const {
  if (theta.size() != static_cast<size_t>(num_features)) {
    fail("reward features: theta has {} components, the features {}", theta.size(), num_features);
  }
  const size_t rows = static_cast<size_t>(num_states) * static_cast<size_t>(num_actions);
  const auto f_count = static_cast<size_t>(num_features);
  std::vector<double> r(rows, 0.0);
  for (size_t k = 0; k < rows; ++k) {
    const double* row = phi.data() + k * f_count;
    double sum = 0.0;
    for (size_t f = 0; f < f_count; ++f) sum += row[f] * theta[f];
    r[k] = sum;
  }
  return r;
}

void RewardFeatures::check(const TabularMdp& mdp) const {
  if (num_states != mdp.num_states || num_actions != mdp.num_actions) {
    fail("reward features are for {} states x {} actions, the MDP '{}' has {} x {}", num_states,
         num_actions, mdp.name, mdp.num_states, mdp.num_actions);
  }
  if (num_features < 1) fail("reward features: need at least one feature, got {}", num_features);
  if (phi.size() != num_pairs(mdp) * static_cast<size_t>(num_features)) {
    fail("reward features: phi has {} entries, expected {} (S * A * F)", phi.size(),
         num_pairs(mdp) * static_cast<size_t>(num_features));
  }
  for (size_t k = 0; k < phi.size(); ++k) {
    const size_t pair = k / static_cast<size_t>(num_features);
    const int s = static_cast<int>(pair / static_cast<size_t>(num_actions));
    if (!std::isfinite(phi[k])) fail("reward features: phi of state {} is not finite", s);
    if (mdp.terminal[static_cast<size_t>(s)] && phi[k] != 0.0) {
      fail("reward features: terminal state {} has a nonzero feature (its reward must be 0)",
           mdp.state_name(s));
    }
  }
}

TabularMdp with_rewards(const TabularMdp& mdp, std::span<const double> reward) {
  if (reward.size() != num_pairs(mdp)) {
    fail("with_rewards: {} rewards for {} (state, action) pairs", reward.size(), num_pairs(mdp));
  }
  TabularMdp out = mdp;
  for (int s = 0; s < mdp.num_states; ++s) {
    for (int a = 0; a < mdp.num_actions; ++a) {
      const size_t k =
          static_cast<size_t>(s) * static_cast<size_t>(mdp.num_actions) + static_cast<size_t>(a);
      const double r = reward[k];
      if (!std::isfinite(r)) fail("with_rewards: reward of state {} action {} is not finite", s, a);
      if (mdp.terminal[static_cast<size_t>(s)] && r != 0.0) {
        fail("with_rewards: terminal state {} must have reward 0, got {}", mdp.state_name(s), r);
      }
      for (auto& o : out.rows[k]) o.reward = r;
    }
  }
  return out;
}

namespace {

// preference_loss on checked input.
double compiled_loss(PreferenceModel model, const TabularMdp& mdp, const RewardFeatures& features,
                     double gamma, const CompiledPairs& pairs, const std::vector<double>& labels,
                     std::span<const double> theta, std::vector<double>* gradient, Policy* policy) {
  const std::vector<double> r = features.reward(theta);
  const size_t n_pairs = num_pairs(mdp);
  const auto a_count = static_cast<size_t>(mdp.num_actions);

  // Per (s, a): the quantity whose sums along the segments the model compares.
  std::vector<double> step_value;
  OptimalValues optimal;
  if (model == PreferenceModel::kPartialReturn) {
    step_value = r;
  } else {
    optimal = optimal_values(with_rewards(mdp, r), gamma, policy ? *policy : Policy{});
    step_value.resize(n_pairs);
    for (size_t k = 0; k < n_pairs; ++k) step_value[k] = optimal.q[k] - optimal.v[k / a_count];
    if (policy) *policy = optimal.policy;
  }

  const double n = static_cast<double>(labels.size());
  double loss = 0.0;
  std::vector<double> d_step(gradient ? n_pairs : 0, 0.0);  // dL / d step_value
  for (size_t i = 0; i < labels.size(); ++i) {
    const size_t a = pairs.start[2 * i], b = pairs.start[2 * i + 1], e = pairs.start[2 * i + 2];
    double z = 0.0;
    for (size_t j = a; j < b; ++j) z += step_value[static_cast<size_t>(pairs.index[j])];
    for (size_t j = b; j < e; ++j) z -= step_value[static_cast<size_t>(pairs.index[j])];
    const double y = labels[i];
    // -[y log sigma(z) + (1 - y) log sigma(-z)] with log sigma(-z) = log sigma(z) - z.
    const double ls = log_sigmoid(z);
    loss += ((1.0 - y) * z - ls) / n;
    if (gradient) {
      const double c = (std::exp(ls) - y) / n;  // dL/dz = sigma(z) - y
      for (size_t j = a; j < b; ++j) d_step[static_cast<size_t>(pairs.index[j])] += c;
      for (size_t j = b; j < e; ++j) d_step[static_cast<size_t>(pairs.index[j])] -= c;
    }
  }
  if (!gradient) return loss;

  std::vector<double> d_reward(n_pairs, 0.0);
  if (model == PreferenceModel::kPartialReturn) {
    d_reward = d_step;
  } else {
    // g = dL/dQ* = d_step, h = dL/dV* = -sum_a d_step(s, a); b = gamma P^T g + h.
    std::vector<double> b(static_cast<size_t>(mdp.num_states), 0.0);
    for (int s = 0; s < mdp.num_states; ++s) {
      if (mdp.terminal[static_cast<size_t>(s)]) continue;
      for (int a = 0; a < mdp.num_actions; ++a) {
        const double g = d_step[static_cast<size_t>(s) * a_count + static_cast<size_t>(a)];
        if (g == 0.0) continue;
        b[static_cast<size_t>(s)] -= g;
        for (const auto& o : mdp.row(s, a)) {
          if (!mdp.terminal[static_cast<size_t>(o.next_state)]) {
            b[static_cast<size_t>(o.next_state)] += gamma * o.probability * g;
          }
        }
      }
    }
    const std::vector<double> y = adjoint_solve(mdp, optimal.policy, gamma, b);
    for (int s = 0; s < mdp.num_states; ++s) {
      if (mdp.terminal[static_cast<size_t>(s)]) continue;
      for (int a = 0; a < mdp.num_actions; ++a) {
        const size_t k = static_cast<size_t>(s) * a_count + static_cast<size_t>(a);
        d_reward[k] = d_step[k];
        if (a == optimal.policy[static_cast<size_t>(s)]) d_reward[k] += y[static_cast<size_t>(s)];
      }
    }
  }
  const auto f_count = static_cast<size_t>(features.num_features);
  gradient->assign(f_count, 0.0);
  for (size_t k = 0; k < n_pairs; ++k) {
    if (d_reward[k] == 0.0) continue;
    const double* row = features.phi.data() + k * f_count;
    for (size_t f = 0; f < f_count; ++f) (*gradient)[f] += row[f] * d_reward[k];
  }
  return loss;
}

}  // namespace

double preference_loss(PreferenceModel model, const TabularMdp& mdp, const RewardFeatures& features,
                       double gamma, const PreferenceData& data, std::span<const double> theta,
                       std::vector<double>* gradient, Policy* policy) {
  check_discounted(gamma);
  features.check(mdp);
  check_data(mdp, data);
  if (theta.size() != static_cast<size_t>(features.num_features)) {
    fail("reward features: theta has {} components, the features {}", theta.size(),
         features.num_features);
  }
  return compiled_loss(model, mdp, features, gamma, compile_pairs(mdp, data), data.labels, theta,
                       gradient, policy);
}

PreferenceFit fit_preference_reward(PreferenceModel model, const TabularMdp& mdp,
                                    const RewardFeatures& features, const PreferenceData& data,
                                    const PreferenceFitOptions& options) {
  if (options.iterations < 0)
    fail("preference fit: iterations must be >= 0, got {}", options.iterations);
  if (!(options.learning_rate > 0.0) || !std::isfinite(options.learning_rate)) {
    fail("preference fit: learning rate must be > 0, got {}", options.learning_rate);
  }
  if (!(options.init_sd >= 0.0) || !std::isfinite(options.init_sd)) {
    fail("preference fit: init sd must be >= 0, got {}", options.init_sd);
  }
  if (data.pairs.empty()) fail("preference fit: no labelled pairs");
  check_discounted(options.gamma);
  features.check(mdp);
  check_data(mdp, data);
  const CompiledPairs pairs = compile_pairs(mdp, data);
  constexpr double kBeta1 = 0.9, kBeta2 = 0.999, kAdamEpsilon = 1e-8;  // Adam's defaults
  const auto f_count = static_cast<size_t>(features.num_features);
  Rng rng(options.seed);
  std::vector<double> theta(f_count);
  for (auto& t : theta) t = options.init_sd * rng.normal();
  std::vector<double> m(f_count, 0.0), v(f_count, 0.0), grad;
  Policy policy;
  PreferenceFit fit;
  fit.theta = theta;
  fit.loss = std::numeric_limits<double>::infinity();
  double beta1_power = 1.0, beta2_power = 1.0;
  for (int it = 0; it <= options.iterations; ++it) {
    const double loss = compiled_loss(model, mdp, features, options.gamma, pairs, data.labels,
                                      theta, it < options.iterations ? &grad : nullptr, &policy);
    if (it == 0) fit.initial_loss = loss;
    if (loss < fit.loss) {
      fit.loss = loss;
      fit.theta = theta;
      fit.best_iteration = it;
    }
    if (it == options.iterations) break;
    beta1_power *= kBeta1;
    beta2_power *= kBeta2;
    for (size_t f = 0; f < f_count; ++f) {
      m[f] = kBeta1 * m[f] + (1.0 - kBeta1) * grad[f];
      v[f] = kBeta2 * v[f] + (1.0 - kBeta2) * grad[f] * grad[f];
      const double m_hat = m[f] / (1.0 - beta1_power);
      const double v_hat = v[f] / (1.0 - beta2_power);
      theta[f] -= options.learning_rate * m_hat / (std::sqrt(v_hat) + kAdamEpsilon);
    }
  }
  return fit;
}

LearnedRewardScore score_learned_reward(const TabularMdp& true_mdp, const RewardFeatures& features,
                                        std::span<const double> theta, double gamma) {
  check_discounted(gamma);
  features.check(true_mdp);
  const OptimalValues learned =
      optimal_values(with_rewards(true_mdp, features.reward(theta)), gamma);
  LearnedRewardScore score;
  score.policy = greedy_policy(true_mdp, learned.q);
  const std::vector<double> v_pi = evaluate_policy(true_mdp, score.policy, gamma);
  const OptimalValues best = optimal_values(true_mdp, gamma);
  std::vector<double> uniform(num_pairs(true_mdp), 1.0 / static_cast<double>(true_mdp.num_actions));
  const std::vector<double> v_u = evaluate_stochastic_policy(true_mdp, uniform, gamma);
  for (int s = 0; s < true_mdp.num_states; ++s) {
    const double w = true_mdp.initial_distribution[static_cast<size_t>(s)];
    if (w == 0.0) continue;
    score.mean_value += w * v_pi[static_cast<size_t>(s)];
    score.optimal_mean_value += w * best.v[static_cast<size_t>(s)];
    score.random_mean_value += w * v_u[static_cast<size_t>(s)];
  }
  const double span = score.optimal_mean_value - score.random_mean_value;
  if (!(span >= 1e-12)) {
    fail(
        "tabular MDP '{}': the uniformly random policy is optimal (mean V* - mean V^U = {}); a "
        "learned reward cannot be scored against it",
        true_mdp.name, span);
  }
  score.scaled_return = (score.mean_value - score.random_mean_value) / span;
  return score;
}

}  // namespace valor::dp
