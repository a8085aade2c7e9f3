#include "valor/rank/plackett_luce.h"

#include <algorithm>
#include <cmath>

#include "valor/core/error.h"

namespace valor::rank {
namespace {

void validate(int num_items, const std::vector<Ranking>& rankings) {
  if (num_items < 0) fail("plackett-luce: num_items must be >= 0, got {}", num_items);
  std::vector<size_t> seen_in(static_cast<size_t>(num_items), static_cast<size_t>(-1));
  for (size_t j = 0; j < rankings.size(); ++j) {
    const Ranking& r = rankings[j];
    if (r.order.empty()) fail("plackett-luce: ranking {} has no ranked items", j);
    if (r.order.size() + r.unranked.size() < 2) {
      fail("plackett-luce: ranking {} has fewer than two items", j);
    }
    if (!(r.weight > 0.0) || !std::isfinite(r.weight)) {
      fail("plackett-luce: ranking {} has weight {}, need finite and > 0", j, r.weight);
    }
    for (const auto* list : {&r.order, &r.unranked}) {
      for (int32_t item : *list) {
        if (item < 0 || item >= num_items) {
          fail("plackett-luce: ranking {} has item {} outside [0, {})", j, item, num_items);
        }
        auto& last = seen_in[static_cast<size_t>(item)];
        if (last == j) fail("plackett-luce: ranking {} lists item {} twice", j, item);
        last = j;
      }
    }
  }
}

// Items reachable from item 0 along edges (forward or reversed) of the "ranked above" graph,
// represented by the equivalent chain r_1 -> r_2 -> ... -> r_m -> each unranked item.
std::vector<char> reachable(int num_items, const std::vector<Ranking>& rankings, bool reverse) {
  const auto n = static_cast<size_t>(num_items);
  std::vector<std::vector<int32_t>> adj(n);
  auto edge = [&](int32_t from, int32_t to) {
    if (reverse) std::swap(from, to);
    adj[static_cast<size_t>(from)].push_back(to);
  };
  for (const Ranking& r : rankings) {
    for (size_t k = 0; k + 1 < r.order.size(); ++k) edge(r.order[k], r.order[k + 1]);
    for (int32_t u : r.unranked) edge(r.order.back(), u);
  }
  std::vector<char> seen(n, 0);
  std::vector<int32_t> stack = {0};
  seen[0] = 1;
  while (!stack.empty()) {
    const int32_t v = stack.back();
    stack.pop_back();
    for (int32_t w : adj[static_cast<size_t>(v)]) {
      if (!seen[static_cast<size_t>(w)]) {
        seen[static_cast<size_t>(w)] = 1;
        stack.push_back(w);
      }
    }
  }
  return seen;
}

// Log-likelihood at worths pi (not logs) whose logs are log_pi.
double log_likelihood_at(const std::vector<Ranking>& rankings, const std::vector<double>& log_pi,
                         const std::vector<double>& pi) {
  double total = 0.0;
  for (const Ranking& r : rankings) {
    double denom = 0.0;
    for (int32_t u : r.unranked) denom += pi[static_cast<size_t>(u)];
    const size_t m = r.order.size();
    double term = 0.0;
    for (size_t k = m; k-- > 0;) {
      const auto item = static_cast<size_t>(r.order[k]);
      denom += pi[item];
      if (m - k + r.unranked.size() > 1) term += log_pi[item] - std::log(denom);
    }
    total += r.weight * term;
  }
  return total;
}

}  // namespace

double plackett_luce_log_likelihood(int num_items, const std::vector<Ranking>& rankings,
                                    const std::vector<double>& log_pi) {
  validate(num_items, rankings);
  VALOR_CHECK(log_pi.size() == static_cast<size_t>(num_items));
  std::vector<double> pi(log_pi.size());
  for (size_t i = 0; i < pi.size(); ++i) pi[i] = std::exp(log_pi[i]);
  return log_likelihood_at(rankings, log_pi, pi);
}

PlFit fit_plackett_luce_mm(int num_items, const std::vector<Ranking>& rankings,
                           const PlOptions& options) {
  validate(num_items, rankings);
  const bool prior = options.prior_shape != 0.0;
  if (prior && !(options.prior_shape > 1.0 && std::isfinite(options.prior_shape))) {
    fail("plackett-luce: prior_shape must be 0 or finite and > 1, got {}", options.prior_shape);
  }
  if (options.max_iterations < 1) fail("plackett-luce: max_iterations must be >= 1");
  if (!(options.tolerance > 0.0)) fail("plackett-luce: tolerance must be > 0");
  const auto n = static_cast<size_t>(num_items);
  PlFit fit;
  if (n == 0) {
    fit.converged = true;
    return fit;
  }

  // W_i: weighted number of non-trivial stages won.
  std::vector<double> wins(n, 0.0);
  for (const Ranking& r : rankings) {
    const size_t m = r.order.size();
    for (size_t k = 0; k < m; ++k) {
      if (m - k + r.unranked.size() > 1) wins[static_cast<size_t>(r.order[k])] += r.weight;
    }
  }
  if (!prior) {
    for (size_t i = 0; i < n; ++i) {
      if (wins[i] == 0.0) {
        fail(
            "plackett-luce: item {} is never ranked above another item, so its maximum-likelihood "
            "worth is 0 (use a prior)",
            i);
      }
    }
    const auto forward = reachable(num_items, rankings, false);
    const auto backward = reachable(num_items, rankings, true);
    for (size_t i = 0; i < n; ++i) {
      if (!forward[i] || !backward[i]) {
        fail(
            "plackett-luce: the 'ranked above' graph is not strongly connected (item {} vs item "
            "0), so the maximum-likelihood estimate is not finite (use a prior)",
            i);
      }
    }
  }

  const double a1 = prior ? options.prior_shape - 1.0 : 0.0;
  std::vector<double> log_pi(n, 0.0);
  std::vector<double> pi(n, 1.0);
  std::vector<double> denom(n);
  std::vector<double> suffix;
  auto objective = [&]() {
    double value = log_likelihood_at(rankings, log_pi, pi);
    for (size_t i = 0; i < n && prior; ++i) value += a1 * (log_pi[i] - pi[i]);
    return value;
  };
  if (options.record_history) fit.log_likelihood_history.push_back(objective());

  int iter = 0;
  while (iter < options.max_iterations) {
    ++iter;
    std::fill(denom.begin(), denom.end(), 0.0);
    for (const Ranking& r : rankings) {
      const size_t m = r.order.size();
      const size_t u = r.unranked.size();
      double unranked_sum = 0.0;
      for (int32_t item : r.unranked) unranked_sum += pi[static_cast<size_t>(item)];
      suffix.assign(m, 0.0);
      double acc = unranked_sum;
      for (size_t k = m; k-- > 0;) {
        acc += pi[static_cast<size_t>(r.order[k])];
        suffix[k] = acc;
      }
      double cum = 0.0;  // sum over non-trivial stages t <= k of weight / S_t
      for (size_t k = 0; k < m; ++k) {
        if (m - k + u > 1) cum += r.weight / suffix[k];
        denom[static_cast<size_t>(r.order[k])] += cum;
      }
      for (int32_t item : r.unranked) denom[static_cast<size_t>(item)] += cum;
    }
    std::vector<double> next(n);
    for (size_t i = 0; i < n; ++i) next[i] = std::log((wins[i] + a1) / (denom[i] + a1));
    if (!prior) {
      double mean = 0.0;
      for (double v : next) mean += v;
      mean /= static_cast<double>(n);
      for (double& v : next) v -= mean;
    }
    double change = 0.0;
    for (size_t i = 0; i < n; ++i) {
      change = std::max(change, std::abs(next[i] - log_pi[i]));
      log_pi[i] = next[i];
      pi[i] = std::exp(next[i]);
    }
    if (options.record_history) fit.log_likelihood_history.push_back(objective());
    if (change < options.tolerance) {
      fit.converged = true;
      break;
    }
  }
  fit.iterations = iter;

  // Identify by mean(log pi) = 0 (a no-op without a prior); the likelihood is scale invariant.
  double mean = 0.0;
  for (double v : log_pi) mean += v;
  mean /= static_cast<double>(n);
  for (size_t i = 0; i < n; ++i) {
    log_pi[i] -= mean;
    pi[i] = std::exp(log_pi[i]);
  }
  fit.log_likelihood = log_likelihood_at(rankings, log_pi, pi);
  fit.log_pi = std::move(log_pi);
  return fit;
}

}  // namespace valor::rank
