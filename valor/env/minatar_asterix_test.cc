#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "valor/core/numpy_random.h"
#include "valor/env/minatar.h"

namespace valor::env {
namespace {

constexpr int kC = 4;  // player, enemy, trail, gold
constexpr int kPlayer = 0;
constexpr int kEnemy = 1;
constexpr int kTrail = 2;
constexpr int kGold = 3;
constexpr size_t kMeetAct = 21;
enum Action { kNoop = 0, kLeft = 1, kUp = 2, kRight = 3, kDown = 4, kFire = 5 };

std::vector<uint8_t> grid_of(const MinAtarGame& game) {
  std::vector<uint8_t> grid(static_cast<size_t>(100 * game.channels()), 7);
  game.state(grid);
  return grid;
}

std::vector<int> active_cells(const std::vector<uint8_t>& grid) {
  std::vector<int> cells;
  for (size_t i = 0; i < grid.size(); ++i) {
    if (grid[i]) cells.push_back(static_cast<int>(i));
  }
  return cells;
}

bool at(const std::vector<uint8_t>& grid, int y, int x, int c) {
  return grid[static_cast<size_t>((y * 10 + x) * kC + c)] != 0;
}

int count_channel(const std::vector<uint8_t>& grid, int c) {
  int n = 0;
  for (size_t i = static_cast<size_t>(c); i < grid.size(); i += kC) n += grid[i];
  return n;
}

TEST(MinAtarAsterix, ResetPlacesThePlayerAndDrawsNothing) {
  auto game = make_asterix_game(true);
  EXPECT_EQ(game->channels(), 4);
  EXPECT_EQ(std::vector<int>(game->minimal_actions().begin(), game->minimal_actions().end()),
            (std::vector<int>{0, 1, 2, 3, 4}));
  NumpyRandomState rng(5);
  const NumpyRandomState before = rng;
  game->reset(rng);
  EXPECT_EQ(rng, before);
  EXPECT_EQ(active_cells(grid_of(*game)), std::vector<int>{(5 * 10 + 5) * kC + kPlayer});
}

TEST(MinAtarAsterix, PlayerMovesWithinRowsOneToEight) {
  auto game = make_asterix_game(true);
  NumpyRandomState rng(1);
  auto player_after = [&](Action a, int n) {
    game->reset(rng);
    bool terminal = false;
    for (int i = 0; i < n; ++i) game->act(a, rng, terminal);  // no spawn in the first 10 acts
    const auto cells = active_cells(grid_of(*game));
    EXPECT_EQ(cells.size(), 1u);
    return cells.at(0) / kC;
  };
  EXPECT_EQ(player_after(kUp, 6), 1 * 10 + 5);
  EXPECT_EQ(player_after(kDown, 6), 8 * 10 + 5);
  EXPECT_EQ(player_after(kLeft, 7), 5 * 10 + 0);
  EXPECT_EQ(player_after(kRight, 7), 5 * 10 + 9);
  EXPECT_EQ(player_after(kFire, 7), 5 * 10 + 5);
}

// The first spawn happens on the 11th act and draws rand(), rand(), randint(8), in that order;
// the move timer (5, reloaded to 5 and decremented in the same act) fires on acts 6, 11, 16, 21,
// so the new entity takes its first step at once.
TEST(MinAtarAsterix, FirstSpawnDrawsDirectionKindAndSlot) {
  for (uint32_t seed = 0; seed < 20; ++seed) {
    auto game = make_asterix_game(true);
    NumpyRandomState rng(seed);
    game->reset(rng);
    bool terminal = false;
    const NumpyRandomState start = rng;
    for (int i = 0; i < 10; ++i) EXPECT_EQ(game->act(kNoop, rng, terminal), 0.0f);
    EXPECT_EQ(rng, start) << "no draws before the first spawn";
    NumpyRandomState predict = rng;
    const bool lr = predict.rand() < 0.5;
    const bool gold = predict.rand() < 1.0 / 3;
    const int row = static_cast<int>(predict.randint(8)) + 1;
    const int step = lr ? 1 : -1;
    const int x0 = lr ? 0 : 9;
    int x = x0;
    for (int act = 11; act <= 16; ++act) {
      game->act(kNoop, rng, terminal);
      EXPECT_FALSE(terminal);
      EXPECT_EQ(rng, predict) << "seed " << seed << " act " << act;
      if (act == 11 || act == 16) x += step;
      const auto grid = grid_of(*game);
      EXPECT_TRUE(at(grid, row, x, gold ? kGold : kEnemy)) << "seed " << seed << " act " << act;
      EXPECT_EQ(count_channel(grid, kGold) + count_channel(grid, kEnemy), 1);
      EXPECT_TRUE(at(grid, row, x - step, kTrail)) << "seed " << seed << " act " << act;
      EXPECT_EQ(count_channel(grid, kTrail), 1);
    }
    EXPECT_EQ(x, x0 + 2 * step);
  }
}

// Finds a seed whose first spawn is (or is not) gold, places the player in the entity's row at
// x = 3 (entity from the left) or x = 6 (from the right) within the first 10 acts, and waits: the
// entity moves on acts 11, 16 and 21, reaching the player on act 21.
struct Encounter {
  std::vector<float> rewards;
  std::vector<bool> terminals;
  std::vector<uint8_t> final_grid;
  int row = 0;
  int x = 0;
};

Encounter meet_first_entity(bool want_gold) {
  for (uint32_t seed = 0;; ++seed) {
    NumpyRandomState rng(seed);
    NumpyRandomState predict = rng;
    const bool lr = predict.rand() < 0.5;
    const bool gold = predict.rand() < 1.0 / 3;
    const int row = static_cast<int>(predict.randint(8)) + 1;
    if (gold != want_gold) continue;
    auto game = make_asterix_game(false);
    game->reset(rng);
    Encounter e;
    e.row = row;
    e.x = lr ? 3 : 6;
    std::vector<Action> plan;
    for (int y = 5; y > row; --y) plan.push_back(kUp);
    for (int y = 5; y < row; ++y) plan.push_back(kDown);
    for (int x = 5; x > e.x; --x) plan.push_back(kLeft);
    for (int x = 5; x < e.x; ++x) plan.push_back(kRight);
    while (plan.size() < kMeetAct) plan.push_back(kNoop);
    for (Action a : plan) {
      bool terminal = false;
      e.rewards.push_back(game->act(a, rng, terminal));
      e.terminals.push_back(terminal);
      if (terminal) break;
    }
    e.final_grid = grid_of(*game);
    return e;
  }
}

TEST(MinAtarAsterix, CollectingGoldGivesOneAndRemovesIt) {
  const Encounter e = meet_first_entity(true);
  ASSERT_EQ(e.rewards.size(), kMeetAct);
  for (size_t i = 0; i + 1 < kMeetAct; ++i) {
    EXPECT_EQ(e.rewards[i], 0.0f) << "act " << i + 1;
    EXPECT_FALSE(e.terminals[i]) << "act " << i + 1;
  }
  EXPECT_EQ(e.rewards[kMeetAct - 1], 1.0f);
  EXPECT_FALSE(e.terminals[kMeetAct - 1]);
  EXPECT_TRUE(at(e.final_grid, e.row, e.x, kPlayer));
  EXPECT_FALSE(at(e.final_grid, e.row, e.x, kGold));
  // The trail is drawn only with its entity, so the collected gold leaves none.
  EXPECT_FALSE(at(e.final_grid, e.row, e.x == 3 ? 2 : 7, kTrail));
}

TEST(MinAtarAsterix, TouchingAnEnemyEndsTheEpisode) {
  const Encounter e = meet_first_entity(false);
  ASSERT_EQ(e.rewards.size(), kMeetAct);
  for (size_t i = 0; i + 1 < kMeetAct; ++i) EXPECT_FALSE(e.terminals[i]) << "act " << i + 1;
  EXPECT_EQ(e.rewards[kMeetAct - 1], 0.0f);
  EXPECT_TRUE(e.terminals[kMeetAct - 1]);
  // The enemy stays on the grid, on the player's cell.
  EXPECT_TRUE(at(e.final_grid, e.row, e.x, kPlayer));
  EXPECT_TRUE(at(e.final_grid, e.row, e.x, kEnemy));
}

TEST(MinAtarAsterix, ActAfterTheEndDoesNothing) {
  auto game = make_asterix_game(true);
  NumpyRandomState rng(3);
  game->reset(rng);
  bool terminal = false;
  NumpyRandomState actions(7);
  int steps = 0;
  while (!terminal && steps < 100000) {
    game->act(static_cast<int>(actions.randint(6)), rng, terminal);
    ++steps;
  }
  ASSERT_TRUE(terminal);
  const auto grid = grid_of(*game);
  const NumpyRandomState before = rng;
  terminal = false;
  EXPECT_EQ(game->act(kLeft, rng, terminal), 0.0f);
  EXPECT_TRUE(terminal);
  EXPECT_EQ(rng, before);
  EXPECT_EQ(grid_of(*game), grid);
}

}  // namespace
}  // namespace valor::env
