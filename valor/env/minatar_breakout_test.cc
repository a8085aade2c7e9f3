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

constexpr int kNoop = 0, kLeft = 1, kRight = 3;
constexpr int kPaddle = 0, kBall = 1, kTrail = 2, kBrick = 3;

// Finds a seed whose first draw starts the ball on the given side (randint(2) == right).
uint32_t seed_starting(bool right) {
  for (uint32_t s = 0;; ++s) {
    NumpyRandomState probe(s);
    if ((probe.randint(2) == 1) == right) return s;
  }
}

TEST(MinAtarBreakoutTest, StartsWithThreeRowsOfBricksAndBallOnASide) {
  auto game = make_breakout_game(true);
  NumpyRandomState rng(seed_starting(false));
  game->reset(rng);
  EXPECT_EQ(game->channels(), 4);
  EXPECT_EQ(std::vector<int>(game->minimal_actions().begin(), game->minimal_actions().end()),
            (std::vector<int>{0, 1, 3}));  // n, l, r
  EXPECT_EQ(channel_cells(*game, kBrick).size(), 30u);
  EXPECT_EQ(channel_cells(*game, kBrick).front(), 10);
  EXPECT_EQ(channel_cells(*game, kBrick).back(), 39);
  EXPECT_EQ(channel_cells(*game, kBall), std::vector<int>{30});  // (y 3, x 0)
  EXPECT_EQ(channel_cells(*game, kTrail), std::vector<int>{30});
  EXPECT_EQ(channel_cells(*game, kPaddle), std::vector<int>{94});

  NumpyRandomState rng2(seed_starting(true));
  game->reset(rng2);
  EXPECT_EQ(channel_cells(*game, kBall), std::vector<int>{39});  // (y 3, x 9)
}

TEST(MinAtarBreakoutTest, BallBouncesOffPaddleAndWallAndBreaksABrick) {
  // From the left, the ball falls down-right: (3,0) -> (4,1) -> ... -> (8,5), then row 9 at x 6.
  auto game = make_breakout_game(false);
  NumpyRandomState rng(seed_starting(false));
  game->reset(rng);
  bool terminal = false;
  for (int k = 0; k < 5; ++k) EXPECT_EQ(game->act(kNoop, rng, terminal), 0.0f);
  EXPECT_EQ(channel_cells(*game, kBall), std::vector<int>{85});
  EXPECT_EQ(channel_cells(*game, kTrail), std::vector<int>{74});
  // The paddle moves to x 5, under the ball's old x: the ball is reflected vertically
  // (down-right becomes up-right) and stays on row 8.
  EXPECT_EQ(game->act(kRight, rng, terminal), 0.0f);
  EXPECT_FALSE(terminal);
  EXPECT_EQ(channel_cells(*game, kPaddle), std::vector<int>{95});
  EXPECT_EQ(channel_cells(*game, kBall), std::vector<int>{86});  // (8, 6)
  // Up-right: (7,7), (6,8), (5,9).
  for (int k = 0; k < 3; ++k) game->act(kNoop, rng, terminal);
  EXPECT_EQ(channel_cells(*game, kBall), std::vector<int>{59});
  game->act(kNoop, rng, terminal);  // new x 10 is clamped to 9, direction becomes up-left
  EXPECT_EQ(channel_cells(*game, kBall), std::vector<int>{49});
  // Next: (3, 8) is a brick: +1, the brick goes, the ball stays on row 4 heading down-left.
  EXPECT_EQ(game->act(kNoop, rng, terminal), 1.0f);
  EXPECT_EQ(channel_cells(*game, kBall), std::vector<int>{48});
  EXPECT_EQ(channel_cells(*game, kBrick).size(), 29u);
  EXPECT_FALSE(terminal);
  // Down-left from (4,8) to (8,4), then row 9 at x 3 with the paddle elsewhere: game over.
  for (int k = 0; k < 4; ++k) game->act(kNoop, rng, terminal);
  EXPECT_EQ(channel_cells(*game, kBall), std::vector<int>{84});
  EXPECT_FALSE(terminal);
  EXPECT_EQ(game->act(kRight, rng, terminal), 0.0f);  // paddle to x 6
  EXPECT_TRUE(terminal);
  EXPECT_EQ(channel_cells(*game, kBall), std::vector<int>{93});
  // A finished game ignores further actions.
  terminal = false;
  EXPECT_EQ(game->act(kLeft, rng, terminal), 0.0f);
  EXPECT_TRUE(terminal);
  EXPECT_EQ(channel_cells(*game, kPaddle), std::vector<int>{96});
}

