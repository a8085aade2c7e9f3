#include "valor/game/search_tree.h"

#include "valor/core/error.h"

namespace valor::game {

void SearchTree::init_root(const State& root) {
  VALOR_CHECK(!root.is_terminal(), "searching a finished position");
  nodes_.clear();
  state_ = root.clone();
  SearchNode r;
  r.chooser = static_cast<int8_t>(1 - root.current_player());
  nodes_.push_back(r);
  path_.assign(1, 0);
}

void SearchTree::reset(const State& root, Evaluator& evaluator) {
  init_root(root);
  backup(expand(0, evaluator));
}

void SearchTree::begin(const State& root) {
  init_root(root);
  clear_round();
  add_waiting_descent(0);
}

void SearchTree::add_waiting_descent(int leaf) {
  size_t index = 0;
  while (index < pending_nodes_.size() && pending_nodes_[index] != leaf) ++index;
  if (index == pending_nodes_.size()) {
    pending_nodes_.push_back(leaf);
    pending_owned_.push_back(state_->clone());
    pending_states_.push_back(pending_owned_.back().get());
  }
  for (const int i : path_) {
    ++nodes_[static_cast<size_t>(i)].virtual_loss;
    descent_nodes_.push_back(i);
  }
  descent_ends_.push_back(descent_nodes_.size());
  descent_leaf_.push_back(static_cast<int>(index));
}

void SearchTree::supply(std::span<const Evaluation> evaluations) {
  VALOR_CHECK(evaluations.size() == pending_nodes_.size());
  leaf_values_.resize(pending_nodes_.size());
  for (size_t i = 0; i < pending_nodes_.size(); ++i) {
    leaf_values_[i] = expand(pending_nodes_[i], *pending_owned_[i], evaluations[i]);
  }
  size_t begin = 0;
  for (size_t d = 0; d < descent_ends_.size(); ++d) {
    path_.assign(descent_nodes_.begin() + static_cast<std::ptrdiff_t>(begin),
                 descent_nodes_.begin() + static_cast<std::ptrdiff_t>(descent_ends_[d]));
    for (const int i : path_) --nodes_[static_cast<size_t>(i)].virtual_loss;
    backup(leaf_values_[static_cast<size_t>(descent_leaf_[d])]);
    begin = descent_ends_[d];
  }
  clear_round();
}

void SearchTree::clear_round() {
  pending_nodes_.clear();
  pending_owned_.clear();
  pending_states_.clear();
  descent_nodes_.clear();
  descent_ends_.clear();
  descent_leaf_.clear();
}

double SearchTree::expand(int node, Evaluator& evaluator) {
  const State* leaf = state_.get();
  evaluator.evaluate(std::span<const State* const>(&leaf, 1), evaluation_);
  return expand(node, *state_, evaluation_[0]);
}

double SearchTree::expand(int node, const State& state, const Evaluation& e) {
  VALOR_CHECK(e.priors.size() == static_cast<size_t>(state.num_distinct_actions()));
  const int mover = state.current_player();
  state.legal_actions(legal_);
  const int first = static_cast<int>(nodes_.size());
  for (const Action a : legal_) {
    SearchNode child;
    child.action = a;
    child.prior = e.priors[static_cast<size_t>(a)];
    child.chooser = static_cast<int8_t>(mover);
    nodes_.push_back(child);
  }
  SearchNode& n = nodes_[static_cast<size_t>(node)];  // after the push_backs
  n.first_child = first;
  n.num_children = static_cast<int>(legal_.size());
  n.raw_value = e.value;
  n.expanded = true;
  return mover == 0 ? e.value : -e.value;
}

void SearchTree::backup(double value0) {
  for (const int i : path_) {
    SearchNode& n = nodes_[static_cast<size_t>(i)];
    ++n.visits;
    n.value_sum += n.chooser == 0 ? value0 : -value0;
  }
}

void SearchTree::fill_root_statistics(SearchResult& result) const {
  const size_t actions = static_cast<size_t>(state_->num_distinct_actions());
  result.visits.assign(actions, 0);
  result.q.assign(actions, 0.0f);
  const SearchNode& r = root();
  for (int c = r.first_child; c < r.first_child + r.num_children; ++c) {
    const SearchNode& child = nodes_[static_cast<size_t>(c)];
    result.visits[static_cast<size_t>(child.action)] = child.visits;
    if (child.visits > 0)
      result.q[static_cast<size_t>(child.action)] = static_cast<float>(child.q());
  }
  result.value = static_cast<float>(-r.q());  // the root's chooser is the opponent
}

}  // namespace valor::game
