// The align configuration: presets resolve, every key reaches the run's settings, and settings the
// schema accepts but the combination does not are errors naming the key.
#include "valor/align/config.h"

#include <gtest/gtest.h>

#include "valor/core/error.h"

namespace valor::align {
namespace {

std::string error_of(const std::vector<std::string>& overrides,
                     const std::optional<std::string>& preset = "dpo") {
  try {
    align_run_spec(resolve_align_config(preset, std::nullopt, overrides));
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(AlignConfig, EveryPresetResolves) {
  ASSERT_FALSE(align_presets().empty());
  for (const auto& preset : align_presets()) {
    const AlignRunSpec spec =
        align_run_spec(resolve_align_config(std::string(preset.name), std::nullopt, {}));
    EXPECT_EQ(spec.train.method, preset.name) << preset.name;
  }
}

TEST(AlignConfig, KeysReachTheSpec) {
  const AlignRunSpec s = align_run_spec(resolve_align_config(
      "dpo", std::nullopt,
      {"task.prompts=3", "task.vocab=5", "task.length=2", "task.reference_hidden=8,8",
       "data.pairs=77", "data.label_noise=0.25", "proxy.members=3", "proxy.rule=uwo",
       "proxy.lambda=2.5", "proxy.hidden=32", "align.beta=0.3", "align.steps=12",
       "align.policy=tabular", "align.exact=true", "align.bon_n=1,3", "run.seed=9"}));
  EXPECT_EQ(s.task.shape.prompts, 3);
  EXPECT_EQ(s.task.shape.vocab, 5);
  EXPECT_EQ(s.task.shape.length, 2);
  EXPECT_EQ(s.task.reference_hidden, (std::vector<size_t>{8, 8}));
  EXPECT_EQ(s.data.pairs, 77u);
  EXPECT_DOUBLE_EQ(s.data.label_noise, 0.25);
  EXPECT_EQ(s.data.seed, 9u);
  EXPECT_EQ(s.proxy.members, 3u);
  EXPECT_EQ(s.proxy.rule, reward::EnsembleRule::kUncertaintyWeighted);
  EXPECT_DOUBLE_EQ(s.proxy.lambda, 2.5);
  EXPECT_EQ(s.proxy.mlp.hidden, (std::vector<size_t>{32}));
  EXPECT_EQ(s.proxy.mlp.seed, 9u);
  EXPECT_DOUBLE_EQ(s.train.method_options.beta, 0.3);
  EXPECT_EQ(s.train.steps, 12);
  EXPECT_EQ(s.train.policy, "tabular");
  EXPECT_TRUE(s.train.exact);
  EXPECT_EQ(s.train.seed, 9u);
  EXPECT_EQ(s.bon_n, (std::vector<int>{1, 3}));
}

TEST(AlignConfig, BadValuesNameTheKey) {
  EXPECT_NE(error_of({"align.beta=0"}).find("align.beta"), std::string::npos);
  EXPECT_NE(error_of({"align.beta=-0.5"}).find("align.beta"), std::string::npos);
  EXPECT_NE(error_of({"align.tau=0"}).find("align.tau"), std::string::npos);
  const std::string method = error_of({"align.method=dpoo"});
  EXPECT_NE(method.find("align.method"), std::string::npos) << method;
  EXPECT_NE(method.find("ipo"), std::string::npos) << method;
  EXPECT_NE(error_of({"align.bon_n=1,x"}).find("align.bon_n"), std::string::npos);
  EXPECT_NE(error_of({"align.bon_n=0"}).find("align.bon_n"), std::string::npos);
  EXPECT_NE(error_of({"task.reference_hidden=64,-1"}).find("task.reference_hidden"),
            std::string::npos);
  EXPECT_NE(error_of({"proxy.hidden="}).find("proxy.hidden"), std::string::npos);
  EXPECT_NE(error_of({"data.label_noise=0.5"}).find("data.label_noise"), std::string::npos);
  EXPECT_NE(error_of({"align.group_size=1"}).find("align.group_size"), std::string::npos);
  EXPECT_NE(error_of({}, "no-such").find("unknown align preset 'no-such'"), std::string::npos);
}

TEST(AlignConfig, EnumerationBeyondMemorySuggestsSampling) {
  const std::string e = error_of({"align.exact=true", "task.vocab=50", "task.length=8"});
  EXPECT_NE(e.find("align.exact"), std::string::npos) << e;
  EXPECT_NE(e.find("sampling mode"), std::string::npos) << e;
  // The same task trains in the sampling mode.
  EXPECT_EQ(error_of({"task.vocab=50", "task.length=8"}), "");
  const std::string tabular = error_of({"align.policy=tabular", "task.vocab=50", "task.length=8"});
  EXPECT_NE(tabular.find("align.policy = tabular"), std::string::npos) << tabular;
}

}  // namespace
}  // namespace valor::align
