// The configuration keys of `valor train` (env.*, network.*, value.*, train.*, eval.*), declared
// without LibTorch so that the torch-free front end (`valor config`, `--help`) knows them too.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "valor/core/config.h"
#include "valor/env/env.h"

namespace valor::agent {

// Declares env.*, network.*, value.*, train.* and eval.*.
void declare_train_config(ConfigSchema& schema);

// The checks across keys that a single key's range cannot express (env.name names an environment,
// network.kind suits it, value.v_min < value.v_max, frame counts are multiples of
// train.num_envs, ...): valor::Error naming the keys and where each was set. `valor train` and
// `valor config show` both apply them. Returns the environment made to check env.name, for its
// spec.
std::unique_ptr<env::Env> check_train_config(const Config& c);

// Parses "256,256" into {256, 256}; valor::Error naming `where` for anything but positive
// integers separated by commas.
std::vector<int> parse_hidden_sizes(std::string_view text, std::string_view where);

// The seeds of train.seeds: "" (none: the run trains run.seed), or a comma-separated list of
// seeds and inclusive ranges, e.g. "0-7" or "1,4,10-12". valor::Error naming `where` for anything
// else, a seed listed twice, or more than kMaxGroupSeeds seeds.
constexpr size_t kMaxGroupSeeds = 1024;
std::vector<int64_t> parse_seed_list(std::string_view text, std::string_view where);

}  // namespace valor::agent
