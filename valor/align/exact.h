// Exact quantities of the lab by enumerating every response (docs/align.md): the distribution of
// a policy over all V^L responses of each prompt, its gradient, and the closed forms the methods
// are checked against - KL(pi || pi_ref), expected rewards, total variation, and the optimum of
// the KL-regularised objective, pi*_beta(y|x) = pi_ref(y|x) exp(r(x, y) / beta) / Z(x).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "valor/align/policy.h"

namespace valor::align {

// The most responses (P V^L over all prompts) that enumeration holds in memory; beyond it the lab
// estimates by sampling.
inline constexpr uint64_t kMaxEnumeratedSequences = uint64_t{1} << 22;

// Whether P V^L <= kMaxEnumeratedSequences.
bool enumerable(const SequenceShape& shape);
// valor::Error naming the sizes and suggesting the sampling mode unless enumerable(shape).
void check_enumerable(const SequenceShape& shape);

// Response index y = sum_t y_t V^(L-1-t) (first token most significant) and back.
uint64_t sequence_index(const SequenceShape& shape, const uint8_t* tokens);
void sequence_tokens(const SequenceShape& shape, uint64_t index, uint8_t* tokens);

class ExactDistribution {
 public:
  // valor::Error unless enumerable(shape).
  explicit ExactDistribution(const SequenceShape& shape);
  const SequenceShape& shape() const { return shape_; }
  uint64_t num_sequences() const { return sequences_; }
  // log pi(y | x) of every response of every prompt (one forward pass over all prefix nodes).
  void evaluate(Policy& policy);
  std::span<const double> log_probs(int prompt) const;
  std::span<const double> log_probs() const { return log_probs_; }
  // Adds the gradient of sum_{x, y} coef[x N + y] log pi(y | x) to gradient (resized to the
  // parameter count); the policy's last logits() call must be this object's evaluate().
  void backward(Policy& policy, std::span<const double> coef, std::vector<float>& gradient);

 private:
  SequenceShape shape_;
  uint64_t sequences_ = 0, prefixes_ = 0;
  PrefixNodes nodes_;
  std::vector<float> softmax_;     // per node, V
  std::vector<double> log_probs_;  // P x N
  std::vector<float> dlogits_;
  std::vector<double> level_, next_;
};

// log p of the KL-regularised optimum for one prompt: log_ref + reward / beta - log Z.
std::vector<double> kl_optimum(std::span<const double> log_ref, std::span<const double> reward,
                               double beta);
// sum_y p(y) (log p(y) - log q(y)) from log-probabilities.
double kl_divergence(std::span<const double> log_p, std::span<const double> log_q);
// sum_y p(y) value(y).
double expectation(std::span<const double> log_p, std::span<const double> value);
// (1/2) sum_y |p(y) - q(y)|.
double total_variation(std::span<const double> log_p, std::span<const double> log_q);
// log sum_y exp(v(y)), stably.
double log_sum_exp(std::span<const double> v);

}  // namespace valor::align
