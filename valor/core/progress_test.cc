#include "valor/core/progress.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <string>

namespace valor {
namespace {

using ::testing::HasSubstr;

// Captures what a Progress writes, with a hand-driven clock.
class ProgressTest : public ::testing::Test {
 protected:
  void SetUp() override { file_ = std::tmpfile(); }
  void TearDown() override { std::fclose(file_); }
  std::string written() {
    std::fflush(file_);
    std::rewind(file_);
    std::string s;
    char buffer[256];
    size_t n;
    while ((n = std::fread(buffer, 1, sizeof buffer, file_)) > 0) s.append(buffer, n);
    return s;
  }
  ProgressOptions options(int tty) {
    ProgressOptions o;
    o.label = "demo";
    o.unit = "frames";
    o.total = 1000;
    o.plain_interval_seconds = 10;
    o.tty = tty;
    o.clock = [this] { return clock_; };
    return o;
  }
  std::FILE* file_ = nullptr;
  double clock_ = 100.0;
};

TEST_F(ProgressTest, LineShowsCountRateEtaAndMetrics) {
  Progress progress(file_, options(0));
  clock_ += 2.0;
  progress.update(250, {{"return", 12.5}, {"loss", 0.25}});
  // 250 frames in 2 s = 125/s; 750 left -> 6 s.
  EXPECT_EQ(progress.line(),
            "demo  250/1000 frames (25.0%)  125 frames/s  ETA 6.0s  return=12.5  loss=0.25");
}

TEST_F(ProgressTest, PlainModePrintsOneLinePerInterval) {
  {
    Progress progress(file_, options(0));
    for (int i = 1; i <= 30; ++i) {
      clock_ += 1.0;
      progress.update(i * 10);
    }
  }  // the destructor prints the final line
  const std::string out = written();
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 4);  // at 10 s, 20 s, 30 s, and finish
  EXPECT_EQ(out.find('\r'), std::string::npos);
  EXPECT_THAT(out, HasSubstr("300/1000 frames (30.0%)"));
}

TEST_F(ProgressTest, TerminalModeRedrawsOneLine) {
  {
    Progress progress(file_, options(1));
    for (int i = 1; i <= 5; ++i) {
      clock_ += 1.0;
      progress.update(i);
    }
  }
  const std::string out = written();
  EXPECT_EQ(std::count(out.begin(), out.end(), '\r'), 6);  // five updates and finish
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1);  // only the final newline
  EXPECT_THAT(out, HasSubstr("\033[K"));
}

TEST_F(ProgressTest, RateCountsFromTheResumePoint) {
  Progress progress(file_, options(0), 600);
  clock_ += 4.0;
  progress.update(800);
  EXPECT_DOUBLE_EQ(progress.rate(), 50.0);
  EXPECT_THAT(progress.line(), HasSubstr("ETA 4.0s"));
}

TEST(FormatDurationTest, Units) {
  EXPECT_EQ(format_duration(3.25), "3.2s");
  EXPECT_EQ(format_duration(245), "4m05s");
  EXPECT_EQ(format_duration(7380), "2h03m");
  EXPECT_EQ(format_duration(-1), "?");
}

}  // namespace
}  // namespace valor