TEST(MinAtarBreakoutTest, PaddleEdgeSendsTheBallBack) {
  // Ball from the left reaches (8,5) heading down-right; a paddle at x 6 (its new x), not under
  // the ball's old x, sends it back up-left.
  auto game = make_breakout_game(false);
  NumpyRandomState rng(seed_starting(false));
  game->reset(rng);
  bool terminal = false;
  game->act(kRight, rng, terminal);  // paddle 5
  for (int k = 0; k < 4; ++k) game->act(kNoop, rng, terminal);
  EXPECT_EQ(channel_cells(*game, kBall), std::vector<int>{85});
  game->act(kRight, rng, terminal);  // paddle 6 == new x
  EXPECT_FALSE(terminal);
  EXPECT_EQ(channel_cells(*game, kBall), std::vector<int>{86});
  game->act(kNoop, rng, terminal);  // up-left: (7, 5)
  EXPECT_EQ(channel_cells(*game, kBall), std::vector<int>{75});
}

// Plays a digit string of actions; returns the summed reward and leaves the last terminal flag.
float play(MinAtarGame& game, NumpyRandomState& rng, const std::string& actions, bool& terminal) {
  float total = 0.0f;
  for (const char a : actions) total += game.act(a - '0', rng, terminal);
  return total;
}

// The action strings and expected cells below were recorded from MinAtar 1.0.15's breakout.py
// with a paddle-tracking policy, cut to the step where the rare rule fires.

// Right after breaking a brick (strike still set), the ball moves into the next brick's cell
// without breaking it, and keeps doing so while it meets bricks on consecutive steps.
TEST(MinAtarBreakoutTest, BallPassesThroughBricksRightAfterAStrike) {
  const std::string actions =
      "3301110333333111033301111111110333333333011111111103333333330111111111033333333301111111"
      "113301103333333330111111111033333332300301111111112333333333110330111111111133333333";
  auto game = make_breakout_game(true);
  NumpyRandomState rng(1);  // the ball starts on the right
  game->reset(rng);
  bool terminal = false;
  EXPECT_EQ(play(*game, rng, actions.substr(0, actions.size() - 1), terminal), 15.0f);
  EXPECT_EQ(active_cells(*game), (std::vector<int>{43, 47, 51, 55, 67, 71, 79, 83, 87, 91, 110, 113,
                                                   115, 119, 123, 127, 159, 388}));
  EXPECT_EQ(play(*game, rng, actions.substr(actions.size() - 1), terminal), 0.0f);
  EXPECT_FALSE(terminal);
  EXPECT_EQ(active_cells(*game), (std::vector<int>{43, 47, 51, 55, 67, 71, 79, 83, 87, 91, 114, 115,
                                                   119, 123, 127, 157, 159, 392}));
  EXPECT_EQ(channel_cells(*game, kBall), std::vector<int>{39});
  EXPECT_EQ(channel_cells(*game, kBrick).back(), 39);  // the ball sits on an unbroken brick
}

// When the ball comes down to the paddle row with no brick left, three full rows come back.
TEST(MinAtarBreakoutTest, ClearingAllBricksRefillsThem) {
  const std::string actions =
      "3113330111111333411103333333330111111111033333333301111111110333333333011111111103333333"
      "3311033011111111103333333330111111111301033333333301111111113301103333333331030111111111"
      "0333333333151111111133330111133333011111333333011111103333333331110333011111111153333333"
      "33011111111133011033333333311011111113330111033333333311110333311111033333111111";
  auto game = make_breakout_game(true);
  NumpyRandomState rng(0);  // the ball starts on the left
  game->reset(rng);
  bool terminal = false;
  EXPECT_EQ(play(*game, rng, actions.substr(0, actions.size() - 1), terminal), 30.0f);
  EXPECT_EQ(active_cells(*game), (std::vector<int>{302, 337, 376}));
  EXPECT_EQ(play(*game, rng, actions.substr(actions.size() - 1), terminal), 0.0f);
  EXPECT_FALSE(terminal);
  EXPECT_EQ(channel_cells(*game, kBrick).size(), 30u);
  EXPECT_EQ(channel_cells(*game, kBall), std::vector<int>{83});  // bounced off the paddle
  EXPECT_EQ(channel_cells(*game, kPaddle), std::vector<int>{93});
}

}  // namespace
}  // namespace valor::env
