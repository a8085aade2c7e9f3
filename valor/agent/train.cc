#include "valor/agent/train.h"

#include <fmt/format.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstring>
#include <deque>
#include <limits>
#include <nlohmann/json.hpp>
#include <type_traits>
#include <utility>

#include "valor/core/byte_stream.h"
#include "valor/core/error.h"
#include "valor/core/progress.h"
#include "valor/core/random.h"
#include "valor/core/text.h"
#include "valor/env/worker_pool.h"
#include "valor/run/checkpoint.h"
#include "valor/run/metrics.h"
#include "valor/run/run_config.h"

namespace valor::agent {

namespace {

// TRN2 holds the episodes of all train.num_envs environments; TRN1 (one environment) still loads.
constexpr uint32_t kTrainerTagOneEnv = 0x54524e31;  // "TRN1"
constexpr uint32_t kTrainerTag = 0x54524e32;        // "TRN2"
constexpr size_t kRecentEpisodes = 100;             // final_return_mean averages this many episodes
// train.env_threads changes the speed, never the results.
const char* const kResumeExempt[] = {"run.name",     "run.progress_seconds", "run.checkpoint_keep",
                                     "train.frames", "train.env_threads",    "train.seed_threads"};
// Keys added after runs existed, left out of the fingerprint at their default value so that those
// runs' checkpoints still resume: {key, default as value_text writes it}.
const std::pair<const char*, const char*> kFingerprintOmittedAtDefault[] = {{"train.num_envs", "1"},
                                                                            {"train.seeds", ""}};

std::string value_text(const Config& config, const ConfigKey& key) {
  switch (key.type) {
    case ConfigType::kBool:
      return config.get_bool(key.name) ? "true" : "false";
    case ConfigType::kInt:
      return std::to_string(config.get_int(key.name));
    case ConfigType::kFloat:
      return fmt::format("{}", config.get_float(key.name));
    case ConfigType::kString:
      return config.get_string(key.name);
  }
  return "";
}

bool resume_exempt(const std::string& name) {
  for (const char* k : kResumeExempt) {
    if (name == k) return true;
  }
  return false;
}

bool omitted_from_fingerprint(const std::string& name, const std::string& value) {
  for (const auto& [key, default_value] : kFingerprintOmittedAtDefault) {
    if (name == key && value == default_value) return true;
  }
  return false;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

double max_rss_mb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;
}

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

}  // namespace

namespace {

// The replay holds at most min(capacity, frames) transitions (its memory grows as it fills): refuse
// a run whose replay would not fit in this machine's memory before it starts, not hours later.
void check_replay_fits(const TrainOptions& o, size_t obs_size, bool bits) {
  const ReplayBuffer replay(static_cast<size_t>(o.replay_capacity), obs_size,
                            bits ? ObsStorage::kBits : ObsStorage::kFloat32);
  const double per_transition =
      static_cast<double>(replay.memory_bytes()) / static_cast<double>(replay.capacity());
  const double needed =
      per_transition * static_cast<double>(std::min<int64_t>(o.replay_capacity, o.frames));
  const double physical =
      static_cast<double>(sysconf(_SC_PHYS_PAGES)) * static_cast<double>(sysconf(_SC_PAGE_SIZE));
  if (physical > 0 && needed > physical) {
    fail(
        "train.replay_capacity ({}) with train.frames ({}) needs up to {:.1f} GiB of replay "
        "memory ({} bytes a transition); this machine has {:.1f} GiB: lower "
        "train.replay_capacity",
        o.replay_capacity, o.frames, needed / (1 << 30), per_transition, physical / (1 << 30));
  }
}

}  // namespace

double TrainOptions::epsilon(int64_t frame) const {
  if (frame < learning_starts) return epsilon_start;
  if (epsilon_decay_frames == 0) return epsilon_end;
  const double progress = std::min(1.0, static_cast<double>(frame - learning_starts) /
                                            static_cast<double>(epsilon_decay_frames));
  return epsilon_start + (epsilon_end - epsilon_start) * progress;
}

TrainOptions train_options(const Config& c) {
  const std::unique_ptr<env::Env> probe = check_train_config(c);
  TrainOptions o;
  const auto rs = run::run_settings(c);
  o.seed = rs.seed;
  o.checkpoint_keep = rs.checkpoint_keep;
  o.progress_seconds = rs.progress_seconds;
  o.env_name = c.get_string("env.name");
  o.env_options.minatar.sticky_action_prob = c.get_float("env.sticky_action_prob");
  o.env_options.minatar.difficulty_ramping = c.get_bool("env.difficulty_ramping");
  o.env_options.minatar.minimal_action_set = c.get_bool("env.minimal_action_set");
  const env::EnvSpec& spec = probe->spec();
  NetworkSpec& net = o.dqn.network;
  net.obs_shape = spec.obs_shape;
  net.num_actions = spec.num_actions;
  net.kind = c.get_string("network.kind");
  if (net.kind == "auto") net.kind = spec.obs_shape.size() == 3 ? "minatar_conv" : "mlp";
  const std::string hidden = c.get_string("network.hidden");
  if (hidden == "auto") {
    net.hidden = net.kind == "minatar_conv" ? std::vector<int>{128} : std::vector<int>{128, 128};
  } else {
    net.hidden = parse_hidden_sizes(
        hidden, fmt::format("network.hidden (set by {})", c.origin("network.hidden")));
  }
  value::HeadSpec& head = o.dqn.head;
  head.kind = value::parse_head_kind(c.get_string("value.head"), "value.head");
  head.v_min = c.get_float("value.v_min");
  head.v_max = c.get_float("value.v_max");
  head.bins = static_cast<int>(c.get_int("value.bins"));
  head.sigma_ratio = c.get_float("value.sigma_ratio");
  head.quantiles = static_cast<int>(c.get_int("value.quantiles"));
  head.initial_value = c.get_float("value.initial_value");
  o.frames = c.get_int("train.frames");
  o.gamma = c.get_float("train.gamma");
  o.n_step = static_cast<int>(c.get_int("train.n_step"));
  o.dqn.double_dqn = c.get_bool("train.double_dqn");
  o.batch_size = c.get_int("train.batch_size");
  o.replay_capacity = c.get_int("train.replay_capacity");
  o.learning_starts = c.get_int("train.learning_starts");
  o.update_every = c.get_int("train.update_every");
  o.dqn.target_update_period = c.get_int("train.target_update_period");
  o.dqn.polyak_tau = c.get_float("train.polyak_tau");
  o.dqn.optimizer = c.get_string("train.optimizer");
  o.dqn.learning_rate = c.get_float("train.learning_rate");
  o.dqn.adam_eps = c.get_float("train.adam_eps");
  o.dqn.rmsprop_alpha = c.get_float("train.rmsprop_alpha");
  o.dqn.rmsprop_eps = c.get_float("train.rmsprop_eps");
  o.dqn.grad_clip_norm = c.get_float("train.grad_clip_norm");
  o.epsilon_start = c.get_float("train.epsilon_start");
  o.epsilon_end = c.get_float("train.epsilon_end");
  o.epsilon_decay_frames = c.get_int("train.epsilon_decay_frames");
  o.log_every = c.get_int("train.log_every_frames");
  o.checkpoint_every = c.get_int("train.checkpoint_every_frames");
  o.eval_every = c.get_int("eval.every_frames");
  o.eval_episodes = c.get_int("eval.episodes");
  o.eval_epsilon = c.get_float("eval.epsilon");
  o.eval_max_episode_frames = c.get_int("eval.max_episode_frames");
  o.num_envs = c.get_int("train.num_envs");
  o.env_threads = static_cast<int>(c.get_int("train.env_threads"));
  o.seeds = parse_seed_list(c.get_string("train.seeds"),
                            fmt::format("train.seeds (set by {})", c.origin("train.seeds")));
  o.seed_threads = static_cast<int>(c.get_int("train.seed_threads"));
  size_t obs_size = 1;
  for (int d : spec.obs_shape) obs_size *= static_cast<size_t>(d);
  check_replay_fits(o, obs_size, probe->packed_obs_bytes() > 0);
  return o;
}

const std::vector<std::string>& train_metric_columns() {
  static const std::vector<std::string> columns = {
      "frames", "episodes", "updates",     "train_return",     "train_return_100",
      "loss",   "epsilon",  "eval_return", "frames_per_second"};
  return columns;
}

std::string config_fingerprint(const Config& config) {
  std::string text;
  for (const ConfigKey& key : config.schema().keys()) {
    if (resume_exempt(key.name)) continue;
    const std::string value = value_text(config, key);
    if (omitted_from_fingerprint(key.name, value)) continue;
    text += key.name + "=" + value + "\n";
  }
  return fmt::format("{:016x}", run::fnv1a_64(text));
}

std::vector<std::string> fingerprint_differences(const Config& a, const Config& b) {
  std::vector<std::string> keys;
  for (const ConfigKey& key : a.schema().keys()) {
    if (resume_exempt(key.name) || !b.schema().find(key.name)) continue;
    const std::string va = value_text(a, key), vb = value_text(b, key);
    if (va != vb)
      keys.push_back(fmt::format("{}: {} (set by {}) vs {} (set by {})", key.name, va,
                                 a.origin(key.name), vb, b.origin(key.name)));
  }
  return keys;
}

namespace {

// The environment's episode as a checkpoint holds it: its seed and the actions since, replayed on
// resume, and its return so far.
struct Episode {
  uint32_t seed = 0;
  std::vector<int32_t> actions;
  double ret = 0.0;
};

// Everything of a trainer that a checkpoint carries besides the agent, the replay and the n-step
// queues. fields() lists it once, in checkpoint order, for saving and restoring alike.
struct TrainerState {
  explicit TrainerState(uint64_t seed)
      : act_rng(seed, 1), replay_rng(seed, 2), env_rng(seed, 3), eval_rng(seed, 4) {}

