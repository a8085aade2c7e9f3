// Finite MDPs given by an explicit model (TabularMdp), and TabularEnv, which samples from one.
// The same model feeds the exact solvers (module dp), so it is kept plain: public fields, one
// validate() that states every invariant. docs/tabular.md describes the families built on it
// (gridworld.h, chain.h, garnet.h).
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "valor/core/random.h"
#include "valor/env/env.h"

namespace valor::env {

// One outcome of taking an action: the next state, its probability and the reward received.
struct Transition {
  int next_state = 0;
  double probability = 0.0;
  double reward = 0.0;
};

// A finite MDP. Each (state, action) pair has a row: a finite distribution over outcomes
// (next_state, reward), i.e. p(s', r | s, a). The same next state may appear more than once in a
// row with different rewards (the cliff of cliff walking sends the agent to the start with -100,
// a blocked move leaves it at the start with -1); entries with probability 0 are allowed.
//
// Terminal states are absorbing: an episode ends on entering one. Their rows are self-loops with
// probability 1 and reward 0, so Bellman equations need no special case (V(terminal) = 0).
struct TabularMdp {
  std::string name;  // for messages, e.g. "gridworld 'cliff'"
  int num_states = 0;
  int num_actions = 0;
  // rows[s * num_actions + a]: the outcomes of action a in state s, sampled in this order.
  std::vector<std::vector<Transition>> rows;
  std::vector<bool> terminal;                // size num_states
  std::vector<double> initial_distribution;  // size num_states; no mass on terminal states
  std::vector<std::string> state_labels;     // empty or size num_states, e.g. "(2,3)"
  std::vector<std::string> action_names;     // empty or size num_actions, e.g. "up"

  // Optional 2-D picture for rendering (gridworlds): `picture` holds the text rows and
  // `state_cells[s]` the (row, column) of state s in it. Both empty when there is no layout.
  std::vector<std::string> picture;
  std::vector<std::array<int, 2>> state_cells;

  // An MDP with the given sizes, empty rows, no terminal states and no initial distribution:
  // the starting point for builders.
  static TabularMdp with_shape(std::string name, int num_states, int num_actions);

  // Throws valor::Error, naming the MDP, state and action, unless: num_states >= 1,
  // num_actions >= 1; the vectors have the sizes above; every row is non-empty, its next states
  // are in [0, num_states), its probabilities are finite and >= 0 and sum to 1 within 1e-9, its
  // rewards are finite; terminal rows are self-loops (probability 1, reward 0); the initial
  // distribution is a distribution (same tolerance) with no mass on terminal states; picture
  // cells are inside the picture.
  void validate() const;

  // The outcomes of action a in state s.
  std::span<const Transition> row(int state, int action) const {
    return rows[static_cast<size_t>(state) * static_cast<size_t>(num_actions) +
                static_cast<size_t>(action)];
  }
  // r(s, a) = sum over the row of p * r.
  double expected_reward(int state, int action) const;
  // P(s' | s, a), summing entries that share the next state.
  double probability(int state, int action, int next_state) const;
  // The state's label, or its number when there are no labels.
  std::string state_name(int state) const;
  // The action's name, or its number when there are no names.
  std::string action_name(int action) const;
};

// An Env that samples a TabularMdp. The observation is the one-hot vector of the state (floats,
// size num_states, bounds [0, 1]). reset() draws the initial state and step() the outcome, each
// by inverse CDF from one Rng::uniform() draw over the row in its stored order. An episode
// ends when it enters a terminal state (terminated) or when max_episode_steps steps have been
// taken (truncated; only when not terminated on that step). No allocation per step.
class TabularEnv : public Env {
 public:
  // Validates the MDP (valor::Error as TabularMdp::validate) and max_episode_steps >= 0.
  // The spec's name is the MDP's name.
  explicit TabularEnv(TabularMdp mdp, int max_episode_steps = 0, uint64_t seed = 0);

  const EnvSpec& spec() const override { return spec_; }
  void seed(uint64_t seed) override;  // a fresh Rng(seed); the episode must be reset()
  void reset() override;
  StepResult step(int action) override;
  void observe(std::span<float> out) const override;  // valor::Error before the first reset()
  bool offers_byte_obs() const override { return true; }
  void observe_bytes(std::span<uint8_t> out) const override;  // the one-hot state as bytes
  // The picture with the agent drawn as 'A' when the MDP has one, else "state k (label)".
  std::string render() const override;

  // The current state; -1 before the first reset().
  int state() const { return state_; }
  // Steps taken in the current episode.
  int elapsed_steps() const { return elapsed_steps_; }
  const TabularMdp& mdp() const { return mdp_; }

 private:
  // The outcome index of the row [begin, end) of cumulative_ that `u` selects.
  size_t sample(size_t begin, size_t end, double u) const;

  TabularMdp mdp_;
  EnvSpec spec_;
  Rng rng_;
  // Flattened rows for sampling: the outcomes of row k are [row_start_[k], row_start_[k + 1])
  // with cumulative probabilities normalised so that each row ends at exactly 1.
  std::vector<size_t> row_start_;
  std::vector<Transition> outcomes_;
  std::vector<double> cumulative_;
  std::vector<double> initial_cumulative_;
  int state_ = -1;
  int elapsed_steps_ = 0;
  bool episode_over_ = true;
};

}  // namespace valor::env
