#include "valor/env/gridworld.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>
#include <deque>
#include <string>
#include <utility>

#include "valor/core/error.h"

namespace valor::env {
namespace {

constexpr std::string_view kLegend =
    "'#' wall, '.' empty, 'S' start, 'G' goal, 'T' trap, 'C' cliff, '1'-'9' cost cell";

// Row and column steps of the actions up, right, down, left.
constexpr std::array<int, 4> kRowStep = {-1, 0, 1, 0};
constexpr std::array<int, 4> kColStep = {0, 1, 0, -1};

bool is_known_cell(char c) {
  return c == '#' || c == '.' || c == 'S' || c == 'G' || c == 'T' || c == 'C' ||
         (c >= '1' && c <= '9');
}

bool is_blank(std::string_view line) {
  return line.find_first_not_of(" \t") == std::string_view::npos;
}

std::string quote_char(char c) {
  const unsigned char u = static_cast<unsigned char>(c);
  if (c == ' ') return "' ' (space)";
  if (c == '\t') return "a tab";
  if (u < 0x20 || u >= 0x7f) return fmt::format("byte 0x{:02x}", u);
  return fmt::format("'{}'", c);
}

struct Grid {
  std::vector<std::string> rows;
  std::vector<int> line_of_row;  // 1-based line number in the text of each row
  int height() const { return static_cast<int>(rows.size()); }
  int width() const { return static_cast<int>(rows.front().size()); }
  char at(int r, int c) const { return rows[static_cast<size_t>(r)][static_cast<size_t>(c)]; }
};

std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  size_t begin = 0;
  while (begin <= text.size()) {
    size_t end = text.find('\n', begin);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(begin, end - begin);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
    begin = end + 1;
  }
  return lines;
}

constexpr std::string_view kHeaderKeys =
    "slip, goal_reward, trap_reward, cliff_reward, step_reward";

bool is_comment(std::string_view line) {
  return line.size() >= 2 && line[0] == '#' && (line[1] == ' ' || line[1] == '\t');
}

std::string_view trim(std::string_view s) {
  const size_t first = s.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(" \t") - first + 1);
}

// Reads the header into `out` (if not null); returns the index of the first line after it.
size_t read_header(const std::vector<std::string_view>& lines, std::string_view source,
                   GridworldOverrides* out) {
  GridworldOverrides header;
  size_t i = 0;
  for (; i < lines.size(); ++i) {
    const std::string_view line = lines[i];
    if (is_blank(line) || is_comment(line)) continue;
    const size_t eq = line.find('=');
    if (eq == std::string_view::npos) break;  // the first row of the map
    const std::string_view key = trim(line.substr(0, eq));
    const std::string value_text(trim(line.substr(eq + 1)));
    std::optional<double>* field = key == "slip"           ? &header.slip
                                   : key == "goal_reward"  ? &header.goal_reward
                                   : key == "trap_reward"  ? &header.trap_reward
                                   : key == "cliff_reward" ? &header.cliff_reward
                                   : key == "step_reward"  ? &header.step_reward
                                                           : nullptr;
    if (field == nullptr) {
      fail("{}:{}: unknown header key '{}'; a map's header sets {} (as key = value)", source, i + 1,
           key, kHeaderKeys);
    }
    char* end = nullptr;
    const double value = std::strtod(value_text.c_str(), &end);
    if (value_text.empty() || *end != '\0' || !std::isfinite(value)) {
      fail("{}:{}: {} = '{}' is not a finite number", source, i + 1, key, value_text);
    }
    if (key == "slip" && !(value >= 0.0 && value <= 1.0)) {
      fail("{}:{}: slip = {} must be in [0, 1]", source, i + 1, value);
    }
    if (field->has_value()) fail("{}:{}: {} is set twice in the header", source, i + 1, key);
    *field = value;
  }
  if (out != nullptr) *out = header;
  return i;
}

