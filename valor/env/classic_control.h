// The classic-control tasks of Gymnasium — CartPole-v1, Acrobot-v1, MountainCar-v0 — with the
// dynamics, constants, integrators, termination rules, rewards and time limits of
// gymnasium/envs/classic_control/{cartpole,acrobot,mountain_car}.py (plus the TimeLimit wrapper
// that gymnasium.make adds). The internal state is float64 and is updated with the same
// operations in the same order as the Python, so that a step gives Gymnasium's bits wherever
// libm's cos/sin give numpy's (MountainCar: always; CartPole and Acrobot, whose np.cos/np.sin
// differed from libm in the last bits on the machine that recorded testdata/golden: to ~1e-12).
// Observations are that state (Acrobot: its cos/sin) rounded to float32.
//
// reset() draws the initial state from Gymnasium's distribution using the env's own valor::Rng
// (PCG64), NOT numpy's Generator stream: the same seed gives the same episode here, but not the
// one Gymnasium would give. reset_to() starts an episode at an exact state instead.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "valor/core/random.h"
#include "valor/env/env.h"

namespace valor::env {

struct ClassicGoldenResult;

// What the three tasks share: the float64 state, the time limit, the episode bookkeeping and the
// argument checks. A subclass supplies the initial-state distribution and one transition.
class ClassicControlEnv : public Env {
 public:
  const EnvSpec& spec() const override { return spec_; }
  void seed(uint64_t seed) override;
  void reset() override;
  // Gymnasium's step followed by TimeLimit's: truncated is set when the step count reaches
  // max_episode_steps, whether or not the step also terminated (both flags may be true; a
  // learner must treat terminated as final). valor::Error for an action outside
  // [0, num_actions), before the first reset, or after the episode ended.
  StepResult step(int action) override;
  // The state rounded to float32 (Acrobot: cos t1, sin t1, cos t2, sin t2, dt1, dt2).
  // valor::Error before the first reset or if `out` does not have obs_size() elements.
  void observe(std::span<float> out) const override;

  // Starts an episode at exactly `state` (state_size() values in the order of state()), with
  // the step counter at `elapsed_steps` (as if that many steps had been taken: the time limit
  // counts from there). valor::Error for a wrong size, a non-finite value, or elapsed_steps
  // outside [0, max_episode_steps).
  void reset_to(std::span<const double> state, int elapsed_steps = 0);
  // The internal float64 state: CartPole [x, x_dot, theta, theta_dot]; Acrobot [theta1, theta2,
  // dtheta1, dtheta2]; MountainCar [position, velocity].
  std::span<const double> state() const { return {state_.data(), state_size_}; }
  size_t state_size() const { return state_size_; }
  // Steps taken since the last reset.
  int elapsed_steps() const { return elapsed_steps_; }
  // True before the first reset and after a step that terminated or truncated.
  bool episode_over() const { return episode_over_; }

 protected:
  ClassicControlEnv(EnvSpec spec, size_t state_size, uint64_t seed);

  // Draws the initial state into `state` (the Python reset()).
  virtual void sample_initial_state(Rng& rng, std::span<double> state) const = 0;
  // Advances `state` by one step of `action` (already checked); returns the reward and sets
  // `terminated` (the Python step(), without the time limit).
  virtual float transition(int action, std::span<double> state, bool& terminated) const = 0;
  // Writes the float64 observation, before rounding to float32.
  virtual void observation(std::span<const double> state, std::span<double> out) const = 0;

  std::string status_line() const;

 private:
  // Replaces the state mid-episode, keeping the step counter (teacher forcing in the replay).
  void overwrite_state(std::span<const double> state);
  friend ClassicGoldenResult replay_classic_control_episode(const nlohmann::json& line);

