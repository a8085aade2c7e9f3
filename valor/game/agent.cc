#include "valor/game/agent.h"

#include <array>
#include <charconv>
#include <limits>

#include "valor/core/error.h"
#include "valor/core/random.h"
#include "valor/game/evaluator.h"
#include "valor/game/gumbel.h"
#include "valor/game/puct.h"

namespace valor::game {

namespace {

class RandomAgent final : public Agent {
 public:
  explicit RandomAgent(uint64_t seed) : rng_(seed) {}
  Action act(const State& state) override {
    state.legal_actions(legal_);
    return legal_[rng_.below(legal_.size())];
  }

 private:
  Rng rng_;
  std::vector<Action> legal_;
};

// Perfect play: a move of the best solved score, uniformly among ties.
class SolverAgent final : public Agent {
 public:
  SolverAgent(const GameInfo& game, uint64_t seed) : solver_(game.new_solver()), rng_(seed) {}
  Action act(const State& state) override {
    const auto scores = solver_->analyze(state);
    int best = std::numeric_limits<int>::min();
    std::vector<Action> best_actions;
    for (size_t a = 0; a < scores.size(); ++a) {
      if (!scores[a]) continue;
      if (*scores[a] > best) {
        best = *scores[a];
        best_actions.clear();
      }
      if (*scores[a] == best) best_actions.push_back(static_cast<Action>(a));
    }
    VALOR_CHECK(!best_actions.empty());
    return best_actions[rng_.below(best_actions.size())];
  }

 private:
  std::unique_ptr<Solver> solver_;
  Rng rng_;
};

// MCTS over an evaluator it owns (rollouts, or the exact solver with its own solver).
template <typename Search, typename Options>
class SearchAgent final : public Agent {
 public:
  SearchAgent(std::unique_ptr<Solver> solver, std::unique_ptr<Evaluator> evaluator, Options options,
              uint64_t seed)
      : solver_(std::move(solver)),
        evaluator_(std::move(evaluator)),
        search_(*evaluator_, options, seed) {}
  Action act(const State& state) override { return search_.search(state).action; }

 private:
  std::unique_ptr<Solver> solver_;
  std::unique_ptr<Evaluator> evaluator_;
  Search search_;
};

// Random games averaged per leaf by the rollout agents: with one, PUCT with 800 simulations lost
// 3 of 40 tic-tac-toe games to perfect play; with four, none (docs/game.md).
constexpr int kRolloutsPerLeaf = 4;

constexpr std::array<AgentKind, 6> kKinds = {{
    {"random", false, "a uniformly random legal move"},
    {"solver", false, "perfect play: a best-scoring move of the exact solver, ties at random"},
    {"mcts-rollout", true, "PUCT MCTS, SIMS simulations, leaves valued by 4 random rollouts"},
    {"gumbel-rollout", true, "Gumbel MCTS, SIMS simulations, leaves valued by 4 random rollouts"},
    {"mcts-solver", true, "PUCT MCTS, SIMS simulations, the exact solver's scores and priors"},
    {"gumbel-solver", true, "Gumbel MCTS, SIMS simulations, the exact solver's scores and priors"},
}};

}  // namespace

std::span<const AgentKind> agent_kinds() { return kKinds; }

std::string agent_specs() {
  std::string text;
  for (const auto& k : kKinds) {
    if (!text.empty()) text += ", ";
    text += k.name;
    if (k.takes_simulations) text += ":SIMS";
  }
  return text;
}

std::unique_ptr<Agent> make_agent(std::string_view spec, const GameInfo& game, uint64_t seed) {
  const size_t colon = spec.find(':');
  const std::string_view name = spec.substr(0, colon);
  const AgentKind* kind = nullptr;
  for (const auto& k : kKinds) {
    if (k.name == name) kind = &k;
  }
  if (kind == nullptr) fail("unknown agent '{}'; accepted: {}", spec, agent_specs());
  int simulations = 0;
  if (kind->takes_simulations) {
    const std::string_view digits = colon == std::string_view::npos ? "" : spec.substr(colon + 1);
    const auto [end, error] =
        std::from_chars(digits.data(), digits.data() + digits.size(), simulations);
    if (digits.empty() || error != std::errc() || end != digits.data() + digits.size() ||
        simulations < 1 || simulations > 10000000) {
      fail("agent '{}': {} needs a number of simulations, {}:SIMS with SIMS in [1, 10000000]", spec,
           name, name);
    }
  } else if (colon != std::string_view::npos) {
    fail("agent '{}': {} takes no parameter", spec, name);
  }

  if (name == "random") return std::make_unique<RandomAgent>(seed);
  if (name == "solver") return std::make_unique<SolverAgent>(game, seed);
  // The evaluator's generator is split from the search's, so that both are seeded.
  const uint64_t evaluator_seed = Rng(seed).split(1).next_u64();
  std::unique_ptr<Solver> solver;
  std::unique_ptr<Evaluator> evaluator;
  if (name.ends_with("-solver")) {
    solver = game.new_solver();
    evaluator = std::make_unique<SolverEvaluator>(
        *solver, SolverEvaluator::Options{SolverEvaluator::Value::kScore,
                                          SolverEvaluator::Priors::kSolver, 1.0});
  } else {
    evaluator = std::make_unique<RolloutEvaluator>(kRolloutsPerLeaf, evaluator_seed);
  }
  if (name.starts_with("mcts-")) {
    PuctOptions options;
    options.simulations = simulations;
    return std::make_unique<SearchAgent<PuctSearch, PuctOptions>>(
        std::move(solver), std::move(evaluator), options, seed);
  }
  GumbelOptions options;
  options.simulations = simulations;
  return std::make_unique<SearchAgent<GumbelSearch, GumbelOptions>>(
      std::move(solver), std::move(evaluator), options, seed);
}

MatchResult play_match(Agent& first, Agent& second, const State& start, int games) {
  VALOR_CHECK(!start.is_terminal() && games >= 0);
  MatchResult result;
  for (int g = 0; g < games; ++g) {
    auto state = start.clone();
    // The player id `first` has in this game: the player to move at the start, or the other.
    const int first_player = g % 2 == 0 ? state->current_player() : 1 - state->current_player();
    while (!state->is_terminal()) {
      Agent& agent = state->current_player() == first_player ? first : second;
      const Action a = agent.act(*state);
      VALOR_CHECK(state->is_legal(a), "an agent chose the illegal action {}", a);
      state->apply(a);
    }
    const double r = state->player_return(first_player);
    (r > 0 ? result.wins : r < 0 ? result.losses : result.draws) += 1;
  }
  return result;
}

}  // namespace valor::game
