// Program::compile: common subexpressions, constant folding, numpy's special powers,
// register reuse; and what a plan leaves per tile when variables are scalars.
#include "expr/expr_test_support.h"
#include "expr/program_impl.h"
#include "expr/tile_plan.h"

#include <gtest/gtest.h>

namespace graphrun::expr {
namespace {

using testing::compile_one;

std::shared_ptr<const ProgramImpl> compile_many(const std::vector<std::string>& formulas,
                                                const std::vector<std::string>& vars) {
  std::vector<AstPtr> asts;
  for (const std::string& f : formulas) asts.push_back(parse(f, vars, {}));
  return std::static_pointer_cast<const ProgramImpl>(Program::compile(asts, vars));
}

const ProgramImpl& impl(const std::shared_ptr<const Program>& p) {
  return static_cast<const ProgramImpl&>(*p);
}

TEST(ExprCompile, CommonSubexpressionsAreComputedOnce) {
  const std::vector<std::string> xy = {"x", "y"};
  EXPECT_EQ(impl(compile_one("exp(x) + exp(x)", xy)).code().size(), 2u);
  EXPECT_EQ(impl(compile_one("(x + 1) * (x + 1)", xy)).code().size(), 2u);
  EXPECT_EQ(impl(compile_one("x*y + y*x", xy)).code().size(), 2u);  // commutative
  EXPECT_EQ(impl(compile_one("x - y + (y - x)", xy)).code().size(), 3u);  // not commutative
  EXPECT_EQ(impl(compile_one("sigmoid(x) * x + sigmoid(x)", xy)).code().size(), 3u);
  const auto two = compile_many({"exp(x) * 2", "exp(x) + 1"}, xy);
  EXPECT_EQ(two->code().size(), 3u);
  EXPECT_EQ(two->num_outputs(), 2);
}

TEST(ExprCompile, SharedSubtreesOfFusedAstsAreComputedOnce) {
  const AstPtr producer = parse("tanh(x) * y", {}, {});
  const AstPtr fused = substitute(parse("a * a + a", {}, {}), {{"a", producer}});
  const std::vector<std::string> vars = {"x", "y"};
  const auto program = Program::compile(std::span<const AstPtr>(&fused, 1), vars);
  EXPECT_EQ(impl(program).code().size(), 4u);  // tanh, mul, mul, add
}

TEST(ExprCompile, ConstantsFoldInDouble) {
  const auto p = compile_one("2 * 3 + x", {"x"});
  EXPECT_EQ(impl(p).disassemble(), "r0 = add(6, x0)\nout0 = r0\n");
  const auto q = compile_one("exp(0) - -(2)", {"x"});
  EXPECT_TRUE(impl(q).code().empty());
  EXPECT_EQ(impl(q).disassemble(), "out0 = 3\n");
  // Folding is not reassociation: (x + 1) + 2 keeps both additions, as numpy would.
  EXPECT_EQ(impl(compile_one("x + 1 + 2", {"x"})).code().size(), 2u);
}

TEST(ExprCompile, PowersNumpyComputesExactlyBecomeCheaperOperations) {
  const std::vector<std::string> x = {"x"};
  EXPECT_EQ(impl(compile_one("x^2", x)).disassemble(), "r0 = square(x0)\nout0 = r0\n");
  EXPECT_EQ(impl(compile_one("pow(x, 2)", x)).disassemble(), "r0 = square(x0)\nout0 = r0\n");
  EXPECT_EQ(impl(compile_one("x^0.5", x)).disassemble(), "r0 = sqrt(x0)\nout0 = r0\n");
  EXPECT_EQ(impl(compile_one("x^-1", x)).disassemble(), "r0 = recip(x0)\nout0 = r0\n");
  EXPECT_EQ(impl(compile_one("x^1", x)).disassemble(), "out0 = x0\n");
  EXPECT_EQ(impl(compile_one("x^0", x)).disassemble(), "out0 = 1\n");
  EXPECT_EQ(impl(compile_one("x^3", x)).disassemble(), "r0 = pow(x0, 3)\nout0 = r0\n");
  EXPECT_EQ(impl(compile_one("x^(1+1)", x)).disassemble(), "r0 = square(x0)\nout0 = r0\n");
}

TEST(ExprCompile, RegistersAreReusedOnceValuesDie) {
  EXPECT_EQ(impl(compile_one("exp(exp(exp(exp(x))))", {"x"})).num_registers(), 1);
  const auto bench = compile_one("silu(x)*tanh(x) + 0.5*exp(-x^2)", {"x"});
  EXPECT_EQ(impl(bench).num_registers(), 2);
  EXPECT_EQ(impl(bench).code().size(), 8u);
  // Outputs keep their registers: out0's value must survive the computation of out1.
  const auto two = compile_many({"exp(x)", "sin(cos(tanh(x)))"}, {"x"});
  EXPECT_NE(two->code()[0].reg, two->code().back().reg);
}

TEST(ExprCompile, UnknownAndDuplicateVariablesAreErrors) {
  const AstPtr ast = parse("x + q", {}, {});
  const std::vector<std::string> vars = {"x"};
  try {
    Program::compile(std::span<const AstPtr>(&ast, 1), vars);
    FAIL();
  } catch (const ExprError& e) {
    EXPECT_STREQ(e.what(), "unknown variable 'q'");
    EXPECT_EQ(e.offset(), 4);
  }
  const std::vector<std::string> twice = {"x", "x"};
  EXPECT_THROW(Program::compile(std::span<const AstPtr>(&ast, 1), twice), ExprError);
}

TEST(ExprCompile, ScalarVariablesAndConstantsCostNoPerTileWork) {
  const auto program = compile_one("exp(s) * x + sigmoid(s * 2) - 1", {"x", "s"});
  const float x = 1, s = 0.5f;
  const float* vars[] = {&x, &s};
  TilePlan<float> plan;
  const int32_t s_scalar[] = {0, 1};
  plan.build(impl(program), vars, s_scalar);
  EXPECT_EQ(plan.num_steps(), 3);  // mul, add, sub: exp, mul and sigmoid of s run once
  const int32_t all_scalar[] = {1, 1};
  plan.build(impl(program), vars, all_scalar);
  EXPECT_EQ(plan.num_steps(), 0);
}

TEST(ExprCompile, ProgramsReportVarsAndOutputs) {
  const auto program = compile_many({"x", "2", "y * x"}, {"x", "y", "unused"});
  EXPECT_EQ(program->num_vars(), 3);
  EXPECT_EQ(program->num_outputs(), 3);
  EXPECT_EQ(program->disassemble(), "r0 = mul(x0, x1)\nout0 = x0\nout1 = 2\nout2 = r0\n");
}

}  // namespace
}  // namespace graphrun::expr
