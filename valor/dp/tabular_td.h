// Tabular TD control with the value heads of the agents (value/value_head.h): a table of the head's
// K outputs per (state, action) - a scalar Q (mse, huber), logits over a fixed support trained by
// cross-entropy against a two-hot, HL-Gauss (Stop Regressing: Training Value Functions via
// Classification for Scalable Deep RL) or C51 (A Distributional Perspective on Reinforcement
// Learning) target, or quantiles (qr) - moved by the head's own loss gradient. With the exact Q*
// from solve.h this measures how each head converges, with and without reward noise.
// docs/value.md and docs/algorithms.md section 2 give the formulas used.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "valor/env/tabular.h"
#include "valor/value/value_head.h"

namespace valor::dp {

using env::TabularMdp;

enum class TdTarget { kQLearning, kExpectedSarsa };

// The heads compare_td runs, in this order (names: value::head_name).
inline constexpr value::HeadKind kCompareTdHeads[] = {
    value::HeadKind::kMse, value::HeadKind::kTwoHot, value::HeadKind::kHlGauss,
    value::HeadKind::kC51};

struct TdOptions {
  // Any head; qr with Q-learning targets only.
  value::HeadKind head = value::HeadKind::kMse;
  TdTarget target = TdTarget::kQLearning;
  double gamma = 0.9;
  // outputs -= lr * dL/d(outputs), one example per update: mse Q += lr (y - Q); categorical
  // logits -= lr (softmax - p).
  double learning_rate = 0.1;
  // Behaviour is epsilon-greedy (ties to the lowest action); expected SARSA's target uses the
  // same epsilon-greedy policy.
  double epsilon = 0.1;
  // Standard deviation of Gaussian noise added to each observed reward (0: none).
  double reward_noise_sd = 0.0;
  // The support of the categorical heads: atoms (two_hot, c51) or bins (hl_gauss).
  double v_min = -10.0;
  double v_max = 10.0;
  int bins = 51;
  double sigma_ratio = 0.75;  // HL-Gauss sigma / bin width
  int quantiles = 51;         // qr
  // Categorical heads: the value every (s, a) decodes to at the start (value_head.h's
  // initial_logits), in [v_min, v_max]. The other heads start at 0.
  double initial_value = 0.0;
  uint64_t seed = 0;
  // run_tabular_td: episodes are truncated after this many steps (0: no limit) and reset.
  int max_episode_steps = 100;
};

// valor::Error unless 0 < learning_rate (finite), 0 <= gamma <= 1, 0 <= epsilon <= 1,
// reward_noise_sd >= 0 (finite), bins >= 2, v_min < v_max (finite), sigma_ratio in (0, 1000],
// quantiles >= 1, initial_value in [v_min, v_max] (categorical heads), max_episode_steps >= 0,
// and qr not with expected SARSA.
void validate_td_options(const TdOptions& options);

// One TD learner over S states and A actions.
//
// Every update moves the K outputs of (s, a) by -lr times the gradient of the head's loss
// (ValueHead::loss, batch of one) against the head's target (ValueHead::targets) built from the
// outputs of (s', a*), a* = argmax_a' Q(s', a') (ties to the lowest index), the reward r and
// g = gamma, or 0 when s' is terminal. Q(s, a) is the head's decoded value (ValueHead::q_values).
//   mse:        Q += lr (y - Q), y = r + g Q(s', a*); huber the same with y - Q clipped to +-1.
//   two_hot, hl_gauss: logits -= lr (softmax(l) - p), p = two_hot(y) or hl_gauss(y) of the same
//               scalar y from the decoded Qs; the logits start at initial_logits() (Q = v0).
//   c51:        p = the projection (value::project_categorical) of r + g Z(s', a*).
//   qr:         quantile-Huber gradient against r + g theta(s', a*); quantiles start at 0.
// Expected SARSA replaces Q(s', a*) by sum_a' pi_eps(a' | s') Q(s', a'), pi_eps the
// epsilon-greedy policy (epsilon/A everywhere plus 1 - epsilon on the greedy action), and for c51
// Z(s', a*) by the mixture sum_a' pi_eps(a' | s') Z(s', a') (the projection is linear, so this
// is the expected projected target). No allocation per update.
class TabularTdLearner {
 public:
  // valor::Error for invalid options (validate_td_options) or sizes < 1.
  TabularTdLearner(int num_states, int num_actions, const TdOptions& options);

  // One TD update from the transition (s, a, r, s2); `terminal`: s2 is terminal (no bootstrap).
  // Indices out of range and non-finite rewards are caller bugs (VALOR_CHECK).
  void update(int s, int a, double r, int s2, bool terminal);

  double q(int s, int a) const { return q_[index(s, a)]; }
  std::vector<double> q_table() const { return q_; }  // [S * A]
  // The head's K outputs of (s, a): Q (mse, huber), logits (two_hot, hl_gauss, c51), quantiles.
  std::span<const float> outputs(int s, int a) const;
  const value::ValueHead& head() const { return head_; }
  // argmax_a Q(s, a), ties to the lowest index.
  int greedy_action(int s) const;

  int num_states() const { return num_states_; }
  int num_actions() const { return num_actions_; }
  const TdOptions& options() const { return options_; }

 private:
  size_t index(int s, int a) const {
    return static_cast<size_t>(s) * static_cast<size_t>(num_actions_) + static_cast<size_t>(a);
  }
  // The epsilon-greedy expectation of Q(s2, .) (expected SARSA's bootstrap value).
  double expected_next_value(int s2) const;
  // The epsilon-greedy mixture of the c51 distributions of s2 into mix_.
  void mix_next_distributions(int s2);

  TdOptions options_;
  int num_states_;
  int num_actions_;
  value::ValueHead head_;
  size_t k_ = 1;                // outputs per (s, a)
  std::vector<double> q_;       // [S * A]: the decoded outputs
  std::vector<float> outputs_;  // [S * A * K]
  // Scratch, so that update() does not allocate.
  std::vector<float> target_;                // [target_size]
  std::vector<float> grad_;                  // [K]
  std::vector<float> probs_;                 // [K]
  std::vector<float> mix_;                   // [K]
  std::optional<value::AtomSupport> atoms_;  // c51: for the expected SARSA mixture
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

// compare_td: every head of kCompareTdHeads x reward-noise level x seed, Q-learning.
struct CompareTdOptions {
  // gamma, epsilon, support, max_episode_steps, first seed (seed i runs base.seed + i);
  // head, target, reward_noise_sd and learning_rate are set per run.
  TdOptions base;
  double scalar_learning_rate = 0.1;       // mse
  double categorical_learning_rate = 1.0;  // two_hot, hl_gauss, c51 (a step in logit space)
  int64_t log_every = 1000;
};

struct CompareTdCell {
  value::HeadKind head = value::HeadKind::kMse;
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
  std::vector<CompareTdCell> cells;  // head-major (kCompareTdHeads), then noise level
};

// Solves the MDP exactly (value_iteration at base.gamma, then q_from_v), then runs
// run_tabular_td for every head of kCompareTdHeads x noise level x seed and aggregates.
// valor::Error for seeds < 1, an empty or negative noise list, or invalid options.
CompareTdReport compare_td(const TabularMdp& mdp, const std::vector<double>& noise_levels,
                           int seeds, int64_t steps, const CompareTdOptions& options);

}  // namespace valor::dp
