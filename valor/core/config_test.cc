#include "valor/core/config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "valor/core/error.h"

namespace valor {
namespace {

using ::testing::HasSubstr;

ConfigSchema test_schema() {
  ConfigSchema schema;
  schema.add_int("run.seed", 0, "Seed of every generator.", ConfigRange::at_least(0))
      .add_string("run.name", "", "Run name.")
      .add_float("value.v_min", -10.0, "Lowest atom.")
      .add_int("value.bins", 51, "Number of bins.", ConfigRange::at_least(2))
      .add_float("value.sigma_ratio", 0.75, "HL-Gauss sigma / bin width.",
                 ConfigRange::greater_than(0))
      .add_float("train.eps", 0.1, "Exploration.", ConfigRange::closed(0, 1))
      .add_bool("train.double_dqn", false, "Double DQN.")
      .add_string("train.head", "huber", "Value head.", {"huber", "mse", "c51"});
  return schema;
}

// Runs `f`, expecting a valor::Error, and returns its message.
template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected valor::Error";
  return "";
}

TEST(ConfigTest, DefaultsComeFromTheSchema) {
  Config config(test_schema());
  EXPECT_EQ(config.get_int("run.seed"), 0);
  EXPECT_EQ(config.get_float("value.sigma_ratio"), 0.75);
  EXPECT_EQ(config.get_string("train.head"), "huber");
  EXPECT_FALSE(config.get_bool("train.double_dqn"));
  EXPECT_EQ(config.origin("run.seed"), "default");
}

TEST(ConfigTest, TomlLayersOverrideAndRecordFileAndLine) {
  Config config(test_schema());
  config.merge_toml("[run]\nseed = 7\n\n[value]\nv_min = -3   # ints are fine for floats\n",
                    "preset.toml");
  config.merge_toml("value.bins = 101\ntrain.head = \"c51\"\n", "user.toml");
  EXPECT_EQ(config.get_int("run.seed"), 7);
  EXPECT_EQ(config.origin("run.seed"), "preset.toml:2");
  EXPECT_EQ(config.get_float("value.v_min"), -3.0);
  EXPECT_EQ(config.origin("value.v_min"), "preset.toml:5");
  EXPECT_EQ(config.get_int("value.bins"), 101);
  EXPECT_EQ(config.origin("train.head"), "user.toml:2");
}

TEST(ConfigTest, OverridesParseByType) {
  Config config(test_schema());
  config.apply_override("run.seed=12");
  config.apply_override(" value.sigma_ratio = 1.5e-1 ");
  config.apply_override("train.double_dqn=true");
  config.apply_override("train.head=\"mse\"");
  config.apply_override("run.name=breakout test");
  EXPECT_EQ(config.get_int("run.seed"), 12);
  EXPECT_DOUBLE_EQ(config.get_float("value.sigma_ratio"), 0.15);
  EXPECT_TRUE(config.get_bool("train.double_dqn"));
  EXPECT_EQ(config.get_string("train.head"), "mse");
  EXPECT_EQ(config.get_string("run.name"), "breakout test");
  EXPECT_EQ(config.origin("run.seed"), "--set run.seed=12");
  config.apply_override("run.seed=13", "the sweep");
  EXPECT_EQ(config.origin("run.seed"), "the sweep");
}

TEST(ConfigTest, UnknownOverrideKeyNamesItAndTheClosestKeys) {
  Config config(test_schema());
  const std::string message = error_of([&] { config.apply_override("no.such.key=1"); });
  EXPECT_THAT(message, HasSubstr("no.such.key"));
  EXPECT_THAT(message, HasSubstr("closest valid keys"));
  const std::string typo = error_of([&] { config.apply_override("value.binz=3"); });
  EXPECT_THAT(typo, HasSubstr("closest valid keys: value.bins"));
}

TEST(ConfigTest, UnknownFileKeyNamesFileAndLine) {
  Config config(test_schema());
  const std::string message =
      error_of([&] { config.merge_toml("[run]\nseed = 1\nsed = 2\n", "my.toml"); });
  EXPECT_THAT(message, HasSubstr("my.toml:3"));
  EXPECT_THAT(message, HasSubstr("run.sed"));
  EXPECT_THAT(message, HasSubstr("run.seed"));
}

TEST(ConfigTest, WrongTypesAreRejectedWithWhatIsAccepted) {
  Config config(test_schema());
  EXPECT_THAT(error_of([&] { config.merge_toml("[value]\nbins = 2.5\n", "a.toml"); }),
              AllOf(HasSubstr("a.toml:2"), HasSubstr("value.bins"), HasSubstr("integer")));
  EXPECT_THAT(error_of([&] { config.merge_toml("train.double_dqn = 1\n", "b.toml"); }),
              AllOf(HasSubstr("b.toml:1"), HasSubstr("true or false")));
  EXPECT_THAT(error_of([&] { config.merge_toml("run.name = 3\n", "c.toml"); }),
              HasSubstr("string"));
  EXPECT_THAT(error_of([&] { config.apply_override("run.seed=1.5"); }),
              AllOf(HasSubstr("run.seed"), HasSubstr("an integer >= 0")));
  EXPECT_THAT(error_of([&] { config.apply_override("train.double_dqn=yes"); }),
              HasSubstr("true or false"));
  EXPECT_THAT(error_of([&] { config.merge_toml("[value]\nbins = [1, 2]\n", "d.toml"); }),
              AllOf(HasSubstr("d.toml:2"), HasSubstr("array")));
}

TEST(ConfigTest, OutOfRangeValuesAreRejected) {
  Config config(test_schema());
  EXPECT_THAT(error_of([&] { config.apply_override("value.bins=1"); }),
              HasSubstr("an integer >= 2"));
  EXPECT_THAT(error_of([&] { config.apply_override("value.sigma_ratio=0"); }),
              HasSubstr("a finite number > 0"));
  EXPECT_THAT(error_of([&] { config.apply_override("train.eps=1.01"); }),
              HasSubstr("a finite number in [0, 1]"));
  EXPECT_THAT(error_of([&] { config.apply_override("value.v_min=inf"); }),
              HasSubstr("value.v_min"));
  EXPECT_THAT(error_of([&] { config.merge_toml("value.v_min = nan\n", "e.toml"); }),
              HasSubstr("e.toml:1"));
  EXPECT_THAT(error_of([&] { config.apply_override("train.head=qr"); }),
              HasSubstr("one of: huber, mse, c51"));
  // A rejected value leaves the previous one in place.
  EXPECT_EQ(config.get_int("value.bins"), 51);
}

TEST(ConfigTest, SyntaxErrorsNameFileLineAndColumn) {
  Config config(test_schema());
  EXPECT_THAT(error_of([&] { config.merge_toml("[run]\nseed = = 3\n", "bad.toml"); }),
              HasSubstr("bad.toml:2:"));
  EXPECT_THAT(error_of([&] { config.apply_override("run.seed"); }),
              HasSubstr("expected section.key=value"));
  EXPECT_THAT(error_of([&] { config.merge_toml("[nothing]\n", "f.toml"); }),
              HasSubstr("unknown section [nothing]"));
}

TEST(ConfigTest, MissingFileIsAnError) {
  Config config(test_schema());
  EXPECT_THAT(error_of([&] { config.merge_file("/nonexistent/valor.toml"); }),
              HasSubstr("/nonexistent/valor.toml"));
}

// A folder given as --config used to read as an empty file: the run trained on the defaults.
TEST(ConfigTest, DirectoryIsAnErrorNotAnEmptyConfig) {
  Config config(test_schema());
  const std::string dir = ::testing::TempDir();
  EXPECT_THAT(error_of([&] { config.merge_file(dir); }), HasSubstr("is a directory"));
}

TEST(ConfigTest, PrintedTomlRoundTripsWithDocsAndOrigins) {
  Config config(test_schema());
  config.apply_override("value.sigma_ratio=0.1");
  config.apply_override("value.v_min=-2");  // a float that prints without a decimal point
  config.apply_override("run.name=a \"quoted\" name");
  config.apply_override("train.head=c51");
  const std::string text = config.to_toml();
  EXPECT_THAT(text, HasSubstr("# HL-Gauss sigma / bin width. Accepted: a finite number > 0."));
  EXPECT_THAT(text, HasSubstr("sigma_ratio = 0.1  # set by --set value.sigma_ratio=0.1"));
  EXPECT_THAT(text, HasSubstr("[train]\n"));

  Config reloaded(test_schema());
  reloaded.merge_toml(text, "saved.toml");
  EXPECT_EQ(reloaded.to_toml(false), config.to_toml(false));
  EXPECT_EQ(reloaded.get_float("value.v_min"), -2.0);
  EXPECT_EQ(reloaded.get_string("run.name"), "a \"quoted\" name");
}

TEST(ConfigTest, EditDistance) {
  EXPECT_EQ(edit_distance("", ""), 0u);
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
  EXPECT_EQ(edit_distance("abc", ""), 3u);
  EXPECT_EQ(edit_distance("value.bins", "value.binz"), 1u);
}

}  // namespace
}  // namespace valor
