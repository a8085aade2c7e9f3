#include "valor/game/tic_tac_toe.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "valor/core/error.h"

namespace valor::game {
namespace {

TEST(TicTacToe, RowsColumnsAndDiagonalsWin) {
  EXPECT_EQ(TicTacToeState::from_moves("14253").winner(), 0);     // top row
  EXPECT_EQ(TicTacToeState::from_moves("125879").winner(), -1);   // no line yet
  EXPECT_EQ(TicTacToeState::from_moves("2147593").winner(), -1);  // x: 2, 3, 4, 5
  EXPECT_EQ(TicTacToeState::from_moves("415293").winner(), 1);    // o's top row
  EXPECT_EQ(TicTacToeState::from_moves("1259").winner(), -1);
  EXPECT_EQ(TicTacToeState::from_moves("12573").winner(), -1);
  EXPECT_EQ(TicTacToeState::from_moves("125739").winner(), -1);
  const auto diagonal = TicTacToeState::from_moves("12539");  // x: 1, 5, 9
  EXPECT_EQ(diagonal.winner(), 0);
  EXPECT_TRUE(diagonal.is_terminal());
  EXPECT_EQ(diagonal.current_player(), kTerminalPlayer);
  EXPECT_EQ(diagonal.player_return(0), 1.0);
  EXPECT_EQ(diagonal.player_return(1), -1.0);
  EXPECT_EQ(TicTacToeState::from_moves("31527").winner(), 0);  // anti-diagonal 3-5-7
  EXPECT_EQ(TicTacToeState::from_moves("21548").winner(), 0);  // middle column 2-5-8
}

TEST(TicTacToe, DrawWhenTheBoardFillsWithoutALine) {
  // x o x / x o o / o x x
  const auto s = TicTacToeState::from_moves("123547968");
  EXPECT_EQ(s.move_number(), 9);
  EXPECT_EQ(s.winner(), -1);
  EXPECT_TRUE(s.is_terminal());
  EXPECT_EQ(s.to_string(), "xox\nxoo\noxx\ndraw\n");
}

TEST(TicTacToe, FromMovesNamesTheBadMove) {
  EXPECT_THROW(TicTacToeState::from_moves("0"), Error);
  EXPECT_THROW(TicTacToeState::from_moves("a"), Error);
  try {
    TicTacToeState::from_moves("155");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("move 3: cell 5 is already taken"), std::string::npos)
        << e.what();
  }
  try {
    TicTacToeState::from_moves("142536");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("move 6 (6) comes after the end of the game"),
              std::string::npos)
        << e.what();
  }
}

TEST(TicTacToe, ObservationIsFromTheMoversPointOfView) {
  const auto s = TicTacToeState::from_moves("15");  // x on 1, o on 5, x to move
  std::vector<float> obs(18);
  s.observation(obs);
  EXPECT_EQ(obs[0], 1.0f);
  EXPECT_EQ(obs[9 + 4], 1.0f);
  const auto t = TicTacToeState::from_moves("153");  // o to move: its stone is on plane 0
  t.observation(obs);
  EXPECT_EQ(obs[4], 1.0f);
  EXPECT_EQ(obs[9 + 0], 1.0f);
  EXPECT_EQ(obs[9 + 2], 1.0f);
}

}  // namespace
}  // namespace valor::game
