#include "valor/game/labelled_positions.h"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <sstream>
#include <string>

#include "valor/core/error.h"

namespace valor::game {
namespace {

std::string error_of(std::string_view game, const std::string& text) {
  std::istringstream in(text);
  try {
    read_labelled_positions(find_game(game), in, "set.txt");
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(LabelledPositions, GeneratedLabelsAgreeWithTheSolver) {
  const GameInfo& game = find_game("connect4");
  const auto solver = game.new_solver();
  PositionSampling sampling{24, 30, 12, 7};
  int calls = 0;
  const auto positions =
      generate_labelled_positions(game, *solver, sampling, [&](int done) { calls = done; });
  ASSERT_EQ(positions.size(), 12u);
  EXPECT_EQ(calls, 12);
  std::set<std::string> boards;
  const auto check = game.new_solver();
  for (const auto& p : positions) {
    EXPECT_GE(p.stones(), 24);
    EXPECT_LE(p.stones(), 30);
    EXPECT_FALSE(p.state->is_terminal());
    EXPECT_TRUE(boards.insert(p.state->to_string()).second) << "a duplicate";
    // Labels from a fresh solver, and the position's own score.
    EXPECT_EQ(p.move_scores, check->analyze(*p.state)) << p.state->moves_string();
    EXPECT_EQ(p.score, check->solve(*p.state)) << p.state->moves_string();
    for (int a = 0; a < 7; ++a) EXPECT_EQ(p.move_scores[a].has_value(), p.state->is_legal(a));
  }
  // The same seed gives the same set; another seed another.
  const auto again = generate_labelled_positions(game, *solver, sampling);
  const auto other = generate_labelled_positions(game, *solver, {24, 30, 12, 8});
  EXPECT_EQ(format_labelled_position(again[5]), format_labelled_position(positions[5]));
  EXPECT_NE(format_labelled_position(other[0]), format_labelled_position(positions[0]));
}

TEST(LabelledPositions, StoneCountsCoverTheRangeAndRoundTrip) {
  const GameInfo& game = find_game("tictactoe");
  const auto solver = game.new_solver();
  // Tic-tac-toe has few positions: 200 distinct ones with 2-5 stones exist.
  const auto positions = generate_labelled_positions(game, *solver, {2, 5, 200, 3});
  std::map<int, int> per_count;
  std::string text = "# a comment\n";
  for (const auto& p : positions) {
    ++per_count[p.stones()];
    text += format_labelled_position(p) + "\n";
  }
  EXPECT_EQ(per_count.size(), 4u);
  for (const auto& [stones, n] : per_count) EXPECT_GT(n, 25) << stones;
  std::istringstream in(text);
  const auto read = read_labelled_positions(game, in, "x");
  ASSERT_EQ(read.size(), positions.size());
  for (size_t i = 0; i < read.size(); ++i) {
    EXPECT_EQ(format_labelled_position(read[i]), format_labelled_position(positions[i]));
    EXPECT_EQ(read[i].line, static_cast<int>(i) + 2);
  }
}

TEST(LabelledPositions, ImpossibleSamplingIsAnError) {
  const GameInfo& game = find_game("tictactoe");
  const auto solver = game.new_solver();
  // Only 9 positions have one stone.
  PositionSampling sampling{1, 1, 10, 1};
  sampling.max_attempts = 2000;
  EXPECT_THROW(generate_labelled_positions(game, *solver, sampling), Error);
  EXPECT_THROW(check_position_sampling(game, {3, 9, 10, 1}), Error);  // a full board
  EXPECT_THROW(check_position_sampling(game, {5, 4, 10, 1}), Error);
  EXPECT_THROW(check_position_sampling(game, {1, 4, 0, 1}), Error);
}

TEST(LabelledPositions, ReaderErrorsNameTheLine) {
  // As `valor game solve connect4 --analyze` labels it (column 4 is full).
  const std::string good = "44444433333 -1 -14 -1 -14 - -1 -14 -14";
  EXPECT_EQ(error_of("connect4", good + "\n"), "");
  EXPECT_EQ(error_of("connect4", "# c\n" + good + "\n44444433333 -1 -14 -1 -14 - -1 -14\n"),
            "set.txt:3: 8 fields; expected 9: the moves, the score, then the score of each of the "
            "7 connect4 moves ('-' where illegal), separated by single spaces");
  EXPECT_EQ(error_of("connect4", "\n"),
            "set.txt:1: 0 fields; expected 9: the moves, the score, then the score of each of the "
            "7 connect4 moves ('-' where illegal), separated by single spaces");
  EXPECT_EQ(error_of("connect4", "44444433333 -1 -14 -1 -14 -3 -1 -14 -14\n"),
            "set.txt:1: the score of move 4 is '-3'; expected '-': column 4 is illegal there");
  EXPECT_EQ(error_of("connect4", "44444433333 -1 -14 - -14 - -1 -14 -14\n"),
            "set.txt:1: the score of move 2 is '-', but column 2 is legal there");
  EXPECT_EQ(error_of("connect4", "44444433333 -2 -14 -1 -14 - -1 -14 -14\n"),
            "set.txt:1: the score -2 is not the best move's score -1");
  EXPECT_EQ(error_of("connect4", "44444433333 -1 -14 -1 -14 - x3 -14 -14\n"),
            "set.txt:1: the score of move 5 'x3': expected an integer in [-21, 21]");
  EXPECT_EQ(error_of("connect4", "44444433333 -1 -14 -1 -14 - -1 -14 -99\n"),
            "set.txt:1: the score of move 7 '-99': expected an integer in [-21, 21]");
  EXPECT_NE(error_of("connect4", "4444448 0 0 0 0 - 0 0 0\n").find("set.txt:1: '4444448': "),
            std::string::npos);
  EXPECT_EQ(error_of("tictactoe", "14253 0 - - - - - - - - -\n"),
            "set.txt:1: '14253': the game is over there");
}

}  // namespace
}  // namespace valor::game
