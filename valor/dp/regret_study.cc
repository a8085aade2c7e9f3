#include "valor/dp/regret_study.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "valor/core/error.h"

namespace valor::dp {

namespace {

// Stream offsets of Rng(seed).split(...): MDPs use 0..mdps-1, below these.
constexpr uint64_t kPairStream = uint64_t{1} << 32;
constexpr uint64_t kLabelStream = uint64_t{2} << 32;

constexpr PreferenceModel kModels[] = {PreferenceModel::kPartialReturn, PreferenceModel::kRegret};

}  // namespace

void check_regret_study_options(const RegretStudyOptions& o) {
  if (o.preferences.empty()) fail("study: preferences is empty (give counts, e.g. 30,100,300)");
  std::set<int> seen;
  for (int n : o.preferences) {
    if (n < 1) fail("study: preferences must be >= 1, got {}", n);
    if (!seen.insert(n).second) fail("study: preferences lists {} twice", n);
  }
  if (o.mdps < 1) fail("study: mdps must be >= 1, got {}", o.mdps);
  if (o.seeds < 1 || o.seeds >= 1000) fail("study: seeds must be in [1, 999], got {}", o.seeds);
  if (o.noise.empty()) fail("study: noise is empty (accepted: noiseless, logistic)");
  std::set<LabelNoise> noises(o.noise.begin(), o.noise.end());
  if (noises.size() != o.noise.size()) fail("study: noise lists a mode twice");
  if (o.segment_length < 1) fail("study: segment length must be >= 1, got {}", o.segment_length);
  if (!(o.fit.gamma >= 0.0 && o.fit.gamma < 1.0)) {
    fail("study: gamma must be in [0, 1), got {}", o.fit.gamma);
  }
  if (o.fit.iterations < 0) fail("study: iterations must be >= 0, got {}", o.fit.iterations);
  if (!(o.fit.learning_rate > 0.0) || !std::isfinite(o.fit.learning_rate)) {
    fail("study: learning rate must be > 0, got {}", o.fit.learning_rate);
  }
  if (!(o.fit.init_sd >= 0.0) || !std::isfinite(o.fit.init_sd)) {
    fail("study: init sd must be >= 0, got {}", o.fit.init_sd);
  }
}

int64_t regret_study_size(const RegretStudyOptions& o) {
  return static_cast<int64_t>(o.noise.size()) * 4 * static_cast<int64_t>(o.preferences.size()) *
         o.mdps * o.seeds;
}

std::vector<DeliveryMdp> regret_study_mdps(const RegretStudyOptions& options) {
  check_regret_study_options(options);
  const Rng base(options.seed);
  std::vector<DeliveryMdp> mdps;
  for (int i = 0; i < options.mdps; ++i) {
    Rng rng = base.split(static_cast<uint64_t>(i));
    mdps.push_back(random_delivery_mdp(rng, options.fit.gamma, fmt::format("delivery-{}", i)));
  }
  return mdps;
}

std::vector<RegretStudyCell> run_regret_study(
    const RegretStudyOptions& options, const std::function<void(const RegretStudyCell&)>& on_cell) {
  check_regret_study_options(options);
  const Rng base(options.seed);
  const std::vector<DeliveryMdp> mdps = regret_study_mdps(options);
  const int largest = *std::max_element(options.preferences.begin(), options.preferences.end());
  std::vector<RegretStudyCell> cells;
  for (int i = 0; i < options.mdps; ++i) {
    const DeliveryMdp& d = mdps[static_cast<size_t>(i)];
    const RewardFeatures features =
        options.reward == StudyReward::kTabular ? RewardFeatures::tabular(d.mdp) : d.features;
    for (int j = 0; j < options.seeds; ++j) {
      const uint64_t cell_id = static_cast<uint64_t>(i) * 1000 + static_cast<uint64_t>(j);
      Rng pair_rng = base.split(kPairStream + cell_id);
      const std::vector<SegmentPair> pairs =
          sample_segment_pairs(d.mdp, largest, options.segment_length, pair_rng);
      for (LabelNoise noise : options.noise) {
        for (PreferenceModel labels : kModels) {
          Rng label_rng = base.split(kLabelStream + 2 * cell_id + (labels == kModels[0] ? 0 : 1));
          const std::vector<double> all_labels =
              label_segment_pairs(d.mdp, options.fit.gamma, pairs, labels, noise, label_rng);
          for (PreferenceModel model : kModels) {
            for (int n : options.preferences) {
              PreferenceData data;
              data.pairs.assign(pairs.begin(), pairs.begin() + n);
              data.labels.assign(all_labels.begin(), all_labels.begin() + n);
              PreferenceFitOptions fit_options = options.fit;
              fit_options.seed = cell_id;
              const PreferenceFit fit =
                  fit_preference_reward(model, d.mdp, features, data, fit_options);
              const LearnedRewardScore score =
                  score_learned_reward(d.mdp, features, fit.theta, options.fit.gamma);
              RegretStudyCell cell;
              cell.noise = noise;
              cell.labels = labels;
              cell.model = model;
              cell.preferences = n;
              cell.mdp = i;
              cell.seed = j;
              cell.scaled_return = score.scaled_return;
              cell.near_optimal = score.scaled_return > kNearOptimalScaledReturn;
              cell.train_loss = fit.loss;
              cell.best_iteration = fit.best_iteration;
              cells.push_back(cell);
              if (on_cell) on_cell(cell);
            }
          }
        }
      }
    }
  }
  return cells;
}

}  // namespace valor::dp
