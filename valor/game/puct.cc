#include "valor/game/puct.h"

#include <algorithm>
#include <cmath>

#include "valor/core/error.h"
#include "valor/game/sampling.h"

namespace valor::game {

PuctSearch::PuctSearch(Evaluator& evaluator, PuctOptions options, uint64_t seed)
    : evaluator_(evaluator), options_(options), rng_(seed) {
  VALOR_CHECK(options.simulations >= 1 && options.c_puct >= 0.0);
  VALOR_CHECK(options.dirichlet_fraction >= 0.0 && options.dirichlet_fraction <= 1.0);
  VALOR_CHECK(options.dirichlet_alpha > 0.0 && options.temperature >= 0.0);
  VALOR_CHECK(options.leaf_batch >= 1);
}

namespace {

// The PUCT rule (puct.h), counting the virtual losses of the round in progress.
struct PuctSelect {
  double c_puct;
  double unvisited;
  int operator()(const SearchTree& tree, int node) const {
    const auto& all = tree.nodes();
    const SearchNode& n = all[static_cast<size_t>(node)];
    int total = 0;
    for (int c = n.first_child; c < n.first_child + n.num_children; ++c) {
      const SearchNode& child = all[static_cast<size_t>(c)];
      total += child.visits + child.virtual_loss;
    }
    const double scale = c_puct * std::sqrt(std::max(1.0, static_cast<double>(total)));
    int best = n.first_child;
    double best_score = -1e300;
    for (int c = n.first_child; c < n.first_child + n.num_children; ++c) {
      const SearchNode& child = all[static_cast<size_t>(c)];
      const int visits = child.visits + child.virtual_loss;
      // With no virtual loss (leaf_batch 1), exactly value_sum / visits.
      const double q = visits > 0 ? (child.value_sum - child.virtual_loss) / visits : unvisited;
      const double score = q + scale * child.prior / (1.0 + visits);
      if (score > best_score) {
        best_score = score;
        best = c;
      }
    }
    return best;
  }
};

}  // namespace

SearchResult PuctSearch::search(const State& state) {
  start(state);
  while (!ready()) {
    const auto states = pending();
    evaluations_.resize(states.size());
    evaluator_.evaluate(states, evaluations_);
    supply(evaluations_);
  }
  return finish();
}

void PuctSearch::start(const State& state) {
  tree_.begin(state);
  started_ = true;
  root_expanded_ = false;
  remaining_ = options_.simulations;
}

void PuctSearch::supply(std::span<const Evaluation> evaluations) {
  VALOR_CHECK(started_ && !tree_.pending().empty());
  tree_.supply(evaluations);
  auto& nodes = tree_.nodes();
  if (!root_expanded_) {
    root_expanded_ = true;
    const SearchNode& root = nodes[0];
    if (options_.dirichlet_fraction > 0.0) {
      noise_.resize(static_cast<size_t>(root.num_children));
      sample_dirichlet(rng_, options_.dirichlet_alpha, noise_);
      const double f = options_.dirichlet_fraction;
      for (int i = 0; i < root.num_children; ++i) {
        float& p = nodes[static_cast<size_t>(root.first_child + i)].prior;
        p = static_cast<float>((1.0 - f) * p + f * noise_[static_cast<size_t>(i)]);
      }
    }
  }
  // Rounds until one has leaves to evaluate (rounds of terminal nodes alone need none).
  const PuctSelect select{options_.c_puct, options_.unvisited_value};
  while (remaining_ > 0 && tree_.pending().empty()) {
    const int count = std::min(remaining_, options_.leaf_batch);
    tree_.collect(count, select);
    remaining_ -= count;
  }
}

SearchResult PuctSearch::finish() {
  VALOR_CHECK(ready(), "finish() before the search is done");
  started_ = false;
  auto& nodes = tree_.nodes();
  SearchResult result;
  tree_.fill_root_statistics(result);
  const size_t actions = result.visits.size();
  int total = 0;
  for (const int v : result.visits) total += v;
  result.policy.assign(actions, 0.0f);
  for (size_t a = 0; a < actions; ++a) {
    result.policy[a] = static_cast<float>(result.visits[a]) / static_cast<float>(total);
  }

  const SearchNode& r = tree_.root();
  if (options_.temperature == 0.0) {
    const SearchNode* best = nullptr;
    for (int c = r.first_child; c < r.first_child + r.num_children; ++c) {
      const SearchNode& child = nodes[static_cast<size_t>(c)];
      if (best == nullptr || child.visits > best->visits ||
          (child.visits == best->visits && child.visits > 0 && child.q() > best->q())) {
        best = &child;
      }
    }
    result.action = best->action;
  } else {
    // N^(1/T) relative to the largest N, so that small temperatures do not overflow.
    int most = 0;
    for (const int v : result.visits) most = std::max(most, v);
    std::vector<double> weights(actions, 0.0);
    double sum = 0.0;
    for (size_t a = 0; a < actions; ++a) {
      if (result.visits[a] == 0) continue;
      weights[a] =
          std::pow(static_cast<double>(result.visits[a]) / most, 1.0 / options_.temperature);
      sum += weights[a];
    }
    double u = rng_.uniform() * sum;
    result.action = -1;
    for (size_t a = 0; a < actions; ++a) {
      if (weights[a] == 0.0) continue;
      result.action = static_cast<Action>(a);
      if (u < weights[a]) break;
      u -= weights[a];
    }
  }
  return result;
}

}  // namespace valor::game
