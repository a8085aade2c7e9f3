#include "valor/align/best_of_n.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "valor/align/exact.h"
#include "valor/core/error.h"

namespace valor::align {

std::vector<double> best_of_n_log_probs(std::span<const double> log_ref,
                                        std::span<const double> proxy, int n) {
  if (n < 1) fail("best-of-n with n = {}: accepted n >= 1", n);
  VALOR_CHECK(log_ref.size() == proxy.size());
  const size_t m = log_ref.size();
  std::vector<size_t> order(m);
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return proxy[a] < proxy[b]; });
  std::vector<double> out(m, -std::numeric_limits<double>::infinity());
  double below = 0.0;  // F_lo: pi_ref mass of lower scores
  for (size_t i = 0; i < m;) {
    size_t j = i;
    double mass = 0.0;
    while (j < m && proxy[order[j]] == proxy[order[i]]) mass += std::exp(log_ref[order[j++]]);
    const double top = std::min(1.0, below + mass);
    // P(the best of n draws lies in this group) = (F_lo + m)^n - F_lo^n.
    const double group = std::pow(top, n) - std::pow(below, n);
    for (size_t k = i; k < j; ++k) {
      const double share = std::exp(log_ref[order[k]]) / mass;
      if (group > 0.0 && share > 0.0) out[order[k]] = std::log(group) + std::log(share);
    }
    below = top;
    i = j;
  }
  return out;
}

BestOfNResult exact_best_of_n(const SequenceShape& shape, std::span<const double> log_ref,
                              std::span<const double> proxy, std::span<const double> gold, int n) {
  const uint64_t m = shape.num_sequences();
  BestOfNResult r;
  for (int x = 0; x < shape.prompts; ++x) {
    const size_t base = static_cast<size_t>(x) * m;
    const auto ref = log_ref.subspan(base, m);
    const auto scores = proxy.subspan(base, m);
    const std::vector<double> bon = best_of_n_log_probs(ref, scores, n);
    r.gold += expectation(bon, gold.subspan(base, m));
    r.proxy += expectation(bon, scores);
    r.kl += kl_divergence(bon, ref);
  }
  r.gold /= shape.prompts;
  r.proxy /= shape.prompts;
  r.kl /= shape.prompts;
  return r;
}

BestOfNResult sampled_best_of_n(const Task& task, Policy& reference, const RewardFunction& proxy,
                                int n, size_t samples, Rng& rng) {
  if (n < 1) fail("best-of-n with n = {}: accepted n >= 1", n);
  const SequenceShape& s = task.shape();
  const auto len = static_cast<size_t>(s.length);
  const size_t draws = samples * static_cast<size_t>(n);
  BestOfNResult r;
  std::vector<int32_t> prompts(draws);
  std::vector<uint8_t> tokens;
  std::vector<double> scores(draws);
  for (int x = 0; x < s.prompts; ++x) {
    std::fill(prompts.begin(), prompts.end(), x);
    sample_sequences(reference, prompts, rng, tokens);
    proxy.score(prompts, tokens, scores.data());
    for (size_t i = 0; i < samples; ++i) {
      size_t best = i * static_cast<size_t>(n);
      for (size_t k = best + 1; k < (i + 1) * static_cast<size_t>(n); ++k) {
        if (scores[k] > scores[best]) best = k;
      }
      r.proxy += scores[best];
      r.gold += task.gold_reward(x, tokens.data() + best * len);
    }
  }
  const double total = static_cast<double>(samples) * s.prompts;
  r.gold /= total;
  r.proxy /= total;
  r.kl = std::log(static_cast<double>(n)) - (n - 1.0) / n;
  return r;
}

}  // namespace valor::align
