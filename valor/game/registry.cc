#include "valor/game/registry.h"

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

const std::array<GameInfo, 2> kGames = {{
    {ConnectFourState::kName, "Connect Four, 7 columns x 6 rows; moves are columns 1-7", "1-7",
     new_state<ConnectFourState>, from_moves<ConnectFourState>, new_solver<ConnectFourSolver>},
    {TicTacToeState::kName, "tic-tac-toe; moves are cells 1-9, row by row from the top left", "1-9",
     new_state<TicTacToeState>, from_moves<TicTacToeState>, new_solver<TicTacToeSolver>},
}};

}  // namespace

std::span<const GameInfo> games() { return kGames; }

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
