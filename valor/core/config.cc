#include "valor/core/config.h"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <sstream>

#include "valor/core/error.h"

namespace valor {
namespace {

std::string format_number(double x) {
  std::string s = fmt::format("{}", x);
  if (s.find_first_of(".eEn") == std::string::npos) s += ".0";  // stays a TOML float
  return s;
}

std::string quote_toml_string(const std::string& s) {
  std::ostringstream out;
  out << toml::value<std::string>(s);
  return out.str();
}

std::string value_to_toml(const ConfigValue& v) {
  return std::visit(
      [](const auto& x) -> std::string {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, bool>) {
          return x ? "true" : "false";
        } else if constexpr (std::is_same_v<T, int64_t>) {
          return fmt::format("{}", x);
        } else if constexpr (std::is_same_v<T, double>) {
          return format_number(x);
        } else {
          return quote_toml_string(x);
        }
      },
      v);
}

const char* type_name(ConfigType type) {
  switch (type) {
    case ConfigType::kBool:
      return "a boolean";
    case ConfigType::kInt:
      return "an integer";
    case ConfigType::kFloat:
      return "a number";
    case ConfigType::kString:
      return "a string";
  }
  return "?";
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::string section_of(const std::string& name) {
  const auto dot = name.rfind('.');
  return dot == std::string::npos ? "" : name.substr(0, dot);
}

std::string toml_type_name(const toml::node& node) {
  std::ostringstream out;
  out << node.type();
  return out.str();
}

}  // namespace

bool ConfigRange::contains(double x) const {
  if (min && (min_open ? !(x > *min) : !(x >= *min))) return false;
  if (max && (max_open ? !(x < *max) : !(x <= *max))) return false;
  return true;
}

std::string ConfigKey::accepted() const {
  switch (type) {
    case ConfigType::kBool:
      return "true or false";
    case ConfigType::kString: {
      if (choices.empty()) return "a string";
      std::string out = "one of: ";
      for (size_t i = 0; i < choices.size(); ++i) out += (i ? ", " : "") + choices[i];
      return out;
    }
    case ConfigType::kInt:
    case ConfigType::kFloat: {
      std::string what = type == ConfigType::kInt ? "an integer" : "a finite number";
      auto bound = [&](double b) {
        return type == ConfigType::kInt ? fmt::format("{}", static_cast<int64_t>(b))
                                        : fmt::format("{}", b);
      };
      if (range.min && range.max) {
        return fmt::format("{} in {}{}, {}{}", what, range.min_open ? "(" : "[", bound(*range.min),
                           bound(*range.max), range.max_open ? ")" : "]");
      }
      if (range.min)
        return fmt::format("{} {} {}", what, range.min_open ? ">" : ">=", bound(*range.min));
      if (range.max)
        return fmt::format("{} {} {}", what, range.max_open ? "<" : "<=", bound(*range.max));
      return what;
    }
  }
  return "";
}

size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

ConfigSchema& ConfigSchema::add(ConfigKey key) {
  VALOR_CHECK(find(key.name) == nullptr, "config key {} declared twice", key.name);
  VALOR_CHECK(key.name.find('.') != std::string::npos, "config key {} needs a section", key.name);
  keys_.push_back(std::move(key));
  return *this;
}

ConfigSchema& ConfigSchema::add_bool(std::string name, bool default_value, std::string doc) {
  return add({std::move(name), ConfigType::kBool, default_value, std::move(doc), {}, {}});
}

ConfigSchema& ConfigSchema::add_int(std::string name, int64_t default_value, std::string doc,
                                    ConfigRange range) {
  VALOR_CHECK(range.contains(static_cast<double>(default_value)), "default of {}", name);
  return add({std::move(name), ConfigType::kInt, default_value, std::move(doc), range, {}});
}

ConfigSchema& ConfigSchema::add_float(std::string name, double default_value, std::string doc,
                                      ConfigRange range) {
  VALOR_CHECK(range.contains(default_value), "default of {}", name);
  return add({std::move(name), ConfigType::kFloat, default_value, std::move(doc), range, {}});
}

ConfigSchema& ConfigSchema::add_string(std::string name, std::string default_value, std::string doc,
                                       std::vector<std::string> choices) {
  VALOR_CHECK(
      choices.empty() || std::find(choices.begin(), choices.end(), default_value) != choices.end(),
      "default of {}", name);
  return add({std::move(name),
              ConfigType::kString,
              std::move(default_value),
              std::move(doc),
              {},
              std::move(choices)});
}

const ConfigKey* ConfigSchema::find(std::string_view name) const {
  for (const auto& key : keys_) {
    if (key.name == name) return &key;
  }
  return nullptr;
}

std::vector<std::string> ConfigSchema::closest_keys(std::string_view name, size_t n) const {
  std::vector<std::pair<size_t, std::string>> scored;
  for (const auto& key : keys_) scored.emplace_back(edit_distance(name, key.name), key.name);
  std::stable_sort(scored.begin(), scored.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::string> out;
  for (size_t i = 0; i < scored.size() && i < n; ++i) out.push_back(scored[i].second);
  return out;
}

Config::Config(ConfigSchema schema) : schema_(std::move(schema)) {
  for (const auto& key : schema_.keys()) values_[key.name] = {key.default_value, "default"};
}

const ConfigKey& Config::require_key(std::string_view name, const std::string& where) const {
  if (const ConfigKey* key = schema_.find(name)) return *key;
  const auto closest = schema_.closest_keys(name);
  fail("{}: unknown key '{}'; closest valid keys: {} (`valor config show` lists them all)", where,
       name, fmt::join(closest, ", "));
}

void Config::set_checked(const ConfigKey& key, ConfigValue value, const std::string& where) {
  auto reject = [&](const std::string& got) {
    fail("{}: key '{}' got {}; accepted: {}", where, key.name, got, key.accepted());
  };
  if (key.type == ConfigType::kFloat || key.type == ConfigType::kInt) {
    const double x = key.type == ConfigType::kFloat ? std::get<double>(value)
                                                    : static_cast<double>(std::get<int64_t>(value));
    if (!std::isfinite(x) || !key.range.contains(x)) reject(value_to_toml(value));
  }
  if (key.type == ConfigType::kString && !key.choices.empty()) {
    const auto& s = std::get<std::string>(value);
    if (std::find(key.choices.begin(), key.choices.end(), s) == key.choices.end()) {
      reject(quote_toml_string(s));
    }
  }
  values_[key.name] = {std::move(value), where};
}

void Config::merge_toml(std::string_view text, const std::string& source) {
  toml::table table;
  try {
    table = toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    fail("{}:{}:{}: TOML syntax error: {}", source, e.source().begin.line, e.source().begin.column,
         e.description());
  }
  auto walk = [&](auto&& self, const toml::table& t, const std::string& prefix) -> void {
    for (auto&& [k, node] : t) {
      const std::string name =
          prefix.empty() ? std::string(k.str()) : prefix + "." + std::string(k.str());
      const std::string where = fmt::format("{}:{}", source, node.source().begin.line);
      if (const toml::table* sub = node.as_table()) {
        if (sub->empty()) {
          const bool known =
              std::any_of(schema_.keys().begin(), schema_.keys().end(),
                          [&](const ConfigKey& key) { return key.name.rfind(name + ".", 0) == 0; });
          if (!known) fail("{}: unknown section [{}]", where, name);
        }
        self(self, *sub, name);
        continue;
      }
      const ConfigKey& key = require_key(name, where);
      auto wrong_type = [&](const std::string& got) {
        fail("{}: key '{}' must be {} ({}), got a TOML {}", where, name, type_name(key.type),
             key.accepted(), got);
      };
      switch (key.type) {
        case ConfigType::kBool:
          if (!node.is_boolean()) wrong_type(toml_type_name(node));
          set_checked(key, *node.template value<bool>(), where);
          break;
        case ConfigType::kInt:
          if (!node.is_integer()) wrong_type(toml_type_name(node));
          set_checked(key, *node.template value<int64_t>(), where);
          break;
        case ConfigType::kFloat:
          if (!node.is_number()) wrong_type(toml_type_name(node));
          set_checked(key, *node.template value<double>(), where);
          break;
        case ConfigType::kString:
          if (!node.is_string()) wrong_type(toml_type_name(node));
          set_checked(key, *node.template value<std::string>(), where);
          break;
      }
    }
  };
  walk(walk, table, "");
}

void Config::merge_file(const std::filesystem::path& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    fail("cannot read config file {}: it is a directory; expected a TOML file", path.string());
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) fail("cannot read config file {}: no such readable file", path.string());
  std::ostringstream text;
  text << in.rdbuf();
  merge_toml(text.str(), path.string());
}

void Config::apply_override(std::string_view assignment, const std::string& origin) {
  const std::string where = origin.empty() ? fmt::format("--set {}", assignment) : origin;
  const auto eq = assignment.find('=');
  if (eq == std::string_view::npos) {
    fail("{}: expected section.key=value", where);
  }
  const std::string name(trim(assignment.substr(0, eq)));
  const std::string_view text = trim(assignment.substr(eq + 1));
  const ConfigKey& key = require_key(name, where);
  auto bad = [&]() {
    fail("{}: '{}' is not valid for key '{}'; accepted: {}", where, text, name, key.accepted());
  };
  switch (key.type) {
    case ConfigType::kBool:
      if (text == "true") {
        set_checked(key, true, where);
      } else if (text == "false") {
        set_checked(key, false, where);
      } else {
        bad();
      }
      break;
    case ConfigType::kInt: {
      int64_t v = 0;
      const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
      if (ec != std::errc() || end != text.data() + text.size() || text.empty()) bad();
      set_checked(key, v, where);
      break;
    }
    case ConfigType::kFloat: {
      double v = 0;
      const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
      if (ec != std::errc() || end != text.data() + text.size() || text.empty()) bad();
      set_checked(key, v, where);
      break;
    }
    case ConfigType::kString: {
      std::string v(text);
      if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
      set_checked(key, std::move(v), where);
      break;
    }
  }
}

const Config::Entry& Config::entry(std::string_view name, ConfigType type) const {
  const ConfigKey* key = schema_.find(name);
  VALOR_CHECK(key != nullptr, "config key {} is not declared", name);
  VALOR_CHECK(key->type == type, "config key {} read as {}, declared {}", name, type_name(type),
              type_name(key->type));
  return values_.find(name)->second;
}

bool Config::get_bool(std::string_view name) const {
  return std::get<bool>(entry(name, ConfigType::kBool).value);
}
int64_t Config::get_int(std::string_view name) const {
  return std::get<int64_t>(entry(name, ConfigType::kInt).value);
}
double Config::get_float(std::string_view name) const {
  return std::get<double>(entry(name, ConfigType::kFloat).value);
}
const std::string& Config::get_string(std::string_view name) const {
  return std::get<std::string>(entry(name, ConfigType::kString).value);
}
const std::string& Config::origin(std::string_view name) const {
  const auto it = values_.find(name);
  VALOR_CHECK(it != values_.end(), "config key {} is not declared", name);
  return it->second.origin;
}

std::string Config::to_toml(bool docs) const {
  std::string out;
  std::vector<std::string> sections;
  for (const auto& key : schema_.keys()) {
    const std::string s = section_of(key.name);
    if (std::find(sections.begin(), sections.end(), s) == sections.end()) sections.push_back(s);
  }
  for (const auto& section : sections) {
    if (!out.empty()) out += "\n";
    out += fmt::format("[{}]\n", section);
    for (const auto& key : schema_.keys()) {
      if (section_of(key.name) != section) continue;
      const Entry& e = values_.find(key.name)->second;
      const std::string leaf = key.name.substr(section.size() + 1);
      if (docs) out += fmt::format("# {} Accepted: {}.\n", key.doc, key.accepted());
      out += fmt::format("{} = {}", leaf, value_to_toml(e.value));
      if (docs && e.origin != "default") out += fmt::format("  # set by {}", e.origin);
      out += "\n";
    }
  }
  return out;
}

}  // namespace valor
