#include "valor/align/pairwise.h"

#include <cmath>

#include "valor/align/exact.h"

namespace valor::align {

double PairwiseMethod::step(StepContext& context, std::vector<float>& gradient) {
  const PreferenceData& data = *context.preferences;
  const auto len = static_cast<size_t>(context.task.shape().length);
  if (reference_a_.empty()) {
    for (const std::vector<uint8_t>* side : {&data.a, &data.b}) {
      SequenceBatch reference;
      reference.evaluate(context.reference, data.prompts, *side);
      auto& out = side == &data.a ? reference_a_ : reference_b_;
      out.resize(data.size());
      for (size_t i = 0; i < data.size(); ++i) out[i] = reference.sequence_log_prob(i);
    }
  }
  const size_t n = context.options.batch_size;
  const std::vector<size_t> pairs = draw_pairs(data.size(), n, context.rng);
  // Rows 0..n-1 the a sides, n..2n-1 the b sides.
  prompts_.resize(2 * n);
  tokens_.resize(2 * n * len);
  for (size_t j = 0; j < n; ++j) {
    const size_t i = pairs[j];
    prompts_[j] = prompts_[n + j] = data.prompts[i];
    std::copy_n(data.a.begin() + static_cast<std::ptrdiff_t>(i * len), len,
                tokens_.begin() + static_cast<std::ptrdiff_t>(j * len));
    std::copy_n(data.b.begin() + static_cast<std::ptrdiff_t>(i * len), len,
                tokens_.begin() + static_cast<std::ptrdiff_t>((n + j) * len));
  }
  batch_.evaluate(context.policy, prompts_, tokens_);
  coef_.assign(2 * n * len, 0.0f);
  double loss = 0.0;
  for (size_t j = 0; j < n; ++j) {
    const size_t i = pairs[j];
    const double h = (batch_.sequence_log_prob(j) - reference_a_[i]) -
                     (batch_.sequence_log_prob(n + j) - reference_b_[i]);
    double dh = 0.0;
    loss += pair_loss(h, data.outcome[i], context.options, &dh);
    const auto c = static_cast<float>(dh / static_cast<double>(n));
    for (size_t t = 0; t < len; ++t) {
      coef_[j * len + t] = c;
      coef_[(n + j) * len + t] = -c;
    }
  }
  batch_.backward(context.policy, coef_, gradient);
  return loss / static_cast<double>(n);
}

double PairwiseMethod::exact_loss(const ExactContext& context, std::vector<double>& coef) const {
  const uint64_t n = context.shape.num_sequences();
  const auto prompts = static_cast<size_t>(context.shape.prompts);
  coef.assign(context.log_pi.size(), 0.0);
  double loss = 0.0;
  std::vector<double> mu(n), g(n);
  for (size_t x = 0; x < prompts; ++x) {
    const size_t base = x * n;
    for (uint64_t y = 0; y < n; ++y) {
      mu[y] = std::exp(context.log_ref[base + y]);
      g[y] = context.log_pi[base + y] - context.log_ref[base + y];
    }
    for (uint64_t a = 0; a < n; ++a) {
      for (uint64_t b = 0; b < n; ++b) {
        const double w = mu[a] * mu[b] / static_cast<double>(prompts);
        const double outcome = sigmoid(context.reward[base + a] - context.reward[base + b]);
        double dh = 0.0;
        loss += w * pair_loss(g[a] - g[b], outcome, context.options, &dh);
        coef[base + a] += w * dh;
        coef[base + b] -= w * dh;
      }
    }
  }
  return loss;
}

}  // namespace valor::align