  int64_t frames = 0, episodes = 0;
  Rng act_rng, replay_rng, env_rng, eval_rng;
  std::vector<Episode> episodes_of_env;  // one per environment
  std::deque<double> recent;             // returns of the last kRecentEpisodes episodes
  double interval_return_sum = 0.0;      // since the last metrics row
  int64_t interval_episodes = 0;
  double interval_loss_sum = 0.0;
  int64_t interval_updates = 0;
  double last_loss = kNaN, last_eval = kNaN;
  uint64_t metric_rows = 0;  // rows of metrics.csv when the checkpoint was taken
  double wall_seconds = 0.0;
  value::TargetRange range;
  bool warned_range = false;

  template <typename Self, typename Io>
  static void fields(Self& s, Io& io) {
    io(s.frames);
    io(s.episodes);
    io(s.act_rng);
    io(s.replay_rng);
    io(s.env_rng);
    io(s.eval_rng);
    io(s.episodes_of_env);
    io(s.recent);
    io(s.interval_return_sum);
    io(s.interval_episodes);
    io(s.interval_loss_sum);
    io(s.interval_updates);
    io(s.last_loss);
    io(s.last_eval);
    io(s.metric_rows);
    io(s.wall_seconds);
    io(s.range.count);
    io(s.range.clipped);
    io(s.range.lowest);
    io(s.range.highest);
    io(s.warned_range);
  }
};

class StateWriter {
 public:
  template <typename T>
  void operator()(const T& value) {
    static_assert(std::is_arithmetic_v<T>);
    w_.put<T>(value);
  }
  void operator()(const bool& value) { w_.put<uint8_t>(value ? 1 : 0); }
  void operator()(const Rng& rng) { w_.put_string(rng.save_state()); }
  void operator()(const std::deque<double>& values) {
    const std::vector<double> v(values.begin(), values.end());
    w_.put_array<double>(v);
  }
  void operator()(const std::vector<Episode>& episodes) {
    w_.put<uint64_t>(episodes.size());
    for (const Episode& e : episodes) {
      w_.put<uint32_t>(e.seed);
      w_.put_array<int32_t>(e.actions);
      w_.put<double>(e.ret);
    }
  }
  std::string take() { return w_.take(); }

