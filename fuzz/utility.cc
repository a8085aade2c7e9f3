// Utility expressions of `valor solve --objective utility:EXPR`: dp::UtilityExpression, then
// evaluations at a few returns (a non-finite value is the caller's to report, not a finding).
#include "fuzz/fuzz_common.h"
#include "valor/dp/utility_expression.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 256) return 0;  // user expressions are short; muparser's cost grows with length
  const std::string_view text = valor::fuzz::as_text(data, size);
  valor::fuzz::expect_clean([&] {
    const valor::dp::UtilityExpression u(text);
    for (const double x : {-1e300, -100.0, -1.0, 0.0, 0.5, 3.0, 1e300}) (void)u(x);
  });
  return 0;
}
