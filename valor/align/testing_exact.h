// For the lab's tests: a small enumerable task and exact (population) training of a tabular
// policy, returning the P x N tables of log pi, log pi_ref and the gold reward.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "valor/align/exact.h"
#include "valor/align/trainer.h"

namespace valor::align::testing {

// 2 prompts, V = 3, L = 3: 27 responses per prompt.
inline TaskSpec small_task() {
  TaskSpec spec;
  spec.shape = {2, 3, 3};
  spec.seed = 4;
  spec.reference_hidden = {16};
  spec.pretrain_steps = 200;
  return spec;
}

// Prompt x's N entries of a P x N table.
inline std::span<const double> prompt_of(const std::vector<double>& v, int x, uint64_t n) {
  return std::span<const double>(v).subspan(static_cast<size_t>(x) * n, n);
}

struct Trained {
  std::vector<double> log_pi, log_ref, gold;
};

// `steps` exact gradient steps of `method` on a tabular policy started at pi_ref.
inline Trained train_exact(const Task& task, const std::string& method,
                           const MethodOptions& options, int steps, double learning_rate) {
  TrainOptions train;
  train.method = method;
  train.method_options = options;
  train.policy = "tabular";
  train.exact = true;
  train.steps = steps;
  train.learning_rate = learning_rate;
  train.eval_every = steps;
  auto policy = initial_policy(task, "tabular");
  train_policy(task, *policy, train, nullptr, nullptr, {});
  Evaluator evaluator(task, nullptr, 1, 0);
  ExactDistribution d(task.shape());
  d.evaluate(*policy);
  return {std::vector<double>(d.log_probs().begin(), d.log_probs().end()),
          evaluator.reference_log_probs(), evaluator.gold_table()};
}

}  // namespace valor::align::testing
