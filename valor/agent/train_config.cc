#include "valor/agent/train_config.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <memory>

#include "valor/core/error.h"
#include "valor/core/text.h"
#include "valor/env/registry.h"
#include "valor/value/hl_gauss.h"
#include "valor/value/value_head.h"

namespace valor::agent {

void declare_train_config(ConfigSchema& schema) {
  schema
      .add_string("env.name", "breakout",
                  "Environment to train on (valor env list): a MinAtar game or a classic-control "
                  "task.")
      .add_float("env.sticky_action_prob", 0.1,
                 "MinAtar: probability of repeating the last action.", ConfigRange::closed(0, 1))
      .add_bool("env.difficulty_ramping", true, "MinAtar: difficulty ramping.")
      .add_bool("env.minimal_action_set", false,
                "MinAtar: the game's minimal action set instead of all 6 actions.")
      .add_string("network.kind", "auto",
                  "Q-network: minatar_conv (conv 16 3x3 -> hidden -> actions), mlp, or auto "
                  "(minatar_conv for MinAtar, mlp otherwise).",
                  {"auto", "minatar_conv", "mlp"})
      .add_string("network.hidden", "auto",
                  "Hidden widths, comma-separated (\"128,128\"); auto: 128 for minatar_conv, "
                  "128,128 for mlp.")
      .add_string("value.head", "huber", "Value head: huber, mse, two_hot, hl_gauss, c51 or qr.",
                  value::head_names())
      .add_float("value.v_min", -10.0,
                 "Lowest atom (two_hot, c51) or left bin edge (hl_gauss); must hold the returns.")
      .add_float("value.v_max", 10.0, "Highest atom or right bin edge; above value.v_min.")
      .add_int("value.bins", 51, "Atoms (two_hot, c51) or bins (hl_gauss).",
               ConfigRange::closed(2, 100000))
      .add_float("value.sigma_ratio", 0.75,
                 "HL-Gauss sigma divided by the bin width (Stop Regressing uses 0.75).",
                 ConfigRange::open_closed(0, value::kMaxHlGaussSigmaRatio))
      .add_int("value.quantiles", 51, "Quantiles of the qr head.", ConfigRange::closed(1, 100000))
      .add_float("value.initial_value", 0.0,
                 "two_hot, hl_gauss, c51: the value a fresh network decodes to for every action "
                 "(its output bias is set so; docs/value.md); in [value.v_min, value.v_max].")
      .add_int("train.frames", 5000000, "Environment steps (frames) to train for.",
               ConfigRange::closed(1, 1e15))
      .add_float("train.gamma", 0.99, "Discount factor.", ConfigRange::closed(0, 1))
      .add_int("train.n_step", 1, "n of the n-step return.", ConfigRange::closed(1, 1000))
      .add_bool("train.double_dqn", false,
                "Double DQN: the online network picks the next action, the target network "
                "values it.")
      .add_int("train.batch_size", 32, "Transitions per update.", ConfigRange::closed(1, 1e6))
      .add_int("train.replay_capacity", 100000, "Transitions the replay buffer holds.",
               ConfigRange::closed(1, 1e9))
      .add_int("train.learning_starts", 5000,
               "Frames of uniformly random actions before the first update.",
               ConfigRange::closed(0, 1e15))
      .add_int("train.update_every", 1, "Frames between updates.", ConfigRange::closed(1, 1e6))
      .add_int("train.target_update_period", 1000,
               "Updates between hard copies of the online network into the target network.",
               ConfigRange::closed(1, 1e12))
      .add_float("train.polyak_tau", 0.0,
                 "If > 0, Polyak averaging of the target network after every update instead of "
                 "hard copies.",
                 ConfigRange::closed(0, 1))
      .add_string("train.optimizer", "rmsprop_centered", "Optimiser.", {"rmsprop_centered", "adam"})
      .add_float("train.learning_rate", 2.5e-4, "Step size.", ConfigRange::greater_than(0))
      .add_float("train.adam_eps", 1e-8, "Adam's epsilon.", ConfigRange::greater_than(0))
      .add_float("train.rmsprop_alpha", 0.95, "RMSProp's squared-gradient decay.",
                 ConfigRange::closed(0, 1))
      .add_float("train.rmsprop_eps", 0.01, "RMSProp's epsilon (minimum squared gradient).",
                 ConfigRange::greater_than(0))
      .add_float("train.grad_clip_norm", 0.0, "If > 0, clip the gradient's global norm to this.",
                 ConfigRange::at_least(0))
      .add_float("train.epsilon_start", 1.0, "Exploration epsilon until learning starts.",
                 ConfigRange::closed(0, 1))
      .add_float("train.epsilon_end", 0.1, "Epsilon after the decay.", ConfigRange::closed(0, 1))
      .add_int("train.epsilon_decay_frames", 100000,
               "Frames after learning_starts over which epsilon falls linearly to epsilon_end.",
               ConfigRange::closed(0, 1e15))
      .add_int("train.num_envs", 1,
               "Environments stepped per iteration, each with its own episode seeds and n-step "
               "queue; actions come from one batched forward pass and update schedules still "
               "count frames. 1 is the reference protocol. train.frames and "
               "train.log_every_frames must be multiples of it.",
               ConfigRange::closed(1, 4096))
      .add_int("train.env_threads", 1,
               "Threads stepping the train.num_envs environments (results do not depend on it).",
               ConfigRange::closed(1, 256))
      .add_string("train.seeds", "",
                  "Several independent runs in one process, one per seed: a list of seeds and "
                  "ranges (\"0-7\", \"1,4,10-12\"); each gets its own run directory and config "
                  "(run.seed set to its seed) and results identical to training it alone. Empty: "
                  "one run of run.seed.")
      .add_int("train.seed_threads", 1,
               "Threads stepping the runs of train.seeds in parallel, each run on one thread at a "
               "time (results do not depend on it).",
               ConfigRange::closed(1, 256))
      .add_int("train.log_every_frames", 10000, "Frames between rows of metrics.csv.",
               ConfigRange::closed(1, 1e15))
      .add_int("train.checkpoint_every_frames", 50000,
               "Frames between checkpoints (a multiple of train.log_every_frames).",
               ConfigRange::closed(1, 1e15))
      .add_int("eval.every_frames", 0,
               "Frames between evaluations (a multiple of train.log_every_frames); 0: never. The "
               "last frame is always evaluated when this is > 0.",
               ConfigRange::closed(0, 1e15))
      .add_int("eval.episodes", 10, "Episodes per evaluation.", ConfigRange::closed(1, 1e6))
      .add_float("eval.epsilon", 0.0, "Exploration epsilon during evaluation.",
                 ConfigRange::closed(0, 1))
      .add_int("eval.max_episode_frames", 100000,
               "An evaluation episode is cut (and counted) after this many frames.",
               ConfigRange::closed(1, 1e12));
}

std::unique_ptr<env::Env> check_train_config(const Config& c) {
  env::EnvOptions env_options;
  env_options.minatar.sticky_action_prob = c.get_float("env.sticky_action_prob");
  env_options.minatar.difficulty_ramping = c.get_bool("env.difficulty_ramping");
  env_options.minatar.minimal_action_set = c.get_bool("env.minimal_action_set");
  const std::string env_name = c.get_string("env.name");
  std::unique_ptr<env::Env> probe;
  try {
    probe = env::make_env(env_name, env_options);
  } catch (const Error& e) {
    fail("env.name (set by {}): {}", c.origin("env.name"), e.what());
  }
  const bool image = probe->spec().obs_shape.size() == 3;
  std::string kind = c.get_string("network.kind");
  if (kind == "auto") kind = image ? "minatar_conv" : "mlp";
  const std::string hidden = c.get_string("network.hidden");
  const size_t layers = hidden == "auto"
                            ? (kind == "minatar_conv" ? 1 : 2)
                            : parse_hidden_sizes(hidden, fmt::format("network.hidden (set by {})",
                                                                     c.origin("network.hidden")))
                                  .size();
  if (kind == "minatar_conv" && (!image || layers != 1)) {
    fail(
        "network.kind = minatar_conv (set by {}) needs a MinAtar environment (env.name = {}) and "
        "one hidden width (network.hidden = {})",
        c.origin("network.kind"), env_name, hidden);
  }
  if (!(c.get_float("value.v_min") < c.get_float("value.v_max"))) {
    fail("value.v_min ({}, set by {}) must be below value.v_max ({}, set by {})",
         c.get_float("value.v_min"), c.origin("value.v_min"), c.get_float("value.v_max"),
         c.origin("value.v_max"));
  }
  const value::HeadKind head = value::parse_head_kind(c.get_string("value.head"), "value.head");
  const double initial = c.get_float("value.initial_value");
  if (head == value::HeadKind::kTwoHot || head == value::HeadKind::kHlGauss ||
      head == value::HeadKind::kC51) {
    if (!(initial >= c.get_float("value.v_min") && initial <= c.get_float("value.v_max"))) {
      fail(
          "value.initial_value ({}, set by {}) must lie in the support [value.v_min, "
          "value.v_max] = [{}, {}] of the {} head",
          initial, c.origin("value.initial_value"), c.get_float("value.v_min"),
          c.get_float("value.v_max"), c.get_string("value.head"));
    }
  }
  (void)parse_seed_list(c.get_string("train.seeds"),
                        fmt::format("train.seeds (set by {})", c.origin("train.seeds")));
  const int64_t num_envs = c.get_int("train.num_envs");
  for (const char* key : {"train.frames", "train.log_every_frames"}) {
    if (c.get_int(key) % num_envs != 0) {
      fail(
          "{} ({}, set by {}) must be a multiple of train.num_envs ({}, set by {}): every "
          "iteration steps all environments once",
          key, c.get_int(key), c.origin(key), num_envs, c.origin("train.num_envs"));
    }
  }
  const int64_t log_every = c.get_int("train.log_every_frames");
  if (c.get_int("train.checkpoint_every_frames") % log_every != 0) {
    fail(
        "train.checkpoint_every_frames ({}, set by {}) must be a multiple of "
        "train.log_every_frames ({}, set by {})",
        c.get_int("train.checkpoint_every_frames"), c.origin("train.checkpoint_every_frames"),
        log_every, c.origin("train.log_every_frames"));
  }
  if (c.get_int("eval.every_frames") % log_every != 0) {
    fail(
        "eval.every_frames ({}, set by {}) must be 0 or a multiple of train.log_every_frames "
        "({}, set by {})",
        c.get_int("eval.every_frames"), c.origin("eval.every_frames"), log_every,
        c.origin("train.log_every_frames"));
  }
  if (c.get_int("train.batch_size") > c.get_int("train.replay_capacity")) {
    fail("train.batch_size ({}, set by {}) exceeds train.replay_capacity ({}, set by {})",
         c.get_int("train.batch_size"), c.origin("train.batch_size"),
         c.get_int("train.replay_capacity"), c.origin("train.replay_capacity"));
  }
  return probe;
}

std::vector<int> parse_hidden_sizes(std::string_view text, std::string_view where) {
  std::vector<int> sizes;
  for (const std::string_view part : split_list(text)) {
    int value = 0;
    const auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), value);
    if (part.empty() || ec != std::errc() || end != part.data() + part.size() || value < 1 ||
        value > 65536) {
      fail(
          "{}: '{}' is not a list of layer widths; expected positive integers separated by "
          "commas, e.g. \"128,128\"",
          where, text);
    }
    sizes.push_back(value);
  }
  return sizes;
}

