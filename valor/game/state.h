// State: one position of a two-player, zero-sum, perfect-information game in which the players
// alternate (after OpenSpiel's State). Players are 0 (moves first) and 1. A State is mutated in
// place by apply() and restored by undo(), both cheap and allocation-free, so that search walks
// one state down and up its tree instead of copying it; clone() gives an independent copy.
#pragma once

#include <array>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace valor::game {

// An action is an index in [0, num_distinct_actions()): a cell (tic-tac-toe) or a column
// (Connect Four). Positions are written as the 1-based actions played from the start.
using Action = int;

// current_player() of a finished game.
inline constexpr int kTerminalPlayer = -1;

// The shape of observation(): planes x rows x cols floats, row-major.
struct ObservationShape {
  int planes = 0;
  int rows = 0;
  int cols = 0;
  int size() const { return planes * rows * cols; }
};

class State {
 public:
  virtual ~State() = default;

  // The game's registry name ("tictactoe", "connect4").
  virtual std::string_view game_name() const = 0;
  // Actions are in [0, num_distinct_actions()).
  virtual int num_distinct_actions() const = 0;

  // 0 or 1: the player to move; kTerminalPlayer once the game is over.
  virtual int current_player() const = 0;
  virtual bool is_terminal() const = 0;
  // Moves played from the start.
  virtual int move_number() const = 0;

  // The legal actions in increasing order, written to `out` (cleared first); no allocation once
  // `out` has capacity num_distinct_actions(). Empty at a terminal state.
  virtual void legal_actions(std::vector<Action>& out) const = 0;
  std::vector<Action> legal_actions() const;
  virtual bool is_legal(Action action) const = 0;

  // Plays a legal action for the player to move (an illegal one is a bug: VALOR_CHECK).
  virtual void apply(Action action) = 0;
  // Takes back `action`, which must be the last action applied and not yet undone; restores
  // the exact state before it.
  virtual void undo(Action action) = 0;

  // The final outcome for `player`: +1 win, -1 loss, 0 draw; 0 while the game goes on.
  virtual double player_return(int player) const = 0;
  std::array<double, 2> returns() const { return {player_return(0), player_return(1)}; }

  // From the point of view of the player to move (at a terminal state: of the player who would
  // move next): plane 0 its stones, plane 1 the opponent's; rows from the top of the board.
  virtual ObservationShape observation_shape() const = 0;
  // Writes observation_shape().size() floats (0 or 1) to `out`, which must have that size.
  virtual void observation(std::span<float> out) const = 0;

  // The board as text, one row per line from the top, then the player to move or the result.
  virtual std::string to_string() const = 0;
  // "column 4", "cell 5": the 1-based name users type.
  virtual std::string action_to_string(Action action) const = 0;
  // The moves played from the start as 1-based digits ("4453"): the position format.
  virtual std::string moves_string() const = 0;

  virtual std::unique_ptr<State> clone() const = 0;
};

}  // namespace valor::game
