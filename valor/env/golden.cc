#include "valor/env/golden.h"

#include <fmt/format.h>

#include <cmath>
#include <cstdint>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <vector>

#include "valor/core/error.h"
#include "valor/env/classic_control.h"
#include "valor/env/minatar.h"

namespace valor::env {
namespace {

using nlohmann::json;

// A field of a golden line, or valor::Error naming the file, line and field.
const json& field(const json& object, const char* name, const std::string& where) {
  const auto it = object.find(name);
  if (it == object.end()) fail("{}: malformed golden line: missing field '{}'", where, name);
  return *it;
}

template <typename T>
T get(const json& object, const char* name, const std::string& where) {
  try {
    return field(object, name, where).get<T>();
  } catch (const json::exception& e) {
    fail("{}: malformed golden line: field '{}': {}", where, name, e.what());
  }
}

// An integer field within [lo, hi]; anything else (a negative seed, a fraction, 1e9 channels) is a
// malformed line, not a mismatch.
int64_t get_integer(const json& object, const char* name, const std::string& where, int64_t lo,
                    int64_t hi) {
  const json& v = field(object, name, where);
  std::optional<int64_t> value;
  if (v.is_number_unsigned()) {
    if (v.get<uint64_t>() <= static_cast<uint64_t>(INT64_MAX)) value = v.get<int64_t>();
  } else if (v.is_number_integer()) {
    value = v.get<int64_t>();
  } else if (v.is_number_float()) {
    const double d = v.get<double>();
    if (std::isfinite(d) && std::floor(d) == d && std::fabs(d) < 9.0e15) {
      value = static_cast<int64_t>(d);
    }
  }
  if (!value || *value < lo || *value > hi) {
    fail("{}: malformed golden line: field '{}' must be an integer in [{}, {}], got {}", where,
         name, lo, hi, v.dump());
  }
  return *value;
}

// A list of active cell indices (channel-major flat indices of the observation): integers in
// [0, 2^31). nlohmann's get<std::vector<int>> would convert 1e300 to int, undefined behaviour
// (found by fuzz/golden.cc).
std::vector<int> get_cells(const json& object, const char* name, const std::string& where) {
  const json& v = field(object, name, where);
  if (!v.is_array())
    fail("{}: malformed golden line: field '{}' must be a list of cells", where, name);
  std::vector<int> cells;
  cells.reserve(v.size());
  for (const json& c : v) {
    if (!c.is_number_integer() || (!c.is_number_unsigned() && c.get<int64_t>() < 0) ||
        (c.is_number_unsigned() ? c.get<uint64_t>() > INT32_MAX : c.get<int64_t>() > INT32_MAX)) {
      fail("{}: malformed golden line: field '{}' must list cell indices (integers >= 0), got {}",
           where, name, c.dump());
    }
    cells.push_back(static_cast<int>(c.get<int64_t>()));
  }
  return cells;
}

std::string cells_text(const std::vector<int>& cells) {
  return fmt::format("[{}]", fmt::join(cells, ","));
}

// Replays one MinAtar segment; returns the number of steps compared, recording a mismatch in
// `report` (and stopping) at the first difference.
size_t replay_minatar(const json& line, const std::string& where, GoldenReport& report) {
  const auto game = get<std::string>(line, "game", where);
  MinAtarOptions options;
  options.sticky_action_prob = get<double>(line, "sticky_action_prob", where);
  options.difficulty_ramping = get<bool>(line, "ramping", where);
  const auto seed = static_cast<uint32_t>(get_integer(line, "seed", where, 0, UINT32_MAX));
  // MinAtar games have 4 to 10 channels; a count outside 1..64 is not a trajectory of any game.
  const int channels = static_cast<int>(get_integer(line, "channels", where, 1, 64));
  std::optional<MinAtarEnv> made;
  try {
    made.emplace(game, options, seed);
  } catch (const Error& e) {
    fail("{}: {}", where, e.what());
  }
  MinAtarEnv& env = *made;
  const auto& steps = field(line, "steps", where);
  if (!steps.is_array()) fail("{}: malformed golden line: 'steps' must be an array", where);

  std::vector<int> cells;
  bool diverged = false;
  auto mismatch = [&](size_t step, const std::string& what, const std::string& expected,
                      const std::string& actual) {
    diverged = true;
    ++report.mismatches;
    if (report.first_mismatch.empty()) {
      report.first_mismatch = fmt::format("{}: step {}: field {}: expected {}, got {}", where, step,
                                          what, expected, actual);
    }
  };
  if (channels != env.channels()) {
    mismatch(0, "channels", fmt::format("{}", channels), fmt::format("{}", env.channels()));
    return 0;
  }
  env.reset();
  env.active_cells(cells);
  const auto reset_obs = get_cells(line, "reset_obs", where);
  if (cells != reset_obs) {
    mismatch(0, "reset_obs", cells_text(reset_obs), cells_text(cells));
    return 0;
  }
  size_t compared = 0;
  for (size_t k = 0; k < steps.size(); ++k) {
    const json& s = steps[k];
    const std::string at = fmt::format("{} (step {})", where, k);
    const int action = static_cast<int>(get_integer(s, "a", at, INT32_MIN, INT32_MAX));
    if (action < 0 || action >= env.spec().num_actions) {
      fail("{}: malformed golden line: action {} out of range 0..{}", at, action,
           env.spec().num_actions - 1);
    }
    const auto result = env.step(action);
    ++compared;
    const double r = get<double>(s, "r", at);
    const bool t = get<bool>(s, "t", at);
    env.active_cells(cells);
    const auto obs = get_cells(s, "obs", at);
    if (static_cast<double>(result.reward) != r) {
      mismatch(k, "r", fmt::format("{}", r), fmt::format("{}", result.reward));
    } else if (result.terminated != t) {
      mismatch(k, "t", fmt::format("{}", t), fmt::format("{}", result.terminated));
    } else if (cells != obs) {
      mismatch(k, "obs", cells_text(obs), cells_text(cells));
    } else if (t) {
      env.reset();
      env.active_cells(cells);
      const auto after = get_cells(s, "reset_obs", at);
      if (cells != after) mismatch(k, "reset_obs", cells_text(after), cells_text(cells));
    }
    if (diverged) break;  // the rest of a diverged trajectory cannot be compared
  }
  return compared;
}

}  // namespace

GoldenReport check_golden_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) fail("cannot read golden file {}", path.string());
  GoldenReport report;
  std::string text;
  size_t line_number = 0;
  while (std::getline(in, text)) {
    ++line_number;
    if (text.find_first_not_of(" \t\r") == std::string::npos) continue;
    const std::string where = fmt::format("{}:{}", path.string(), line_number);
    json line;
    try {
      line = json::parse(text);
    } catch (const json::exception& e) {
      fail("{}: malformed golden line: {}", where, e.what());
    }
    if (!line.is_object()) fail("{}: malformed golden line: expected a JSON object", where);
    std::string format;
    if (line.contains("game")) {
      format = "minatar";
    } else if (line.contains("env") && line.contains("state0")) {
      format = "classic_control";
    } else {
      fail(
          "{}: not a golden trajectory: expected MinAtar fields (game, seed, steps, ...) or "
          "classic-control fields (env, state0, steps, ...)",
          where);
    }
    if (!report.format.empty() && report.format != format) {
      fail("{}: {} line in a {} file", where, format, report.format);
    }
    report.format = format;
    ++report.trajectories;
    if (format == "minatar") {
      report.steps += replay_minatar(line, where, report);
    } else {
      ClassicGoldenResult r;
      try {
        r = replay_classic_control_episode(line);
      } catch (const Error& e) {
        fail("{}: {}", where, e.what());
      }
      report.steps += r.steps;
      report.mismatches += r.mismatches;
      if (report.first_mismatch.empty() && !r.first_mismatch.empty()) {
        report.first_mismatch = fmt::format("{}: {}", where, r.first_mismatch);
      }
      if (!r.free_run_first_difference.empty()) {
        ++report.free_run_diverged;
        if (report.free_run_note.empty()) {
          report.free_run_note = fmt::format("{}: {}", where, r.free_run_first_difference);
        }
      }
    }
  }
  if (report.trajectories == 0) fail("golden file {} holds no trajectories", path.string());
  return report;
}

}  // namespace valor::env
