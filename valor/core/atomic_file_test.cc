#include "valor/core/atomic_file.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "valor/core/error.h"

namespace valor {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

class AtomicFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "valor-atomic-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override {
    fs::permissions(dir_, fs::perms::owner_all, fs::perm_options::add);
    fs::remove_all(dir_);
  }
  std::vector<std::string> names() const {
    std::vector<std::string> result;
    for (const auto& entry : fs::directory_iterator(dir_)) {
      result.push_back(entry.path().filename().string());
    }
    return result;
  }
  fs::path dir_;
};

TEST_F(AtomicFileTest, CreatesThenReplacesContentAndLeavesNoTempFiles) {
  const fs::path file = dir_ / "a.txt";
  write_file_atomically(file, "first version, longer than the second");
  EXPECT_EQ(read_file(file), "first version, longer than the second");
  write_file_atomically(file, "second");
  EXPECT_EQ(read_file(file), "second");
  EXPECT_THAT(names(), ::testing::ElementsAre("a.txt"));
}

TEST_F(AtomicFileTest, RoundTripsBinaryBytesIncludingZeros) {
  const fs::path file = dir_ / "blob.bin";
  std::string bytes;
  for (int i = 0; i < 70000; ++i) bytes.push_back(static_cast<char>(i % 256));
  write_file_atomically(file, bytes);
  EXPECT_EQ(read_file(file), bytes);
  write_file_atomically(file, "");
  EXPECT_EQ(read_file(file), "");
}

// Returns 0 when writing into the read-only folder `dir` threw naming it, else a failure code.
int write_into_read_only_folder(const fs::path& dir) {
  fs::permissions(dir, fs::perms::owner_read | fs::perms::owner_exec);
  try {
    write_file_atomically(dir / "a.txt", "new");
    return 1;
  } catch (const std::runtime_error& e) {
    const std::string message = e.what();
    if (message.find(dir.string()) == std::string::npos) return 2;
    if (message.find("Permission denied") == std::string::npos) return 3;
    return 0;
  }
}

TEST_F(AtomicFileTest, UnwritableFolderThrowsAndKeepsOldFile) {
  const fs::path file = dir_ / "a.txt";
  write_file_atomically(file, "old");
  if (::geteuid() != 0) {
    EXPECT_EQ(write_into_read_only_folder(dir_), 0);
  } else {
    // Root ignores folder permissions, so the attempt runs in a child that drops to `nobody`.
    constexpr uid_t kNobody = 65534;
    ASSERT_EQ(::chown(dir_.c_str(), kNobody, kNobody), 0);
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      if (::setgid(kNobody) != 0 || ::setuid(kNobody) != 0) ::_exit(77);
      ::_exit(write_into_read_only_folder(dir_));
    }
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFEXITED(status));
    if (WEXITSTATUS(status) == 77) GTEST_SKIP() << "cannot drop root privileges here";
    EXPECT_EQ(WEXITSTATUS(status), 0) << "1: no throw, 2: folder not named, 3: wrong errno";
  }
  fs::permissions(dir_, fs::perms::owner_all, fs::perm_options::add);
  EXPECT_EQ(read_file(file), "old");
  EXPECT_THAT(names(), ::testing::ElementsAre("a.txt"));
}

// A write that fails half way (file size limit) must remove the temp file and keep the old one.
TEST_F(AtomicFileTest, FailedWriteRemovesTempAndKeepsOldFile) {
  const fs::path file = dir_ / "a.txt";
  write_file_atomically(file, "old");
  rlimit old_limit{};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &old_limit), 0);
  auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
  rlimit small = old_limit;
  small.rlim_cur = 16;
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
  bool threw = false;
  try {
    write_file_atomically(file, std::string(1000, 'x'));
  } catch (const std::runtime_error& e) {
    threw = true;
    EXPECT_THAT(e.what(), HasSubstr("a.txt"));
    EXPECT_THAT(e.what(), HasSubstr("File too large"));
  }
  ::setrlimit(RLIMIT_FSIZE, &old_limit);
  std::signal(SIGXFSZ, old_handler);
  EXPECT_TRUE(threw);
  EXPECT_EQ(read_file(file), "old");
  EXPECT_THAT(names(), ::testing::ElementsAre("a.txt"));
}

TEST_F(AtomicFileTest, FailedRenameRemovesTempAndKeepsTarget) {
  const fs::path target = dir_ / "occupied";
  fs::create_directory(target);
  std::ofstream(target / "inside") << "keep me";
  EXPECT_THROW(write_file_atomically(target, "bytes"), std::runtime_error);
  EXPECT_TRUE(fs::is_directory(target));
  EXPECT_EQ(read_file(target / "inside"), "keep me");
  EXPECT_THAT(names(), ::testing::ElementsAre("occupied"));
}

TEST_F(AtomicFileTest, MissingFolderThrowsRuntimeError) {
  EXPECT_THROW(write_file_atomically(dir_ / "no" / "such" / "a.txt", "x"), std::runtime_error);
}

TEST_F(AtomicFileTest, ReadingMissingFileIsUserErrorNamingIt) {
  try {
    read_file(dir_ / "missing.toml");
    FAIL() << "expected valor::Error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("missing.toml"));
  }
}

}  // namespace
}  // namespace valor
