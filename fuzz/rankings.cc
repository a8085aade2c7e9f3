// Rankings ("a > b | c") in CSV or JSON lines: valor::rank::read_rankings.
#include "fuzz/fuzz_common.h"
#include "valor/rank/comparison_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  valor::rank::ReadOptions options;
  options.format =
      (data[0] & 1) ? valor::rank::InputFormat::kJsonl : valor::rank::InputFormat::kCsv;
  if (data[0] & 2) options.col_weight = "weight";
  options.skip_bad = (data[0] & 4) != 0;
  options.max_line_bytes = 4096;
  const auto path = valor::fuzz::write_temp(valor::fuzz::as_text(data + 1, size - 1), ".txt");
  valor::fuzz::expect_clean([&] { (void)valor::rank::read_rankings(path, options); });
  return 0;
}