 private:
  ByteWriter w_;
};

class StateReader {
 public:
  // `one_env`: a TRN1 state, written before the environment count was stored.
  StateReader(std::string_view bytes, std::string what, bool one_env)
      : r_(bytes, std::move(what)), one_env_(one_env) {}

  template <typename T>
  void operator()(T& value) {
    static_assert(std::is_arithmetic_v<T>);
    value = r_.get<T>();
  }
  void operator()(bool& value) {
    const auto byte = r_.get<uint8_t>();
    if (byte > 1) fail("{}: a flag holds {}, not 0 or 1", r_.what(), byte);
    value = byte == 1;
  }
  void operator()(Rng& rng) { rng.load_state(r_.get_string()); }
  void operator()(std::deque<double>& values) {
    const auto v = r_.get_array<double>();
    values.assign(v.begin(), v.end());
  }
  void operator()(std::vector<Episode>& episodes) {
    const uint64_t n = one_env_ ? 1 : r_.get<uint64_t>();
    if (n != episodes.size()) {
      fail("{}: holds {} environments, the configuration {}", r_.what(), n, episodes.size());
    }
    for (Episode& e : episodes) {
      e.seed = r_.get<uint32_t>();
      e.actions = r_.get_array<int32_t>();
      e.ret = r_.get<double>();
    }
  }
  ByteReader& reader() { return r_; }

