// Small text helpers shared by the parsers of list-valued keys and flags.
#pragma once

#include <algorithm>
#include <string_view>
#include <vector>

namespace valor {

// The parts of `text` between `separator`s, each without leading and trailing spaces: "1, 2,,3"
// gives {"1", "2", "", "3"}; "" gives {""}. The views point into `text`.
inline std::vector<std::string_view> split_list(std::string_view text, char separator = ',') {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t end = std::min(text.find(separator, start), text.size());
    std::string_view part = text.substr(start, end - start);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    while (!part.empty() && part.back() == ' ') part.remove_suffix(1);
    parts.push_back(part);
    start = end + 1;
  }
  return parts;
}

}  // namespace valor
