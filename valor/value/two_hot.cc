#include "valor/value/two_hot.h"

#include <algorithm>
#include <cmath>

#include "valor/core/error.h"
#include "valor/value/validate.h"

namespace valor::value {

void two_hot_target(const AtomSupport& support, std::span<const float> targets,
                    std::span<float> out) {
  const std::size_t m = support.size();
  VALOR_CHECK(out.size() == targets.size() * m,
              "out has {} entries, expected {} targets x {} atoms", out.size(), targets.size(), m);
  detail::require_finite("two_hot_target", "target", targets);
  const std::span<const float> z = support.atoms();
  const double z0 = z.front();
  const double spacing = support.spacing();
  const float lowest = support.v_min();
  const float highest = support.v_max();
  std::fill(out.begin(), out.end(), 0.0f);
  for (std::size_t b = 0; b < targets.size(); ++b) {
    const double y = std::clamp(targets[b], lowest, highest);
    // y >= z0, so truncation is floor.
    std::size_t k = std::min(static_cast<std::size_t>((y - z0) / spacing), m - 2);
    // The float atoms are not exactly evenly spaced; step to the bracket that holds y.
    while (k > 0 && y < z[k]) --k;
    while (k < m - 2 && y > z[k + 1]) ++k;
    const double upper = (y - z[k]) / (static_cast<double>(z[k + 1]) - z[k]);
    float* row = out.data() + b * m;
    row[k] = static_cast<float>(1.0 - upper);
    row[k + 1] = static_cast<float>(upper);
  }
}

}  // namespace valor::value
