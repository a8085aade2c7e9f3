// The `run` section of the configuration: what every job that writes a run directory reads.
#pragma once

#include <string>

#include "valor/core/config.h"

namespace valor::run {

void declare_run_config(ConfigSchema& schema);

struct RunSettings {
  std::string name;  // empty: the caller's default (the preset's name)
  int64_t seed = 0;
  int64_t threads = 1;
  int64_t checkpoint_keep = 3;
  double progress_seconds = 10.0;
};

RunSettings run_settings(const Config& config);

}  // namespace valor::run
