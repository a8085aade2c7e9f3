#include "valor/value/categorical_projection.h"

#include <algorithm>
#include <cmath>

#include "valor/core/error.h"
#include "valor/value/validate.h"

namespace valor::value {
namespace {

// Atoms per pass: their positions are computed together, then their mass is spread in order.
constexpr std::size_t kAtomChunk = 64;

}  // namespace

void project_categorical(const AtomSupport& support, std::span<const float> next_probs,
                         std::span<const float> rewards, std::span<const float> discounts,
                         std::span<float> out) {
  const std::size_t m = support.size();
  const std::size_t batch = rewards.size();
  VALOR_CHECK(discounts.size() == batch, "{} discounts for {} rewards", discounts.size(), batch);
  VALOR_CHECK(next_probs.size() == batch * m, "next_probs has {} entries, expected {} x {} atoms",
              next_probs.size(), batch, m);
  VALOR_CHECK(out.size() == batch * m, "out has {} entries, expected {} x {} atoms", out.size(),
              batch, m);
  detail::require_finite("project_categorical", "reward", rewards);
  detail::require_finite("project_categorical", "next-state probability", next_probs, m);
  for (std::size_t b = 0; b < batch; ++b) {
    if (!(discounts[b] >= 0.0f && discounts[b] <= 1.0f)) {
      fail(
          "project_categorical: discount at batch index {} is {}; discounts gamma^n (1 - done) "
          "must be in [0, 1]",
          b, discounts[b]);
    }
  }
  const std::span<const float> z = support.atoms();
  const double v_min = support.v_min();
  const double v_max = support.v_max();
  const double spacing = support.spacing();
  const double last = static_cast<double>(m - 1);
  std::fill(out.begin(), out.end(), 0.0f);
  alignas(16) int lower[kAtomChunk];
  alignas(16) float to_lower[kAtomChunk], to_upper[kAtomChunk];
  for (std::size_t b = 0; b < batch; ++b) {
    const double r = rewards[b];
    const double g = discounts[b];
    const float* q = next_probs.data() + b * m;
    float* row = out.data() + b * m;
    // g >= 0, so l (below) never decreases with j: entry `at` collects its mass in `here` and
    // entry at + 1 in `next`, each in the order of j, and is stored once l moves past it.
    int at = 0;
    float here = 0.0f, next = 0.0f;
    for (std::size_t start = 0; start < m; start += kAtomChunk) {
      const std::size_t n = std::min(kAtomChunk, m - start);
#pragma omp simd
      for (std::size_t i = 0; i < n; ++i) {
        const std::size_t j = start + i;
        const double tz = std::clamp(r + g * z[j], v_min, v_max);
        // Clamped too: rounding can put (v_max - v_min)/D a hair above m - 1.
        const double position = std::clamp((tz - v_min) / spacing, 0.0, last);
        // position >= 0, so truncation is floor; ceil is floor + 1 unless position is integral.
        const int l = static_cast<int>(position);
        const double lo = static_cast<double>(l);
        const bool on_atom = position == lo;  // l == u: all of q_j to atom l
        lower[i] = l;
        to_lower[i] = on_atom ? q[j] : static_cast<float>(q[j] * (lo + 1.0 - position));
        to_upper[i] = on_atom ? 0.0f : static_cast<float>(q[j] * (position - lo));
      }
      for (std::size_t i = 0; i < n; ++i) {
        if (lower[i] != at) {
          row[at] = here;
          if (lower[i] == at + 1) {
            here = next;
          } else {
            row[at + 1] = next;
            here = 0.0f;
          }
          next = 0.0f;
          at = lower[i];
        }
        here += to_lower[i];
        next += to_upper[i];
      }
    }
    row[at] = here;
    if (static_cast<std::size_t>(at) + 1 < m) row[at + 1] = next;
  }
}

}  // namespace valor::value
