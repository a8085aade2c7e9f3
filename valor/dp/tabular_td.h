// Tabular TD control with every value representation of module `value`: a scalar Q per
// (state, action), or logits over a fixed support trained by cross-entropy against a two-hot,
// HL-Gauss (Stop Regressing: Training Value Functions via Classification for Scalable Deep RL) or
// C51 (A Distributional Perspective on Reinforcement Learning) target. With the exact Q* from
// solve.h this measures how each representation converges, with and without reward noise.
// docs/value.md and docs/algorithms.md section 2 give the formulas used.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "valor/env/tabular.h"
#include "valor/value/support.h"

namespace valor::dp {

using env::TabularMdp;

enum class TdRepresentation { kScalar, kTwoHot, kHlGauss, kC51 };
enum class TdTarget { kQLearning, kExpectedSarsa };

// "scalar", "two-hot", "hl-gauss", "c51".
const char* representation_name(TdRepresentation representation);
// Every representation, in enum order.
inline constexpr TdRepresentation kAllTdRepresentations[] = {
    TdRepresentation::kScalar, TdRepresentation::kTwoHot, TdRepresentation::kHlGauss,
    TdRepresentation::kC51};

struct TdOptions {
  TdRepresentation representation = TdRepresentation::kScalar;
  TdTarget target = TdTarget::kQLearning;
  double gamma = 0.9;
  // Scalar: Q += lr (y - Q). Categorical: logits -= lr (softmax - p), one example per update.
  double learning_rate = 0.1;
  // Behaviour is epsilon-greedy (ties to the lowest action); expected SARSA's target uses the
  // same epsilon-greedy policy.
  double epsilon = 0.1;
  // Standard deviation of Gaussian noise added to each observed reward (0: none).
  double reward_noise_sd = 0.0;
  // The support of the categorical representations: atoms (two-hot, C51) or bins (HL-Gauss).
  double v_min = -10.0;
  double v_max = 10.0;
  int bins = 51;
  double sigma_ratio = 0.75;  // HL-Gauss sigma / bin width
  uint64_t seed = 0;
  // run_tabular_td: episodes are truncated after this many steps (0: no limit) and reset.
  int max_episode_steps = 100;
};

// valor::Error unless 0 < learning_rate (finite), 0 <= gamma <= 1, 0 <= epsilon <= 1,
// reward_noise_sd >= 0 (finite), bins >= 2, v_min < v_max (finite), sigma_ratio in (0, 1000]
// and max_episode_steps >= 0.
void validate_td_options(const TdOptions& options);

// One TD learner over S states and A actions.
//
// Scalar: Q(s, a) starts at 0; update: Q += lr (y - Q) with the scalar TD target
//   Q-learning:      y = r + g max_a' Q(s', a'),
//   expected SARSA:  y = r + g sum_a' pi_eps(a' | s') Q(s', a'),
// pi_eps the epsilon-greedy policy (epsilon/A everywhere plus 1 - epsilon on the greedy action,
// ties to the lowest index), and g = gamma, or 0 when s' is terminal.
// Two-hot / HL-Gauss: m logits per (s, a), all 0 at the start (so Q starts at the middle of the
// support); Q(s, a) = sum_i softmax(l)_i v_i (atoms or bin centres). The update computes the same
// scalar y from the decoded Qs, its target distribution p = two_hot(y) or hl_gauss(y), and moves
// l -= lr (softmax(l) - p), the analytic cross-entropy gradient.
// C51: m logits per (s, a), all 0 at the start; target distribution: the projection
// (value::project_categorical) of r + g Z(s', a*), a* = argmax of the decoded means (Q-learning),
// or of r + g Z_mix with Z_mix = sum_a' pi_eps(a' | s') Z(s', a') (expected SARSA: the projection
// is linear, so this is the expected projected target); then l -= lr (softmax(l) - p).
// No allocation per update.
class TabularTdLearner {
 public:
  // valor::Error for invalid options (validate_td_options) or sizes < 1.
  TabularTdLearner(int num_states, int num_actions, const TdOptions& options);

  // One TD update from the transition (s, a, r, s2); `terminal`: s2 is terminal (no bootstrap).
  // Indices out of range and non-finite rewards are caller bugs (VALOR_CHECK).
  void update(int s, int a, double r, int s2, bool terminal);

