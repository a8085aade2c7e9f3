// MCTS (PUCT and Gumbel) against ground truth: optimal moves in solved Connect Four positions,
// never losing tic-tac-toe to perfect play, proper policies, determinism.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <fstream>
#include <numeric>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "valor/game/agent.h"
#include "valor/game/connect_four_solver.h"
#include "valor/game/evaluator.h"
#include "valor/game/gumbel.h"
#include "valor/game/puct.h"
#include "valor/game/sampling.h"
#include "valor/game/testing_reference_positions.h"
#include "valor/game/tic_tac_toe.h"
#include "valor/game/tic_tac_toe_solver.h"

namespace valor::game {
namespace {

int best_of(const std::array<std::optional<int>, 7>& scores) {
  int best = -1000;
  for (const auto& s : scores) {
    if (s) best = std::max(best, *s);
  }
  return best;
}

void expect_distribution(const std::vector<float>& policy, const State& state) {
  float total = 0;
  for (Action a = 0; a < static_cast<Action>(policy.size()); ++a) {
    EXPECT_GE(policy[static_cast<size_t>(a)], 0.0f);
    if (!state.is_legal(a)) {
      EXPECT_EQ(policy[static_cast<size_t>(a)], 0.0f) << a;
    }
    total += policy[static_cast<size_t>(a)];
  }
  EXPECT_NEAR(total, 1.0f, 1e-5);
}

constexpr int kMinStones = 13;

// The exact evaluator with scaled scores as values (signs alone cannot tell a quicker win from a
// slower one) and the solver's priors; docs/game.md has the other combinations measured.
constexpr SolverEvaluator::Options kExactScores = {SolverEvaluator::Value::kScore,
                                                   SolverEvaluator::Priors::kSolver, 1.0};

// `search` picks a move of the best solved score in each of the 130 reference positions with at
// least kMinStones stones, and its policy is a distribution over the legal moves.
template <typename Search>
void expect_optimal_moves(Search& search) {
  int tested = 0;
  for (const ReferencePosition& r : reference_positions(kMinStones)) {
    const auto state = ConnectFourState::from_moves(r.moves);
    const SearchResult result = search.search(state);
    ASSERT_TRUE(r.scores[static_cast<size_t>(result.action)].has_value());
    EXPECT_EQ(*r.scores[static_cast<size_t>(result.action)], best_of(r.scores))
        << r.moves << " played column " << result.action + 1;
    expect_distribution(result.policy, state);
    ++tested;
  }
  EXPECT_EQ(tested, 130);
}

TEST(PuctSearch, ExactEvaluatorPicksAnOptimalMoveInEveryTestedConnectFourPosition) {
  ConnectFourSolver solver;
  SolverEvaluator evaluator(solver, kExactScores);
  PuctOptions options;
  options.simulations = 200;
  PuctSearch search(evaluator, options, 1);
  expect_optimal_moves(search);
}

TEST(GumbelSearch, ExactEvaluatorPicksAnOptimalMoveInEveryTestedConnectFourPosition) {
  ConnectFourSolver solver;
  SolverEvaluator evaluator(solver, kExactScores);
  // Evaluation play: no Gumbel noise, and mctx's default value scale (with c_scale 1 one
  // position of the 130 goes to a move one point worse; docs/game.md).
  GumbelOptions options;
  options.simulations = 200;
  options.gumbel_scale = 0.0;
  options.c_scale = 0.1;
  GumbelSearch search(evaluator, options, 1);
  expect_optimal_moves(search);
}

TEST(PuctSearch, LeafBatchesPickAnOptimalMoveInEveryTestedConnectFourPosition) {
  ConnectFourSolver solver;
  SolverEvaluator evaluator(solver, kExactScores);
  for (const int leaf_batch : {4, 8}) {
    SCOPED_TRACE(leaf_batch);
    PuctOptions options;
    options.simulations = 200;
    options.leaf_batch = leaf_batch;
    PuctSearch search(evaluator, options, 1);
    expect_optimal_moves(search);
  }
}

// The PUCT search as it was before leaf batching (one leaf per simulation, through
// SearchTree::simulate): leaf_batch 1 must give exactly its results.
SearchResult sequential_puct(Evaluator& evaluator, const PuctOptions& options, Rng& rng,
                             const State& state) {
  SearchTree tree;
  tree.reset(state, evaluator);
  auto& nodes = tree.nodes();
  if (options.dirichlet_fraction > 0.0) {
    std::vector<double> noise(static_cast<size_t>(nodes[0].num_children));
    sample_dirichlet(rng, options.dirichlet_alpha, noise);
    for (int i = 0; i < nodes[0].num_children; ++i) {
      float& p = nodes[static_cast<size_t>(nodes[0].first_child + i)].prior;
      p = static_cast<float>((1.0 - options.dirichlet_fraction) * p +
                             options.dirichlet_fraction * noise[static_cast<size_t>(i)]);
    }
  }
  const auto select = [&options](const SearchTree& t, int node) {
    const auto& all = t.nodes();
    const SearchNode& n = all[static_cast<size_t>(node)];
    int total = 0;
    for (int c = n.first_child; c < n.first_child + n.num_children; ++c)
      total += all[static_cast<size_t>(c)].visits;
    const double scale = options.c_puct * std::sqrt(std::max(1.0, static_cast<double>(total)));
    int best = n.first_child;
    double best_score = -1e300;
    for (int c = n.first_child; c < n.first_child + n.num_children; ++c) {
      const SearchNode& child = all[static_cast<size_t>(c)];
      const double q = child.visits > 0 ? child.q() : options.unvisited_value;
      const double score = q + scale * child.prior / (1.0 + child.visits);
      if (score > best_score) {
        best_score = score;
        best = c;
      }
    }
    return best;
  };
  for (int s = 0; s < options.simulations; ++s) tree.simulate(evaluator, -1, select);
  SearchResult result;
  tree.fill_root_statistics(result);
  int total = 0;
  for (const int v : result.visits) total += v;
  for (const int v : result.visits)
    result.policy.push_back(static_cast<float>(v) / static_cast<float>(total));
  // The most visited move (ties: higher Q, then the lower action).
  const SearchNode* best = nullptr;
  for (int c = nodes[0].first_child; c < nodes[0].first_child + nodes[0].num_children; ++c) {
    const SearchNode& child = nodes[static_cast<size_t>(c)];
    if (best == nullptr || child.visits > best->visits ||
        (child.visits == best->visits && child.visits > 0 && child.q() > best->q()))
      best = &child;
  }
  result.action = best->action;
  return result;
}

TEST(PuctSearch, LeafBatchOneIsTheSequentialSearch) {
  PuctOptions options;
  options.simulations = 300;
  options.dirichlet_fraction = 0.25;
  options.dirichlet_alpha = 1.0;
  options.unvisited_value = -0.2;
  ASSERT_EQ(options.leaf_batch, 1);
  RolloutEvaluator batched_rollouts(2, 11);
  RolloutEvaluator sequential_rollouts(2, 11);
  PuctSearch search(batched_rollouts, options, 5);
  Rng rng(5);
  int differing_from_uniform = 0;
  for (const char* moves : {"", "4", "4453", "121212", "12121", "123456712345", "3333332"}) {
    SCOPED_TRACE(moves);
    const auto state = ConnectFourState::from_moves(moves);
    const SearchResult a = search.search(state);
    const SearchResult b = sequential_puct(sequential_rollouts, options, rng, state);
    EXPECT_EQ(a.visits, b.visits);
    EXPECT_EQ(a.q, b.q);
    EXPECT_EQ(a.value, b.value);
    EXPECT_EQ(a.policy, b.policy);
    EXPECT_EQ(a.action, b.action);
    differing_from_uniform += a.visits[0] != a.visits[3] ? 1 : 0;
  }
  EXPECT_GT(differing_from_uniform, 0);
  // And with the exact evaluator (its own tree sizes and terminal nodes) on tic-tac-toe.
  TicTacToeSolver solver;
  SolverEvaluator exact(solver, {});
  options.dirichlet_fraction = 0.0;
  options.simulations = 100;
  PuctSearch exact_search(exact, options, 1);
  for (const auto& moves : {std::vector<Action>{}, {4}, {0, 4}, {0, 4, 8}}) {
    TicTacToeState state;
    for (const Action m : moves) state.apply(m);
    const SearchResult a = exact_search.search(state);
    const SearchResult b = sequential_puct(exact, options, rng, state);
    EXPECT_EQ(a.visits, b.visits);
    EXPECT_EQ(a.q, b.q);
    EXPECT_EQ(a.action, b.action);
  }
}

// Records the size of every batch it is given.
class CountingEvaluator final : public Evaluator {
 public:
  explicit CountingEvaluator(Evaluator& inner) : inner_(inner) {}
  void evaluate(std::span<const State* const> states, std::span<Evaluation> out) override {
    sizes.push_back(static_cast<int>(states.size()));
    std::vector<std::string> seen;
    for (const State* s : states) seen.push_back(s->moves_string());
    std::sort(seen.begin(), seen.end());
    distinct = distinct && std::adjacent_find(seen.begin(), seen.end()) == seen.end();
    inner_.evaluate(states, out);
  }
  std::vector<int> sizes;
  bool distinct = true;

