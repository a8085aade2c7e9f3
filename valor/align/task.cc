#include "valor/align/task.h"

#include <cmath>

#include "valor/core/error.h"
#include "valor/reward/mlp_reward.h"

namespace valor::align {

void check_task_spec(const TaskSpec& spec) {
  check_shape(spec.shape);
  if (!(spec.teacher_logit_scale >= 0.0) || !std::isfinite(spec.teacher_logit_scale)) {
    fail("teacher_logit_scale = {}: accepted a finite number >= 0", spec.teacher_logit_scale);
  }
  for (size_t width : spec.reference_hidden) {
    if (width == 0) fail("reference_hidden: a width of 0; every width must be at least 1");
  }
  if (spec.pretrain_steps < 0) fail("pretrain_steps = {}: accepted >= 0", spec.pretrain_steps);
  if (spec.pretrain_batch < 1) fail("pretrain_batch = {}: accepted >= 1", spec.pretrain_batch);
  if (!(spec.pretrain_learning_rate > 0.0) || !std::isfinite(spec.pretrain_learning_rate)) {
    fail("pretrain_learning_rate = {}: accepted a finite number > 0", spec.pretrain_learning_rate);
  }
  if (!std::isfinite(spec.reward_scale))
    fail("reward_scale = {}: accepted a finite number", spec.reward_scale);
}

Task::Task(const TaskSpec& spec) : spec_(spec), reference_(spec.shape, spec.reference_hidden) {
  check_task_spec(spec);
  const auto p = static_cast<size_t>(spec.shape.prompts), v = static_cast<size_t>(spec.shape.vocab);
  const auto len = static_cast<size_t>(spec.shape.length);
  // Independent streams: the task's parts do not shift when another part's size changes.
  Rng teacher_rng(spec.seed, 1), reward_rng(spec.seed, 2), init_rng(spec.seed, 3),
      pretrain_rng(spec.seed, 4);
  teacher_initial_.resize(p * v);
  for (double& l : teacher_initial_) l = spec.teacher_logit_scale * teacher_rng.normal();
  teacher_transition_.resize(p * v * v);
  for (double& l : teacher_transition_) l = spec.teacher_logit_scale * teacher_rng.normal();
  unigram_.resize(p * len * v);
  for (double& a : unigram_) a = reward_rng.normal();
  bigram_.resize(v * v);
  for (double& b : bigram_) b = reward_rng.normal();

  reference_.initialise(init_rng);
  reward::AdamW adam;
  adam.learning_rate = spec.pretrain_learning_rate;
  const auto batch = static_cast<size_t>(spec.pretrain_batch);
  std::vector<int32_t> prompts(batch);
  std::vector<uint8_t> tokens;
  std::vector<float> gradient;
  const std::vector<float> coef(batch * len, -1.0f / static_cast<float>(batch * len));
  SequenceBatch evaluation;
  for (int step = 0; step < spec.pretrain_steps; ++step) {
    for (auto& x : prompts) x = static_cast<int32_t>(pretrain_rng.below(p));
    sample_teacher(prompts, pretrain_rng, tokens);
    evaluation.evaluate(reference_, prompts, tokens);
    double nll = 0.0;
    for (float lp : evaluation.token_log_probs()) nll -= lp;
    pretrain_loss_ = nll / static_cast<double>(batch * len);
    gradient.assign(reference_.parameters().size(), 0.0f);
    evaluation.backward(reference_, coef, gradient);
    adam.update(reference_.parameters(), gradient);
  }
}

double Task::gold_reward(int32_t prompt, const uint8_t* tokens) const {
  const auto v = static_cast<size_t>(spec_.shape.vocab);
  const auto len = static_cast<size_t>(spec_.shape.length);
  double total = 0.0;
  for (size_t t = 0; t < len; ++t) {
    total += unigram_[(static_cast<size_t>(prompt) * len + t) * v + tokens[t]];
    if (t + 1 < len) total += bigram_[tokens[t] * v + tokens[t + 1]];
  }
  return spec_.reward_scale * total / std::sqrt(2.0 * static_cast<double>(len) - 1.0);
}

namespace {
double log_softmax_at(const double* logits, size_t v, size_t k) {
  double top = logits[0];
  for (size_t j = 1; j < v; ++j) top = std::max(top, logits[j]);
  double z = 0.0;
  for (size_t j = 0; j < v; ++j) z += std::exp(logits[j] - top);
  return logits[k] - top - std::log(z);
}
}  // namespace

double Task::teacher_log_prob(int32_t prompt, const uint8_t* tokens) const {
  const auto v = static_cast<size_t>(spec_.shape.vocab);
  const auto x = static_cast<size_t>(prompt);
  double total = log_softmax_at(teacher_initial_.data() + x * v, v, tokens[0]);
  for (int t = 1; t < spec_.shape.length; ++t) {
    total += log_softmax_at(teacher_transition_.data() + (x * v + tokens[t - 1]) * v, v, tokens[t]);
  }
  return total;
}

void Task::sample_teacher(std::span<const int32_t> prompts, Rng& rng,
                          std::vector<uint8_t>& tokens) const {
  const auto v = static_cast<size_t>(spec_.shape.vocab);
  const auto len = static_cast<size_t>(spec_.shape.length);
  tokens.resize(prompts.size() * len);
  std::vector<double> p(v);
  for (size_t i = 0; i < prompts.size(); ++i) {
    const auto x = static_cast<size_t>(prompts[i]);
    for (size_t t = 0; t < len; ++t) {
      const double* logits =
          t == 0 ? teacher_initial_.data() + x * v
                 : teacher_transition_.data() + (x * v + tokens[i * len + t - 1]) * v;
      double top = logits[0], z = 0.0;
      for (size_t k = 1; k < v; ++k) top = std::max(top, logits[k]);
      for (size_t k = 0; k < v; ++k) z += (p[k] = std::exp(logits[k] - top));
      tokens[i * len + t] = static_cast<uint8_t>(rng.weighted_index(p, z));
    }
  }
}

size_t Task::feature_dim() const {
  return static_cast<size_t>(spec_.shape.prompts) +
         static_cast<size_t>(spec_.shape.length) * static_cast<size_t>(spec_.shape.vocab);
}

void Task::features(int32_t prompt, const uint8_t* tokens, float* out) const {
  const auto p = static_cast<size_t>(spec_.shape.prompts),
             v = static_cast<size_t>(spec_.shape.vocab);
  std::fill(out, out + feature_dim(), 0.0f);
  out[prompt] = 1.0f;
  for (int t = 0; t < spec_.shape.length; ++t)
    out[p + static_cast<size_t>(t) * v + tokens[t]] = 1.0f;
}

}  // namespace valor::align
