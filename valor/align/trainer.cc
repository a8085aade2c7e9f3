#include "valor/align/trainer.h"

#include <cmath>
#include <limits>

#include "valor/core/error.h"
#include "valor/reward/mlp_reward.h"

namespace valor::align {

void check_train_options(const TrainOptions& options) {
  check_method_options(options.method, options.method_options);
  if (options.policy != "mlp" && options.policy != "tabular") {
    fail("policy = '{}': accepted mlp, tabular", options.policy);
  }
  if (options.steps < 0) fail("steps = {}: accepted >= 0", options.steps);
  if (!(options.learning_rate > 0.0) || !std::isfinite(options.learning_rate)) {
    fail("learning_rate = {}: accepted a finite number > 0", options.learning_rate);
  }
  if (options.eval_every < 1) fail("eval_every = {}: accepted >= 1", options.eval_every);
  if (options.eval_samples < 1) fail("eval_samples = 0: accepted >= 1");
}

Evaluator::Evaluator(const Task& task, const RewardFunction* proxy, size_t samples, uint64_t seed)
    : task_(task),
      proxy_(proxy),
      samples_(samples),
      seed_(seed),
      exact_(enumerable(task.shape())),
      reference_(task.reference()) {
  if (!exact_) return;
  distribution_ = std::make_unique<ExactDistribution>(task.shape());
  distribution_->evaluate(reference_);
  reference_log_probs_.assign(distribution_->log_probs().begin(), distribution_->log_probs().end());
  gold_ = reward_table(GoldReward(task), task.shape());
  if (proxy_ != nullptr) proxy_table_ = reward_table(*proxy_, task.shape());
}

Metrics Evaluator::evaluate(Policy& policy) {
  Metrics m;
  const int prompts = task_.shape().prompts;
  m.proxy = proxy_ == nullptr ? std::numeric_limits<double>::quiet_NaN() : 0.0;
  if (exact_) {
    distribution_->evaluate(policy);
    const uint64_t n = distribution_->num_sequences();
    for (int x = 0; x < prompts; ++x) {
      const auto lp = distribution_->log_probs(x);
      const auto offset = static_cast<size_t>(x) * n;
      const std::span<const double> ref(reference_log_probs_.data() + offset, n);
      m.gold += expectation(lp, std::span<const double>(gold_.data() + offset, n));
      if (proxy_ != nullptr)
        m.proxy += expectation(lp, std::span<const double>(proxy_table_.data() + offset, n));
      m.kl += kl_divergence(lp, ref);
    }
  } else {
    // The same draws at every evaluation (common random numbers across steps).
    Rng rng(seed_, 6);
    const size_t n = samples_ * static_cast<size_t>(prompts);
    std::vector<int32_t> xs(n);
    for (size_t i = 0; i < n; ++i) xs[i] = static_cast<int32_t>(i / samples_);
    std::vector<uint8_t> tokens;
    sample_sequences(policy, xs, rng, tokens);
    SequenceBatch pi, ref;
    pi.evaluate(policy, xs, tokens);
    ref.evaluate(reference_, xs, tokens);
    std::vector<double> gold(n), proxy(n);
    GoldReward(task_).score(xs, tokens, gold.data());
    if (proxy_ != nullptr) proxy_->score(xs, tokens, proxy.data());
    for (size_t i = 0; i < n; ++i) {
      m.gold += gold[i] / static_cast<double>(samples_);
      if (proxy_ != nullptr) m.proxy += proxy[i] / static_cast<double>(samples_);
      m.kl += (pi.sequence_log_prob(i) - ref.sequence_log_prob(i)) / static_cast<double>(samples_);
    }
  }
  m.gold /= prompts;
  m.proxy /= prompts;
  m.kl /= prompts;
  return m;
}

std::unique_ptr<Policy> initial_policy(const Task& task, const std::string& kind) {
  MlpPolicy reference = task.reference();
  if (kind == "mlp") return std::make_unique<MlpPolicy>(reference);
  if (kind == "tabular") return std::make_unique<TabularPolicy>(TabularPolicy::copy_of(reference));
  fail("policy = '{}': accepted mlp, tabular", kind);
}

void train_policy(const Task& task, Policy& policy, const TrainOptions& options,
                  const PreferenceData* preferences, const RewardFunction* proxy,
                  const std::function<void(const Metrics&)>& on_metrics) {
  check_train_options(options);
  const MethodInfo& info = find_method(options.method);
  if (info.offline && !options.exact) {
    if (preferences == nullptr)
      fail("method {} learns from preference pairs; none given", info.name);
    check_preferences(*preferences, task.shape(), "the preference data");
  }
  if (options.exact) check_enumerable(task.shape());
  std::unique_ptr<Method> method = info.make();
  MlpPolicy reference = task.reference();
  GoldReward gold(task);
  const RewardFunction* objective = proxy != nullptr ? proxy : &gold;
  Evaluator evaluator(task, proxy, options.eval_samples, options.seed);
  Rng rng(options.seed, 7);
  StepContext context{task, policy, reference, preferences, objective, options.method_options, rng};

  // Exact mode: the population loss through the enumerated distribution.
  std::unique_ptr<ExactDistribution> distribution;
  std::vector<double> exact_reward, coef;
  if (options.exact) {
    distribution = std::make_unique<ExactDistribution>(task.shape());
    exact_reward = info.offline
                       ? evaluator.gold_table()
                       : (proxy != nullptr ? evaluator.proxy_table() : evaluator.gold_table());
  }
  reward::AdamW adam;
  adam.learning_rate = options.learning_rate;
  std::vector<float> gradient;
  Metrics m = evaluator.evaluate(policy);
  m.step = 0;
  m.loss = std::numeric_limits<double>::quiet_NaN();
  if (on_metrics) on_metrics(m);
  for (int step = 1; step <= options.steps; ++step) {
    gradient.assign(policy.parameters().size(), 0.0f);
    double loss = 0.0;
    if (options.exact) {
      distribution->evaluate(policy);
      const ExactContext exact{task.shape(), distribution->log_probs(),
                               evaluator.reference_log_probs(), exact_reward,
                               options.method_options};
      loss = method->exact_loss(exact, coef);
      distribution->backward(policy, coef, gradient);
    } else {
      loss = method->step(context, gradient);
    }
    adam.update(policy.parameters(), gradient);
    if (step % options.eval_every == 0 || step == options.steps) {
      m = evaluator.evaluate(policy);
      m.step = step;
      m.loss = loss;
      if (on_metrics) on_metrics(m);
    }
  }
}

}  // namespace valor::align
