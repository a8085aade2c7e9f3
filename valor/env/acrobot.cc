// Acrobot-v1, as gymnasium/envs/classic_control/acrobot.py (book_or_nips "book",
// torque_noise_max 0) under TimeLimit(500).
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>
#include <string>

#include "valor/env/classic_control.h"

namespace valor::env {
namespace {

constexpr double kPi = std::numbers::pi;
constexpr double kDt = 0.2;
constexpr double kLinkLength1 = 1.0;  // [m]
constexpr double kLinkLength2 = 1.0;  // [m]
constexpr double kLinkMass1 = 1.0;    // [kg]
constexpr double kLinkMass2 = 1.0;    // [kg]
constexpr double kLinkComPos1 = 0.5;  // [m] position of the centre of mass of link 1
constexpr double kLinkComPos2 = 0.5;  // [m]
constexpr double kLinkMoi = 1.0;      // moment of inertia of both links
constexpr double kGravity = 9.8;
constexpr double kMaxVel1 = 4 * kPi;
constexpr double kMaxVel2 = 9 * kPi;
constexpr std::array<double, 3> kAvailableTorque = {-1.0, 0.0, +1.0};

using State = std::array<double, 4>;

// AcrobotEnv._dsdt with the "book" equation for ddtheta2; `a` is the torque. The expressions keep
// the Python's operand order (x**2 of a float64 is correctly rounded, as x * x is).
State dsdt(const State& s, double a) {
  constexpr double m1 = kLinkMass1;
  constexpr double m2 = kLinkMass2;
  constexpr double l1 = kLinkLength1;
  constexpr double lc1 = kLinkComPos1;
  constexpr double lc2 = kLinkComPos2;
  constexpr double I1 = kLinkMoi;
  constexpr double I2 = kLinkMoi;
  constexpr double g = kGravity;
  const double theta1 = s[0];
  const double theta2 = s[1];
  const double dtheta1 = s[2];
  const double dtheta2 = s[3];
  const double d1 =
      m1 * (lc1 * lc1) + m2 * ((l1 * l1) + (lc2 * lc2) + 2 * l1 * lc2 * std::cos(theta2)) + I1 + I2;
  const double d2 = m2 * ((lc2 * lc2) + l1 * lc2 * std::cos(theta2)) + I2;
  const double phi2 = m2 * lc2 * g * std::cos(theta1 + theta2 - kPi / 2.0);
  const double phi1 = -m2 * l1 * lc2 * (dtheta2 * dtheta2) * std::sin(theta2) -
                      2 * m2 * l1 * lc2 * dtheta2 * dtheta1 * std::sin(theta2) +
                      (m1 * lc1 + m2 * l1) * g * std::cos(theta1 - kPi / 2) + phi2;
  const double ddtheta2 =
      (a + d2 / d1 * phi1 - m2 * l1 * lc2 * (dtheta1 * dtheta1) * std::sin(theta2) - phi2) /
      (m2 * (lc2 * lc2) + I2 - (d2 * d2) / d1);
  const double ddtheta1 = -(d2 * ddtheta2 + phi1) / d1;
  return {dtheta1, dtheta2, ddtheta1, ddtheta2};
}

// The module's rk4() over the sample times [0, dt]: one classic Runge-Kutta step. The torque
// rides along as a fifth state component with derivative 0, so it stays exactly `a`.
State rk4_step(const State& y0, double a) {
  constexpr double dt = kDt - 0;
  constexpr double dt2 = dt / 2.0;
  auto shifted = [&](double h, const State& k) {
    State y;
    for (size_t i = 0; i < 4; ++i) y[i] = y0[i] + h * k[i];
    return y;
  };
  const State k1 = dsdt(y0, a);
  const State k2 = dsdt(shifted(dt2, k1), a);
  const State k3 = dsdt(shifted(dt2, k2), a);
  const State k4 = dsdt(shifted(dt, k3), a);
  State y;
  for (size_t i = 0; i < 4; ++i) {
    y[i] = y0[i] + dt / 6.0 * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]);
  }
  return y;
}

// The module's wrap(): shifts x by whole periods into [m, M]. Values more than a few periods
// out (only reachable through reset_to) are first reduced with fmod, where the Python loop would
// take forever; non-finite values are returned as they are.
double wrap(double x, double m, double M) {
  const double diff = M - m;
  if (!std::isfinite(x)) return x;
  if (x > M + 8 * diff || x < m - 8 * diff) x = m + std::fmod(x - m, diff);
  while (x > M) x = x - diff;
  while (x < m) x = x + diff;
  return x;
}

