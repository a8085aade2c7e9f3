// CartPole-v1, as gymnasium/envs/classic_control/cartpole.py (kinematics_integrator "euler",
// sutton_barto_reward False) under TimeLimit(500).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <string>

#include "valor/env/classic_control.h"

namespace valor::env {
namespace {

constexpr double kGravity = 9.8;
constexpr double kMassCart = 1.0;
constexpr double kMassPole = 0.1;
constexpr double kTotalMass = kMassPole + kMassCart;
constexpr double kLength = 0.5;  // half the pole's length
constexpr double kPoleMassLength = kMassPole * kLength;
constexpr double kForceMag = 10.0;
constexpr double kTau = 0.02;  // seconds between state updates
// 12 degrees, written as the Python writes it so that the double is the same.
constexpr double kThetaThresholdRadians = 12 * 2 * std::numbers::pi / 360;
constexpr double kXThreshold = 2.4;

EnvSpec cartpole_spec() {
  constexpr float inf = std::numeric_limits<float>::infinity();
  const float x_high = static_cast<float>(kXThreshold * 2);
  const float theta_high = static_cast<float>(kThetaThresholdRadians * 2);
  EnvSpec spec;
  spec.name = "CartPole-v1";
  spec.obs_shape = {4};
  spec.num_actions = 2;
  spec.max_episode_steps = 500;
  spec.obs_low = {-x_high, -inf, -theta_high, -inf};
  spec.obs_high = {x_high, inf, theta_high, inf};
  return spec;
}

}  // namespace

CartPoleEnv::CartPoleEnv(uint64_t seed) : ClassicControlEnv(cartpole_spec(), 4, seed) {}

void CartPoleEnv::sample_initial_state(Rng& rng, std::span<double> state) const {
  constexpr double low = -0.05;
  constexpr double high = 0.05;
  for (double& s : state) s = low + (high - low) * rng.uniform();
}

float CartPoleEnv::transition(int action, std::span<double> state, bool& terminated) const {
  double x = state[0];
  double x_dot = state[1];
  double theta = state[2];
  double theta_dot = state[3];
  const double force = action == 1 ? kForceMag : -kForceMag;
  const double costheta = std::cos(theta);
  const double sintheta = std::sin(theta);

  // Florian, "Correct equations for the dynamics of the cart-pole system" (2007), with the
  // Python's order of operations.
  const double temp = (force + kPoleMassLength * (theta_dot * theta_dot) * sintheta) / kTotalMass;
  const double thetaacc = (kGravity * sintheta - costheta * temp) /
                          (kLength * (4.0 / 3.0 - kMassPole * (costheta * costheta) / kTotalMass));
  const double xacc = temp - kPoleMassLength * thetaacc * costheta / kTotalMass;

  x = x + kTau * x_dot;
  x_dot = x_dot + kTau * xacc;
  theta = theta + kTau * theta_dot;
  theta_dot = theta_dot + kTau * thetaacc;
  state[0] = x;
  state[1] = x_dot;
  state[2] = theta;
  state[3] = theta_dot;

  terminated = x < -kXThreshold || x > kXThreshold || theta < -kThetaThresholdRadians ||
               theta > kThetaThresholdRadians;
  return 1.0f;  // also on the terminating step
}

void CartPoleEnv::observation(std::span<const double> state, std::span<double> out) const {
  for (size_t i = 0; i < 4; ++i) out[i] = state[i];
}

std::string CartPoleEnv::render() const {
  const std::span<const double> s = state();
  std::string text = status_line();
  text +=
      fmt::format("\nx={:+.4f} x_dot={:+.4f} theta={:+.4f} rad ({:+.1f} deg) theta_dot={:+.4f}\n",
                  s[0], s[1], s[2], s[2] * 180 / std::numbers::pi, s[3]);
  // The track from -x_threshold to +x_threshold; the pole leans right for positive theta.
  constexpr int kWidth = 49;
  const double t = (s[0] + kXThreshold) / (2 * kXThreshold);
  const int cart = std::clamp(static_cast<int>(std::lround(t * (kWidth - 1))), 1, kWidth - 2);
  const double lean_threshold = kThetaThresholdRadians / 4;
  const char pole = s[2] > lean_threshold ? '/' : (s[2] < -lean_threshold ? '\\' : '|');
  const int pole_col = cart + (pole == '/' ? 1 : (pole == '\\' ? -1 : 0));
  std::string pole_row(kWidth + 2, ' ');
  pole_row[pole_col + 1] = pole;
  std::string track = "|" + std::string(kWidth, '-') + "|";
  track[cart] = '[';
  track[cart + 1] = '#';
  track[cart + 2] = ']';
  text += pole_row + "\n" + track + "\n";
  return text;
}

}  // namespace valor::env
