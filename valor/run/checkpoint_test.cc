#include "valor/run/checkpoint.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>

#include <sstream>

#include "valor/core/atomic_file.h"
#include "valor/core/error.h"
#include "valor/run/testing_temp_dir.h"

namespace valor::run {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

Checkpoint sample(uint64_t seed) {
  std::string weights;
  for (int i = 0; i < 1000; ++i) weights.push_back(static_cast<char>((i * 7 + seed) % 256));
  return Checkpoint{{"weights", weights},
                    {"zeros", std::string(17, '\0')},
                    {"empty", ""},
                    {std::string("bin\0name", 8), std::string("\0\xff\0", 3)}};
}

std::vector<std::string> names_in(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) {
    names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

TEST(CheckpointTest, RoundTripsBinaryBlobs) {
  testing::TempDir tmp;
  CheckpointStore store(tmp / "ckpt", 3);
  const fs::path written = store.save(42, sample(1));
  EXPECT_EQ(written, tmp / "ckpt" / "ckpt-000000000042.bin");
  EXPECT_EQ(store.load(42), sample(1));
  EXPECT_NE(store.load(42), sample(2));
  EXPECT_EQ(store.latest_step(), 42u);
  EXPECT_EQ(store.load(42).at("zeros"), std::string(17, '\0'));
}

TEST(CheckpointTest, EncodingFollowsTheDocumentedLayout) {
  const std::string bytes = encode_checkpoint(5, Checkpoint{{"ab", "xyz"}});
  const std::string body = std::string("VALORCKP") + std::string("\x01\0\0\0", 4) +
                           std::string("\x05\0\0\0\0\0\0\0", 8) +
                           std::string("\x01\0\0\0\0\0\0\0", 8) + std::string("\x02\0\0\0", 4) +
                           "ab" + std::string("\x03\0\0\0\0\0\0\0", 8) + "xyz";
  ASSERT_EQ(bytes.size(), body.size() + 8);
  EXPECT_EQ(bytes.substr(0, body.size()), body);
  const uint64_t checksum = fnv1a_64(body);
  for (int i = 0; i < 8; ++i) {
    EXPECT_EQ(static_cast<uint8_t>(bytes[body.size() + i]), (checksum >> (8 * i)) & 0xff);
  }
  EXPECT_EQ(fnv1a_64(""), 14695981039346656037ull);
  EXPECT_EQ(fnv1a_64("a"), 0xaf63dc4c8601ec8cull);  // published FNV-1a test vector
}

TEST(CheckpointTest, EmptyStoreHasNoLatestStep) {
  testing::TempDir tmp;
  CheckpointStore store(tmp / "ckpt", 1);
  EXPECT_EQ(store.latest_step(), std::nullopt);
  EXPECT_EQ(store.load_latest_valid(), std::nullopt);
  EXPECT_THROW(store.load(7), Error);
}

TEST(CheckpointTest, PruningKeepsExactlyTheLastK) {
  testing::TempDir tmp;
  CheckpointStore store(tmp.path(), 2);
  write_file_atomically(tmp / "notes.txt", "not a checkpoint");
  for (uint64_t step : {100ull, 200ull, 300ull, 1000000000000ull}) store.save(step, sample(step));
  EXPECT_THAT(store.steps(), ElementsAre(300u, 1000000000000u));
  EXPECT_THAT(names_in(tmp.path()),
              ElementsAre("ckpt-000000000300.bin", "ckpt-1000000000000.bin", "notes.txt"));
  EXPECT_EQ(store.latest_step(), 1000000000000u);
  EXPECT_EQ(store.load(300), sample(300));
}

TEST(CheckpointTest, KeepLastKMustBePositive) {
  testing::TempDir tmp;
  EXPECT_THROW(CheckpointStore(tmp.path(), 0), Error);
}

TEST(CheckpointTest, EveryCorruptedByteIsDetected) {
  testing::TempDir tmp;
  CheckpointStore store(tmp.path(), 1);
  const fs::path path = store.save(9, Checkpoint{{"q", "values"}, {"z", std::string(3, '\0')}});
  const std::string good = read_file(path);
  for (size_t i = 0; i < good.size(); ++i) {
    std::string bad = good;
    bad[i] = static_cast<char>(bad[i] ^ 0x10);
    write_file_atomically(path, bad);
    try {
      store.load(9);
      ADD_FAILURE() << "flipped byte " << i << " was not detected";
    } catch (const Error& e) {
      EXPECT_THAT(e.what(), HasSubstr(path.string()));
    }
  }
}

TEST(CheckpointTest, TruncatedFileIsDetected) {
  testing::TempDir tmp;
  CheckpointStore store(tmp.path(), 1);
  const fs::path path = store.save(9, sample(3));
  const std::string good = read_file(path);
  for (size_t size : {size_t{0}, size_t{7}, size_t{30}, good.size() / 2, good.size() - 1}) {
    write_file_atomically(path, good.substr(0, size));
    try {
      store.load(9);
      ADD_FAILURE() << "truncation to " << size << " bytes was not detected";
    } catch (const Error& e) {
      EXPECT_THAT(e.what(), HasSubstr(path.string()));
    }
  }
}

TEST(CheckpointTest, FileRenamedToAnotherStepIsRejected) {
  testing::TempDir tmp;
  CheckpointStore store(tmp.path(), 5);
  store.save(1, sample(1));
  fs::rename(store.path_for(1), store.path_for(2));
  EXPECT_THROW(store.load(2), Error);
}

TEST(CheckpointTest, LatestValidSkipsACorruptNewestFileAndLogsWhy) {
  testing::TempDir tmp;
  std::ostringstream log;
  auto logger = std::make_shared<spdlog::logger>(
      "test", std::make_shared<spdlog::sinks::ostream_sink_st>(log));
  CheckpointStore store(tmp.path(), 3, logger);
  store.save(10, sample(10));
  store.save(20, sample(20));
  const std::string good = read_file(store.path_for(20));
  write_file_atomically(store.path_for(20), good.substr(0, good.size() - 3));
  const auto latest = store.load_latest_valid();
  ASSERT_TRUE(latest.has_value());
  EXPECT_EQ(latest->first, 10u);
  EXPECT_EQ(latest->second, sample(10));
  EXPECT_THAT(log.str(), HasSubstr("ckpt-000000000020.bin"));

  write_file_atomically(store.path_for(10), "garbage");
  EXPECT_THROW(store.load_latest_valid(), Error);
}

}  // namespace
}  // namespace valor::run