// The module's bound(): Python's min(max(x, m), M), comparisons included.
double bound(double x, double m, double M) {
  const double lower = m > x ? m : x;
  return M < lower ? M : lower;
}

EnvSpec acrobot_spec() {
  const float v1 = static_cast<float>(kMaxVel1);
  const float v2 = static_cast<float>(kMaxVel2);
  EnvSpec spec;
  spec.name = "Acrobot-v1";
  spec.obs_shape = {6};
  spec.num_actions = 3;
  spec.max_episode_steps = 500;
  spec.obs_low = {-1.0f, -1.0f, -1.0f, -1.0f, -v1, -v2};
  spec.obs_high = {1.0f, 1.0f, 1.0f, 1.0f, v1, v2};
  return spec;
}

}  // namespace

AcrobotEnv::AcrobotEnv(uint64_t seed) : ClassicControlEnv(acrobot_spec(), 4, seed) {}

void AcrobotEnv::sample_initial_state(Rng& rng, std::span<double> state) const {
  constexpr double low = -0.1;
  constexpr double high = 0.1;
  // Gymnasium casts the draws to float32 (.astype(np.float32)).
  for (double& s : state) s = static_cast<float>(low + (high - low) * rng.uniform());
}

float AcrobotEnv::transition(int action, std::span<double> state, bool& terminated) const {
  const State s = {state[0], state[1], state[2], state[3]};
  State ns = rk4_step(s, kAvailableTorque[static_cast<size_t>(action)]);
  ns[0] = wrap(ns[0], -kPi, kPi);
  ns[1] = wrap(ns[1], -kPi, kPi);
  ns[2] = bound(ns[2], -kMaxVel1, kMaxVel1);
  ns[3] = bound(ns[3], -kMaxVel2, kMaxVel2);
  for (size_t i = 0; i < 4; ++i) state[i] = ns[i];
  // The free end above the target height: one link length above the pivot.
  terminated = -std::cos(ns[0]) - std::cos(ns[1] + ns[0]) > 1.0;
  return terminated ? 0.0f : -1.0f;
}

void AcrobotEnv::observation(std::span<const double> state, std::span<double> out) const {
  out[0] = std::cos(state[0]);
  out[1] = std::sin(state[0]);
  out[2] = std::cos(state[1]);
  out[3] = std::sin(state[1]);
  out[4] = state[2];
  out[5] = state[3];
}

std::string AcrobotEnv::render() const {
  const std::span<const double> s = state();
  std::string text = status_line();
  const double height = -std::cos(s[0]) - std::cos(s[1] + s[0]);
  text += fmt::format(
      "\ntheta1={:+.4f} theta2={:+.4f} dtheta1={:+.4f} dtheta2={:+.4f} tip height={:+.3f} "
      "(target > 1)\n",
      s[0], s[1], s[2], s[3], height);
  // A 23 x 11 picture of [-2.2, 2.2]^2: pivot 'o', elbow '*', tip '@', target height '-'.
  constexpr int kCols = 23;
  constexpr int kRows = 11;
  constexpr double kExtent = 2.2;
  std::array<std::string, kRows> grid;
  grid.fill(std::string(kCols, ' '));
  auto plot = [&](double x, double y, char c) {
    const int col = static_cast<int>(std::lround((x + kExtent) / (2 * kExtent) * (kCols - 1)));
    const int row = static_cast<int>(std::lround((kExtent - y) / (2 * kExtent) * (kRows - 1)));
    if (col >= 0 && col < kCols && row >= 0 && row < kRows) grid[row][col] = c;
  };
  for (int c = 0; c < kCols; ++c) plot(-kExtent + 2 * kExtent * c / (kCols - 1), 1.0, '-');
  const double x1 = kLinkLength1 * std::sin(s[0]);
  const double y1 = -kLinkLength1 * std::cos(s[0]);
  const double x2 = x1 + kLinkLength2 * std::sin(s[0] + s[1]);
  const double y2 = y1 - kLinkLength2 * std::cos(s[0] + s[1]);
  for (int i = 1; i < 8; ++i) {
    const double f = i / 8.0;
    plot(f * x1, f * y1, '.');
    plot(x1 + f * (x2 - x1), y1 + f * (y2 - y1), '.');
  }
  plot(0.0, 0.0, 'o');
  plot(x1, y1, '*');
  plot(x2, y2, '@');
  for (const std::string& row : grid) text += row + "\n";
  return text;
}

}  // namespace valor::env