 private:
  Evaluator& inner_;
};

TEST(PuctSearch, LeafBatchEvaluatesDistinctLeavesTogetherAndKeepsTheSimulationCount) {
  RolloutEvaluator rollouts(1, 4);
  for (const int leaf_batch : {1, 4, 8}) {
    for (const char* moves : {"", "4453", "3333332", "121212"}) {
      SCOPED_TRACE(std::to_string(leaf_batch) + " " + moves);
      CountingEvaluator counting(rollouts);
      PuctOptions options;
      options.simulations = 64;
      options.leaf_batch = leaf_batch;
      PuctSearch search(counting, options, 2);
      const auto state = ConnectFourState::from_moves(moves);
      const SearchResult r = search.search(state);
      EXPECT_EQ(std::accumulate(r.visits.begin(), r.visits.end(), 0), 64);
      EXPECT_TRUE(counting.distinct);
      ASSERT_FALSE(counting.sizes.empty());
      EXPECT_EQ(counting.sizes[0], 1);  // the root
      EXPECT_LE(*std::max_element(counting.sizes.begin(), counting.sizes.end()), leaf_batch);
      // One call per round at most: 64 / leaf_batch rounds after the root.
      EXPECT_LE(counting.sizes.size(), 1u + 64u / static_cast<unsigned>(leaf_batch));
      if (leaf_batch > 1 && std::string(moves) == "") {
        // The first round fans out over the root's 7 moves (an 8th descent finds them all
        // pending and joins one: 7 leaves).
        EXPECT_EQ(counting.sizes[1], std::min(leaf_batch, 7));
      }
      for (const SearchNode& n : search.tree().nodes()) EXPECT_EQ(n.virtual_loss, 0);
      expect_distribution(r.policy, state);
    }
  }
}

// An agent that plays the move of a search.
template <typename Search, typename Options>
class SearchPlayer final : public Agent {
 public:
  SearchPlayer(Evaluator& evaluator, Options options, uint64_t seed)
      : search_(evaluator, options, seed) {}
  Action act(const State& state) override { return search_.search(state).action; }