 private:
  ByteReader r_;
  bool one_env_;
};

// A resume that must not fall back to an older checkpoint: the run itself may not resume so.
class RefusedResume : public Error {
 public:
  using Error::Error;
};

// One run's training loop and everything it must carry across a checkpoint. begin() starts or
// restores it; advance() steps it one iteration (num_envs frames and the updates they cross),
// writing its metrics rows, checkpoints and, at the last frame, its final summary.
class Trainer {
 public:
  Trainer(run::RunDir& dir, const Config& config)
      : dir_(dir),
        config_(config),
        o_(train_options(config)),
        envs_(make_envs(o_)),
        eval_env_(env::make_env(o_.env_name, o_.env_options)),
        agent_(o_.dqn, static_cast<uint64_t>(o_.seed)),
        nstep_(static_cast<size_t>(o_.num_envs), NStepAssembler(o_.n_step, o_.gamma)),
        replay_(static_cast<size_t>(o_.replay_capacity), envs_.obs_size(),
                eval_env_->packed_obs_bytes() > 0 ? ObsStorage::kBits : ObsStorage::kFloat32),
        store_(dir.checkpoints_dir(), static_cast<size_t>(o_.checkpoint_keep), dir.logger()),
        fingerprint_(config_fingerprint(config)),
        s_(static_cast<uint64_t>(o_.seed)) {
    const auto n = static_cast<size_t>(o_.num_envs);
    obs_.resize(n * envs_.obs_size());
    actions_.resize(n);
    epsilons_.resize(n);
    s_.episodes_of_env.resize(n);
  }

  // Restores the newest valid checkpoint (with `resume`) or starts afresh; a run that is already
  // complete writes its final summary again.
  void begin(bool resume) {
    bool restored = false;
    if (resume) restored = restore();
    if (resume && !restored) {
      std::error_code ec;
      if (std::filesystem::exists(dir_.metrics_path(), ec)) {
        dir_.logger()->warn(
            "{} holds no valid checkpoint: training starts again from frame 0 (metrics.csv is "
            "begun anew)",
            dir_.checkpoints_dir().string());
      }
    }
    if (!restored) {
      metrics_.emplace(run::MetricsWriter::create(dir_.metrics_path(), train_metric_columns()));
      for (size_t i = 0; i < envs_.size(); ++i) start_episode(i);
      dir_.logger()->info("training {} on {} with head {} for {} frames (seed {})",
                          config_.get_string("run.name"), o_.env_name,
                          value::head_name(o_.dqn.head.kind), o_.frames, o_.seed);
    }
    session_start_ = std::chrono::steady_clock::now();
    interval_start_ = session_start_;
    interval_start_frames_ = s_.frames;
    if (finished()) write_summary(true);
  }

  bool finished() const { return s_.frames >= o_.frames; }
  int64_t frames() const { return s_.frames; }
  const TrainOptions& options() const { return o_; }
  const run::RunDir& dir() const { return dir_; }
  double recent_mean() const {
    if (s_.recent.empty()) return kNaN;
    double sum = 0;
    for (double r : s_.recent) sum += r;
    return sum / static_cast<double>(s_.recent.size());
  }
  double last_eval() const { return s_.last_eval; }
  double last_loss() const { return s_.last_loss; }

  void advance() {
    step();
    const bool last = s_.frames == o_.frames;
    if (s_.frames % o_.log_every == 0 || last) log_row(last);
    if (s_.frames % o_.checkpoint_every == 0 || last) checkpoint();
    if (last) {
      write_summary(true);
      dir_.logger()->info("finished: {} frames, {} episodes, final return (last {}) {:.4g}",
                          s_.frames, s_.episodes, kRecentEpisodes, recent_mean());
    }
  }

  // A stop request: checkpoint where the run is.
  void interrupt() {
    checkpoint();
    dir_.logger()->info("interrupted at frame {}; checkpoint saved", s_.frames);
  }

 private:
  static env::VectorEnv make_envs(const TrainOptions& o) {
    std::vector<std::unique_ptr<env::Env>> envs;
    for (int64_t i = 0; i < o.num_envs; ++i)
      envs.push_back(env::make_env(o.env_name, o.env_options));
    return env::VectorEnv(std::move(envs), o.env_threads);
  }

  // Each episode starts from a fresh seed drawn from the run's generator (in environment order).
  void start_episode(size_t i) {
    Episode& e = s_.episodes_of_env[i];
    e.seed = static_cast<uint32_t>(s_.env_rng.below(uint64_t{1} << 32));
    e.actions.clear();
    e.ret = 0.0;
    envs_.seed_and_reset_one(i, e.seed);
  }

