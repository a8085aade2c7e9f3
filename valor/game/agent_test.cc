#include "valor/game/agent.h"

#include <gtest/gtest.h>

#include <string>

#include "valor/core/error.h"
#include "valor/game/tic_tac_toe.h"

namespace valor::game {
namespace {

std::string error_of(std::string_view spec) {
  try {
    make_agent(spec, find_game("tictactoe"), 1);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(Agent, SpecsAreCheckedWithTheAcceptedOnesNamed) {
  EXPECT_NE(error_of("alphazero")
                .find("unknown agent 'alphazero'; accepted: random, solver, "
                      "mcts-rollout:SIMS"),
            std::string::npos);
  EXPECT_NE(error_of("mcts-rollout").find("needs a number of simulations"), std::string::npos);
  EXPECT_NE(error_of("mcts-rollout:0").find("SIMS in [1, 10000000]"), std::string::npos);
  EXPECT_NE(error_of("gumbel-rollout:12x").find("needs a number"), std::string::npos);
  EXPECT_NE(error_of("gumbel-rollout:-3").find("needs a number"), std::string::npos);
  EXPECT_NE(error_of("random:5").find("takes no parameter"), std::string::npos);
  for (const char* ok : {"random", "solver", "mcts-rollout:10", "gumbel-rollout:10",
                         "mcts-solver:5", "gumbel-solver:5"}) {
    EXPECT_EQ(error_of(ok), "") << ok;
  }
}

TEST(Agent, PerfectPlayDrawsItselfAndNeverLosesToRandomPlay) {
  const GameInfo& game = find_game("tictactoe");
  auto a = make_agent("solver", game, 1);
  auto b = make_agent("solver", game, 2);
  const MatchResult same = play_match(*a, *b, TicTacToeState(), 10);
  EXPECT_EQ(same.draws, 10);
  auto random = make_agent("random", game, 3);
  const MatchResult r = play_match(*a, *random, TicTacToeState(), 100);
  EXPECT_EQ(r.losses, 0);
  EXPECT_GT(r.wins, 70);  // random play loses most games to perfect play
  EXPECT_EQ(r.wins + r.draws + r.losses, 100);
}

TEST(Agent, MatchesAlternateTheFirstMove) {
  const GameInfo& game = find_game("tictactoe");
  auto a = make_agent("solver", game, 1);
  auto b = make_agent("solver", game, 2);
  // x to move wins at once (cell 3): in games 0, 2, ... `a` is x and wins; otherwise `b` wins.
  const MatchResult r = play_match(*a, *b, TicTacToeState::from_moves("1425"), 6);
  EXPECT_EQ(r.wins, 3);
  EXPECT_EQ(r.losses, 3);
}

TEST(Agent, MctsAgentsBeatRandomPlayInConnectFour) {
  const GameInfo& game = find_game("connect4");
  auto random = make_agent("random", game, 1);
  for (const char* spec : {"mcts-rollout:200", "gumbel-rollout:200"}) {
    auto agent = make_agent(spec, game, 2);
    const MatchResult r = play_match(*agent, *random, *game.new_initial_state(), 6);
    EXPECT_GE(r.wins, 5) << spec;
  }
}

}  // namespace
}  // namespace valor::game
