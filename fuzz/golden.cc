// Golden trajectory files (MinAtar or classic-control JSON lines): env::check_golden_file, which
// parses each line and replays it in the environment.
#include "valor/env/golden.h"

#include "fuzz/fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto path = valor::fuzz::write_temp(valor::fuzz::as_text(data, size), ".jsonl");
  valor::fuzz::expect_clean([&] { (void)valor::env::check_golden_file(path); });
  return 0;
}
