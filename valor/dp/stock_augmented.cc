#include "valor/dp/stock_augmented.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <queue>
#include <string>

#include "valor/core/error.h"
#include "valor/core/random.h"

namespace valor::dp {
namespace {

constexpr double kMaxAbsReward = 1 << 20;
// |stock| stays below this (H max |r| < 2^30), so c + r never overflows an int.
constexpr int64_t kMaxAbsStock = int64_t{1} << 30;

void check_alpha(double alpha) {
  if (!(alpha > 0.0 && alpha <= 1.0)) fail("CVaR level alpha must be in (0, 1], got {}", alpha);
}

// The model with integer rewards, flattened: the outcomes of positive probability of (s, a) are
// entries [row_start[s * A + a], row_start[s * A + a + 1]) in their stored order.
struct IntegerModel {
  int num_states = 0;
  int num_actions = 0;
  std::vector<int> row_start;
  std::vector<int> next_state;
  std::vector<double> probability;
  std::vector<int> reward;
  // Outcomes of all actions of s: row_start[(s + 1) * A] - row_start[s * A].
  int outcomes(int s) const {
    return row_start[static_cast<size_t>(s + 1) * static_cast<size_t>(num_actions)] -
           row_start[static_cast<size_t>(s) * static_cast<size_t>(num_actions)];
  }
};

IntegerModel integer_model(const TabularMdp& mdp, int horizon) {
  mdp.validate();
  if (horizon < 1)
    fail("stock augmentation on {}: horizon must be >= 1, got {}", mdp.name, horizon);
  IntegerModel m;
  m.num_states = mdp.num_states;
  m.num_actions = mdp.num_actions;
  m.row_start.push_back(0);
  double max_abs = 0.0;
  for (int s = 0; s < mdp.num_states; ++s) {
    for (int a = 0; a < mdp.num_actions; ++a) {
      for (const auto& tr : mdp.row(s, a)) {
        if (mdp.terminal[static_cast<size_t>(s)]) continue;  // never left: no outcome
        if (tr.reward != std::round(tr.reward) || std::fabs(tr.reward) > kMaxAbsReward) {
          fail(
              "stock augmentation on {} needs integer rewards with |r| <= 2^20: state {}, action "
              "{} has reward {}",
              mdp.name, mdp.state_name(s), mdp.action_name(a), tr.reward);
        }
        if (tr.probability == 0.0) continue;
        max_abs = std::max(max_abs, std::fabs(tr.reward));
        m.next_state.push_back(tr.next_state);
        m.probability.push_back(tr.probability);
        m.reward.push_back(static_cast<int>(tr.reward));
      }
      m.row_start.push_back(static_cast<int>(m.next_state.size()));
    }
  }
  if (max_abs * static_cast<double>(horizon) >= static_cast<double>(kMaxAbsStock)) {
    fail(
        "stock augmentation on {}: rewards up to {} in absolute value over a horizon of {} give "
        "stocks beyond 2^30; lower the horizon",
        mdp.name, max_abs, horizon);
  }
  return m;
}

// The reachable augmented states and attainable returns (see the header), with each triple's
// successors: for triple (t, s, c), for each action, for each outcome (s', r) of positive
// probability, the index of (t + 1, s', c + r) within layer t + 1 (>= 0), or -(1 + k) when the
// episode ends there (s' terminal, or t + 1 = H) with return returns[k].
struct Reachable {
  int horizon = 0;
  int num_states = 0;
  std::vector<int64_t> start;  // as StockPolicy::start
  std::vector<int> stocks;
  std::vector<int> returns;  // ascending
  std::vector<int32_t> successor;
  std::vector<int64_t> successor_layer_start;  // where layer t's successors begin; H + 1 entries
  int64_t max_layer = 0;                       // triples in the largest layer
  int64_t bytes = 0;

