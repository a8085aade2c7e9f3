#include "valor/align/preference_file.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "valor/core/atomic_file.h"
#include "valor/core/error.h"

namespace valor::align {

namespace {

std::vector<uint8_t> read_response(const nlohmann::json& line, const char* key,
                                   const SequenceShape& shape, const std::string& where) {
  if (!line.contains(key) || !line[key].is_array()) {
    fail("{}: \"{}\" must be an array of {} tokens", where, key, shape.length);
  }
  const auto& array = line[key];
  if (array.size() != static_cast<size_t>(shape.length)) {
    fail("{}: \"{}\" has {} tokens; task.length is {}", where, key, array.size(), shape.length);
  }
  std::vector<uint8_t> out;
  for (const auto& token : array) {
    if (!token.is_number_integer() || token.get<int64_t>() < 0 ||
        token.get<int64_t>() >= shape.vocab) {
      fail("{}: \"{}\" holds {}; tokens are integers from 0 to {} (task.vocab - 1)", where, key,
           token.dump(), shape.vocab - 1);
    }
    out.push_back(static_cast<uint8_t>(token.get<int64_t>()));
  }
  return out;
}

}  // namespace

PreferenceData read_preferences_jsonl(const std::filesystem::path& path,
                                      const SequenceShape& shape) {
  std::ifstream in(path);
  if (!in) fail("cannot read the preference file {}", path.string());
  PreferenceData data;
  data.length = shape.length;
  std::string text;
  for (int number = 1; std::getline(in, text); ++number) {
    if (text.find_first_not_of(" \t\r") == std::string::npos) continue;
    const std::string where = fmt::format("{}:{}", path.string(), number);
    nlohmann::json line;
    try {
      line = nlohmann::json::parse(text);
    } catch (const nlohmann::json::parse_error& e) {
      fail("{}: not JSON ({})", where, e.what());
    }
    if (!line.is_object())
      fail("{}: expected an object {{\"prompt\", \"chosen\", \"rejected\"}}", where);
    if (!line.contains("prompt") || !line["prompt"].is_number_integer() ||
        line["prompt"].get<int64_t>() < 0 || line["prompt"].get<int64_t>() >= shape.prompts) {
      fail("{}: \"prompt\" must be an integer from 0 to {} (task.prompts - 1)", where,
           shape.prompts - 1);
    }
    const auto chosen = read_response(line, "chosen", shape, where);
    const auto rejected = read_response(line, "rejected", shape, where);
    if (chosen == rejected) {
      fail("{}: contradictory pair: the chosen response is the rejected one", where);
    }
    bool tie = false;
    if (line.contains("tie")) {
      if (!line["tie"].is_boolean()) fail("{}: \"tie\" must be true or false", where);
      tie = line["tie"].get<bool>();
    }
    data.prompts.push_back(static_cast<int32_t>(line["prompt"].get<int64_t>()));
    data.a.insert(data.a.end(), chosen.begin(), chosen.end());
    data.b.insert(data.b.end(), rejected.begin(), rejected.end());
    data.outcome.push_back(tie ? 0.5f : 1.0f);
  }
  if (data.size() == 0) fail("{}: no preference pairs", path.string());
  return data;
}

void write_preferences_jsonl(const std::filesystem::path& path, const PreferenceData& data) {
  std::ostringstream out;
  const auto len = static_cast<size_t>(data.length);
  for (size_t i = 0; i < data.size(); ++i) {
    const bool a_first = data.outcome[i] >= 0.5f;
    auto side = [&](const std::vector<uint8_t>& v) {
      return std::vector<int>(v.begin() + static_cast<std::ptrdiff_t>(i * len),
                              v.begin() + static_cast<std::ptrdiff_t>((i + 1) * len));
    };
    nlohmann::json line = {{"prompt", data.prompts[i]},
                           {"chosen", side(a_first ? data.a : data.b)},
                           {"rejected", side(a_first ? data.b : data.a)}};
    if (data.outcome[i] == 0.5f) line["tie"] = true;
    out << line.dump() << '\n';
  }
  write_file_atomically(path, out.str());
}

}  // namespace valor::align
