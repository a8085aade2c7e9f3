// The tree shared by the MCTS variants (puct.h, gumbel.h): nodes in one array, the children of a
// node side by side, and one working copy of the game that simulations walk down with apply()
// and back up with undo(). Values are stored for the player who chose the move into a node, so
// that a parent compares its children's mean values directly.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "valor/game/evaluator.h"
#include "valor/game/state.h"

namespace valor::game {

struct SearchNode {
  Action action = -1;    // the move from the parent
  float prior = 0.0f;    // the parent's prior for that move
  int first_child = -1;  // children are nodes [first_child, first_child + num_children)
  int num_children = 0;
  int visits = 0;
  double value_sum = 0.0;  // backed-up values for `chooser`
  float raw_value = 0.0f;  // the evaluator's value for the player to move here, once expanded
  int8_t chooser = 0;      // the player who chose `action` (the parent's player to move)
  bool expanded = false;

  // The mean backed-up value for `chooser`; meaningful when visits > 0.
  double q() const { return value_sum / visits; }
};

// What a search returns; vectors have one entry per distinct action.
struct SearchResult {
  Action action = -1;         // the move chosen
  std::vector<int> visits;    // root visits per action (0 for illegal ones)
  std::vector<float> policy;  // the policy target: a distribution over the legal actions
  std::vector<float> q;  // mean backed-up value per action for the player to move (0 unvisited)
  float value = 0.0f;    // mean backed-up value of the root for the player to move
};

class SearchTree {
 public:
  // Starts a new tree at `root` (non-terminal): expands the root with `evaluator`.
  void reset(const State& root, Evaluator& evaluator);

  const std::vector<SearchNode>& nodes() const { return nodes_; }
  std::vector<SearchNode>& nodes() { return nodes_; }
  const SearchNode& root() const { return nodes_[0]; }
  // The working state: at the root between simulations.
  const State& state() const { return *state_; }

  // One simulation: from the root, steps to `first` (a child of the root, or -1 to ask
  // `select`), then to select(tree, node) until a node that is not expanded or is terminal;
  // evaluates or scores it, expands it, and backs its value up the path.
  template <typename Select>
  void simulate(Evaluator& evaluator, int first, Select&& select) {
    path_.assign(1, 0);
    int node = 0;
    while (nodes_[static_cast<size_t>(node)].expanded) {
      node = (path_.size() == 1 && first >= 0) ? first : select(*this, node);
      state_->apply(nodes_[static_cast<size_t>(node)].action);
      path_.push_back(node);
      if (state_->is_terminal()) break;
    }
    const double value0 =
        state_->is_terminal() ? state_->player_return(0) : expand(node, evaluator);
    backup(value0);
    for (size_t i = path_.size(); i-- > 1;)
      state_->undo(nodes_[static_cast<size_t>(path_[i])].action);
  }

  // The root's per-action visits and mean values, and its own mean value, into `result`.
  void fill_root_statistics(SearchResult& result) const;

 private:
  // Expands `node` (the working state is there, not terminal); returns the value for player 0.
  double expand(int node, Evaluator& evaluator);
  void backup(double value0);

  std::vector<SearchNode> nodes_;
  std::unique_ptr<State> state_;
  std::vector<int> path_;
  std::vector<Action> legal_;
  std::vector<Evaluation> evaluation_ = std::vector<Evaluation>(1);
};

}  // namespace valor::game
