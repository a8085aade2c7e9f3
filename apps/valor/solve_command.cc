#include <fmt/format.h>
#include <muParser.h>

#include <cmath>
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
#include "valor/env/gridworld.h"
#include "valor/env/registry.h"
#include "valor/run/metrics.h"
#include "valor/run/plot.h"
#include "valor/run/run_dir.h"
#include "valor/value/return_distribution.h"
#include "valor/value/support.h"

namespace valor::app {
namespace {

struct SolveArgs {
  std::string spec;
  double gamma = 0.99;
  std::string objective = "mean";
  std::string format = "text";
  double epsilon = 1e-10;
  int horizon = 100;
};

// The atoms of the categorical return distribution printed for gamma < 1.
constexpr int kCategoricalAtoms = 401;

// The return distribution of a policy from the initial distribution, as `solve` prints it.
struct Returns {
  std::optional<value::ReturnDistribution> law;  // none when no episode ends within the horizon
  double unfinished = 0;  // mass of episodes not ended within the horizon (exact pmf only)
  std::string method;
};

// Exact (integer rewards, gamma 1), otherwise the categorical fixed point on a support covering
// every return.
Returns return_distribution(const env::TabularMdp& mdp, const dp::Policy& policy, double gamma,
                            int horizon) {
  Returns r;
  if (gamma == 1.0) {
    const dp::ExactReturnPmf pmf = dp::exact_return_distribution_from_initial(mdp, policy, horizon);
    r.unfinished = pmf.unfinished_mass;
    if (r.unfinished < 1.0 - 1e-12) r.law = pmf.finished_distribution();
    r.method = fmt::format("exact pmf over {} steps", horizon);
    return r;
  }
  const dp::ReturnBounds b = dp::discounted_return_bounds(mdp, gamma);
  r.law = dp::categorical_return_distribution(mdp, policy, gamma,
                                              value::AtomSupport(b.lo, b.hi, kCategoricalAtoms));
  r.method = fmt::format("categorical fixed point, {} atoms on [{:.4g}, {:.4g}]", kCategoricalAtoms,
                         b.lo, b.hi);
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
      if (s < 0 || mdp.terminal[static_cast<size_t>(s)]) {
        fmt::print("{}", pic[r][c] == '.' ? '?' : pic[r][c]);
      } else {
        fmt::print("{}", arrow(policy[static_cast<size_t>(s)]));
      }
    }
    fmt::print("\n");
  }
}

// The decision after one step in each state for each reachable stock: how it depends on c.
void print_stock_actions(const env::TabularMdp& mdp, const dp::StockPolicy& policy, int horizon) {
  const int t = std::min(1, horizon - 1);
  const int c_lo = t * policy.stock_lo_step, c_hi = t * policy.stock_hi_step;
  fmt::print("action at t = {} by state and stock c:\n{:>12}", t, "state \\ c");
  for (int c = c_lo; c <= c_hi; ++c) fmt::print(" {:>6}", c);
  fmt::print("\n");
  for (int s = 0; s < mdp.num_states; ++s) {
    if (mdp.terminal[static_cast<size_t>(s)]) continue;
    fmt::print("{:>12}", mdp.state_name(s));
    for (int c = c_lo; c <= c_hi; ++c) {
      fmt::print(" {:>6}", mdp.action_name(policy.action(t, s, c)));
    }
    fmt::print("\n");
  }
}

// "utility:EXPR": u(x) of the return x, parsed with muparser (e.g. "-exp(-0.5*x)").
std::function<double(double)> parse_utility(const std::string& objective) {
  const std::string expr = objective.substr(8);
  auto parser = std::make_shared<mu::Parser>();
  auto x = std::make_shared<double>(0.0);
  try {
    parser->DefineVar("x", x.get());
    parser->SetExpr(expr);
    parser->Eval();  // reports syntax errors and unknown names now, not mid-solve
  } catch (const mu::Parser::exception_type& e) {
    fail(
        "--objective {}: cannot parse the utility '{}': {} (write it in x, the return, e.g. "
        "utility:-exp(-0.5*x))",
        objective, expr, e.GetMsg());
  }
  return [parser, x, objective](double c) {
    *x = c;
    const double u = parser->Eval();
    if (!std::isfinite(u)) fail("--objective {}: u({}) is not finite", objective, c);
    return u;
  };
}

