// Gridworlds from ASCII maps, as TabularMdps. The legend, the slip rule and the rewards are
// specified in docs/tabular.md ("Gridworld"); in short:
//   '#' wall   '.' empty   'S' start   'G' goal (terminal)   'T' trap (terminal)
//   'C' cliff (entering it sends the agent back to a start)   '1'..'9' cost cell (reward -d)
// Actions 0 up, 1 right, 2 down, 3 left. With probability 1 - slip the agent moves as chosen;
// with probability slip / 2 each it moves in one of the two perpendicular directions.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "valor/env/tabular.h"

namespace valor::env {

inline constexpr int kGridworldUp = 0;
inline constexpr int kGridworldRight = 1;
inline constexpr int kGridworldDown = 2;
inline constexpr int kGridworldLeft = 3;

// The reward of a step is that of the cell the move ends in (or, for a cliff, falls into):
// goal_reward for 'G', trap_reward for 'T', cliff_reward for 'C', -d for a digit d, and
// step_reward for '.' and 'S' (also when a blocked move leaves the agent where it was).
struct GridworldOptions {
  double slip = 0.0;  // in [0, 1]
  double goal_reward = 1.0;
  double trap_reward = -1.0;
  double cliff_reward = -100.0;
  double step_reward = 0.0;
};

// Option values that replace those of a GridworldOptions where they are set: a map's header sets
// some, the command line others (which win).
struct GridworldOverrides {
  std::optional<double> slip;
  std::optional<double> goal_reward;
  std::optional<double> trap_reward;
  std::optional<double> cliff_reward;
  std::optional<double> step_reward;

  bool empty() const;
  // `base` with the set fields replaced.
  GridworldOptions applied_to(GridworldOptions base) const;
  // "slip 0.1, step_reward -1" for the set fields ("" when none).
  std::string describe() const;
};

// The header of a map text: the lines before the first row of the map, each blank, a comment
// ('#' followed by a space or a tab, then anything: no row of a map has a space), or a setting
// `key = value` with key one of slip, goal_reward, trap_reward, cliff_reward, step_reward and a
// finite number (slip in [0, 1]), each key at most once. valor::Error naming source:line for an
// unknown key, a value that is not such a number, or a repeated key.
GridworldOverrides gridworld_header(std::string_view text, std::string_view source_name);

// Parses `text` (a header, then the map) into a gridworld with `options`, replaced by what the
// header sets, replaced in turn by `overrides` (the command line). `source_name` (a file name, or
// "<preset cliff>") prefixes every error as source:line:column. The MDP is named `source_name`.
// valor::Error for: a bad header (gridworld_header); an unknown character; rows of different
// lengths; a blank line inside the map; an empty map; no 'S'; no 'G'; a start from which no goal
// is reachable; options out of range (slip outside [0, 1], a reward that is not finite).
TabularMdp gridworld_from_map(std::string_view text, const GridworldOptions& options,
                              std::string_view source_name,
                              const GridworldOverrides& overrides = {});

// Built-in maps.
// Sutton & Barto's cliff walking (Example 6.6): 4 x 12, start bottom left, goal bottom right,
// the cliff between them.
inline constexpr std::string_view kCliffMap =
    "............\n"
    "............\n"
    "............\n"
    "SCCCCCCCCCCG\n";
// A small deterministic-by-default world with one wall, one trap and a goal in the far corner.
inline constexpr std::string_view kGridworld4x4Map =
    "S...\n"
    ".#.T\n"
    "....\n"
    "T..G\n";
// Russell & Norvig's 4 x 3 world (AIMA, chapter 17): slip 0.2, step reward -0.04.
inline constexpr std::string_view kRussellNorvig4x3Map =
    "...G\n"
    ".#.T\n"
    "S...\n";
// Gymnasium's FrozenLake maps (F -> '.', H -> 'T').
inline constexpr std::string_view kFrozenLake4x4Map =
    "S...\n"
    ".T.T\n"
    "...T\n"
    "T..G\n";
inline constexpr std::string_view kFrozenLake8x8Map =
    "S.......\n"
    "........\n"
    "...T....\n"
    ".....T..\n"
    "...T....\n"
    ".TT...T.\n"
    ".T..T.T.\n"
    "...T...G\n";

// A built-in map with the options and time limit that make it the named classic.
struct GridworldPreset {
  std::string_view name;
  std::string_view map;
  GridworldOptions options;
  int max_episode_steps = 0;  // 0: no time limit
  std::string_view description;
};

// The presets: "gridworld-4x4", "cliff", "russell-norvig-4x3", "frozen-lake-4x4",
// "frozen-lake-8x8".
const std::vector<GridworldPreset>& gridworld_presets();
// The preset of that name; valor::Error listing the names when there is none.
const GridworldPreset& gridworld_preset(std::string_view name);
// gridworld_from_map of the preset's map and options (with `overrides`), named after the preset.
TabularMdp gridworld_preset_mdp(std::string_view name, const GridworldOverrides& overrides = {});

}  // namespace valor::env
