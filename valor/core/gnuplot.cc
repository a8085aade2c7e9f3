#include "valor/core/gnuplot.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "valor/core/atomic_file.h"
#include "valor/core/subprocess.h"

namespace valor {
namespace fs = std::filesystem;

fs::path find_on_path(const std::string& program) {
  const char* path_env = std::getenv("PATH");
  std::string_view path = path_env != nullptr ? path_env : "";
  while (true) {
    const size_t colon = path.find(':');
    const std::string_view entry = path.substr(0, colon);
    const fs::path folder = entry.empty() ? fs::path(".") : fs::path(entry);
    std::error_code error;
    if (::access((folder / program).c_str(), X_OK) == 0 &&
        !fs::is_directory(folder / program, error)) {
      return folder;
    }
    if (colon == std::string_view::npos) return {};
    path.remove_prefix(colon + 1);
  }
}

std::string gnuplot_quote(std::string_view text) {
  // gnuplot 5.4 misreads a doubled quote at the start of a single-quoted string (a title that
  // starts with a quote fails), and a double-quoted string would run `backquoted` commands. So a
  // text with quotes becomes a concatenation of single-quoted pieces and "'": ('it' . "'" . 's').
  std::vector<std::string> pieces(1);
  for (const char c : text) {
    if (c == '\'') {
      pieces.emplace_back();
    } else if (c != '\n' && c != '\r') {
      pieces.back().push_back(c);
    }
  }
  if (pieces.size() == 1) return "'" + pieces[0] + "'";
  std::string out = "(";
  for (size_t i = 0; i < pieces.size(); ++i) {
    if (i > 0) out += " . \"'\" . ";
    out += "'" + pieces[i] + "'";
  }
  return out + ")";
}

GnuplotFigure::GnuplotFigure(int width_px, int height_px, int font_points)
    : width_px_(width_px), height_px_(height_px), font_points_(font_points) {
  if (find_on_path("gnuplot").empty()) {
    throw std::runtime_error(
        "gnuplot not found: install it with `sudo apt-get install gnuplot-nox` (or run "
        "tools/install-deps)");
  }
  std::string pattern = (fs::temp_directory_path() / "valor-plot-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    throw std::runtime_error(
        fmt::format("cannot create temp folder '{}': {}", pattern, std::strerror(errno)));
  }
  folder_ = pattern;
}

GnuplotFigure::~GnuplotFigure() {
  std::error_code ignored;
  fs::remove_all(folder_, ignored);
}

std::string GnuplotFigure::add_data(const std::string& name, std::string_view content) {
  const fs::path file = folder_ / name;
  write_file_atomically(file, content);
  return gnuplot_quote(file.string());
}

void GnuplotFigure::render(std::string_view commands, const fs::path& png) const {
  const fs::path image = folder_ / "figure.png", script = folder_ / "figure.gp";
  std::error_code error;
  fs::remove(image, error);
  // pngcairo draws antialiased text; plain png is the fallback of a gnuplot built without cairo.
  write_file_atomically(script,
                        fmt::format("if (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) {{\n"
                                    "  set terminal pngcairo noenhanced size {},{} font ',{}'\n"
                                    "}} else {{\n"
                                    "  set terminal png noenhanced size {},{}\n"
                                    "}}\n"
                                    "set output {}\n{}\nunset output\n",
                                    width_px_, height_px_, font_points_, width_px_, height_px_,
                                    gnuplot_quote(image.string()), commands));
  const ProgramResult run = run_program({"gnuplot", script.string()});
  if (run.exit_code != 0 || !fs::is_regular_file(image, error) ||
      fs::file_size(image, error) == 0) {
    const std::string how = run.exit_code > 128  ? fmt::format("signal {}", run.exit_code - 128)
                            : run.exit_code != 0 ? fmt::format("exit status {}", run.exit_code)
                                                 : std::string("no image written");
    throw std::runtime_error(
        fmt::format("gnuplot failed to draw '{}' ({}): {}{}", png.string(), how, run.out, run.err));
  }
  if (png.has_parent_path()) {
    fs::create_directories(png.parent_path(), error);
    if (error) {
      throw std::runtime_error(fmt::format("cannot create folder '{}': {}",
                                           png.parent_path().string(), error.message()));
    }
  }
  write_file_atomically(png, read_file(image));
}

}  // namespace valor
