// Parser: precedence and associativity (as Python), literals, names and params, every error
// with its offset and message, "did you mean"; and the AST operations.
#include "expr/expr.h"
#include "expr/functions.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numbers>

namespace graphrun::expr {
namespace {

std::string text_of(const std::string& formula, std::vector<std::string> vars = {},
                    const std::map<std::string, double>& params = {}) {
  return to_string(parse(formula, vars, params));
}

struct ParseCase {
  const char* formula;
  const char* text;
};

TEST(ExprParse, PrecedenceAndAssociativityFollowPython) {
  const ParseCase cases[] = {
      {"1 + 2 * 3", "(1 + (2 * 3))"},
      {"a - b - c", "((a - b) - c)"},
      {"a / b * c", "((a / b) * c)"},
      {"a - b + c", "((a - b) + c)"},
      {"a ^ b ^ c", "(a ^ (b ^ c))"},
      {"-x^2", "(-(x ^ 2))"},
      {"-2^2", "(-(2 ^ 2))"},
      {"2^-1", "(2 ^ (-1))"},
      {"a^-b^c", "(a ^ (-(b ^ c)))"},
      {"-a * b", "((-a) * b)"},
      {"a * -b", "(a * (-b))"},
      {"--a", "(-(-a))"},
      {"+a", "a"},
      {"(a + b) * c", "((a + b) * c)"},
      {"a * (b + c) ^ 2", "(a * ((b + c) ^ 2))"},
      {"x**2", "(x ^ 2)"},
      {"pow(x, 2) + maximum(a, b)", "((x ^ 2) + maximum(a, b))"},
      {"exp(-x)", "exp((-x))"},
      {"minimum(sigmoid(x), relu(y - 1))", "minimum(sigmoid(x), relu((y - 1)))"},
      {" x\t+\n1 ", "(x + 1)"},
  };
  for (const ParseCase& c : cases) EXPECT_EQ(text_of(c.formula), c.text) << c.formula;
}

TEST(ExprParse, NumericLiterals) {
  EXPECT_EQ(text_of("1 + 2.5 + .5 + 1e-3 + 2E+4 + 3."),
            "(((((1 + 2.5) + 0.5) + 0.001) + 20000) + 3)");
  const AstPtr big = parse("1e999", {}, {});
  EXPECT_TRUE(std::isinf(big->value));
  EXPECT_EQ(parse("0.1", {}, {})->value, 0.1);
  EXPECT_EQ(parse("1e-400", {}, {})->value, 0.0);
}

TEST(ExprParse, EveryFunctionParsesWithItsArity) {
  const std::string args[] = {"", "(x)", "(x, y)", "(x, y, z)"};
  for (std::string_view name : function_names()) {
    const int n = find_function(name)->arity;
    const std::string formula = std::string(name) + args[n];
    const AstPtr ast = parse(formula, {}, {});
    EXPECT_EQ(ast->args.size(), name == "clip" ? 2u : static_cast<size_t>(n)) << formula;
  }
  EXPECT_EQ(function_names().size(), 40u);
}

TEST(ExprParse, ConstantsYieldToParamsAndInputsOfTheSameName) {
  EXPECT_EQ(parse("pi", {}, {})->value, std::numbers::pi);
  EXPECT_EQ(parse("e", {}, {})->value, std::numbers::e);
  EXPECT_TRUE(std::isinf(parse("inf", {}, {})->value));
  EXPECT_TRUE(std::isnan(parse("nan", {}, {})->value));
  EXPECT_EQ(text_of("2 * pi * -inf"), "((2 * 3.141592653589793) * (-inf))");
  // A graph's own `e` (a param) and an input named `pi` keep their meaning.
  EXPECT_EQ(parse("e", {}, {{"e", 0.25}})->value, 0.25);
  const std::vector<std::string> vars = {"pi", "x"};
  EXPECT_EQ(to_string(parse("pi * x + e", vars, {})), "((pi * x) + 2.718281828459045)");
}

TEST(ExprParse, ComparisonsBindLoosestAndWhereAndClipParse) {
  EXPECT_EQ(text_of("x < y + 1"), "(x < (y + 1))");
  EXPECT_EQ(text_of("where(x >= 0, x, -x) * 2"), "(where((x >= 0), x, (-x)) * 2)");
  EXPECT_EQ(text_of("(x == y) + (x != y) + (x <= 1) + (x > 2)"),
            "((((x == y) + (x != y)) + (x <= 1)) + (x > 2))");
  EXPECT_EQ(text_of("clip(x, 0, 1)"), "minimum(maximum(x, 0), 1)");
  EXPECT_EQ(text_of("max(x, y) - min(x, y)"), "(maximum(x, y) - minimum(x, y))");
  for (const char* formula : {"where(x < y, atan2(y, x), hypot(x, y))", "(x < 1) * nan + inf"}) {
    const std::string once = text_of(formula);
    EXPECT_EQ(text_of(once), once) << formula;
  }
}

TEST(ExprParse, ParamsBecomeConstantsAndVarsStayNames) {
  const std::vector<std::string> vars = {"x"};
  const std::map<std::string, double> params = {{"lambda", 5}, {"delta", 0.25}};
  EXPECT_EQ(text_of("lambda * x + delta", vars, params), "((5 * x) + 0.25)");
  EXPECT_EQ(text_of("-lambda", vars, {{"lambda", -2}}), "(-(-2))");
}

TEST(ExprParse, EmptyVarsAllowAnyName) {
  const AstPtr ast = parse("z + a * z + m_2", {}, {});
  EXPECT_EQ(variables(ast), (std::vector<std::string>{"a", "m_2", "z"}));
}

struct ErrorCase {
  const char* formula;
  int offset;
  const char* message;
};

TEST(ExprParse, ErrorsGiveOffsetAndMessage) {
  const std::vector<std::string> vars = {"x", "alpha", "beta"};
  const std::map<std::string, double> params = {{"lambda", 2}};
  const ErrorCase cases[] = {
      {"", 0, "empty formula"},
      {"   ", 0, "empty formula"},
      {"x + $", 4, "unexpected character '$'"},
      {"x # 2", 2, "unexpected character '#'"},
      {"(x + 1", 6, "expected ')' to close the '(' at offset 0, found end of the formula"},
      {"((x + 1) * 2", 12, "expected ')' to close the '(' at offset 0"},
      {"exp(x", 5, "expected ',' or ')' in the call of 'exp' opened at offset 3"},
      {"pow(x 2)", 6, "expected ',' or ')' in the call of 'pow'"},
      {"exq(x)", 0, "unknown function 'exq' (did you mean 'exp'?)"},
      {"x + sigmod(x)", 4, "unknown function 'sigmod' (did you mean 'sigmoid'?)"},
      {"lamda * x", 0, "unknown name 'lamda' (did you mean 'lambda'?)"},
      {"alhpa + beta", 0, "unknown name 'alhpa' (did you mean 'alpha'?)"},
      {"x + gamma_ray", 4, "unknown name 'gamma_ray'; known names are alpha, beta, lambda, x"},
      {"pow(x)", 0, "function 'pow' takes 2 arguments, got 1"},
      {"1 + exp(x, x)", 4, "function 'exp' takes 1 argument, got 2"},
      {"sin()", 0, "function 'sin' takes 1 argument, got 0"},
      {"x y", 2, "unexpected name 'y' after a complete expression (missing operator?)"},
      {"x + 1 2", 6, "unexpected number '2' after a complete expression"},
      {"x)", 1, "unmatched ')'"},
      {"x +", 3, "expected a number, a name or '(' after '+', found end of the formula"},
      {"* x", 0, "expected a number, a name or '(', found '*'"},
      {"x * / 2", 4, "expected a number, a name or '(' after '*', found '/'"},
      {"()", 1, "expected a number, a name or '(' after '(', found ')'"},
      {"2x", 1, "unexpected 'x' right after the number '2'"},
      {"1.5.2", 3, "unexpected '.' right after the number '1.5'"},
      {"1e+", 3, "malformed number '1e+': the exponent needs digits"},
      {"exp + 1", 0, "function 'exp' needs its arguments in parentheses: exp(...)"},
      {"x(2)", 0, "unknown function 'x'; the functions are neg, abs, exp"},
      {"x, 1", 1, "unexpected ',' after a complete expression"},
      // Misspelt functions: the suggestion takes the number of arguments into account.
      {"atn2(beta, x)", 0, "unknown function 'atn2' (did you mean 'atan2'?)"},
      {"tan2(beta, x)", 0, "unknown function 'tan2' (did you mean 'atan2'?)"},
      {"asn(x, beta)", 0, "unknown function 'asn' (did you mean 'asin'?)"},  // no 2-argument one is close
      {"x * tnah(x)", 4, "unknown function 'tnah' (did you mean 'tanh'?)"},
      {"mx(x, beta)", 0, "unknown function 'mx' (did you mean 'max'?)"},
      {"fmin(x, alpha)", 0, "unknown function 'fmin' (did you mean 'min'?)"},
      {"hypt(x, (x, beta))", 0, "unknown function 'hypt' (did you mean 'hypot'?)"},
      {"wher(x > 0, x, 0)", 0, "unknown function 'wher' (did you mean 'where'?)"},
      {"where(x, 1)", 0, "function 'where' takes 3 arguments, got 2"},
      {"1 + clip(x)", 4, "function 'clip' takes 3 arguments, got 1"},
      {"atan2(x)", 0, "function 'atan2' takes 2 arguments, got 1"},
      {"2 * pii", 4, "unknown name 'pii' (did you mean 'pi'?)"},
      {"x < 1 < 2", 6, "comparisons do not chain"},
      {"x = 1", 2, "unexpected '=' (to compare, write '==')"},
      {"x ! 1", 2, "unexpected '!' (to compare, write '!=')"},
      {"x <", 3, "expected a number, a name or '(' after '<', found end of the formula"},
  };
  for (const ErrorCase& c : cases) {
    try {
      parse(c.formula, vars, params);
      ADD_FAILURE() << "no error for '" << c.formula << "'";
    } catch (const ExprError& e) {
      EXPECT_EQ(e.offset(), c.offset) << c.formula << ": " << e.what();
      EXPECT_NE(std::string(e.what()).find(c.message), std::string::npos)
          << c.formula << ": got \"" << e.what() << "\", want \"" << c.message << "\"";
    }
  }
}

TEST(ExprParse, UnicodeMinusIsNamedInTheError) {
  try {
    parse("x \xE2\x88\x92 1", {}, {});
    FAIL();
  } catch (const ExprError& e) {
    EXPECT_EQ(e.offset(), 2);
    EXPECT_STREQ(e.what(), "unexpected character '\xE2\x88\x92'");
  }
}

TEST(ExprParse, DeepNestingIsAnErrorNotACrash) {
  const std::string deep = std::string(500, '(') + "x" + std::string(500, ')');
  EXPECT_THROW(parse(deep, {}, {}), ExprError);
  const std::string minuses = std::string(500, '-') + "x";
  EXPECT_THROW(parse(minuses, {}, {}), ExprError);
  const std::string ok = std::string(50, '(') + "x" + std::string(50, ')');
  EXPECT_EQ(to_string(parse(ok, {}, {})), "x");
}

TEST(ExprParse, AChainOfMoreThanAThousandOperationsIsAnErrorAtItsPlace) {
  auto chain = [](int terms, const char* op) {
    std::string f = "x";
    for (int i = 1; i < terms; ++i) f += std::string(" ") + op + " x";
    return f;
  };
  EXPECT_EQ(parse(chain(1000, "+"), {}, {})->depth, 1000);
  EXPECT_EQ(parse(chain(1000, "*"), {}, {})->depth, 1000);
  for (const char* op : {"+", "-", "*", "/"}) {
    try {
      parse(chain(1001, op), {}, {});
      FAIL() << op;
    } catch (const ExprError& e) {
      EXPECT_EQ(e.offset(), 4 * 1000 - 2) << op;  // the 1000th operator
      EXPECT_STREQ(e.what(), "formula too long: more than 1000 operations in one chain; split it over several expr nodes");
    }
  }
}

TEST(ExprParse, NodesRememberTheirOffsets) {
  const AstPtr ast = parse("a + exp(b)", {}, {});
  EXPECT_EQ(ast->offset, 2);
  EXPECT_EQ(ast->args[0]->offset, 0);
  EXPECT_EQ(ast->args[1]->offset, 4);
  EXPECT_EQ(ast->args[1]->args[0]->offset, 8);
}

TEST(ExprAst, ToStringRoundTrips) {
  for (const char* formula : {"silu(x)*tanh(x) + 0.5*exp(-x^2)", "-x^2 + y", "2^-1 * x - y / 3",
                              "maximum(x, -1e-300) ^ -(y)", "a^b^c"}) {
    const std::string once = text_of(formula);
    EXPECT_EQ(text_of(once), once) << formula;
  }
  EXPECT_EQ(text_of("x * 1e+20"), "(x * 1e+20)");
}

TEST(ExprAst, ToStringOfNegativeConstantsIsParenthesized) {
  const AstPtr folded = substitute(parse("a ^ b", {}, {}), {{"a", parse("c", {}, {{"c", -2}})}});
  EXPECT_EQ(to_string(folded), "((-2) ^ b)");
}

TEST(ExprAst, SubstituteReplacesBoundVariables) {
  const AstPtr consumer = parse("a * b + a", {}, {});
  const AstPtr producer = parse("x + 1", {}, {});
  const AstPtr fused = substitute(consumer, {{"a", producer}});
  EXPECT_EQ(to_string(fused), "(((x + 1) * b) + (x + 1))");
  EXPECT_EQ(variables(fused), (std::vector<std::string>{"b", "x"}));
  // Both uses share the producer's node: fusion builds a DAG, not a copied tree.
  EXPECT_EQ(fused->args[0]->args[0], producer);
  EXPECT_EQ(fused->args[1], producer);
  // Unbound ASTs are returned as they are.
  EXPECT_EQ(substitute(consumer, {{"q", producer}}), consumer);
}

TEST(ExprAst, SubstituteOfLongChainsStaysLinear) {
  AstPtr chain = parse("x", {}, {});
  for (int i = 0; i < 60; ++i) chain = substitute(parse("v * v + v", {}, {}), {{"v", chain}});
  EXPECT_EQ(variables(chain), (std::vector<std::string>{"x"}));  // 3^60 paths, visited once each
}

TEST(ExprAst, VariablesAreSortedAndUnique) {
  EXPECT_EQ(variables(parse("z + a * z + m", {}, {})), (std::vector<std::string>{"a", "m", "z"}));
  EXPECT_TRUE(variables(parse("1 + 2", {}, {})).empty());
}

}  // namespace
}  // namespace graphrun::expr
