#include <fmt/format.h>

#include "apps/valor/commands.h"
#include "valor/agent/train_config.h"
#include "valor/core/error.h"

namespace valor::app {

void ConfigFlags::add_to(CLI::App* command) {
  command->add_option("--config", file, "A TOML configuration file, applied after the preset");
  command
      ->add_option("--set", overrides,
                   "Override one key: section.key=value (repeatable, applied last)")
      ->allow_extra_args(false);
}

ConfigSources ConfigFlags::sources(std::optional<std::string> preset) const {
  ConfigSources s;
  s.preset = std::move(preset);
  if (!file.empty()) s.file = file;
  s.overrides = overrides;
  return s;
}

void add_config_command(CLI::App& app, Action& action) {
  auto* config = app.add_subcommand("config", "Inspect presets and resolved configurations");
  config->require_subcommand(1);

  auto* list = config->add_subcommand("list", "List the presets built into valor");
  list->callback([&action] {
    action = [] {
      for (const auto& preset : presets()) {
        fmt::print("{:<20} {}\n", preset.name, preset_description(preset));
      }
      return 0;
    };
  });

  auto* show = config->add_subcommand(
      "show", "Print the fully resolved configuration, every key with its doc as a comment");
  auto preset = std::make_shared<std::string>();
  auto flags = std::make_shared<ConfigFlags>();
  show->add_option("preset", *preset, "A preset name (see `valor config list`)");
  flags->add_to(show);
  show->callback([&action, preset, flags] {
    action = [preset, flags] {
      if (preset->empty() && flags->file.empty()) {
        fail("config show needs a preset name or --config FILE (presets: `valor config list`)");
      }
      const Config config = resolve_config(
          full_schema(),
          flags->sources(preset->empty() ? std::nullopt : std::optional<std::string>(*preset)));
      // The checks `valor train` applies across keys, so that what is shown would also train.
      agent::check_train_config(config);
      fmt::print("# valor configuration{}{}\n", preset->empty() ? "" : ", preset " + *preset,
                 flags->file.empty() ? "" : ", file " + flags->file);
      fmt::print("{}", config.to_toml());
      return 0;
    };
  });
}

}  // namespace valor::app
