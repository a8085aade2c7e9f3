// Agents that play with a checkpoint's network (game/agent.h), named by spec strings:
//   az:PATH        the raw policy: the legal move of the highest prior;
//   az:PATH:SIMS   PUCT (game/puct.h) over the network with SIMS simulations, no root noise,
//                  the most visited move.
// PATH is a checkpoint of `valor az train` (checkpoint_network.h). A PATH whose last ':' is
// followed by digits is read as az:PATH:SIMS.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include "valor/game/agent.h"

namespace valor::az {

// The spec's checkpoint path and simulations (0: the raw policy); valor::Error naming the spec.
struct NetworkAgentSpec {
  std::string path;
  int simulations = 0;
};
NetworkAgentSpec parse_network_agent_spec(std::string_view spec);

// The agent `spec` (game::is_network_agent_spec) for `game`; valor::Error naming the spec for a
// bad one, a missing checkpoint, or a network of another game.
std::unique_ptr<game::Agent> make_network_agent(std::string_view spec, const game::GameInfo& game,
                                                uint64_t seed);

// A network agent or any agent of game::make_agent.
std::unique_ptr<game::Agent> make_any_agent(std::string_view spec, const game::GameInfo& game,
                                            uint64_t seed);

}  // namespace valor::az
