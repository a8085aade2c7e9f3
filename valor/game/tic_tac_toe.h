// Tic-tac-toe: cells 0..8 row by row from the top left (positions name them 1-9); 'x' moves
// first.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "valor/game/state.h"

namespace valor::game {

class TicTacToeState final : public State {
 public:
  static constexpr std::string_view kName = "tictactoe";
  static constexpr int kCells = 9;

  TicTacToeState() = default;
  // The position after `moves` (1-based cells, e.g. "519"); throws valor::Error naming the move
  // for a character other than 1-9, a taken cell, or a move after the end of the game.
  static TicTacToeState from_moves(std::string_view moves);

  std::string_view game_name() const override { return kName; }
  int num_distinct_actions() const override { return kCells; }
  int current_player() const override { return is_terminal() ? kTerminalPlayer : moves_ % 2; }
  bool is_terminal() const override { return winner_ >= 0 || moves_ == kCells; }
  int move_number() const override { return moves_; }
  using State::legal_actions;
  void legal_actions(std::vector<Action>& out) const override;
  bool is_legal(Action action) const override;
  void apply(Action action) override;
  void undo(Action action) override;
  double player_return(int player) const override;
  ObservationShape observation_shape() const override { return {2, 3, 3}; }
  void observation(std::span<float> out) const override;
  std::string to_string() const override;
  std::string action_to_string(Action action) const override;
  std::string moves_string() const override;
  std::unique_ptr<State> clone() const override { return std::make_unique<TicTacToeState>(*this); }

  // The owner of each cell: 0, 1, or -1 when empty.
  const std::array<int8_t, kCells>& cells() const { return cells_; }
  // 0 or 1 once a player has three in a row, else -1.
  int winner() const { return winner_; }

 private:
  std::array<int8_t, kCells> cells_ = {-1, -1, -1, -1, -1, -1, -1, -1, -1};
  std::array<int8_t, kCells> history_{};
  int moves_ = 0;
  int winner_ = -1;
};

// True when `player` owns a whole row, column or diagonal of `cells`.
bool has_three(const std::array<int8_t, TicTacToeState::kCells>& cells, int player);

}  // namespace valor::game