  // One iteration: every environment steps once (num_envs frames), then the updates whose frames
  // were crossed. With one environment this is exactly the reference loop: act, step, store,
  // update when the frame is a multiple of update_every.
  void step() {
    const size_t n = envs_.size(), d = envs_.obs_size();
    std::copy(envs_.observations().begin(), envs_.observations().end(), obs_.begin());
    if (n == 1) {
      actions_[0] = agent_.epsilon_greedy_action(obs_, o_.epsilon(s_.frames), s_.act_rng);
    } else {
      for (size_t i = 0; i < n; ++i) epsilons_[i] = o_.epsilon(s_.frames + static_cast<int64_t>(i));
      agent_.epsilon_greedy_actions(obs_, epsilons_, s_.act_rng, actions_);
    }
    envs_.step(actions_);
    const int64_t first_frame = s_.frames;
    s_.frames += static_cast<int64_t>(n);
    for (size_t i = 0; i < n; ++i) {
      Episode& e = s_.episodes_of_env[i];
      const float reward = envs_.rewards()[i];
      const bool terminated = envs_.terminated()[i] != 0, truncated = envs_.truncated()[i] != 0;
      const bool done = terminated || truncated;
      e.actions.push_back(actions_[i]);
      e.ret += reward;
      const auto next =
          (done ? envs_.final_observations() : envs_.observations()).subspan(i * d, d);
      nstep_[i].push(std::span<const float>(obs_).subspan(i * d, d), actions_[i], reward,
                     terminated, truncated, next, [this](const Transition& t) { replay_.add(t); });
      if (done) {
        ++s_.episodes;
        s_.recent.push_back(e.ret);
        if (s_.recent.size() > kRecentEpisodes) s_.recent.pop_front();
        s_.interval_return_sum += e.ret;
        ++s_.interval_episodes;
        start_episode(i);
      }
    }
    for (int64_t frame = first_frame + 1; frame <= s_.frames; ++frame) {
      if (frame > o_.learning_starts && frame % o_.update_every == 0 &&
          replay_.size() >= static_cast<size_t>(o_.batch_size)) {
        replay_.sample(static_cast<size_t>(o_.batch_size), s_.replay_rng, batch_);
        const UpdateStats stats = agent_.update(batch_, &s_.range);
        s_.last_loss = stats.loss;
        s_.interval_loss_sum += stats.loss;
        ++s_.interval_updates;
        if (!s_.warned_range && s_.range.clipped > 0) warn_range();
      }
    }
  }

  void warn_range() {
    s_.warned_range = true;
    dir_.logger()->warn(
        "value range [{}, {}] cannot hold the bootstrapped targets: target {:.4g} fell outside "
        "it and was clipped (set value.v_min / value.v_max to cover the returns)",
        o_.dqn.head.v_min, o_.dqn.head.v_max,
        s_.range.lowest < o_.dqn.head.v_min ? s_.range.lowest : s_.range.highest);
  }

  double evaluate() {
    double total = 0.0;
    std::vector<float> obs(envs_.obs_size());
    for (int64_t e = 0; e < o_.eval_episodes; ++e) {
      eval_env_->seed(s_.eval_rng.below(uint64_t{1} << 32));
      eval_env_->reset();
      double ret = 0.0;
      for (int64_t t = 0; t < o_.eval_max_episode_frames; ++t) {
        eval_env_->observe(obs);
        const auto r =
            eval_env_->step(agent_.epsilon_greedy_action(obs, o_.eval_epsilon, s_.eval_rng));
        ret += r.reward;
        if (r.terminated || r.truncated) break;
      }
      total += ret;
    }
    return total / static_cast<double>(o_.eval_episodes);
  }

  void log_row(bool last) {
    double eval = kNaN;
    if (o_.eval_every > 0 && (s_.frames % o_.eval_every == 0 || last)) {
      eval = evaluate();
      s_.last_eval = eval;
    }
    const double elapsed = seconds_since(interval_start_);
    const double fps =
        elapsed > 0 ? static_cast<double>(s_.frames - interval_start_frames_) / elapsed : kNaN;
    const std::vector<double> row = {
        static_cast<double>(s_.frames),
        static_cast<double>(s_.episodes),
        static_cast<double>(agent_.updates()),
        s_.interval_episodes > 0
            ? s_.interval_return_sum / static_cast<double>(s_.interval_episodes)
            : kNaN,
        recent_mean(),
        s_.interval_updates > 0 ? s_.interval_loss_sum / static_cast<double>(s_.interval_updates)
                                : kNaN,
        o_.epsilon(s_.frames),
        eval,
        fps};
    metrics_->append(row);
    s_.interval_return_sum = s_.interval_loss_sum = 0.0;
    s_.interval_episodes = s_.interval_updates = 0;
    interval_start_ = std::chrono::steady_clock::now();
    interval_start_frames_ = s_.frames;
  }

