#include "valor/game/tic_tac_toe.h"

#include <fmt/format.h>

#include "valor/core/error.h"

namespace valor::game {

namespace {
constexpr int kLines[8][3] = {{0, 1, 2}, {3, 4, 5}, {6, 7, 8}, {0, 3, 6},
                              {1, 4, 7}, {2, 5, 8}, {0, 4, 8}, {2, 4, 6}};
}  // namespace

bool has_three(const std::array<int8_t, TicTacToeState::kCells>& cells, int player) {
  for (const auto& line : kLines) {
    if (cells[static_cast<size_t>(line[0])] == player &&
        cells[static_cast<size_t>(line[1])] == player &&
        cells[static_cast<size_t>(line[2])] == player) {
      return true;
    }
  }
  return false;
}

TicTacToeState TicTacToeState::from_moves(std::string_view moves) {
  TicTacToeState state;
  for (size_t i = 0; i < moves.size(); ++i) {
    const char c = moves[i];
    if (c < '1' || c > '9') {
      fail("move {} is '{}': tic-tac-toe moves are cells 1-9, row by row from the top left", i + 1,
           std::string(1, c));
    }
    if (state.is_terminal()) {
      fail("move {} ({}) comes after the end of the game: {} at move {}", i + 1, c,
           state.winner_ >= 0 ? fmt::format("player {} won", state.winner_ + 1)
                              : std::string("the board is full"),
           i);
    }
    const int cell = c - '1';
    if (state.cells_[static_cast<size_t>(cell)] >= 0) {
      fail("move {}: cell {} is already taken", i + 1, c);
    }
    state.apply(cell);
  }
  return state;
}

void TicTacToeState::legal_actions(std::vector<Action>& out) const {
  out.clear();
  if (is_terminal()) return;
  for (int c = 0; c < kCells; ++c) {
    if (cells_[static_cast<size_t>(c)] < 0) out.push_back(c);
  }
}

bool TicTacToeState::is_legal(Action action) const {
  return action >= 0 && action < kCells && !is_terminal() &&
         cells_[static_cast<size_t>(action)] < 0;
}

void TicTacToeState::apply(Action action) {
  VALOR_CHECK(is_legal(action), "cell {} is not a legal move in {}", action, moves_string());
  const int player = moves_ % 2;
  cells_[static_cast<size_t>(action)] = static_cast<int8_t>(player);
  history_[static_cast<size_t>(moves_)] = static_cast<int8_t>(action);
  ++moves_;
  if (has_three(cells_, player)) winner_ = player;
}

void TicTacToeState::undo(Action action) {
  VALOR_CHECK(moves_ > 0 && history_[static_cast<size_t>(moves_ - 1)] == action,
              "undo of cell {} that was not the last move of {}", action, moves_string());
  cells_[static_cast<size_t>(action)] = -1;
  --moves_;
  winner_ = -1;  // no move is played after a win
}

double TicTacToeState::player_return(int player) const {
  if (winner_ < 0) return 0.0;
  return winner_ == player ? 1.0 : -1.0;
}

void TicTacToeState::observation(std::span<float> out) const {
  VALOR_CHECK(out.size() == 2 * kCells);
  const int me = moves_ % 2;
  for (size_t c = 0; c < kCells; ++c) {
    out[c] = cells_[c] == me ? 1.0f : 0.0f;
    out[c + kCells] = cells_[c] == 1 - me ? 1.0f : 0.0f;
  }
}

std::string TicTacToeState::to_string() const {
  std::string text;
  for (size_t c = 0; c < kCells; ++c) {
    text += cells_[c] < 0 ? '.' : cells_[c] == 0 ? 'x' : 'o';
    if (c % 3 == 2) text += '\n';
  }
  if (winner_ >= 0) {
    text += fmt::format("{} wins\n", winner_ == 0 ? 'x' : 'o');
  } else if (is_terminal()) {
    text += "draw\n";
  } else {
    text += fmt::format("{} to move\n", moves_ % 2 == 0 ? 'x' : 'o');
  }
  return text;
}

std::string TicTacToeState::action_to_string(Action action) const {
  return fmt::format("cell {}", action + 1);
}

std::string TicTacToeState::moves_string() const {
  std::string text;
  for (int i = 0; i < moves_; ++i)
    text += static_cast<char>('1' + history_[static_cast<size_t>(i)]);
  return text;
}

}  // namespace valor::game
