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
}

SearchResult PuctSearch::search(const State& state) {
  tree_.reset(state, evaluator_);
  auto& nodes = tree_.nodes();
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

  const double c_puct = options_.c_puct;
  const double unvisited = options_.unvisited_value;
  const auto select = [c_puct, unvisited](const SearchTree& tree, int node) {
    const auto& all = tree.nodes();
    const SearchNode& n = all[static_cast<size_t>(node)];
    int total = 0;
    for (int c = n.first_child; c < n.first_child + n.num_children; ++c) {
      total += all[static_cast<size_t>(c)].visits;
    }
    const double scale = c_puct * std::sqrt(std::max(1.0, static_cast<double>(total)));
    int best = n.first_child;
    double best_score = -1e300;
    for (int c = n.first_child; c < n.first_child + n.num_children; ++c) {
      const SearchNode& child = all[static_cast<size_t>(c)];
      const double q = child.visits > 0 ? child.q() : unvisited;
      const double score = q + scale * child.prior / (1.0 + child.visits);
      if (score > best_score) {
        best_score = score;
        best = c;
      }
    }
    return best;
  };
  for (int s = 0; s < options_.simulations; ++s) tree_.simulate(evaluator_, -1, select);

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
