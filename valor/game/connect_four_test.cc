#include "valor/game/connect_four.h"

#include <gtest/gtest.h>

#include <array>
#include <vector>

#include "valor/core/error.h"
#include "valor/core/random.h"

namespace valor::game {
namespace {

using Board = ConnectFourBoard;
using Grid = std::array<std::array<int, Board::kHeight>, Board::kWidth>;  // [col][row], -1 empty

Grid grid_of(const ConnectFourState& s) {
  Grid g;
  for (auto& col : g) col.fill(-1);
  std::array<int, Board::kWidth> height{};
  const std::string moves = s.moves_string();
  for (size_t i = 0; i < moves.size(); ++i) {
    const int c = moves[i] - '1';
    g[static_cast<size_t>(c)][static_cast<size_t>(height[static_cast<size_t>(c)]++)] =
        static_cast<int>(i % 2);
  }
  return g;
}

// Four in a row by scanning every line of the grid: the ground truth for the bit tricks.
bool naive_four(const Grid& g, int player) {
  const int dirs[4][2] = {{1, 0}, {0, 1}, {1, 1}, {1, -1}};
  for (int c = 0; c < Board::kWidth; ++c) {
    for (int r = 0; r < Board::kHeight; ++r) {
      for (const auto& d : dirs) {
        int k = 0;
        for (; k < 4; ++k) {
          const int cc = c + k * d[0];
          const int rr = r + k * d[1];
          if (cc < 0 || cc >= Board::kWidth || rr < 0 || rr >= Board::kHeight) break;
          if (g[static_cast<size_t>(cc)][static_cast<size_t>(rr)] != player) break;
        }
        if (k == 4) return true;
      }
    }
  }
  return false;
}

TEST(ConnectFour, VerticalHorizontalAndDiagonalWins) {
  // x plays column 1 four times, o column 2.
  EXPECT_EQ(ConnectFourState::from_moves("1212121").winner(), 0);
  EXPECT_TRUE(ConnectFourState::from_moves("1212121").is_terminal());
  EXPECT_FALSE(ConnectFourState::from_moves("121212").is_terminal());
  // Horizontal on the bottom row for o (columns 1-4) while x stacks in columns 7 and 6.
  EXPECT_EQ(ConnectFourState::from_moves("7172636").winner(), -1);
  EXPECT_EQ(ConnectFourState::from_moves("71726364").winner(), 1);
  // x's rising diagonal 1-2-3-4 from the bottom left.
  const auto diagonal = ConnectFourState::from_moves("12233434474");
  EXPECT_EQ(diagonal.winner(), 0);
  EXPECT_EQ(diagonal.player_return(0), 1.0);
  EXPECT_EQ(diagonal.player_return(1), -1.0);
  EXPECT_EQ(diagonal.current_player(), kTerminalPlayer);
  EXPECT_TRUE(diagonal.legal_actions().empty());
  // The falling diagonal, mirrored: columns 7-6-5-4.
  EXPECT_EQ(ConnectFourState::from_moves("76655454414").winner(), 0);
}

TEST(ConnectFour, DrawOnAFullBoard) {
  // A random game that fills the board without four in a row (checked by a separate scan).
  const auto s = ConnectFourState::from_moves("442761225377252342545563474175371666631311");
  EXPECT_EQ(s.move_number(), 42);
  EXPECT_EQ(s.winner(), -1);
  EXPECT_TRUE(s.is_terminal());
  EXPECT_EQ(s.returns()[0], 0.0);
  EXPECT_EQ(s.returns()[1], 0.0);
}

TEST(ConnectFour, FromMovesNamesTheBadMove) {
  try {
    ConnectFourState::from_moves("448");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("move 3 is '8'"), std::string::npos) << e.what();
  }
  EXPECT_THROW(ConnectFourState::from_moves("40"), Error);
  EXPECT_THROW(ConnectFourState::from_moves("4 4"), Error);
  try {
    ConnectFourState::from_moves("4444444");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("column 4 is already full"), std::string::npos);
  }
  try {
    ConnectFourState::from_moves("12121215");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("after the end of the game"), std::string::npos);
  }
  EXPECT_EQ(ConnectFourState::from_moves("").move_number(), 0);
}

TEST(ConnectFour, BitboardAgreesWithAGridScan) {
  Rng rng(7);
  for (int game = 0; game < 300; ++game) {
    ConnectFourState s;
    while (!s.is_terminal()) {
      const Grid g = grid_of(s);
      const Board& b = s.board();
      const int me = s.current_player();
      // winning_cells: every empty cell that would complete a four for each player.
      for (int c = 0; c < Board::kWidth; ++c) {
        for (int r = 0; r < Board::kHeight; ++r) {
          if (g[static_cast<size_t>(c)][static_cast<size_t>(r)] >= 0) continue;
          const uint64_t cell = Board::bottom_cell(c) << r;
          for (int p = 0; p < 2; ++p) {
            Grid h = g;
            h[static_cast<size_t>(c)][static_cast<size_t>(r)] = p;
            const uint64_t stones = p == me ? b.mover : b.opponent();
            EXPECT_EQ(naive_four(h, p), (Board::winning_cells(stones, b.occupied) & cell) != 0)
                << s.moves_string() << " col " << c << " row " << r;
          }
        }
      }
      const auto legal = s.legal_actions();
      const Action a = legal[rng.below(legal.size())];
      EXPECT_EQ(b.is_winning_move(a), [&] {
        ConnectFourState t = s;
        t.apply(a);
        return naive_four(grid_of(t), me);
      }());
      s.apply(a);
      EXPECT_EQ(s.winner() >= 0, naive_four(grid_of(s), me));
      EXPECT_FALSE(naive_four(grid_of(s), 1 - me));
    }
  }
}

TEST(ConnectFour, NonLosingMovesLeaveNoImmediateWin) {
  Rng rng(11);
  for (int game = 0; game < 300; ++game) {
    ConnectFourState s;
    while (!s.is_terminal()) {
      const Board& b = s.board();
      if (!b.can_win_next()) {
        const uint64_t safe = b.non_losing_moves();
        for (int c = 0; c < Board::kWidth; ++c) {
          if (!b.can_play(c)) continue;
          Board child = b;
          child.play_column(c);
          const bool is_safe = (safe & Board::column_cells(c)) != 0;
          // A safe move leaves the opponent no immediate win; a move left out gives one, unless
          // every move loses (then safe is empty).
          if (is_safe) {
            EXPECT_FALSE(child.can_win_next()) << s.moves_string() << " " << c;
          } else {
            EXPECT_TRUE(child.can_win_next()) << s.moves_string() << " " << c;
          }
        }
      }
      const auto legal = s.legal_actions();
      s.apply(legal[rng.below(legal.size())]);
    }
  }
}

TEST(ConnectFour, ObservationIsFromTheMoversPointOfView) {
  const auto s = ConnectFourState::from_moves("45");  // x in column 4, o in column 5; x to move
  std::vector<float> obs(static_cast<size_t>(s.observation_shape().size()));
  s.observation(obs);
  // Bottom row is row 5; plane 0 = x (the mover), plane 1 = o.
  EXPECT_EQ(obs[5 * 7 + 3], 1.0f);
  EXPECT_EQ(obs[42 + 5 * 7 + 4], 1.0f);
  float total = 0;
  for (float v : obs) total += v;
  EXPECT_EQ(total, 2.0f);
  EXPECT_EQ(s.to_string(),
            ".......\n.......\n.......\n.......\n.......\n...xo..\n1234567\nx to move\n");
}

}  // namespace
}  // namespace valor::game
