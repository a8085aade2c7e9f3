#include "valor/value/logits.h"

#include <algorithm>
#include <cmath>

#include "valor/core/error.h"
#include "valor/value/validate.h"
#include "valor/value/vector_math.h"

namespace valor::value {
namespace {

// The float kernels work through a row kChunk entries at a time (any m, no allocation) and keep
// kLanes partial sums per quantity, added in a fixed order: the result depends only on the data.
constexpr std::size_t kChunk = 256;
constexpr std::size_t kLanes = 4;

float row_max(const float* row, std::size_t m) {
  float lanes[kLanes] = {row[0], row[0], row[0], row[0]};
  std::size_t i = 0;
  for (; i + kLanes <= m; i += kLanes) {
    for (std::size_t j = 0; j < kLanes; ++j) lanes[j] = std::max(lanes[j], row[i + j]);
  }
  for (; i < m; ++i) lanes[0] = std::max(lanes[0], row[i]);
  return std::max(std::max(lanes[0], lanes[1]), std::max(lanes[2], lanes[3]));
}

// sum_i a_i over n entries in double, as kLanes partial sums added in a fixed order.
double lane_sum(const float* a, std::size_t n) {
  double lanes[kLanes] = {};
  std::size_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    for (std::size_t j = 0; j < kLanes; ++j) lanes[j] += a[i + j];
  }
  for (std::size_t j = 0; i < n; ++i, ++j) lanes[j] += a[i];
  return (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]);
}

// sum_i a_i (b_i - shift) over n entries in double, likewise.
double lane_dot(const float* a, const float* b, double shift, std::size_t n) {
  double lanes[kLanes] = {};
  std::size_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    for (std::size_t j = 0; j < kLanes; ++j) {
      lanes[j] += static_cast<double>(a[i + j]) * (static_cast<double>(b[i + j]) - shift);
    }
  }
  for (std::size_t j = 0; i < n; ++i, ++j) {
    lanes[j] += static_cast<double>(a[i]) * (static_cast<double>(b[i]) - shift);
  }
  return (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]);
}

// The float kernels: exp through exp_shifted (libmvec), sums in double.

void softmax_floats(std::span<const float> logits, std::size_t m, std::span<float> out) {
  detail::batch_size(logits.size(), m);
  VALOR_CHECK(out.size() == logits.size(), "out has {} entries, logits {}", out.size(),
              logits.size());
  detail::require_finite("softmax", "logit", logits, m);
  for (std::size_t start = 0; start < logits.size(); start += m) {
    const float* l = logits.data() + start;
    float* e = out.data() + start;
    exp_shifted({l, m}, row_max(l, m), {e, m});
    const double inv = 1.0 / lane_sum(e, m);
#pragma omp simd
    for (std::size_t i = 0; i < m; ++i) e[i] = static_cast<float>(e[i] * inv);
  }
}

void decode_floats(std::span<const float> logits, std::span<const float> values,
                   std::span<float> out) {
  const std::size_t m = values.size();
  const std::size_t batch = detail::batch_size(logits.size(), m);
  VALOR_CHECK(out.size() == batch, "out has {} entries for {} rows", out.size(), batch);
  detail::require_finite("decode_logits", "logit", logits, m);
  alignas(64) float e[kChunk];
  for (std::size_t b = 0; b < batch; ++b) {
    const float* row = logits.data() + b * m;
    // sum_i e_i v_i / sum_i e_i with e_i = exp(l_i - top).
    const float top = row_max(row, m);
    double sum = 0.0, weighted = 0.0;
    for (std::size_t start = 0; start < m; start += kChunk) {
      const std::size_t n = std::min(kChunk, m - start);
      exp_shifted({row + start, n}, top, {e, n});
      sum += lane_sum(e, n);
      weighted += lane_dot(e, values.data() + start, 0.0, n);
    }
    out[b] = static_cast<float>(weighted / sum);
  }
}

