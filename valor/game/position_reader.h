// Reading positions, one a line: the 1-based moves played from the start ("4453"), as in Pascal
// Pons's test files. A trailing '\r' is ignored; anything else that is not a move, an illegal
// move, a move after the end of the game, or an empty line is a valor::Error naming the input and
// line.
#pragma once

#include <istream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "valor/game/registry.h"

namespace valor::game {

struct PositionLine {
  int line = 0;  // 1-based line number in its input
  std::unique_ptr<State> state;
};

// Every position of `in` (named `label` in errors), validated before any is returned.
std::vector<PositionLine> read_positions(const GameInfo& game, std::istream& in,
                                         std::string_view label);

}  // namespace valor::game
