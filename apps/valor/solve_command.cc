#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "apps/valor/commands.h"
#include "valor/core/atomic_file.h"
#include "valor/core/error.h"
#include "valor/dp/distributional.h"
#include "valor/dp/solve.h"
#include "valor/dp/stock_augmented.h"
#include "valor/dp/tabular_td.h"
#include "valor/dp/utility_expression.h"
#include "valor/env/gridworld.h"
#include "valor/env/registry.h"
#include "valor/run/metrics.h"
#include "valor/run/plot.h"
#include "valor/run/run_dir.h"
#include "valor/value/return_distribution.h"
#include "valor/value/support.h"
#include "valor/value/value_head.h"

namespace valor::app {
namespace {

struct SolveArgs {
  std::string spec;
  double gamma = 0.99;
  std::string objective = "mean";
  std::string format = "text";
  double epsilon = 1e-10;
  int horizon = 100;
  bool no_distribution = false;
  int64_t max_memory_mib = 4096;
  env::GridworldOverrides grid;
};

// Bounds on the optional summary (the return distribution of the greedy policy), so that it never
// takes much longer than the answer: atom projections of the categorical fixed point (about 2 ns
// each here, so ~5 s), its two tables of states x atoms doubles, and updates of the exact pmf's
// (state, return) table (~100 ns each with std::map, so ~5 s).
constexpr double kSummaryMaxProjections = 2e9;
constexpr int64_t kSummaryMaxBytes = int64_t{256} << 20;
constexpr int64_t kSummaryMaxUpdates = 50000000;

// The atoms of the categorical return distribution printed for gamma < 1.
constexpr int kCategoricalAtoms = 401;

// The return distribution of a policy from the initial distribution, as `solve` prints it.
struct Returns {
  std::optional<value::ReturnDistribution> law;  // none when no episode ends within the horizon
  double unfinished = 0;  // mass of episodes not ended within the horizon (exact pmf only)
  std::string method;
  std::string not_computed;  // why there is no law, when it could not be computed
};

// Exact (integer rewards, gamma 1), otherwise the categorical fixed point on a support covering
// every return; within the bounds above, else `not_computed` says why.
Returns return_distribution(const env::TabularMdp& mdp, const dp::Policy& policy, double gamma,
                            int horizon) {
  Returns r;
  try {
    if (gamma == 1.0) {
      const dp::ExactReturnPmf pmf =
          dp::exact_return_distribution_from_initial(mdp, policy, horizon, kSummaryMaxUpdates);
      r.unfinished = pmf.unfinished_mass;
      if (r.unfinished < 1.0 - 1e-12) r.law = pmf.finished_distribution();
      r.method = fmt::format("exact pmf over {} steps", horizon);
      return r;
    }
    const int64_t bytes = 2 * static_cast<int64_t>(mdp.num_states) * kCategoricalAtoms * 8;
    if (bytes > kSummaryMaxBytes) {
      r.not_computed = fmt::format(
          "the categorical fixed point needs {} MiB for {} states x {} atoms, more than the {} "
          "MiB allowed to this summary",
          bytes >> 20, mdp.num_states, kCategoricalAtoms, kSummaryMaxBytes >> 20);
      return r;
    }
    double per_iteration = 0;
    for (int s = 0; s < mdp.num_states; ++s) {
      if (mdp.terminal[static_cast<size_t>(s)]) continue;
      per_iteration += static_cast<double>(mdp.row(s, policy[static_cast<size_t>(s)]).size());
    }
    per_iteration = std::max(per_iteration, 1.0) * kCategoricalAtoms;
    const int max_iterations =
        static_cast<int>(std::min(100000.0, std::floor(kSummaryMaxProjections / per_iteration)));
    if (max_iterations < dp::kCategoricalRateWindow) {
      r.not_computed = fmt::format(
          "one iteration of the categorical fixed point takes {:.3g} atom projections, and this "
          "summary allows {:.3g} in all",
          per_iteration, kSummaryMaxProjections);
      return r;
    }
    const dp::ReturnBounds b = dp::discounted_return_bounds(mdp, gamma);
    const value::AtomSupport support(b.lo, b.hi, kCategoricalAtoms);
    r.law = dp::categorical_return_distribution(mdp, policy, gamma, support, max_iterations);
    r.method = fmt::format("categorical fixed point, {} atoms on [{:.4g}, {:.4g}]",
                           kCategoricalAtoms, b.lo, b.hi);
  } catch (const Error& e) {
    r.law.reset();
    r.not_computed = e.what();
  }
  return r;
}

// "cvar:0.1" -> 0.1; valor::Error for anything but mean / cvar:ALPHA.
double parse_cvar_objective(const std::string& objective) {
  if (objective.rfind("cvar:", 0) != 0) {
    fail("--objective {}: accepted: mean, cvar:ALPHA with ALPHA in (0, 1], utility:EXPR",
         objective);
  }
  const std::string text = objective.substr(5);
  char* end = nullptr;
  const double alpha = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || !(alpha > 0 && alpha <= 1)) {
    fail("--objective {}: ALPHA must be a number in (0, 1]", objective);
  }
  return alpha;
}

const char* arrow(int action) {
  switch (action) {
    case env::kGridworldUp:
      return "^";
    case env::kGridworldRight:
      return ">";
    case env::kGridworldDown:
      return "v";
    case env::kGridworldLeft:
      return "<";
  }
  return "?";
}

// The gridworld picture twice: values in the cells, then the greedy action as an arrow; terminal
// cells show their letter.
void print_grid(const env::TabularMdp& mdp, const std::vector<double>& v,
                const dp::Policy& policy) {
  const auto& pic = mdp.picture;
  std::vector<std::vector<int>> state_at(pic.size());
  for (size_t r = 0; r < pic.size(); ++r) state_at[r].assign(pic[r].size(), -1);
  for (size_t s = 0; s < mdp.state_cells.size(); ++s) {
    state_at[static_cast<size_t>(mdp.state_cells[s][0])]
            [static_cast<size_t>(mdp.state_cells[s][1])] = static_cast<int>(s);
  }
  fmt::print("V*:\n");
  for (size_t r = 0; r < pic.size(); ++r) {
    for (size_t c = 0; c < pic[r].size(); ++c) {
      const int s = state_at[r][c];
      if (s < 0) {
        fmt::print(" {:>8}", std::string(1, pic[r][c]));
      } else if (std::isnan(v[static_cast<size_t>(s)])) {
        fmt::print(" {:>8}", "unreach");
      } else {
        fmt::print(" {:>8.3f}", v[static_cast<size_t>(s)]);
      }
    }
    fmt::print("\n");
  }
  fmt::print("greedy policy:\n");
  for (size_t r = 0; r < pic.size(); ++r) {
    fmt::print(" ");
    for (size_t c = 0; c < pic[r].size(); ++c) {
      const int s = state_at[r][c];
      if (s >= 0 && policy[static_cast<size_t>(s)] < 0) {
        fmt::print("x");  // unreachable
      } else if (s < 0 || mdp.terminal[static_cast<size_t>(s)]) {
        fmt::print("{}", pic[r][c] == '.' ? '?' : pic[r][c]);
      } else {
        fmt::print("{}", arrow(policy[static_cast<size_t>(s)]));
      }
    }
    fmt::print("\n");
  }
}

// The decision after one step in each state for each reachable stock: how it depends on c
// ("-" where that state cannot be reached with that stock).
void print_stock_actions(const env::TabularMdp& mdp, const dp::StockPolicy& policy) {
  const int t = std::min(1, policy.horizon - 1);
  const size_t S = static_cast<size_t>(mdp.num_states);
  const size_t first = static_cast<size_t>(t) * S;
  std::vector<int> stocks(policy.stocks.begin() + policy.start[first],
                          policy.stocks.begin() + policy.start[first + S]);
  std::sort(stocks.begin(), stocks.end());
  stocks.erase(std::unique(stocks.begin(), stocks.end()), stocks.end());
  fmt::print("action at t = {} by state and stock c (reachable stocks only):\n{:>12}", t,
             "state \\ c");
  for (int c : stocks) fmt::print(" {:>6}", c);
  fmt::print("\n");
  for (int s = 0; s < mdp.num_states; ++s) {
    if (policy.start[first + static_cast<size_t>(s)] ==
        policy.start[first + static_cast<size_t>(s) + 1]) {
      continue;  // terminal, or not reachable at step t
    }
    fmt::print("{:>12}", mdp.state_name(s));
    for (int c : stocks) {
      fmt::print(" {:>6}", policy.reachable(t, s, c) ? mdp.action_name(policy.action(t, s, c))
                                                     : std::string("-"));
    }
    fmt::print("\n");
  }
}

// The layout of a stock policy in the JSON of `valor solve` (docs/dp.md).
constexpr const char* kStockPolicyLayout =
    "the action at step t (0 <= t < horizon) in state s with stock c (the sum of the rewards so "
    "far) is actions[i] for the i in [start[t * states + s], start[t * states + s + 1]) with "
    "stocks[i] = c; only the (t, s, c) that some policy reaches are listed, by t, then s, then "
    "ascending c";

nlohmann::json stock_policy_json(const dp::StockPolicy& policy) {
  return {{"layout", kStockPolicyLayout}, {"horizon", policy.horizon},
          {"states", policy.num_states},  {"start", policy.start},
          {"stocks", policy.stocks},      {"actions", policy.actions}};
}

dp::StockLimits stock_limits(const SolveArgs& args) {
  dp::StockLimits limits;
  limits.max_bytes = args.max_memory_mib << 20;
  return limits;
}

void print_stock_size(const dp::StockPolicy& policy) {
  fmt::print("solved on the {} reachable (step, state, stock) triples\n", policy.stocks.size());
}

// "utility:EXPR": u(x) of the return x (e.g. "-exp(-0.5*x)"), an expression in x only.
std::function<double(double)> parse_utility(const std::string& objective) {
  try {
    const dp::UtilityExpression u(objective.substr(8));
    return [u, objective](double c) {
      const double value = u(c);
      if (!std::isfinite(value)) {
        fail("--objective {}: u({}) = {} is not finite, and {} is a return that the MDP can reach",
             objective, c, value, c);
      }
      return value;
    };
  } catch (const Error& e) {
    fail("--objective {}: cannot parse the utility: {}", objective, e.what());
  }
}

int solve_utility(const env::TabularMdp& mdp, const SolveArgs& args) {
  const auto u = parse_utility(args.objective);
  if (args.gamma != 1.0) {
    fail("--objective {} optimises the undiscounted return: use --gamma 1 (episodic)",
         args.objective);
  }
  const dp::StockPolicy policy =
      dp::optimize_expected_utility(mdp, u, args.horizon, stock_limits(args));
  if (args.format == "json") {
    nlohmann::json out = {{"spec", args.spec},
                          {"objective", policy.value},
                          {"utility", args.objective.substr(8)},
                          {"horizon", args.horizon},
                          {"policy", stock_policy_json(policy)}};
    fmt::print("{}\n", out.dump(2));
    return 0;
  }
  fmt::print("{}: expected utility E[u(G)] with u(x) = {}, horizon {} (stock augmentation)\n",
             mdp.name, args.objective.substr(8), args.horizon);
  fmt::print("optimal expected utility {:.6g}\n", policy.value);
  print_stock_size(policy);
  print_stock_actions(mdp, policy);
  return 0;
}

int solve_cvar(const env::TabularMdp& mdp, const SolveArgs& args, double alpha) {
  if (args.gamma != 1.0) {
    fail("--objective cvar:{} optimises the undiscounted return: use --gamma 1 (episodic)", alpha);
  }
  const dp::CvarResult r = dp::optimize_cvar(mdp, alpha, args.horizon, stock_limits(args));
  if (args.format == "json") {
    nlohmann::json out = {{"spec", args.spec},
                          {"objective", r.cvar},
                          {"alpha", alpha},
                          {"b", r.b},
                          {"b_candidates", r.candidates},
                          {"b_evaluated", r.evaluated},
                          {"horizon", args.horizon},
                          {"policy", stock_policy_json(r.policy)}};
    fmt::print("{}\n", out.dump(2));
    return 0;
  }
  fmt::print("{}: CVaR_{} of the undiscounted return, horizon {} (stock augmentation)\n", mdp.name,
             alpha, args.horizon);
  fmt::print("optimal CVaR {:.6g} (dual maximiser b = {}, a VaR_{} of the return)\n", r.cvar, r.b,
             alpha);
  print_stock_size(r.policy);
  fmt::print("b searched among the {} attainable returns; {} needed a backward induction\n",
             r.candidates, r.evaluated);
  print_stock_actions(mdp, r.policy);
  return 0;
}

// "(0,1), (0,2) and 3 more".
std::string state_list(const env::TabularMdp& mdp, const std::vector<int>& states) {
  constexpr size_t kNamed = 5;
  std::string out;
  for (size_t i = 0; i < std::min(states.size(), kNamed); ++i) {
    out += fmt::format("{}{}", i == 0 ? "" : ", ", mdp.state_name(states[i]));
  }
  if (states.size() > kNamed) out += fmt::format(" and {} more", states.size() - kNamed);
  return out;
}

// NaN (an unreachable state) as JSON null.
nlohmann::json values_json(const std::vector<double>& v) {
  nlohmann::json out = nlohmann::json::array();
  for (double x : v) out.push_back(std::isnan(x) ? nlohmann::json(nullptr) : nlohmann::json(x));
  return out;
}

nlohmann::json labels_json(const env::TabularMdp& mdp, const std::vector<int>& states) {
  nlohmann::json out = nlohmann::json::array();
  for (int s : states) out.push_back(mdp.state_name(s));
  return out;
}

int solve(const SolveArgs& args) {
  const env::TabularMdp mdp = env::make_tabular_mdp(args.spec, args.grid);
  if (args.objective.rfind("utility:", 0) == 0) return solve_utility(mdp, args);
  if (args.objective != "mean") return solve_cvar(mdp, args, parse_cvar_objective(args.objective));
  const dp::OptimalSolution solution = dp::solve_optimal(mdp, args.gamma, args.epsilon);
  const dp::ValueIterationResult& vi = solution.vi;
  double objective = 0;
  for (size_t s = 0; s < vi.v.size(); ++s) {
    if (mdp.initial_distribution[s] > 0) objective += mdp.initial_distribution[s] * vi.v[s];
  }
  // The summary runs on the states the answer was computed on.
  const auto summary = [&]() -> std::optional<Returns> {
    if (args.no_distribution) return std::nullopt;
    if (solution.unreachable.empty()) {
      return return_distribution(mdp, vi.policy, args.gamma, args.horizon);
    }
    const dp::SubMdp sub = dp::restrict_to_states(mdp, dp::reachable_states(mdp));
    dp::Policy policy;
    for (int s : sub.original) policy.push_back(vi.policy[static_cast<size_t>(s)]);
    return return_distribution(sub.mdp, policy, args.gamma, args.horizon);
  };

  if (args.format == "json") {
    nlohmann::json out = {{"spec", args.spec},       {"gamma", args.gamma},
                          {"objective", objective},  {"values", values_json(vi.v)},
                          {"policy", vi.policy},     {"q", values_json(vi.q)},
                          {"sweeps", vi.sweeps},     {"certified", vi.certified},
                          {"epsilon", args.epsilon}, {"last_change", vi.last_change}};
    if (!solution.unreachable.empty()) {
      out["unreachable_states"] = labels_json(mdp, solution.unreachable);
      out["unreachable_note"] =
          "with gamma = 1 only the states reachable from the initial distribution are solved; "
          "the others have null values and q, and policy -1";
    }
    if (!solution.improper.empty()) {
      out["improper_states"] = labels_json(mdp, solution.improper);
    }
    const std::optional<Returns> returns = summary();
    if (returns && returns->law) {
      out["return_distribution"] = {{"method", returns->method},
                                    {"mean", returns->law->mean()},
                                    {"sd", returns->law->sd()},
                                    {"quantiles",
                                     {{"0.05", returns->law->quantile(0.05)},
                                      {"0.5", returns->law->quantile(0.5)},
                                      {"0.95", returns->law->quantile(0.95)}}},
                                    {"cvar_0.1", returns->law->cvar(0.1)},
                                    {"unfinished_mass", returns->unfinished}};
      if (args.gamma == 1.0) {
        out["return_distribution"]["conditional_on_finishing_within"] = args.horizon;
        out["return_distribution"]["note"] = fmt::format(
            "gamma = 1: mean, sd, quantiles and CVaR are those of the returns of the episodes "
            "that end within {} steps (conditional on finishing); unfinished_mass is the "
            "probability of the others",
            args.horizon);
      }
    } else if (returns) {
      out["return_distribution"] = {
          {"not_computed", !returns->not_computed.empty()
                               ? returns->not_computed
                               : fmt::format("no episode of the greedy policy ends within {} steps",
                                             args.horizon)}};
    }
    fmt::print("{}\n", out.dump(2));
    return 0;
  }
  fmt::print("{}: {} states, {} actions, gamma {}\n", mdp.name, mdp.num_states, mdp.num_actions,
             args.gamma);
  if (!solution.unreachable.empty()) {
    fmt::print(
        "solved on the {} states reachable from the initial distribution; {} unreachable: {}\n",
        mdp.num_states - static_cast<int>(solution.unreachable.size()), solution.unreachable.size(),
        state_list(mdp, solution.unreachable));
  }
  fmt::print("value iteration: {} sweeps, last change {:.3g}; {}\n", vi.sweeps, vi.last_change,
             vi.certified ? fmt::format("the greedy policy is within {:g} of optimal (certified)",
                                        args.epsilon)
                          : "not certified (gamma = 1)");
  if (!mdp.picture.empty()) {
    print_grid(mdp, vi.v, vi.policy);
  } else {
    fmt::print("{:>8} {:>14} {:>10}\n", "state", "V*", "action");
    for (int s = 0; s < mdp.num_states; ++s) {
      const int a = vi.policy[static_cast<size_t>(s)];
      fmt::print("{:>8} {:>14.6g} {:>10}\n", mdp.state_name(s), vi.v[static_cast<size_t>(s)],
                 a < 0 ? std::string("-") : mdp.action_name(a));
    }
  }
  fmt::print("objective (expected return from the initial distribution): {:.6g}\n", objective);
  if (!solution.improper.empty()) {
    fmt::print(
        "note: the greedy policy never reaches a terminal state from {} (ties between optimal "
        "actions at gamma = 1; try gamma < 1 or a step cost)\n",
        state_list(mdp, solution.improper));
  }
  const std::optional<Returns> returns = summary();
  if (!returns) return 0;
  if (!returns->not_computed.empty()) {
    fmt::print("return distribution: not computed: {} (--no-distribution skips it)\n",
               returns->not_computed);
    return 0;
  }
  if (!returns->law) {
    fmt::print(
        "return distribution: no episode of the greedy policy ends within {} steps (with "
        "gamma = 1, ties between optimal actions can make the greedy policy loop; try "
        "gamma < 1 or a longer --horizon)\n",
        args.horizon);
    return 0;
  }
  fmt::print("return distribution of the greedy policy ({}):\n", returns->method);
  fmt::print(
      "  mean {:.6g}  sd {:.6g}  quantiles 5% {:.4g} 25% {:.4g} 50% {:.4g} 75% {:.4g} "
      "95% {:.4g}  CVaR 10% {:.4g}\n",
      returns->law->mean(), returns->law->sd(), returns->law->quantile(0.05),
      returns->law->quantile(0.25), returns->law->quantile(0.5), returns->law->quantile(0.75),
      returns->law->quantile(0.95), returns->law->cvar(0.1));
  if (returns->unfinished > 0) {
    fmt::print(
        "  ({:.3g} of the mass had not ended after {} steps; the figures condition on the "
        "rest)\n",
        returns->unfinished, args.horizon);
  }
  return 0;
}

struct CompareArgs {
  std::string spec;
  std::vector<double> noise = {0.0, 1.0, 3.0};
  int seeds = 5;
  int64_t steps = 100000;
  int64_t log_every = 1000;
  double gamma = 0.9;
  double epsilon = 0.5;
  double scalar_lr = 0.1;
  double categorical_lr = 1.0;
  double v_min = -10, v_max = 10;
  int bins = 51;
  std::string out;
};

// Runs every value head (mse, two_hot, hl_gauss, c51) x noise level x seed (Q-learning), prints the
// table, writes one run folder per (head, noise) with the seed-mean error curve, a PNG per noise
// level and report.md.
int compare_td(const CompareArgs& args) {
  const env::TabularMdp mdp = env::make_tabular_mdp(args.spec);
  dp::CompareTdOptions o;
  o.base.gamma = args.gamma;
  o.base.epsilon = args.epsilon;
  o.base.v_min = args.v_min;
  o.base.v_max = args.v_max;
  o.base.bins = args.bins;
  o.scalar_learning_rate = args.scalar_lr;
  o.categorical_learning_rate = args.categorical_lr;
  o.log_every = args.log_every;
  // The folder of the comparison holds one run folder per cell (no config of its own).
  const auto dir = args.out.empty() ? run::RunDir::create_named("runs", "compare-td", "")
                                    : run::RunDir::create_at(args.out, "");
  fmt::print("compare-td on {}: {} value heads x {} noise levels x {} seeds, {} steps each\n",
             mdp.name, std::size(dp::kCompareTdHeads), args.noise.size(), args.seeds, args.steps);
  const dp::CompareTdReport report = dp::compare_td(mdp, args.noise, args.seeds, args.steps, o);

  std::string table = fmt::format(
      "| head | reward noise sd | final max abs(Q - Q*), mean over {} seeds | sd | min | "
      "max | final mean abs(Q - Q*) |\n|---|---|---|---|---|---|---|\n",
      args.seeds);
  std::map<double, std::vector<std::filesystem::path>> runs_by_noise;
  for (const auto& cell : report.cells) {
    const std::string name(value::head_name(cell.head));
    table += fmt::format("| {} | {} | {:.4f} | {:.4f} | {:.4f} | {:.4f} | {:.4f} |\n", name,
                         cell.noise_sd, cell.mean_final_max_error, cell.sd_final_max_error,
                         cell.min_final_max_error, cell.max_final_max_error,
                         cell.mean_mean_abs_error_curve.back());
    const auto cell_dir = run::RunDir::create_at(
        dir.path() / fmt::format("{}-noise{}", name, cell.noise_sd),
        fmt::format("[td]\nhead = \"{}\"\nnoise = {}\n", name, cell.noise_sd));
    auto metrics = run::MetricsWriter::create(cell_dir.metrics_path(),
                                              {"step", "max_error", "mean_abs_error"});
    for (size_t k = 0; k < report.steps.size(); ++k) {
      const double row[] = {static_cast<double>(report.steps[k]), cell.mean_max_error_curve[k],
                            cell.mean_mean_abs_error_curve[k]};
      metrics.append(row);
    }
    runs_by_noise[cell.noise_sd].push_back(cell_dir.path());
  }
  fmt::print("\n{}", table);
  std::string pngs;
  for (const auto& [noise, runs] : runs_by_noise) {
    run::PlotOptions po;
    po.metric = "max_error";
    po.out = dir.path() / fmt::format("max_error-noise{}.png", noise);
    po.title = fmt::format("{}: max |Q - Q*| (mean of {} seeds), reward noise sd {}", mdp.name,
                           args.seeds, noise);
    try {
      run::plot_runs(runs, po);
      pngs += fmt::format("![noise {}]({})\n", noise, po.out.filename().string());
      fmt::print("plot: {}\n", po.out.string());
    } catch (const std::runtime_error& e) {
      fmt::print("plot skipped: {}\n", e.what());
    }
  }
  const std::string md = fmt::format(
      "# compare-td on {}\n\nTabular Q-learning with each value head against the exact "
      "Q* (value iteration), gamma {}, {} steps, epsilon-greedy behaviour (epsilon {}), learning "
      "rate {} (mse) and {} (categorical, on the logits), support [{}, {}] with {} atoms/bins, "
      "categorical logits starting at value 0, "
      "Gaussian reward noise of the given sd, {} seeds.\nQ* ranges over [{:.4g}, "
      "{:.4g}].\n\n{}\n{}",
      mdp.name, args.gamma, args.steps, o.base.epsilon, args.scalar_lr, args.categorical_lr,
      args.v_min, args.v_max, args.bins, args.seeds, report.q_star_min, report.q_star_max, table,
      pngs);
  write_file_atomically(dir.path() / "report.md", md);
  fmt::print("report: {}\n", (dir.path() / "report.md").string());
  return 0;
}

}  // namespace

