// Preference data and reward functions of the lab (docs/align.md).
// - Preference pairs: a prompt drawn uniformly, two responses drawn independently from pi_ref,
//   and the outcome drawn by Bradley-Terry on the gold reward, P(a > b) = sigma((r*(a) - r*(b)) /
//   label_temperature), then flipped with probability label_noise. Optionally, ties: a pair whose
//   labelling reward differs by less than tie_margin is a tie (outcome 0.5, never flipped); and
//   several annotators: each pair is labelled by one of `annotators` annotators drawn uniformly,
//   annotator k judging by r_k(x, y) = r*(x, y) + annotator_spread sum_t c_k[x][t][y_t] /
//   sqrt(L), c_k independent N(0, 1) (a personal taste per prompt, position and token). A pair
//   never compares a
//   response with itself (the second is redrawn until it differs: such a pair moves no method,
//   its h being 0 for every policy).
// - Reward functions score responses: the gold reward, or a proxy learnt from preference pairs
//   by valor's reward module (an MLP, or an ensemble combined by mean, WCO or UWO) on the task's
//   one-hot features.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "valor/align/task.h"
#include "valor/reward/mlp_reward.h"
#include "valor/reward/scoring.h"

namespace valor::align {

struct PreferenceData {
  int length = 0;
  std::vector<int32_t> prompts;
  std::vector<uint8_t> a, b;   // n x L each
  std::vector<float> outcome;  // 1: a preferred, 0: b preferred (soft labels allowed)
  size_t size() const { return prompts.size(); }
};

struct PreferenceOptions {
  size_t pairs = 1000;
  double label_temperature = 1.0;  // > 0
  double label_noise = 0.0;        // flip probability in [0, 0.5)
  double tie_margin = 0.0;         // >= 0; 0: no ties
  size_t annotators = 1;           // >= 1
  double annotator_spread = 0.0;   // >= 0: how far annotators' rewards differ from r*
  uint64_t seed = 0;
};
void check_preference_options(const PreferenceOptions& options);
PreferenceData make_preferences(const Task& task, const PreferenceOptions& options);
// valor::Error for no pairs, a length that is not the task's, a token or prompt out of range, an
// outcome outside [0, 1]; `label` names the data in the message.
void check_preferences(const PreferenceData& data, const SequenceShape& shape,
                       const std::string& label);

// Scores responses: out[i] = r(prompts[i], tokens[i L, (i+1) L)).
class RewardFunction {
 public:
  virtual ~RewardFunction() = default;
  virtual void score(std::span<const int32_t> prompts, std::span<const uint8_t> tokens,
                     double* out) const = 0;
};

class GoldReward final : public RewardFunction {
 public:
  explicit GoldReward(const Task& task) : task_(task) {}
  void score(std::span<const int32_t> prompts, std::span<const uint8_t> tokens,
             double* out) const override;

 private:
  const Task& task_;
};

// An ensemble of MLP reward models over Task::features, combined by a scoring rule (one member
// with the mean rule is a single proxy).
class ProxyReward final : public RewardFunction {
 public:
  ProxyReward(const Task& task, std::vector<reward::MlpReward> members, reward::EnsembleRule rule,
              double lambda);
  void score(std::span<const int32_t> prompts, std::span<const uint8_t> tokens,
             double* out) const override;
  size_t members() const { return members_.size(); }

 private:
  const Task& task_;
  std::vector<reward::MlpReward> members_;
  reward::EnsembleRule rule_;
  double lambda_;
};

// The reward module's comparison dataset of `data` (rows: every pair's two feature vectors).
reward::PairDataset pair_dataset(const Task& task, const PreferenceData& data);

// r(x, y) of every response of every prompt (P x V^L, sequence_index order).
std::vector<double> reward_table(const RewardFunction& reward, const SequenceShape& shape);

}  // namespace valor::align
