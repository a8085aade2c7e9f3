#include "valor/reward/ensemble.h"

#include "valor/core/error.h"

namespace valor::reward {

MlpOptions member_options(const MlpOptions& options, size_t member) {
  MlpOptions o = options;
  o.seed = options.seed + member;
  return o;
}

std::vector<MlpReward> train_mlp_ensemble(
    const PairDataset& data, const MlpOptions& options, size_t members,
    const std::function<void(size_t, const EpochReport&)>& on_epoch) {
  if (members < 1) fail("an ensemble needs at least 1 member, got {}", members);
  std::vector<MlpReward> out;
  for (size_t k = 0; k < members; ++k) {
    out.push_back(train_mlp_reward(data, member_options(options, k), [&](const EpochReport& r) {
      if (on_epoch) on_epoch(k, r);
    }));
  }
  return out;
}

std::vector<std::vector<double>> member_rewards(const std::vector<MlpReward>& members,
                                                const rank::FeatureTable& table) {
  std::vector<float> rows(table.values.begin(), table.values.end());
  std::vector<std::vector<double>> out;
  std::vector<float> r(table.rows());
  for (const MlpReward& m : members) {
    if (m.input_dim() != table.dim) {
      fail("the reward model takes {} features, the data has {}", m.input_dim(), table.dim);
    }
    m.rewards(rows.data(), r.size(), r.data());
    out.emplace_back(r.begin(), r.end());
  }
  return out;
}

}  // namespace valor::reward
