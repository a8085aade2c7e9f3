#include "valor/run/run_groups.h"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <optional>
#include <set>
#include <sstream>

#include "valor/core/atomic_file.h"
#include "valor/core/error.h"

namespace valor::run {
namespace fs = std::filesystem;
namespace {

std::string canonical_value(const toml::node& node);

std::string canonical_array(const toml::array& array) {
  std::string text = "[";
  for (size_t i = 0; i < array.size(); ++i) {
    if (i > 0) text += ", ";
    text += canonical_value(*array.get(i));
  }
  return text + "]";
}

std::string canonical_table(const toml::table& table) {
  std::string text = "{";
  bool first = true;
  for (const auto& [key, value] : table) {
    if (!first) text += ", ";
    first = false;
    text += fmt::format("{} = {}", key.str(), canonical_value(value));
  }
  return text + "}";
}

// Type-aware, formatting-independent: 0x10 and 16 are equal, 1 and 1.0 are not.
std::string canonical_value(const toml::node& node) {
  if (const auto* v = node.as_string()) return fmt::format("\"{}\"", v->get());
  if (const auto* v = node.as_integer()) return fmt::format("{}", v->get());
  if (const auto* v = node.as_floating_point()) {
    const std::string text = fmt::format("{}", v->get());
    // Keep floats recognisable as floats: "1" would read as an integer in a label.
    return text.find_first_of(".eEn") == std::string::npos ? text + ".0" : text;
  }
  if (const auto* v = node.as_boolean()) return v->get() ? "true" : "false";
  if (const auto* v = node.as_array()) return canonical_array(*v);
  if (const auto* v = node.as_table()) return canonical_table(*v);
  std::ostringstream text;  // dates and times
  node.visit([&text](const auto& value) { text << value; });
  return text.str();
}

void flatten(const toml::table& table, const std::string& prefix, FlatConfig& out) {
  for (const auto& [key, value] : table) {
    const std::string name =
        prefix.empty() ? std::string(key.str()) : prefix + "." + std::string(key.str());
    if (const auto* sub = value.as_table()) {
      flatten(*sub, name, out);
    } else {
      out[name] = canonical_value(value);
    }
  }
}

std::string describe_difference(const FlatConfig& config, const std::set<std::string>& keys) {
  std::string label;
  for (const std::string& key : keys) {
    if (!label.empty()) label += ", ";
    const auto it = config.find(key);
    label += fmt::format("{}={}", key, it == config.end() ? "<unset>" : it->second);
  }
  return label;
}

}  // namespace

FlatConfig grouping_config(const fs::path& run_dir) {
  const fs::path path = run_dir / "config.toml";
  if (!fs::is_regular_file(path)) {
    fail("'{}' is not a run folder: it has no config.toml", run_dir.string());
  }
  const std::string text = read_file(path);
  toml::table table;
  try {
    table = toml::parse(text, path.string());
  } catch (const toml::parse_error& e) {
    fail("{}:{}:{}: {}", path.string(), e.source().begin.line, e.source().begin.column,
         e.description());
  }
  FlatConfig flat;
  flatten(table, "", flat);
  for (const char* key : {"run.seed", "run.name", "run.out"}) flat.erase(key);
  return flat;
}

std::vector<RunGroup> group_runs(const std::vector<fs::path>& run_dirs) {
  std::vector<FlatConfig> configs;
  std::vector<RunGroup> groups;
  for (const fs::path& dir : run_dirs) {
    FlatConfig config = grouping_config(dir);
    size_t g = 0;
    while (g < configs.size() && configs[g] != config) ++g;
    if (g == configs.size()) {
      configs.push_back(std::move(config));
      groups.push_back(RunGroup{});
    }
    groups[g].runs.push_back(dir);
  }
  if (groups.size() == 1) {
    // One group: name it after the runs' shared run.name, else the first run's folder.
    std::optional<std::string> shared_name;
    bool all_same = true;
    for (size_t i = 0; i < groups[0].runs.size(); ++i) {
      const toml::table table = toml::parse(read_file(groups[0].runs[i] / "config.toml"));
      const auto name = table["run"]["name"].value<std::string>();
      if (i == 0) {
        shared_name = name;
      } else if (name != shared_name) {
        all_same = false;
      }
    }
    const fs::path first = groups[0].runs[0].lexically_normal();
    const std::string folder =
        (first.has_filename() ? first.filename() : first.parent_path().filename()).string();
    groups[0].label = all_same && shared_name ? *shared_name : folder;
  } else {
    std::set<std::string> keys;
    for (const FlatConfig& config : configs) {
      for (const auto& [key, value] : config) keys.insert(key);
    }
    std::set<std::string> differing;
    for (const std::string& key : keys) {
      std::set<std::string> values;
      for (const FlatConfig& config : configs) {
        const auto it = config.find(key);
        values.insert(it == config.end() ? "\x01unset" : it->second);
      }
      if (values.size() > 1) differing.insert(key);
    }
    for (size_t g = 0; g < groups.size(); ++g) {
      groups[g].label = describe_difference(configs[g], differing);
    }
  }
  for (RunGroup& group : groups) {
    if (group.runs.size() > 1) group.label += fmt::format(" (n={})", group.runs.size());
  }
  return groups;
}

}  // namespace valor::run
