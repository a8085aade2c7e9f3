#include "valor/core/gnuplot.h"

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "valor/core/atomic_file.h"

namespace valor {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

// A fresh temp folder, removed afterwards, and PATH restored.
class GnuplotTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "valor-gnuplot-test-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    const char* path = std::getenv("PATH");
    saved_path_ = path != nullptr ? path : "";
  }
  void TearDown() override {
    ::setenv("PATH", saved_path_.c_str(), 1);
    fs::remove_all(dir_);
  }
  static bool is_png(const fs::path& file) {
    return fs::is_regular_file(file) && read_file(file).substr(0, 8) == "\x89PNG\r\n\x1a\n";
  }
  fs::path dir_;
  std::string saved_path_;
};

TEST_F(GnuplotTest, QuoteDoublesQuotesAndDropsLineBreaks) {
  EXPECT_EQ(gnuplot_quote("plain"), "'plain'");
  EXPECT_EQ(gnuplot_quote("it's"), "('it' . \"'\" . 's')");
  EXPECT_EQ(gnuplot_quote("'q'"), "('' . \"'\" . 'q' . \"'\" . '')");
  EXPECT_EQ(gnuplot_quote("two\r\nlines"), "'twolines'");
  EXPECT_EQ(gnuplot_quote(""), "''");
}

TEST_F(GnuplotTest, FindOnPathWantsAnExecutableFileNotAFolder) {
  fs::create_directories(dir_ / "a" / "tool");  // a folder named like the program
  fs::create_directories(dir_ / "b");
  write_file_atomically(dir_ / "b" / "tool", "#!/bin/sh\n");  // not executable
  fs::create_directories(dir_ / "c");
  write_file_atomically(dir_ / "c" / "tool", "#!/bin/sh\n");
  fs::permissions(dir_ / "c" / "tool", fs::perms::owner_exec, fs::perm_options::add);
  const std::string a = (dir_ / "a").string(), b = (dir_ / "b").string(), c = (dir_ / "c").string();
  ::setenv("PATH", (a + ":" + b + ":" + c).c_str(), 1);
  EXPECT_EQ(find_on_path("tool"), dir_ / "c");
  ::setenv("PATH", (a + ":" + b).c_str(), 1);
  EXPECT_TRUE(find_on_path("tool").empty());
}

TEST_F(GnuplotTest, MissingGnuplotSaysHowToInstallIt) {
  ::setenv("PATH", dir_.c_str(), 1);
  try {
    GnuplotFigure figure(100, 100, 10);
    FAIL() << "expected std::runtime_error";
  } catch (const std::runtime_error& e) {
    EXPECT_THAT(e.what(), HasSubstr("gnuplot not found"));
    EXPECT_THAT(e.what(), HasSubstr("sudo apt-get install gnuplot-nox"));
  }
}

TEST_F(GnuplotTest, RendersAPngIntoANewFolderAndRemovesItsTempFolder) {
  if (find_on_path("gnuplot").empty()) GTEST_SKIP() << "gnuplot is not on PATH";
  const fs::path png = dir_ / "figures" / "line.png";
  fs::path temp;
  {
    GnuplotFigure figure(300, 200, 10);
    const std::string data = figure.add_data("xy.dat", "0 1\n1 3\n2 2\n");
    temp = fs::path(data.substr(1, data.size() - 2)).parent_path();
    EXPECT_TRUE(fs::is_directory(temp));
    figure.render(fmt::format("plot {} using 1:2 with lines notitle", data), png);
  }
  EXPECT_TRUE(is_png(png));
  EXPECT_FALSE(fs::exists(temp));
  EXPECT_EQ(std::distance(fs::directory_iterator(png.parent_path()), fs::directory_iterator()), 1);
}

TEST_F(GnuplotTest, AFailingScriptReportsGnuplotsMessageAndLeavesTheOldImage) {
  if (find_on_path("gnuplot").empty()) GTEST_SKIP() << "gnuplot is not on PATH";
  const fs::path png = dir_ / "kept.png";
  write_file_atomically(png, "old");
  GnuplotFigure figure(300, 200, 10);
  try {
    figure.render("plot no_such_function_here(x)", png);
    FAIL() << "expected std::runtime_error";
  } catch (const std::runtime_error& e) {
    EXPECT_THAT(e.what(), HasSubstr("gnuplot failed to draw"));
    EXPECT_THAT(e.what(), HasSubstr("kept.png"));
    EXPECT_THAT(e.what(), HasSubstr("no_such_function_here"));
  }
  EXPECT_EQ(read_file(png), "old");
}

}  // namespace
}  // namespace valor