int solve_utility(const env::TabularMdp& mdp, const SolveArgs& args) {
  const auto u = parse_utility(args.objective);
  if (args.gamma != 1.0) {
    fail("--objective {} optimises the undiscounted return: use --gamma 1 (episodic)",
         args.objective);
  }
  const dp::StockPolicy policy = dp::optimize_expected_utility(mdp, u, args.horizon);
  if (args.format == "json") {
    nlohmann::json out = {{"spec", args.spec},
                          {"objective", policy.value},
                          {"utility", args.objective.substr(8)},
                          {"horizon", args.horizon},
                          {"stock_min", policy.stock_min()},
                          {"stock_max", policy.stock_max()},
                          {"policy", policy.actions}};
    fmt::print("{}\n", out.dump(2));
    return 0;
  }
  fmt::print("{}: expected utility E[u(G)] with u(x) = {}, horizon {} (stock augmentation)\n",
             mdp.name, args.objective.substr(8), args.horizon);
  fmt::print("optimal expected utility {:.6g}\n", policy.value);
  print_stock_actions(mdp, policy, args.horizon);
  return 0;
}

int solve_cvar(const env::TabularMdp& mdp, const SolveArgs& args, double alpha) {
  if (args.gamma != 1.0) {
    fail("--objective cvar:{} optimises the undiscounted return: use --gamma 1 (episodic)", alpha);
  }
  const dp::CvarResult r = dp::optimize_cvar(mdp, alpha, args.horizon);
  if (args.format == "json") {
    nlohmann::json out = {{"spec", args.spec},
                          {"objective", r.cvar},
                          {"alpha", alpha},
                          {"b", r.b},
                          {"horizon", args.horizon},
                          {"stock_min", r.policy.stock_min()},
                          {"stock_max", r.policy.stock_max()},
                          {"policy", r.policy.actions}};
    fmt::print("{}\n", out.dump(2));
    return 0;
  }
  fmt::print("{}: CVaR_{} of the undiscounted return, horizon {} (stock augmentation)\n", mdp.name,
             alpha, args.horizon);
  fmt::print("optimal CVaR {:.6g} (dual maximiser b = {}, a VaR_{} of the return)\n", r.cvar, r.b,
             alpha);
  print_stock_actions(mdp, r.policy, args.horizon);
  return 0;
}

