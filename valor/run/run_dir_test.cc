#include "valor/run/run_dir.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <ctime>
#include <fstream>
#include <string>
#include <vector>

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
  const RunDir first = RunDir::create_named(tmp / "runs", "dqn", "x = 1\n", now);
  const RunDir second = RunDir::create_named(tmp / "runs", "dqn", "x = 1\n", now);
  const RunDir third = RunDir::create_named(tmp / "runs", "dqn", "x = 1\n", now);
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
  EXPECT_THROW(RunDir::create_named(tmp.path(), "", "", std::chrono::system_clock::now()), Error);
  EXPECT_THROW(RunDir::create_named(tmp.path(), "a/b", "", std::chrono::system_clock::now()),
               Error);
}

TEST(RunDirTest, ExplicitOutIsCreatedAndUsedAsIs) {
  testing::TempDir tmp;
  const RunDir run = RunDir::create_at(tmp / "deep" / "out", "x = 1\n");
  EXPECT_EQ(run.path(), tmp / "deep" / "out");
  EXPECT_TRUE(fs::is_directory(run.checkpoints_dir()));
  EXPECT_EQ(read_file(run.config_path()), "x = 1\n");
  // Nothing of the creation is left beside it.
  std::vector<std::string> beside;
  for (const auto& e : fs::directory_iterator(tmp / "deep")) {
    beside.push_back(e.path().filename().string());
  }
  EXPECT_EQ(beside, std::vector<std::string>{"out"});
}

TEST(RunDirTest, ExplicitOutHoldingARunIsAnError) {
  testing::TempDir tmp;
  { const RunDir run = RunDir::create_at(tmp / "out", "[run]\nseed = 1\n"); }
  try {
    RunDir::create_at(tmp / "out", "x = 2\n");
    FAIL() << "expected valor::Error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr((tmp / "out").string()));
    EXPECT_THAT(e.what(), HasSubstr("resume"));
    EXPECT_THAT(e.what(), HasSubstr("another --out"));
  }
  EXPECT_EQ(read_file(tmp / "out" / "config.toml"), "[run]\nseed = 1\n");
}

// What valor did not write is never overwritten: --out refuses a file and a folder holding
// anything but what an interrupted creation or a sweep leaves, which it reuses.
TEST(RunDirTest, ExplicitOutRefusesForeignFilesAndReusesLeftovers) {
  testing::TempDir tmp;
  write_file_atomically(tmp / "file", "data");
  EXPECT_THROW(RunDir::create_at(tmp / "file", "x = 1\n"), Error);
  EXPECT_EQ(read_file(tmp / "file"), "data");
  fs::create_directories(tmp / "mine");
  write_file_atomically(tmp / "mine" / "summary.json", "{}");
  try {
    RunDir::create_at(tmp / "mine", "x = 1\n");
    FAIL() << "expected valor::Error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("summary.json"));
  }
  EXPECT_FALSE(fs::exists(tmp / "mine" / "config.toml"));
  // A sweep's train.out, a log and an empty checkpoints/ (a creation killed half way).
  fs::create_directories(tmp / "left" / "checkpoints");
  write_file_atomically(tmp / "left" / "train.out", "output\n");
  write_file_atomically(tmp / "left" / "log.txt", "log\n");
  write_file_atomically(tmp / "left" / ".summary.json.tmp.1.2.3", "half");
  const RunDir run = RunDir::create_at(tmp / "left", "x = 2\n");
  EXPECT_EQ(read_file(run.config_path()), "x = 2\n");
  EXPECT_EQ(read_file(tmp / "left" / "train.out"), "output\n");
  EXPECT_FALSE(fs::exists(tmp / "left" / ".summary.json.tmp.1.2.3"));
}

// One writer per run: a second RunDir on the same folder (here, in the same process) is refused
// with the holder's process id until the first is gone.
TEST(RunDirTest, ARunFolderHasOneWriter) {
  testing::TempDir tmp;
  {
    const RunDir first = RunDir::create_at(tmp / "run", "x = 1\n");
    try {
      RunDir::open(tmp / "run");
      FAIL() << "expected valor::Error";
    } catch (const Error& e) {
      EXPECT_THAT(e.what(), HasSubstr("in use by another writer"));
      EXPECT_THAT(e.what(), HasSubstr("process " + std::to_string(::getpid())));
    }
  }
  EXPECT_NO_THROW(RunDir::open(tmp / "run"));
}

// A kill leaves temporary files of atomic writes; the next writer removes them.
TEST(RunDirTest, OpeningRemovesStaleTemporaryFiles) {
  testing::TempDir tmp;
  { const RunDir run = RunDir::create_at(tmp / "run", "x = 1\n"); }
  write_file_atomically(tmp / "run" / "checkpoints" / ".ckpt-00000100.bin.tmp.9.0.1", "half");
  write_file_atomically(tmp / "run" / ".summary.json.tmp.9.0.1", "half");
  write_file_atomically(tmp / "run" / "checkpoints" / "ckpt-00000050.bin", "kept");
  const RunDir run = RunDir::open(tmp / "run");
  EXPECT_FALSE(fs::exists(tmp / "run" / "checkpoints" / ".ckpt-00000100.bin.tmp.9.0.1"));
  EXPECT_FALSE(fs::exists(tmp / "run" / ".summary.json.tmp.9.0.1"));
  EXPECT_TRUE(fs::exists(tmp / "run" / "checkpoints" / "ckpt-00000050.bin"));
}

TEST(RunDirTest, OpenAcceptsARunAndRejectsOtherFolders) {
  testing::TempDir tmp;
  { const RunDir run = RunDir::create_at(tmp / "run", "x = 1\n"); }
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
  const RunDir run = RunDir::create_at(tmp / "run", "[agent]\nlr = 0.001\n");
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
    RunDir run = RunDir::create_at(tmp / "run", "x = 1\n");
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
  RunDir run = RunDir::create_at(tmp / "run", "x = 1\n");
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
