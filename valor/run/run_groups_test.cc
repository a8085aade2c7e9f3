#include "valor/run/run_groups.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "valor/core/atomic_file.h"
#include "valor/core/error.h"
#include "valor/run/testing_temp_dir.h"

namespace valor::run {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

fs::path make_run(const testing::TempDir& tmp, const std::string& name, const std::string& toml) {
  const fs::path dir = tmp / name;
  fs::create_directories(dir);
  write_file_atomically(dir / "config.toml", toml);
  return dir;
}

TEST(RunGroupsTest, SeedsOfOneConfigFormOneGroupAndAnotherConfigItsOwn) {
  testing::TempDir tmp;
  const fs::path a1 = make_run(tmp, "a1",
                               "[run]\nseed = 1\nname = \"a1\"\nout = \"x\"\n"
                               "[agent]\nlr = 0.001\nlayers = [64, 64]\n");
  // Same config, other seed/name/out, other key order and number spelling.
  const fs::path a2 = make_run(tmp, "a2",
                               "agent.layers = [ 64, 0x40 ]\nagent.lr = 1e-3\n"
                               "[run]\nout = \"y\"\nname = \"a2\"\nseed = 2\n");
  const fs::path b = make_run(tmp, "b", "[run]\nseed = 1\n[agent]\nlr = 0.01\nlayers = [64, 64]\n");
  const std::vector<RunGroup> groups = group_runs({a1, b, a2});
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_THAT(groups[0].runs, ElementsAre(a1, a2));
  EXPECT_THAT(groups[1].runs, ElementsAre(b));
  EXPECT_EQ(groups[0].label, "agent.lr=0.001 (n=2)");
  EXPECT_EQ(groups[1].label, "agent.lr=0.01");
}

TEST(RunGroupsTest, IntegerAndFloatOfSameValueDiffer) {
  testing::TempDir tmp;
  const fs::path a = make_run(tmp, "a", "gamma = 1\n");
  const fs::path b = make_run(tmp, "b", "gamma = 1.0\n");
  const std::vector<RunGroup> groups = group_runs({a, b});
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_EQ(groups[0].label, "gamma=1");
  EXPECT_EQ(groups[1].label, "gamma=1.0");
}

TEST(RunGroupsTest, MissingKeyShowsAsUnset) {
  testing::TempDir tmp;
  const fs::path a = make_run(tmp, "a", "env = \"breakout\"\n[agent]\nn = 3\n");
  const fs::path b = make_run(tmp, "b", "env = \"breakout\"\n");
  const std::vector<RunGroup> groups = group_runs({a, b});
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_EQ(groups[0].label, "agent.n=3");
  EXPECT_EQ(groups[1].label, "agent.n=<unset>");
}

TEST(RunGroupsTest, OneGroupIsNamedAfterSharedRunNameOrFolder) {
  testing::TempDir tmp;
  const fs::path a = make_run(tmp, "dqn-20240101-000000", "[run]\nname = \"dqn\"\nseed = 1\n");
  const fs::path b = make_run(tmp, "dqn-20240101-000100", "[run]\nname = \"dqn\"\nseed = 2\n");
  EXPECT_EQ(group_runs({a, b}).at(0).label, "dqn (n=2)");
  const fs::path c = make_run(tmp, "lonely-run", "x = 1\n");
  EXPECT_EQ(group_runs({c / ""}).at(0).label, "lonely-run");
}

TEST(RunGroupsTest, BadConfigsAreUserErrorsNamingTheFile) {
  testing::TempDir tmp;
  fs::create_directories(tmp / "empty");
  EXPECT_THROW(group_runs({tmp / "empty"}), Error);
  const fs::path bad = make_run(tmp, "bad", "x = = 1\n");
  try {
    group_runs({bad});
    FAIL() << "expected valor::Error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr((bad / "config.toml").string() + ":1:"));
  }
}

}  // namespace
}  // namespace valor::run
