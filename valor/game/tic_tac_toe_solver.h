// Tic-tac-toe solved exhaustively: minimax over every position reachable from the empty board
// (5,478 of them), computed once at construction into a table indexed by the board in base 3.
// Scores follow solver.h with 9 cells: 6 - k for a first-player win with its k-th stone, 5 - k
// for the second player's.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "valor/game/solver.h"
#include "valor/game/tic_tac_toe.h"

namespace valor::game {

class TicTacToeSolver final : public Solver {
 public:
  TicTacToeSolver();

  std::string_view game_name() const override { return TicTacToeState::kName; }
  int max_score() const override { return win_score(TicTacToeState::kCells, 0); }
  int solve(const State& state) override;
  std::vector<std::optional<int>> analyze(const State& state) override;

  // How many distinct positions (finished ones included) the table holds.
  int positions() const { return positions_; }

 private:
  static int code(const TicTacToeState& state);
  int search(TicTacToeState& state);
  std::vector<int8_t> scores_;  // by code(); kUnknown before search
  int positions_ = 0;
};

}  // namespace valor::game