double cross_entropy_floats(std::span<const float> logits, std::span<const float> target_probs,
                            std::size_t m, std::span<float> grad) {
  const std::size_t batch = detail::batch_size(logits.size(), m);
  VALOR_CHECK(target_probs.size() == logits.size(), "target_probs has {} entries, logits {}",
              target_probs.size(), logits.size());
  VALOR_CHECK(grad.empty() || grad.size() == logits.size(), "grad has {} entries, logits {}",
              grad.size(), logits.size());
  detail::require_finite("cross_entropy_loss", "logit", logits, m);
  detail::require_finite("cross_entropy_loss", "target probability", target_probs, m);
  if (batch == 0) return 0.0;
  const double scale = 1.0 / static_cast<double>(batch);
  alignas(64) float scratch[kChunk];
  double total = 0.0;
  for (std::size_t b = 0; b < batch; ++b) {
    const float* l = logits.data() + b * m;
    const float* p = target_probs.data() + b * m;
    const float top = row_max(l, m);
    // sum_i exp(l_i - top); with a gradient, each exp is kept in g for it.
    float* g = grad.empty() ? nullptr : grad.data() + b * m;
    double sum = 0.0;
    if (g) {
      exp_shifted({l, m}, top, {g, m});
      sum = lane_sum(g, m);
    } else {
      for (std::size_t start = 0; start < m; start += kChunk) {
        const std::size_t n = std::min(kChunk, m - start);
        exp_shifted({l + start, n}, top, {scratch, n});
        sum += lane_sum(scratch, n);
      }
    }
    const double lse = top + std::log(sum);
    const double mass = lane_sum(p, m);
    total -= lane_dot(p, l, lse, m);
    if (!g) continue;
    const double inv = 1.0 / sum;
#pragma omp simd
    for (std::size_t i = 0; i < m; ++i) {
      g[i] = static_cast<float>((static_cast<double>(g[i]) * inv * mass - p[i]) * scale);
    }
  }
  return total * scale;
}

template <typename T>
void softmax_rows(std::span<const T> logits, std::size_t m, std::span<T> out) {
  detail::batch_size(logits.size(), m);
  VALOR_CHECK(out.size() == logits.size(), "out has {} entries, logits {}", out.size(),
              logits.size());
  detail::require_finite("softmax", "logit", logits, m);
  for (std::size_t start = 0; start < logits.size(); start += m) {
    // One exp per logit: exp(l_i - top), then normalised.
    const double top = *std::max_element(logits.begin() + start, logits.begin() + start + m);
    double sum = 0.0;
    for (std::size_t i = start; i < start + m; ++i) {
      const double e = std::exp(logits[i] - top);
      out[i] = static_cast<T>(e);
      sum += e;
    }
    const double inv = 1.0 / sum;
    for (std::size_t i = start; i < start + m; ++i) out[i] = static_cast<T>(out[i] * inv);
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
    // sum_i e_i v_i / sum_i e_i with e_i = exp(l_i - top): one exp per logit.
    const double top = *std::max_element(row, row + m);
    double sum = 0.0, weighted = 0.0;
    for (std::size_t i = 0; i < m; ++i) {
      const double e = std::exp(row[i] - top);
      sum += e;
      weighted += e * values[i];
    }
    out[b] = static_cast<T>(weighted / sum);
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
    const double top = *std::max_element(l, l + m);
    T* g = grad.empty() ? nullptr : grad.data() + b * m;
    double sum = 0.0;  // sum_i exp(l_i - top); each exp kept in g for the gradient
    for (std::size_t i = 0; i < m; ++i) {
      const double e = std::exp(l[i] - top);
      sum += e;
      if (g) g[i] = static_cast<T>(e);
    }
    const double lse = top + std::log(sum);
    double mass = 0.0;
    for (std::size_t i = 0; i < m; ++i) {
      total -= p[i] * (l[i] - lse);
      mass += p[i];
    }
    if (!g) continue;
    const double inv = 1.0 / sum;
    for (std::size_t i = 0; i < m; ++i) {
      g[i] = static_cast<T>((static_cast<double>(g[i]) * inv * mass - p[i]) * scale);
    }
  }
  return total * scale;
}

}  // namespace

void softmax(std::span<const float> logits, std::size_t m, std::span<float> out) {
  softmax_floats(logits, m, out);
}
void softmax(std::span<const double> logits, std::size_t m, std::span<double> out) {
  softmax_rows(logits, m, out);
}

void decode_logits(std::span<const float> logits, std::span<const float> values,
                   std::span<float> out) {
  decode_floats(logits, values, out);
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
  return cross_entropy_floats(logits, target_probs, m, grad);
}
double cross_entropy_loss(std::span<const double> logits, std::span<const double> target_probs,
                          std::size_t m, std::span<double> grad) {
  return cross_entropy(logits, target_probs, m, grad);
}

}  // namespace valor::value
