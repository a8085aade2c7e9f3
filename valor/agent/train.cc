#include "valor/agent/train.h"

#include <fmt/format.h>
#include <sys/resource.h>

#include <chrono>
#include <cmath>
#include <deque>
#include <limits>
#include <nlohmann/json.hpp>

#include "valor/core/byte_stream.h"
#include "valor/core/error.h"
#include "valor/core/progress.h"
#include "valor/core/random.h"
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
const char* const kResumeExempt[] = {"run.name", "run.progress_seconds", "run.checkpoint_keep",
                                     "train.frames", "train.env_threads"};
// Keys added after runs existed, left out of the fingerprint at their default value so that those
// runs' checkpoints still resume: {key, default as value_text writes it}.
const std::pair<const char*, const char*> kFingerprintOmittedAtDefault[] = {
    {"train.num_envs", "1"}};

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

double TrainOptions::epsilon(int64_t frame) const {
  if (frame < learning_starts) return epsilon_start;
  if (epsilon_decay_frames == 0) return epsilon_end;
  const double progress = std::min(1.0, static_cast<double>(frame - learning_starts) /
                                            static_cast<double>(epsilon_decay_frames));
  return epsilon_start + (epsilon_end - epsilon_start) * progress;
}

TrainOptions train_options(const Config& c) {
  TrainOptions o;
  const auto rs = run::run_settings(c);
  o.seed = rs.seed;
  o.checkpoint_keep = rs.checkpoint_keep;
  o.progress_seconds = rs.progress_seconds;
  o.env_name = c.get_string("env.name");
  o.env_options.minatar.sticky_action_prob = c.get_float("env.sticky_action_prob");
  o.env_options.minatar.difficulty_ramping = c.get_bool("env.difficulty_ramping");
  o.env_options.minatar.minimal_action_set = c.get_bool("env.minimal_action_set");
  std::unique_ptr<env::Env> probe;
  try {
    probe = env::make_env(o.env_name, o.env_options);
  } catch (const Error& e) {
    fail("env.name (set by {}): {}", c.origin("env.name"), e.what());
  }
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
  if (net.kind == "minatar_conv" && (spec.obs_shape.size() != 3 || net.hidden.size() != 1)) {
    fail(
        "network.kind = minatar_conv (set by {}) needs a MinAtar environment (env.name = {}) and "
        "one hidden width (network.hidden = {})",
        c.origin("network.kind"), o.env_name, hidden);
  }
  HeadSpec& head = o.dqn.head;
  head.kind = parse_head_kind(c.get_string("value.head"), "value.head");
  head.v_min = c.get_float("value.v_min");
  head.v_max = c.get_float("value.v_max");
  head.bins = static_cast<int>(c.get_int("value.bins"));
  head.sigma_ratio = c.get_float("value.sigma_ratio");
  head.quantiles = static_cast<int>(c.get_int("value.quantiles"));
  if (!(head.v_min < head.v_max)) {
    fail("value.v_min ({}, set by {}) must be below value.v_max ({}, set by {})", head.v_min,
         c.origin("value.v_min"), head.v_max, c.origin("value.v_max"));
  }
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
  for (const char* key : {"train.frames", "train.log_every_frames"}) {
    if (c.get_int(key) % o.num_envs != 0) {
      fail(
          "{} ({}, set by {}) must be a multiple of train.num_envs ({}, set by {}): every "
          "iteration steps all environments once",
          key, c.get_int(key), c.origin(key), o.num_envs, c.origin("train.num_envs"));
    }
  }
  if (o.checkpoint_every % o.log_every != 0) {
    fail(
        "train.checkpoint_every_frames ({}, set by {}) must be a multiple of "
        "train.log_every_frames ({}, set by {})",
        o.checkpoint_every, c.origin("train.checkpoint_every_frames"), o.log_every,
        c.origin("train.log_every_frames"));
  }
  if (o.eval_every % o.log_every != 0) {
    fail(
        "eval.every_frames ({}, set by {}) must be 0 or a multiple of train.log_every_frames "
        "({}, set by {})",
        o.eval_every, c.origin("eval.every_frames"), o.log_every,
        c.origin("train.log_every_frames"));
  }
  if (o.batch_size > o.replay_capacity) {
    fail("train.batch_size ({}) exceeds train.replay_capacity ({})", o.batch_size,
         o.replay_capacity);
  }
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

// The training loop and everything it must carry across a checkpoint.
class Trainer {
 public:
  Trainer(run::RunDir& dir, const Config& config, const TrainControl& control)
      : dir_(dir),
        config_(config),
        o_(train_options(config)),
        control_(control),
        envs_(make_envs(o_)),
        eval_env_(env::make_env(o_.env_name, o_.env_options)),
        agent_(o_.dqn, static_cast<uint64_t>(o_.seed)),
        nstep_(static_cast<size_t>(o_.num_envs), NStepAssembler(o_.n_step, o_.gamma)),
        replay_(static_cast<size_t>(o_.replay_capacity), envs_.obs_size(),
                eval_env_->packed_obs_bytes() > 0 ? ObsStorage::kBits : ObsStorage::kFloat32),
        act_rng_(static_cast<uint64_t>(o_.seed), 1),
        replay_rng_(static_cast<uint64_t>(o_.seed), 2),
        env_rng_(static_cast<uint64_t>(o_.seed), 3),
        eval_rng_(static_cast<uint64_t>(o_.seed), 4),
        store_(dir.checkpoints_dir(), static_cast<size_t>(o_.checkpoint_keep), dir.logger()),
        fingerprint_(config_fingerprint(config)) {
    const auto n = static_cast<size_t>(o_.num_envs);
    obs_.resize(n * envs_.obs_size());
    actions_.resize(n);
    epsilons_.resize(n);
    episodes_of_env_.resize(n);
  }

  TrainOutcome run(bool resume) {
    bool restored = false;
    if (resume) restored = restore();
    if (!restored) {
      metrics_.emplace(run::MetricsWriter::create(dir_.metrics_path(), train_metric_columns()));
      for (size_t i = 0; i < envs_.size(); ++i) start_episode(i);
      dir_.logger()->info("training {} on {} with head {} for {} frames (seed {})",
                          config_.get_string("run.name"), o_.env_name, head_name(o_.dqn.head.kind),
                          o_.frames, o_.seed);
    }
    if (frames_ >= o_.frames) {
      write_summary(true);
      return TrainOutcome::kComplete;
    }
    ProgressOptions po;
    po.label = dir_.path().filename().string();
    po.unit = "frames";
    po.total = static_cast<uint64_t>(o_.frames);
    po.plain_interval_seconds = o_.progress_seconds;
    std::optional<Progress> progress;
    if (control_.progress) progress.emplace(control_.progress, po, frames_);
    session_start_ = std::chrono::steady_clock::now();
    interval_start_ = session_start_;
    interval_start_frames_ = frames_;

    while (frames_ < o_.frames) {
      step();
      const bool last = frames_ == o_.frames;
      if (frames_ % o_.log_every == 0 || last) log_row(last);
      if (frames_ % o_.checkpoint_every == 0 || last) checkpoint();
      if (progress) {
        progress->update(
            static_cast<uint64_t>(frames_),
            {{"return_100", recent_mean()}, {"eval", last_eval_}, {"loss", last_loss_}});
      }
      if (frames_ >= control_.crash_after_frame &&
          frames_ - o_.num_envs < control_.crash_after_frame) {
        return TrainOutcome::kInterrupted;
      }
      if (control_.stop && control_.stop->load()) {
        checkpoint();
        write_summary(false);
        if (progress) progress->finish();
        dir_.logger()->info("interrupted at frame {}; checkpoint saved", frames_);
        return TrainOutcome::kInterrupted;
      }
    }
    if (progress) progress->finish();
    write_summary(true);
    dir_.logger()->info("finished: {} frames, {} episodes, final return (last {}) {:.4g}", frames_,
                        episodes_, kRecentEpisodes, recent_mean());
    return TrainOutcome::kComplete;
  }

 private:
  // The environment's episode as a checkpoint holds it: its seed and the actions since, replayed
  // on resume, and its return so far.
  struct Episode {
    uint32_t seed = 0;
    std::vector<int32_t> actions;
    double ret = 0.0;
  };

  static env::VectorEnv make_envs(const TrainOptions& o) {
    std::vector<std::unique_ptr<env::Env>> envs;
    for (int64_t i = 0; i < o.num_envs; ++i)
      envs.push_back(env::make_env(o.env_name, o.env_options));
    return env::VectorEnv(std::move(envs), o.env_threads);
  }

  // Each episode starts from a fresh seed drawn from the run's generator (in environment order).
  void start_episode(size_t i) {
    Episode& e = episodes_of_env_[i];
    e.seed = static_cast<uint32_t>(env_rng_.below(uint64_t{1} << 32));
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
      actions_[0] = agent_.epsilon_greedy_action(obs_, o_.epsilon(frames_), act_rng_);
    } else {
      for (size_t i = 0; i < n; ++i) epsilons_[i] = o_.epsilon(frames_ + static_cast<int64_t>(i));
      agent_.epsilon_greedy_actions(obs_, epsilons_, act_rng_, actions_);
    }
    envs_.step(actions_);
    const int64_t first_frame = frames_;
    frames_ += static_cast<int64_t>(n);
    for (size_t i = 0; i < n; ++i) {
      Episode& e = episodes_of_env_[i];
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
        ++episodes_;
        recent_.push_back(e.ret);
        if (recent_.size() > kRecentEpisodes) recent_.pop_front();
        interval_return_sum_ += e.ret;
        ++interval_episodes_;
        start_episode(i);
      }
    }
    for (int64_t frame = first_frame + 1; frame <= frames_; ++frame) {
      if (frame > o_.learning_starts && frame % o_.update_every == 0 &&
          replay_.size() >= static_cast<size_t>(o_.batch_size)) {
        replay_.sample(static_cast<size_t>(o_.batch_size), replay_rng_, batch_);
        const UpdateStats stats = agent_.update(batch_, &range_);
        last_loss_ = stats.loss;
        interval_loss_sum_ += stats.loss;
        ++interval_updates_;
        if (!warned_range_ && range_.clipped > 0) warn_range();
      }
    }
  }

  void warn_range() {
    warned_range_ = true;
    dir_.logger()->warn(
        "value range [{}, {}] cannot hold the bootstrapped targets: target {:.4g} fell outside "
        "it and was clipped (set value.v_min / value.v_max to cover the returns)",
        o_.dqn.head.v_min, o_.dqn.head.v_max,
        range_.lowest < o_.dqn.head.v_min ? range_.lowest : range_.highest);
  }

  double recent_mean() const {
    if (recent_.empty()) return kNaN;
    double s = 0;
    for (double r : recent_) s += r;
    return s / static_cast<double>(recent_.size());
  }

  double evaluate() {
    double total = 0.0;
    std::vector<float> obs(envs_.obs_size());
    for (int64_t e = 0; e < o_.eval_episodes; ++e) {
      eval_env_->seed(eval_rng_.below(uint64_t{1} << 32));
      eval_env_->reset();
      double ret = 0.0;
      for (int64_t t = 0; t < o_.eval_max_episode_frames; ++t) {
        eval_env_->observe(obs);
        const auto r =
            eval_env_->step(agent_.epsilon_greedy_action(obs, o_.eval_epsilon, eval_rng_));
        ret += r.reward;
        if (r.terminated || r.truncated) break;
      }
      total += ret;
    }
    return total / static_cast<double>(o_.eval_episodes);
  }

  void log_row(bool last) {
    double eval = kNaN;
    if (o_.eval_every > 0 && (frames_ % o_.eval_every == 0 || last)) {
      eval = evaluate();
      last_eval_ = eval;
    }
    const double elapsed = seconds_since(interval_start_);
    const double fps =
        elapsed > 0 ? static_cast<double>(frames_ - interval_start_frames_) / elapsed : kNaN;
    const std::vector<double> row = {
        static_cast<double>(frames_),
        static_cast<double>(episodes_),
        static_cast<double>(agent_.updates()),
        interval_episodes_ > 0 ? interval_return_sum_ / static_cast<double>(interval_episodes_)
                               : kNaN,
        recent_mean(),
        interval_updates_ > 0 ? interval_loss_sum_ / static_cast<double>(interval_updates_) : kNaN,
        o_.epsilon(frames_),
        eval,
        fps};
    metrics_->append(row);
    interval_return_sum_ = interval_loss_sum_ = 0.0;
    interval_episodes_ = interval_updates_ = 0;
    interval_start_ = std::chrono::steady_clock::now();
    interval_start_frames_ = frames_;
  }

  double wall_seconds() const { return wall_before_ + seconds_since(session_start_); }

  std::string save_trainer_state() const {
    ByteWriter w;
    w.put(kTrainerTag);
    w.put<int64_t>(frames_);
    w.put<int64_t>(episodes_);
    w.put_string(act_rng_.save_state());
    w.put_string(replay_rng_.save_state());
    w.put_string(env_rng_.save_state());
    w.put_string(eval_rng_.save_state());
    w.put<uint64_t>(episodes_of_env_.size());
    for (const Episode& e : episodes_of_env_) {
      w.put<uint32_t>(e.seed);
      w.put_array<int32_t>(e.actions);
      w.put<double>(e.ret);
    }
    const std::vector<double> recent(recent_.begin(), recent_.end());
    w.put_array<double>(recent);
    w.put<double>(interval_return_sum_);
    w.put<int64_t>(interval_episodes_);
    w.put<double>(interval_loss_sum_);
    w.put<int64_t>(interval_updates_);
    w.put<double>(last_loss_);
    w.put<double>(last_eval_);
    w.put<uint64_t>(metrics_->row_count());
    w.put<double>(wall_seconds());
    w.put<uint64_t>(range_.count);
    w.put<uint64_t>(range_.clipped);
    w.put<float>(range_.lowest);
    w.put<float>(range_.highest);
    w.put<uint8_t>(warned_range_);
    return w.take();
  }

  // Environment 0's queue keeps the key it had when runs had one environment.
  static std::string nstep_key(size_t i) { return i == 0 ? "nstep" : "nstep." + std::to_string(i); }

  void checkpoint() {
    run::Checkpoint c;
    c["config_fingerprint"] = fingerprint_;
    c["agent"] = agent_.save_state();
    c["replay"] = replay_.save_state();
    for (size_t i = 0; i < nstep_.size(); ++i) c[nstep_key(i)] = nstep_[i].save_state();
    c["trainer"] = save_trainer_state();
    store_.save(static_cast<uint64_t>(frames_), c);
    write_summary(false);
  }

  // Loads the newest valid checkpoint; false when there is none.
  bool restore() {
    auto latest = store_.load_latest_valid();
    if (!latest) return false;
    auto& [step, c] = *latest;
    const std::string where = store_.path_for(step).string();
    std::vector<std::string> keys = {"config_fingerprint", "agent", "replay", "trainer"};
    for (size_t i = 0; i < nstep_.size(); ++i) keys.push_back(nstep_key(i));
    for (const std::string& key : keys) {
      if (!c.count(key)) fail("{}: not a valor train checkpoint (no '{}' entry)", where, key);
    }
    if (c["config_fingerprint"] != fingerprint_) {
      fail(
          "{} was written under another configuration than {} now holds (fingerprint {} vs "
          "{}); resume with the configuration the run started with",
          where, dir_.config_path().string(), c["config_fingerprint"], fingerprint_);
    }
    agent_.load_state(c["agent"]);
    replay_.load_state(c["replay"]);
    for (size_t i = 0; i < nstep_.size(); ++i) nstep_[i].load_state(c[nstep_key(i)]);
    ByteReader r(c["trainer"], where + " trainer state");
    const auto tag = r.get<uint32_t>();
    if (tag != kTrainerTag && tag != kTrainerTagOneEnv) fail("{}: not a trainer state", r.what());
    frames_ = r.get<int64_t>();
    episodes_ = r.get<int64_t>();
    act_rng_.load_state(r.get_string());
    replay_rng_.load_state(r.get_string());
    env_rng_.load_state(r.get_string());
    eval_rng_.load_state(r.get_string());
    const uint64_t saved_envs = tag == kTrainerTagOneEnv ? 1 : r.get<uint64_t>();
    if (saved_envs != episodes_of_env_.size()) {
      fail("{}: holds {} environments, the configuration {}", r.what(), saved_envs,
           episodes_of_env_.size());
    }
    for (Episode& e : episodes_of_env_) {
      e.seed = r.get<uint32_t>();
      e.actions = r.get_array<int32_t>();
      e.ret = r.get<double>();
    }
    const auto recent = r.get_array<double>();
    recent_.assign(recent.begin(), recent.end());
    interval_return_sum_ = r.get<double>();
    interval_episodes_ = r.get<int64_t>();
    interval_loss_sum_ = r.get<double>();
    interval_updates_ = r.get<int64_t>();
    last_loss_ = r.get<double>();
    last_eval_ = r.get<double>();
    const auto rows = r.get<uint64_t>();
    wall_before_ = r.get<double>();
    range_.count = r.get<uint64_t>();
    range_.clipped = r.get<uint64_t>();
    range_.lowest = r.get<float>();
    range_.highest = r.get<float>();
    warned_range_ = r.get<uint8_t>() != 0;
    r.expect_done();
    if (static_cast<uint64_t>(step) != static_cast<uint64_t>(frames_)) {
      fail("{}: holds frame {} but is named for step {}", where, frames_, step);
    }
    // The environments: each episode's seed, then its actions again.
    for (size_t i = 0; i < episodes_of_env_.size(); ++i) {
      if (!envs_.replay_one(i, episodes_of_env_[i].seed, episodes_of_env_[i].actions)) {
        fail(
            "{}: replaying the saved episode of environment {} ended it early; the environment "
            "differs from the one the run started with",
            where, i);
      }
    }
    metrics_.emplace(
        run::MetricsWriter::open_for_resume(dir_.metrics_path(), train_metric_columns()));
    metrics_->truncate_rows(static_cast<size_t>(rows));
    dir_.logger()->info("resumed from {} at frame {}", where, frames_);
    return true;
  }

  void write_summary(bool complete) {
    const double wall = wall_seconds();
    nlohmann::json s;
    s["complete"] = complete;
    s["env"] = o_.env_name;
    s["head"] = std::string(head_name(o_.dqn.head.kind));
    s["seed"] = o_.seed;
    s["frames"] = frames_;
    s["frames_target"] = o_.frames;
    s["updates"] = agent_.updates();
    s["episodes"] = episodes_;
    s["wall_seconds"] = wall;
    s["frames_per_second"] = wall > 0 ? static_cast<double>(frames_) / wall : 0.0;
    const double recent = recent_mean();
    s["final_return_mean"] = std::isnan(recent) ? nlohmann::json() : nlohmann::json(recent);
    s["final_return_episodes"] = recent_.size();
    s["final_eval_return"] = std::isnan(last_eval_) ? nlohmann::json() : nlohmann::json(last_eval_);
    s["max_rss_mb"] = max_rss_mb();
    s["replay_bytes"] = replay_.memory_bytes();
    if (range_.count > 0) {
      s["value_targets"] = {{"count", range_.count},
                            {"outside_support", range_.clipped},
                            {"lowest", range_.lowest},
                            {"highest", range_.highest}};
    }
    dir_.write_summary(s);
  }

  run::RunDir& dir_;
  const Config& config_;
  TrainOptions o_;
  TrainControl control_;
  env::VectorEnv envs_;
  std::unique_ptr<env::Env> eval_env_;
  DqnAgent agent_;
  std::vector<NStepAssembler> nstep_;  // one per environment
  ReplayBuffer replay_;
  Rng act_rng_, replay_rng_, env_rng_, eval_rng_;
  run::CheckpointStore store_;
  std::string fingerprint_;
  std::optional<run::MetricsWriter> metrics_;

  std::vector<float> obs_;  // [num_envs, obs_size]: what the agent acts on this iteration
  std::vector<int32_t> actions_;
  std::vector<double> epsilons_;
  ReplayBatch batch_;
  TargetRange range_;
  bool warned_range_ = false;
  int64_t frames_ = 0, episodes_ = 0;
  std::vector<Episode> episodes_of_env_;
  std::deque<double> recent_;
  double interval_return_sum_ = 0.0, interval_loss_sum_ = 0.0;
  int64_t interval_episodes_ = 0, interval_updates_ = 0;
  double last_loss_ = kNaN, last_eval_ = kNaN;
  double wall_before_ = 0.0;
  std::chrono::steady_clock::time_point session_start_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point interval_start_ = session_start_;
  int64_t interval_start_frames_ = 0;
};

}  // namespace

TrainOutcome train(run::RunDir& dir, const Config& config, bool resume,
                   const TrainControl& control) {
  Trainer trainer(dir, config, control);
  return trainer.run(resume);
}

}  // namespace valor::agent
