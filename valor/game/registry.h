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
  // The game's left-right symmetry, for data augmentation (az training's --mirror): the action
  // that plays `action`'s mirror image. Mirroring a position (every move replaced by its
  // mirror_action) reverses the columns of each observation plane (mirror_observation), maps the
  // legal actions by mirror_action and keeps the player to move and the outcome; nullptr for a
  // game without such a symmetry. (Tested for every game that has one: game_property_test.)
  Action (*mirror_action)(Action) = nullptr;
};

// `in` (a state's observation of `shape`) with the columns of every plane reversed, into `out`
// (the same size; not `in`).
void mirror_observation(const ObservationShape& shape, std::span<const float> in,
                        std::span<float> out);

std::span<const GameInfo> games();
// The game called `name`; throws valor::Error listing the names otherwise.
const GameInfo& find_game(std::string_view name);
// "connect4, tictactoe".
std::string game_names();

}  // namespace valor::game
