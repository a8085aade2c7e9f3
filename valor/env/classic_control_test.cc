#include "valor/env/classic_control.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <numbers>
#include <string>
#include <vector>

#include "valor/core/error.h"

namespace valor::env {
namespace {

std::vector<nlohmann::json> read_golden(const std::string& env) {
  const std::string path =
      std::string(VALOR_TESTDATA_DIR "/golden/classic_control/") + env + ".jsonl";
  std::ifstream in(path);
  EXPECT_TRUE(in) << "cannot open " << path;
  std::vector<nlohmann::json> lines;
  std::string text;
  while (std::getline(in, text)) {
    if (!text.empty()) lines.push_back(nlohmann::json::parse(text));
  }
  return lines;
}

struct GoldenSummary {
  size_t steps = 0;
  double max_state_error = 0.0;
  size_t min_free_run_matched = SIZE_MAX;  // over episodes
  size_t free_run_matched = 0;             // summed over episodes
  double free_run_max_state_error = 0.0;
};

// Replays every golden episode of `env_name`: every step must match when replayed from the
// recorded state before it.
GoldenSummary check_golden(const std::string& env_name) {
  const std::vector<nlohmann::json> lines = read_golden(env_name);
  EXPECT_EQ(lines.size(), 20u);
  GoldenSummary summary;
  for (size_t n = 0; n < lines.size(); ++n) {
    const ClassicGoldenResult result = replay_classic_control_episode(lines[n]);
    EXPECT_EQ(result.env, env_name);
    EXPECT_EQ(result.mismatches, 0u) << "episode " << n << ": " << result.first_mismatch;
    EXPECT_EQ(result.steps, lines[n]["steps"].size());
    summary.steps += result.steps;
    summary.max_state_error = std::max(summary.max_state_error, result.max_state_error);
    summary.min_free_run_matched = std::min(summary.min_free_run_matched, result.free_run_matched);
    summary.free_run_matched += result.free_run_matched;
    summary.free_run_max_state_error =
        std::max(summary.free_run_max_state_error, result.free_run_max_state_error);
    if (!result.free_run_first_difference.empty()) {
      std::printf("%s episode %zu free run: %s\n", env_name.c_str(), n,
                  result.free_run_first_difference.c_str());
    }
  }
  std::printf(
      "%s golden: %zu episodes, %zu steps; step by step: max state error %.3g; free run: %zu "
      "steps matched (fewest in one episode: %zu), max state error %.3g\n",
      env_name.c_str(), lines.size(), summary.steps, summary.max_state_error,
      summary.free_run_matched, summary.min_free_run_matched, summary.free_run_max_state_error);
  return summary;
}

TEST(CartPoleTest, GoldenEpisodesMatchGymnasium) {
  const GoldenSummary summary = check_golden("CartPole-v1");
  EXPECT_EQ(summary.free_run_matched, summary.steps);  // short episodes: no drift
}

TEST(AcrobotTest, GoldenEpisodesMatchGymnasium) {
  const GoldenSummary summary = check_golden("Acrobot-v1");
  // The free run drifts (chaos amplifies last-bit differences in cos/sin) but stays within
  // tolerance for hundreds of steps.
  EXPECT_GE(summary.min_free_run_matched, 300u);
}

TEST(MountainCarTest, GoldenEpisodesMatchGymnasium) {
  const GoldenSummary summary = check_golden("MountainCar-v0");
  EXPECT_EQ(summary.free_run_matched, summary.steps);
  EXPECT_EQ(summary.max_state_error, 0.0);  // bit for bit: only math.cos, which libm matches
}

TEST(ClassicControlTest, GoldenReplayReportsTheFirstMismatch) {
  nlohmann::json line = read_golden("MountainCar-v0").at(0);
  line["steps"][17]["state"][1] = line["steps"][17]["state"][1].get<double>() + 1e-6;
  const ClassicGoldenResult result = replay_classic_control_episode(line);
  EXPECT_GE(result.mismatches, 1u);
  EXPECT_EQ(result.steps, line["steps"].size());
  EXPECT_EQ(result.free_run_matched, 17u);
  EXPECT_NE(result.first_mismatch.find("step 17 field state[1]"), std::string::npos)
      << result.first_mismatch;

  nlohmann::json bad_obs = read_golden("CartPole-v1").at(0);
  bad_obs["obs0"][2] = std::nextafter(bad_obs["obs0"][2].get<float>(), 1.0f);
  EXPECT_NE(replay_classic_control_episode(bad_obs).first_mismatch.find("obs0 field obs[2]"),
            std::string::npos);

  // Step by step, each step is judged on its own: two wrong records are two mismatches.
  nlohmann::json flags = read_golden("Acrobot-v1").at(0);
  flags["steps"][3]["r"] = 0.0;
  flags["steps"].back()["truncated"] = false;
  const ClassicGoldenResult flagged = replay_classic_control_episode(flags);
  EXPECT_EQ(flagged.mismatches, 2u);
  EXPECT_EQ(flagged.first_mismatch, "step 3 field r: expected 0, got -1");

  nlohmann::json no_state = line;
  no_state.erase("state0");
  EXPECT_THROW(replay_classic_control_episode(no_state), Error);
  nlohmann::json bad_env = line;
  bad_env["env"] = "Pendulum-v1";
  EXPECT_THROW(replay_classic_control_episode(bad_env), Error);
  nlohmann::json bad_action = line;
  bad_action["steps"][3]["a"] = 3;
  EXPECT_THROW(replay_classic_control_episode(bad_action), Error);
}

TEST(ClassicControlTest, SpecsFollowGymnasium) {
  constexpr float inf = std::numeric_limits<float>::infinity();
  CartPoleEnv cartpole;
  EXPECT_EQ(cartpole.spec().name, "CartPole-v1");
  EXPECT_EQ(cartpole.spec().obs_shape, std::vector<int>{4});
  EXPECT_EQ(cartpole.spec().num_actions, 2);
  EXPECT_EQ(cartpole.spec().max_episode_steps, 500);
  EXPECT_EQ(cartpole.spec().obs_high, (std::vector<float>{4.8f, inf, 0.41887903f, inf}));
  EXPECT_EQ(cartpole.spec().obs_low, (std::vector<float>{-4.8f, -inf, -0.41887903f, -inf}));

  AcrobotEnv acrobot;
  EXPECT_EQ(acrobot.spec().name, "Acrobot-v1");
  EXPECT_EQ(acrobot.spec().obs_shape, std::vector<int>{6});
  EXPECT_EQ(acrobot.spec().num_actions, 3);
  EXPECT_EQ(acrobot.spec().max_episode_steps, 500);
  EXPECT_EQ(acrobot.spec().obs_high, (std::vector<float>{1, 1, 1, 1, 12.566371f, 28.274334f}));
  EXPECT_EQ(acrobot.spec().obs_low, (std::vector<float>{-1, -1, -1, -1, -12.566371f, -28.274334f}));

  MountainCarEnv car;
  EXPECT_EQ(car.spec().name, "MountainCar-v0");
  EXPECT_EQ(car.spec().obs_shape, std::vector<int>{2});
  EXPECT_EQ(car.spec().num_actions, 3);
  EXPECT_EQ(car.spec().max_episode_steps, 200);
  EXPECT_EQ(car.spec().obs_low, (std::vector<float>{-1.2f, -0.07f}));
  EXPECT_EQ(car.spec().obs_high, (std::vector<float>{0.6f, 0.07f}));
}

TEST(ClassicControlTest, FactoryKnowsTheNamesAndListsThemForAnUnknownOne) {
  EXPECT_EQ(classic_control_names(),
            (std::vector<std::string>{"CartPole-v1", "Acrobot-v1", "MountainCar-v0"}));
  for (const std::string& name : classic_control_names()) {
    EXPECT_EQ(make_classic_control(name)->spec().name, name);
  }
  try {
    make_classic_control("CartPole-v0");
    FAIL() << "no error for an unknown name";
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("CartPole-v0"), std::string::npos);
    EXPECT_NE(message.find("CartPole-v1, Acrobot-v1, MountainCar-v0"), std::string::npos);
  }
}

TEST(CartPoleTest, OneStepFromRestMatchesTheHandComputation) {
  // From rest, pushing right (force 10): cos = 1, sin = 0, so
  //   temp     = 10 / 1.1                          = 100/11
  //   thetaacc = -temp / (0.5 (4/3 - 0.1/1.1))      = -(100/11) / (41/66) = -600/41
  //   xacc     = temp - 0.05 thetaacc / 1.1         = 100/11 + 300/451   = 400/41
  // and Euler with tau = 0.02 moves only the velocities: x_dot = 8/41, theta_dot = -12/41.
  CartPoleEnv env;
  const std::vector<double> rest = {0.0, 0.0, 0.0, 0.0};
  env.reset_to(rest);
  const StepResult r = env.step(1);
  EXPECT_EQ(r.reward, 1.0f);
  EXPECT_FALSE(r.terminated);
  EXPECT_FALSE(r.truncated);
  EXPECT_EQ(env.state()[0], 0.0);
  EXPECT_NEAR(env.state()[1], 8.0 / 41, 1e-15);
  EXPECT_EQ(env.state()[2], 0.0);
  EXPECT_NEAR(env.state()[3], -12.0 / 41, 1e-15);
  // The next step moves the positions by tau times those velocities.
  env.step(0);
  EXPECT_NEAR(env.state()[0], 0.02 * 8 / 41, 1e-15);
  EXPECT_NEAR(env.state()[2], -0.02 * 12 / 41, 1e-15);
  std::vector<float> obs(4);
  env.observe(obs);
  for (size_t i = 0; i < 4; ++i) EXPECT_EQ(obs[i], static_cast<float>(env.state()[i]));
}

TEST(CartPoleTest, TerminatesOutsideTheThresholdsWithRewardOne) {
  CartPoleEnv env;
  const std::vector<double> edge = {2.4, 1.0, 0.0, 0.0};  // x moves to 2.42 > 2.4
  env.reset_to(edge);
  StepResult r = env.step(1);
  EXPECT_TRUE(r.terminated);
  EXPECT_EQ(r.reward, 1.0f);
  EXPECT_TRUE(env.episode_over());
  EXPECT_THROW(env.step(0), Error);

  const double twelve_degrees = 12 * 2 * std::numbers::pi / 360;
  const std::vector<double> tilted = {0.0, 0.0, twelve_degrees, 0.0};  // theta stays put
  env.reset_to(tilted);
  EXPECT_FALSE(env.step(1).terminated);  // theta == threshold is not beyond it
  const std::vector<double> falling = {0.0, 0.0, twelve_degrees, 1.0};
  env.reset_to(falling);
  EXPECT_TRUE(env.step(1).terminated);
}

TEST(CartPoleTest, BalancingControllerIsTruncatedAtExactly500Steps) {
  CartPoleEnv env(7);
  env.reset();
  StepResult r;
  for (int t = 1; t <= 500; ++t) {
    ASSERT_FALSE(env.episode_over());
    const std::span<const double> s = env.state();
    // Push towards where the pole and cart are heading (a linear state-feedback controller).
    const int action = (0.1 * s[0] + 0.5 * s[1] + 10 * s[2] + 2 * s[3]) > 0 ? 1 : 0;
    r = env.step(action);
    ASSERT_FALSE(r.terminated) << "the test controller dropped the pole at step " << t;
    EXPECT_EQ(r.truncated, t == 500) << "step " << t;
    EXPECT_EQ(env.elapsed_steps(), t);
  }
  EXPECT_TRUE(env.episode_over());
  EXPECT_THROW(env.step(1), Error);
  env.reset();
  EXPECT_EQ(env.elapsed_steps(), 0);
  EXPECT_NO_THROW(env.step(1));
}

TEST(AcrobotTest, ReachingTheTargetHeightTerminatesWithRewardZero) {
  AcrobotEnv env;
  const std::vector<double> upright = {std::numbers::pi - 0.01, 0.0, 0.0, 0.0};
  env.reset_to(upright);
  const StepResult r = env.step(1);
  EXPECT_TRUE(r.terminated);
  EXPECT_EQ(r.reward, 0.0f);
  // Hanging at rest is not terminal, and costs -1.
  const std::vector<double> down = {0.0, 0.0, 0.0, 0.0};
  env.reset_to(down);
  const StepResult r2 = env.step(1);
  EXPECT_FALSE(r2.terminated);
  EXPECT_EQ(r2.reward, -1.0f);
  for (double x : env.state()) EXPECT_LT(std::abs(x), 1e-12);
}

TEST(AcrobotTest, WrapsAnglesAndBoundsVelocities) {
  AcrobotEnv env;
  const std::vector<double> fast = {3.1, -3.1, 100.0, -100.0};
  env.reset_to(fast);
  env.step(2);
  const std::span<const double> s = env.state();
  EXPECT_GE(s[0], -std::numbers::pi);
  EXPECT_LE(s[0], std::numbers::pi);
  EXPECT_GE(s[1], -std::numbers::pi);
  EXPECT_LE(s[1], std::numbers::pi);
  EXPECT_EQ(std::abs(s[2]), 4 * std::numbers::pi);
  EXPECT_EQ(std::abs(s[3]), 9 * std::numbers::pi);
  std::vector<float> obs(6);
  env.observe(obs);
  EXPECT_EQ(obs[0], static_cast<float>(std::cos(s[0])));
  EXPECT_EQ(obs[1], static_cast<float>(std::sin(s[0])));
  EXPECT_EQ(obs[2], static_cast<float>(std::cos(s[1])));
  EXPECT_EQ(obs[3], static_cast<float>(std::sin(s[1])));
  EXPECT_EQ(obs[4], static_cast<float>(s[2]));
  EXPECT_EQ(obs[5], static_cast<float>(s[3]));
  // Angles far outside [-pi, pi] (only reachable through reset_to) are wrapped too.
  const std::vector<double> far = {1e6, -1e9, 0.0, 0.0};
  env.reset_to(far);
  env.step(1);
  EXPECT_LE(std::abs(env.state()[0]), std::numbers::pi);
  EXPECT_LE(std::abs(env.state()[1]), std::numbers::pi);
}

TEST(AcrobotTest, DoingNothingIsTruncatedAtExactly500Steps) {
  AcrobotEnv env(3);
  env.reset();
  for (int t = 1; t <= 500; ++t) {
    const StepResult r = env.step(1);
    ASSERT_FALSE(r.terminated);
    EXPECT_EQ(r.truncated, t == 500) << "step " << t;
  }
  EXPECT_THROW(env.step(1), Error);
}

// reset_to with elapsed steps: the time limit counts from there.
TEST(ClassicControlTest, ResetToWithElapsedStepsKeepsTheTimeLimit) {
  MountainCarEnv env;
  const std::vector<double> start = {-0.5, 0.0};
  env.reset_to(start, 198);
  EXPECT_EQ(env.elapsed_steps(), 198);
  EXPECT_FALSE(env.step(1).truncated);
  EXPECT_TRUE(env.step(1).truncated);
  EXPECT_THROW(env.reset_to(start, 200), Error);
  EXPECT_THROW(env.reset_to(start, -1), Error);
}

TEST(MountainCarTest, OneStepMatchesTheHandComputation) {
  MountainCarEnv env;
  // velocity = 0 + (2 - 1) * 0.001 + cos(3 * -0.5) * -0.0025; position = -0.5 + velocity.
  const std::vector<double> start = {-0.5, 0.0};
  env.reset_to(start);
  const StepResult r = env.step(2);
  const double velocity = 0.001 - 0.0025 * std::cos(1.5);
  EXPECT_NEAR(env.state()[1], velocity, 1e-18);
  EXPECT_NEAR(env.state()[0], -0.5 + velocity, 1e-16);
  EXPECT_EQ(r.reward, -1.0f);
  EXPECT_FALSE(r.terminated);
}

TEST(MountainCarTest, LeftWallStopsTheCarAndSpeedIsClipped) {
  MountainCarEnv env;
  const std::vector<double> against_wall = {-1.19, -0.07};
  env.reset_to(against_wall);
  env.step(0);
  EXPECT_EQ(env.state()[0], -1.2);
  EXPECT_EQ(env.state()[1], 0.0);
  const std::vector<double> fast = {-1.0, 0.07};  // gravity and push both add speed
  env.reset_to(fast);
  env.step(2);
  EXPECT_EQ(env.state()[1], 0.07);
}

TEST(MountainCarTest, GoalTerminatesWithRewardMinusOne) {
  MountainCarEnv env;
  const std::vector<double> near_goal = {0.49, 0.02};
  env.reset_to(near_goal);
  const StepResult r = env.step(2);
  EXPECT_TRUE(r.terminated);
  EXPECT_FALSE(r.truncated);
  EXPECT_EQ(r.reward, -1.0f);
  // At the goal position but moving left: not terminal.
  const std::vector<double> backwards = {0.55, -0.06};
  env.reset_to(backwards);
  EXPECT_FALSE(env.step(0).terminated);
}

// Gymnasium's TimeLimit sets truncated on the last allowed step even when that step also
// terminates; both flags then come back true. Find a MountainCar run that reaches the goal on
// exactly step 200: wait W steps at the bottom, then pump energy (push along the velocity).
TEST(MountainCarTest, TerminatingOnTheLastStepSetsBothFlags) {
  MountainCarEnv env;
  const std::vector<double> bottom = {-std::numbers::pi / 6, 0.0};
  bool found = false;
  for (int wait = 0; wait < 200 && !found; ++wait) {
    env.reset_to(bottom);
    StepResult r;
    for (int t = 0; t < wait; ++t) r = env.step(1);
    while (!env.episode_over()) r = env.step(env.state()[1] >= 0 ? 2 : 0);
    if (r.terminated && env.elapsed_steps() == 200) {
      EXPECT_TRUE(r.truncated);
      found = true;
    } else if (r.terminated) {
      EXPECT_FALSE(r.truncated);
    } else {
      EXPECT_TRUE(r.truncated);
      EXPECT_EQ(env.elapsed_steps(), 200);
    }
  }
  EXPECT_TRUE(found) << "no waiting time made the goal coincide with the time limit";
}

TEST(ClassicControlTest, ResetIsDeterministicPerSeedAndDrawsFromGymnasiumRanges) {
  for (const std::string& name : classic_control_names()) {
    auto a = make_classic_control(name, 42);
    auto b = make_classic_control(name, 42);
    auto c = make_classic_control(name, 43);
    std::vector<std::vector<double>> first;
    for (int episode = 0; episode < 50; ++episode) {
      a->reset();
      b->reset();
      c->reset();
      const std::vector<double> sa(a->state().begin(), a->state().end());
      const std::vector<double> sb(b->state().begin(), b->state().end());
      const std::vector<double> sc(c->state().begin(), c->state().end());
      EXPECT_EQ(sa, sb) << name;
      EXPECT_NE(sa, sc) << name;
      first.push_back(sa);
      for (size_t i = 0; i < sa.size(); ++i) {
        if (name == "CartPole-v1") {
          EXPECT_GE(sa[i], -0.05);
          EXPECT_LT(sa[i], 0.05);
        } else if (name == "Acrobot-v1") {
          EXPECT_GE(sa[i], -0.1);
          EXPECT_LE(sa[i], 0.1);
          EXPECT_EQ(sa[i], static_cast<double>(static_cast<float>(sa[i])));  // float32 draws
        }
      }
      if (name == "MountainCar-v0") {
        EXPECT_GE(sa[0], -0.6);
        EXPECT_LT(sa[0], -0.4);
        EXPECT_EQ(sa[1], 0.0);
      }
    }
    // Re-seeding restarts the sequence.
    a->seed(42);
    a->reset();
    EXPECT_EQ(std::vector<double>(a->state().begin(), a->state().end()), first[0]) << name;
  }
}

TEST(ClassicControlTest, RejectsBadActionsStatesAndOrder) {
  for (const std::string& name : classic_control_names()) {
    auto env = make_classic_control(name);
    std::vector<float> obs(env->spec().obs_size());
    EXPECT_THROW(env->step(0), Error) << name;  // before reset
    EXPECT_THROW(env->observe(obs), Error) << name;
    env->reset();
    EXPECT_THROW(env->step(-1), Error) << name;
    EXPECT_THROW(env->step(env->spec().num_actions), Error) << name;
    std::vector<float> short_obs(env->spec().obs_size() - 1);
    EXPECT_THROW(env->observe(short_obs), Error) << name;
    std::vector<double> state(env->state_size() + 1, 0.0);
    EXPECT_THROW(env->reset_to(state), Error) << name;
    state.pop_back();
    state[0] = std::numeric_limits<double>::quiet_NaN();
    EXPECT_THROW(env->reset_to(state), Error) << name;
    state[0] = std::numeric_limits<double>::infinity();
    EXPECT_THROW(env->reset_to(state), Error) << name;
    state[0] = -0.5;
    env->reset_to(state);
    EXPECT_EQ(std::vector<double>(env->state().begin(), env->state().end()), state);
    EXPECT_EQ(env->elapsed_steps(), 0);
    EXPECT_NO_THROW(env->step(0));
  }
}

TEST(ClassicControlTest, RandomPlayStaysInTheObservationBoundsAndRenders) {
  for (const std::string& name : classic_control_names()) {
    auto env = make_classic_control(name, 5);
    Rng rng(11);
    std::vector<float> obs(env->spec().obs_size());
    const EnvSpec& spec = env->spec();
    for (int episode = 0; episode < 5; ++episode) {
      env->reset();
      do {
        env->step(static_cast<int>(rng.below(static_cast<uint64_t>(spec.num_actions))));
        env->observe(obs);
        for (size_t i = 0; i < obs.size(); ++i) {
          EXPECT_GE(obs[i], spec.obs_low[i]) << name << " element " << i;
          EXPECT_LE(obs[i], spec.obs_high[i]) << name << " element " << i;
        }
      } while (!env->episode_over());
    }
    const std::string picture = env->render();
    EXPECT_NE(picture.find(name), std::string::npos);
    EXPECT_GE(std::count(picture.begin(), picture.end(), '\n'), 3);
  }
}

}  // namespace
}  // namespace valor::env