  EnvSpec spec_;
  size_t state_size_;
  Rng rng_;
  std::array<double, 4> state_{};
  int elapsed_steps_ = 0;
  bool has_state_ = false;
  bool episode_over_ = true;
};

// CartPole-v1: cart-pole balancing (Barto, Sutton & Anderson 1983), explicit Euler with
// tau = 0.02, reward +1 on every step including the terminating one, time limit 500.
class CartPoleEnv : public ClassicControlEnv {
 public:
  explicit CartPoleEnv(uint64_t seed = 0);
  std::string render() const override;

 protected:
  void sample_initial_state(Rng& rng, std::span<double> state) const override;
  float transition(int action, std::span<double> state, bool& terminated) const override;
  void observation(std::span<const double> state, std::span<double> out) const override;
};

// Acrobot-v1: the two-link underactuated pendulum of Sutton (1996) with the book's dynamics
// (book_or_nips = "book"), one classic RK4 step of dt = 0.2, torque noise 0, reward -1 per step
// and 0 on reaching the target height, time limit 500.
class AcrobotEnv : public ClassicControlEnv {
 public:
  explicit AcrobotEnv(uint64_t seed = 0);
  std::string render() const override;

 protected:
  void sample_initial_state(Rng& rng, std::span<double> state) const override;
  float transition(int action, std::span<double> state, bool& terminated) const override;
  void observation(std::span<const double> state, std::span<double> out) const override;
};

// MountainCar-v0: the under-powered car of Moore (1990), reward -1 per step (also on the goal
// step), goal position 0.5 with goal velocity 0, time limit 200.
class MountainCarEnv : public ClassicControlEnv {
 public:
  explicit MountainCarEnv(uint64_t seed = 0);
  std::string render() const override;

 protected:
  void sample_initial_state(Rng& rng, std::span<double> state) const override;
  float transition(int action, std::span<double> state, bool& terminated) const override;
  void observation(std::span<const double> state, std::span<double> out) const override;
};

// "CartPole-v1", "Acrobot-v1", "MountainCar-v0".
const std::vector<std::string>& classic_control_names();

// The environment called `name` (Gymnasium's id), seeded with `seed`. valor::Error listing the
// valid names for an unknown one.
std::unique_ptr<ClassicControlEnv> make_classic_control(std::string_view name, uint64_t seed = 0);

// The outcome of replaying one recorded episode (one line of
// testdata/golden/classic_control/*.jsonl) in two ways:
//  - step by step ("teacher forcing", the verdict): every recorded step is replayed from the
//    recorded state before it, so each comparison tests one transition, free of the error that
//    earlier steps carried in; all steps are compared;
//  - free running (information): the recorded actions from state0 alone, compared until the
//    first difference. Acrobot is chaotic, and the recorder's numpy cos/sin differ from libm's
//    in the last bits, so a free run drifts apart after a few hundred steps.
struct ClassicGoldenResult {
  std::string env;               // the line's "env"
  size_t steps = 0;              // steps compared (all of the line's steps)
  size_t mismatches = 0;         // step-by-step comparisons that differed (obs0 counts as one)
  std::string first_mismatch;    // "step 17 field state[2]: expected ..., got ..." or empty
  double max_state_error = 0.0;  // largest step-by-step state error (see golden_state_error)
  size_t free_run_matched = 0;   // free-running steps that matched before the first difference
  std::string free_run_first_difference;  // empty when the whole free run matched
  double free_run_max_state_error = 0.0;  // over the matched free-running steps
};

// The state error of one element: |got - expected| / max(|expected|, 1e-12).
double golden_state_error(double got, double expected);
// A state element matches when golden_state_error <= this.
inline constexpr double kGoldenStateTolerance = 1e-9;

// Replays one golden episode (see ClassicGoldenResult): reset_to(state0) and compares obs0 exactly;
// then, for each recorded action, the state (within kGoldenStateTolerance), the float32
// observation, the reward and both flags exactly. valor::Error for a malformed line (missing or
// mistyped field, unknown env, wrong lengths, an action out of range).
ClassicGoldenResult replay_classic_control_episode(const nlohmann::json& line);

}  // namespace valor::env
