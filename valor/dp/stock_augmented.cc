#include "valor/dp/stock_augmented.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "valor/core/error.h"
#include "valor/core/random.h"

namespace valor::dp {
namespace {

constexpr double kMaxAbsReward = 1 << 20;
constexpr int64_t kMaxTableEntries = int64_t{1} << 28;

// The stock grid of an MDP and horizon: validated and with integer rewards.
struct StockGrid {
  int horizon = 0;
  int lo_step = 0;  // r_lo = min(0, min reward)
  int hi_step = 0;  // r_hi = max(0, max reward)
  int min() const { return horizon * lo_step; }
  int max() const { return horizon * hi_step; }
  int count() const { return max() - min() + 1; }
};

StockGrid make_grid(const TabularMdp& mdp, int horizon) {
  mdp.validate();
  if (horizon < 1)
    fail("stock augmentation on {}: horizon must be >= 1, got {}", mdp.name, horizon);
  double lo = 0.0;
  double hi = 0.0;
  for (int s = 0; s < mdp.num_states; ++s) {
    if (mdp.terminal[static_cast<size_t>(s)]) continue;
    for (int a = 0; a < mdp.num_actions; ++a) {
      for (const auto& tr : mdp.row(s, a)) {
        if (tr.reward != std::round(tr.reward) || std::fabs(tr.reward) > kMaxAbsReward) {
          fail(
              "stock augmentation on {} needs integer rewards with |r| <= 2^20: state {}, action "
              "{} has reward {}",
              mdp.name, mdp.state_name(s), mdp.action_name(a), tr.reward);
        }
        lo = std::min(lo, tr.reward);
        hi = std::max(hi, tr.reward);
      }
    }
  }
  StockGrid grid;
  grid.horizon = horizon;
  grid.lo_step = static_cast<int>(lo);
  grid.hi_step = static_cast<int>(hi);
  const int64_t count =
      static_cast<int64_t>(horizon) * (static_cast<int64_t>(grid.hi_step) - grid.lo_step) + 1;
  const int64_t entries = (static_cast<int64_t>(horizon) + 1) * mdp.num_states * count;
  if (count > std::numeric_limits<int>::max() / 2 || entries > kMaxTableEntries) {
    fail("stock augmentation on {}: the stock grid ({} stocks x {} states x {} steps) is too large",
         mdp.name, count, mdp.num_states, horizon + 1);
  }
  return grid;
}

void check_alpha(double alpha) {
  if (!(alpha > 0.0 && alpha <= 1.0)) fail("CVaR level alpha must be in (0, 1], got {}", alpha);
}

void check_policy(const TabularMdp& mdp, const StockPolicy& policy, const StockGrid& grid) {
  if (policy.num_states != mdp.num_states || policy.num_actions != mdp.num_actions ||
      policy.horizon != grid.horizon || policy.stock_lo_step != grid.lo_step ||
      policy.stock_hi_step != grid.hi_step ||
      policy.actions.size() != static_cast<size_t>(grid.horizon) *
                                   static_cast<size_t>(mdp.num_states) *
                                   static_cast<size_t>(grid.count())) {
    fail("stock policy does not match the MDP {} (sizes or stock grid differ)", mdp.name);
  }
  for (int a : policy.actions) {
    if (a < 0 || a >= mdp.num_actions) fail("stock policy has an invalid action {}", a);
  }
}

}  // namespace

int StockPolicy::action(int t, int state, int stock) const {
  if (t < 0 || t >= horizon || state < 0 || state >= num_states || stock < t * stock_lo_step ||
      stock > t * stock_hi_step) {
    fail(
        "stock policy: (t = {}, state = {}, stock = {}) is outside its domain (horizon {}, {} "
        "states, stock at step t in [t * {}, t * {}])",
        t, state, stock, horizon, num_states, stock_lo_step, stock_hi_step);
  }
  return actions[(static_cast<size_t>(t) * static_cast<size_t>(num_states) +
                  static_cast<size_t>(state)) *
                     static_cast<size_t>(stock_count()) +
                 static_cast<size_t>(stock - stock_min())];
}

StockPolicy optimize_expected_utility(const TabularMdp& mdp, const std::function<double(double)>& u,
                                      int horizon) {
  const StockGrid grid = make_grid(mdp, horizon);
  const int S = mdp.num_states;
  const int C = grid.count();
  const int cmin = grid.min();
  const auto idx = [C](int s, int ci) {
    return static_cast<size_t>(s) * static_cast<size_t>(C) + static_cast<size_t>(ci);
  };

  std::vector<double> utility(static_cast<size_t>(C));
  for (int ci = 0; ci < C; ++ci) utility[static_cast<size_t>(ci)] = u(cmin + ci);

  StockPolicy policy;
  policy.horizon = horizon;
  policy.num_states = S;
  policy.num_actions = mdp.num_actions;
  policy.stock_lo_step = grid.lo_step;
  policy.stock_hi_step = grid.hi_step;
  policy.actions.assign(
      static_cast<size_t>(horizon) * static_cast<size_t>(S) * static_cast<size_t>(C), 0);

  // next = V_{t+1}, cur = V_t, each [S * C]; V_H(s, c) = u(c) (the cap rule).
  std::vector<double> next(static_cast<size_t>(S) * static_cast<size_t>(C));
  std::vector<double> cur(next.size());
  for (int s = 0; s < S; ++s) {
    std::copy(utility.begin(), utility.end(),
              next.begin() + static_cast<std::ptrdiff_t>(idx(s, 0)));
  }
  for (int t = horizon - 1; t >= 0; --t) {
    // Only stocks reachable at step t: c in [t r_lo, t r_hi], so c + r stays on the grid of t + 1.
    const int c_lo = t * grid.lo_step;
    const int c_hi = t * grid.hi_step;
    int* acts = policy.actions.data() +
                static_cast<size_t>(t) * static_cast<size_t>(S) * static_cast<size_t>(C);
    for (int s = 0; s < S; ++s) {
      if (mdp.terminal[static_cast<size_t>(s)]) {
        for (int c = c_lo; c <= c_hi; ++c)
          cur[idx(s, c - cmin)] = utility[static_cast<size_t>(c - cmin)];
        continue;
      }
      for (int c = c_lo; c <= c_hi; ++c) {
        double best = -std::numeric_limits<double>::infinity();
        int best_a = 0;
        for (int a = 0; a < mdp.num_actions; ++a) {
          double q = 0.0;
          for (const auto& tr : mdp.row(s, a)) {
            if (tr.probability == 0.0) continue;
            const int c2 = c + static_cast<int>(tr.reward);
            q += tr.probability * next[idx(tr.next_state, c2 - cmin)];
          }
          if (q > best) {
            best = q;
            best_a = a;
          }
        }
        cur[idx(s, c - cmin)] = best;
        acts[idx(s, c - cmin)] = best_a;
      }
    }
    std::swap(cur, next);
  }
  double value = 0.0;
  for (int s = 0; s < S; ++s) {
    const double p = mdp.initial_distribution[static_cast<size_t>(s)];
    if (p != 0.0) value += p * next[idx(s, -cmin)];
  }
  policy.value = value;
  return policy;
}

CvarResult optimize_cvar(const TabularMdp& mdp, double alpha, int horizon) {
  check_alpha(alpha);
  const StockGrid grid = make_grid(mdp, horizon);
  // Why integer b suffice: for any fixed policy, b -> b - E[(b - G)^+] / alpha is concave and
  // piecewise linear with kinks only at attainable returns, which are integers. So on each
  // interval [k, k + 1] every policy's objective is affine in b, their supremum over policies is
  // convex there, and it attains its maximum over the interval at an endpoint: the maximum over
  // real b is attained at an integer. Moreover G lies in [min, max] of the stock grid at H; below
  // it the objective is b (increasing), above it b (1 - 1/alpha) + E[G]/alpha (non-increasing), so
  // b in [grid.min(), grid.max()] suffices.
  CvarResult result;
  result.alpha = alpha;
  result.cvar = -std::numeric_limits<double>::infinity();
  for (int b = grid.min(); b <= grid.max(); ++b) {
    const double bd = b;
    StockPolicy policy = optimize_expected_utility(
        mdp, [bd](double c) { return -std::max(bd - c, 0.0); }, horizon);
    const double value = bd + policy.value / alpha;
    if (value > result.cvar) {
      result.cvar = value;
      result.b = b;
      result.policy = std::move(policy);
    }
  }
  return result;
}

value::ReturnDistribution stock_policy_return_pmf(const TabularMdp& mdp,
                                                  const StockPolicy& policy) {
  const StockGrid grid = make_grid(mdp, policy.horizon);
  check_policy(mdp, policy, grid);
  const int S = mdp.num_states;
  const int C = grid.count();
  const int cmin = grid.min();
  const auto idx = [C](int s, int ci) {
    return static_cast<size_t>(s) * static_cast<size_t>(C) + static_cast<size_t>(ci);
  };
  // probabilities[k]: P(G = cmin + k).
  std::vector<double> probabilities(static_cast<size_t>(C), 0.0);
  // mass[s, c]: probability of being at (t, s, c) without having terminated or been capped.
  std::vector<double> mass(static_cast<size_t>(S) * static_cast<size_t>(C), 0.0);
  std::vector<double> next_mass(mass.size());
  for (int s = 0; s < S; ++s)
    mass[idx(s, -cmin)] = mdp.initial_distribution[static_cast<size_t>(s)];
  for (int t = 0; t < policy.horizon; ++t) {
    std::fill(next_mass.begin(), next_mass.end(), 0.0);
    for (int s = 0; s < S; ++s) {
      for (int c = t * grid.lo_step; c <= t * grid.hi_step; ++c) {
        const double m = mass[idx(s, c - cmin)];
        if (m == 0.0) continue;
        for (const auto& tr : mdp.row(s, policy.action(t, s, c))) {
          const int c2 = c + static_cast<int>(tr.reward);
          if (mdp.terminal[static_cast<size_t>(tr.next_state)]) {
            probabilities[static_cast<size_t>(c2 - cmin)] += m * tr.probability;
          } else {
            next_mass[idx(tr.next_state, c2 - cmin)] += m * tr.probability;
          }
        }
      }
    }
    std::swap(mass, next_mass);
  }
  // The cap: what is left after H steps is stopped with its stock.
  for (int s = 0; s < S; ++s) {
    for (int ci = 0; ci < C; ++ci) probabilities[static_cast<size_t>(ci)] += mass[idx(s, ci)];
  }
  std::vector<double> returns(static_cast<size_t>(C));
  for (int ci = 0; ci < C; ++ci) returns[static_cast<size_t>(ci)] = cmin + ci;
  return value::ReturnDistribution(returns, probabilities);
}

double evaluate_stock_policy_cvar(const TabularMdp& mdp, const StockPolicy& policy, double alpha) {
  check_alpha(alpha);
  return stock_policy_return_pmf(mdp, policy).cvar(alpha);
}

std::vector<double> rollout_returns(const TabularMdp& mdp, const StockPolicy& policy, int episodes,
                                    uint64_t seed) {
  const StockGrid grid = make_grid(mdp, policy.horizon);
  check_policy(mdp, policy, grid);
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
