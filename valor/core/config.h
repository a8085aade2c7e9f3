// Typed, documented configuration: a declared schema gives every key a type, a default, an
// accepted range and a one-line doc; layers (preset, user file, --set overrides) are merged on
// top of the defaults and every value remembers where it came from, so an error or a printed
// configuration can name the file and line.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace valor {

enum class ConfigType { kBool, kInt, kFloat, kString };

using ConfigValue = std::variant<bool, int64_t, double, std::string>;

// Bounds for a numeric key; an open bound excludes its value.
struct ConfigRange {
  std::optional<double> min;
  std::optional<double> max;
  bool min_open = false;
  bool max_open = false;

  static ConfigRange at_least(double lo) { return {lo, std::nullopt, false, false}; }
  static ConfigRange greater_than(double lo) { return {lo, std::nullopt, true, false}; }
  static ConfigRange closed(double lo, double hi) { return {lo, hi, false, false}; }
  static ConfigRange open_closed(double lo, double hi) { return {lo, hi, true, false}; }
  bool contains(double x) const;
};

struct ConfigKey {
  std::string name;  // dotted: "section.key"
  ConfigType type = ConfigType::kString;
  ConfigValue default_value;
  std::string doc;
  ConfigRange range;                 // numeric keys only
  std::vector<std::string> choices;  // string keys only; empty means any string

  // What the key accepts, in words: "an integer >= 1", "one of: huber, mse".
  std::string accepted() const;
};

class ConfigSchema {
 public:
  ConfigSchema& add_bool(std::string name, bool default_value, std::string doc);
  ConfigSchema& add_int(std::string name, int64_t default_value, std::string doc,
                        ConfigRange range = {});
  ConfigSchema& add_float(std::string name, double default_value, std::string doc,
                          ConfigRange range = {});
  ConfigSchema& add_string(std::string name, std::string default_value, std::string doc,
                           std::vector<std::string> choices = {});

  const ConfigKey* find(std::string_view name) const;
  const std::vector<ConfigKey>& keys() const { return keys_; }
  // Up to n declared keys nearest to `name` by edit distance, nearest first.
  std::vector<std::string> closest_keys(std::string_view name, size_t n = 3) const;

 private:
  ConfigSchema& add(ConfigKey key);
  std::vector<ConfigKey> keys_;
};

// A resolved configuration: every key of the schema has a value (its default until a layer sets
// it) and an origin ("default", "FILE:LINE", "--set").
class Config {
 public:
  explicit Config(ConfigSchema schema);

  // Merges a TOML document; `source` names it in errors and origins (a path or "preset NAME").
  // Throws valor::Error for a syntax error, an unknown key, a wrong type or a value out of range.
  void merge_toml(std::string_view text, const std::string& source);
  void merge_file(const std::filesystem::path& path);
  // Applies one "section.key=value" override, the value parsed according to the key's type.
  // `origin` names who set it (default: "--set section.key=value").
  void apply_override(std::string_view assignment, const std::string& origin = "");

  bool get_bool(std::string_view name) const;
  int64_t get_int(std::string_view name) const;
  double get_float(std::string_view name) const;
  const std::string& get_string(std::string_view name) const;
  const std::string& origin(std::string_view name) const;
  const ConfigSchema& schema() const { return schema_; }

  // The whole configuration as TOML, grouped by section in declaration order; with `docs`, each
  // key is preceded by its doc and, when not a default, followed by where it was set.
  std::string to_toml(bool docs = true) const;

 private:
  struct Entry {
    ConfigValue value;
    std::string origin;
  };
  const ConfigKey& require_key(std::string_view name, const std::string& where) const;
  void set_checked(const ConfigKey& key, ConfigValue value, const std::string& where);
  const Entry& entry(std::string_view name, ConfigType type) const;

  ConfigSchema schema_;
  std::map<std::string, Entry, std::less<>> values_;
};

// Levenshtein distance, for "did you mean" suggestions.
size_t edit_distance(std::string_view a, std::string_view b);

}  // namespace valor