Grid parse_grid(std::string_view text, std::string_view source) {
  const std::vector<std::string_view> lines = split_lines(text);
  size_t first = read_header(lines, source, nullptr);
  size_t last = lines.size();
  while (last > first && is_blank(lines[last - 1])) --last;
  if (first == last) {
    fail("{}: the map is empty; a map is rows of cells: {}", source, kLegend);
  }
  Grid grid;
  for (size_t i = first; i < last; ++i) {
    const int line_number = static_cast<int>(i) + 1;
    const std::string_view line = lines[i];
    if (is_blank(line)) {
      fail("{}:{}:1: blank line inside the map; the rows of a map must be contiguous", source,
           line_number);
    }
    for (size_t c = 0; c < line.size(); ++c) {
      if (!is_known_cell(line[c])) {
        fail("{}:{}:{}: unknown character {}; the accepted characters are {}", source, line_number,
             c + 1, quote_char(line[c]), kLegend);
      }
    }
    if (!grid.rows.empty() && line.size() != grid.rows.front().size()) {
      const size_t width = grid.rows.front().size();
      fail(
          "{}:{}:{}: this row has {} cells but the first row (line {}) has {}; every row must "
          "have the same width",
          source, line_number, std::min(line.size(), width) + 1, line.size(),
          grid.line_of_row.front(), width);
    }
    grid.rows.emplace_back(line);
    grid.line_of_row.push_back(line_number);
  }
  return grid;
}

void check_options(const GridworldOptions& options, std::string_view source) {
  if (!(options.slip >= 0.0 && options.slip <= 1.0)) {
    fail("{}: slip must be in [0, 1], got {}", source, options.slip);
  }
  const std::array<std::pair<std::string_view, double>, 4> rewards = {{
      {"goal_reward", options.goal_reward},
      {"trap_reward", options.trap_reward},
      {"cliff_reward", options.cliff_reward},
      {"step_reward", options.step_reward},
  }};
  for (const auto& [key, value] : rewards) {
    if (!std::isfinite(value)) fail("{}: {} must be finite, got {}", source, key, value);
  }
}

// The reward of a move that ends in a cell showing `c` (not a wall or cliff).
double cell_reward(char c, const GridworldOptions& options) {
  if (c == 'G') return options.goal_reward;
  if (c == 'T') return options.trap_reward;
  if (c >= '1' && c <= '9') return -static_cast<double>(c - '0');
  return options.step_reward;
}

// Adds probability p of (next_state, reward) to `row`, merging with an equal outcome.
void add_outcome(std::vector<Transition>& row, int next_state, double p, double reward) {
  for (Transition& t : row) {
    if (t.next_state == next_state && t.reward == reward) {
      t.probability += p;
      return;
    }
  }
  row.push_back({next_state, p, reward});
}

}  // namespace

bool GridworldOverrides::empty() const {
  return !slip && !goal_reward && !trap_reward && !cliff_reward && !step_reward;
}

GridworldOptions GridworldOverrides::applied_to(GridworldOptions base) const {
  if (slip) base.slip = *slip;
  if (goal_reward) base.goal_reward = *goal_reward;
  if (trap_reward) base.trap_reward = *trap_reward;
  if (cliff_reward) base.cliff_reward = *cliff_reward;
  if (step_reward) base.step_reward = *step_reward;
  return base;
}

std::string GridworldOverrides::describe() const {
  std::string out;
  const auto add = [&out](const char* key, const std::optional<double>& v) {
    if (v) out += fmt::format("{}{} {}", out.empty() ? "" : ", ", key, *v);
  };
  add("slip", slip);
  add("goal_reward", goal_reward);
  add("trap_reward", trap_reward);
  add("cliff_reward", cliff_reward);
  add("step_reward", step_reward);
  return out;
}

GridworldOverrides gridworld_header(std::string_view text, std::string_view source_name) {
  GridworldOverrides header;
  read_header(split_lines(text), source_name, &header);
  return header;
}

