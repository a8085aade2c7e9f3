// Agents that play a game (for `valor game match`), named by a spec string, and matches between
// two of them. Every random choice draws from the seed given at creation.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "valor/game/registry.h"
#include "valor/game/state.h"

namespace valor::game {

class Agent {
 public:
  virtual ~Agent() = default;
  // A legal action of `state` (non-terminal).
  virtual Action act(const State& state) = 0;
};

struct AgentKind {
  std::string_view name;   // the spec is NAME or NAME:SIMS
  bool takes_simulations;  // NAME:SIMS, SIMS >= 1
  std::string_view description;
};
std::span<const AgentKind> agent_kinds();
// "random, solver, mcts-rollout:SIMS, ...".
std::string agent_specs();

// Agents over a trained network (valor/az/network_agent.h, in valor-torch): "az:PATH" (its raw
// policy) and "az:PATH:SIMS" (PUCT over it). make_agent does not make them.
inline constexpr std::string_view kNetworkAgentPrefix = "az:";
inline constexpr std::string_view kNetworkAgentSpecs = "az:CHECKPOINT or az:CHECKPOINT:SIMS";
inline bool is_network_agent_spec(std::string_view spec) {
  return spec.starts_with(kNetworkAgentPrefix);
}

// The agent `spec` for `game`; throws valor::Error naming the spec and the accepted ones.
std::unique_ptr<Agent> make_agent(std::string_view spec, const GameInfo& game, uint64_t seed);

struct MatchResult {
  int wins = 0;  // of the first agent
  int draws = 0;
  int losses = 0;
};

// `games` games from `start` (non-terminal); `first` moves first in the even-numbered games
// (0, 2, ...) and second in the others.
MatchResult play_match(Agent& first, Agent& second, const State& start, int games);

}  // namespace valor::game
