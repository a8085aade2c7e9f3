#include "valor/value/logits.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "valor/core/error.h"
#include "valor/value/validate.h"
#include "valor/value/vector_math.h"

namespace valor::value {
namespace {

// The float kernels work through a row kChunk entries at a time (any m, no allocation) and keep
// kLanes partial sums per quantity, added in a fixed order: the result depends only on the data,
// not on the vector width (the loops are also built for AVX2, picked at load time; without FMA,
// so both builds give the same bits).
constexpr std::size_t kChunk = 256;
constexpr std::size_t kLanes = 8;
// Rows per block of the cross-entropy (their maxima, sums and logs live on the stack).
constexpr std::size_t kRowBlock = 64;

// kLanes = 8 partial sums as two vectors of 4 doubles (GCC vector extensions: one AVX register,
// or two SSE2 ones), so that the sums vectorise whatever the compiler's cost model thinks.
using Floats4 = float __attribute__((vector_size(16)));
using Doubles4 = double __attribute__((vector_size(32)));

// out = the four floats at a, as doubles (written through a reference: a function returning a
// 32-byte vector would have a different ABI in the baseline and the AVX2 builds).
[[gnu::always_inline]] inline void widen(const float* a, Doubles4& out) {
  Floats4 v;
  std::memcpy(&v, a, sizeof v);
  out = __builtin_convertvector(v, Doubles4);
}

// Lane j of the pair (low, high) of 4-lane accumulators += v (the tail of a loop); clang does not
// take a subscript of a vector in a conditional expression as an lvalue.
inline void add_to_lane(Doubles4& low, Doubles4& high, std::size_t j, double v) {
  if (j < 4) {
    low[j] += v;
  } else {
    high[j - 4] += v;
  }
}

double fold(const Doubles4& low, const Doubles4& high) {
  return ((low[0] + low[1]) + (low[2] + low[3])) + ((high[0] + high[1]) + (high[2] + high[3]));
}

__attribute__((target_clones("avx2", "default"))) float row_max(const float* row, std::size_t m) {
  float lanes[kLanes];
  std::fill(lanes, lanes + kLanes, row[0]);
  std::size_t i = 0;
  for (; i + kLanes <= m; i += kLanes) {
    for (std::size_t j = 0; j < kLanes; ++j) lanes[j] = std::max(lanes[j], row[i + j]);
  }
  for (; i < m; ++i) lanes[0] = std::max(lanes[0], row[i]);
  return *std::max_element(lanes, lanes + kLanes);
}

// sum_i a_i over n entries in double: entry i goes to partial sum i mod 8, the ragged end's
// entries to sums 0, 1, ...; the partial sums are then added in a fixed order.
__attribute__((target_clones("avx2", "default"))) double lane_sum(const float* a, std::size_t n) {
  Doubles4 low = {}, high = {};
  std::size_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    Doubles4 x_low, x_high;
    widen(a + i, x_low);
    widen(a + i + 4, x_high);
    low += x_low;
    high += x_high;
  }
  for (std::size_t j = 0; i < n; ++i, ++j) add_to_lane(low, high, j, a[i]);
  return fold(low, high);
}

// sum_i p_i and sum_i p_i (l_i - shift) over n entries in double, likewise.
__attribute__((target_clones("avx2", "default"))) void mass_and_dot(const float* p, const float* l,
                                                                    double shift, std::size_t n,
                                                                    double* mass, double* dot) {
  Doubles4 mass_low = {}, mass_high = {}, dot_low = {}, dot_high = {};
  std::size_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    Doubles4 p_low, p_high, l_low, l_high;
    widen(p + i, p_low);
    widen(p + i + 4, p_high);
    widen(l + i, l_low);
    widen(l + i + 4, l_high);
    mass_low += p_low;
    mass_high += p_high;
    dot_low += p_low * (l_low - shift);
    dot_high += p_high * (l_high - shift);
  }
  for (std::size_t j = 0; i < n; ++i, ++j) {
    const double term = static_cast<double>(p[i]) * (static_cast<double>(l[i]) - shift);
    add_to_lane(mass_low, mass_high, j, p[i]);
    add_to_lane(dot_low, dot_high, j, term);
  }
  *mass = fold(mass_low, mass_high);
  *dot = fold(dot_low, dot_high);
}

