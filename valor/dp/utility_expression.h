// A utility function u(x) of the return x written as text, for `valor solve --objective
// utility:EXPR` and optimize_expected_utility. Parsed with muparser: numbers, x, the operators
// + - * / ^, comparisons (== != < <= > >=), && ||, the ternary c ? a : b, the constants _pi and
// _e, and muparser's functions (exp, log, log2, log10, ln, sqrt, abs, sign, rint, sin, cos, tan,
// ..., min, max, sum, avg of several arguments).
#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace valor::dp {

class UtilityExpression {
 public:
  // valor::Error, naming the expression and saying what is accepted, for: an empty expression, a
  // syntax error, an unknown function, a variable other than x, an assignment (x=3; muparser
  // would assign), several comma-separated expressions (x,x; muparser would return several
  // results). The expression is evaluated once here, at x = 0, to find the errors muparser only
  // reports on evaluation; that value may be non-finite.
  explicit UtilityExpression(std::string_view text);

  // u(x); may be non-finite (log(0), 1/0, exp(1000)): callers check. Not thread-safe: copies share
  // one parser.
  double operator()(double x) const;

  const std::string& text() const { return text_; }

 private:
  struct Parser;
  std::string text_;
  std::shared_ptr<Parser> parser_;
};

}  // namespace valor::dp
