// Presets: the TOML files of configs/, compiled into the binary so `valor` works from any folder.
// A preset's first comment line is its one-line description.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "valor/core/config.h"

namespace valor {

struct EmbeddedPreset {
  std::string_view name;    // file name without .toml
  std::string_view source;  // "configs/NAME.toml", as named in errors and origins
  std::string_view text;
};

std::span<const EmbeddedPreset> presets();
// The preset called `name`; valor::Error listing the presets if there is none.
const EmbeddedPreset& find_preset(std::string_view name);
// The preset `name` of `set`; valor::Error "unknown KIND 'name'; presets: ..." listing the set.
const EmbeddedPreset& find_embedded_preset(std::span<const EmbeddedPreset> set,
                                           std::string_view name, std::string_view kind);
// The first comment line of the preset, without the '#'.
std::string preset_description(const EmbeddedPreset& preset);

// Where a configuration comes from, in order of precedence (lowest first): schema defaults, the
// preset, the user's file, then each --set override in order.
struct ConfigSources {
  std::optional<std::string> preset;
  std::optional<std::string> file;
  std::vector<std::string> overrides;
};

Config resolve_config(ConfigSchema schema, const ConfigSources& sources);

// The sweep files of sweeps/, compiled in the same way (`valor sweep NAME`, `valor demo`).
std::span<const EmbeddedPreset> embedded_sweeps();
// nullptr when there is none called `name`.
const EmbeddedPreset* find_embedded_sweep(std::string_view name);

namespace detail {
extern const EmbeddedPreset kEmbeddedPresets[];
extern const size_t kEmbeddedPresetsCount;
extern const EmbeddedPreset kEmbeddedSweeps[];
extern const size_t kEmbeddedSweepsCount;
}  // namespace detail

}  // namespace valor
