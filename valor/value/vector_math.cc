#include "valor/value/vector_math.h"

#include <emmintrin.h>

#include <algorithm>
#include <cstddef>
#include <numbers>

#include "valor/core/error.h"

// libmvec's SSE2-ABI ('b') variants of expf (4 lanes), erfc and log (2 lanes), as GCC calls them
// when it vectorises a loop of expf/erfc/log under -ffast-math; named here so that no file needs
// that flag.
extern "C" {
__m128 _ZGVbN4v_expf(__m128 x);
__m128d _ZGVbN2v_erfc(__m128d x);
__m128d _ZGVbN2v_log(__m128d x);
}

namespace valor::value {

void exp_shifted(std::span<const float> x, float shift, std::span<float> out) {
  VALOR_CHECK(out.size() == x.size(), "out has {} entries, x {}", out.size(), x.size());
  const std::size_t n = x.size();
  const __m128 s = _mm_set1_ps(shift);
  std::size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    _mm_storeu_ps(out.data() + i, _ZGVbN4v_expf(_mm_sub_ps(_mm_loadu_ps(x.data() + i), s)));
  }
  if (i < n) {
    alignas(16) float lanes[4] = {shift, shift, shift, shift};
    std::copy(x.begin() + static_cast<std::ptrdiff_t>(i), x.end(), lanes);
    _mm_store_ps(lanes, _ZGVbN4v_expf(_mm_sub_ps(_mm_load_ps(lanes), s)));
    std::copy(lanes, lanes + (n - i), out.begin() + static_cast<std::ptrdiff_t>(i));
  }
}

void log_doubles(std::span<const double> x, std::span<double> out) {
  VALOR_CHECK(out.size() == x.size(), "out has {} entries, x {}", out.size(), x.size());
  const std::size_t n = x.size();
  std::size_t i = 0;
  for (; i + 2 <= n; i += 2)
    _mm_storeu_pd(out.data() + i, _ZGVbN2v_log(_mm_loadu_pd(x.data() + i)));
  if (i < n) out[i] = _mm_cvtsd_f64(_ZGVbN2v_log(_mm_set1_pd(x[i])));
}

void normal_tail(std::span<const double> x, std::span<double> out) {
  VALOR_CHECK(out.size() == x.size(), "out has {} entries, x {}", out.size(), x.size());
  const std::size_t n = x.size();
  // |x| sqrt(2) / 2, rounded as the scalar expression std::fabs(x) * sqrt2 / 2.0 is.
  const __m128d magnitude = _mm_castsi128_pd(_mm_set1_epi64x(0x7fffffffffffffff));
  const __m128d sqrt2 = _mm_set1_pd(std::numbers::sqrt2);
  const __m128d half = _mm_set1_pd(0.5);
  const auto tail = [&](__m128d v) {
    const __m128d arg = _mm_mul_pd(_mm_mul_pd(_mm_and_pd(v, magnitude), sqrt2), half);
    return _mm_mul_pd(half, _ZGVbN2v_erfc(arg));
  };
  std::size_t i = 0;
  for (; i + 2 <= n; i += 2) _mm_storeu_pd(out.data() + i, tail(_mm_loadu_pd(x.data() + i)));
  if (i < n) out[i] = _mm_cvtsd_f64(tail(_mm_set1_pd(x[i])));
}

}  // namespace valor::value
