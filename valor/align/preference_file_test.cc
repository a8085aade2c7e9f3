// Preference pairs as JSONL: a round trip keeps every pair, and each malformed line is an error
// naming file:line.
#include "valor/align/preference_file.h"

#include <gtest/gtest.h>

#include <fstream>

#include "valor/core/error.h"
#include "valor/run/testing_temp_dir.h"

namespace valor::align {
namespace {

const SequenceShape kShape{3, 5, 2};

std::string error_reading(const std::string& text) {
  run::testing::TempDir tmp;
  const auto path = tmp / "pairs.jsonl";
  std::ofstream(path) << text;
  try {
    read_preferences_jsonl(path, kShape);
  } catch (const Error& e) {
    return std::string(e.what()).substr(path.string().size());
  }
  return "";
}

TEST(PreferenceFile, RoundTripPutsTheChosenFirst) {
  PreferenceData data;
  data.length = 2;
  data.prompts = {0, 2, 1};
  data.a = {1, 2, 3, 4, 0, 0};
  data.b = {2, 1, 4, 3, 4, 4};
  data.outcome = {1.0f, 0.0f, 0.5f};
  run::testing::TempDir tmp;
  write_preferences_jsonl(tmp / "p.jsonl", data);
  const PreferenceData back = read_preferences_jsonl(tmp / "p.jsonl", kShape);
  EXPECT_EQ(back.prompts, data.prompts);
  EXPECT_EQ(back.a, (std::vector<uint8_t>{1, 2, 4, 3, 0, 0}));
  EXPECT_EQ(back.b, (std::vector<uint8_t>{2, 1, 3, 4, 4, 4}));
  EXPECT_EQ(back.outcome, (std::vector<float>{1.0f, 1.0f, 0.5f}));
}

TEST(PreferenceFile, ErrorsNameTheLine) {
  const std::string good = "{\"prompt\": 0, \"chosen\": [1, 2], \"rejected\": [2, 1]}\n";
  EXPECT_EQ(error_reading(good + "\n" + good), "");
  EXPECT_EQ(error_reading(""), ": no preference pairs");
  EXPECT_EQ(error_reading("\n  \n"), ": no preference pairs");
  EXPECT_EQ(error_reading(good + "{\"prompt\": 1, \"chosen\": [3, 3], \"rejected\": [3, 3]}\n"),
            ":2: contradictory pair: the chosen response is the rejected one");
  EXPECT_EQ(error_reading("{\"prompt\": 3, \"chosen\": [1, 2], \"rejected\": [2, 1]}"),
            ":1: \"prompt\" must be an integer from 0 to 2 (task.prompts - 1)");
  EXPECT_EQ(error_reading("{\"prompt\": 0, \"chosen\": [1, 5], \"rejected\": [2, 1]}"),
            ":1: \"chosen\" holds 5; tokens are integers from 0 to 4 (task.vocab - 1)");
  EXPECT_EQ(error_reading("{\"prompt\": 0, \"chosen\": [1, 2], \"rejected\": [2]}"),
            ":1: \"rejected\" has 1 tokens; task.length is 2");
  EXPECT_EQ(error_reading("{\"prompt\": 0, \"chosen\": [1, 2]}"),
            ":1: \"rejected\" must be an array of 2 tokens");
  EXPECT_EQ(error_reading("[1, 2]"),
            ":1: expected an object {\"prompt\", \"chosen\", \"rejected\"}");
  EXPECT_EQ(error_reading(good + "{\"prompt\": 0,").substr(0, 12), ":2: not JSON");
  EXPECT_EQ(error_reading("{\"prompt\": 0, \"chosen\": [1, 2], \"rejected\": [2, 1], \"tie\": 1}"),
            ":1: \"tie\" must be true or false");
}

}  // namespace
}  // namespace valor::align
