// The 2x2 study of "Models of human preference for learning reward functions" (Knox et al.) on
// random delivery gridworlds (delivery.h): preferences labelled by {partial return, regret} and
// learned with the {partial return, regret} model, per label noise and number of preferences,
// each learned reward scored by the exact scaled return of its greedy policy
// (preference_reward.h). `valor study regret` runs it and aggregates the cells.
//
// Randomness: MDP i is drawn from Rng(seed).split(i); the pairs of (MDP i, seed j) from
// Rng(seed).split(kPairStream + i * 1000 + j), and they are shared by every noise mode, label
// model and learning model (a paired design); the smaller data sets are prefixes of the largest
// (nested, as if more preferences were collected); logistic labels draw from their own stream per
// (i, j, label model), and theta_0 uses the seed i * 1000 + j for both learning models.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "valor/dp/delivery.h"

namespace valor::dp {

enum class StudyReward { kLinear, kTabular };

struct RegretStudyOptions {
  std::vector<int> preferences = {30, 100, 300, 1000, 3000};
  int mdps = 30;
  int seeds = 2;
  std::vector<LabelNoise> noise = {LabelNoise::kNoiseless, LabelNoise::kLogistic};
  int segment_length = 3;
  StudyReward reward = StudyReward::kLinear;
  PreferenceFitOptions fit;  // gamma (also of labels and scores), iterations, learning rate, ...
  uint64_t seed = 0;
};

struct RegretStudyCell {
  LabelNoise noise = LabelNoise::kNoiseless;
  PreferenceModel labels = PreferenceModel::kRegret;
  PreferenceModel model = PreferenceModel::kRegret;
  int preferences = 0;
  int mdp = 0;
  int seed = 0;
  double scaled_return = 0.0;
  bool near_optimal = false;  // scaled_return > kNearOptimalScaledReturn
  double train_loss = 0.0;
  int best_iteration = 0;
};

// valor::Error naming the option unless: preferences non-empty, each >= 1, no repeats; mdps,
// seeds >= 1 (seeds < 1000); noise non-empty without repeats; segment_length >= 1; the fit's
// options valid (gamma in [0, 1), iterations >= 0, learning rate > 0, init sd >= 0).
void check_regret_study_options(const RegretStudyOptions& options);

// The number of fits the study runs: |noise| x 2 x 2 x |preferences| x mdps x seeds.
int64_t regret_study_size(const RegretStudyOptions& options);

// The MDPs of the study, in order (drawn as described above).
std::vector<DeliveryMdp> regret_study_mdps(const RegretStudyOptions& options);

// Runs every cell, calling on_cell after each (for progress); returns them in the order run:
// MDP, seed, noise, labels, model, preferences. Single-threaded; deterministic for the options.
std::vector<RegretStudyCell> run_regret_study(
    const RegretStudyOptions& options,
    const std::function<void(const RegretStudyCell&)>& on_cell = {});

}  // namespace valor::dp
