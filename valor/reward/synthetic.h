// Synthetic preference data with a known reward (docs/reward.md, the acceptance check of the MLP
// reward model): features x ~ N(0, I_dim), the nonlinear true reward
//   r(x) = 2 sin(u1 . x) + |u2 . x| - 0.5 (u3 . x)(u4 . x)
// with u1..u4 fixed random unit vectors drawn from the seed, and Bradley-Terry labels: a is
// preferred with probability sigma(r(x_a) - r(x_b)). The Bayes classifier predicts the side of
// the higher true reward; its expected accuracy is mean_i max(p_i, 1 - p_i).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "valor/rank/features.h"

namespace valor::reward {

struct SyntheticPreferences {
  rank::FeatureData data;                // comparison i uses rows 2i (a) and 2i + 1 (b)
  std::vector<double> true_reward;       // per row
  std::vector<double> true_probability;  // per comparison: sigma(r(x_a) - r(x_b))
  double bayes_accuracy = 0.0;           // expected, mean of max(p, 1 - p)
};

// The reward's directions depend only on (dim, reward_seed), so train and test sets drawn with
// different `seed`s share the true reward.
SyntheticPreferences make_synthetic_preferences(size_t dim, size_t pairs, uint64_t seed,
                                                uint64_t reward_seed = 1);

}  // namespace valor::reward
