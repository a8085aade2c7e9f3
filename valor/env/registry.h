// Every environment valor knows, by name: the MinAtar games ("breakout", ...), classic control
// ("CartPole-v1", ...), the built-in tabular MDPs ("gridworld-4x4", "cliff", "chain", "garnet",
// ...) and gridworlds from map files ("gridworld:PATH").
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "valor/env/env.h"
#include "valor/env/gridworld.h"
#include "valor/env/minatar.h"
#include "valor/env/tabular.h"

namespace valor::env {

// "gridworld:PATH" names a gridworld read from an ASCII map file (docs/tabular.md).
inline constexpr std::string_view kGridworldFilePrefix = "gridworld:";
// Time limits of the built-in tabular MDPs that have no terminal state.
inline constexpr int kChainEpisodeSteps = 100;   // chain: Strens' 5-state chain
inline constexpr int kGarnetEpisodeSteps = 200;  // garnet: 100 states, 4 actions, branching 5

struct EnvOptions {
  MinAtarOptions minatar;  // MinAtar only
};

struct EnvInfo {
  std::string name;
  std::string family;  // "minatar", "classic_control", "tabular"
};

std::vector<EnvInfo> list_envs();
// valor::Error for an unknown name, listing the valid ones.
std::unique_ptr<Env> make_env(std::string_view name, const EnvOptions& options = {});

// The model of a tabular environment: a built-in name ("cliff", "chain", ...), "gridworld:PATH"
// or the path of a map file (whose header may set options). valor::Error listing the tabular
// names for anything else. `overrides` replace the options of a gridworld (a preset's, or the
// defaults as a map's header sets them); valor::Error if any is set for chain or garnet.
TabularMdp make_tabular_mdp(std::string_view spec, const GridworldOverrides& overrides = {});

}  // namespace valor::env
