#include "valor/reward/model_file.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "valor/core/error.h"
#include "valor/reward/ensemble.h"
#include "valor/reward/synthetic.h"

namespace valor::reward {
namespace {

using ::testing::HasSubstr;
namespace fs = std::filesystem;

TEST(ModelFileTest, SavedModelsScoreBitForBitAsBefore) {
  const fs::path dir = fs::temp_directory_path() / "valor-model-file-test";
  fs::create_directories(dir);
  const SyntheticPreferences s = make_synthetic_preferences(5, 500, 4);
  MlpOptions options;
  options.hidden = {9, 7};
  options.max_epochs = 2;
  RewardModel mlp;
  mlp.kind = "mlp";
  mlp.features = s.data.table.names;
  mlp.members = train_mlp_ensemble(make_pair_dataset(s.data), options, 2);
  save_reward_model(mlp, dir / "model.json");
  const RewardModel loaded = load_reward_model(dir);  // the run directory form
  EXPECT_EQ(loaded.num_members(), 2u);
  EXPECT_EQ(model_rewards(loaded, s.data.table), model_rewards(mlp, s.data.table));

  RewardModel linear;
  linear.kind = "linear";
  linear.features = s.data.table.names;
  linear.linear = rank::fit_linear_bt(s.data);
  save_reward_model(linear, dir / "linear.json");
  EXPECT_EQ(model_rewards(load_reward_model(dir / "linear.json"), s.data.table),
            model_rewards(linear, s.data.table));

  rank::FeatureTable wrong;
  wrong.dim = 4;
  wrong.values.assign(8, 0.0);
  EXPECT_THROW(model_rewards(linear, wrong), Error);
  std::ofstream(dir / "bad.json")
      << "{\"format\": \"valor reward model 1\", \"kind\": \"tree\", \"features\": []}";
  try {
    load_reward_model(dir / "bad.json");
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("unknown reward model kind 'tree'; accepted: linear, mlp"));
  }
  fs::remove_all(dir);
}

}  // namespace
}  // namespace valor::reward
