#include "valor/value/logits.h"

#include <algorithm>
#include <cmath>

#include "valor/core/error.h"
#include "valor/value/validate.h"

namespace valor::value {
namespace {

// log sum_i exp(l_i), shifted by the maximum so that no exp overflows.
template <typename T>
double log_sum_exp(const T* row, std::size_t m) {
  const double top = *std::max_element(row, row + m);
  double sum = 0.0;
  for (std::size_t i = 0; i < m; ++i) sum += std::exp(row[i] - top);
  return top + std::log(sum);
}

template <typename T>
void softmax_rows(std::span<const T> logits, std::size_t m, std::span<T> out) {
  detail::batch_size(logits.size(), m);
  VALOR_CHECK(out.size() == logits.size(), "out has {} entries, logits {}", out.size(),
              logits.size());
  detail::require_finite("softmax", "logit", logits, m);
  for (std::size_t start = 0; start < logits.size(); start += m) {
    const double lse = log_sum_exp(logits.data() + start, m);
    for (std::size_t i = start; i < start + m; ++i) {
      out[i] = static_cast<T>(std::exp(logits[i] - lse));
    }
  }
}

template <typename T>
void decode_rows(std::span<const T> logits, std::span<const T> values, std::span<T> out) {
  const std::size_t m = values.size();
  const std::size_t batch = detail::batch_size(logits.size(), m);
  VALOR_CHECK(out.size() == batch, "out has {} entries for {} rows", out.size(), batch);
  detail::require_finite("decode_logits", "logit", logits, m);
  for (std::size_t b = 0; b < batch; ++b) {
    const T* row = logits.data() + b * m;
    const double lse = log_sum_exp(row, m);
    double mean = 0.0;
    for (std::size_t i = 0; i < m; ++i) mean += std::exp(row[i] - lse) * values[i];
    out[b] = static_cast<T>(mean);
  }
}

template <typename T>
void mean_rows(std::span<const T> probs, std::span<const T> values, std::span<T> out) {
  const std::size_t m = values.size();
  const std::size_t batch = detail::batch_size(probs.size(), m);
  VALOR_CHECK(out.size() == batch, "out has {} entries for {} rows", out.size(), batch);
  for (std::size_t b = 0; b < batch; ++b) {
    double mean = 0.0;
    for (std::size_t i = 0; i < m; ++i) mean += static_cast<double>(probs[b * m + i]) * values[i];
    out[b] = static_cast<T>(mean);
  }
}

template <typename T>
double cross_entropy(std::span<const T> logits, std::span<const T> target_probs, std::size_t m,
                     std::span<T> grad) {
  const std::size_t batch = detail::batch_size(logits.size(), m);
  VALOR_CHECK(target_probs.size() == logits.size(), "target_probs has {} entries, logits {}",
              target_probs.size(), logits.size());
  VALOR_CHECK(grad.empty() || grad.size() == logits.size(), "grad has {} entries, logits {}",
              grad.size(), logits.size());
  detail::require_finite("cross_entropy_loss", "logit", logits, m);
  detail::require_finite("cross_entropy_loss", "target probability", target_probs, m);
  if (batch == 0) return 0.0;
  const double scale = 1.0 / static_cast<double>(batch);
  double total = 0.0;
  for (std::size_t b = 0; b < batch; ++b) {
    const T* l = logits.data() + b * m;
    const T* p = target_probs.data() + b * m;
    const double lse = log_sum_exp(l, m);
    double mass = 0.0;
    for (std::size_t i = 0; i < m; ++i) {
      total -= p[i] * (l[i] - lse);
      mass += p[i];
    }
    if (grad.empty()) continue;
    T* g = grad.data() + b * m;
    for (std::size_t i = 0; i < m; ++i) {
      g[i] = static_cast<T>((std::exp(l[i] - lse) * mass - p[i]) * scale);
    }
  }
  return total * scale;
}

}  // namespace

void softmax(std::span<const float> logits, std::size_t m, std::span<float> out) {
  softmax_rows(logits, m, out);
}
void softmax(std::span<const double> logits, std::size_t m, std::span<double> out) {
  softmax_rows(logits, m, out);
}

void decode_logits(std::span<const float> logits, std::span<const float> values,
                   std::span<float> out) {
  decode_rows(logits, values, out);
}
void decode_logits(std::span<const double> logits, std::span<const double> values,
                   std::span<double> out) {
  decode_rows(logits, values, out);
}

void distribution_mean(std::span<const float> probs, std::span<const float> values,
                       std::span<float> out) {
  mean_rows(probs, values, out);
}
void distribution_mean(std::span<const double> probs, std::span<const double> values,
                       std::span<double> out) {
  mean_rows(probs, values, out);
}

double cross_entropy_loss(std::span<const float> logits, std::span<const float> target_probs,
                          std::size_t m, std::span<float> grad) {
  return cross_entropy(logits, target_probs, m, grad);
}
double cross_entropy_loss(std::span<const double> logits, std::span<const double> target_probs,
                          std::size_t m, std::span<double> grad) {
  return cross_entropy(logits, target_probs, m, grad);
}

}  // namespace valor::value