void add_solve_command(CLI::App& app, Action& action) {
  auto args = std::make_shared<SolveArgs>();
  auto* command = app.add_subcommand(
      "solve", "Solve a tabular MDP exactly: V*, the greedy policy and the objective");
  command->add_option("spec", args->spec,
                      "A tabular environment (valor env list) or a gridworld map file");
  command->add_option("--gamma", args->gamma, "Discount in [0, 1] (1: episodic)")
      ->check(CLI::Range(0.0, 1.0));
  command->add_option(
      "--objective", args->objective,
      "mean, cvar:ALPHA (alpha in (0, 1]) or utility:EXPR (in x, the return); the last two "
      "need gamma 1 and integer rewards");
  command
      ->add_option("--horizon", args->horizon,
                   "Steps for the exact return distribution and the stock-augmented objectives")
      ->check(CLI::Range(1, 100000));
  command->add_option("--format", args->format, "text or json")
      ->check(CLI::IsMember({"text", "json"}));
  command->add_option("--epsilon", args->epsilon, "Value-iteration accuracy")
      ->check(CLI::Range(1e-15, 1.0));
  command->add_flag("--no-distribution", args->no_distribution,
                    "Skip the return distribution of the greedy policy (objective mean)");
  command
      ->add_option("--max-memory", args->max_memory_mib,
                   "MiB the stock-augmented tables may take (cvar and utility objectives); a "
                   "larger problem is refused before they are allocated")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 30));
  command
      ->add_option("--slip", args->grid.slip,
                   "Gridworlds: slip probability (replaces the map header's or preset's)")
      ->check(CLI::Range(0.0, 1.0));
  command->add_option("--step-reward", args->grid.step_reward, "Gridworlds: reward of a step");
  command->add_option("--goal-reward", args->grid.goal_reward, "Gridworlds: reward of a goal");
  command->add_option("--trap-reward", args->grid.trap_reward, "Gridworlds: reward of a trap");
  command->add_option("--cliff-reward", args->grid.cliff_reward,
                      "Gridworlds: reward of falling off a cliff");
  auto compare = std::make_shared<CompareArgs>();
  auto* cmp = command->add_subcommand(
      "compare-td",
      "Error of tabular Q-learning with scalar, two-hot, HL-Gauss and C51 values "
      "against Q*, per reward-noise level: a table, PNGs and report.md");
  cmp->add_option("spec", compare->spec, "A tabular environment or a gridworld map file")
      ->required();
  cmp->add_option("--noise", compare->noise, "Reward-noise standard deviations, e.g. 0,1,3")
      ->delimiter(',');
  cmp->add_option("--seeds", compare->seeds, "Seeds per cell")->check(CLI::Range(1, 1000));
  cmp->add_option("--steps", compare->steps, "Environment steps per run")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 40));
  cmp->add_option("--log-every", compare->log_every, "Steps between error measurements")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 40));
  cmp->add_option("--gamma", compare->gamma, "Discount in [0, 1)")->check(CLI::Range(0.0, 0.9999));
  cmp->add_option("--epsilon", compare->epsilon,
                  "Exploration of the epsilon-greedy behaviour (high enough to visit every pair)")
      ->check(CLI::Range(0.0, 1.0));
  cmp->add_option("--lr-scalar", compare->scalar_lr, "Learning rate of the scalar learner");
  cmp->add_option("--lr-categorical", compare->categorical_lr, "Learning rate on the logits");
  cmp->add_option("--v-min", compare->v_min, "Lowest atom / bin edge");
  cmp->add_option("--v-max", compare->v_max, "Highest atom / bin edge");
  cmp->add_option("--bins", compare->bins, "Atoms / bins")->check(CLI::Range(2, 100000));
  cmp->add_option("--out", compare->out, "Output folder (default runs/compare-td-<timestamp>)");
  cmp->callback([&action, compare] { action = [compare] { return compare_td(*compare); }; });
  command->callback([&action, args, command, cmp] {
    if (command->got_subcommand(cmp)) return;
    action = [args] {
      if (args->spec.empty()) fail("solve needs SPEC: a tabular environment or a map file");
      return solve(*args);
    };
  });
}

}  // namespace valor::app
