#include "valor/dp/utility_expression.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "valor/core/error.h"

namespace valor::dp {
namespace {

using ::testing::HasSubstr;

std::string error_of(const std::string& text) {
  try {
    UtilityExpression u(text);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(UtilityExpression, EvaluatesExpressionsInX) {
  const UtilityExpression u("-exp(-0.5*x)");
  EXPECT_DOUBLE_EQ(u(2.0), -std::exp(-1.0));
  EXPECT_DOUBLE_EQ(u(-4.0), -std::exp(2.0));
  EXPECT_DOUBLE_EQ(UtilityExpression("min(x, 10)")(12.0), 10.0);
  EXPECT_DOUBLE_EQ(UtilityExpression("x <= 3 ? 1 : 0")(4.0), 0.0);
  EXPECT_DOUBLE_EQ(UtilityExpression("x == 2")(2.0), 1.0);
  EXPECT_DOUBLE_EQ(UtilityExpression("x != 2")(2.0), 0.0);
  EXPECT_DOUBLE_EQ(UtilityExpression("x >= 2")(2.0), 1.0);
  EXPECT_DOUBLE_EQ(UtilityExpression("7")(123.0), 7.0);  // a constant is an expression in x too
  // Non-finite values are returned, not refused: whether they matter depends on where u is used.
  EXPECT_TRUE(std::isinf(UtilityExpression("log(x)")(0.0)));
  // Copies share the parser and agree.
  const UtilityExpression v = u;
  EXPECT_DOUBLE_EQ(v(2.0), u(2.0));
}

TEST(UtilityExpression, RefusesAssignmentsListsAndOtherNames) {
  // muparser itself accepts the first two: x=3 assigns (u would be 3 everywhere, and x changed),
  // x,x returns two results.
  EXPECT_THAT(error_of("x=3"), HasSubstr("'=' at position 2 assigns to a variable"));
  EXPECT_THAT(error_of("x+=1"), HasSubstr("assigns to a variable"));
  EXPECT_THAT(error_of("x,x"), HasSubstr("2 comma-separated expressions"));
  EXPECT_THAT(error_of("y+x"), HasSubstr("unknown variable 'y'"));
  EXPECT_THAT(error_of("X"), HasSubstr("unknown variable 'X'"));
  EXPECT_THAT(error_of("foo(x"), HasSubstr("utility 'foo(x'"));
  EXPECT_THAT(error_of(""), HasSubstr("utility ''"));
  EXPECT_THAT(error_of("x x"), HasSubstr("write one expression in x"));
  EXPECT_EQ(error_of("min(x, 1)"), "");
}

}  // namespace
}  // namespace valor::dp
