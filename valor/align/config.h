// The configuration of an align run (`valor align run`, docs/align.md): the sections task, data,
// proxy, align and run, their keys with defaults, ranges and docs, the presets of configs/align/
// (compiled in), and the resolved settings.
#pragma once

#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "valor/align/preferences.h"
#include "valor/align/task.h"
#include "valor/align/trainer.h"
#include "valor/core/config.h"
#include "valor/core/presets.h"
#include "valor/reward/mlp_reward.h"
#include "valor/reward/scoring.h"

namespace valor::align {

ConfigSchema align_schema();

// The presets of configs/align/*.toml.
std::span<const EmbeddedPreset> align_presets();
// valor::Error listing the presets for an unknown name.
const EmbeddedPreset& find_align_preset(std::string_view name);
// Schema defaults, the preset, the file, then the overrides (as resolve_config).
Config resolve_align_config(const std::optional<std::string>& preset,
                            const std::optional<std::string>& file,
                            const std::vector<std::string>& overrides);

struct ProxySpec {
  std::string kind = "mlp";  // "mlp": learnt from the preference data; "gold": the gold reward
  size_t members = 1;
  reward::EnsembleRule rule = reward::EnsembleRule::kMean;
  double lambda = 1.0;
  reward::MlpOptions mlp;  // seed: the run's
};

struct AlignRunSpec {
  TaskSpec task;
  PreferenceOptions data;           // seed: the run's
  std::filesystem::path data_file;  // empty: generate `data`
  ProxySpec proxy;
  TrainOptions train;      // seed: the run's; method "bon" is best-of-N
  std::vector<int> bon_n;  // best-of-N: the N evaluated
  uint64_t seed = 0;
};

// The settings of a resolved configuration; valor::Error naming the key (and its origin) for a
// value that the schema accepts but the combination does not (an unknown method, exact training
// of a task too large to enumerate, ...).
AlignRunSpec align_run_spec(const Config& config);

}  // namespace valor::align
