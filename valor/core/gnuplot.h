// PNG figures drawn with gnuplot (Debian's gnuplot-nox), shared by run/plot.h and rank/plots.h:
// a figure's data files and script go into a private temp folder, gnuplot runs on them as a child
// process, and the image is written atomically to its destination.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace valor {

// The folder on PATH holding an executable file `program`, or empty if there is none.
std::filesystem::path find_on_path(const std::string& program);

// `text` as a gnuplot string expression: single-quoted (no escapes, no `command` substitution),
// a text with quotes as ('it' . "'" . 's'); line breaks are dropped.
std::string gnuplot_quote(std::string_view text);

// One figure being drawn; its temp folder goes away with the object.
class GnuplotFigure {
 public:
  // std::runtime_error if gnuplot is not on PATH (the message says how to install it) or the temp
  // folder cannot be made.
  GnuplotFigure(int width_px, int height_px, int font_points);
  ~GnuplotFigure();
  GnuplotFigure(const GnuplotFigure&) = delete;
  GnuplotFigure& operator=(const GnuplotFigure&) = delete;

  // Writes a data file called `name` into the temp folder; returns its path quoted for a script.
  std::string add_data(const std::string& name, std::string_view content);

  // Runs `commands` (set ..., plot ...) after setting up a PNG terminal of the figure's size, and
  // writes the image atomically to `png`, creating its folder. std::runtime_error holding
  // gnuplot's output if gnuplot fails or draws nothing; `png` is then left as it was.
  void render(std::string_view commands, const std::filesystem::path& png) const;

 private:
  std::filesystem::path folder_;
  int width_px_, height_px_, font_points_;
};

}  // namespace valor
