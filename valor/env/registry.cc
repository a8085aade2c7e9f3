#include "valor/env/registry.h"

#include <fmt/format.h>

#include <filesystem>

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

TabularMdp make_tabular_mdp(std::string_view spec, const GridworldOverrides& overrides) {
  std::string_view path = spec;
  if (path.starts_with(kGridworldFilePrefix)) path.remove_prefix(kGridworldFilePrefix.size());
  if (spec.starts_with(kGridworldFilePrefix) || std::filesystem::is_regular_file(path)) {
    return gridworld_from_map(read_file(std::string(path)), GridworldOptions{}, path, overrides);
  }
  if ((spec == "chain" || spec == "garnet") && !overrides.empty()) {
    fail("'{}' is not a gridworld; the gridworld options ({}) apply to gridworlds only", spec,
         overrides.describe());
  }
  if (spec == "chain") return chain_mdp(5);
  if (spec == "garnet") return garnet_mdp(100, 4, 5, 0);
  for (const auto& preset : gridworld_presets()) {
    if (preset.name == spec) return gridworld_preset_mdp(spec, overrides);
  }
  std::vector<std::string> names;
  for (const auto& info : list_envs()) {
    if (info.family == "tabular") names.push_back(info.name);
  }
  fail("'{}' is neither a tabular environment ({}) nor a gridworld map file", spec,
       fmt::join(names, ", "));
}

std::unique_ptr<Env> make_env(std::string_view name, const EnvOptions& options) {
  if (name.starts_with(kGridworldFilePrefix)) {
    return std::make_unique<TabularEnv>(make_tabular_mdp(name));
  }
  if (name == "chain")
    return std::make_unique<TabularEnv>(make_tabular_mdp(name), kChainEpisodeSteps);
  if (name == "garnet")
    return std::make_unique<TabularEnv>(make_tabular_mdp(name), kGarnetEpisodeSteps);
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
