// Shared helpers of the libFuzzer targets (see fuzz/README.md): each target feeds its input to
// one parser or loader. A valor::Error is the expected answer to bad input; anything else (another
// exception, a crash, a sanitizer report, a hang) is a finding.
#pragma once

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "valor/core/error.h"

namespace valor::fuzz {

inline std::string_view as_text(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// A file of this process holding `bytes`, for the readers that take a path; its name ends in
// `extension` (the readers pick the format from it).
inline std::filesystem::path write_temp(std::string_view bytes, const std::string& extension) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("valor-fuzz-" + std::to_string(::getpid()) + extension);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) {
    std::fprintf(stderr, "cannot write %s\n", path.c_str());
    std::abort();
  }
  return path;
}

// Runs `f`; a valor::Error is a clean refusal, any other exception aborts (a finding).
template <typename F>
void expect_clean(F&& f) {
  try {
    f();
  } catch (const Error&) {
  } catch (const std::exception& e) {
    std::fprintf(stderr, "uncaught %s\n", e.what());
    std::abort();
  }
}

}  // namespace valor::fuzz
