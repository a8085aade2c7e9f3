#include "valor/game/connect_four_solver.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "valor/core/random.h"
#include "valor/game/testing_minimax.h"
#include "valor/game/testing_reference_positions.h"

namespace valor::game {
namespace {

// Checks every reference position with between `min_stones` and `max_stones` stones.
void check_against_reference(int min_stones, int max_stones, int expected_count) {
  ConnectFourSolver solver;
  int checked = 0;
  for (const ReferencePosition& r : reference_positions()) {
    const int stones = static_cast<int>(r.moves.size());
    if (stones < min_stones || stones > max_stones) continue;
    const ConnectFourState state = ConnectFourState::from_moves(r.moves);
    const auto scores = solver.analyze(state.board());
    for (size_t c = 0; c < 7; ++c) {
      EXPECT_EQ(scores[c], r.scores[c]) << r.moves << " column " << c + 1;
    }
    int best = -100;
    for (const auto& s : r.scores) {
      if (s) best = std::max(best, *s);
    }
    EXPECT_EQ(solver.solve(state), best) << r.moves;
    ++checked;
  }
  EXPECT_EQ(checked, expected_count);
}

TEST(ConnectFourSolver, AgreesWithPonsOnEveryColumnOfTheMiddleAndLatePositions) {
  check_against_reference(13, 42, 130);
}

TEST(ConnectFourSolver, AgreesWithPonsOnEveryColumnOfTheEarlyPositions) {
  check_against_reference(0, 12, 10);
}

TEST(ConnectFourSolver, AgreesWithBruteForceMinimaxNearTheEnd) {
  ConnectFourSolver solver(20);
  Rng rng(99);
  int checked = 0;
  int wins = 0;
  int losses = 0;
  int draws = 0;
  while (checked < 300) {
    ConnectFourState s;
    const int stones = 31 + static_cast<int>(rng.below(10));
    while (!s.is_terminal() && s.move_number() < stones) {
      const auto legal = s.legal_actions();
      s.apply(legal[rng.below(legal.size())]);
    }
    if (s.is_terminal()) continue;
    const int truth = brute_force_score(s, ConnectFourBoard::kCells);
    EXPECT_EQ(solver.solve(s), truth) << s.moves_string();
    const auto analysis = solver.analyze(s);
    for (const Action a : s.legal_actions()) {
      s.apply(a);
      EXPECT_EQ(analysis[static_cast<size_t>(a)], -brute_force_score(s, ConnectFourBoard::kCells))
          << s.moves_string();
      s.undo(a);
    }
    (truth > 0 ? wins : truth < 0 ? losses : draws) += 1;
    ++checked;
  }
  EXPECT_GT(wins, 20);
  EXPECT_GT(losses, 20);
  EXPECT_GT(draws, 5);
}

TEST(ConnectFourSolver, ScoresFinishedAndForcedPositions) {
  ConnectFourSolver solver(18);
  // x wins with its 4th stone (move 7): 22 - 4 = 18 for x before it, -18 for o after it.
  EXPECT_EQ(solver.solve(ConnectFourState::from_moves("121212")), 18);
  EXPECT_EQ(solver.solve(ConnectFourState::from_moves("1212121")), -18);
  // o, to move after x neglects its threat, wins with its 4th stone: 18.
  EXPECT_EQ(solver.solve(ConnectFourState::from_moves("1212123")), 18);
  for (const auto& s : solver.analyze(ConnectFourState::from_moves("1212121"))) {
    EXPECT_FALSE(s.has_value());
  }
  // A full board without a winner.
  EXPECT_EQ(
      solver.solve(ConnectFourState::from_moves("442761225377252342545563474175371666631311")), 0);
}

TEST(BoundTable, StoresBothKindsOfBoundAndClampsOutOfRangeOnes) {
  BoundTable table(18);
  table.put(12345, 7, true);
  table.put(99999, -3, false);
  EXPECT_EQ(table.get(12345)->score, 7);
  EXPECT_TRUE(table.get(12345)->lower);
  EXPECT_EQ(table.get(99999)->score, -3);
  EXPECT_FALSE(table.get(99999)->lower);
  EXPECT_FALSE(table.get(12346).has_value());
  // A key with the same slot (and different low bits) is not mistaken for the stored one.
  EXPECT_FALSE(table.get(12345 + uint64_t{table.size()}).has_value());
  table.put(1, -20, false);  // an upper bound below the lowest score stays a true upper bound
  EXPECT_EQ(table.get(1)->score, BoundTable::kMinScore);
  table.clear();
  EXPECT_FALSE(table.get(12345).has_value());
}

}  // namespace
}  // namespace valor::game