  int64_t layer_begin(int t) const {
    return start[static_cast<size_t>(t) * static_cast<size_t>(num_states)];
  }
};

std::string mib(int64_t bytes) {
  return fmt::format("{:.1f} MiB", static_cast<double>(bytes) / (1024.0 * 1024.0));
}

// The forward pass, then the successor table. Stops with valor::Error once the tables would
// exceed limits.max_bytes; nothing larger than the triples found so far is allocated before.
Reachable reach(const TabularMdp& mdp, const IntegerModel& m, int horizon,
                const StockLimits& limits) {
  const int S = m.num_states;
  const int A = m.num_actions;
  Reachable r;
  r.horizon = horizon;
  r.num_states = S;
  r.start.reserve(static_cast<size_t>(horizon) * static_cast<size_t>(S) + 1);
  std::vector<std::vector<int>> layer(static_cast<size_t>(S)), next(static_cast<size_t>(S));
  for (int s = 0; s < S; ++s) {
    if (mdp.initial_distribution[static_cast<size_t>(s)] > 0.0) layer[static_cast<size_t>(s)] = {0};
  }
  int64_t triple_bytes = 0;  // stock, action and successors of the triples so far
  const auto sort_unique = [](std::vector<int>& v) {
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
  };
  for (int t = 0; t < horizon; ++t) {
    int64_t in_layer = 0;
    for (int s = 0; s < S; ++s) {
      const auto& cs = layer[static_cast<size_t>(s)];
      r.start.push_back(static_cast<int64_t>(r.stocks.size()));
      r.stocks.insert(r.stocks.end(), cs.begin(), cs.end());
      in_layer += static_cast<int64_t>(cs.size());
      triple_bytes += static_cast<int64_t>(cs.size()) * (8 + 4 * int64_t{m.outcomes(s)});
    }
    r.max_layer = std::max(r.max_layer, in_layer);
    r.bytes = triple_bytes + 16 * r.max_layer + 4 * static_cast<int64_t>(r.returns.size());
    if (r.bytes > limits.max_bytes) {
      fail(
          "stock augmentation on {} with horizon {}: the first {} steps already have {} reachable "
          "(step, state, stock) triples, whose tables need {} (more than the limit of {}); lower "
          "the horizon, or raise the limit",
          mdp.name, horizon, t + 1, r.stocks.size(), mib(r.bytes), mib(limits.max_bytes));
    }
    for (auto& v : next) v.clear();
    for (int s = 0; s < S; ++s) {
      for (int c : layer[static_cast<size_t>(s)]) {
        for (int k = m.row_start[static_cast<size_t>(s) * static_cast<size_t>(A)];
             k < m.row_start[static_cast<size_t>(s + 1) * static_cast<size_t>(A)]; ++k) {
          const int s2 = m.next_state[static_cast<size_t>(k)];
          const int c2 = c + m.reward[static_cast<size_t>(k)];
          if (t + 1 == horizon || mdp.terminal[static_cast<size_t>(s2)]) {
            r.returns.push_back(c2);
          } else {
            next[static_cast<size_t>(s2)].push_back(c2);
          }
        }
      }
    }
    for (auto& v : next) sort_unique(v);
    sort_unique(r.returns);
    layer.swap(next);
  }
  r.start.push_back(static_cast<int64_t>(r.stocks.size()));

  // Successors, by binary search in the sorted stocks of the target (t + 1, s') and in returns.
  r.successor.reserve(
      static_cast<size_t>((triple_bytes - 8 * static_cast<int64_t>(r.stocks.size())) / 4));
  for (int t = 0; t < horizon; ++t) {
    r.successor_layer_start.push_back(static_cast<int64_t>(r.successor.size()));
    const int64_t next_begin = t + 1 < horizon ? r.layer_begin(t + 1) : 0;
    for (int s = 0; s < S; ++s) {
      const size_t ts = static_cast<size_t>(t) * static_cast<size_t>(S) + static_cast<size_t>(s);
      for (int64_t i = r.start[ts]; i < r.start[ts + 1]; ++i) {
        const int c = r.stocks[static_cast<size_t>(i)];
        for (int k = m.row_start[static_cast<size_t>(s) * static_cast<size_t>(A)];
             k < m.row_start[static_cast<size_t>(s + 1) * static_cast<size_t>(A)]; ++k) {
          const int s2 = m.next_state[static_cast<size_t>(k)];
          const int c2 = c + m.reward[static_cast<size_t>(k)];
          if (t + 1 == horizon || mdp.terminal[static_cast<size_t>(s2)]) {
            const auto it = std::lower_bound(r.returns.begin(), r.returns.end(), c2);
            r.successor.push_back(-1 - static_cast<int32_t>(it - r.returns.begin()));
          } else {
            const size_t ts2 =
                ts + static_cast<size_t>(S) - static_cast<size_t>(s) + static_cast<size_t>(s2);
            const auto first = r.stocks.begin() + r.start[ts2];
            const auto it = std::lower_bound(first, r.stocks.begin() + r.start[ts2 + 1], c2);
            r.successor.push_back(static_cast<int32_t>(it - r.stocks.begin() - next_begin));
          }
        }
      }
    }
  }
  r.successor_layer_start.push_back(static_cast<int64_t>(r.successor.size()));
  return r;
}

// Backward induction over the reachable triples for the terminal values `utility` (one per
// attainable return); `cur` and `next` hold one layer each. Writes the greedy actions (ties to
// the lowest) into `actions` when it is not empty. Returns the value from the initial distribution.
double backward_induction(const TabularMdp& mdp, const IntegerModel& m, const Reachable& r,
                          const std::vector<double>& utility, std::vector<double>& cur,
                          std::vector<double>& next, std::vector<int>& actions) {
  const int S = m.num_states;
  const int A = m.num_actions;
  const bool record = !actions.empty();
  for (int t = r.horizon - 1; t >= 0; --t) {
    const int64_t begin = r.layer_begin(t);
    const int32_t* succ = r.successor.data() + r.successor_layer_start[static_cast<size_t>(t)];
    for (int s = 0; s < S; ++s) {
      const size_t ts = static_cast<size_t>(t) * static_cast<size_t>(S) + static_cast<size_t>(s);
      const size_t row0 = static_cast<size_t>(s) * static_cast<size_t>(A);
      for (int64_t i = r.start[ts]; i < r.start[ts + 1]; ++i) {
        double best = -std::numeric_limits<double>::infinity();
        int best_a = 0;
        for (int a = 0; a < A; ++a) {
          double q = 0.0;
          for (int k = m.row_start[row0 + static_cast<size_t>(a)];
               k < m.row_start[row0 + static_cast<size_t>(a) + 1]; ++k) {
            const int32_t code = *succ++;
            q += m.probability[static_cast<size_t>(k)] *
                 (code >= 0 ? next[static_cast<size_t>(code)]
                            : utility[static_cast<size_t>(-1 - code)]);
          }
          if (q > best) {
            best = q;
            best_a = a;
          }
        }
        cur[static_cast<size_t>(i - begin)] = best;
        if (record) actions[static_cast<size_t>(i)] = best_a;
      }
    }
    std::swap(cur, next);
  }
  // Layer 0 holds (0, s, 0) for the initial states, one triple each, in state order.
  double value = 0.0;
  for (int s = 0; s < S; ++s) {
    const double p = mdp.initial_distribution[static_cast<size_t>(s)];
    if (p != 0.0) value += p * next[static_cast<size_t>(r.start[static_cast<size_t>(s)])];
  }
  return value;
}

StockPolicy empty_policy(const TabularMdp& mdp, const Reachable& r) {
  StockPolicy policy;
  policy.horizon = r.horizon;
  policy.num_states = mdp.num_states;
  policy.num_actions = mdp.num_actions;
  policy.start = r.start;
  policy.stocks = r.stocks;
  policy.actions.assign(r.stocks.size(), 0);
  return policy;
}

void check_policy(const TabularMdp& mdp, const StockPolicy& policy) {
  const size_t cells =
      static_cast<size_t>(std::max(policy.horizon, 0)) * static_cast<size_t>(mdp.num_states);
  bool ok = policy.horizon >= 1 && policy.num_states == mdp.num_states &&
            policy.num_actions == mdp.num_actions && policy.start.size() == cells + 1 &&
            policy.start.front() == 0 &&
            policy.start.back() == static_cast<int64_t>(policy.stocks.size()) &&
            policy.actions.size() == policy.stocks.size();
  for (size_t i = 0; ok && i < cells; ++i) {
    ok = policy.start[i] <= policy.start[i + 1] &&
         std::is_sorted(policy.stocks.begin() + policy.start[i],
                        policy.stocks.begin() + policy.start[i + 1]);
  }
  if (!ok) fail("stock policy does not match the MDP {} (sizes or layout differ)", mdp.name);
  for (int a : policy.actions) {
    if (a < 0 || a >= mdp.num_actions) fail("stock policy has an invalid action {}", a);
  }
}

}  // namespace

bool StockPolicy::reachable(int t, int state, int stock) const {
  if (t < 0 || t >= horizon || state < 0 || state >= num_states) return false;
  const size_t ts =
      static_cast<size_t>(t) * static_cast<size_t>(num_states) + static_cast<size_t>(state);
  return std::binary_search(stocks.begin() + start[ts], stocks.begin() + start[ts + 1], stock);
}

int StockPolicy::action(int t, int state, int stock) const {
  if (!reachable(t, state, stock)) {
    fail(
        "stock policy: (t = {}, state = {}, stock = {}) is not one of its reachable augmented "
        "states (horizon {}, {} states)",
        t, state, stock, horizon, num_states);
  }
  const size_t ts =
      static_cast<size_t>(t) * static_cast<size_t>(num_states) + static_cast<size_t>(state);
  const auto first = stocks.begin() + start[ts];
  const auto it = std::lower_bound(first, stocks.begin() + start[ts + 1], stock);
  return actions[static_cast<size_t>(it - stocks.begin())];
}

StockProblemSize stock_problem_size(const TabularMdp& mdp, int horizon, const StockLimits& limits) {
  const IntegerModel m = integer_model(mdp, horizon);
  const Reachable r = reach(mdp, m, horizon, limits);
  return {static_cast<int64_t>(r.stocks.size()), static_cast<int64_t>(r.returns.size()), r.bytes};
}

StockPolicy optimize_expected_utility(const TabularMdp& mdp, const std::function<double(double)>& u,
                                      int horizon, const StockLimits& limits) {
  const IntegerModel m = integer_model(mdp, horizon);
  const Reachable r = reach(mdp, m, horizon, limits);
  std::vector<double> utility(r.returns.size());
  for (size_t k = 0; k < r.returns.size(); ++k) {
    const double g = r.returns[k];
    utility[k] = u(g);
    if (!std::isfinite(utility[k])) {
      fail(
          "expected utility on {}: u({}) = {} is not finite, and {} is a return that some policy "
          "attains within {} steps",
          mdp.name, g, utility[k], g, horizon);
    }
  }
  StockPolicy policy = empty_policy(mdp, r);
  std::vector<double> cur(static_cast<size_t>(r.max_layer)), next(cur.size());
  policy.value = backward_induction(mdp, m, r, utility, cur, next, policy.actions);
  return policy;
}

CvarResult optimize_cvar(const TabularMdp& mdp, double alpha, int horizon,
                         const StockLimits& limits) {
  check_alpha(alpha);
  const IntegerModel m = integer_model(mdp, horizon);
  const Reachable r = reach(mdp, m, horizon, limits);
  // Why the attainable returns suffice as b: for any fixed policy, b -> b - E[(b - G)^+] / alpha
  // is concave and piecewise linear with kinks only at the returns it attains. So between two
  // consecutive attainable returns every policy's objective is affine in b, their supremum over
  // policies is convex there, and its maximum over the interval is at an endpoint (the lowest
  // maximiser too: were an interior b a maximiser, convexity would make the whole stretch to the
  // next return flat). Below the least return the objective is b (increasing); above the greatest
  // it does not increase.
  const int K = static_cast<int>(r.returns.size());
  double max_abs_return = 0.0;
  for (int g : r.returns)
    max_abs_return = std::max(max_abs_return, std::fabs(static_cast<double>(g)));
  // Rounding in the values is far below this; a bound must fall below the best value by more than
  // the slack to prune, so candidates that tie with the best are always evaluated.
  const double slack = 1e-9 * (1.0 + 3.0 * max_abs_return / alpha);

  std::vector<double> utility(static_cast<size_t>(K));
  std::vector<double> cur(static_cast<size_t>(r.max_layer)), next(cur.size());
  std::vector<int> no_actions;
  std::vector<double> value(static_cast<size_t>(K), 0.0);  // E[-(b_i - G)^+] at the optimum
  CvarResult result;
  result.alpha = alpha;
  result.cvar = -std::numeric_limits<double>::infinity();
  result.candidates = K;
  const auto consider = [&](int i) {
    const double bd = r.returns[static_cast<size_t>(i)];
    for (int k = 0; k < K; ++k) {
      utility[static_cast<size_t>(k)] = -std::max(bd - r.returns[static_cast<size_t>(k)], 0.0);
    }
    value[static_cast<size_t>(i)] = backward_induction(mdp, m, r, utility, cur, next, no_actions);
    ++result.evaluated;
    const double objective = bd + value[static_cast<size_t>(i)] / alpha;
    if (objective > result.cvar ||
        (objective == result.cvar && r.returns[static_cast<size_t>(i)] < result.b)) {
      result.cvar = objective;
      result.b = r.returns[static_cast<size_t>(i)];
    }
  };
  struct Interval {
    double bound;
    int lo, hi;  // both evaluated; the candidates strictly between are not (yet)
    bool operator<(const Interval& o) const { return bound < o.bound; }
  };
  std::priority_queue<Interval> open;
  const auto push = [&](int lo, int hi) {
    if (hi - lo < 2) return;
    const double bound =
        r.returns[static_cast<size_t>(hi - 1)] + value[static_cast<size_t>(lo)] / alpha;
    open.push({bound, lo, hi});
  };
  consider(0);
  if (K > 1) consider(K - 1);
  push(0, K - 1);
  while (!open.empty() && open.top().bound >= result.cvar - slack) {
    const Interval in = open.top();
    open.pop();
    const int mid = in.lo + (in.hi - in.lo) / 2;
    consider(mid);
    push(in.lo, mid);
    push(mid, in.hi);
  }
  // The policy of the best b, with its actions.
  result.policy = empty_policy(mdp, r);
  const double bd = result.b;
  for (int k = 0; k < K; ++k) {
    utility[static_cast<size_t>(k)] = -std::max(bd - r.returns[static_cast<size_t>(k)], 0.0);
  }
  result.policy.value = backward_induction(mdp, m, r, utility, cur, next, result.policy.actions);
  return result;
}

value::ReturnDistribution stock_policy_return_pmf(const TabularMdp& mdp,
                                                  const StockPolicy& policy) {
  const IntegerModel m = integer_model(mdp, policy.horizon);
  check_policy(mdp, policy);
  const int S = mdp.num_states;
  const int A = mdp.num_actions;
  std::map<int, double> pmf;
  // mass[i]: probability of being at triple i (not terminated, not capped).
  std::vector<double> mass(policy.stocks.size(), 0.0);
  for (int s = 0; s < S; ++s) {
    const double p = mdp.initial_distribution[static_cast<size_t>(s)];
    if (p > 0.0) mass[static_cast<size_t>(policy.start[static_cast<size_t>(s)])] = p;
  }
  for (int t = 0; t < policy.horizon; ++t) {
    for (int s = 0; s < S; ++s) {
      const size_t ts = static_cast<size_t>(t) * static_cast<size_t>(S) + static_cast<size_t>(s);
      for (int64_t i = policy.start[ts]; i < policy.start[ts + 1]; ++i) {
        const double w = mass[static_cast<size_t>(i)];
        if (w == 0.0) continue;
        const int c = policy.stocks[static_cast<size_t>(i)];
        const size_t row = static_cast<size_t>(s) * static_cast<size_t>(A) +
                           static_cast<size_t>(policy.actions[static_cast<size_t>(i)]);
        for (int k = m.row_start[row]; k < m.row_start[row + 1]; ++k) {
          const int s2 = m.next_state[static_cast<size_t>(k)];
          const int c2 = c + m.reward[static_cast<size_t>(k)];
          const double p = w * m.probability[static_cast<size_t>(k)];
          if (t + 1 == policy.horizon || mdp.terminal[static_cast<size_t>(s2)]) {
            pmf[c2] += p;
            continue;
          }
          const size_t ts2 =
              ts + static_cast<size_t>(S) - static_cast<size_t>(s) + static_cast<size_t>(s2);
          const auto first = policy.stocks.begin() + policy.start[ts2];
          const auto last = policy.stocks.begin() + policy.start[ts2 + 1];
          const auto it = std::lower_bound(first, last, c2);
          if (it == last || *it != c2) {
            fail("stock policy on {}: (t = {}, state = {}, stock = {}) is reachable but missing",
                 mdp.name, t + 1, mdp.state_name(s2), c2);
          }
          mass[static_cast<size_t>(it - policy.stocks.begin())] += p;
        }
      }
    }
  }
  std::vector<double> returns, probabilities;
  for (const auto& [g, p] : pmf) {
    returns.push_back(g);
    probabilities.push_back(p);
  }
  return value::ReturnDistribution(returns, probabilities);
}

double evaluate_stock_policy_cvar(const TabularMdp& mdp, const StockPolicy& policy, double alpha) {
  check_alpha(alpha);
  return stock_policy_return_pmf(mdp, policy).cvar(alpha);
}

std::vector<double> rollout_returns(const TabularMdp& mdp, const StockPolicy& policy, int episodes,
                                    uint64_t seed) {
  integer_model(mdp, policy.horizon);
  check_policy(mdp, policy);
  if (episodes < 0) fail("rollout_returns: episodes must be >= 0, got {}", episodes);
  // Picks an index of `probs` (accessed through p(i), i < n) by inverse CDF; rounding past the
  // end goes to the last entry with positive probability.
  const auto pick = [](double v, size_t n, auto p) {
    double acc = 0.0;
    size_t last = 0;
    for (size_t i = 0; i < n; ++i) {
      const double pi = p(i);
      if (pi <= 0.0) continue;
      acc += pi;
      last = i;
      if (v < acc) return i;
    }
    return last;
  };
  Rng rng(seed);
  std::vector<double> returns;
  returns.reserve(static_cast<size_t>(episodes));
  for (int e = 0; e < episodes; ++e) {
    int s = static_cast<int>(pick(rng.uniform(), mdp.initial_distribution.size(),
                                  [&](size_t i) { return mdp.initial_distribution[i]; }));
    int c = 0;
    for (int t = 0; t < policy.horizon && !mdp.terminal[static_cast<size_t>(s)]; ++t) {
      const auto row = mdp.row(s, policy.action(t, s, c));
      const auto& tr =
          row[pick(rng.uniform(), row.size(), [&](size_t i) { return row[i].probability; })];
      c += static_cast<int>(tr.reward);
      s = tr.next_state;
    }
    returns.push_back(c);
  }
  return returns;
}

}  // namespace valor::dp
