#include "valor/game/connect_four.h"

#include <fmt/format.h>

#include "valor/core/error.h"

namespace valor::game {

ConnectFourState ConnectFourState::from_moves(std::string_view moves) {
  ConnectFourState state;
  for (size_t i = 0; i < moves.size(); ++i) {
    const char c = moves[i];
    if (c < '1' || c > '7') {
      fail("move {} is '{}': Connect Four moves are columns 1-7", i + 1, std::string(1, c));
    }
    const int col = c - '1';
    if (state.is_terminal()) {
      fail("move {} ({}) comes after the end of the game: {} at move {}", i + 1, c,
           state.winner_ >= 0 ? fmt::format("player {} won", state.winner_ + 1)
                              : std::string("the board is full"),
           i);
    }
    if (!state.board_.can_play(col)) fail("move {}: column {} is already full", i + 1, c);
    state.apply(col);
  }
  return state;
}

int ConnectFourState::current_player() const {
  return is_terminal() ? kTerminalPlayer : board_.moves % 2;
}

void ConnectFourState::legal_actions(std::vector<Action>& out) const {
  out.clear();
  if (is_terminal()) return;
  for (int c = 0; c < ConnectFourBoard::kWidth; ++c) {
    if (board_.can_play(c)) out.push_back(c);
  }
}

bool ConnectFourState::is_legal(Action action) const {
  return action >= 0 && action < ConnectFourBoard::kWidth && !is_terminal() &&
         board_.can_play(action);
}

void ConnectFourState::apply(Action action) {
  VALOR_CHECK(is_legal(action), "column {} is not a legal move in {}", action, moves_string());
  const int player = board_.moves % 2;
  history_[static_cast<size_t>(board_.moves)] = static_cast<int8_t>(action);
  board_.play_column(action);
  if (ConnectFourBoard::has_four(board_.opponent())) winner_ = player;
}

void ConnectFourState::undo(Action action) {
  VALOR_CHECK(board_.moves > 0 && history_[static_cast<size_t>(board_.moves - 1)] == action,
              "undo of column {} that was not the last move of {}", action, moves_string());
  board_.undo_column(action);
  winner_ = -1;  // no move is played after a win, so the position before had none
}

double ConnectFourState::player_return(int player) const {
  if (winner_ < 0) return 0.0;
  return winner_ == player ? 1.0 : -1.0;
}

void ConnectFourState::observation(std::span<float> out) const {
  VALOR_CHECK(out.size() == static_cast<size_t>(observation_shape().size()));
  constexpr int kRows = ConnectFourBoard::kHeight;
  constexpr int kCols = ConnectFourBoard::kWidth;
  for (int r = 0; r < kRows; ++r) {
    for (int c = 0; c < kCols; ++c) {
      const uint64_t cell = ConnectFourBoard::bottom_cell(c) << (kRows - 1 - r);
      const size_t at = static_cast<size_t>(r * kCols + c);
      out[at] = (board_.mover & cell) ? 1.0f : 0.0f;
      out[at + kRows * kCols] = (board_.opponent() & cell) ? 1.0f : 0.0f;
    }
  }
}

std::string ConnectFourState::to_string() const {
  // 'x' moves first, 'o' second.
  const uint64_t first = board_.moves % 2 == 0 ? board_.mover : board_.opponent();
  std::string text;
  for (int r = ConnectFourBoard::kHeight - 1; r >= 0; --r) {
    for (int c = 0; c < ConnectFourBoard::kWidth; ++c) {
      const uint64_t cell = ConnectFourBoard::bottom_cell(c) << r;
      text += !(board_.occupied & cell) ? '.' : (first & cell) ? 'x' : 'o';
    }
    text += '\n';
  }
  text += "1234567\n";
  if (winner_ >= 0) {
    text += fmt::format("{} wins\n", winner_ == 0 ? 'x' : 'o');
  } else if (is_terminal()) {
    text += "draw\n";
  } else {
    text += fmt::format("{} to move\n", board_.moves % 2 == 0 ? 'x' : 'o');
  }
  return text;
}

std::string ConnectFourState::action_to_string(Action action) const {
  return fmt::format("column {}", action + 1);
}

std::string ConnectFourState::moves_string() const {
  std::string text;
  for (int i = 0; i < board_.moves; ++i) {
    text += static_cast<char>('1' + history_[static_cast<size_t>(i)]);
  }
  return text;
}

}  // namespace valor::game
