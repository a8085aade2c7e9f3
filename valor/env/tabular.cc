#include "valor/env/tabular.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "valor/core/error.h"

namespace valor::env {
namespace {

constexpr double kSumTolerance = 1e-9;

std::string mdp_title(const TabularMdp& mdp) {
  return mdp.name.empty() ? std::string("tabular MDP") : fmt::format("tabular MDP '{}'", mdp.name);
}

// "state 3 (0,3), action 1 (right)", the labels only where the MDP has them.
std::string describe(const TabularMdp& mdp, int state, int action) {
  std::string text = fmt::format("state {}", state);
  if (!mdp.state_labels.empty()) text += fmt::format(" {}", mdp.state_labels[state]);
  text += fmt::format(", action {}", action);
  if (!mdp.action_names.empty()) text += fmt::format(" ({})", mdp.action_names[action]);
  return text;
}

// The running sums of `probabilities`, divided by their total so that the last is exactly 1
// (x / x == 1 in IEEE arithmetic); appended to `out`.
template <typename GetProbability>
void append_cumulative(size_t count, GetProbability probability, std::vector<double>& out) {
  double total = 0.0;
  for (size_t i = 0; i < count; ++i) total += probability(i);
  double running = 0.0;
  for (size_t i = 0; i < count; ++i) {
    running += probability(i);
    out.push_back(running / total);
  }
  out.back() = 1.0;
}

}  // namespace

TabularMdp TabularMdp::with_shape(std::string name, int num_states, int num_actions) {
  TabularMdp mdp;
  mdp.name = std::move(name);
  mdp.num_states = num_states;
  mdp.num_actions = num_actions;
  if (num_states >= 1 && num_actions >= 1) {
    mdp.rows.resize(static_cast<size_t>(num_states) * static_cast<size_t>(num_actions));
    mdp.terminal.assign(static_cast<size_t>(num_states), false);
    mdp.initial_distribution.assign(static_cast<size_t>(num_states), 0.0);
  }
  return mdp;
}

void TabularMdp::validate() const {
  const std::string title = mdp_title(*this);
  if (num_states < 1 || num_actions < 1) {
    fail("{}: needs at least one state and one action, got num_states = {}, num_actions = {}",
         title, num_states, num_actions);
  }
  const size_t S = static_cast<size_t>(num_states);
  const size_t A = static_cast<size_t>(num_actions);
  if (rows.size() != S * A) {
    fail("{}: rows has {} entries; num_states * num_actions = {} * {} = {}", title, rows.size(),
         num_states, num_actions, S * A);
  }
  if (terminal.size() != S) {
    fail("{}: terminal has {} entries; num_states = {}", title, terminal.size(), num_states);
  }
  if (initial_distribution.size() != S) {
    fail("{}: initial_distribution has {} entries; num_states = {}", title,
         initial_distribution.size(), num_states);
  }
  if (!state_labels.empty() && state_labels.size() != S) {
    fail("{}: state_labels has {} entries; it must be empty or have num_states = {}", title,
         state_labels.size(), num_states);
  }
  if (!action_names.empty() && action_names.size() != A) {
    fail("{}: action_names has {} entries; it must be empty or have num_actions = {}", title,
         action_names.size(), num_actions);
  }
  for (int s = 0; s < num_states; ++s) {
    for (int a = 0; a < num_actions; ++a) {
      const std::span<const Transition> outcomes = row(s, a);
      if (outcomes.empty()) fail("{}: {}: the row has no outcomes", title, describe(*this, s, a));
      double sum = 0.0;
      for (const Transition& t : outcomes) {
        if (t.next_state < 0 || t.next_state >= num_states) {
          fail("{}: {}: next state {} is out of range [0, {})", title, describe(*this, s, a),
               t.next_state, num_states);
        }
        if (!(t.probability >= 0.0) || !std::isfinite(t.probability)) {
          fail("{}: {}: probability {} of next state {} must be finite and >= 0", title,
               describe(*this, s, a), t.probability, t.next_state);
        }
        if (!std::isfinite(t.reward)) {
          fail("{}: {}: reward {} of next state {} must be finite", title, describe(*this, s, a),
               t.reward, t.next_state);
        }
        sum += t.probability;
      }
      if (!(std::abs(sum - 1.0) <= kSumTolerance)) {
        fail("{}: {}: probabilities sum to {} (must sum to 1 within {})", title,
             describe(*this, s, a), sum, kSumTolerance);
      }
      if (terminal[static_cast<size_t>(s)]) {
        for (const Transition& t : outcomes) {
          if (t.probability > 0.0 && (t.next_state != s || t.reward != 0.0)) {
            fail(
                "{}: {}: the state is terminal, so its rows must be self-loops with reward 0; "
                "got next state {} with probability {} and reward {}",
                title, describe(*this, s, a), t.next_state, t.probability, t.reward);
          }
        }
      }
    }
  }
  double initial_sum = 0.0;
  for (int s = 0; s < num_states; ++s) {
    const double p = initial_distribution[static_cast<size_t>(s)];
    if (!(p >= 0.0) || !std::isfinite(p)) {
      fail("{}: initial probability {} of state {} must be finite and >= 0", title, p, s);
    }
    if (p > 0.0 && terminal[static_cast<size_t>(s)]) {
      fail(
          "{}: initial probability {} on state {}, which is terminal; episodes must start in a "
          "non-terminal state",
          title, p, state_name(s));
    }
    initial_sum += p;
  }
  if (!(std::abs(initial_sum - 1.0) <= kSumTolerance)) {
    fail("{}: initial probabilities sum to {} (must sum to 1 within {})", title, initial_sum,
         kSumTolerance);
  }
  if (picture.empty() != state_cells.empty()) {
    fail("{}: picture and state_cells must be both empty or both given", title);
  }
  if (!state_cells.empty()) {
    if (state_cells.size() != S) {
      fail("{}: state_cells has {} entries; num_states = {}", title, state_cells.size(),
           num_states);
    }
    for (int s = 0; s < num_states; ++s) {
      const auto [r, c] = state_cells[static_cast<size_t>(s)];
      if (r < 0 || static_cast<size_t>(r) >= picture.size() || c < 0 ||
          static_cast<size_t>(c) >= picture[static_cast<size_t>(r)].size()) {
        fail("{}: state {} is drawn at row {}, column {}, outside the picture", title, s, r, c);
      }
    }
  }
}

double TabularMdp::expected_reward(int state, int action) const {
  double r = 0.0;
  for (const Transition& t : row(state, action)) r += t.probability * t.reward;
  return r;
}

double TabularMdp::probability(int state, int action, int next_state) const {
  double p = 0.0;
  for (const Transition& t : row(state, action)) {
    if (t.next_state == next_state) p += t.probability;
  }
  return p;
}

std::string TabularMdp::state_name(int state) const {
  if (state_labels.empty()) return std::to_string(state);
  return state_labels[static_cast<size_t>(state)];
}

std::string TabularMdp::action_name(int action) const {
  if (action_names.empty()) return std::to_string(action);
  return action_names[static_cast<size_t>(action)];
}

TabularEnv::TabularEnv(TabularMdp mdp, int max_episode_steps, uint64_t seed)
    : mdp_(std::move(mdp)), rng_(seed) {
  mdp_.validate();
  if (max_episode_steps < 0) {
    fail("{}: max_episode_steps must be >= 0 (0 means no time limit), got {}", mdp_title(mdp_),
         max_episode_steps);
  }
  spec_.name = mdp_.name;
  spec_.obs_shape = {mdp_.num_states};
  spec_.num_actions = mdp_.num_actions;
  spec_.max_episode_steps = max_episode_steps;
  spec_.obs_low.assign(static_cast<size_t>(mdp_.num_states), 0.0f);
  spec_.obs_high.assign(static_cast<size_t>(mdp_.num_states), 1.0f);

  row_start_.reserve(mdp_.rows.size() + 1);
  row_start_.push_back(0);
  for (const std::vector<Transition>& outcomes : mdp_.rows) {
    outcomes_.insert(outcomes_.end(), outcomes.begin(), outcomes.end());
    append_cumulative(
        outcomes.size(), [&](size_t i) { return outcomes[i].probability; }, cumulative_);
    row_start_.push_back(outcomes_.size());
  }
  append_cumulative(
      mdp_.initial_distribution.size(), [&](size_t i) { return mdp_.initial_distribution[i]; },
      initial_cumulative_);
}

void TabularEnv::seed(uint64_t seed) {
  rng_ = Rng(seed);
  state_ = -1;
  elapsed_steps_ = 0;
  episode_over_ = true;
}

size_t TabularEnv::sample(size_t begin, size_t end, double u) const {
  // The first outcome whose cumulative probability exceeds u; u < 1 and the row ends at exactly
  // 1, so one exists, and zero-probability outcomes are never chosen.
  const auto first = cumulative_.begin() + static_cast<std::ptrdiff_t>(begin);
  const auto last = cumulative_.begin() + static_cast<std::ptrdiff_t>(end);
  return static_cast<size_t>(std::upper_bound(first, last, u) - cumulative_.begin());
}

void TabularEnv::reset() {
  const double u = rng_.uniform();
  const auto it = std::upper_bound(initial_cumulative_.begin(), initial_cumulative_.end(), u);
  state_ = static_cast<int>(it - initial_cumulative_.begin());
  elapsed_steps_ = 0;
  episode_over_ = false;
}

StepResult TabularEnv::step(int action) {
  if (action < 0 || action >= mdp_.num_actions) {
    fail("{}: action {} is out of range; the actions are 0 to {}", mdp_title(mdp_), action,
         mdp_.num_actions - 1);
  }
  if (episode_over_) {
    fail("{}: step() called {}; call reset() first", mdp_title(mdp_),
         state_ < 0 ? "before reset()" : "after the episode ended");
  }
  const size_t k = static_cast<size_t>(state_) * static_cast<size_t>(mdp_.num_actions) +
                   static_cast<size_t>(action);
  const Transition& outcome = outcomes_[sample(row_start_[k], row_start_[k + 1], rng_.uniform())];
  state_ = outcome.next_state;
  ++elapsed_steps_;
  StepResult result;
  result.reward = static_cast<float>(outcome.reward);
  result.terminated = mdp_.terminal[static_cast<size_t>(state_)];
  result.truncated = !result.terminated && spec_.max_episode_steps > 0 &&
                     elapsed_steps_ >= spec_.max_episode_steps;
  episode_over_ = result.terminated || result.truncated;
  return result;
}

void TabularEnv::observe(std::span<float> out) const {
  VALOR_CHECK(out.size() == static_cast<size_t>(mdp_.num_states),
              "observe: buffer has {} floats, the observation {}", out.size(), mdp_.num_states);
  if (state_ < 0) fail("{}: observe() called before reset()", mdp_title(mdp_));
  std::fill(out.begin(), out.end(), 0.0f);
  out[static_cast<size_t>(state_)] = 1.0f;
}

void TabularEnv::observe_bytes(std::span<uint8_t> out) const {
  VALOR_CHECK(out.size() == static_cast<size_t>(mdp_.num_states),
              "observe: buffer has {} bytes, the observation {}", out.size(), mdp_.num_states);
  if (state_ < 0) fail("{}: observe() called before reset()", mdp_title(mdp_));
  std::fill(out.begin(), out.end(), uint8_t{0});
  out[static_cast<size_t>(state_)] = 1;
}

std::string TabularEnv::render() const {
  if (state_ < 0) return "(no episode yet: call reset())\n";
  if (mdp_.picture.empty()) {
    if (mdp_.state_labels.empty()) return fmt::format("state {}\n", state_);
    return fmt::format("state {} {}\n", state_, mdp_.state_labels[static_cast<size_t>(state_)]);
  }
  const auto [agent_row, agent_col] = mdp_.state_cells[static_cast<size_t>(state_)];
  std::string text;
  for (size_t r = 0; r < mdp_.picture.size(); ++r) {
    std::string line = mdp_.picture[r];
    if (static_cast<int>(r) == agent_row) line[static_cast<size_t>(agent_col)] = 'A';
    text += line;
    text += '\n';
  }
  return text;
}

}  // namespace valor::env
