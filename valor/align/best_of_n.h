// Best-of-N sampling (docs/align.md): draw N responses from pi_ref, keep the one the proxy reward
// scores highest. On an enumerable task its distribution is exact: with the responses sorted by
// proxy score and F the pi_ref mass at or below a score, a group of tied responses with mass m
// above F_lo is the best with probability (F_lo + m)^N - F_lo^N, shared among its members in
// proportion to their pi_ref mass (ties broken uniformly among the drawn maxima). Without ties,
// KL(BoN || pi_ref) -> log N - (N - 1) / N as the largest single mass goes to 0 ("Scaling Laws for
// Reward Model Overoptimization"; docs/algorithms.md section 7), and stays below it.
#pragma once

#include <span>
#include <vector>

#include "valor/align/policy.h"
#include "valor/align/preferences.h"

namespace valor::align {

// log p_BoN(y) for one prompt from log pi_ref(y) and the proxy scores; valor::Error for n < 1.
std::vector<double> best_of_n_log_probs(std::span<const double> log_ref,
                                        std::span<const double> proxy, int n);

struct BestOfNResult {
  double gold = 0.0;   // E_BoN r*, averaged over uniform prompts
  double proxy = 0.0;  // E_BoN r_proxy
  double kl = 0.0;     // KL(BoN || pi_ref)
};

// Exact, from the P x N tables (sequence_index order) of log pi_ref, proxy and gold rewards.
BestOfNResult exact_best_of_n(const SequenceShape& shape, std::span<const double> log_ref,
                              std::span<const double> proxy, std::span<const double> gold, int n);

// Estimated from `samples` best-of-n draws per prompt (ties to the first drawn); kl is the exact
// value's formula log n - (n - 1) / n, an upper bound, since the BoN density is not available
// without enumeration.
BestOfNResult sampled_best_of_n(const Task& task, Policy& reference, const RewardFunction& proxy,
                                int n, size_t samples, Rng& rng);

}  // namespace valor::align
