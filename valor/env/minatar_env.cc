#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <string>

#include "valor/core/error.h"
#include "valor/env/minatar.h"

namespace valor::env {

namespace {

using GameFactory = std::unique_ptr<MinAtarGame> (*)(bool);

struct GameEntry {
  const char* name;
  GameFactory make;
};

constexpr GameEntry kGames[] = {
    {"asterix", make_asterix_game},
    {"breakout", make_breakout_game},
    {"freeway", make_freeway_game},
    {"seaquest", make_seaquest_game},
    {"space_invaders", make_space_invaders_game},
};

constexpr int kCells = kMinAtarSize * kMinAtarSize;

std::unique_ptr<MinAtarGame> make_game(std::string_view name, bool ramping) {
  for (const auto& entry : kGames) {
    if (name == entry.name) return entry.make(ramping);
  }
  fail("unknown MinAtar game '{}'; games: {}", name, fmt::join(minatar_game_names(), ", "));
}

}  // namespace

const std::vector<std::string>& minatar_game_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v;
    for (const auto& entry : kGames) v.emplace_back(entry.name);
    return v;
  }();
  return names;
}

MinAtarEnv::MinAtarEnv(std::string_view game, const MinAtarOptions& options, uint32_t seed)
    : game_(make_game(game, options.difficulty_ramping)), options_(options), rng_(seed) {
  if (!(options.sticky_action_prob >= 0.0 && options.sticky_action_prob <= 1.0)) {
    fail("MinAtar sticky_action_prob must be in [0, 1], got {}", options.sticky_action_prob);
  }
  channels_ = game_->channels();
  grid_.assign(static_cast<size_t>(kCells * channels_), 0);
  spec_.name = std::string(game);
  spec_.obs_shape = {channels_, kMinAtarSize, kMinAtarSize};
  spec_.num_actions = options.minimal_action_set ? static_cast<int>(game_->minimal_actions().size())
                                                 : kMinAtarFullActions;
  spec_.obs_low.assign(spec_.obs_size(), 0.0f);
  spec_.obs_high.assign(spec_.obs_size(), 1.0f);
}

void MinAtarEnv::seed(uint64_t seed) {
  if (seed > 0xffffffffULL) {
    fail("MinAtar seeds must be below 2^32 (numpy's RandomState limit), got {}", seed);
  }
  rng_ = NumpyRandomState(static_cast<uint32_t>(seed));
  // A re-seeded environment behaves as a newly built one, whose sticky memory is action 0.
  last_action_ = 0;
  episode_over_ = true;
}

void MinAtarEnv::reset() {
  game_->reset(rng_);
  grid_stale_ = true;
  episode_over_ = false;
}

StepResult MinAtarEnv::step(int action) {
  if (action < 0 || action >= spec_.num_actions) {
    fail("{}: action {} out of range; accepted: 0..{}", spec_.name, action, spec_.num_actions - 1);
  }
  if (episode_over_) fail("{}: step() after the episode ended; call reset() first", spec_.name);
  int a =
      options_.minimal_action_set ? game_->minimal_actions()[static_cast<size_t>(action)] : action;
  // minatar.Environment.act draws the sticky-action uniform on every step, even when p is 0.
  if (rng_.rand() < options_.sticky_action_prob) a = last_action_;
  last_action_ = a;
  bool terminal = false;
  StepResult result;
  result.reward = game_->act(a, rng_, terminal);
  result.terminated = terminal;
  grid_stale_ = true;  // the grid is drawn only when an observation is asked for
  episode_over_ = terminal;
  return result;
}

std::span<const uint8_t> MinAtarEnv::grid() const {
  if (grid_stale_) {
    game_->state(grid_);
    grid_stale_ = false;
  }
  return grid_;
}

void MinAtarEnv::observe_grid(std::span<uint8_t> out) const {
  VALOR_CHECK(out.size() == grid_.size(), "grid buffer has {} bytes, need {}", out.size(),
              grid_.size());
  game_->state(out);
}

// Most cells are empty: clear the output, then visit the set bytes of the grid eight at a time.
// Grid byte j is CHW element (j % C) * 100 + j / C; with C a compile-time constant the division
// is a multiplication (a hardware division per set byte took most of an observation's time).
template <size_t Channels, typename SetElement>
void for_each_set_element_of(std::span<const uint8_t> grid, size_t channels, SetElement& set) {
  const size_t c = Channels != 0 ? Channels : channels;
  const uint8_t* g = grid.data();
  const size_t n = grid.size();
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t word;
    std::memcpy(&word, g + i, 8);
    if (word == 0) continue;
    for (size_t j = i; j < i + 8; ++j) {
      if (g[j]) set((j % c) * kCells + j / c);
    }
  }
  for (; i < n; ++i) {
    if (g[i]) set((i % c) * kCells + i / c);
  }
}

