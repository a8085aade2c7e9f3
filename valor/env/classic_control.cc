#include "valor/env/classic_control.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <utility>

#include "valor/core/error.h"

namespace valor::env {

ClassicControlEnv::ClassicControlEnv(EnvSpec spec, size_t state_size, uint64_t seed)
    : spec_(std::move(spec)), state_size_(state_size), rng_(seed) {
  VALOR_CHECK(state_size_ <= state_.size());
  VALOR_CHECK(spec_.obs_size() <= 8);
}

void ClassicControlEnv::seed(uint64_t seed) { rng_ = Rng(seed); }

void ClassicControlEnv::reset() {
  state_.fill(0.0);
  sample_initial_state(rng_, {state_.data(), state_size_});
  elapsed_steps_ = 0;
  has_state_ = true;
  episode_over_ = false;
}

void ClassicControlEnv::reset_to(std::span<const double> state, int elapsed_steps) {
  if (state.size() != state_size_) {
    fail("{}: reset_to needs a state of {} values, got {}", spec_.name, state_size_, state.size());
  }
  for (size_t i = 0; i < state.size(); ++i) {
    if (!std::isfinite(state[i])) {
      fail("{}: reset_to: state[{}] is {}, not a finite number", spec_.name, i, state[i]);
    }
  }
  if (elapsed_steps < 0 || elapsed_steps >= spec_.max_episode_steps) {
    fail("{}: reset_to: elapsed_steps {} is outside [0, {}) (the time limit is {} steps)",
         spec_.name, elapsed_steps, spec_.max_episode_steps, spec_.max_episode_steps);
  }
  state_.fill(0.0);
  std::copy(state.begin(), state.end(), state_.begin());
  elapsed_steps_ = elapsed_steps;
  has_state_ = true;
  episode_over_ = false;
}

StepResult ClassicControlEnv::step(int action) {
  if (action < 0 || action >= spec_.num_actions) {
    fail("{}: action {} is out of range; valid actions are 0 to {}", spec_.name, action,
         spec_.num_actions - 1);
  }
  if (!has_state_) fail("{}: step() before reset(); call reset() first", spec_.name);
  if (episode_over_) {
    fail("{}: step() after the episode ended (terminated or truncated); call reset() first",
         spec_.name);
  }
  StepResult result;
  result.reward = transition(action, {state_.data(), state_size_}, result.terminated);
  ++elapsed_steps_;
  // gymnasium.wrappers.TimeLimit: truncated once the count reaches the limit, even on a step that
  // also terminated.
  result.truncated = spec_.max_episode_steps > 0 && elapsed_steps_ >= spec_.max_episode_steps;
  episode_over_ = result.terminated || result.truncated;
  return result;
}

void ClassicControlEnv::observe(std::span<float> out) const {
  if (!has_state_) fail("{}: observe() before reset(); call reset() first", spec_.name);
  if (out.size() != spec_.obs_size()) {
    fail("{}: observe() needs a buffer of {} floats, got {}", spec_.name, spec_.obs_size(),
         out.size());
  }
  std::array<double, 8> obs{};
  observation({state_.data(), state_size_}, {obs.data(), out.size()});
  for (size_t i = 0; i < out.size(); ++i) out[i] = static_cast<float>(obs[i]);
}

std::string ClassicControlEnv::status_line() const {
  return fmt::format("{} step {}/{}{}", spec_.name, elapsed_steps_, spec_.max_episode_steps,
                     has_state_ ? (episode_over_ ? " (episode over)" : "") : " (not reset)");
}

const std::vector<std::string>& classic_control_names() {
  static const std::vector<std::string> names = {"CartPole-v1", "Acrobot-v1", "MountainCar-v0"};
  return names;
}

std::unique_ptr<ClassicControlEnv> make_classic_control(std::string_view name, uint64_t seed) {
  if (name == "CartPole-v1") return std::make_unique<CartPoleEnv>(seed);
  if (name == "Acrobot-v1") return std::make_unique<AcrobotEnv>(seed);
  if (name == "MountainCar-v0") return std::make_unique<MountainCarEnv>(seed);
  fail("unknown classic-control environment '{}'; valid names are {}", name,
       fmt::join(classic_control_names(), ", "));
}

void ClassicControlEnv::overwrite_state(std::span<const double> state) {
  VALOR_CHECK(state.size() == state_size_);
  std::copy(state.begin(), state.end(), state_.begin());
  has_state_ = true;
  episode_over_ = false;
}

// ---------------------------------------------------------------------------------------------
// Golden replay.

double golden_state_error(double got, double expected) {
  return std::abs(got - expected) / std::max(std::abs(expected), 1e-12);
}

namespace {

using nlohmann::json;

struct GoldenStep {
  int action = 0;
  std::vector<double> state;
  std::vector<double> obs;
  double reward = 0.0;
  bool terminated = false;
  bool truncated = false;
};

const json& field(const json& object, const char* key, const std::string& where) {
  if (!object.is_object()) fail("{}: expected a JSON object", where);
  auto it = object.find(key);
  if (it == object.end()) fail("{}: missing field \"{}\"", where, key);
  return *it;
}

std::vector<double> number_array(const json& object, const char* key, size_t size,
                                 const std::string& where) {
  const json& value = field(object, key, where);
  if (!value.is_array() || value.size() != size) {
    fail("{}: field \"{}\" must be an array of {} numbers", where, key, size);
  }
  std::vector<double> out;
  out.reserve(size);
  for (const json& x : value) {
    if (!x.is_number()) fail("{}: field \"{}\" must be an array of {} numbers", where, key, size);
    out.push_back(x.get<double>());
  }
  return out;
}

bool boolean(const json& object, const char* key, const std::string& where) {
  const json& value = field(object, key, where);
  if (!value.is_boolean()) fail("{}: field \"{}\" must be true or false", where, key);
  return value.get<bool>();
}

std::vector<GoldenStep> parse_steps(const json& line, const EnvSpec& spec, size_t state_size) {
  const json& steps = field(line, "steps", "golden line");
  if (!steps.is_array()) fail("golden line: field \"steps\" must be an array");
  std::vector<GoldenStep> out(steps.size());
  for (size_t k = 0; k < steps.size(); ++k) {
    const std::string where = fmt::format("golden line: step {}", k);
    const json& a = field(steps[k], "a", where);
    if (!a.is_number_integer()) fail("{}: field \"a\" must be an integer", where);
    const int64_t action = a.get<int64_t>();
    if (action < 0 || action >= spec.num_actions) {
      fail("{}: action {} is out of range for {} (0 to {})", where, action, spec.name,
           spec.num_actions - 1);
    }
    out[k].action = static_cast<int>(action);
    out[k].state = number_array(steps[k], "state", state_size, where);
    out[k].obs = number_array(steps[k], "obs", spec.obs_size(), where);
    const json& r = field(steps[k], "r", where);
    if (!r.is_number()) fail("{}: field \"r\" must be a number", where);
    out[k].reward = r.get<double>();
    out[k].terminated = boolean(steps[k], "terminated", where);
    out[k].truncated = boolean(steps[k], "truncated", where);
  }
  return out;
}

// The observation must equal the recorded one exactly (the recorder wrote float32 values as
// float64, so converting back is exact). Returns a description of the first difference, or "".
std::string compare_obs(const ClassicControlEnv& env, const std::vector<double>& expected,
                        std::span<float> obs, const std::string& where) {
  env.observe(obs);
  for (size_t i = 0; i < obs.size(); ++i) {
    const float want = static_cast<float>(expected[i]);
    if (want != obs[i]) {
      return fmt::format("{} field obs[{}]: expected {:.9g}, got {:.9g}", where, i, want, obs[i]);
    }
  }
  return "";
}

// Compares the outcome of one step; returns a description of the first difference, or "".
std::string compare_step(const ClassicControlEnv& env, const StepResult& got,
                         const GoldenStep& want, size_t k, std::span<float> obs,
                         double& max_error) {
  const std::string where = fmt::format("step {}", k);
  const std::span<const double> state = env.state();
  std::string mismatch;
  for (size_t i = 0; i < state.size(); ++i) {
    const double error = golden_state_error(state[i], want.state[i]);
    max_error = std::max(max_error, error);
    if (mismatch.empty() && !(error <= kGoldenStateTolerance)) {
      mismatch = fmt::format("{} field state[{}]: expected {:.17g}, got {:.17g}", where, i,
                             want.state[i], state[i]);
    }
  }
  if (mismatch.empty()) mismatch = compare_obs(env, want.obs, obs, where);
  if (mismatch.empty() && static_cast<double>(got.reward) != want.reward) {
    mismatch = fmt::format("{} field r: expected {}, got {}", where, want.reward, got.reward);
  }
  if (mismatch.empty() && got.terminated != want.terminated) {
    mismatch = fmt::format("{} field terminated: expected {}, got {}", where, want.terminated,
                           got.terminated);
  }
  if (mismatch.empty() && got.truncated != want.truncated) {
    mismatch = fmt::format("{} field truncated: expected {}, got {}", where, want.truncated,
                           got.truncated);
  }
  return mismatch;
}

}  // namespace

ClassicGoldenResult replay_classic_control_episode(const json& line) {
  ClassicGoldenResult result;
  const json& env_name = field(line, "env", "golden line");
  if (!env_name.is_string()) fail("golden line: field \"env\" must be a string");
  result.env = env_name.get<std::string>();
  std::unique_ptr<ClassicControlEnv> forced = make_classic_control(result.env);
  std::unique_ptr<ClassicControlEnv> free = make_classic_control(result.env);
  const EnvSpec& spec = forced->spec();
  const std::vector<double> state0 =
      number_array(line, "state0", forced->state_size(), "golden line");
  const std::vector<double> obs0 = number_array(line, "obs0", spec.obs_size(), "golden line");
  const std::vector<GoldenStep> steps = parse_steps(line, spec, forced->state_size());

  std::vector<float> obs(spec.obs_size());
  forced->reset_to(state0);
  free->reset_to(state0);
  const std::string obs0_mismatch = compare_obs(*forced, obs0, obs, "obs0");
  if (!obs0_mismatch.empty()) {
    ++result.mismatches;
    result.first_mismatch = obs0_mismatch;
    result.free_run_first_difference = obs0_mismatch;
  }

  for (size_t k = 0; k < steps.size(); ++k) {
    if (k > 0) forced->overwrite_state(steps[k - 1].state);
    const StepResult got = forced->step(steps[k].action);
    ++result.steps;
    std::string mismatch = compare_step(*forced, got, steps[k], k, obs, result.max_state_error);
    if (!mismatch.empty()) {
      ++result.mismatches;
      if (result.first_mismatch.empty()) result.first_mismatch = std::move(mismatch);
    }

    if (!result.free_run_first_difference.empty()) continue;
    if (free->episode_over()) {
      result.free_run_first_difference =
          fmt::format("step {}: the episode had already ended, but the record goes on", k);
      continue;
    }
    double error = 0.0;
    const StepResult free_got = free->step(steps[k].action);
    std::string difference = compare_step(*free, free_got, steps[k], k, obs, error);
    if (difference.empty()) {
      ++result.free_run_matched;
      result.free_run_max_state_error = std::max(result.free_run_max_state_error, error);
    } else {
      result.free_run_first_difference = std::move(difference);
    }
  }
  return result;
}

}  // namespace valor::env