  double wall_seconds() const { return wall_before_ + seconds_since(session_start_); }

  // Environment 0's queue keeps the key it had when runs had one environment.
  static std::string nstep_key(size_t i) { return i == 0 ? "nstep" : "nstep." + std::to_string(i); }

  void checkpoint() {
    s_.metric_rows = metrics_->row_count();
    s_.wall_seconds = wall_seconds();
    StateWriter w;
    w(kTrainerTag);
    TrainerState::fields(std::as_const(s_), w);
    run::Checkpoint c;
    c["config_fingerprint"] = fingerprint_;
    c["agent"] = agent_.save_state();
    c["replay"] = replay_.save_state();
    for (size_t i = 0; i < nstep_.size(); ++i) c[nstep_key(i)] = nstep_[i].save_state();
    c["trainer"] = w.take();
    store_.save(static_cast<uint64_t>(s_.frames), c);
    write_summary(false);
  }

  // Loads the newest checkpoint that can be used, falling back to older ones (and saying so)
  // when a newer one cannot: corrupt, or valid bytes with contents that do not fit this run.
  // False when there is none; valor::Error when there are some and none can be used, or when
  // the run may not resume at all (another configuration, train.frames below the frames done).
  bool restore() {
    const auto steps = store_.steps();
    if (steps.empty()) return false;
    if (steps.back() > static_cast<uint64_t>(o_.frames)) {
      fail(
          "{} is at frame {}, past train.frames = {} (set by {}): train.frames may grow on "
          "resume, not fall below the frames done",
          dir_.path().string(), steps.back(), o_.frames, config_.origin("train.frames"));
    }
    std::vector<std::string> unusable;
    for (auto it = steps.rbegin(); it != steps.rend(); ++it) {
      const std::string where = store_.path_for(*it).string();
      try {
        restore_from(*it, store_.load(*it), where);
      } catch (const RefusedResume&) {
        throw;
      } catch (const Error& e) {
        // The entry loaders name what they read ("replay buffer state"); add the file.
        const std::string why = std::string(e.what()).find(where) == std::string::npos
                                    ? fmt::format("{}: {}", where, e.what())
                                    : std::string(e.what());
        dir_.logger()->warn("{} cannot be used: {}", where, why);
        unusable.push_back(why);
        start_afresh();
        continue;
      }
      if (!unusable.empty()) {
        dir_.logger()->warn("resumed from the older checkpoint {}, at frame {}", where, s_.frames);
      }
      return true;
    }
    std::string list;
    for (const auto& u : unusable) list += "\n  " + u;
    fail("{}: none of its {} checkpoints can be used:{}", dir_.checkpoints_dir().string(),
         unusable.size(), list);
  }

  // What a restore that failed half way may have changed, as a new trainer has it.
  void start_afresh() {
    agent_ = DqnAgent(o_.dqn, static_cast<uint64_t>(o_.seed));
    replay_ =
        ReplayBuffer(static_cast<size_t>(o_.replay_capacity), envs_.obs_size(),
                     eval_env_->packed_obs_bytes() > 0 ? ObsStorage::kBits : ObsStorage::kFloat32);
    nstep_.assign(nstep_.size(), NStepAssembler(o_.n_step, o_.gamma));
    s_ = TrainerState(static_cast<uint64_t>(o_.seed));
    s_.episodes_of_env.resize(nstep_.size());
    metrics_.reset();
  }

