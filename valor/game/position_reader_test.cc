#include "valor/game/position_reader.h"

#include <gtest/gtest.h>

#include <sstream>
#include <string>

#include "valor/core/error.h"

namespace valor::game {
namespace {

std::string error_of(std::string_view game, const std::string& text) {
  std::istringstream in(text);
  try {
    read_positions(find_game(game), in, "positions.txt");
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(PositionReader, ReadsOnePositionPerLine) {
  std::istringstream in("4453\n1\r\n7777\n");
  const auto positions = read_positions(find_game("connect4"), in, "x");
  ASSERT_EQ(positions.size(), 3u);
  EXPECT_EQ(positions[0].state->moves_string(), "4453");
  EXPECT_EQ(positions[1].state->moves_string(), "1");
  EXPECT_EQ(positions[2].line, 3);
  EXPECT_EQ(positions[2].state->move_number(), 4);
}

TEST(PositionReader, NamesTheFileAndLineOfEachKindOfBadInput) {
  EXPECT_NE(error_of("connect4", "44\n448\n").find("positions.txt:2: '448': move 3 is '8'"),
            std::string::npos);
  EXPECT_NE(error_of("connect4", "44\n\n45\n").find("positions.txt:2: empty line"),
            std::string::npos);
  EXPECT_NE(error_of("connect4", "1111111\n")
                .find("positions.txt:1: '1111111': move 7: column 1 "
                      "is already full"),
            std::string::npos);
  EXPECT_NE(error_of("connect4", "12121213\n").find("move 8 (3) comes after the end of the game"),
            std::string::npos);
  EXPECT_NE(error_of("connect4", "4 4\n").find("positions.txt:1"), std::string::npos);
  EXPECT_NE(error_of("tictactoe", "55\n").find("cell 5 is already taken"), std::string::npos);
  EXPECT_EQ(error_of("tictactoe", "5\n19\n"), "");
}

}  // namespace
}  // namespace valor::game
