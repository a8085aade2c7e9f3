#include "valor/rank/bradley_terry.h"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numbers>
#include <optional>
#include <unordered_map>

#include "valor/core/error.h"
#include "valor/core/math.h"
#include "valor/core/random.h"
#include "valor/rank/pair_information.h"

namespace valor::rank {
namespace {

using Pair = PairTotals;

double log_likelihood(const std::vector<Pair>& pairs, const std::vector<double>& b) {
  double ll = 0.0;
  for (const Pair& p : pairs) {
    const double d = b[static_cast<size_t>(p.i)] - b[static_cast<size_t>(p.j)];
    if (p.wins_i > 0.0) ll += p.wins_i * log_sigmoid(d);
    if (p.n - p.wins_i > 0.0) ll += (p.n - p.wins_i) * log_sigmoid(-d);
  }
  return ll;
}

bool has_prior(const BtOptions& options) {
  if (std::isnan(options.prior_sd) || options.prior_sd < 0.0) {
    fail("Bradley-Terry: prior sd {} must be > 0 (or 0 for no prior)", options.prior_sd);
  }
  return options.prior_sd > 0.0 && std::isfinite(options.prior_sd);
}

void check_options(const BtOptions& options) {
  if (options.max_iterations < 1) {
    fail("Bradley-Terry: max_iterations {} must be >= 1", options.max_iterations);
  }
  if (!(options.tolerance > 0.0)) {
    fail("Bradley-Terry: tolerance {} must be > 0", options.tolerance);
  }
}

// Breadth-first search over `adjacency` from `start`; marks reached items.
std::vector<char> reach(const std::vector<std::vector<int32_t>>& adjacency, int32_t start) {
  std::vector<char> seen(adjacency.size(), 0);
  std::vector<int32_t> queue{start};
  seen[static_cast<size_t>(start)] = 1;
  for (size_t head = 0; head < queue.size(); ++head) {
    for (const int32_t next : adjacency[static_cast<size_t>(queue[head])]) {
      if (!seen[static_cast<size_t>(next)]) {
        seen[static_cast<size_t>(next)] = 1;
        queue.push_back(next);
      }
    }
  }
  return seen;
}

constexpr const char* kRemedy = "add a prior on the ratings (--prior) or more comparisons";

void check_connected(const ComparisonSet& set, const std::vector<Pair>& pairs) {
  const size_t n = set.num_items();
  if (n < 2) return;
  std::vector<std::vector<int32_t>> adjacency(n);
  for (const Pair& p : pairs) {
    adjacency[static_cast<size_t>(p.i)].push_back(p.j);
    adjacency[static_cast<size_t>(p.j)].push_back(p.i);
  }
  const std::vector<char> seen = reach(adjacency, 0);
  const auto missing = std::find(seen.begin(), seen.end(), 0);
  if (missing == seen.end()) return;
  // Count the components for the message.
  std::vector<int> component(n, -1);
  int components = 0;
  for (size_t s = 0; s < n; ++s) {
    if (component[s] >= 0) continue;
    const std::vector<char> r = reach(adjacency, static_cast<int32_t>(s));
    for (size_t k = 0; k < n; ++k) {
      if (r[k]) component[k] = components;
    }
    ++components;
  }
  const auto other = static_cast<int32_t>(missing - seen.begin());
  fail(
      "Bradley-Terry: the comparison graph is disconnected ({} components; no chain of "
      "comparisons links '{}' and '{}'), so the maximum-likelihood ratings do not exist (the "
      "offset between components is not identified); {}",
      components, set.name(0), set.name(other), kRemedy);
}

// check_bt_mle_exists on pair totals; `set` gives the items' number and names.
void check_mle(const ComparisonSet& set, const std::vector<Pair>& pairs) {
  const size_t n = set.num_items();
  check_connected(set, pairs);
  if (n < 2) return;
  std::vector<double> wins(n, 0.0);
  std::vector<double> losses(n, 0.0);
  std::vector<std::vector<int32_t>> beat(n);  // beat[i] holds j when i has some win over j
  for (const Pair& p : pairs) {
    const double wins_j = p.n - p.wins_i;
    wins[static_cast<size_t>(p.i)] += p.wins_i;
    losses[static_cast<size_t>(p.j)] += p.wins_i;
    wins[static_cast<size_t>(p.j)] += wins_j;
    losses[static_cast<size_t>(p.i)] += wins_j;
    if (p.wins_i > 0.0) beat[static_cast<size_t>(p.i)].push_back(p.j);
    if (wins_j > 0.0) beat[static_cast<size_t>(p.j)].push_back(p.i);
  }
  for (size_t i = 0; i < n; ++i) {
    const auto item = static_cast<int32_t>(i);
    if (losses[i] <= 0.0) {
      fail(
          "Bradley-Terry: '{}' never loses a comparison, so its maximum-likelihood rating is "
          "+infinity; {}",
          set.name(item), kRemedy);
    }
    if (wins[i] <= 0.0) {
      fail(
          "Bradley-Terry: '{}' never wins a comparison, so its maximum-likelihood rating is "
          "-infinity; {}",
          set.name(item), kRemedy);
    }
  }
  // Ford's condition: the "beat" graph must be strongly connected. The items reached from item 0
  // never beat anyone outside their set, so the rest never lose to them.
  const std::vector<char> reached = reach(beat, 0);
  const auto missing = std::find(reached.begin(), reached.end(), 0);
  if (missing != reached.end()) {
    const auto count = static_cast<size_t>(std::count(reached.begin(), reached.end(), 0));
    fail(
        "Bradley-Terry: a group of {} item(s) including '{}' never loses to the other {} "
        "item(s) (e.g. '{}'), so the maximum-likelihood ratings do not exist (the gap between "
        "the groups goes to infinity); {}",
        count, set.name(static_cast<int32_t>(missing - reached.begin())), n - count, set.name(0),
        kRemedy);
  }
  // Reverse direction: items that can reach item 0 through wins.
  std::vector<std::vector<int32_t>> beaten_by(n);
  for (size_t i = 0; i < n; ++i) {
    for (const int32_t j : beat[i])
      beaten_by[static_cast<size_t>(j)].push_back(static_cast<int32_t>(i));
  }
  const std::vector<char> reaching = reach(beaten_by, 0);
  const auto outside = std::find(reaching.begin(), reaching.end(), 0);
  if (outside != reaching.end()) {
    const auto count = static_cast<size_t>(std::count(reaching.begin(), reaching.end(), 0));
    fail(
        "Bradley-Terry: a group of {} item(s) including '{}' never beats the other {} item(s) "
        "(e.g. '{}'), so the maximum-likelihood ratings do not exist (the gap between the "
        "groups goes to infinity); {}",
        count, set.name(static_cast<int32_t>(outside - reaching.begin())), n - count, set.name(0),
        kRemedy);
  }
}

}  // namespace

void check_bt_mle_exists(const ComparisonSet& set) { check_mle(set, pair_totals(set)); }

void check_bt_connected(const ComparisonSet& set) { check_connected(set, pair_totals(set)); }

BtFit bradley_terry_mm(const ComparisonSet& set, const BtOptions& options) {
  check_options(options);
  if (has_prior(options)) {
    fail(
        "Bradley-Terry: the MM algorithm fits the maximum-likelihood ratings only; with a "
        "Gaussian prior (sd {}) use Newton's method",
        options.prior_sd);
  }
  const size_t n = set.num_items();
  BtFit fit;
  fit.ratings.assign(n, 0.0);
  if (n < 2) {
    fit.converged = true;
    return fit;
  }
  check_bt_mle_exists(set);
  const std::vector<Pair> pairs = pair_totals(set);
  std::vector<double> wins(n, 0.0);
  for (const Pair& p : pairs) {
    wins[static_cast<size_t>(p.i)] += p.wins_i;
    wins[static_cast<size_t>(p.j)] += p.n - p.wins_i;
  }
  std::vector<double> pi(n, 1.0);
  std::vector<double> denominator(n);
  std::vector<double>& b = fit.ratings;
  for (fit.iterations = 1; fit.iterations <= options.max_iterations; ++fit.iterations) {
    std::fill(denominator.begin(), denominator.end(), 0.0);
    for (const Pair& p : pairs) {
      const double t = p.n / (pi[static_cast<size_t>(p.i)] + pi[static_cast<size_t>(p.j)]);
      denominator[static_cast<size_t>(p.i)] += t;
      denominator[static_cast<size_t>(p.j)] += t;
    }
    double mean = 0.0;
    std::vector<double> next(n);
    for (size_t i = 0; i < n; ++i) {
      next[i] = std::log(wins[i] / denominator[i]);
      mean += next[i];
    }
    mean /= static_cast<double>(n);
    double change = 0.0;
    for (size_t i = 0; i < n; ++i) {
      next[i] -= mean;
      change = std::max(change, std::abs(next[i] - b[i]));
      b[i] = next[i];
      pi[i] = std::exp(b[i]);
    }
    if (change < options.tolerance) {
      fit.converged = true;
      break;
    }
  }
  fit.iterations = std::min(fit.iterations, options.max_iterations);
  fit.log_likelihood = log_likelihood(pairs, b);
  return fit;
}

namespace {

// Gradient and negative Hessian of the log-likelihood (without prior) at b.
void derivatives(const std::vector<Pair>& pairs, const std::vector<double>& b,
                 Eigen::VectorXd& gradient, Eigen::MatrixXd& information) {
  const auto n = static_cast<Eigen::Index>(b.size());
  gradient.setZero(n);
  information.setZero(n, n);
  for (const Pair& p : pairs) {
    const double s = sigmoid(b[static_cast<size_t>(p.i)] - b[static_cast<size_t>(p.j)]);
    const double g = p.wins_i - p.n * s;
    const double c = p.n * s * (1.0 - s);
    gradient(p.i) += g;
    gradient(p.j) -= g;
    information(p.i, p.i) += c;
    information(p.j, p.j) += c;
    information(p.i, p.j) -= c;
    information(p.j, p.i) -= c;
  }
}

double penalty(const std::vector<double>& b, double prior_sd) {
  if (prior_sd <= 0.0) return 0.0;
  double sum = 0.0;
  for (const double x : b) sum += x * x;
  return sum / (2.0 * prior_sd * prior_sd);
}

}  // namespace

namespace {

// Step-halving limit of the line search (the step is then 2^-60 of Newton's: no progress).
constexpr int kMaxHalvings = 60;

// Newton's method on pair totals; `set` gives the items' number and names.
BtFit newton(const ComparisonSet& set, const std::vector<Pair>& pairs, const BtOptions& options,
             const std::vector<double>* start = nullptr) {
  check_options(options);
  const bool prior = has_prior(options);
  const double sd = prior ? options.prior_sd : 0.0;
  const size_t n = set.num_items();
  BtFit fit;
  fit.ratings.assign(n, 0.0);
  if (n == 0) {
    fit.converged = true;
    return fit;
  }
  if (!prior) check_mle(set, pairs);
  if (start != nullptr) fit.ratings = *start;
  std::vector<double>& b = fit.ratings;
  const auto size = static_cast<Eigen::Index>(n);
  const double precision = prior ? 1.0 / (sd * sd) : 0.0;
  const bool sparse = uses_sparse_solver(options, n);
  std::optional<PairInformation> sparse_information;
  if (sparse) sparse_information.emplace(n, pairs);
  double first_gradient_norm = 0.0;
  Eigen::VectorXd gradient;
  Eigen::MatrixXd information;
  Eigen::VectorXd step;
  double objective = log_likelihood(pairs, b) - penalty(b, sd);
  std::vector<double> trial(n);
  for (fit.iterations = 1; fit.iterations <= options.max_iterations; ++fit.iterations) {
    if (sparse) {
      sparse_information->set_zero();
      gradient.setZero(size);
      for (size_t k = 0; k < pairs.size(); ++k) {
        const Pair& p = pairs[k];
        const double s = sigmoid(b[static_cast<size_t>(p.i)] - b[static_cast<size_t>(p.j)]);
        const double g = p.wins_i - p.n * s;
        gradient(p.i) += g;
        gradient(p.j) -= g;
        sparse_information->add_pair(k, p.n * s * (1.0 - s));
      }
      if (prior) {
        for (size_t i = 0; i < n; ++i) {
          gradient(static_cast<Eigen::Index>(i)) -= precision * b[i];
          sparse_information->add_diagonal(i, precision);
        }
      } else {
        // The information is singular along 1 but the system is consistent (1^T gradient = 0
        // up to rounding, removed here), and CG stays in the range of the Laplacian.
        gradient.array() -= gradient.mean();
      }
      const double norm = gradient.norm();
      if (fit.iterations == 1) first_gradient_norm = norm;
      if (norm == 0.0) {
        fit.converged = true;
        break;
      }
      step = sparse_information->solve(gradient, newton_cg_tolerance(norm, first_gradient_norm));
    } else {
      derivatives(pairs, b, gradient, information);
      if (prior) {
        for (Eigen::Index i = 0; i < size; ++i) {
          gradient(i) -= precision * b[static_cast<size_t>(i)];
          information(i, i) += precision;
        }
      } else {
        // The information is singular along 1 (shifting all b changes nothing); adding c 11^T
        // makes it positive definite, and since 1^T gradient = 0 the step stays mean-zero.
        const double c = std::max(information.trace(), 1.0) / static_cast<double>(n * n);
        information.array() += c;
      }
      const Eigen::LDLT<Eigen::MatrixXd> ldlt(information);
      VALOR_CHECK(ldlt.info() == Eigen::Success, "Bradley-Terry Newton: LDLT failed");
      step = ldlt.solve(gradient);
    }
    // Step halving: the objective is concave, so a short enough Newton step increases it.
    double t = 1.0;
    double next_objective = 0.0;
    int halvings = 0;
    for (;; ++halvings) {
      for (size_t i = 0; i < n; ++i) trial[i] = b[i] + t * step(static_cast<Eigen::Index>(i));
      if (!prior) {
        double mean = 0.0;
        for (const double x : trial) mean += x;
        mean /= static_cast<double>(n);
        for (double& x : trial) x -= mean;
      }
      next_objective = log_likelihood(pairs, trial) - penalty(trial, sd);
      if (next_objective >= objective - 1e-12 * (1.0 + std::abs(objective)) ||
          halvings >= kMaxHalvings) {
        break;
      }
      t *= 0.5;
    }
    double change = 0.0;
    for (size_t i = 0; i < n; ++i) change = std::max(change, std::abs(trial[i] - b[i]));
    b.swap(trial);
    objective = next_objective;
    // A tiny change after many halvings means the line search stalled, not convergence.
    if (change < options.tolerance && halvings == 0) {
      fit.converged = true;
      break;
    }
  }
  fit.iterations = std::min(fit.iterations, options.max_iterations);
  fit.log_likelihood = log_likelihood(pairs, b);
  return fit;
}

}  // namespace

BtFit bradley_terry_newton(const ComparisonSet& set, const BtOptions& options) {
  return newton(set, pair_totals(set), options);
}

BootstrapResult bradley_terry_bootstrap(const ComparisonSet& set, const BtOptions& options,
                                        int replicates, uint64_t seed, double level, int threads) {
  const auto& all = set.comparisons();
  if (all.empty()) fail("bootstrap needs at least one comparison");
  const std::vector<Pair> full = pair_totals(set);
  // The units drawn: the expanded comparisons when the weights are counts, else the rows.
  const ComparisonUnits units(all);
  // Units that add the same (weight, wins) to the same pair are interchangeable: group their rows
  // into classes, so a replicate maps each draw to its class and sums per class.
  struct Class {
    int32_t pair;
    double n, wins_i;
  };
  std::vector<Class> classes;
  std::vector<int32_t> class_of(all.size());
  {
    std::unordered_map<uint64_t, int32_t> pair_index;
    for (size_t k = 0; k < full.size(); ++k) {
      pair_index.emplace(
          (static_cast<uint64_t>(full[k].i) << 32) | static_cast<uint32_t>(full[k].j),
          static_cast<int32_t>(k));
    }
    struct Key {
      int32_t pair;
      double n, wins_i;
      bool operator==(const Key&) const = default;
    };
    struct KeyHash {
      size_t operator()(const Key& k) const {
        const size_t h = std::hash<double>{}(k.n) * 31 + std::hash<double>{}(k.wins_i);
        return h * 1000003u + static_cast<size_t>(k.pair);
      }
    };
    std::unordered_map<Key, int32_t, KeyHash> class_index;
    for (size_t k = 0; k < all.size(); ++k) {
      const Comparison& c = all[k];
      const int32_t i = std::min(c.a, c.b), j = std::max(c.a, c.b);
      const double w = units.unit_weight(k);
      const Key key{pair_index.at((static_cast<uint64_t>(i) << 32) | static_cast<uint32_t>(j)), w,
                    w * (c.a < c.b ? c.outcome : 1.0 - c.outcome)};
      const auto [it, added] = class_index.try_emplace(key, static_cast<int32_t>(classes.size()));
      if (added) classes.push_back({key.pair, key.n, key.wins_i});
      class_of[k] = it->second;
    }
  }
  // Replicates start Newton from the full-data fit: the same optimum, fewer iterations.
  std::vector<double> start;
  if (has_prior(options)) {
    start = newton(set, full, options).ratings;
  } else {
    try {
      start = newton(set, full, options).ratings;
    } catch (const Error&) {
      // The full data has no MLE; replicates fail alike (with their own message) below.
    }
  }
  return bootstrap_resampled(set.num_items(), replicates, seed, level, threads, [&](Rng& rng) {
    // The same draws as bootstrap_ratings' resample(): units.size() units, uniform with
    // replacement.
    std::vector<uint64_t> counts(classes.size(), 0);
    const uint64_t size = units.size();
    const uint64_t threshold = (0 - size) % size;
    for (uint64_t k = 0; k < size; ++k) {
      // Rng::below(size), inlined (Lemire's multiply and reject; the test checks that the draws
      // match): the high word of x * size, rejecting the few biased low words.
      unsigned __int128 m = static_cast<unsigned __int128>(rng.next_u64()) * size;
      while (static_cast<uint64_t>(m) < threshold) {
        m = static_cast<unsigned __int128>(rng.next_u64()) * size;
      }
      ++counts[static_cast<size_t>(class_of[units.row(static_cast<uint64_t>(m >> 64))])];
    }
    std::vector<Pair> pairs(full.size());
    for (size_t k = 0; k < full.size(); ++k) pairs[k] = {full[k].i, full[k].j, 0.0, 0.0};
    for (size_t k = 0; k < classes.size(); ++k) {
      if (counts[k] == 0) continue;
      Pair& p = pairs[static_cast<size_t>(classes[k].pair)];
      p.n += classes[k].n * static_cast<double>(counts[k]);
      p.wins_i += classes[k].wins_i * static_cast<double>(counts[k]);
    }
    std::erase_if(pairs, [](const Pair& p) { return p.n == 0.0; });
    return newton(set, pairs, options, start.empty() ? nullptr : &start).ratings;
  });
}

std::vector<double> observed_information_sd(const ComparisonSet& set,
                                            const std::vector<double>& ratings,
                                            const BtOptions& options) {
  const size_t n = set.num_items();
  if (ratings.size() != n) {
    fail("Bradley-Terry: {} ratings given for {} items", ratings.size(), n);
  }
  const bool prior = has_prior(options);
  if (n == 0) return {};
  if (n > kMaxObservedInformationItems) {
    fail(
        "Bradley-Terry: observed-information standard errors of {} items need the inverse of the "
        "dense {} x {} information matrix ({:.1f} GB, O(n^3) time); they are computed for at "
        "most {} items: use bootstrap intervals, or none",
        n, n, n, 24.0 * static_cast<double>(n) * static_cast<double>(n) / 1e9,
        kMaxObservedInformationItems);
  }
  const std::vector<Pair> pairs = pair_totals(set);
  if (!prior) check_connected(set, pairs);
  Eigen::VectorXd gradient;
  Eigen::MatrixXd information;
  derivatives(pairs, ratings, gradient, information);
  double c = 0.0;
  if (prior) {
    information.diagonal().array() += 1.0 / (options.prior_sd * options.prior_sd);
  } else {
    // A + c 11^T has inverse pinv(A) + 11^T / (c n^2), where 1/sqrt(n) spans A's null space.
    c = std::max(information.trace(), 1.0) / static_cast<double>(n * n);
    information.array() += c;
  }
  // A = L L^T, so A^-1 = L^-T L^-1 and (A^-1)_ii is the squared norm of column i of L^-1: one
  // triangular solve instead of LDLT's two.
  const Eigen::LLT<Eigen::MatrixXd> llt(information);
  VALOR_CHECK(llt.info() == Eigen::Success, "Bradley-Terry: Cholesky of the information failed");
  const auto size = static_cast<Eigen::Index>(n);
  Eigen::MatrixXd inverse_factor = Eigen::MatrixXd::Identity(size, size);
  llt.matrixL().solveInPlace(inverse_factor);
  const double correction = prior ? 0.0 : 1.0 / (c * static_cast<double>(n * n));
  std::vector<double> sd(n);
  for (size_t i = 0; i < n; ++i) {
    const double v = inverse_factor.col(static_cast<Eigen::Index>(i)).squaredNorm() - correction;
    sd[i] = v > 0.0 ? std::sqrt(v) : std::numeric_limits<double>::infinity();
  }
  return sd;
}

bool uses_sparse_solver(const BtOptions& options, size_t num_items) {
  switch (options.solver) {
    case BtSolver::kDense:
      return false;
    case BtSolver::kSparse:
      return true;
    case BtSolver::kAuto:
      return num_items > kDenseNewtonMaxItems;
  }
  VALOR_CHECK(false, "unknown BtSolver");
  return true;
}

double to_elo_scale(double b) { return 400.0 / std::numbers::ln10 * b + 1000.0; }

}  // namespace valor::rank
