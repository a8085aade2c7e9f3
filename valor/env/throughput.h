// Steps per second of an environment under a random policy, the observation written to a buffer
// every step (what `valor bench env` reports).
#pragma once

#include <cstdint>
#include <string>

#include "valor/env/registry.h"

namespace valor::env {

struct Throughput {
  std::string name;
  size_t batch = 1;  // 1: a single Env stepped directly; else a VectorEnv of that size
  int threads = 1;
  uint64_t steps = 0;
  double seconds = 0;
  double steps_per_second() const { return seconds > 0 ? static_cast<double>(steps) / seconds : 0; }
};

// Steps for at least `min_seconds` (in chunks, timed with a steady clock).
Throughput measure_single_env(const std::string& name, const EnvOptions& options,
                              double min_seconds, uint64_t seed = 0);
Throughput measure_vector_env(const std::string& name, const EnvOptions& options, size_t batch,
                              int threads, double min_seconds, uint64_t seed = 0);

}  // namespace valor::env
