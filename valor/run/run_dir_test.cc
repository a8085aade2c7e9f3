#include "valor/run/run_dir.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <ctime>
#include <fstream>

#include "valor/core/atomic_file.h"
#include "valor/core/error.h"
#include "valor/run/testing_temp_dir.h"

namespace valor::run {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

std::chrono::system_clock::time_point local_time(int year, int month, int day, int hour, int min,
                                                 int sec) {
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = min;
  tm.tm_sec = sec;
  tm.tm_isdst = -1;
  return std::chrono::system_clock::from_time_t(std::mktime(&tm));
}

TEST(RunDirTest, NamedRunGetsTimestampAndCollisionSuffixes) {
  testing::TempDir tmp;
  const auto now = local_time(2024, 3, 7, 9, 5, 2);
  const RunDir first = RunDir::create_named(tmp / "runs", "dqn", now);
  const RunDir second = RunDir::create_named(tmp / "runs", "dqn", now);
  const RunDir third = RunDir::create_named(tmp / "runs", "dqn", now);
  EXPECT_EQ(first.path(), tmp / "runs" / "dqn-20240307-090502");
  EXPECT_EQ(second.path(), tmp / "runs" / "dqn-20240307-090502-2");
  EXPECT_EQ(third.path(), tmp / "runs" / "dqn-20240307-090502-3");
  EXPECT_TRUE(fs::is_directory(first.checkpoints_dir()));
  EXPECT_EQ(first.config_path(), first.path() / "config.toml");
  EXPECT_EQ(first.metrics_path(), first.path() / "metrics.csv");
  EXPECT_EQ(first.log_path(), first.path() / "log.txt");
  EXPECT_EQ(first.summary_path(), first.path() / "summary.json");
}

TEST(RunDirTest, RejectsNamesThatAreNotFolderNames) {
  testing::TempDir tmp;
  EXPECT_THROW(RunDir::create_named(tmp.path(), "", std::chrono::system_clock::now()), Error);
  EXPECT_THROW(RunDir::create_named(tmp.path(), "a/b", std::chrono::system_clock::now()), Error);
}

TEST(RunDirTest, ExplicitOutIsCreatedAndUsedAsIs) {
  testing::TempDir tmp;
  const RunDir run = RunDir::create_at(tmp / "deep" / "out");
  EXPECT_EQ(run.path(), tmp / "deep" / "out");
  EXPECT_TRUE(fs::is_directory(run.checkpoints_dir()));
}

TEST(RunDirTest, ExplicitOutHoldingARunIsAnError) {
  testing::TempDir tmp;
  {
    const RunDir run = RunDir::create_at(tmp / "out");
    run.write_config("[run]\nseed = 1\n");
  }
  try {
    RunDir::create_at(tmp / "out");
    FAIL() << "expected valor::Error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr((tmp / "out").string()));
    EXPECT_THAT(e.what(), HasSubstr("resume"));
    EXPECT_THAT(e.what(), HasSubstr("another --out"));
  }
  EXPECT_EQ(read_file(tmp / "out" / "config.toml"), "[run]\nseed = 1\n");
}

TEST(RunDirTest, OpenAcceptsARunAndRejectsOtherFolders) {
  testing::TempDir tmp;
  {
    const RunDir run = RunDir::create_at(tmp / "run");
    run.write_config("x = 1\n");
  }
  EXPECT_EQ(RunDir::open(tmp / "run").path(), tmp / "run");
  fs::create_directory(tmp / "not-a-run");
  try {
    RunDir::open(tmp / "not-a-run");
    FAIL() << "expected valor::Error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("config.toml"));
    EXPECT_THAT(e.what(), HasSubstr("not-a-run"));
  }
  EXPECT_THROW(RunDir::open(tmp / "missing"), Error);
}

TEST(RunDirTest, WritesConfigAndPrettySummaryAtomically) {
  testing::TempDir tmp;
  const RunDir run = RunDir::create_at(tmp / "run");
  run.write_config("[agent]\nlr = 0.001\n");
  run.write_summary(nlohmann::json{{"return", 1.5}, {"steps", 100}});
  EXPECT_EQ(read_file(run.config_path()), "[agent]\nlr = 0.001\n");
  EXPECT_EQ(read_file(run.summary_path()), "{\n  \"return\": 1.5,\n  \"steps\": 100\n}\n");
  run.write_summary(nlohmann::json{{"return", 2.0}});
  EXPECT_EQ(nlohmann::json::parse(read_file(run.summary_path()))["return"], 2.0);
  for (const auto& entry : fs::directory_iterator(run.path())) {
    EXPECT_THAT(entry.path().filename().string(), ::testing::Not(HasSubstr(".tmp")));
  }
}

TEST(RunDirTest, LogIsFlushedPerMessageAndAppendsOnResume) {
  testing::TempDir tmp;
  {
    RunDir run = RunDir::create_at(tmp / "run");
    run.write_config("x = 1\n");
    run.logger()->info("first {}", 1);
    // Flushed without closing: the file already holds the message.
    EXPECT_THAT(read_file(run.log_path()), HasSubstr("[info] first 1"));
  }
  const RunDir resumed = RunDir::open(tmp / "run");
  resumed.logger()->warn("second");
  const std::string log = read_file(resumed.log_path());
  EXPECT_THAT(log, HasSubstr("[info] first 1"));
  EXPECT_THAT(log, HasSubstr("[warning] second"));
  EXPECT_LT(log.find("first"), log.find("second"));
}

TEST(RunDirTest, LogCanBeMirroredToStderr) {
  testing::TempDir tmp;
  RunDir run = RunDir::create_at(tmp / "run");
  ::testing::internal::CaptureStderr();
  run.logger()->info("quiet");
  run.mirror_log_to_stderr(spdlog::level::info);
  run.logger()->info("loud");
  run.logger()->debug("below level");
  const std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_THAT(err, HasSubstr("loud"));
  EXPECT_THAT(err, ::testing::Not(HasSubstr("quiet")));
  EXPECT_THAT(err, ::testing::Not(HasSubstr("below level")));
  EXPECT_THAT(read_file(run.log_path()), HasSubstr("below level"));
}

}  // namespace
}  // namespace valor::run