int solve(const SolveArgs& args) {
  const env::TabularMdp mdp = env::make_tabular_mdp(args.spec);
  if (args.objective.rfind("utility:", 0) == 0) return solve_utility(mdp, args);
  if (args.objective != "mean") return solve_cvar(mdp, args, parse_cvar_objective(args.objective));
  const dp::ValueIterationResult vi = dp::value_iteration(mdp, args.gamma, args.epsilon);
  double objective = 0;
  for (size_t s = 0; s < vi.v.size(); ++s) objective += mdp.initial_distribution[s] * vi.v[s];
  const Returns returns = return_distribution(mdp, vi.policy, args.gamma, args.horizon);

  if (args.format == "json") {
    nlohmann::json out = {{"spec", args.spec},       {"gamma", args.gamma},
                          {"objective", objective},  {"values", vi.v},
                          {"policy", vi.policy},     {"q", vi.q},
                          {"sweeps", vi.sweeps},     {"certified", vi.certified},
                          {"epsilon", args.epsilon}, {"last_change", vi.last_change}};
    if (returns.law)
      out["return_distribution"] = {{"method", returns.method},
                                    {"mean", returns.law->mean()},
                                    {"sd", returns.law->sd()},
                                    {"quantiles",
                                     {{"0.05", returns.law->quantile(0.05)},
                                      {"0.5", returns.law->quantile(0.5)},
                                      {"0.95", returns.law->quantile(0.95)}}},
                                    {"cvar_0.1", returns.law->cvar(0.1)},
                                    {"unfinished_mass", returns.unfinished}};
    fmt::print("{}\n", out.dump(2));
    return 0;
  }
  fmt::print("{}: {} states, {} actions, gamma {}\n", mdp.name, mdp.num_states, mdp.num_actions,
             args.gamma);
  fmt::print("value iteration: {} sweeps, last change {:.3g}; {}\n", vi.sweeps, vi.last_change,
             vi.certified ? fmt::format("the greedy policy is within {:g} of optimal (certified)",
                                        args.epsilon)
                          : "not certified (gamma = 1)");
  if (!mdp.picture.empty()) {
    print_grid(mdp, vi.v, vi.policy);
  } else {
    fmt::print("{:>8} {:>14} {:>10}\n", "state", "V*", "action");
    for (int s = 0; s < mdp.num_states; ++s) {
      fmt::print("{:>8} {:>14.6g} {:>10}\n", mdp.state_name(s), vi.v[static_cast<size_t>(s)],
                 mdp.action_name(vi.policy[static_cast<size_t>(s)]));
    }
  }
  fmt::print("objective (expected return from the initial distribution): {:.6g}\n", objective);
  if (!returns.law) {
    fmt::print(
        "return distribution: no episode of the greedy policy ends within {} steps (with "
        "gamma = 1, ties between optimal actions can make the greedy policy loop; try "
        "gamma < 1 or a longer --horizon)\n",
        args.horizon);
    return 0;
  }
  fmt::print("return distribution of the greedy policy ({}):\n", returns.method);
  fmt::print(
      "  mean {:.6g}  sd {:.6g}  quantiles 5% {:.4g} 25% {:.4g} 50% {:.4g} 75% {:.4g} "
      "95% {:.4g}  CVaR 10% {:.4g}\n",
      returns.law->mean(), returns.law->sd(), returns.law->quantile(0.05),
      returns.law->quantile(0.25), returns.law->quantile(0.5), returns.law->quantile(0.75),
      returns.law->quantile(0.95), returns.law->cvar(0.1));
  if (returns.unfinished > 0) {
    fmt::print(
        "  ({:.3g} of the mass had not ended after {} steps; the figures condition on the "
        "rest)\n",
        returns.unfinished, args.horizon);
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

// Runs every representation x noise level x seed (Q-learning), prints the table, writes one run
// folder per (representation, noise) with the seed-mean error curve, a PNG per noise level and
// report.md.
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
  fmt::print("compare-td on {}: {} representations x {} noise levels x {} seeds, {} steps each\n",
             mdp.name, std::size(dp::kAllTdRepresentations), args.noise.size(), args.seeds,
             args.steps);
  const dp::CompareTdReport report = dp::compare_td(mdp, args.noise, args.seeds, args.steps, o);

  std::string table = fmt::format(
      "| representation | reward noise sd | final max abs(Q - Q*), mean over {} seeds | sd | min | "
      "max | final mean abs(Q - Q*) |\n|---|---|---|---|---|---|---|\n",
      args.seeds);
  std::map<double, std::vector<std::filesystem::path>> runs_by_noise;
  for (const auto& cell : report.cells) {
    const std::string name = dp::representation_name(cell.representation);
    table += fmt::format("| {} | {} | {:.4f} | {:.4f} | {:.4f} | {:.4f} | {:.4f} |\n", name,
                         cell.noise_sd, cell.mean_final_max_error, cell.sd_final_max_error,
                         cell.min_final_max_error, cell.max_final_max_error,
                         cell.mean_mean_abs_error_curve.back());
    const auto cell_dir = run::RunDir::create_at(
        dir.path() / fmt::format("{}-noise{}", name, cell.noise_sd),
        fmt::format("[td]\nrepresentation = \"{}\"\nnoise = {}\n", name, cell.noise_sd));
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
      "# compare-td on {}\n\nTabular Q-learning with each value representation against the exact "
      "Q* (value iteration), gamma {}, {} steps, epsilon-greedy behaviour (epsilon {}), learning "
      "rate {} (scalar) and {} (categorical, on the logits), support [{}, {}] with {} atoms/bins, "
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
                   "Steps for the exact return distribution and the CVaR optimisation")
      ->check(CLI::Range(1, 100000));
  command->add_option("--format", args->format, "text or json")
      ->check(CLI::IsMember({"text", "json"}));
  command->add_option("--epsilon", args->epsilon, "Value-iteration accuracy")
      ->check(CLI::Range(1e-15, 1.0));
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
