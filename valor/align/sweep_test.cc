// align sweeps: the file's errors, the grid's expansion, the overoptimisation fits on curves of
// known coefficients, and a small sweep that resumes and reports.
#include "valor/align/sweep.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "valor/core/error.h"
#include "valor/run/testing_temp_dir.h"

namespace valor::align {
namespace {

std::string error_of(const std::string& text) {
  try {
    parse_align_sweep(text, "s.toml");
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(AlignSweep, FileErrorsNameTheKey) {
  EXPECT_NE(error_of("[sweep]\nseeds = 2\n").find("sweep.presets"), std::string::npos);
  EXPECT_NE(error_of("[sweep]\npresets = [\"nope\"]\nseeds = 1\n").find("unknown align preset"),
            std::string::npos);
  EXPECT_NE(error_of("[sweep]\npresets = [\"dpo\"]\n").find("seeds"), std::string::npos);
  EXPECT_NE(error_of("[sweep]\npresets = [\"dpo\"]\nseeds = 1\n[other]\n").find("[other]"),
            std::string::npos);
  EXPECT_NE(error_of("[sweep]\npresets = [\"dpo\"]\nseeds = 1\n[set]\n\"run.seed\" = 3\n")
                .find("set.run.seed cannot be set"),
            std::string::npos);
  const std::string bad_value =
      error_of("[sweep]\npresets = [\"dpo\"]\nseeds = 1\n[grid]\n\"align.beta\" = [0.1, -1]\n");
  EXPECT_NE(bad_value.find("cell dpo align.beta=-1"), std::string::npos) << bad_value;
  EXPECT_NE(bad_value.find("align.beta"), std::string::npos) << bad_value;
}

TEST(AlignSweep, GridExpandsEveryCombinationAndSeed) {
  const AlignSweepSpec spec = parse_align_sweep(
      "# two methods\n[sweep]\npresets = [\"dpo\", \"ipo\"]\nseeds = [3, 5]\n[grid]\n"
      "\"data.pairs\" = [100, 200]\n[set]\n\"align.steps\" = 7\n",
      "dir/study.toml");
  EXPECT_EQ(spec.name, "study");
  EXPECT_EQ(spec.description, "two methods");
  const auto runs = expand_align_sweep(spec, "out");
  ASSERT_EQ(runs.size(), 8u);
  EXPECT_EQ(runs[0].cell, "dpo data.pairs=100");
  EXPECT_EQ(runs[0].seed, 3);
  EXPECT_EQ(runs[1].seed, 5);
  EXPECT_EQ(runs[2].cell, "dpo data.pairs=200");
  EXPECT_EQ(runs[7].cell, "ipo data.pairs=200");
  EXPECT_EQ(runs[7].dir, std::filesystem::path("out/ipo__data.pairs=200/seed-5"));
  EXPECT_EQ(runs[0].overrides.front(), "align.steps=7");
}

TEST(AlignSweep, FitsRecoverKnownCoefficients) {
  std::vector<double> d, bon, rl;
  for (double x = 0.0; x <= 4.0; x += 0.25) {
    d.push_back(x);
    bon.push_back(x * (1.3 - 0.2 * x));
    rl.push_back(x > 0 ? x * (0.9 - 0.35 * std::log(x)) : 0.0);
  }
  const OveroptimisationFit b = fit_best_of_n_form(d, bon);
  EXPECT_NEAR(b.alpha, 1.3, 1e-10);
  EXPECT_NEAR(b.beta, 0.2, 1e-10);
  EXPECT_EQ(b.points, d.size() - 1);  // d = 0 carries no information
  const OveroptimisationFit r = fit_rl_form(d, rl);
  EXPECT_NEAR(r.alpha, 0.9, 1e-10);
  EXPECT_NEAR(r.beta, 0.35, 1e-10);
  EXPECT_TRUE(std::isnan(fit_rl_form({0.0, 1.0}, {0.0, 1.0}).alpha));
}

TEST(AlignSweep, RunsResumeAndReport) {
  run::testing::TempDir tmp;
  const AlignSweepSpec spec = parse_align_sweep(
      "[sweep]\npresets = [\"dpo\", \"bon\"]\nseeds = 2\n[set]\n\"data.pairs\" = 200\n"
      "\"proxy.epochs\" = 1\n\"task.pretrain_steps\" = 20\n\"align.steps\" = 10\n"
      "\"align.eval_every\" = 5\n\"align.bon_n\" = \"1,2,4\"\n",
      "tiny.toml");
  std::atomic<bool> stop{true};
  EXPECT_FALSE(run_align_sweep(spec, tmp / "out", nullptr, &stop));  // stops before any run
  EXPECT_FALSE(std::filesystem::exists(tmp / "out/dpo/seed-0/summary.json"));
  ASSERT_TRUE(run_align_sweep(spec, tmp / "out", nullptr, nullptr));
  for (const auto& r : expand_align_sweep(spec, tmp / "out")) {
    EXPECT_TRUE(std::filesystem::exists(r.dir / "summary.json")) << r.dir;
  }
  // A run without summary.json runs again; the finished ones are kept as they are.
  const auto kept = std::filesystem::last_write_time(tmp / "out/bon/seed-1/summary.json");
  std::filesystem::remove(tmp / "out/dpo/seed-1/summary.json");
  ASSERT_TRUE(run_align_sweep(spec, tmp / "out", nullptr, nullptr));
  EXPECT_TRUE(std::filesystem::exists(tmp / "out/dpo/seed-1/summary.json"));
  EXPECT_EQ(std::filesystem::last_write_time(tmp / "out/bon/seed-1/summary.json"), kept);
  std::ifstream in(tmp / "out/report.md");
  const std::string report((std::istreambuf_iterator<char>(in)), {});
  EXPECT_NE(report.find("| dpo | dpo | 2 |"), std::string::npos) << report;
  EXPECT_NE(report.find("| bon | d (alpha - beta d) |"), std::string::npos) << report;
}

}  // namespace
}  // namespace valor::align
