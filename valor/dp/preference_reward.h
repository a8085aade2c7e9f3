// Learning a reward function from labelled segment pairs (segment_preferences.h) with either
// preference model, and scoring the greedy policy of the learned reward exactly under the true
// reward ("Models of human preference for learning reward functions", Knox et al.).
//
// The reward is linear in features of (s, a): r_theta(s, a) = phi(s, a) . theta; one-hot features
// (RewardFeatures::tabular) give a tabular reward. The loss is the mean cross-entropy of the
// labels y in [0, 1] under the model, L = -mean[y log p + (1 - y) log(1 - p)], p = logistic(z):
//   partial return: z = sum_{sigma1} r_theta - sum_{sigma2} r_theta (logistic regression);
//   regret:         z = sum_{sigma1} A*_theta - sum_{sigma2} A*_theta, A* = Q* - V* of r_theta.
// For the regret model V* and Q* of r_theta are exact (policy iteration on the MDP with its
// rewards replaced by r_theta), and so is the gradient wherever the optimal policy pi is unique
// (envelope theorem): with g(s, a) = dL/dQ*(s, a) and h(s) = dL/dV*(s) taken with V*, Q* as free
// variables, and y solving (I - gamma P_pi)^T y = gamma P^T g + h on the non-terminal states,
//   dL/dr(s, a) = g(s, a) + y(s) [a = pi(s)],   dL/dtheta = Phi^T dL/dr.
// This replaces the paper's approximation of V* by the successor features of a fixed set of
// policies; on a tie between optimal actions it is the gradient of the policy the solver returned.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "valor/dp/segment_preferences.h"

namespace valor::dp {

// phi[(s * A + a) * F + f]. The rows of terminal states must be zero (their rewards are 0).
struct RewardFeatures {
  int num_states = 0;
  int num_actions = 0;
  int num_features = 0;
  std::vector<double> phi;

  // One feature per (s, a) of a non-terminal state, in order of s * A + a.
  static RewardFeatures tabular(const TabularMdp& mdp);
  // r_theta(s, a) for every pair, size S * A. valor::Error if theta has the wrong size.
  std::vector<double> reward(std::span<const double> theta) const;
  // valor::Error unless the sizes match `mdp`, phi is finite and zero on terminal states.
  void check(const TabularMdp& mdp) const;
};

// `mdp` with every outcome of (s, a) paying reward[s * A + a] (the same transitions).
// valor::Error for a wrong size, a non-finite reward or a nonzero reward on a terminal state.
TabularMdp with_rewards(const TabularMdp& mdp, std::span<const double> reward);

// A labelled data set: label[i] in [0, 1] is the probability that pairs[i].first is preferred.
struct PreferenceData {
  std::vector<SegmentPair> pairs;
  std::vector<double> labels;
};

// The loss at theta and (if gradient is non-null) its gradient, size F. `mdp` gives the
// transitions (its rewards are ignored); `policy`, if non-null, warm-starts policy iteration
// (regret model) and receives the optimal policy of r_theta. valor::Error for gamma outside
// [0, 1), labels outside [0, 1], mismatched sizes or a segment outside the MDP.
double preference_loss(PreferenceModel model, const TabularMdp& mdp, const RewardFeatures& features,
                       double gamma, const PreferenceData& data, std::span<const double> theta,
                       std::vector<double>* gradient = nullptr, Policy* policy = nullptr);

struct PreferenceFitOptions {
  double gamma = 0.999;
  int iterations = 1000;        // full-batch Adam steps
  double learning_rate = 0.05;  // Adam's step size
  double init_sd = 0.1;         // theta_0 ~ N(0, init_sd^2) per component
  uint64_t seed = 0;            // of theta_0
};

struct PreferenceFit {
  std::vector<double> theta;  // the iterate of lowest loss (theta_0 included)
  double loss = 0.0;          // its loss
  int best_iteration = 0;     // 0: theta_0
  double initial_loss = 0.0;
};

// Minimises preference_loss by full-batch Adam (beta1 0.9, beta2 0.999, epsilon 1e-8), keeping
// the iterate of lowest loss. valor::Error for iterations < 0, learning_rate <= 0, init_sd < 0,
// no pairs, and preference_loss's errors.
PreferenceFit fit_preference_reward(PreferenceModel model, const TabularMdp& mdp,
                                    const RewardFeatures& features, const PreferenceData& data,
                                    const PreferenceFitOptions& options);

// The greedy policy of Q* of r_theta (ties to the lowest action) scored under the true reward of
// `true_mdp`, means weighted by its initial distribution:
//   scaled_return = (mean V^pi - mean V^U) / (mean V* - mean V^U), U uniformly random,
// 1 for an optimal policy, 0 for random. valor::Error if mean V* - mean V^U < 1e-12 (random is
// optimal: nothing to score) and for gamma outside [0, 1).
struct LearnedRewardScore {
  Policy policy;
  double mean_value = 0.0;          // mean V^pi under the true reward
  double optimal_mean_value = 0.0;  // mean V*
  double random_mean_value = 0.0;   // mean V^U
  double scaled_return = 0.0;
};
LearnedRewardScore score_learned_reward(const TabularMdp& true_mdp, const RewardFeatures& features,
                                        std::span<const double> theta, double gamma);

// Near-optimal in the paper's sense: scaled return above this.
inline constexpr double kNearOptimalScaledReturn = 0.9;

}  // namespace valor::dp
