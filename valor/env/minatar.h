// MinAtar (Young & Tian 2019), version 1.0.15, reproduced bit for bit: the game rules live in one
// file per game (MinAtarGame); MinAtarEnv adds what minatar.Environment does around them — one
// numpy-compatible generator shared by the game and the sticky-action draw, drawn on every step.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "valor/core/numpy_random.h"
#include "valor/env/env.h"

namespace valor::env {

inline constexpr int kMinAtarSize = 10;        // the grid is 10 x 10
inline constexpr int kMinAtarFullActions = 6;  // n, l, u, r, d, f

// One game's rules, as in minatar/environments/<game>.py. Actions are indices into the full set
// {0: 'n', 1: 'l', 2: 'u', 3: 'r', 4: 'd', 5: 'f'}.
class MinAtarGame {
 public:
  virtual ~MinAtarGame() = default;
  virtual int channels() const = 0;
  // The game's minimal action set, as indices into the full set (minimal_action_set()).
  virtual std::span<const int> minimal_actions() const = 0;
  // Env.reset(): draws from `rng` exactly as the Python game does.
  virtual void reset(NumpyRandomState& rng) = 0;
  // Env.act(a): returns the reward; sets `terminal` to the game's terminal flag.
  virtual float act(int action, NumpyRandomState& rng, bool& terminal) = 0;
  // Env.state(): writes the 10x10xC boolean grid as bytes 0/1 in numpy's order,
  // index (y * 10 + x) * C + c. `grid` has 100 * C bytes.
  virtual void state(std::span<uint8_t> grid) const = 0;
  // The same cells written straight in channel-first order (index c * 100 + y * 10 + x, every
  // byte written), for games that draw it faster than state() and a transposition; false (and
  // nothing written) where the game does not.
  virtual bool state_chw(std::span<uint8_t> /*out*/) const { return false; }
  // The same as floats 0/1 (a float observation without the bytes' conversion).
  virtual bool state_chw(std::span<float> /*out*/) const { return false; }
};

// The games, by MinAtar's names.
std::unique_ptr<MinAtarGame> make_asterix_game(bool ramping);
std::unique_ptr<MinAtarGame> make_breakout_game(bool ramping);
std::unique_ptr<MinAtarGame> make_freeway_game(bool ramping);
std::unique_ptr<MinAtarGame> make_seaquest_game(bool ramping);
std::unique_ptr<MinAtarGame> make_space_invaders_game(bool ramping);

struct MinAtarOptions {
  double sticky_action_prob = 0.1;
  bool difficulty_ramping = true;
  bool minimal_action_set = false;
};

const std::vector<std::string>& minatar_game_names();

class MinAtarEnv : public Env {
 public:
  // valor::Error for an unknown game (listing the games) or a probability outside [0, 1].
  MinAtarEnv(std::string_view game, const MinAtarOptions& options, uint32_t seed = 0);

  const EnvSpec& spec() const override { return spec_; }
  // As a newly built environment: numpy RandomState(seed), sticky memory 0; reset() must follow.
  // valor::Error if seed >= 2^32 (numpy's limit).
  void seed(uint64_t seed) override;
  void reset() override;
  StepResult step(int action) override;
  void observe(std::span<float> out) const override;  // CHW floats 0/1
  bool offers_byte_obs() const override { return true; }
  void observe_bytes(std::span<uint8_t> out) const override;  // CHW bytes 0/1
  size_t packed_obs_bytes() const override;
  void observe_packed(std::span<uint8_t> out) const override;
  std::string render() const override;

  int channels() const { return channels_; }
  // The boolean grid, index (y * 10 + x) * C + c, as the Python state() returns it.
  std::span<const uint8_t> grid() const;
  // Writes that grid (100 * C bytes) into `out`: MinAtar's native observation.
  void observe_grid(std::span<uint8_t> out) const;
  // Flat indices of the true cells of the grid, ascending (the golden files' format).
  void active_cells(std::vector<int>& out) const;
  NumpyRandomState& rng() { return rng_; }

 private:
  std::unique_ptr<MinAtarGame> game_;
  MinAtarOptions options_;
  EnvSpec spec_;
  int channels_ = 0;
  NumpyRandomState rng_;
  int last_action_ = 0;  // sticky-action memory; like MinAtar, not cleared by reset()
  bool episode_over_ = true;
  mutable std::vector<uint8_t> grid_;  // drawn from the game on demand (see grid())
  mutable bool grid_stale_ = true;
};

// Unpacks an observation written by observe_packed into CHW floats (for replay sampling).
void unpack_minatar_observation(std::span<const uint8_t> packed, int channels,
                                std::span<float> out);

}  // namespace valor::env
