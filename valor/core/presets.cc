#include "valor/core/presets.h"

#include <fmt/format.h>

#include "valor/core/error.h"

namespace valor {

std::span<const EmbeddedPreset> presets() {
  return {detail::kEmbeddedPresets, detail::kEmbeddedPresetsCount};
}

const EmbeddedPreset& find_embedded_preset(std::span<const EmbeddedPreset> set,
                                           std::string_view name, std::string_view kind) {
  std::vector<std::string_view> names;
  for (const auto& preset : set) {
    if (preset.name == name) return preset;
    names.push_back(preset.name);
  }
  fail("unknown {} '{}'; presets: {} (or pass your own file with --config FILE)", kind, name,
       fmt::join(names, ", "));
}

const EmbeddedPreset& find_preset(std::string_view name) {
  return find_embedded_preset(presets(), name, "preset");
}

std::string preset_description(const EmbeddedPreset& preset) {
  std::string_view text = preset.text;
  while (!text.empty()) {
    const auto end = text.find('\n');
    std::string_view line = text.substr(0, end);
    const auto first = line.find_first_not_of(" \t");
    if (first != std::string_view::npos) {
      if (line[first] != '#') return "";
      line.remove_prefix(first + 1);
      const auto start = line.find_first_not_of(' ');
      return start == std::string_view::npos ? "" : std::string(line.substr(start));
    }
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return "";
}

Config resolve_config(ConfigSchema schema, const ConfigSources& sources) {
  Config config(std::move(schema));
  if (sources.preset) {
    const EmbeddedPreset& preset = find_preset(*sources.preset);
    config.merge_toml(preset.text, std::string(preset.source));
  }
  if (sources.file) config.merge_file(*sources.file);
  for (const auto& assignment : sources.overrides) config.apply_override(assignment);
  return config;
}

}  // namespace valor

namespace valor {

std::span<const EmbeddedPreset> embedded_sweeps() {
  return {detail::kEmbeddedSweeps, detail::kEmbeddedSweepsCount};
}

const EmbeddedPreset* find_embedded_sweep(std::string_view name) {
  for (const auto& sweep : embedded_sweeps()) {
    if (sweep.name == name) return &sweep;
  }
  return nullptr;
}

}  // namespace valor
