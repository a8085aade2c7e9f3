// Property tests run on every registered game: random playouts to the end, apply/undo restoring
// the exact state, legal actions consistent with is_legal(), positions read back from their move
// strings, and (Connect Four) no heap allocation per move.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <new>
#include <string>
#include <vector>

#include "valor/core/random.h"
#include "valor/core/testing_allocation_counter.h"
#include "valor/game/connect_four.h"
#include "valor/game/registry.h"

namespace valor::game {
namespace {

// Everything observable about a state, for exact comparisons.
struct Snapshot {
  std::string text;
  std::string moves;
  std::vector<Action> legal;
  std::vector<float> observation;
  int player = 0;
  bool terminal = false;
  std::array<double, 2> returns{};
  bool operator==(const Snapshot&) const = default;
};

Snapshot snapshot(const State& s) {
  Snapshot snap{s.to_string(),      s.moves_string(), s.legal_actions(), {},
                s.current_player(), s.is_terminal(),  s.returns()};
  snap.observation.resize(static_cast<size_t>(s.observation_shape().size()));
  s.observation(snap.observation);
  return snap;
}

class GameProperty : public testing::TestWithParam<GameInfo> {};

TEST_P(GameProperty, RandomPlayoutsKeepEveryInvariant) {
  const GameInfo& game = GetParam();
  Rng rng(2024);
  int finished_with_winner = 0;
  int drawn = 0;
  for (int episode = 0; episode < 500; ++episode) {
    auto state = game.new_initial_state();
    EXPECT_EQ(state->game_name(), game.name);
    std::vector<Action> legal;
    while (true) {
      const Snapshot before = snapshot(*state);
      state->legal_actions(legal);
      EXPECT_EQ(legal.empty(), state->is_terminal());
      for (Action a = 0; a < state->num_distinct_actions(); ++a) {
        const bool listed = std::find(legal.begin(), legal.end(), a) != legal.end();
        EXPECT_EQ(listed, state->is_legal(a)) << state->moves_string() << " action " << a;
      }
      EXPECT_FALSE(state->is_legal(-1));
      EXPECT_FALSE(state->is_legal(state->num_distinct_actions()));
      // The position reads back from its move string, and a clone is equal and independent.
      EXPECT_EQ(snapshot(*game.state_from_moves(state->moves_string())), before);
      auto copy = state->clone();
      EXPECT_EQ(snapshot(*copy), before);
      float stones = 0;
      for (float v : before.observation) stones += v;
      EXPECT_EQ(stones, static_cast<float>(state->move_number()));
      if (state->is_terminal()) {
        const auto r = state->returns();
        EXPECT_EQ(r[0] + r[1], 0.0);
        EXPECT_TRUE(r[0] == 0.0 || r[0] == 1.0 || r[0] == -1.0);
        EXPECT_EQ(state->current_player(), kTerminalPlayer);
        (r[0] != 0.0 ? finished_with_winner : drawn) += 1;
        break;
      }
      EXPECT_EQ(state->current_player(), state->move_number() % 2);
      EXPECT_EQ(state->returns()[0], 0.0);
      // Every legal action, applied then undone, restores the exact state.
      for (const Action a : legal) {
        state->apply(a);
        EXPECT_EQ(state->move_number(), before.moves.size() + 1);
        EXPECT_NE(snapshot(*state), before);
        state->undo(a);
        EXPECT_EQ(snapshot(*state), before) << game.name << " " << before.moves << " + " << a;
      }
      copy->apply(legal.front());
      EXPECT_EQ(snapshot(*state), before);  // the clone is independent
      state->apply(legal[rng.below(legal.size())]);
    }
  }
  EXPECT_GT(finished_with_winner, 100);
  EXPECT_GE(drawn, 0);
}

// The game's mirror image (GameInfo::mirror_action): playing the mirrored moves gives the
// mirrored observation, the mirrored legal actions, the same player to move and the same outcome,
// at every step of random playouts; and mirroring twice is the identity.
TEST_P(GameProperty, MirroredPlayoutsAreMirrorImages) {
  const GameInfo& game = GetParam();
  if (game.mirror_action == nullptr) GTEST_SKIP() << game.name << " declares no mirror symmetry";
  Rng rng(7);
  int asymmetric_positions = 0;
  for (int episode = 0; episode < 300; ++episode) {
    auto state = game.new_initial_state();
    auto mirrored = game.new_initial_state();
    const ObservationShape shape = state->observation_shape();
    std::vector<float> obs(static_cast<size_t>(shape.size())), flipped(obs.size()),
        mirrored_obs(obs.size());
    std::vector<Action> legal, mirrored_legal;
    while (true) {
      state->observation(obs);
      mirrored->observation(mirrored_obs);
      mirror_observation(shape, obs, flipped);
      ASSERT_EQ(flipped, mirrored_obs) << game.name << " " << state->moves_string();
      if (flipped != obs) ++asymmetric_positions;
      EXPECT_EQ(mirrored->current_player(), state->current_player());
      EXPECT_EQ(mirrored->returns(), state->returns());
      ASSERT_EQ(mirrored->is_terminal(), state->is_terminal());
      if (state->is_terminal()) break;
      state->legal_actions(legal);
      mirrored->legal_actions(mirrored_legal);
      std::vector<Action> expected;
      for (const Action a : legal) {
        EXPECT_EQ(game.mirror_action(game.mirror_action(a)), a);
        expected.push_back(game.mirror_action(a));
      }
      std::sort(expected.begin(), expected.end());
      EXPECT_EQ(mirrored_legal, expected) << state->moves_string();
      const Action a = legal[rng.below(legal.size())];
      state->apply(a);
      mirrored->apply(game.mirror_action(a));
    }
  }
  EXPECT_GT(asymmetric_positions, 1000);  // the mirror is not the identity
}

INSTANTIATE_TEST_SUITE_P(AllGames, GameProperty, testing::ValuesIn(games().begin(), games().end()),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(ConnectFourAllocation, NoHeapAllocationPerMove) {
  ConnectFourState state;
  std::vector<Action> legal;
  legal.reserve(7);
  Rng rng(3);
  std::vector<Action> played;
  played.reserve(42);
  const long before = valor::test_alloc::allocations();
  for (int game = 0; game < 200; ++game) {
    while (!state.is_terminal()) {
      state.legal_actions(legal);
      const Action a = legal[rng.below(legal.size())];
      state.apply(a);
      played.push_back(a);
    }
    while (!played.empty()) {
      state.undo(played.back());
      played.pop_back();
    }
  }
  EXPECT_EQ(valor::test_alloc::allocations(), before);
  EXPECT_EQ(state.move_number(), 0);
  // The counter does count: a clone allocates.
  auto copy = state.clone();
  EXPECT_GT(valor::test_alloc::allocations(), before);
}

}  // namespace
}  // namespace valor::game
