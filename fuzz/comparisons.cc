// Comparison files (CSV or JSON lines) and, when the header has a ranking column, rankings:
// valor::rank::read_comparisons_or_rankings, then a Bradley-Terry fit of small inputs. The first
// byte chooses the format and the optional columns.
#include "fuzz/fuzz_common.h"
#include "valor/rank/bradley_terry.h"
#include "valor/rank/comparison_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const uint8_t flags = data[0];
  valor::rank::ReadOptions options;
  options.format = (flags & 1) ? valor::rank::InputFormat::kJsonl : valor::rank::InputFormat::kCsv;
  if (flags & 2) options.col_outcome = "outcome";
  if (flags & 4) options.col_weight = "weight";
  options.skip_bad = (flags & 8) != 0;
  options.max_line_bytes = 4096;
  const auto path = valor::fuzz::write_temp(valor::fuzz::as_text(data + 1, size - 1), ".txt");
  valor::fuzz::expect_clean([&] {
    const auto input = valor::rank::read_comparisons_or_rankings(path, options);
    if (!input.rankings_input && input.items.num_items() <= 32) {
      valor::rank::BtOptions bt;
      bt.max_iterations = 200;
      bt.prior_sd = (flags & 16) ? 1.0 : 0.0;
      (void)valor::rank::bradley_terry_newton(input.items, bt);
    }
  });
  return 0;
}
