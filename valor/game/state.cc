#include "valor/game/state.h"

namespace valor::game {

std::vector<Action> State::legal_actions() const {
  std::vector<Action> actions;
  actions.reserve(static_cast<size_t>(num_distinct_actions()));
  legal_actions(actions);
  return actions;
}

}  // namespace valor::game
