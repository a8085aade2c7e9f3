#include "valor/game/position_reader.h"

#include "valor/core/error.h"

namespace valor::game {

std::vector<PositionLine> read_positions(const GameInfo& game, std::istream& in,
                                         std::string_view label) {
  std::vector<PositionLine> out;
  std::string text;
  for (int line = 1; std::getline(in, text); ++line) {
    if (!text.empty() && text.back() == '\r') text.pop_back();
    if (text.empty()) {
      fail(
          "{}:{}: empty line; each line is one {} position: the moves played from the start as "
          "digits {} (e.g. 4453)",
          label, line, game.name, game.move_digits);
    }
    try {
      out.push_back({line, game.state_from_moves(text)});
    } catch (const Error& e) {
      fail("{}:{}: '{}': {}", label, line, text.size() > 60 ? text.substr(0, 60) + "..." : text,
           e.what());
    }
  }
  if (in.bad()) fail("{}: read error", label);
  return out;
}

}  // namespace valor::game
