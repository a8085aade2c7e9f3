// A fitted reward model as a file (model.json in a `valor reward fit` run directory): the linear
// Bradley-Terry model on features (rank/linear_bt.h) or an ensemble of K >= 1 MLP reward models
// (mlp_reward.h), with the names of the features it takes. Floats are written in the shortest
// form that reads back to the same value, so a loaded model scores bit for bit as the saved one.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "valor/rank/features.h"
#include "valor/rank/linear_bt.h"
#include "valor/reward/mlp_reward.h"

namespace valor::reward {

struct RewardModel {
  std::string kind;  // "linear" or "mlp"
  std::vector<std::string> features;
  rank::LinearBtFit linear;        // kind "linear"
  std::vector<MlpReward> members;  // kind "mlp"
  size_t num_members() const { return kind == "linear" ? 1 : members.size(); }
  size_t input_dim() const { return features.size(); }
};

// Atomic write.
void save_reward_model(const RewardModel& model, const std::filesystem::path& path);
// `path` is model.json or a run directory holding it. valor::Error naming the file for a missing
// file, malformed JSON, an unknown kind, or parameter counts that do not fit the shapes.
RewardModel load_reward_model(const std::filesystem::path& path);

// rewards[k][r]: member k's reward of row r of `table` (one member for the linear model).
// valor::Error naming both dimensions when table.dim is not the model's input dimension.
std::vector<std::vector<double>> model_rewards(const RewardModel& model,
                                               const rank::FeatureTable& table);

}  // namespace valor::reward
