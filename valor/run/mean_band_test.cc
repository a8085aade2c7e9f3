#include "valor/run/mean_band.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "valor/core/error.h"

namespace valor::run {
namespace {

using ::testing::DoubleNear;
using ::testing::ElementsAre;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

TEST(StudentTTest, MatchesReferenceQuantiles) {
  EXPECT_NEAR(student_t_975(1), 12.7062047, 1e-6);
  EXPECT_NEAR(student_t_975(2), 4.30265273, 1e-7);
  EXPECT_NEAR(student_t_975(9), 2.26215716, 1e-7);
  EXPECT_NEAR(student_t_975(30), 2.04227246, 1e-7);
  EXPECT_NEAR(student_t_975(31), 2.03951345, 2e-6);
  EXPECT_NEAR(student_t_975(40), 2.02107539, 1e-6);
  EXPECT_NEAR(student_t_975(100), 1.98397152, 1e-6);
  EXPECT_NEAR(student_t_975(1000000), 1.95996636, 1e-7);
}

TEST(MeanBandTest, SingleRunIsItsOwnLineWithoutBand) {
  const MeanBand band = aggregate_group({Series{"a", {2, 0, 1}, {20, 0, kNaN}}});
  EXPECT_THAT(band.x, ElementsAre(0, 2));  // sorted, NaN point dropped
  EXPECT_THAT(band.mean, ElementsAre(0, 20));
  EXPECT_EQ(band.lo, band.mean);
  EXPECT_EQ(band.hi, band.mean);
}

TEST(MeanBandTest, TwoRunsInterpolatedOntoTheUnionOfTheirSteps) {
  // Run a is interpolated at x=5 (value 5); run b has the point.
  const MeanBand band =
      aggregate_group({Series{"a", {0, 10}, {0, 10}}, Series{"b", {0, 5, 10}, {2, 4, 6}}});
  const double t1 = 12.70620474;
  EXPECT_THAT(band.x, ElementsAre(0, 5, 10));
  EXPECT_THAT(band.mean, ElementsAre(1, 4.5, 8));
  // half width = t(0.975, 1) * s / sqrt(2), s = |a - b| / sqrt(2)  =>  t * |a - b| / 2
  EXPECT_THAT(band.lo, ElementsAre(DoubleNear(1 - t1, 1e-6), DoubleNear(4.5 - t1 * 0.5, 1e-6),
                                   DoubleNear(8 - t1 * 2, 1e-6)));
  EXPECT_THAT(band.hi, ElementsAre(DoubleNear(1 + t1, 1e-6), DoubleNear(4.5 + t1 * 0.5, 1e-6),
                                   DoubleNear(8 + t1 * 2, 1e-6)));
}

TEST(MeanBandTest, ThreeRunsUseStudentTWithTwoDegreesOfFreedom) {
  const MeanBand band = aggregate_group(
      {Series{"a", {0, 1}, {1, 1}}, Series{"b", {0, 1}, {2, 2}}, Series{"c", {0, 1}, {3, 6}}});
  const double t2 = 4.30265273;
  ASSERT_EQ(band.x.size(), 2u);
  EXPECT_DOUBLE_EQ(band.mean[0], 2);
  EXPECT_NEAR(band.hi[0] - band.mean[0], t2 * 1.0 / std::sqrt(3.0), 1e-7);  // s = 1
  EXPECT_DOUBLE_EQ(band.mean[1], 3);
  EXPECT_NEAR(band.mean[1] - band.lo[1], t2 * std::sqrt(7.0) / std::sqrt(3.0), 1e-7);
}

TEST(MeanBandTest, GridCoversOnlyTheSharedRange) {
  const MeanBand band = aggregate_group(
      {Series{"a", {0, 4, 8, 10}, {0, 4, 8, 10}}, Series{"b", {2, 6, 20}, {4, 12, 40}}});
  EXPECT_THAT(band.x, ElementsAre(2, 4, 6, 8, 10));
  // a(x) = x, b(x) = 2x on the shared range, so the mean is 1.5x.
  EXPECT_THAT(band.mean,
              ElementsAre(DoubleNear(3, 1e-12), DoubleNear(6, 1e-12), DoubleNear(9, 1e-12),
                          DoubleNear(12, 1e-12), DoubleNear(15, 1e-12)));
}

TEST(MeanBandTest, NaNValuesAreSkippedAndInterpolatedOver) {
  const MeanBand band = aggregate_group(
      {Series{"a", {0, 5, 10}, {0, kNaN, 10}}, Series{"b", {0, 5, 10}, {0, 5, 10}}});
  EXPECT_THAT(band.x, ElementsAre(0, 5, 10));
  EXPECT_THAT(band.mean, ElementsAre(0, 5, 10));
  EXPECT_THAT(band.lo, ElementsAre(0, 5, 10));  // identical runs: zero width
}

TEST(MeanBandTest, RepeatedStepKeepsTheLaterValue) {
  const MeanBand band = aggregate_group({Series{"a", {0, 1, 1, 2}, {0, 100, 1, 2}}});
  EXPECT_THAT(band.x, ElementsAre(0, 1, 2));
  EXPECT_THAT(band.mean, ElementsAre(0, 1, 2));
}

TEST(MeanBandTest, LargeUnionIsResampledEvenly) {
  std::vector<double> xa, xb;
  for (int i = 0; i <= 10; ++i) xa.push_back(i);
  for (int i = 0; i < 10; ++i) xb.push_back(i + 0.5);
  const MeanBand band = aggregate_group({Series{"a", xa, xa}, Series{"b", xb, xb}}, 4);
  EXPECT_THAT(band.x, ElementsAre(0.5, 3.5, 6.5, 9.5));
  EXPECT_THAT(band.mean, ElementsAre(0.5, 3.5, 6.5, 9.5));
}

TEST(MeanBandTest, DisjointRangesAndEmptySeriesAreErrors) {
  EXPECT_THROW(aggregate_group({Series{"a", {0, 1}, {0, 1}}, Series{"b", {2, 3}, {0, 1}}}), Error);
  EXPECT_THROW(aggregate_group({Series{"a", {0, 1}, {kNaN, kNaN}}}), Error);
}

}  // namespace
}  // namespace valor::run