// sum_i a_i v_i over n entries in double, likewise.
__attribute__((target_clones("avx2", "default"))) double lane_dot(const float* a, const float* v,
                                                                  std::size_t n) {
  Doubles4 low = {}, high = {};
  std::size_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    Doubles4 a_low, a_high, v_low, v_high;
    widen(a + i, a_low);
    widen(a + i + 4, a_high);
    widen(v + i, v_low);
    widen(v + i + 4, v_high);
    low += a_low * v_low;
    high += a_high * v_high;
  }
  for (std::size_t j = 0; i < n; ++i, ++j) {
    add_to_lane(low, high, j, static_cast<double>(a[i]) * v[i]);
  }
  return fold(low, high);
}

// out_i = in_i - top_b for every row b of m entries, top_b (into tops) the row's largest entry:
// the arguments of a block of rows' exps, so that one exp_shifted call covers the block.
__attribute__((target_clones("avx2", "default"))) void subtract_row_max(const float* in,
                                                                        std::size_t m,
                                                                        std::size_t rows,
                                                                        float* out, float* tops) {
  for (std::size_t b = 0; b < rows; ++b) {
    const float top = row_max(in + b * m, m);
    tops[b] = top;
    for (std::size_t i = 0; i < m; ++i) out[b * m + i] = in[b * m + i] - top;
  }
}

// sum_i a_i and sum_i b_i over n entries in double, as lane_sum does each.
__attribute__((target_clones("avx2", "default"))) void sum_pair(const float* a, const float* b,
                                                                std::size_t n, double* sum_a,
                                                                double* sum_b) {
  Doubles4 a_low = {}, a_high = {}, b_low = {}, b_high = {};
  std::size_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    Doubles4 x;
    widen(a + i, x);
    a_low += x;
    widen(a + i + 4, x);
    a_high += x;
    widen(b + i, x);
    b_low += x;
    widen(b + i + 4, x);
    b_high += x;
  }
  for (std::size_t j = 0; i < n; ++i, ++j) {
    add_to_lane(a_low, a_high, j, a[i]);
    add_to_lane(b_low, b_high, j, b[i]);
  }
  *sum_a = fold(a_low, a_high);
  *sum_b = fold(b_low, b_high);
}

// sum_i p_i (l_i - shift) over n entries in double, as mass_and_dot does.
__attribute__((target_clones("avx2", "default"))) double shifted_dot(const float* p, const float* l,
                                                                     double shift, std::size_t n) {
  Doubles4 low = {}, high = {};
  std::size_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    Doubles4 p_low, p_high, l_low, l_high;
    widen(p + i, p_low);
    widen(p + i + 4, p_high);
    widen(l + i, l_low);
    widen(l + i + 4, l_high);
    low += p_low * (l_low - shift);
    high += p_high * (l_high - shift);
  }
  for (std::size_t j = 0; i < n; ++i, ++j) {
    add_to_lane(low, high, j, static_cast<double>(p[i]) * (static_cast<double>(l[i]) - shift));
  }
  return fold(low, high);
}

// g_i = (e_i inv mass - p_i) scale over n entries, e_i (the row's exps) read from g.
__attribute__((target_clones("avx2", "default"))) void cross_entropy_gradient(
    const float* p, std::size_t n, double inv, double mass, double scale, float* g) {
  for (std::size_t i = 0; i < n; ++i) {
    g[i] = static_cast<float>((static_cast<double>(g[i]) * inv * mass - p[i]) * scale);
  }
}

// The argument checks of each kernel, shared by the float and the generic paths; each returns
// the number of rows.

template <typename T>
std::size_t check_softmax_args(std::span<const T> logits, std::size_t m, std::span<T> out) {
  const std::size_t batch = detail::batch_size(logits.size(), m);
  VALOR_CHECK(out.size() == logits.size(), "out has {} entries, logits {}", out.size(),
              logits.size());
  detail::require_finite("softmax", "logit", logits, m);
  return batch;
}

template <typename T>
std::size_t check_decode_args(std::span<const T> logits, std::size_t m, std::span<T> out) {
  const std::size_t batch = detail::batch_size(logits.size(), m);
  VALOR_CHECK(out.size() == batch, "out has {} entries for {} rows", out.size(), batch);
  detail::require_finite("decode_logits", "logit", logits, m);
  return batch;
}

template <typename T>
std::size_t check_cross_entropy_args(std::span<const T> logits, std::span<const T> target_probs,
                                     std::size_t m, std::span<T> grad) {
  const std::size_t batch = detail::batch_size(logits.size(), m);
  VALOR_CHECK(target_probs.size() == logits.size(), "target_probs has {} entries, logits {}",
              target_probs.size(), logits.size());
  VALOR_CHECK(grad.empty() || grad.size() == logits.size(), "grad has {} entries, logits {}",
              grad.size(), logits.size());
  detail::require_finite("cross_entropy_loss", "logit", logits, m);
  detail::require_finite("cross_entropy_loss", "target probability", target_probs, m);
  return batch;
}

