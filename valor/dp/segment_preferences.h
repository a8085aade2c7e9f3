// Preferences between trajectory segments on a tabular MDP, labelled by partial return or by
// regret ("Models of human preference for learning reward functions", Knox et al.). For a segment
// sigma = (s_0, a_0, ..., s_{k-1}, a_{k-1}, s_k):
//   partial return PR(sigma) = sum_t r(s_t, a_t)                (undiscounted, r the expected
//   reward) regret(sigma)            = sum_t [V*(s_t) - Q*(s_t, a_t)]   (minus the sum of optimal
//   advantages)
// With deterministic transitions and gamma = 1 the regret telescopes to the paper's
// V*(s_0) - (PR(sigma) + V*(s_k)). The preference models are
//   partial return: P(sigma1 > sigma2) = logistic(PR(sigma1) - PR(sigma2)),
//   regret:         P(sigma1 > sigma2) = logistic(regret(sigma2) - regret(sigma1)).
// Values are those of the discounted MDP (gamma in [0, 1)); V*, Q* come from policy iteration.
#pragma once

#include <span>
#include <string_view>
#include <vector>

#include "valor/core/random.h"
#include "valor/dp/solve.h"

namespace valor::dp {

// k actions and the k + 1 states they visit (states[t + 1] follows actions[t] from states[t]).
// After entering a terminal state a segment stays there (its rows are zero-reward self-loops).
struct Segment {
  std::vector<int> states;
  std::vector<int> actions;
  bool operator==(const Segment&) const = default;
};

struct SegmentPair {
  Segment first, second;
};

enum class PreferenceModel { kPartialReturn, kRegret };
enum class LabelNoise { kNoiseless, kLogistic };

// "partial_return", "regret"; "noiseless", "logistic".
std::string_view preference_model_name(PreferenceModel model);
std::string_view label_noise_name(LabelNoise noise);
// The inverses; valor::Error naming the value and the accepted names.
PreferenceModel parse_preference_model(std::string_view name);
LabelNoise parse_label_noise(std::string_view name);

// A segment of `length` actions from a non-terminal state drawn uniformly, with uniformly random
// actions and next states drawn from the model. valor::Error if length < 1 or every state is
// terminal.
Segment sample_segment(const TabularMdp& mdp, int length, Rng& rng);

// `count` pairs of independent segments; a pair whose two segments are identical is drawn again
// (valor::Error after 1000 identical draws in a row: the MDP has a single segment). count >= 0.
std::vector<SegmentPair> sample_segment_pairs(const TabularMdp& mdp, int count, int length,
                                              Rng& rng);

// sum_t r(s_t, a_t) with r the expected reward of `mdp`.
double partial_return(const TabularMdp& mdp, const Segment& segment);

// sum_t [v(s_t) - q(s_t * A + a_t)]; v of size S, q of size S * A (e.g. V*, Q*).
double segment_regret(const TabularMdp& mdp, std::span<const double> v, std::span<const double> q,
                      const Segment& segment);

// V*, Q* (Q[s * A + a]) and an optimal policy of a discounted MDP, by policy iteration (exact
// evaluation) from `initial` (empty: action 0 everywhere). valor::Error unless 0 <= gamma < 1.
struct OptimalValues {
  std::vector<double> v;
  std::vector<double> q;
  Policy policy;
};
OptimalValues optimal_values(const TabularMdp& mdp, double gamma, Policy initial = {});

// The argument of the logistic function under `model`: PR(first) - PR(second), or
// regret(second) - regret(first) with `optimal` the optimal values of `mdp`.
double preference_logit(PreferenceModel model, const TabularMdp& mdp, const OptimalValues& optimal,
                        const SegmentPair& pair);

// The label of each pair under the true reward of `mdp` (1: the first segment is preferred,
// 0: the second, 0.5: a noiseless tie). Noiseless: 1 if the logit is > kPreferenceTieTolerance,
// 0 if it is < -kPreferenceTieTolerance, else 0.5. Logistic: 1 with probability
// logistic(logit), else 0 (one draw of `rng` per pair). valor::Error for gamma outside [0, 1).
std::vector<double> label_segment_pairs(const TabularMdp& mdp, double gamma,
                                        std::span<const SegmentPair> pairs, PreferenceModel model,
                                        LabelNoise noise, Rng& rng);

// Logits within this of 0 are ties for noiseless labels: the regret of two optimal segments is 0
// only up to the rounding of the exact evaluation's linear solve.
inline constexpr double kPreferenceTieTolerance = 1e-9;

}  // namespace valor::dp
