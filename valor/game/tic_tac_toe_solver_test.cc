#include "valor/game/tic_tac_toe_solver.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "valor/core/random.h"
#include "valor/game/testing_minimax.h"

namespace valor::game {
namespace {

TEST(TicTacToeSolver, SolvesTheGameAsADraw) {
  TicTacToeSolver solver;
  EXPECT_EQ(solver.positions(), 5478);  // positions reachable from the empty board
  TicTacToeState start;
  EXPECT_EQ(solver.solve(start), 0);
  for (const auto& s : solver.analyze(start)) EXPECT_EQ(s, 0);  // every first move draws
  // After a corner, only the centre holds the draw for o.
  const auto reply = solver.analyze(TicTacToeState::from_moves("1"));
  for (int c = 1; c < 9; ++c) {
    if (c == 4) {
      EXPECT_EQ(reply[static_cast<size_t>(c)], 0);
    } else {
      EXPECT_LT(*reply[static_cast<size_t>(c)], 0) << "cell " << c + 1;
    }
  }
  EXPECT_FALSE(reply[0].has_value());
}

TEST(TicTacToeSolver, ScoreConvention) {
  TicTacToeSolver solver;
  // x to move with two in a row wins with its 3rd stone: (9 + 1 - 4) / 2 = 3.
  EXPECT_EQ(solver.solve(TicTacToeState::from_moves("1425")), 3);
  // After the win, o (to move) has lost by that score.
  EXPECT_EQ(solver.solve(TicTacToeState::from_moves("14253")), -3);
  // A full drawn board.
  EXPECT_EQ(solver.solve(TicTacToeState::from_moves("123547968")), 0);
}

TEST(TicTacToeSolver, AgreesWithBruteForceOnRandomPositions) {
  TicTacToeSolver solver;
  Rng rng(5);
  for (int i = 0; i < 300; ++i) {
    TicTacToeState s;
    const int stones = static_cast<int>(rng.below(9));
    while (!s.is_terminal() && s.move_number() < stones) {
      const auto legal = s.legal_actions();
      s.apply(legal[rng.below(legal.size())]);
    }
    TicTacToeState copy = s;
    EXPECT_EQ(solver.solve(s), brute_force_score(copy, TicTacToeState::kCells)) << s.moves_string();
  }
}

}  // namespace
}  // namespace valor::game
