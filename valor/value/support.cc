#include "valor/value/support.h"

#include <cmath>
#include <limits>
#include <string_view>

#include "valor/core/error.h"

namespace valor::value {
namespace {

bool representable_as_float(double x) {
  return std::isfinite(x) && std::fabs(x) <= std::numeric_limits<float>::max();
}

void validate_bounds(std::string_view what, std::string_view unit, double v_min, double v_max,
                     int m) {
  if (m < 2) {
    fail("{}: m = {} {} is too few; need m >= 2", what, m, unit);
  }
  if (!representable_as_float(v_min)) {
    fail("{}: v_min = {} is not a finite float; bounds must be finite and within +-{}", what, v_min,
         std::numeric_limits<float>::max());
  }
  if (!representable_as_float(v_max)) {
    fail("{}: v_max = {} is not a finite float; bounds must be finite and within +-{}", what, v_max,
         std::numeric_limits<float>::max());
  }
  if (!(v_min < v_max)) {
    fail("{}: v_min = {} must be less than v_max = {}", what, v_min, v_max);
  }
}

// Rounds v_min + i*step to float for i = 0..count-1, pinning the last point to v_max, and
// rejects supports too fine to be told apart in float.
std::vector<float> even_grid(std::string_view what, std::string_view unit, double v_min,
                             double v_max, std::size_t count, double step) {
  std::vector<float> points(count);
  for (std::size_t i = 0; i < count; ++i) {
    points[i] = static_cast<float>(v_min + static_cast<double>(i) * step);
  }
  points.front() = static_cast<float>(v_min);
  points.back() = static_cast<float>(v_max);
  for (std::size_t i = 1; i < count; ++i) {
    if (!(points[i - 1] < points[i])) {
      fail(
          "{}: {} {} over [{}, {}] are spaced {} apart, too close to be distinct in float "
          "(points {} and {} are both {}); use fewer {} or a wider range",
          what, count, unit, v_min, v_max, step, i - 1, i, points[i], unit);
    }
  }
  return points;
}

}  // namespace

AtomSupport::AtomSupport(double v_min, double v_max, int m) {
  validate_bounds("AtomSupport", "atoms", v_min, v_max, m);
  spacing_ = (v_max - v_min) / (m - 1);
  atoms_ = even_grid("AtomSupport", "atoms", v_min, v_max, static_cast<std::size_t>(m), spacing_);
}

BinSupport::BinSupport(double v_min, double v_max, int m) {
  validate_bounds("BinSupport", "bins", v_min, v_max, m);
  width_ = (v_max - v_min) / m;
  edges_ =
      even_grid("BinSupport", "bin edges", v_min, v_max, static_cast<std::size_t>(m) + 1, width_);
  centers_.resize(static_cast<std::size_t>(m));
  for (std::size_t i = 0; i < centers_.size(); ++i) {
    centers_[i] = static_cast<float>(v_min + (static_cast<double>(i) + 0.5) * width_);
  }
}

}  // namespace valor::value
