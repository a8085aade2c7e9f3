#include "valor/dp/utility_expression.h"

#include <muParser.h>

#include "valor/core/error.h"

namespace valor::dp {
namespace {

constexpr std::string_view kAccepted =
    "write one expression in x, the return, e.g. -exp(-0.5*x) or min(x, 10) (numbers, x, + - * / "
    "^, comparisons, ?:, and functions such as exp, log, sqrt, abs, min, max)";

// The position of an assignment '=' (not part of ==, !=, <=, >=), or npos.
size_t assignment_at(std::string_view text) {
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '=') continue;
    const char before = i > 0 ? text[i - 1] : ' ';
    const char after = i + 1 < text.size() ? text[i + 1] : ' ';
    const bool comparison =
        after == '=' || before == '=' || before == '!' || before == '<' || before == '>';
    if (!comparison) return i;
  }
  return std::string_view::npos;
}

}  // namespace

struct UtilityExpression::Parser {
  mu::Parser parser;
  double x = 0.0;
};

UtilityExpression::UtilityExpression(std::string_view text)
    : text_(text), parser_(std::make_shared<Parser>()) {
  if (const size_t at = assignment_at(text); at != std::string_view::npos) {
    fail("utility '{}': '=' at position {} assigns to a variable; {}", text_, at + 1, kAccepted);
  }
  try {
    parser_->parser.DefineVar("x", &parser_->x);
    parser_->parser.SetExpr(text_);
    for (const auto& [name, address] : parser_->parser.GetUsedVar()) {
      if (name != "x") fail("utility '{}': unknown variable '{}'; {}", text_, name, kAccepted);
    }
    parser_->parser.Eval();
    if (parser_->parser.GetNumResults() != 1) {
      fail("utility '{}': {} comma-separated expressions; {}", text_,
           parser_->parser.GetNumResults(), kAccepted);
    }
  } catch (const mu::Parser::exception_type& e) {
    fail("utility '{}': {}; {}", text_, e.GetMsg(), kAccepted);
  }
}

double UtilityExpression::operator()(double x) const {
  parser_->x = x;
  return parser_->parser.Eval();
}

}  // namespace valor::dp
