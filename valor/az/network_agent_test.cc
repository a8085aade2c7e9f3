#include "valor/az/network_agent.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>

#include "valor/az/checkpoint_network.h"
#include "valor/az/trainer.h"
#include "valor/core/error.h"

namespace valor::az {
namespace {

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(AzNetworkAgent, ParsesSpecs) {
  const auto a = parse_network_agent_spec("az:runs/ttt.pt");
  EXPECT_EQ(a.path, "runs/ttt.pt");
  EXPECT_EQ(a.simulations, 0);
  const auto b = parse_network_agent_spec("az:runs/ttt.pt:32");
  EXPECT_EQ(b.path, "runs/ttt.pt");
  EXPECT_EQ(b.simulations, 32);
  // A last field that is not digits belongs to the path.
  EXPECT_EQ(parse_network_agent_spec("az:c:/x.pt").path, "c:/x.pt");
  EXPECT_EQ(parse_network_agent_spec("az:a:b:7").path, "a:b");
  EXPECT_EQ(error_of([] { parse_network_agent_spec("az:x.pt:0"); }),
            "agent 'az:x.pt:0': SIMS must be in [1, 10000000] (az:CHECKPOINT or "
            "az:CHECKPOINT:SIMS)");
  EXPECT_NE(error_of([] { parse_network_agent_spec("az:x.pt:99999999999"); }), "");
  EXPECT_EQ(error_of([] { parse_network_agent_spec("az:"); }),
            "agent 'az:' names no checkpoint: expected az:CHECKPOINT or az:CHECKPOINT:SIMS");
  EXPECT_EQ(error_of([] { parse_network_agent_spec("az::5"); }),
            "agent 'az::5' names no checkpoint: expected az:CHECKPOINT or az:CHECKPOINT:SIMS");
  EXPECT_NE(error_of([] { parse_network_agent_spec("mcts-rollout:5"); }), "");
}

class AzCheckpointNetwork : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("valor_az_agent_test_" + std::to_string(getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
};

TEST_F(AzCheckpointNetwork, ReadsTheShapeAndWeightsOffTheCheckpoint) {
  TrainerOptions o;
  o.game = "connect4";
  o.hidden = {16, 8, 12};
  o.value_head = "hl_gauss";
  o.bins = 11;
  o.games_per_iteration = 1;
  o.train_steps_per_iteration = 2;
  o.batch_size = 8;
  o.self_play.simulations = 2;
  Trainer trainer(o);
  trainer.iterate();
  const auto path = dir_ / "c4.pt";
  trainer.save(path);
  const CheckpointNetwork loaded = load_checkpoint_network(path);
  EXPECT_EQ(loaded.game->name, "connect4");
  const NetworkSpec& spec = loaded.network->spec();
  EXPECT_EQ(spec.hidden, (std::vector<int>{16, 8, 12}));
  EXPECT_EQ(spec.value_head, "hl_gauss");
  EXPECT_EQ(spec.bins, 11);
  EXPECT_EQ(spec.num_actions, 7);
  // The same outputs as the trained network.
  NetworkEvaluator original(trainer.network());
  NetworkEvaluator reloaded(loaded.network);
  const auto state = game::find_game("connect4").state_from_moves("4453");
  const game::State* states[] = {state.get()};
  game::Evaluation a, b;
  original.evaluate(states, std::span<game::Evaluation>(&a, 1));
  reloaded.evaluate(states, std::span<game::Evaluation>(&b, 1));
  EXPECT_FLOAT_EQ(a.value, b.value);
  for (int i = 0; i < 7; ++i) EXPECT_FLOAT_EQ(a.priors[i], b.priors[i]);

  // Agents over it: the raw policy plays the argmax prior; both play legal moves.
  const auto& c4 = game::find_game("connect4");
  const auto raw = make_any_agent("az:" + path.string(), c4, 1);
  int best = 0;
  for (int i = 1; i < 7; ++i) {
    if (a.priors[i] > a.priors[best]) best = i;
  }
  EXPECT_EQ(raw->act(*state), best);
  const auto searcher = make_any_agent("az:" + path.string() + ":8", c4, 1);
  EXPECT_TRUE(state->is_legal(searcher->act(*state)));
  EXPECT_NE(make_any_agent("random", c4, 1), nullptr);
  EXPECT_EQ(
      error_of([&] { make_any_agent("az:" + path.string(), game::find_game("tictactoe"), 1); }),
      "agent 'az:" + path.string() + "': the checkpoint's network plays connect4, not tictactoe");
}

TEST_F(AzCheckpointNetwork, BadFilesAreErrorsNamingThem) {
  const auto missing = dir_ / "missing.pt";
  EXPECT_EQ(
      error_of([&] { load_checkpoint_network(missing); }),
      missing.string() + ": no such checkpoint file (one written by valor az train --checkpoint)");
  const auto junk = dir_ / "junk.pt";
  std::ofstream(junk) << "not a checkpoint\n";
  EXPECT_NE(error_of([&] {
              load_checkpoint_network(junk);
            }).find("'" + junk.string() + "' is not a valor az checkpoint"),
            std::string::npos);
}

}  // namespace
}  // namespace valor::az
