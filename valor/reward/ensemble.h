// Reward-model ensembles ("Reward Model Ensembles Help Mitigate Overoptimization"): K MLP reward
// models trained on the same comparisons from different seeds (initialisation, validation split,
// minibatch order, dropout) and, optionally, each on its own bootstrap resample of the training
// comparisons. Their rewards are combined by the scoring rules of scoring.h.
#pragma once

#include <atomic>
#include <filesystem>
#include <functional>
#include <optional>
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

// train_mlp_ensemble with a checkpoint per member in `checkpoints` (member<k>.bin, the
// MlpTrainState, written atomically after every epoch): members whose checkpoint exists continue
// from it (a finished one is not trained again), so a run interrupted by *stop, a kill or a crash
// resumes at the end of its last whole epoch and gives the same models as an uninterrupted run.
// Returns nullopt when *stop was set before all members finished. on_epoch is called before the
// epoch's checkpoint is written, so a kill between the two leaves the checkpoint behind what
// on_epoch recorded (drop the records past checkpointed_epochs to resume), never ahead of it.
std::optional<std::vector<MlpReward>> train_mlp_ensemble_resumable(
    const PairDataset& data, const MlpOptions& options, size_t members,
    const std::filesystem::path& checkpoints,
    const std::function<void(size_t, const EpochReport&)>& on_epoch = {},
    const std::atomic<bool>* stop = nullptr);
// The number of epochs recorded in the checkpoints of `checkpoints` (0 for none).
int checkpointed_epochs(const std::filesystem::path& checkpoints, size_t members);

// rewards[k][r]: member k's reward of row r of `table` (valor::Error for a dimension that is not
// the members' input dimension).
std::vector<std::vector<double>> member_rewards(const std::vector<MlpReward>& members,
                                                const rank::FeatureTable& table);

}  // namespace valor::reward
