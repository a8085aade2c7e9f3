#include "valor/run/sweep.h"

#include <gtest/gtest.h>

#include <string>

#include "valor/core/atomic_file.h"
#include "valor/run/checkpoint.h"
#include "valor/run/testing_temp_dir.h"

namespace valor::run {
namespace {

namespace fs = std::filesystem;

// A metrics.csv whose rows end at `last_frames`, logged every 10000 frames.
void write_metrics(const fs::path& run_dir, int64_t last_frames) {
  std::string text = "frames,episodes,train_return\n";
  for (int64_t f = 10000; f <= last_frames; f += 10000) {
    text += std::to_string(f) + ",1,2.5\n";
  }
  write_file_atomically(run_dir / "metrics.csv", text);
}

TEST(FramesDone, AnEmptyRunHasDoneNothingAndGetsNoCheckpointFolder) {
  testing::TempDir dir;
  EXPECT_EQ(frames_done(dir.path()), 0);
  EXPECT_FALSE(fs::exists(dir / "checkpoints"));
}

TEST(FramesDone, WithoutCheckpointsTheLastMetricsRowCounts) {
  testing::TempDir dir;
  write_metrics(dir.path(), 310000);
  EXPECT_EQ(frames_done(dir.path()), 310000);
}

TEST(FramesDone, ACheckpointPastTheLastRowIsWhereTheRunResumes) {
  // A run stopped at frame 315898: its last row is 310000, its newest checkpoint 315898.
  testing::TempDir dir;
  write_metrics(dir.path(), 310000);
  CheckpointStore store(dir / "checkpoints", 3);
  store.save(300000, Checkpoint{{"x", "1"}});
  store.save(315898, Checkpoint{{"x", "2"}});
  EXPECT_EQ(frames_done(dir.path()), 315898);
}

TEST(FramesDone, ARowPastTheNewestCheckpointCounts) {
  testing::TempDir dir;
  write_metrics(dir.path(), 310000);
  CheckpointStore(dir / "checkpoints", 1).save(300000, Checkpoint{{"x", "1"}});
  EXPECT_EQ(frames_done(dir.path()), 310000);
}

TEST(FramesDone, AnUnreadableMetricsFileCountsAsAbsent) {
  testing::TempDir dir;
  write_file_atomically(dir / "metrics.csv", "frames,episodes\n10000,not-a-number\n");
  EXPECT_EQ(frames_done(dir.path()), 0);
  CheckpointStore(dir / "checkpoints", 1).save(5000, Checkpoint{{"x", "1"}});
  EXPECT_EQ(frames_done(dir.path()), 5000);
}

}  // namespace
}  // namespace valor::run
