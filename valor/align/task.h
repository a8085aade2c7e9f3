// The lab's task family (docs/align.md): prompts x in {0..P-1}, responses of L tokens over a
// vocabulary of V, a reference policy pi_ref pretrained on a synthetic teacher, and a hidden gold
// reward r*(x, y). Everything is drawn from the task seed, so a task is its spec.
//
// - Teacher: per prompt, a Markov chain over tokens whose first-token and transition logits are
//   independent N(0, teacher_logit_scale^2); sequences are drawn token by token from it.
// - pi_ref: an MlpPolicy pretrained by maximum likelihood (Adam) on fresh teacher samples, so it
//   is neither uniform nor degenerate and not exactly the teacher.
// - Gold reward: r*(x, y) = reward_scale (sum_t a[x][t][y_t] + sum_{t < L-1} b[y_t][y_{t+1}]) /
//   sqrt(2L - 1), a and b independent N(0, 1): a prompt-and-position unigram term and a
//   prompt-free bigram term (variance reward_scale^2 under uniform tokens).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "valor/align/policy.h"

namespace valor::align {

struct TaskSpec {
  SequenceShape shape{4, 8, 4};
  uint64_t seed = 0;
  double teacher_logit_scale = 2.0;
  std::vector<size_t> reference_hidden = {64};
  int pretrain_steps = 500;
  int pretrain_batch = 256;
  double pretrain_learning_rate = 3e-3;
  double reward_scale = 1.0;
};
// valor::Error naming the first bad field and the accepted values.
void check_task_spec(const TaskSpec& spec);

class Task {
 public:
  explicit Task(const TaskSpec& spec);
  const TaskSpec& spec() const { return spec_; }
  const SequenceShape& shape() const { return spec_.shape; }
  // The pretrained reference policy (a copy: callers may evaluate it, which is not const).
  const MlpPolicy& reference() const { return reference_; }
  double pretrain_loss() const { return pretrain_loss_; }  // mean token NLL, last step

  double gold_reward(int32_t prompt, const uint8_t* tokens) const;
  // log teacher(y | x).
  double teacher_log_prob(int32_t prompt, const uint8_t* tokens) const;
  // Draws n teacher sequences for prompts[i] into tokens (n x L).
  void sample_teacher(std::span<const int32_t> prompts, Rng& rng,
                      std::vector<uint8_t>& tokens) const;

  // Reward-model features of a response: one-hot prompt (P) then one-hot token per position
  // (L V), as floats into out (feature_dim()).
  size_t feature_dim() const;
  void features(int32_t prompt, const uint8_t* tokens, float* out) const;

 private:
  TaskSpec spec_;
  std::vector<double> teacher_initial_;     // P x V logits
  std::vector<double> teacher_transition_;  // P x V x V logits
  std::vector<double> unigram_;             // P x L x V
  std::vector<double> bigram_;              // V x V
  MlpPolicy reference_;
  double pretrain_loss_ = 0.0;
};

}  // namespace valor::align
