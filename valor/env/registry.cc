#include "valor/env/registry.h"

#include <fmt/format.h>

#include "valor/core/atomic_file.h"
#include "valor/core/error.h"
#include "valor/env/chain.h"
#include "valor/env/classic_control.h"
#include "valor/env/garnet.h"
#include "valor/env/gridworld.h"
#include "valor/env/tabular.h"

namespace valor::env {

std::vector<EnvInfo> list_envs() {
  std::vector<EnvInfo> out;
  for (const auto& name : minatar_game_names()) out.push_back({name, "minatar"});
  for (const auto& name : classic_control_names()) out.push_back({name, "classic_control"});
  for (const auto& preset : gridworld_presets())
    out.push_back({std::string(preset.name), "tabular"});
  out.push_back({"chain", "tabular"});
  out.push_back({"garnet", "tabular"});
  return out;
}

std::unique_ptr<Env> make_env(std::string_view name, const EnvOptions& options) {
  if (name.starts_with(kGridworldFilePrefix)) {
    const std::string path(name.substr(kGridworldFilePrefix.size()));
    return std::make_unique<TabularEnv>(
        gridworld_from_map(read_file(path), GridworldOptions{}, path));
  }
  if (name == "chain") return std::make_unique<TabularEnv>(chain_mdp(5), kChainEpisodeSteps);
  if (name == "garnet") {
    return std::make_unique<TabularEnv>(garnet_mdp(100, 4, 5, 0), kGarnetEpisodeSteps);
  }
  for (const auto& preset : gridworld_presets()) {
    if (preset.name == name) {
      return std::make_unique<TabularEnv>(gridworld_preset_mdp(name), preset.max_episode_steps);
    }
  }
  std::vector<std::string> names;
  for (const auto& info : list_envs()) {
    if (info.name == name) {
      if (info.family == "minatar") return std::make_unique<MinAtarEnv>(name, options.minatar);
      if (info.family == "classic_control") return make_classic_control(name);
    }
    names.push_back(info.name);
  }
  fail("unknown environment '{}'; environments: {}, or {}MAP_FILE for an ASCII map", name,
       fmt::join(names, ", "), kGridworldFilePrefix);
}

}  // namespace valor::env
