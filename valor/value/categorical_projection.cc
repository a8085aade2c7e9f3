#include "valor/value/categorical_projection.h"

#include <algorithm>
#include <cmath>

#include "valor/core/error.h"
#include "valor/value/validate.h"

namespace valor::value {

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
  for (std::size_t b = 0; b < batch; ++b) {
    const double r = rewards[b];
    const double g = discounts[b];
    const float* q = next_probs.data() + b * m;
    float* row = out.data() + b * m;
    for (std::size_t j = 0; j < m; ++j) {
      const double tz = std::clamp(r + g * z[j], v_min, v_max);
      // Clamped too: rounding can put (v_max - v_min)/D a hair above m - 1.
      const double position = std::clamp((tz - v_min) / spacing, 0.0, last);
      // position >= 0, so truncation is floor; ceil is floor + 1 unless position is integral.
      const auto lower = static_cast<std::size_t>(position);
      const double l = static_cast<double>(lower);
      if (position == l) {  // l == u: Tz is on an atom
        row[lower] += q[j];
      } else {
        row[lower] += static_cast<float>(q[j] * (l + 1.0 - position));
        row[lower + 1] += static_cast<float>(q[j] * (position - l));
      }
    }
  }
}

}  // namespace valor::value
