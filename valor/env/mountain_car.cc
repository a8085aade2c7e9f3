// MountainCar-v0, as gymnasium/envs/classic_control/mountain_car.py (goal_velocity 0) under
// TimeLimit(200).
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <string>

#include "valor/env/classic_control.h"

namespace valor::env {
namespace {

constexpr double kMinPosition = -1.2;
constexpr double kMaxPosition = 0.6;
constexpr double kMaxSpeed = 0.07;
constexpr double kGoalPosition = 0.5;
constexpr double kGoalVelocity = 0.0;
constexpr double kForce = 0.001;
constexpr double kGravity = 0.0025;

// np.clip on a scalar.
double clip(double x, double low, double high) { return std::min(std::max(x, low), high); }

double hill_height(double x) { return std::sin(3 * x) * 0.45 + 0.55; }

EnvSpec mountain_car_spec() {
  EnvSpec spec;
  spec.name = "MountainCar-v0";
  spec.obs_shape = {2};
  spec.num_actions = 3;
  spec.max_episode_steps = 200;
  spec.obs_low = {static_cast<float>(kMinPosition), static_cast<float>(-kMaxSpeed)};
  spec.obs_high = {static_cast<float>(kMaxPosition), static_cast<float>(kMaxSpeed)};
  return spec;
}

}  // namespace

MountainCarEnv::MountainCarEnv(uint64_t seed) : ClassicControlEnv(mountain_car_spec(), 2, seed) {}

void MountainCarEnv::sample_initial_state(Rng& rng, std::span<double> state) const {
  constexpr double low = -0.6;
  constexpr double high = -0.4;
  state[0] = low + (high - low) * rng.uniform();
  state[1] = 0.0;
}

float MountainCarEnv::transition(int action, std::span<double> state, bool& terminated) const {
  double position = state[0];
  double velocity = state[1];
  velocity += (action - 1) * kForce + std::cos(3 * position) * (-kGravity);
  velocity = clip(velocity, -kMaxSpeed, kMaxSpeed);
  position += velocity;
  position = clip(position, kMinPosition, kMaxPosition);
  // An inelastic collision with the left wall.
  if (position == kMinPosition && velocity < 0) velocity = 0.0;
  terminated = position >= kGoalPosition && velocity >= kGoalVelocity;
  state[0] = position;
  state[1] = velocity;
  return -1.0f;  // also on the goal step
}

void MountainCarEnv::observation(std::span<const double> state, std::span<double> out) const {
  out[0] = state[0];
  out[1] = state[1];
}

std::string MountainCarEnv::render() const {
  const std::span<const double> s = state();
  std::string text = status_line();
  text += fmt::format("\nposition={:+.4f} velocity={:+.5f} (goal: position >= {})\n", s[0], s[1],
                      kGoalPosition);
  // The valley sin(3x) * 0.45 + 0.55 over [min_position, max_position]: hill '.', car 'C',
  // flag 'F' above the goal.
  constexpr int kCols = 37;
  constexpr int kRows = 8;
  std::array<std::string, kRows> grid;
  grid.fill(std::string(kCols, ' '));
  auto column = [&](double x) {
    const double t = (x - kMinPosition) / (kMaxPosition - kMinPosition);
    return std::clamp(static_cast<int>(std::lround(t * (kCols - 1))), 0, kCols - 1);
  };
  // Heights lie in [0.1, 1.0].
  auto row = [&](double x) {
    const double t = (hill_height(x) - 0.1) / 0.9;
    return std::clamp(static_cast<int>(std::lround((1 - t) * (kRows - 2))) + 1, 0, kRows - 1);
  };
  for (int c = 0; c < kCols; ++c) {
    const double x = kMinPosition + (kMaxPosition - kMinPosition) * c / (kCols - 1);
    grid[row(x)][c] = '.';
  }
  grid[row(kGoalPosition) - 1][column(kGoalPosition)] = 'F';
  const double x = clip(s[0], kMinPosition, kMaxPosition);
  grid[row(x)][column(x)] = 'C';
  for (const std::string& line : grid) text += line + "\n";
  return text;
}

}  // namespace valor::env
