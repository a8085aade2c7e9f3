// Steps per second of an environment under a random policy, the observation written to a buffer
// every step (what `valor bench env` reports). Vector measurements write float observations, or
// bytes (ObservationForm::kBytes, VectorEnv's ObsFormat::kBytes).
#pragma once

#include <cstdint>
#include <string>

#include "valor/env/registry.h"

namespace valor::env {

// What a single-environment measurement writes every step: the float observation networks read
// (observe), the bit-packed form replay stores (MinAtar), or the environment's native form
// (MinAtar: the 10x10xC byte grid that Python's state() returns; others: the float observation),
// or the float observation's values as bytes (Env::observe_bytes, where offered).
enum class ObservationForm { kFloat, kPacked, kNative, kBytes };
const char* observation_form_name(ObservationForm form);

struct Throughput {
  std::string name;
  ObservationForm form = ObservationForm::kFloat;
  size_t batch = 1;  // 1: a single Env stepped directly; else a VectorEnv of that size
  int threads = 1;
  uint64_t steps = 0;
  double seconds = 0;
  double steps_per_second() const { return seconds > 0 ? static_cast<double>(steps) / seconds : 0; }
};

// Steps for at least `min_seconds` (in chunks, timed with a steady clock).
// valor::Error for kPacked (kBytes) on an environment without a packed (byte) observation.
Throughput measure_single_env(const std::string& name, const EnvOptions& options,
                              double min_seconds, uint64_t seed = 0,
                              ObservationForm form = ObservationForm::kFloat);
// `form`: kFloat or kBytes (valor::Error for the others, or kBytes where not offered).
Throughput measure_vector_env(const std::string& name, const EnvOptions& options, size_t batch,
                              int threads, double min_seconds, uint64_t seed = 0,
                              ObservationForm form = ObservationForm::kFloat);

}  // namespace valor::env
