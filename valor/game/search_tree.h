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
  // Descents of the current batch round through this node not yet backed up (puct.h's
  // leaf_batch): each counts as a visit of value -1 for `chooser` in selection; 0 between
  // rounds.
  int virtual_loss = 0;
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

  // Batched simulations (the resumable form of simulate(), used by puct.h's leaf_batch and by
  // lockstep self-play): begin() starts a tree whose root awaits its evaluation;
  // collect(count, select) makes `count` descents from the root (each one simulation), each
  // with select(tree, node) until a node that is not expanded or is terminal. A terminal node's
  // value is backed up at once; a descent ending at a leaf adds a virtual loss to every node of
  // its path (so that later descents of the round turn elsewhere) and awaits that leaf's
  // evaluation, the leaf being materialised (cloned) once however many descents of the round
  // end there. pending() lists those leaves; supply() takes their evaluations in that order,
  // expands the leaves, backs each waiting descent up with its leaf's value and removes the
  // virtual losses. The working state is at the root between calls.
  void begin(const State& root);
  template <typename Select>
  void collect(int count, Select&& select) {
    for (int d = 0; d < count; ++d) {
      path_.assign(1, 0);
      int node = 0;
      while (nodes_[static_cast<size_t>(node)].expanded) {
        node = select(*this, node);
        state_->apply(nodes_[static_cast<size_t>(node)].action);
        path_.push_back(node);
        if (state_->is_terminal()) break;
      }
      if (state_->is_terminal()) {
        backup(state_->player_return(0));
      } else {
        add_waiting_descent(node);
      }
      for (size_t i = path_.size(); i-- > 1;)
        state_->undo(nodes_[static_cast<size_t>(path_[i])].action);
    }
  }
  // The leaves awaiting evaluation, in the order of their first descent; valid until supply().
  std::span<const State* const> pending() const { return pending_states_; }
  // One evaluation per pending() leaf, in that order.
  void supply(std::span<const Evaluation> evaluations);

  // The root's per-action visits and mean values, and its own mean value, into `result`.
  void fill_root_statistics(SearchResult& result) const;

 private:
  // An unexpanded root for `root` (non-terminal), the working state at it, the path at the root.
  void init_root(const State& root);
  // Forgets the round's pending leaves and descents.
  void clear_round();
  // Expands `node` (the working state is there, not terminal); returns the value for player 0.
  double expand(int node, Evaluator& evaluator);
  // Expands `node` whose state is `state` with `evaluation`; returns the value for player 0.
  double expand(int node, const State& state, const Evaluation& evaluation);
  void backup(double value0);
  // The descent of path_ ends at the unexpanded, non-terminal `leaf`: virtual losses on the
  // path, and the leaf added to the pending ones unless it is there already.
  void add_waiting_descent(int leaf);

  std::vector<SearchNode> nodes_;
  std::unique_ptr<State> state_;
  std::vector<int> path_;
  std::vector<Action> legal_;
  std::vector<Evaluation> evaluation_ = std::vector<Evaluation>(1);

  // The batch round: pending leaves (node, materialised state) and the waiting descents, each a
  // path (concatenated in descent_nodes_, ending at descent_ends_[i]) and its leaf's index.
  std::vector<int> pending_nodes_;
  std::vector<std::unique_ptr<State>> pending_owned_;
  std::vector<const State*> pending_states_;
  std::vector<int> descent_nodes_;
  std::vector<size_t> descent_ends_;
  std::vector<int> descent_leaf_;
  std::vector<double> leaf_values_;
};

}  // namespace valor::game