std::vector<int64_t> parse_seed_list(std::string_view text, std::string_view where) {
  std::vector<int64_t> seeds;
  if (text.empty()) return seeds;
  const auto bad = [&](std::string_view part) {
    fail(
        "{}: '{}' is not a seed or a range of seeds; expected seeds >= 0 and ranges A-B (A <= B) "
        "separated by commas, e.g. \"0-7\" or \"1,4,10-12\"",
        where, part);
  };
  const auto number = [&](std::string_view part, std::string_view whole) {
    int64_t value = 0;
    const auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), value);
    if (part.empty() || ec != std::errc() || end != part.data() + part.size() || value < 0) {
      bad(whole);
    }
    return value;
  };
  for (const std::string_view part : split_list(text)) {
    const size_t dash = part.find('-');
    const int64_t first = number(part.substr(0, dash), part);
    const int64_t last =
        dash == std::string_view::npos ? first : number(part.substr(dash + 1), part);
    if (last < first) bad(part);
    if (static_cast<uint64_t>(last - first) >= kMaxGroupSeeds - seeds.size()) {
      fail("{}: '{}' lists more than {} seeds", where, text, kMaxGroupSeeds);
    }
    for (int64_t s = first; s <= last; ++s) {
      if (std::find(seeds.begin(), seeds.end(), s) != seeds.end()) {
        fail("{}: seed {} is listed twice in '{}'", where, s, text);
      }
      seeds.push_back(s);
    }
  }
  return seeds;
}

}  // namespace valor::agent
