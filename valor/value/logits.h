// Categorical value heads read through their logits: softmax, decoding to a scalar value and the
// cross-entropy loss against a target distribution (two-hot, HL-Gauss or a C51 projection).
// Batched and row-major: `logits` is [B, m] for a support of m atoms or bins.
// Each function has a float and a double overload (the double one for exact solvers and
// gradient checks); both accumulate in double.
#pragma once

#include <cstddef>
#include <span>

namespace valor::value {

// softmax(l)_i = exp(l_i - max l) / sum_k exp(l_k - max l), row by row, into `out` ([B, m]).
// Throws valor::Error naming the batch index for a non-finite logit.
void softmax(std::span<const float> logits, std::size_t m, std::span<float> out);
void softmax(std::span<const double> logits, std::size_t m, std::span<double> out);

// Q_b = sum_i softmax(l_b)_i v_i for support points `values` ([m]: AtomSupport::atoms() or
// BinSupport::centers()), into `out` ([B]). Throws valor::Error for a non-finite logit.
void decode_logits(std::span<const float> logits, std::span<const float> values,
                   std::span<float> out);
void decode_logits(std::span<const double> logits, std::span<const double> values,
                   std::span<double> out);

// The mean sum_i p_bi v_i of each row of probabilities `probs` ([B, m]) over `values` ([m]), into
// `out` ([B]); e.g. to pick the greedy next action of a C51 head. Used as given (no checks).
void distribution_mean(std::span<const float> probs, std::span<const float> values,
                       std::span<float> out);
void distribution_mean(std::span<const double> probs, std::span<const double> values,
                       std::span<double> out);

// L = (1/B) sum_b -sum_i p_bi log softmax(l_b)_i, the mean over the batch of the cross-entropy
// of `logits` ([B, m]) against `target_probs` p ([B, m], no gradient). If `grad` is non-empty
// ([B, m]) it receives dL/dl_bi = (softmax(l_b)_i sum_k p_bk - p_bi) / B, which is
// (softmax - p)/B for target rows that sum to 1: note the 1/B of the batch mean.
// Throws valor::Error naming the batch index for a non-finite logit or target probability.
double cross_entropy_loss(std::span<const float> logits, std::span<const float> target_probs,
                          std::size_t m, std::span<float> grad = {});
double cross_entropy_loss(std::span<const double> logits, std::span<const double> target_probs,
                          std::size_t m, std::span<double> grad = {});

}  // namespace valor::value
