#include "valor/game/gumbel.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "valor/core/error.h"
#include "valor/game/sampling.h"

namespace valor::game {

namespace {

// log of a prior, finite even for a zero prior.
double logit(float prior) {
  return std::log(std::max(static_cast<double>(prior), std::numeric_limits<double>::min()));
}

// softmax(logits + sigma) of the children of `node`.
void improved_policy(const SearchTree& tree, int node, const std::vector<double>& sigma,
                     std::vector<double>& out) {
  const SearchNode& n = tree.nodes()[static_cast<size_t>(node)];
  out.resize(static_cast<size_t>(n.num_children));
  double top = -std::numeric_limits<double>::infinity();
  for (int i = 0; i < n.num_children; ++i) {
    out[static_cast<size_t>(i)] =
        logit(tree.nodes()[static_cast<size_t>(n.first_child + i)].prior) +
        sigma[static_cast<size_t>(i)];
    top = std::max(top, out[static_cast<size_t>(i)]);
  }
  double total = 0.0;
  for (double& x : out) {
    x = std::exp(x - top);
    total += x;
  }
  for (double& x : out) x /= total;
}

}  // namespace

std::vector<int> sequential_halving_schedule(int considered, int simulations) {
  VALOR_CHECK(considered >= 1 && simulations >= 0);
  std::vector<int> schedule;
  schedule.reserve(static_cast<size_t>(simulations));
  if (considered == 1) {
    for (int i = 0; i < simulations; ++i) schedule.push_back(i);
    return schedule;
  }
  const int rounds = static_cast<int>(std::ceil(std::log2(static_cast<double>(considered))));
  int remaining = considered;
  int visits = 0;  // of each remaining action so far
  while (static_cast<int>(schedule.size()) < simulations) {
    const int per_action = std::max(1, simulations / (rounds * remaining));
    for (int k = 0; k < per_action; ++k) {
      for (int a = 0; a < remaining; ++a) schedule.push_back(visits);
      ++visits;
    }
    remaining = std::max(2, remaining / 2);
  }
  schedule.resize(static_cast<size_t>(simulations));
  return schedule;
}

void transformed_q(const SearchTree& tree, int node, const GumbelOptions& options,
                   std::vector<double>& out) {
  const auto& all = tree.nodes();
  const SearchNode& n = all[static_cast<size_t>(node)];
  int total_visits = 0;
  int most_visits = 0;
  double visited_prior = 0.0;
  double weighted_q = 0.0;
  for (int c = n.first_child; c < n.first_child + n.num_children; ++c) {
    const SearchNode& child = all[static_cast<size_t>(c)];
    if (child.visits == 0) continue;
    total_visits += child.visits;
    most_visits = std::max(most_visits, child.visits);
    const double p = std::max(static_cast<double>(child.prior), std::numeric_limits<double>::min());
    visited_prior += p;
    weighted_q += p * child.q();
  }
  // v_mix: the node's raw value mixed with the prior-weighted Q of the visited actions.
  double mixed = n.raw_value;
  if (total_visits > 0) {
    mixed = (n.raw_value + total_visits * weighted_q / visited_prior) / (1.0 + total_visits);
  }
  out.resize(static_cast<size_t>(n.num_children));
  double lo = std::numeric_limits<double>::infinity();
  double hi = -lo;
  for (int i = 0; i < n.num_children; ++i) {
    const SearchNode& child = all[static_cast<size_t>(n.first_child + i)];
    const double q = child.visits > 0 ? child.q() : mixed;
    out[static_cast<size_t>(i)] = q;
    lo = std::min(lo, q);
    hi = std::max(hi, q);
  }
  constexpr double kMinRange = 1e-8;  // mctx's epsilon: equal Q-values all rescale to 0
  const double scale = (options.c_visit + most_visits) * options.c_scale;
  for (double& q : out) q = scale * (q - lo) / std::max(hi - lo, kMinRange);
}

GumbelSearch::GumbelSearch(Evaluator& evaluator, GumbelOptions options, uint64_t seed)
    : evaluator_(evaluator), options_(options), rng_(seed) {
  VALOR_CHECK(options.simulations >= 1 && options.max_considered_actions >= 1);
  VALOR_CHECK(options.gumbel_scale >= 0.0 && options.c_visit >= 0.0 && options.c_scale >= 0.0);
}

SearchResult GumbelSearch::search(const State& state) {
  tree_.reset(state, evaluator_);
  const SearchNode root = tree_.root();  // a copy: the node array grows during the search
  const int k = root.num_children;
  std::vector<double> gumbel(static_cast<size_t>(k));
  std::vector<double> base(static_cast<size_t>(k));  // g + logits
  for (int i = 0; i < k; ++i) {
    gumbel[static_cast<size_t>(i)] = options_.gumbel_scale * sample_gumbel(rng_);
    base[static_cast<size_t>(i)] =
        gumbel[static_cast<size_t>(i)] +
        logit(tree_.nodes()[static_cast<size_t>(root.first_child + i)].prior);
  }
  // Gumbel-top-m: the considered children, best first (ties: the lower action).
  std::vector<int> considered(static_cast<size_t>(k));
  std::iota(considered.begin(), considered.end(), 0);
  std::stable_sort(considered.begin(), considered.end(), [&](int a, int b) {
    return base[static_cast<size_t>(a)] > base[static_cast<size_t>(b)];
  });
  considered.resize(static_cast<size_t>(std::min(k, options_.max_considered_actions)));
  const std::vector<int> schedule =
      sequential_halving_schedule(static_cast<int>(considered.size()), options_.simulations);

  std::vector<double> sigma;
  // The considered child with `visits` visits and the largest g + logits + sigma(q_hat); -1 if
  // none has that many.
  const auto best_with_visits = [&](int visits) {
    transformed_q(tree_, 0, options_, sigma);
    int best = -1;
    double best_score = -std::numeric_limits<double>::infinity();
    for (const int i : considered) {
      if (tree_.nodes()[static_cast<size_t>(root.first_child + i)].visits != visits) continue;
      const double score = base[static_cast<size_t>(i)] + sigma[static_cast<size_t>(i)];
      if (best < 0 || score > best_score) {
        best = i;
        best_score = score;
      }
    }
    return best;
  };

  const GumbelOptions options = options_;
  std::vector<double> interior_sigma;
  std::vector<double> interior_policy;
  const auto select_interior = [&](const SearchTree& tree, int node) {
    transformed_q(tree, node, options, interior_sigma);
    improved_policy(tree, node, interior_sigma, interior_policy);
    const SearchNode& n = tree.nodes()[static_cast<size_t>(node)];
    int total = 0;
    for (int c = n.first_child; c < n.first_child + n.num_children; ++c) {
      total += tree.nodes()[static_cast<size_t>(c)].visits;
    }
    int best = 0;
    double best_score = -std::numeric_limits<double>::infinity();
    for (int i = 0; i < n.num_children; ++i) {
      const double score =
          interior_policy[static_cast<size_t>(i)] -
          tree.nodes()[static_cast<size_t>(n.first_child + i)].visits / (1.0 + total);
      if (score > best_score) {
        best_score = score;
        best = i;
      }
    }
    return n.first_child + best;
  };

  for (const int visits : schedule) {
    int child = best_with_visits(visits);
    if (child < 0) {  // not expected from the schedule; visit the least visited considered one
      child = *std::min_element(considered.begin(), considered.end(), [&](int a, int b) {
        return tree_.nodes()[static_cast<size_t>(root.first_child + a)].visits <
               tree_.nodes()[static_cast<size_t>(root.first_child + b)].visits;
      });
    }
    tree_.simulate(evaluator_, root.first_child + child, select_interior);
  }

  SearchResult result;
  tree_.fill_root_statistics(result);
  int most = 0;
  for (const int i : considered) {
    most = std::max(most, tree_.nodes()[static_cast<size_t>(root.first_child + i)].visits);
  }
  result.action =
      tree_.nodes()[static_cast<size_t>(root.first_child + best_with_visits(most))].action;
  transformed_q(tree_, 0, options_, sigma);
  std::vector<double> policy;
  improved_policy(tree_, 0, sigma, policy);
  result.policy.assign(result.visits.size(), 0.0f);
  for (int i = 0; i < k; ++i) {
    result.policy[static_cast<size_t>(
        tree_.nodes()[static_cast<size_t>(root.first_child + i)].action)] =
        static_cast<float>(policy[static_cast<size_t>(i)]);
  }
  return result;
}

}  // namespace valor::game
