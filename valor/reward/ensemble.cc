#include "valor/reward/ensemble.h"

#include <fmt/format.h>

#include "valor/core/atomic_file.h"
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

namespace {
std::filesystem::path member_checkpoint(const std::filesystem::path& dir, size_t k) {
  return dir / fmt::format("member{}.bin", k);
}
}  // namespace

std::optional<std::vector<MlpReward>> train_mlp_ensemble_resumable(
    const PairDataset& data, const MlpOptions& options, size_t members,
    const std::filesystem::path& checkpoints,
    const std::function<void(size_t, const EpochReport&)>& on_epoch,
    const std::atomic<bool>* stop) {
  if (members < 1) fail("an ensemble needs at least 1 member, got {}", members);
  std::vector<MlpReward> out;
  for (size_t k = 0; k < members; ++k) {
    const MlpOptions o = member_options(options, k);
    const auto path = member_checkpoint(checkpoints, k);
    MlpTrainState state = std::filesystem::exists(path)
                              ? MlpTrainState::load(read_file(path), path.string())
                              : start_mlp_training(data, o);
    if (state.model.input_dim() != data.dim) {
      fail("{}: a checkpoint of a model of {} features; the data has {}", path.string(),
           state.model.input_dim(), data.dim);
    }
    for (const auto* indices : {&state.train, &state.validation}) {
      for (const uint32_t i : *indices) {
        if (i >= data.size()) {
          fail(
              "{}: the checkpoint uses comparison {}, but the data has {}; the data changed since "
              "the checkpoint was written",
              path.string(), i, data.size());
        }
      }
    }
    const bool finished = continue_mlp_training(
        state, data, o,
        [&](const EpochReport& r) {
          // The caller's record of the epoch (a metrics row) first, the checkpoint after: a
          // process killed between the two leaves the checkpoint behind the record, never ahead
          // of it, and a resume drops the records past the checkpoint.
          if (on_epoch) on_epoch(k, r);
          write_file_atomically(path, state.save());
        },
        stop);
    if (!finished) return std::nullopt;
    out.push_back(state.best);
  }
  return out;
}

int checkpointed_epochs(const std::filesystem::path& checkpoints, size_t members) {
  int epochs = 0;
  for (size_t k = 0; k < members; ++k) {
    const auto path = member_checkpoint(checkpoints, k);
    if (std::filesystem::exists(path))
      epochs += MlpTrainState::load(read_file(path), path.string()).epoch;
  }
  return epochs;
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