// The float kernels: exp through exp_shifted (libmvec), sums in double.

void softmax_floats(std::span<const float> logits, std::size_t m, std::span<float> out) {
  check_softmax_args(logits, m, out);
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
  const std::size_t batch = check_decode_args(logits, m, out);
  alignas(64) float e[kChunk];
  alignas(16) float tops[kChunk];
  if (m <= kChunk) {
    // Q = sum_i e_i v_i / sum_i e_i with e_i = exp(l_i - top), for as many rows as e holds.
    const std::size_t per_block = kChunk / m;
    for (std::size_t first = 0; first < batch; first += per_block) {
      const std::size_t rows = std::min(per_block, batch - first);
      subtract_row_max(logits.data() + first * m, m, rows, e, tops);
      exp_shifted({e, rows * m}, 0.0f, {e, rows * m});
      for (std::size_t r = 0; r < rows; ++r) {
        out[first + r] =
            static_cast<float>(lane_dot(e + r * m, values.data(), m) / lane_sum(e + r * m, m));
      }
    }
    return;
  }
  for (std::size_t b = 0; b < batch; ++b) {
    const float* row = logits.data() + b * m;
    const float top = row_max(row, m);
    double sum = 0.0, weighted = 0.0;
    for (std::size_t start = 0; start < m; start += kChunk) {
      const std::size_t n = std::min(kChunk, m - start);
      exp_shifted({row + start, n}, top, {e, n});
      sum += lane_sum(e, n);
      weighted += lane_dot(e, values.data() + start, n);
    }
    out[b] = static_cast<float>(weighted / sum);
  }
}

double cross_entropy_floats(std::span<const float> logits, std::span<const float> target_probs,
                            std::size_t m, std::span<float> grad) {
  const std::size_t batch = check_cross_entropy_args(logits, target_probs, m, grad);
  if (batch == 0) return 0.0;
  const double scale = 1.0 / static_cast<double>(batch);
  alignas(64) float scratch[kChunk];
  alignas(16) float tops[kRowBlock];
  alignas(16) double sums[kRowBlock], masses[kRowBlock], logs[kRowBlock];
  double total = 0.0;
  // Blocks of rows: each row's max and sum_i exp(l_i - top), one log call for the block, then the
  // loss terms and the gradient.
  for (std::size_t first = 0; first < batch; first += kRowBlock) {
    const std::size_t rows = std::min(kRowBlock, batch - first);
    const float* block = logits.data() + first * m;
    if (!grad.empty()) {
      // e = exp(l - top) for the block at once, kept in grad for the gradient.
      float* e = grad.data() + first * m;
      subtract_row_max(block, m, rows, e, tops);
      exp_shifted({e, rows * m}, 0.0f, {e, rows * m});
      for (std::size_t r = 0; r < rows; ++r) {
        sum_pair(e + r * m, target_probs.data() + (first + r) * m, m, &sums[r], &masses[r]);
      }
    } else {
      for (std::size_t r = 0; r < rows; ++r) {
        const float* l = block + r * m;
        tops[r] = row_max(l, m);
        sums[r] = 0.0;
        for (std::size_t start = 0; start < m; start += kChunk) {
          const std::size_t n = std::min(kChunk, m - start);
          exp_shifted({l + start, n}, tops[r], {scratch, n});
          sums[r] += lane_sum(scratch, n);
        }
      }
    }
    log_doubles({sums, rows}, {logs, rows});
    for (std::size_t r = 0; r < rows; ++r) {
      const std::size_t b = first + r;
      const float* l = logits.data() + b * m;
      const float* p = target_probs.data() + b * m;
      const double lse = tops[r] + logs[r];
      if (grad.empty()) {
        double mass = 0.0, dot = 0.0;
        mass_and_dot(p, l, lse, m, &mass, &dot);
        total -= dot;
      } else {
        total -= shifted_dot(p, l, lse, m);
        cross_entropy_gradient(p, m, 1.0 / sums[r], masses[r], scale, grad.data() + b * m);
      }
    }
  }
  return total * scale;
}

template <typename T>
void softmax_rows(std::span<const T> logits, std::size_t m, std::span<T> out) {
  check_softmax_args(logits, m, out);
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
  const std::size_t batch = check_decode_args(logits, m, out);
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
  const std::size_t batch = check_cross_entropy_args(logits, target_probs, m, grad);
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
