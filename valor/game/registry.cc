#include "valor/game/registry.h"

#include <algorithm>
#include <array>

#include "valor/core/error.h"
#include "valor/game/connect_four.h"
#include "valor/game/connect_four_solver.h"
#include "valor/game/tic_tac_toe.h"
#include "valor/game/tic_tac_toe_solver.h"

namespace valor::game {

namespace {

template <typename S>
std::unique_ptr<State> new_state() {
  return std::make_unique<S>();
}

template <typename S>
std::unique_ptr<State> from_moves(std::string_view moves) {
  return std::make_unique<S>(S::from_moves(moves));
}

template <typename S>
std::unique_ptr<Solver> new_solver() {
  return std::make_unique<S>();
}

// Connect Four's action is the column; tic-tac-toe's the cell, row by row.
Action mirror_column(Action action) { return ConnectFourBoard::kWidth - 1 - action; }
Action mirror_cell(Action action) { return action - action % 3 + (2 - action % 3); }

const std::array<GameInfo, 2> kGames = {{
    {ConnectFourState::kName, "Connect Four, 7 columns x 6 rows; moves are columns 1-7", "1-7",
     new_state<ConnectFourState>, from_moves<ConnectFourState>, new_solver<ConnectFourSolver>,
     mirror_column},
    {TicTacToeState::kName, "tic-tac-toe; moves are cells 1-9, row by row from the top left", "1-9",
     new_state<TicTacToeState>, from_moves<TicTacToeState>, new_solver<TicTacToeSolver>,
     mirror_cell},
}};

}  // namespace

std::span<const GameInfo> games() { return kGames; }

void mirror_observation(const ObservationShape& shape, std::span<const float> in,
                        std::span<float> out) {
  VALOR_CHECK(in.size() == static_cast<size_t>(shape.size()) && out.size() == in.size() &&
              in.data() != out.data());
  const auto cols = static_cast<size_t>(shape.cols);
  for (size_t row = 0; row < in.size(); row += cols) {
    std::reverse_copy(in.begin() + row, in.begin() + row + cols, out.begin() + row);
  }
}

std::string game_names() {
  std::string names;
  for (const auto& g : kGames) {
    if (!names.empty()) names += ", ";
    names += g.name;
  }
  return names;
}

const GameInfo& find_game(std::string_view name) {
  for (const auto& g : kGames) {
    if (g.name == name) return g;
  }
  fail("unknown game '{}'; accepted: {}", name, game_names());
}

}  // namespace valor::game
