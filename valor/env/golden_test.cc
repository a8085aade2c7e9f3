#include "valor/env/golden.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "valor/core/error.h"
#include "valor/env/minatar.h"

namespace valor::env {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

const fs::path kGolden = VALOR_TESTDATA_DIR "/golden";
const fs::path kTestData = VALOR_SOURCE_DIR "/valor/env/testdata";

class MinAtarGoldenTest : public ::testing::TestWithParam<std::string> {};

// Every shared golden segment is reproduced exactly: observations, rewards, terminal flags and
// observations after reset.
TEST_P(MinAtarGoldenTest, SharedTracesReplayWithoutMismatch) {
  const GoldenReport report = check_golden_file(kGolden / "minatar" / (GetParam() + ".jsonl"));
  EXPECT_EQ(report.format, "minatar");
  EXPECT_EQ(report.trajectories, 6u);
  EXPECT_EQ(report.steps, 6u * 3000u);
  EXPECT_EQ(report.mismatches, 0u) << report.first_mismatch;
}

// Traces recorded from the original MinAtar with seeds the shared files do not use
// (tools/record-minatar-golden.py; one segment with sticky actions and ramping, one without).
TEST_P(MinAtarGoldenTest, UnseenSeedsReplayWithoutMismatch) {
  const GoldenReport report =
      check_golden_file(kTestData / ("minatar_" + GetParam() + "_unseen.jsonl"));
  EXPECT_EQ(report.trajectories, 2u);
  EXPECT_EQ(report.steps, 2u * 1500u);
  EXPECT_EQ(report.mismatches, 0u) << report.first_mismatch;
}

INSTANTIATE_TEST_SUITE_P(Games, MinAtarGoldenTest, ::testing::ValuesIn(minatar_game_names()),
                         [](const auto& info) { return info.param; });

class GoldenFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("valor_golden_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
            "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path write(const std::string& text) {
    const fs::path p = dir_ / "trace.jsonl";
    std::ofstream(p) << text;
    return p;
  }
  // The first line of a shared MinAtar file, for making edited copies.
  static std::string first_breakout_line() {
    std::ifstream in(kGolden / "minatar" / "breakout.jsonl");
    std::string line;
    std::getline(in, line);
    return line;
  }
  std::string error_of(const fs::path& p) {
    try {
      check_golden_file(p);
    } catch (const Error& e) {
      return e.what();
    }
    ADD_FAILURE() << "expected valor::Error";
    return "";
  }
  fs::path dir_;
};

TEST_F(GoldenFileTest, AnEditedObservationIsReportedAtItsStepAndField) {
  std::string line = first_breakout_line();
  // Step 0's observation: drop its first listed cell.
  const auto obs = line.find("\"obs\":[", line.find("\"steps\""));
  const auto comma = line.find(',', obs);
  line.erase(obs + 7, comma - obs - 6);
  const GoldenReport report = check_golden_file(write(line + "\n"));
  EXPECT_EQ(report.mismatches, 1u);
  EXPECT_THAT(report.first_mismatch, HasSubstr("trace.jsonl:1: step 0: field obs"));
  EXPECT_EQ(report.steps, 1u);  // the diverged trajectory stops there
}

TEST_F(GoldenFileTest, AnEditedRewardIsReported) {
  std::string line = first_breakout_line();
  const auto r = line.find("\"r\":0.0");
  line.replace(r, 7, "\"r\":1.0");
  const GoldenReport report = check_golden_file(write(line + "\n"));
  EXPECT_EQ(report.mismatches, 1u);
  EXPECT_THAT(report.first_mismatch, HasSubstr("field r: expected 1, got 0"));
}

TEST_F(GoldenFileTest, MalformedLinesNameTheLine) {
  const std::string good = first_breakout_line();
  EXPECT_THAT(error_of(write(good + "\n{not json\n")), HasSubstr("trace.jsonl:2: malformed"));
  EXPECT_THAT(error_of(write("{\"game\":\"breakout\"}\n")),
              AllOf(HasSubstr("trace.jsonl:1"), HasSubstr("missing field")));
  EXPECT_THAT(error_of(write("{\"something\":1}\n")), HasSubstr("not a golden trajectory"));
  EXPECT_THAT(error_of(write("\n\n")), HasSubstr("holds no trajectories"));
  EXPECT_THAT(error_of(dir_ / "missing.jsonl"), HasSubstr("cannot read"));
  std::string bad_game = good;
  bad_game.replace(bad_game.find("breakout"), 8, "pong");
  EXPECT_THAT(error_of(write(bad_game + "\n")), HasSubstr("unknown MinAtar game 'pong'"));
}

// A value no recorder writes (a negative or fractional seed, a channel count no game has, a
// fractional action) is a malformed line (exit 2 from the CLI), not a mismatch (exit 1).
TEST_F(GoldenFileTest, ImpossibleValuesAreMalformedNotMismatches) {
  const std::string good = first_breakout_line();
  auto with = [&](const std::string& key, const std::string& value) {
    std::string line = good;
    const auto at = line.find("\"" + key + "\":");
    EXPECT_NE(at, std::string::npos) << key;
    const auto start = at + key.size() + 3;
    const auto end = line.find_first_of(",}", start);
    line.replace(start, end - start, value);
    return write(line + "\n");
  };
  EXPECT_THAT(error_of(with("seed", "-1")),
              AllOf(HasSubstr("trace.jsonl:1"), HasSubstr("field 'seed' must be an integer")));
  EXPECT_THAT(error_of(with("seed", "4294967296")), HasSubstr("field 'seed'"));
  EXPECT_THAT(error_of(with("seed", "1.5")), HasSubstr("field 'seed'"));
  EXPECT_THAT(error_of(with("channels", "1000000000")), HasSubstr("field 'channels'"));
  EXPECT_THAT(error_of(with("channels", "1e9")), HasSubstr("field 'channels'"));
  EXPECT_THAT(error_of(with("a", "0.5")), HasSubstr("field 'a'"));
  // A number too large for a double (found by fuzz/golden.cc) used to escape as a JSON exception.
  EXPECT_THAT(error_of(with("r", "0.4E56773757935")),
              AllOf(HasSubstr("trace.jsonl:1"), HasSubstr("malformed golden line")));
  // A cell index too large for an int (found by fuzz/golden.cc: undefined behaviour before).
  auto with_list = [&](const std::string& key, const std::string& list) {
    std::string line = good;
    const auto start = line.find("\"" + key + "\":[") + key.size() + 3;
    line.replace(start, line.find(']', start) + 1 - start, list);
    return write(line + "\n");
  };
  EXPECT_THAT(error_of(with_list("obs", "[1e300]")),
              HasSubstr("field 'obs' must list cell indices"));
  EXPECT_THAT(error_of(with_list("reset_obs", "[-3]")), HasSubstr("field 'reset_obs'"));
  // A plausible channel count that differs is still a mismatch.
  const GoldenReport report = check_golden_file(with("channels", "5"));
  EXPECT_EQ(report.mismatches, 1u);
  EXPECT_THAT(report.first_mismatch, HasSubstr("field channels"));
}

}  // namespace
}  // namespace valor::env
