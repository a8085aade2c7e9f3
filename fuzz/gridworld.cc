// Gridworld map files (an optional header of settings, then the map):
// env::gridworld_from_map, then value iteration on small maps at the map's own settings.
#include "valor/env/gridworld.h"

#include "fuzz/fuzz_common.h"
#include "valor/dp/solve.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text = valor::fuzz::as_text(data, size);
  valor::fuzz::expect_clean([&] {
    const valor::env::TabularMdp mdp = valor::env::gridworld_from_map(text, {}, "fuzz-map.txt");
    if (mdp.num_states <= 400) (void)valor::dp::value_iteration(mdp, 0.9, 1e-8, 10000);
  });
  return 0;
}