  double q(int s, int a) const { return q_[index(s, a)]; }
  std::vector<double> q_table() const { return q_; }  // [S * A]
  // The logits of (s, a) ([m]); empty for the scalar representation.
  std::span<const double> logits(int s, int a) const;
  // The support values the logits decode over (atoms or bin centres); empty for scalar.
  std::span<const double> support_values() const { return values_; }
  // argmax_a Q(s, a), ties to the lowest index.
  int greedy_action(int s) const;

  int num_states() const { return num_states_; }
  int num_actions() const { return num_actions_; }
  const TdOptions& options() const { return options_; }

 private:
  size_t index(int s, int a) const {
    return static_cast<size_t>(s) * static_cast<size_t>(num_actions_) + static_cast<size_t>(a);
  }
  // The bootstrapped scalar value of s2 (max or epsilon-greedy expectation of Q(s2, .)).
  double next_value(int s2) const;
  // logits(s, a) -= lr (softmax - target_), then refreshes q_(s, a).
  void step_logits(size_t k);

  TdOptions options_;
  int num_states_;
  int num_actions_;
  size_t m_ = 0;                 // support size (0 for scalar)
  std::vector<double> q_;        // [S * A]: Q, or the decoded logits
  std::vector<double> logits_;   // [S * A * m]
  std::vector<double> values_;   // [m]
  std::vector<float> values_f_;  // [m]
  // Scratch, so that update() does not allocate.
  std::vector<float> target_f_;    // [m]
  std::vector<float> next_f_;      // [m]
  std::vector<double> target_;     // [m]
  std::vector<double> probs_;      // [m]
  std::vector<double> mix_;        // [m]
  value::AtomSupport atoms_;       // two-hot, C51
  value::BinSupport bin_support_;  // HL-Gauss
};

// The learning curve of one run: errors of the learned Q against Q* over the non-terminal states
// (all actions), after steps[k] environment steps.
struct TdRun {
  std::vector<int64_t> steps;
  std::vector<double> max_error;       // max |Q - Q*|
  std::vector<double> mean_abs_error;  // mean |Q - Q*|
  std::vector<double> q;               // the final Q table [S * A]
  int64_t episodes = 0;                // episodes started
};

// Runs `steps` steps of a TabularEnv(mdp, options.max_episode_steps, options.seed) with an
// epsilon-greedy behaviour policy (Rng(seed, 1); reward noise from Rng(seed, 2)), updating a
// TabularTdLearner after each step (terminal: no bootstrap; truncation: bootstrap) and resetting
// the environment when an episode ends. Errors are recorded at step 0, every log_every steps and
// after the last step. Deterministic for a seed; no allocation per step.
// valor::Error for invalid options, steps < 0, log_every < 1, or q_star not of size S * A.
TdRun run_tabular_td(const TabularMdp& mdp, const TdOptions& options, int64_t steps,
                     int64_t log_every, const std::vector<double>& q_star);

// compare_td: every representation x reward-noise level x seed, Q-learning.
struct CompareTdOptions {
  // gamma, epsilon, support, max_episode_steps, first seed (seed i runs base.seed + i);
  // representation, target, reward_noise_sd and learning_rate are set per run.
  TdOptions base;
  double scalar_learning_rate = 0.1;       // kScalar
  double categorical_learning_rate = 1.0;  // kTwoHot, kHlGauss, kC51 (a step in logit space)
  int64_t log_every = 1000;
};

struct CompareTdCell {
  TdRepresentation representation = TdRepresentation::kScalar;
  double noise_sd = 0.0;
  std::vector<double> final_max_error;  // per seed
  double mean_final_max_error = 0.0;
  double sd_final_max_error = 0.0;  // sample sd over seeds (0 for one seed)
  double min_final_max_error = 0.0;
  double max_final_max_error = 0.0;
  std::vector<double> mean_max_error_curve;       // over seeds, at CompareTdReport::steps
  std::vector<double> mean_mean_abs_error_curve;  // over seeds
};

struct CompareTdReport {
  std::vector<int64_t> steps;  // the curve points
  double gamma = 0.0;
  double q_star_min = 0.0;  // range of Q* over non-terminal states, to scale the errors
  double q_star_max = 0.0;
  std::vector<CompareTdCell> cells;  // representation-major, then noise level
};

// Solves the MDP exactly (value_iteration at base.gamma, then q_from_v), then runs
// run_tabular_td for every representation x noise level x seed and aggregates.
// valor::Error for seeds < 1, an empty or negative noise list, or invalid options.
CompareTdReport compare_td(const TabularMdp& mdp, const std::vector<double>& noise_levels,
                           int seeds, int64_t steps, const CompareTdOptions& options);

}  // namespace valor::dp