 private:
  Search search_;
};

// 20 games against perfect play (ties broken at random), 10 moving first and 10 second.
MatchResult against_perfect_play(Agent& agent) {
  const GameInfo& game = find_game("tictactoe");
  const auto perfect = make_agent("solver", game, 77);
  return play_match(agent, *perfect, TicTacToeState(), 20);
}

TEST(PuctSearch, NeverLosesTicTacToeToPerfectPlay) {
  PuctOptions options;
  options.simulations = 800;
  RolloutEvaluator rollouts(4, 3);  // one rollout per leaf loses a few games in 40 (docs/game.md)
  SearchPlayer<PuctSearch, PuctOptions> with_rollouts(rollouts, options, 1);
  const MatchResult r = against_perfect_play(with_rollouts);
  EXPECT_EQ(r.losses, 0);
  EXPECT_EQ(r.draws, 20);
  TicTacToeSolver solver;
  SolverEvaluator exact(solver, {});  // sign values, uniform priors
  options.simulations = 200;
  SearchPlayer<PuctSearch, PuctOptions> with_exact(exact, options, 2);
  EXPECT_EQ(against_perfect_play(with_exact).losses, 0);
}

TEST(PuctSearch, NeverLosesTicTacToeToPerfectPlayWithLeafBatches) {
  PuctOptions options;
  options.simulations = 800;
  options.leaf_batch = 4;
  RolloutEvaluator rollouts(4, 3);
  SearchPlayer<PuctSearch, PuctOptions> with_rollouts(rollouts, options, 1);
  const MatchResult r = against_perfect_play(with_rollouts);
  EXPECT_EQ(r.losses, 0);
  EXPECT_EQ(r.draws, 20);
}

TEST(GumbelSearch, NeverLosesTicTacToeToPerfectPlay) {
  TicTacToeSolver solver;
  // Gumbel's interior selection follows the priors: with uniform ones it can stay on a move
  // that looked good and miss the refutation (docs/game.md), so the solver's priors here.
  SolverEvaluator exact(solver,
                        {SolverEvaluator::Value::kSign, SolverEvaluator::Priors::kSolver, 1.0});
  for (const int simulations : {16, 200}) {
    GumbelOptions options;
    options.simulations = simulations;
    SearchPlayer<GumbelSearch, GumbelOptions> player(exact, options, 3);
    const MatchResult r = against_perfect_play(player);
    EXPECT_EQ(r.losses, 0) << simulations;
    EXPECT_EQ(r.wins, 0);
  }
}

TEST(GumbelSearch, ImprovedPolicyIsADistributionOverTheLegalMoves) {
  RolloutEvaluator rollouts(1, 9);
  GumbelOptions options;
  options.simulations = 30;
  options.max_considered_actions = 4;  // fewer than the legal moves: some stay unvisited
  GumbelSearch search(rollouts, options, 4);
  for (const char* moves : {"", "4", "4455", "123456712345", "3333332"}) {
    const auto state = ConnectFourState::from_moves(moves);
    const SearchResult r = search.search(state);
    expect_distribution(r.policy, state);
    int visits = 0;
    int visited_actions = 0;
    for (const int v : r.visits) {
      visits += v;
      visited_actions += v > 0 ? 1 : 0;
    }
    EXPECT_EQ(visits, 30);
    EXPECT_LE(visited_actions, 4);
    EXPECT_TRUE(state.is_legal(r.action));
    EXPECT_GT(r.visits[static_cast<size_t>(r.action)], 0);
  }
}

TEST(GumbelSearch, SequentialHalvingSchedule) {
  // 4 actions, 8 visits: each of 4 once, then 2 actions twice (log2 4 = 2 rounds).
  EXPECT_EQ(sequential_halving_schedule(4, 8), (std::vector<int>{0, 0, 0, 0, 1, 1, 2, 2}));
  EXPECT_EQ(sequential_halving_schedule(1, 3), (std::vector<int>{0, 1, 2}));
  EXPECT_EQ(sequential_halving_schedule(2, 5), (std::vector<int>{0, 0, 1, 1, 2}));
  // 16 actions, 64 visits: 16 x 1, 8 x 2, 4 x 4, 2 x 8 (= 16 + 16 + 16 + 16).
  const auto s = sequential_halving_schedule(16, 64);
  EXPECT_EQ(s.size(), 64u);
  EXPECT_EQ(std::count(s.begin(), s.end(), 0), 16);
  EXPECT_EQ(std::count(s.begin(), s.end(), 1), 8);
  EXPECT_EQ(std::count(s.begin(), s.end(), 2), 8);
  EXPECT_EQ(std::count(s.begin(), s.end(), 7), 2);
}

TEST(Search, SameSeedSameResultDifferentSeedDifferentResult) {
  const auto state = ConnectFourState::from_moves("4453");
  const auto run_puct = [&](uint64_t seed) {
    RolloutEvaluator rollouts(1, seed);
    PuctOptions options;
    options.simulations = 300;
    options.dirichlet_fraction = 0.25;
    options.temperature = 1.0;
    return PuctSearch(rollouts, options, seed).search(state);
  };
  const auto run_gumbel = [&](uint64_t seed) {
    RolloutEvaluator rollouts(1, seed);
    GumbelOptions options;
    options.simulations = 100;
    return GumbelSearch(rollouts, options, seed).search(state);
  };
  const SearchResult a = run_puct(5);
  const SearchResult b = run_puct(5);
  EXPECT_EQ(a.visits, b.visits);
  EXPECT_EQ(a.policy, b.policy);
  EXPECT_EQ(a.action, b.action);
  EXPECT_NE(a.visits, run_puct(6).visits);
  const SearchResult g = run_gumbel(5);
  const SearchResult h = run_gumbel(5);
  EXPECT_EQ(g.visits, h.visits);
  EXPECT_EQ(g.policy, h.policy);
  EXPECT_EQ(g.action, h.action);
  EXPECT_NE(g.policy, run_gumbel(6).policy);
  int total = 0;
  for (const int v : a.visits) total += v;
  EXPECT_EQ(total, 300);
  expect_distribution(a.policy, state);
  EXPECT_GE(a.value, -1.0f);
  EXPECT_LE(a.value, 1.0f);
}

TEST(PuctSearch, FindsTheWinAndTheOnlyDefenceWithRollouts) {
  RolloutEvaluator rollouts(8, 1);
  PuctOptions options;
  options.simulations = 400;
  PuctSearch search(rollouts, options, 1);
  // x wins at once in column 1.
  EXPECT_EQ(search.search(ConnectFourState::from_moves("121212")).action, 0);
  // o must block column 1.
  EXPECT_EQ(search.search(ConnectFourState::from_moves("12121")).action, 0);
  const SearchResult win = search.search(ConnectFourState::from_moves("121212"));
  EXPECT_GT(win.value, 0.5f);
}

}  // namespace
}  // namespace valor::game
