#include "valor/rank/plots.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>

#include "valor/core/gnuplot.h"

namespace valor::rank {
namespace {

namespace fs = std::filesystem;

bool have_gnuplot() { return !find_on_path("gnuplot").empty(); }

bool is_png(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  char magic[8] = {};
  in.read(magic, 8);
  return in.gcount() == 8 && std::string(magic, 8) == "\x89PNG\r\n\x1a\n";
}

TEST(PlotsTest, WritesBothPngs) {
  if (!have_gnuplot()) GTEST_SKIP() << "gnuplot is not installed";
  const fs::path dir = fs::temp_directory_path() / ("valor_rank_plots_" + std::to_string(getpid()));
  fs::create_directories(dir);
  const std::vector<std::string> names = {"alpha", "b'quote", "gamma"};
  const std::vector<std::vector<double>> p = {{NAN, 0.6, 0.8}, {0.4, NAN, 0.7}, {0.2, 0.3, NAN}};
  plot_win_matrix(names, p, dir / "m.png", "test matrix");
  EXPECT_TRUE(is_png(dir / "m.png"));
  plot_rating_intervals(names, {1.0, 0.2, -1.2}, {0.5, NAN, -1.9}, {1.4, NAN, -0.4}, dir / "r.png",
                        "test ratings", "rating");
  EXPECT_TRUE(is_png(dir / "r.png"));
  EXPECT_THROW(plot_rating_intervals(names, {1.0}, {0.5}, {1.4}, dir / "x.png", "", ""),
               std::invalid_argument);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace valor::rank
