#include "valor/run/run_config.h"

namespace valor::run {

void declare_run_config(ConfigSchema& schema) {
  schema
      .add_string("run.name", "",
                  "Name of the run folder runs/<name>-<timestamp>/; empty means the preset's name.")
      .add_int("run.seed", 0, "Seed from which every random generator of the job is derived.",
               ConfigRange::at_least(0))
      .add_int("run.threads", 1,
               "Intra-op threads for LibTorch and OpenBLAS (parallelism usually goes across runs).",
               ConfigRange::closed(1, 256))
      .add_int("run.checkpoint_keep", 3, "How many of the newest checkpoints to keep.",
               ConfigRange::at_least(1))
      .add_float("run.progress_seconds", 10.0,
                 "Seconds between progress lines when the output is not a terminal.",
                 ConfigRange::greater_than(0));
}

RunSettings run_settings(const Config& config) {
  RunSettings s;
  s.name = config.get_string("run.name");
  s.seed = config.get_int("run.seed");
  s.threads = config.get_int("run.threads");
  s.checkpoint_keep = config.get_int("run.checkpoint_keep");
  s.progress_seconds = config.get_float("run.progress_seconds");
  return s;
}

}  // namespace valor::run
