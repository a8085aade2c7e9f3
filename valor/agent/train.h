// `valor train`: one DQN-family agent trained on train.num_envs copies of one environment, written
// into a run directory (run_dir.h) with metrics.csv, summary.json, log.txt and checkpoints that
// hold everything the run needs to continue bit for bit: networks, optimiser, replay, the n-step
// queue of each environment, every generator, each environment's episode (its seed and the actions
// since, replayed on resume) and the metric accumulators. Several runs (the seeds of train.seeds)
// can train in one process, stepped in turn or on train.seed_threads threads; each is exactly the
// run it would be alone. docs/agents.md describes the keys, the metrics and the guarantees.
#pragma once

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "valor/agent/dqn.h"
#include "valor/agent/train_config.h"
#include "valor/core/config.h"
#include "valor/env/registry.h"
#include "valor/env/vector_env.h"
#include "valor/run/run_dir.h"

namespace valor::agent {

struct TrainOptions {
  std::string env_name;
  env::EnvOptions env_options;
  DqnOptions dqn;  // network.obs_shape / num_actions are filled from the environment
  int64_t seed = 0;
  int64_t frames = 0;
  double gamma = 0.99;
  int n_step = 1;
  int64_t batch_size = 32;
  int64_t replay_capacity = 100000;
  int64_t learning_starts = 5000;
  int64_t update_every = 1;
  double epsilon_start = 1.0, epsilon_end = 0.1;
  int64_t epsilon_decay_frames = 100000;
  int64_t log_every = 10000;
  int64_t checkpoint_every = 50000;
  int64_t checkpoint_keep = 3;
  int64_t eval_every = 0;  // 0: no evaluation
  int64_t eval_episodes = 10;
  double eval_epsilon = 0.0;
  int64_t eval_max_episode_frames = 100000;
  double progress_seconds = 10.0;
  int64_t num_envs = 1;        // environments stepped per iteration (a VectorEnv)
  int env_threads = 1;         // threads stepping them
  std::vector<int64_t> seeds;  // train.seeds: empty, or the seeds of a group of runs
  int seed_threads = 1;        // threads stepping such a group

  // Epsilon of the behaviour policy before frame `frame` (0-based): epsilon_start until
  // learning_starts, then linear to epsilon_end over epsilon_decay_frames, then epsilon_end.
  double epsilon(int64_t frame) const;
};

// Reads and cross-checks the keys (valor::Error naming the keys at fault); builds the environment
// once to learn its observation shape and action count.
TrainOptions train_options(const Config& config);

// The metrics.csv columns, in order. frames_per_second is wall-clock time, the one column that
// differs between two runs of the same configuration.
const std::vector<std::string>& train_metric_columns();

enum class TrainOutcome { kComplete, kInterrupted };

struct TrainControl {
  std::FILE* progress = stdout;             // progress lines; nullptr: none
  const std::atomic<bool>* stop = nullptr;  // when set, checkpoint and return kInterrupted
  // Test hook: return kInterrupted right after the iteration that reaches this frame, without a
  // checkpoint (a crash).
  int64_t crash_after_frame = -1;
};

// Trains from scratch in `dir` (whose config.toml is `config`) or, with `resume`, continues from
// its newest valid checkpoint (from scratch when it has none). valor::Error for a checkpoint
// that belongs to another configuration.
TrainOutcome train(run::RunDir& dir, const Config& config, bool resume,
                   const TrainControl& control = {});

// One run of a group trained in one process.
struct GroupRun {
  run::RunDir* dir = nullptr;
  const Config* config = nullptr;  // the run's own configuration (its run.seed, no train.seeds)
  bool resume = false;
};

// Trains every run of `runs` in one process: each iteration steps every unfinished run once (its
// train.num_envs frames and the updates they cross), on `threads` threads (each run on one at a
// time); a run's results are those it would have alone, whatever the thread count. The progress
// line counts the frames of all runs. On a stop request every run checkpoints.
TrainOutcome train_group(const std::vector<GroupRun>& runs, int threads,
                         const TrainControl& control = {});

// What identifies a configuration for resuming: every key except those that may change between
// sessions of one run (run.name, run.progress_seconds, run.checkpoint_keep, train.frames).
std::string config_fingerprint(const Config& config);
// The keys whose values differ between two configurations, ignoring the same keys, as
// "key: A (set by ...) vs B (set by ...)".
std::vector<std::string> fingerprint_differences(const Config& a, const Config& b);

}  // namespace valor::agent
