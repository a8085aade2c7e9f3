// Connect Four on the standard 7-column, 6-row board as a bitboard (the layout of Pascal Pons's
// "Solving Connect 4" tutorial): column c owns bits 7c .. 7c+5, bottom to top, and bit 7c+6 is a
// sentinel kept empty so that shifted lines never wrap from one column into the next.
// ConnectFourBoard is the solver's plain value type; ConnectFourState is the game behind State.
#pragma once

#include <array>
#include <bit>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "valor/game/state.h"

namespace valor::game {

struct ConnectFourBoard {
  static constexpr int kWidth = 7;
  static constexpr int kHeight = 6;
  static constexpr int kCells = kWidth * kHeight;

  static constexpr uint64_t bottom_cell(int col) { return uint64_t{1} << (col * (kHeight + 1)); }
  static constexpr uint64_t top_cell(int col) {
    return uint64_t{1} << (kHeight - 1 + col * (kHeight + 1));
  }
  static constexpr uint64_t column_cells(int col) {
    return ((uint64_t{1} << kHeight) - 1) << (col * (kHeight + 1));
  }
  // Bit 7c for every column c.
  static constexpr uint64_t kBottomRow = 0x0040810204081;
  static constexpr uint64_t kAllCells = kBottomRow * ((uint64_t{1} << kHeight) - 1);

  uint64_t mover = 0;     // stones of the player to move
  uint64_t occupied = 0;  // stones of both players
  int moves = 0;          // stones on the board

  // The stones of the player who moved last.
  uint64_t opponent() const { return mover ^ occupied; }
  bool can_play(int col) const { return (occupied & top_cell(col)) == 0; }
  // One bit per column that is not full: the cell a stone dropped there lands on.
  uint64_t playable() const { return (occupied + kBottomRow) & kAllCells; }
  // `cell` is one bit of playable().
  void play(uint64_t cell) {
    mover ^= occupied;
    occupied |= cell;
    ++moves;
  }
  void play_column(int col) { play((occupied + bottom_cell(col)) & column_cells(col)); }
  // Takes back the top stone of `col`, which must be the last stone played.
  void undo_column(int col) {
    const uint64_t stones = occupied & column_cells(col);
    const uint64_t top = (stones + bottom_cell(col)) >> 1;
    occupied ^= top;
    mover ^= occupied;
    --moves;
  }
  // mover + occupied: a different number for every position, below 2^49 (one extra bit above
  // each column's stones marks its height).
  uint64_t key() const { return mover + occupied; }

  // True when `stones` hold four in a row.
  static bool has_four(uint64_t stones) {
    for (int shift : {1, kHeight, kHeight + 1, kHeight + 2}) {
      const uint64_t pairs = stones & (stones >> shift);
      if (pairs & (pairs >> (2 * shift))) return true;
    }
    return false;
  }
  // The empty cells (playable now or not) that would give `stones` four in a row.
  static uint64_t winning_cells(uint64_t stones, uint64_t occupied_cells) {
    uint64_t cells = (stones << 1) & (stones << 2) & (stones << 3);  // on top of three
    for (int shift : {kHeight, kHeight + 1, kHeight + 2}) {
      const uint64_t below2 = (stones << shift) & (stones << (2 * shift));
      cells |= below2 & (stones << (3 * shift));
      cells |= below2 & (stones >> shift);
      const uint64_t above2 = (stones >> shift) & (stones >> (2 * shift));
      cells |= above2 & (stones >> (3 * shift));
      cells |= above2 & (stones << shift);
    }
    return cells & (kAllCells ^ occupied_cells);
  }
  bool is_winning_move(int col) const {
    return winning_cells(mover, occupied) & playable() & column_cells(col);
  }
  bool can_win_next() const { return winning_cells(mover, occupied) & playable(); }
  // Moves that do not let the opponent win at once; assumes !can_win_next(). Zero when every
  // move loses (the opponent has two immediate wins, or plays on top of the only defence).
  uint64_t non_losing_moves() const {
    uint64_t candidates = playable();
    const uint64_t threats = winning_cells(opponent(), occupied);
    const uint64_t forced = candidates & threats;
    if (forced) {
      if (forced & (forced - 1)) return 0;
      candidates = forced;
    }
    return candidates & ~(threats >> 1);
  }
  // The move-ordering heuristic: how many winning cells the mover has after playing `cell`.
  int threats_after(uint64_t cell) const {
    return std::popcount(winning_cells(mover | cell, occupied));
  }
};

class ConnectFourState final : public State {
 public:
  static constexpr std::string_view kName = "connect4";

  ConnectFourState() = default;
  // The position after `moves` (1-based columns from the empty board, e.g. "4453"); throws
  // valor::Error naming the move for a character other than 1-7, a full column, or a move after
  // the game is won.
  static ConnectFourState from_moves(std::string_view moves);

  std::string_view game_name() const override { return kName; }
  int num_distinct_actions() const override { return ConnectFourBoard::kWidth; }
  int current_player() const override;
  bool is_terminal() const override { return winner_ >= 0 || board_.moves == kCells; }
  int move_number() const override { return board_.moves; }
  using State::legal_actions;
  void legal_actions(std::vector<Action>& out) const override;
  bool is_legal(Action action) const override;
  void apply(Action action) override;
  void undo(Action action) override;
  double player_return(int player) const override;
  ObservationShape observation_shape() const override {
    return {2, ConnectFourBoard::kHeight, ConnectFourBoard::kWidth};
  }
  void observation(std::span<float> out) const override;
  std::string to_string() const override;
  std::string action_to_string(Action action) const override;
  std::string moves_string() const override;
  std::unique_ptr<State> clone() const override {
    return std::make_unique<ConnectFourState>(*this);
  }

  const ConnectFourBoard& board() const { return board_; }
  // 0 or 1 once a player has four in a row, else -1.
  int winner() const { return winner_; }

 private:
  static constexpr int kCells = ConnectFourBoard::kCells;
  ConnectFourBoard board_;
  int winner_ = -1;
  std::array<int8_t, kCells> history_{};  // the columns played, for moves_string() and checks
};

}  // namespace valor::game