  void restore_from(uint64_t step, run::Checkpoint c, const std::string& where) {
    std::vector<std::string> keys = {"config_fingerprint", "agent", "replay", "trainer"};
    for (size_t i = 0; i < nstep_.size(); ++i) keys.push_back(nstep_key(i));
    for (const std::string& key : keys) {
      if (!c.count(key)) fail("{}: not a valor train checkpoint (no '{}' entry)", where, key);
    }
    if (c["config_fingerprint"] != fingerprint_) {
      throw RefusedResume(fmt::format(
          "{} was written under another configuration than {} now holds (fingerprint {} vs "
          "{}); resume with the configuration the run started with",
          where, dir_.config_path().string(), c["config_fingerprint"], fingerprint_));
    }
    const int actions = o_.dqn.network.num_actions;
    agent_.load_state(c["agent"]);
    replay_.load_state(c["replay"], actions);
    for (size_t i = 0; i < nstep_.size(); ++i) {
      nstep_[i].load_state(c[nstep_key(i)], envs_.obs_size(), actions);
    }
    const std::string& trainer = c["trainer"];
    uint32_t tag = 0;
    if (trainer.size() >= sizeof(tag)) std::memcpy(&tag, trainer.data(), sizeof(tag));
    if (tag != kTrainerTag && tag != kTrainerTagOneEnv) {
      fail("{}: not a trainer state", where + " trainer state");
    }
    StateReader r(trainer, where + " trainer state", tag == kTrainerTagOneEnv);
    r(tag);
    TrainerState::fields(s_, r);
    r.reader().expect_done();
    if (step != static_cast<uint64_t>(s_.frames)) {
      fail("{}: holds frame {} but is named for step {}", where, s_.frames, step);
    }
    check_restored_state(where + " trainer state");
    wall_before_ = s_.wall_seconds;
    // The environments: each episode's seed, then its actions again.
    for (size_t i = 0; i < s_.episodes_of_env.size(); ++i) {
      const Episode& e = s_.episodes_of_env[i];
      if (!envs_.replay_one(i, e.seed, e.actions)) {
        fail(
            "{}: replaying the saved episode of environment {} ended it early; the environment "
            "differs from the one the run started with",
            where, i);
      }
    }
    metrics_.emplace(
        run::MetricsWriter::open_for_resume(dir_.metrics_path(), train_metric_columns()));
    metrics_->truncate_rows(static_cast<size_t>(s_.metric_rows));
    dir_.logger()->info("resumed from {} at frame {}", where, s_.frames);
  }

  // Every counter and index of a restored state against this run's configuration: a checkpoint
  // with a valid checksum but contents another program (or a bug) wrote is refused here, naming
  // the field, before anything acts on it.
  void check_restored_state(const std::string& what) const {
    const auto bad = [&](std::string_view field, auto value) {
      fail("{}: {} = {} cannot belong to this run", what, field, value);
    };
    const int64_t frames = s_.frames;
    if (frames < 0 || frames % o_.num_envs != 0) bad("frames", frames);
    if (s_.episodes < 0 || s_.episodes > frames) bad("episodes", s_.episodes);
    if (agent_.updates() > frames) bad("updates", agent_.updates());
    if (s_.recent.size() > kRecentEpisodes) bad("recent episodes", s_.recent.size());
    for (double r : s_.recent) {
      if (!std::isfinite(r)) bad("a recent return", r);
    }
    if (s_.interval_episodes < 0 || s_.interval_episodes > frames) {
      bad("episodes of the interval", s_.interval_episodes);
    }
    if (s_.interval_updates < 0 || s_.interval_updates > frames) {
      bad("updates of the interval", s_.interval_updates);
    }
    if (s_.metric_rows > static_cast<uint64_t>(frames / o_.log_every) + 1) {
      bad("metrics rows", s_.metric_rows);
    }
    if (s_.range.clipped > s_.range.count) bad("targets outside the support", s_.range.clipped);
    if (!(s_.wall_seconds >= 0) || !std::isfinite(s_.wall_seconds)) {
      bad("wall seconds", s_.wall_seconds);
    }
    for (const Episode& e : s_.episodes_of_env) {
      if (e.actions.size() > static_cast<uint64_t>(frames)) {
        bad("actions of an episode", e.actions.size());
      }
      for (int32_t a : e.actions) {
        if (a < 0 || a >= o_.dqn.network.num_actions) bad("an action of an episode", a);
      }
      if (!std::isfinite(e.ret)) bad("the return of an episode", e.ret);
    }
  }

  void write_summary(bool complete) {
    const double wall = wall_seconds();
    nlohmann::json s;
    s["complete"] = complete;
    s["env"] = o_.env_name;
    s["head"] = std::string(value::head_name(o_.dqn.head.kind));
    s["seed"] = o_.seed;
    s["frames"] = s_.frames;
    s["frames_target"] = o_.frames;
    s["updates"] = agent_.updates();
    s["episodes"] = s_.episodes;
    s["wall_seconds"] = wall;
    s["frames_per_second"] = wall > 0 ? static_cast<double>(s_.frames) / wall : 0.0;
    const double recent = recent_mean();
    s["final_return_mean"] = std::isnan(recent) ? nlohmann::json() : nlohmann::json(recent);
    s["final_return_episodes"] = s_.recent.size();
    s["final_eval_return"] =
        std::isnan(s_.last_eval) ? nlohmann::json() : nlohmann::json(s_.last_eval);
    s["max_rss_mb"] = max_rss_mb();
    s["replay_bytes"] = replay_.memory_bytes();
    if (s_.range.count > 0) {
      s["value_targets"] = {{"count", s_.range.count},
                            {"outside_support", s_.range.clipped},
                            {"lowest", s_.range.lowest},
                            {"highest", s_.range.highest}};
    }
    dir_.write_summary(s);
  }