TabularMdp gridworld_from_map(std::string_view text, const GridworldOptions& base_options,
                              std::string_view source_name, const GridworldOverrides& overrides) {
  const GridworldOptions options =
      overrides.applied_to(gridworld_header(text, source_name).applied_to(base_options));
  check_options(options, source_name);
  const Grid grid = parse_grid(text, source_name);
  const int H = grid.height();
  const int W = grid.width();

  // States: the cells that are neither wall nor cliff, numbered row by row.
  std::vector<int> state_of_cell(static_cast<size_t>(H) * static_cast<size_t>(W), -1);
  std::vector<std::array<int, 2>> cells;
  std::vector<int> starts;
  bool has_goal = false;
  for (int r = 0; r < H; ++r) {
    for (int c = 0; c < W; ++c) {
      const char cell = grid.at(r, c);
      if (cell == '#' || cell == 'C') continue;
      const int s = static_cast<int>(cells.size());
      state_of_cell[static_cast<size_t>(r * W + c)] = s;
      cells.push_back({r, c});
      if (cell == 'S') starts.push_back(s);
      has_goal = has_goal || cell == 'G';
    }
  }
  if (starts.empty()) {
    fail(
        "{}: the map has no start cell 'S'; it needs at least one (several: the episode starts "
        "in one of them uniformly at random)",
        source_name);
  }
  if (!has_goal) fail("{}: the map has no goal cell 'G'; it needs at least one", source_name);

  const int S = static_cast<int>(cells.size());
  TabularMdp mdp = TabularMdp::with_shape(std::string(source_name), S, 4);
  mdp.action_names = {"up", "right", "down", "left"};
  mdp.picture = grid.rows;
  mdp.state_cells = cells;
  for (int s = 0; s < S; ++s) {
    const auto [r, c] = cells[static_cast<size_t>(s)];
    mdp.state_labels.push_back(fmt::format("({},{})", r, c));
    const char cell = grid.at(r, c);
    mdp.terminal[static_cast<size_t>(s)] = cell == 'G' || cell == 'T';
  }
  for (int s : starts) {
    mdp.initial_distribution[static_cast<size_t>(s)] = 1.0 / static_cast<double>(starts.size());
  }

  for (int s = 0; s < S; ++s) {
    const auto [r, c] = cells[static_cast<size_t>(s)];
    for (int a = 0; a < 4; ++a) {
      std::vector<Transition>& row = mdp.rows[static_cast<size_t>(s * 4 + a)];
      if (mdp.terminal[static_cast<size_t>(s)]) {
        row.push_back({s, 1.0, 0.0});
        continue;
      }
      // The chosen direction, then the two perpendicular ones.
      const std::array<std::pair<int, double>, 3> moves = {{
          {a, 1.0 - options.slip},
          {(a + 1) % 4, options.slip / 2.0},
          {(a + 3) % 4, options.slip / 2.0},
      }};
      for (const auto& [direction, p] : moves) {
        if (p == 0.0) continue;
        const int nr = r + kRowStep[static_cast<size_t>(direction)];
        const int nc = c + kColStep[static_cast<size_t>(direction)];
        const bool blocked = nr < 0 || nr >= H || nc < 0 || nc >= W || grid.at(nr, nc) == '#';
        if (blocked) {
          add_outcome(row, s, p, cell_reward(grid.at(r, c), options));
        } else if (grid.at(nr, nc) == 'C') {
          for (int start : starts) {
            add_outcome(row, start, p / static_cast<double>(starts.size()), options.cliff_reward);
          }
        } else {
          const int next = state_of_cell[static_cast<size_t>(nr * W + nc)];
          add_outcome(row, next, p, cell_reward(grid.at(nr, nc), options));
        }
      }
      std::sort(row.begin(), row.end(), [](const Transition& x, const Transition& y) {
        return x.next_state != y.next_state ? x.next_state < y.next_state : x.reward < y.reward;
      });
    }
  }

  // Every start must reach a goal through transitions of positive probability: search backwards
  // from the goals once, over the reversed transitions of the non-terminal states.
  std::vector<std::vector<int>> predecessors(static_cast<size_t>(S));
  for (int s = 0; s < S; ++s) {
    if (mdp.terminal[static_cast<size_t>(s)]) continue;
    for (int a = 0; a < 4; ++a) {
      for (const Transition& t : mdp.row(s, a)) {
        if (t.probability > 0.0) predecessors[static_cast<size_t>(t.next_state)].push_back(s);
      }
    }
  }
  std::vector<bool> reaches_goal(static_cast<size_t>(S), false);
  std::deque<int> queue;
  for (int s = 0; s < S; ++s) {
    const auto [r, c] = cells[static_cast<size_t>(s)];
    if (grid.at(r, c) == 'G') {
      reaches_goal[static_cast<size_t>(s)] = true;
      queue.push_back(s);
    }
  }
  while (!queue.empty()) {
    const int s = queue.front();
    queue.pop_front();
    for (int p : predecessors[static_cast<size_t>(s)]) {
      if (!reaches_goal[static_cast<size_t>(p)]) {
        reaches_goal[static_cast<size_t>(p)] = true;
        queue.push_back(p);
      }
    }
  }
  for (int start : starts) {
    const bool reached = reaches_goal[static_cast<size_t>(start)];
    if (!reached) {
      const auto [r, c] = cells[static_cast<size_t>(start)];
      fail(
          "{}:{}:{}: no goal 'G' is reachable from this start (walls, traps and the edge of the "
          "map block every path; a cliff leads only back to the starts)",
          source_name, grid.line_of_row[static_cast<size_t>(r)], c + 1);
    }
  }

  mdp.validate();
  return mdp;
}

