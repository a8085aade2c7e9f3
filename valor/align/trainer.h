// Training a policy with one of the lab's methods, and the metrics of a run (docs/align.md):
// expected gold reward, expected proxy reward and KL(pi || pi_ref), averaged over uniform
// prompts - exact by enumeration when the task is enumerable, else estimated from samples.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "valor/align/exact.h"
#include "valor/align/method.h"

namespace valor::align {

struct TrainOptions {
  std::string method = "dpo";
  MethodOptions method_options;
  std::string policy = "mlp";  // "mlp" (pi_ref's network, from its weights) or "tabular"
  int steps = 500;
  double learning_rate = 1e-3;  // Adam
  // Population gradients by enumeration (exact_loss) instead of minibatches; enumerable tasks only.
  bool exact = false;
  int eval_every = 50;         // metrics every this many steps (and at 0 and the last step)
  size_t eval_samples = 4096;  // responses per prompt when the task is not enumerable
  uint64_t seed = 0;
};
// valor::Error naming the first bad option.
void check_train_options(const TrainOptions& options);

struct Metrics {
  int step = 0;
  double loss = 0.0;   // the last step's (NaN at step 0)
  double gold = 0.0;   // E_pi r*
  double proxy = 0.0;  // E_pi r_proxy (NaN without a proxy)
  double kl = 0.0;     // KL(pi || pi_ref)
};

// Scores a policy against the task; holds pi_ref's distribution and the reward tables.
class Evaluator {
 public:
  Evaluator(const Task& task, const RewardFunction* proxy, size_t samples, uint64_t seed);
  // gold, proxy and kl of `policy` (loss and step untouched).
  Metrics evaluate(Policy& policy);
  bool exact() const { return exact_; }
  // Enumerable tasks: pi_ref's log-probabilities and the reward tables (P x N).
  const std::vector<double>& reference_log_probs() const { return reference_log_probs_; }
  const std::vector<double>& gold_table() const { return gold_; }
  const std::vector<double>& proxy_table() const { return proxy_table_; }

 private:
  const Task& task_;
  const RewardFunction* proxy_;
  size_t samples_;
  uint64_t seed_;
  bool exact_;
  MlpPolicy reference_;
  std::unique_ptr<ExactDistribution> distribution_;
  std::vector<double> reference_log_probs_, gold_, proxy_table_;
};

// The policy a run starts from: pi_ref itself (a copy of its network) or its tabular copy.
std::unique_ptr<Policy> initial_policy(const Task& task, const std::string& kind);

// Trains `policy` for options.steps steps; `preferences` for offline methods, `proxy` the reward
// online methods maximise (the gold reward when null). on_metrics gets every evaluation.
void train_policy(const Task& task, Policy& policy, const TrainOptions& options,
                  const PreferenceData* preferences, const RewardFunction* proxy,
                  const std::function<void(const Metrics&)>& on_metrics);

}  // namespace valor::align
