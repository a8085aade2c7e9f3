#include "valor/value/support.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

#include "valor/core/error.h"

namespace valor::value {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

template <typename F>
std::string error_message(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "no valor::Error thrown";
}

TEST(AtomSupportTest, AtomsAreEvenlySpacedWithExactEnds) {
  // D = (4 - -2)/(4 - 1) = 2, so the atoms are -2, 0, 2, 4.
  const AtomSupport support(-2.0, 4.0, 4);
  EXPECT_EQ(support.size(), 4u);
  EXPECT_DOUBLE_EQ(support.spacing(), 2.0);
  EXPECT_THAT(support.atoms(), ElementsAre(-2.0f, 0.0f, 2.0f, 4.0f));
  EXPECT_EQ(support.v_min(), -2.0f);
  EXPECT_EQ(support.v_max(), 4.0f);
}

TEST(AtomSupportTest, TwoAtomsAreTheBounds) {
  const AtomSupport support(-0.3, 0.7, 2);
  EXPECT_THAT(support.atoms(), ElementsAre(-0.3f, 0.7f));
  EXPECT_DOUBLE_EQ(support.spacing(), 1.0);
}

TEST(AtomSupportTest, C51DefaultSupport) {
  const AtomSupport support(-10.0, 10.0, 51);
  EXPECT_DOUBLE_EQ(support.spacing(), 0.4);
  EXPECT_EQ(support.atom(25), 0.0f);
  EXPECT_EQ(support.atom(50), 10.0f);
  for (std::size_t i = 0; i < support.size(); ++i) {
    EXPECT_FLOAT_EQ(support.atom(i), static_cast<float>(-10.0 + 0.4 * static_cast<double>(i)));
  }
}

TEST(BinSupportTest, EdgesAndCenters) {
  // w = (3 - -1)/4 = 1: edges -1, 0, 1, 2, 3; centers -0.5, 0.5, 1.5, 2.5.
  const BinSupport bins(-1.0, 3.0, 4);
  EXPECT_EQ(bins.size(), 4u);
  EXPECT_DOUBLE_EQ(bins.width(), 1.0);
  EXPECT_THAT(bins.edges(), ElementsAre(-1.0f, 0.0f, 1.0f, 2.0f, 3.0f));
  EXPECT_THAT(bins.centers(), ElementsAre(-0.5f, 0.5f, 1.5f, 2.5f));
}

TEST(SupportTest, TooFewPointsThrow) {
  for (int m : {1, 0, -5}) {
    EXPECT_THAT(error_message([&] { AtomSupport(0.0, 1.0, m); }),
                HasSubstr(fmt::format("m = {} atoms is too few; need m >= 2", m)));
    EXPECT_THAT(error_message([&] { BinSupport(0.0, 1.0, m); }),
                HasSubstr(fmt::format("m = {} bins is too few; need m >= 2", m)));
  }
}

TEST(SupportTest, EmptyOrReversedRangeThrows) {
  EXPECT_THAT(error_message([] { AtomSupport(1.0, 1.0, 11); }),
              HasSubstr("v_min = 1 must be less than v_max = 1"));
  EXPECT_THAT(error_message([] { AtomSupport(2.0, -2.0, 11); }),
              HasSubstr("v_min = 2 must be less than v_max = -2"));
  EXPECT_THAT(error_message([] { BinSupport(5.0, 4.0, 11); }),
              HasSubstr("v_min = 5 must be less than v_max = 4"));
}

TEST(SupportTest, NonFiniteBoundsThrow) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  EXPECT_THAT(error_message([&] { AtomSupport(nan, 1.0, 11); }),
              HasSubstr("v_min = nan is not a finite float"));
  EXPECT_THAT(error_message([&] { AtomSupport(0.0, inf, 11); }),
              HasSubstr("v_max = inf is not a finite float"));
  EXPECT_THAT(error_message([&] { BinSupport(-inf, 0.0, 11); }),
              HasSubstr("v_min = -inf is not a finite float"));
  // Finite as a double but not as a float.
  EXPECT_THAT(error_message([&] { AtomSupport(0.0, 1e39, 11); }),
              HasSubstr("v_max = 1e+39 is not a finite float"));
}

TEST(SupportTest, GridTooFineForFloatThrows) {
  // Spacing 1e-9 around 1 is below float resolution (1.2e-7).
  EXPECT_THAT(error_message([] { AtomSupport(1.0, 1.0 + 1e-7, 101); }),
              HasSubstr("too close to be distinct in float"));
  EXPECT_THAT(error_message([] { BinSupport(1.0, 1.0 + 1e-7, 100); }),
              HasSubstr("too close to be distinct in float"));
}

}  // namespace
}  // namespace valor::value
