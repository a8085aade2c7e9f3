// Solver-labelled position sets: positions reached by uniformly random play, each with its exact
// score and the score of every move (solver.h's convention), for measuring how well a network
// or a search plays against ground truth (`valor game positions`, `valor az eval`).
//
// The text format, one position a line, fields separated by one space:
//   MOVES SCORE S_1 ... S_A
// MOVES the 1-based moves from the start (position_reader.h), SCORE the position's score for the
// player to move, S_a the score of playing action a ('-' where it is illegal: a full column, a
// taken cell), A the game's num_distinct_actions(). Lines starting with '#' are comments.
#pragma once

#include <cstdint>
#include <functional>
#include <istream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "valor/game/registry.h"

namespace valor::game {

struct LabelledPosition {
  int line = 0;  // 1-based line in its input (0 when generated)
  std::unique_ptr<State> state;
  int score = 0;                                // for the player to move
  std::vector<std::optional<int>> move_scores;  // per action; std::nullopt where illegal
  int stones() const { return state->move_number(); }
};

struct PositionSampling {
  int min_stones = 0;
  int max_stones = 0;
  int count = 0;
  uint64_t seed = 0;
  // Random games tried for one position before giving up (valor::Error).
  int max_attempts = 100000;
};

// Throws valor::Error naming the flag (--stones, --count) for a sampling `game` cannot satisfy.
void check_position_sampling(const GameInfo& game, const PositionSampling& sampling);

// `sampling.count` distinct non-terminal positions, labelled by `solver`. For each position a
// stone count n is drawn uniformly from [min_stones, max_stones]; then games of n uniformly random
// moves from the start are played until one gives a position that is not finished (nobody won on
// the way and the board is not full) and not already in the set (the same board with the same
// player to move, whatever the move order); that position is taken. So the stone counts are
// exactly uniform, and given n a position is a random game conditioned on lasting n moves.
// `progress(done)` is called after each position when given.
std::vector<LabelledPosition> generate_labelled_positions(
    const GameInfo& game, Solver& solver, const PositionSampling& sampling,
    const std::function<void(int)>& progress = {});

// The line of `p` in the text format (no newline).
std::string format_labelled_position(const LabelledPosition& p);

// Every position of `in` (named `label` in errors), validated: a valor::Error "label:line: ..."
// for a line with the wrong number of fields, moves that are not a position, a finished
// position, a score that is not an integer within the game's scores, '-' on a legal action or a
// score on an illegal one, or a SCORE that is not the best move score. Scores are not re-solved.
std::vector<LabelledPosition> read_labelled_positions(const GameInfo& game, std::istream& in,
                                                      std::string_view label);
// The same from a file (valor::Error naming it if it cannot be opened).
std::vector<LabelledPosition> read_labelled_positions_file(const GameInfo& game,
                                                           const std::string& path);

}  // namespace valor::game
