#include <fmt/format.h>

#include <cmath>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "apps/valor/commands.h"
#include "valor/core/error.h"
#include "valor/dp/solve.h"
#include "valor/env/gridworld.h"
#include "valor/env/registry.h"

namespace valor::app {
namespace {

struct SolveArgs {
  std::string spec;
  double gamma = 0.99;
  std::string objective = "mean";
  std::string format = "text";
  double epsilon = 1e-10;
};

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

int solve(const SolveArgs& args) {
  if (args.objective != "mean") {
    fail(
        "--objective {}: only 'mean' is implemented so far (cvar:ALPHA and utility:EXPR are "
        "planned)",
        args.objective);
  }
  const env::TabularMdp mdp = env::make_tabular_mdp(args.spec);
  const dp::ValueIterationResult vi = dp::value_iteration(mdp, args.gamma, args.epsilon);
  double objective = 0;
  for (size_t s = 0; s < vi.v.size(); ++s) objective += mdp.initial_distribution[s] * vi.v[s];

  if (args.format == "json") {
    nlohmann::json out = {{"spec", args.spec},       {"gamma", args.gamma},
                          {"objective", objective},  {"values", vi.v},
                          {"policy", vi.policy},     {"q", vi.q},
                          {"sweeps", vi.sweeps},     {"certified", vi.certified},
                          {"epsilon", args.epsilon}, {"last_change", vi.last_change}};
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
  return 0;
}

}  // namespace

void add_solve_command(CLI::App& app, Action& action) {
  auto args = std::make_shared<SolveArgs>();
  auto* command = app.add_subcommand(
      "solve", "Solve a tabular MDP exactly: V*, the greedy policy and the objective");
  command
      ->add_option("spec", args->spec,
                   "A tabular environment (valor env list) or a gridworld map file")
      ->required();
  command->add_option("--gamma", args->gamma, "Discount in [0, 1] (1: episodic)")
      ->check(CLI::Range(0.0, 1.0));
  command->add_option("--objective", args->objective, "mean (cvar:ALPHA, utility:EXPR planned)");
  command->add_option("--format", args->format, "text or json")
      ->check(CLI::IsMember({"text", "json"}));
  command->add_option("--epsilon", args->epsilon, "Value-iteration accuracy")
      ->check(CLI::Range(1e-15, 1.0));
  command->callback([&action, args] { action = [args] { return solve(*args); }; });
}

}  // namespace valor::app
