// Input checks shared by the value functions: non-finite numbers are user-visible errors
// (a diverged network, a bad reward) and name the batch index at fault.
#pragma once

#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <type_traits>

#include "valor/core/error.h"

namespace valor::value::detail {

// Throws valor::Error naming `function`, `what` and the batch index of the first non-finite
// entry of `values`, read as rows of `row_length` entries.
template <typename T>
void require_finite(std::string_view function, std::string_view what, std::span<const T> values,
                    std::size_t row_length = 1) {
  // A branch-free pass (an OR of "exponent all ones", which vectorises) finds whether there is
  // anything to report; only then is the first bad entry searched for.
  using Bits = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>;
  constexpr Bits kExponent = static_cast<Bits>(sizeof(T) == 4 ? 0x7f800000 : 0x7ff0000000000000);
  Bits bad = 0;
  for (const T v : values) bad |= (std::bit_cast<Bits>(v) & kExponent) == kExponent;
  if (bad == 0) return;
  for (std::size_t k = 0; k < values.size(); ++k) {
    if (!std::isfinite(values[k])) {
      if (row_length == 1) {
        fail("{}: {} at batch index {} is {}; every {} must be finite", function, what, k,
             values[k], what);
      }
      fail("{}: {} at batch index {}, entry {} is {}; every {} must be finite", function, what,
           k / row_length, k % row_length, values[k], what);
    }
  }
}

// B = values.size() / row_length, checking that the sizes agree (a caller bug otherwise).
inline std::size_t batch_size(std::size_t values, std::size_t row_length) {
  VALOR_CHECK(row_length > 0, "row length must be positive");
  VALOR_CHECK(values % row_length == 0, "{} values do not form rows of {}", values, row_length);
  return values / row_length;
}

}  // namespace valor::value::detail
