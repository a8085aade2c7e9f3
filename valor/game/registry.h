// The games valor knows, by name: how to start one, how to read a position, and its exact solver.
// The CLI and the tests look games up here and nowhere else.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "valor/game/solver.h"
#include "valor/game/state.h"

namespace valor::game {

struct GameInfo {
  std::string_view name;
  std::string_view description;
  // The accepted move characters, for messages ("1-7").
  std::string_view move_digits;
  std::unique_ptr<State> (*new_initial_state)();
  // The position after `moves` (1-based actions as digits); throws valor::Error naming the move
  // that is not a move, illegal, or played after the end of the game.
  std::unique_ptr<State> (*state_from_moves)(std::string_view moves);
  std::unique_ptr<Solver> (*new_solver)();
};

std::span<const GameInfo> games();
// The game called `name`; throws valor::Error listing the names otherwise.
const GameInfo& find_game(std::string_view name);
// "connect4, tictactoe".
std::string game_names();

}  // namespace valor::game