// The channel counts of the five games get their own instance.
template <typename SetElement>
void for_each_set_element(std::span<const uint8_t> grid, size_t channels, SetElement&& set) {
  switch (channels) {
    case 4:
      return for_each_set_element_of<4>(grid, channels, set);
    case 6:
      return for_each_set_element_of<6>(grid, channels, set);
    case 7:
      return for_each_set_element_of<7>(grid, channels, set);
    case 10:
      return for_each_set_element_of<10>(grid, channels, set);
    default:
      return for_each_set_element_of<0>(grid, channels, set);
  }
}

// The grid (HWC bytes) transposed into CHW elements of type T, every element written: no
// branch on the cells' contents (faster than clearing the output and setting the set cells,
// whose branches the random contents mispredict), and no division with C a constant.
template <size_t Channels, typename T>
void grid_to_chw_of(const uint8_t* g, size_t channels, T* o) {
  const size_t c_count = Channels != 0 ? Channels : channels;
  for (size_t c = 0; c < c_count; ++c) {
    for (size_t cell = 0; cell < kCells; ++cell) {
      o[c * kCells + cell] = static_cast<T>(g[cell * c_count + c]);
    }
  }
}

template <typename T>
void grid_to_chw(std::span<const uint8_t> grid, size_t channels, T* o) {
  switch (channels) {
    case 4:
      return grid_to_chw_of<4>(grid.data(), channels, o);
    case 6:
      return grid_to_chw_of<6>(grid.data(), channels, o);
    case 7:
      return grid_to_chw_of<7>(grid.data(), channels, o);
    case 10:
      return grid_to_chw_of<10>(grid.data(), channels, o);
    default:
      return grid_to_chw_of<0>(grid.data(), channels, o);
  }
}

void MinAtarEnv::observe(std::span<float> out) const {
  VALOR_CHECK(out.size() == grid_.size(), "observation buffer has {} floats, need {}", out.size(),
              grid_.size());
  if (game_->state_chw(out)) return;
  grid_to_chw(grid(), static_cast<size_t>(channels_), out.data());
}

void MinAtarEnv::observe_bytes(std::span<uint8_t> out) const {
  VALOR_CHECK(out.size() == grid_.size(), "observation buffer has {} bytes, need {}", out.size(),
              grid_.size());
  if (game_->state_chw(out)) return;
  grid_to_chw(grid(), static_cast<size_t>(channels_), out.data());
}

size_t MinAtarEnv::packed_obs_bytes() const { return (grid_.size() + 7) / 8; }

// Bit k of the packed form is element k of the CHW observation (k = c * 100 + y * 10 + x).
void MinAtarEnv::observe_packed(std::span<uint8_t> out) const {
  VALOR_CHECK(out.size() == packed_obs_bytes(), "packed buffer has {} bytes, need {}", out.size(),
              packed_obs_bytes());
  std::fill(out.begin(), out.end(), uint8_t{0});
  uint8_t* o = out.data();
  for_each_set_element(grid(), static_cast<size_t>(channels_), [o](size_t k) {
    o[k >> 3] = static_cast<uint8_t>(o[k >> 3] | (1u << (k & 7)));
  });
}

void unpack_minatar_observation(std::span<const uint8_t> packed, int channels,
                                std::span<float> out) {
  const size_t n = static_cast<size_t>(channels) * kCells;
  VALOR_CHECK(out.size() == n && packed.size() == (n + 7) / 8, "packed observation sizes");
  for (size_t k = 0; k < n; ++k) out[k] = static_cast<float>((packed[k >> 3] >> (k & 7)) & 1u);
}

void MinAtarEnv::active_cells(std::vector<int>& out) const {
  out.clear();
  grid();
  for (size_t i = 0; i < grid_.size(); ++i) {
    if (grid_[i]) out.push_back(static_cast<int>(i));
  }
}

std::string MinAtarEnv::render() const {
  // One character per cell: '.' empty, otherwise the highest channel present as 0-9 / a-z.
  grid();
  std::string s;
  const size_t c_count = static_cast<size_t>(channels_);
  for (int y = 0; y < kMinAtarSize; ++y) {
    for (int x = 0; x < kMinAtarSize; ++x) {
      char ch = '.';
      const size_t cell = static_cast<size_t>(y * kMinAtarSize + x);
      for (size_t c = 0; c < c_count; ++c) {
        if (grid_[cell * c_count + c]) {
          ch = c < 10 ? static_cast<char>('0' + c) : static_cast<char>('a' + c - 10);
        }
      }
      s += ch;
    }
    s += '\n';
  }
  return s;
}

}  // namespace valor::env
