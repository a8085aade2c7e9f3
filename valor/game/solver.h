// Solver: the exact game-theoretic score of a position, in Pascal Pons's convention ("Solving
// Connect 4") for every game here. For the player to move: a win with the stone played onto a
// board already holding n stones scores (cells + 1 - n) / 2 (integer division), so a quicker win
// scores more (Connect Four: 22 - k for a win with one's k-th stone); a loss scores minus the
// opponent's win score; a draw 0. A finished position scores for the player who would move: minus
// the winner's score, or 0 for a full board.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "valor/game/state.h"

namespace valor::game {

// The score of winning with the stone played onto `stones_before` stones of a `cells`-cell board.
constexpr int win_score(int cells, int stones_before) { return (cells + 1 - stones_before) / 2; }

// The score of a finished `state` (which must be terminal) for the player who would move.
int terminal_score(const State& state, int cells);

class Solver {
 public:
  virtual ~Solver() = default;
  virtual std::string_view game_name() const = 0;
  // The largest |score| any position can have.
  virtual int max_score() const = 0;
  // The score of `state` (of this solver's game; a finished one too) for the player to move.
  virtual int solve(const State& state) = 0;
  // One entry per action: the score for the player to move of playing it (the negated score of
  // the position after it, or its win score), std::nullopt where it is illegal. All std::nullopt
  // for a finished position.
  virtual std::vector<std::optional<int>> analyze(const State& state) = 0;
};

}  // namespace valor::game