  run::RunDir& dir_;
  const Config& config_;
  TrainOptions o_;
  env::VectorEnv envs_;
  std::unique_ptr<env::Env> eval_env_;
  DqnAgent agent_;
  std::vector<NStepAssembler> nstep_;  // one per environment
  ReplayBuffer replay_;
  run::CheckpointStore store_;
  std::string fingerprint_;
  std::optional<run::MetricsWriter> metrics_;
  TrainerState s_;

  std::vector<float> obs_;  // [num_envs, obs_size]: what the agent acts on this iteration
  std::vector<int32_t> actions_;
  std::vector<double> epsilons_;
  ReplayBatch batch_;
  double wall_before_ = 0.0;  // wall time of the sessions before this one
  std::chrono::steady_clock::time_point session_start_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point interval_start_ = session_start_;
  int64_t interval_start_frames_ = 0;
};

// The mean of the values that are not NaN; NaN when none is.
double mean_of_known(const std::vector<double>& values) {
  double sum = 0.0;
  size_t n = 0;
  for (double v : values) {
    if (std::isnan(v)) continue;
    sum += v;
    ++n;
  }
  return n > 0 ? sum / static_cast<double>(n) : kNaN;
}

}  // namespace

TrainOutcome train_group(const std::vector<GroupRun>& runs, int threads,
                         const TrainControl& control) {
  VALOR_CHECK(!runs.empty() && threads >= 1);
  // Built one after another: each agent seeds LibTorch's global generator for its initial weights.
  std::vector<std::unique_ptr<Trainer>> trainers;
  for (const GroupRun& r : runs) trainers.push_back(std::make_unique<Trainer>(*r.dir, *r.config));
  uint64_t done = 0, total = 0;
  for (size_t i = 0; i < runs.size(); ++i) {
    trainers[i]->begin(runs[i].resume);
    done += static_cast<uint64_t>(std::min(trainers[i]->frames(), trainers[i]->options().frames));
    total += static_cast<uint64_t>(trainers[i]->options().frames);
  }
  if (done >= total) return TrainOutcome::kComplete;
  ProgressOptions po;
  po.label = runs.size() == 1 ? runs[0].dir->path().filename().string()
                              : fmt::format("{} runs", runs.size());
  po.unit = "frames";
  po.total = total;
  po.plain_interval_seconds = trainers[0]->options().progress_seconds;
  std::optional<Progress> progress;
  if (control.progress) progress.emplace(control.progress, po, done);
  std::optional<env::WorkerPool> pool;
  if (threads > 1 && runs.size() > 1) {
    pool.emplace(std::min(threads, static_cast<int>(runs.size())), runs.size());
  }
  std::vector<Trainer*> active;
  std::vector<double> returns, evals, losses;
  for (;;) {
    active.clear();
    for (auto& t : trainers) {
      if (!t->finished()) active.push_back(t.get());
    }
    if (active.empty()) break;
    auto advance = [&](size_t b) { active[b]->advance(); };
    if (pool) {
      pool->run(active.size(), advance);
    } else {
      for (size_t b = 0; b < active.size(); ++b) advance(b);
    }
    done = 0;
    returns.clear();
    evals.clear();
    losses.clear();
    for (const auto& t : trainers) {
      done += static_cast<uint64_t>(std::min(t->frames(), t->options().frames));
      returns.push_back(t->recent_mean());
      evals.push_back(t->last_eval());
      losses.push_back(t->last_loss());
    }
    if (progress) {
      progress->update(done, {{"return_100", mean_of_known(returns)},
                              {"eval", mean_of_known(evals)},
                              {"loss", mean_of_known(losses)}});
    }
    for (const Trainer* t : active) {
      if (t->frames() >= control.crash_after_frame &&
          t->frames() - t->options().num_envs < control.crash_after_frame) {
        return TrainOutcome::kInterrupted;
      }
    }
    if (control.stop && control.stop->load()) {
      for (Trainer* t : active) {
        if (!t->finished()) t->interrupt();
      }
      if (progress) progress->finish();
      return TrainOutcome::kInterrupted;
    }
  }
  if (progress) progress->finish();
  return TrainOutcome::kComplete;
}

TrainOutcome train(run::RunDir& dir, const Config& config, bool resume,
                   const TrainControl& control) {
  return train_group({GroupRun{&dir, &config, resume}}, 1, control);
}

}  // namespace valor::agent
