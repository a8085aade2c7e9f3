// Groups runs that differ only by seed: their config.toml files are equal once the keys
// run.seed, run.name and run.out are removed.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace valor::run {

// A config flattened to dotted keys ("agent.lr") mapped to a canonical text of the value, so that
// equal configs compare equal whatever their formatting or key order.
using FlatConfig = std::map<std::string, std::string>;

// Parses `<run_dir>/config.toml` (valor::Error naming the file on a parse error or if it is
// missing) and drops run.seed, run.name and run.out.
FlatConfig grouping_config(const std::filesystem::path& run_dir);

struct RunGroup {
  std::string label;  // what tells this group apart from the others
  std::vector<std::filesystem::path> runs;
};

// Groups in order of first appearance. Label: with several groups, the keys whose values differ
// between groups as "key=value, ..." (a missing key shows as "key=<unset>"); with one group, the
// runs' shared run.name if they have one, else the first run's folder name. " (n=K)" is appended
// when a group has K > 1 runs.
std::vector<RunGroup> group_runs(const std::vector<std::filesystem::path>& run_dirs);

}  // namespace valor::run
