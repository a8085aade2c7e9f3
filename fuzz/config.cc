// TOML run configurations (the keys of `valor train`, then the checks across keys) and, from the
// same text, sweep files: valor::Config::merge_toml, agent::check_train_config, run::parse_sweep.
#include "valor/core/config.h"

#include "fuzz/fuzz_common.h"
#include "valor/agent/train_config.h"
#include "valor/run/run_config.h"
#include "valor/run/sweep.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text = valor::fuzz::as_text(data, size);
  valor::fuzz::expect_clean([&] {
    valor::ConfigSchema schema;
    valor::run::declare_run_config(schema);
    valor::agent::declare_train_config(schema);
    valor::Config config(std::move(schema));
    config.merge_toml(text, "fuzz.toml");
    (void)config.to_toml();
    valor::agent::check_train_config(config);
  });
  valor::fuzz::expect_clean([&] { (void)valor::run::parse_sweep(text, "fuzz-sweep.toml"); });
  return 0;
}