const std::vector<GridworldPreset>& gridworld_presets() {
  static const std::vector<GridworldPreset> presets = {
      {"gridworld-4x4", kGridworld4x4Map,
       GridworldOptions{.slip = 0.0, .goal_reward = 1.0, .trap_reward = -1.0, .step_reward = 0.0},
       100, "4 x 4, one wall, two traps (-1), goal +1, deterministic"},
      {"cliff", kCliffMap,
       GridworldOptions{.slip = 0.0,
                        .goal_reward = -1.0,
                        .trap_reward = -1.0,
                        .cliff_reward = -100.0,
                        .step_reward = -1.0},
       0, "Sutton & Barto's cliff walking: -1 per step, -100 and back to the start for the cliff"},
      {"russell-norvig-4x3", kRussellNorvig4x3Map,
       GridworldOptions{.slip = 0.2, .goal_reward = 1.0, .trap_reward = -1.0, .step_reward = -0.04},
       0, "Russell & Norvig's 4 x 3 world: 0.8 as chosen, 0.1 each side, -0.04 per step"},
      {"frozen-lake-4x4", kFrozenLake4x4Map,
       GridworldOptions{
           .slip = 2.0 / 3.0, .goal_reward = 1.0, .trap_reward = 0.0, .step_reward = 0.0},
       100, "Gymnasium FrozenLake-v1 4x4, slippery (1/3 as chosen, 1/3 each side)"},
      {"frozen-lake-8x8", kFrozenLake8x8Map,
       GridworldOptions{
           .slip = 2.0 / 3.0, .goal_reward = 1.0, .trap_reward = 0.0, .step_reward = 0.0},
       200, "Gymnasium FrozenLake8x8-v1, slippery (1/3 as chosen, 1/3 each side)"},
  };
  return presets;
}

const GridworldPreset& gridworld_preset(std::string_view name) {
  std::string names;
  for (const GridworldPreset& preset : gridworld_presets()) {
    if (preset.name == name) return preset;
    names += names.empty() ? "" : ", ";
    names += preset.name;
  }
  fail("unknown gridworld '{}'; the built-in gridworlds are {}", name, names);
}

TabularMdp gridworld_preset_mdp(std::string_view name, const GridworldOverrides& overrides) {
  const GridworldPreset& preset = gridworld_preset(name);
  TabularMdp mdp =
      gridworld_from_map(preset.map, preset.options, fmt::format("<{}>", name), overrides);
  mdp.name = std::string(name);
  return mdp;
}

}  // namespace valor::env
