// Reward-model ensembles ("Reward Model Ensembles Help Mitigate Overoptimization"): K MLP reward
// models trained on the same comparisons from different seeds (initialisation, validation split,
// minibatch order, dropout) and, optionally, each on its own bootstrap resample of the training
// comparisons. Their rewards are combined by the scoring rules of scoring.h.
#pragma once

#include <functional>
#include <vector>

#include "valor/rank/features.h"
#include "valor/reward/mlp_reward.h"

namespace valor::reward {

// Member k's options: `options` with seed options.seed + k.
MlpOptions member_options(const MlpOptions& options, size_t member);

// Trains `members` (>= 1) members one after another; on_epoch gets the member index.
std::vector<MlpReward> train_mlp_ensemble(
    const PairDataset& data, const MlpOptions& options, size_t members,
    const std::function<void(size_t, const EpochReport&)>& on_epoch = {});

// rewards[k][r]: member k's reward of row r of `table` (valor::Error for a dimension that is not
// the members' input dimension).
std::vector<std::vector<double>> member_rewards(const std::vector<MlpReward>& members,
                                                const rank::FeatureTable& table);

}  // namespace valor::reward
