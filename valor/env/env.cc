#include "valor/env/env.h"

#include "valor/core/error.h"

namespace valor::env {

size_t EnvSpec::obs_size() const {
  size_t n = 1;
  for (int d : obs_shape) n *= static_cast<size_t>(d);
  return n;
}

void Env::observe_packed(std::span<uint8_t>) const {
  fail("environment {} has no bit-packed observation", spec().name);
}

void Env::observe_bytes(std::span<uint8_t>) const {
  fail("environment {} has no byte observation (only environments whose observations are 0/1)",
       spec().name);
}

}  // namespace valor::env
