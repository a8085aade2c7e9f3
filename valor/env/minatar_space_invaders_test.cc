#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "valor/core/numpy_random.h"
#include "valor/env/minatar.h"
#include "valor/env/minatar_testing.h"

namespace valor::env {
namespace {

using testing::active_cells;
using testing::channel_cells;

std::vector<int> block(int rows, int first_x, int last_x) {  // rows 0..rows-1, x in [first, last]
  std::vector<int> out;
  for (int y = 0; y < rows; ++y) {
    for (int x = first_x; x <= last_x; ++x) out.push_back(y * 10 + x);
  }
  return out;
}

constexpr int kNoop = 0, kLeft = 1, kFire = 5;
constexpr int kCannon = 0, kAlien = 1, kAlienLeft = 2, kAlienRight = 3, kFriendlyBullet = 4,
              kEnemyBullet = 5;

TEST(MinAtarSpaceInvadersTest, StartsWithABlockOfAliensMovingLeft) {
  auto game = make_space_invaders_game(true);
  NumpyRandomState rng(0);
  const NumpyRandomState untouched(0);
  game->reset(rng);
  EXPECT_EQ(rng, untouched);  // the game itself draws nothing
  EXPECT_EQ(game->channels(), 6);
  EXPECT_EQ(std::vector<int>(game->minimal_actions().begin(), game->minimal_actions().end()),
            (std::vector<int>{0, 1, 3, 5}));  // n, l, r, f
  EXPECT_EQ(channel_cells(*game, kCannon), std::vector<int>{95});
  EXPECT_EQ(channel_cells(*game, kAlien), block(4, 2, 7));
  EXPECT_EQ(channel_cells(*game, kAlienLeft), block(4, 2, 7));
  EXPECT_TRUE(channel_cells(*game, kAlienRight).empty());
  EXPECT_TRUE(channel_cells(*game, kFriendlyBullet).empty());
  EXPECT_TRUE(channel_cells(*game, kEnemyBullet).empty());
}

TEST(MinAtarSpaceInvadersTest, ShootingAnAlienGivesOnePoint) {
  auto game = make_space_invaders_game(true);
  NumpyRandomState rng(0);
  game->reset(rng);
  bool terminal = false;
  EXPECT_EQ(game->act(kFire, rng, terminal), 0.0f);
  EXPECT_EQ(channel_cells(*game, kFriendlyBullet), std::vector<int>{85});
  // During the cool-down, fire does nothing: no second bullet, and the cannon stays.
  EXPECT_EQ(game->act(kFire, rng, terminal), 0.0f);
  EXPECT_EQ(channel_cells(*game, kFriendlyBullet), std::vector<int>{75});
  EXPECT_EQ(channel_cells(*game, kCannon), std::vector<int>{95});
  for (int k = 0; k < 3; ++k) EXPECT_EQ(game->act(kNoop, rng, terminal), 0.0f);
  EXPECT_EQ(channel_cells(*game, kFriendlyBullet), std::vector<int>{45});
  // The bullet reaches the bottom alien of column 5: both go, reward 1.
  EXPECT_EQ(game->act(kNoop, rng, terminal), 1.0f);
  EXPECT_FALSE(terminal);
  EXPECT_TRUE(channel_cells(*game, kFriendlyBullet).empty());
  std::vector<int> aliens = block(4, 2, 7);
  std::erase(aliens, 35);
  EXPECT_EQ(channel_cells(*game, kAlien), aliens);
}

TEST(MinAtarSpaceInvadersTest, AliensMarchAndTheirShotEndsTheGame) {
  auto game = make_space_invaders_game(false);
  NumpyRandomState rng(0);
  game->reset(rng);
  bool terminal = false;
  // The first alien shot comes on step 11, from the lowest alien of the cannon's column (x 5).
  for (int k = 0; k < 10; ++k) game->act(kNoop, rng, terminal);
  EXPECT_TRUE(channel_cells(*game, kEnemyBullet).empty());
  game->act(kNoop, rng, terminal);
  EXPECT_EQ(channel_cells(*game, kEnemyBullet), std::vector<int>{35});
  // On step 13 the block moves one column left.
  game->act(kNoop, rng, terminal);
  EXPECT_EQ(channel_cells(*game, kAlien), block(4, 2, 7));
  game->act(kNoop, rng, terminal);
  EXPECT_EQ(channel_cells(*game, kAlien), block(4, 1, 6));
  EXPECT_EQ(channel_cells(*game, kEnemyBullet), std::vector<int>{55});
  for (int k = 0; k < 3; ++k) game->act(kNoop, rng, terminal);
  EXPECT_FALSE(terminal);
  EXPECT_EQ(channel_cells(*game, kEnemyBullet), std::vector<int>{85});
  // Step 17: the bullet reaches the cannon.
  game->act(kNoop, rng, terminal);
  EXPECT_TRUE(terminal);
  terminal = false;
  EXPECT_EQ(game->act(kLeft, rng, terminal), 0.0f);  // a finished game ignores actions
  EXPECT_TRUE(terminal);
  EXPECT_EQ(channel_cells(*game, kCannon), std::vector<int>{95});
}

TEST(MinAtarSpaceInvadersTest, DodgingTheShotKeepsTheGameGoing) {
  auto game = make_space_invaders_game(false);
  NumpyRandomState rng(0);
  game->reset(rng);
  bool terminal = false;
  for (int k = 0; k < 16; ++k) game->act(kNoop, rng, terminal);
  game->act(kLeft, rng, terminal);  // the bullet lands on (9, 5), the cannon is at x 4
  EXPECT_FALSE(terminal);
  EXPECT_EQ(channel_cells(*game, kEnemyBullet), std::vector<int>{95});
  game->act(kNoop, rng, terminal);
  EXPECT_FALSE(terminal);
  EXPECT_TRUE(channel_cells(*game, kEnemyBullet).empty());
}

// Plays a digit string of actions; returns the summed reward and leaves the last terminal flag.
float play(MinAtarGame& game, NumpyRandomState& rng, const std::string& actions, bool& terminal) {
  float total = 0.0f;
  for (const char a : actions) total += game.act(a - '0', rng, terminal);
  return total;
}

// The action strings and expected cells below were recorded from MinAtar 1.0.15's
// space_invaders.py with a look-ahead policy, cut to the step where the rare rule fires.

// The wave is cleared: 24 points, and a new block appears at once. With ramping the new wave
// moves every 11 steps instead of 12, so the two games part on the 12th step after the clear.
TEST(MinAtarSpaceInvadersTest, ClearingAWaveRespawnsItFasterWhenRamping) {
  const std::string actions =
      "5555555555553335150115531553021553515155555531355155531305155155550555555535055355535555"
      "55355555551155555115554555513355531515355";
  auto ramping = make_space_invaders_game(true);
  auto flat = make_space_invaders_game(false);
  NumpyRandomState rng(0);
  ramping->reset(rng);
  flat->reset(rng);
  bool terminal = false;
  EXPECT_EQ(play(*ramping, rng, actions.substr(0, actions.size() - 1), terminal), 23.0f);
  EXPECT_EQ(play(*flat, rng, actions.substr(0, actions.size() - 1), terminal), 23.0f);
  EXPECT_EQ(channel_cells(*ramping, kAlien), std::vector<int>{33});
  EXPECT_EQ(play(*ramping, rng, actions.substr(actions.size() - 1), terminal), 1.0f);
  EXPECT_EQ(play(*flat, rng, actions.substr(actions.size() - 1), terminal), 1.0f);
  EXPECT_FALSE(terminal);
  EXPECT_EQ(channel_cells(*ramping, kAlien), block(4, 2, 7));
  EXPECT_EQ(channel_cells(*ramping, kAlienRight), block(4, 2, 7));
  EXPECT_EQ(active_cells(*ramping), active_cells(*flat));

  const std::string dodge = "333300000000";
  for (size_t k = 0; k + 1 < dodge.size(); ++k) {
    play(*ramping, rng, dodge.substr(k, 1), terminal);
    play(*flat, rng, dodge.substr(k, 1), terminal);
    ASSERT_EQ(active_cells(*ramping), active_cells(*flat)) << "step " << k;
  }
  play(*ramping, rng, dodge.substr(dodge.size() - 1), terminal);
  play(*flat, rng, dodge.substr(dodge.size() - 1), terminal);
  EXPECT_FALSE(terminal);
  EXPECT_EQ(channel_cells(*ramping, kAlien),
            (std::vector<int>{4,  5,  6,  7,  8,  9,  14, 15, 16, 17, 18, 19,
                              24, 25, 26, 27, 28, 29, 34, 36, 37, 38, 39}));
  EXPECT_EQ(channel_cells(*flat, kAlien),
            (std::vector<int>{3,  4,  5,  6,  7,  8,  13, 14, 15, 16, 17, 18,
                              23, 24, 25, 26, 27, 28, 33, 35, 36, 37, 38}));
}

// The block reaches the bottom row with the cannon in a gap of it; at the next turn at the edge
// the game ends, and np.roll wraps the bottom row of aliens round to the top row.
TEST(MinAtarSpaceInvadersTest, AliensTurningOnTheBottomRowEndTheGameAndWrap) {
  const std::string actions =
      "1555555555555555013555555555135555555135555000001330000000000300000000000300000000000300"
      "0000000000000000000001000000000001000000000001001300000001130000000000000000000003000000"
      "0000030000000000030000000000030000000000000000000000010000000000010000000000000100000000"
      "0100000000000000000000000300000000000300000000000300000000000301300133510130000000000113"
      "000000013100000000000100000000000100000000000";
  auto game = make_space_invaders_game(false);
  NumpyRandomState rng(0);
  game->reset(rng);
  bool terminal = false;
  EXPECT_EQ(play(*game, rng, actions.substr(0, actions.size() - 1), terminal), 8.0f);
  EXPECT_FALSE(terminal);
  EXPECT_EQ(active_cells(*game),
            (std::vector<int>{361, 362, 367, 368, 373, 374, 379, 380, 391, 392, 421,
                              422, 427, 428, 433, 434, 439, 440, 451, 452, 481, 482,
                              487, 488, 493, 494, 511, 512, 541, 542, 547, 548, 564}));
  EXPECT_EQ(play(*game, rng, actions.substr(actions.size() - 1), terminal), 0.0f);
  EXPECT_TRUE(terminal);
  EXPECT_EQ(active_cells(*game),
            (std::vector<int>{1,   3,   7,   9,   421, 423, 427, 429, 433, 435, 439,
                              441, 451, 453, 481, 483, 487, 489, 493, 495, 499, 501,
                              511, 513, 541, 543, 547, 549, 553, 555, 564, 571, 573}));
  EXPECT_EQ(channel_cells(*game, kAlien).front(), 0);  // (9, 0) wrapped to (0, 0)
}

}  // namespace
}  // namespace valor::env
