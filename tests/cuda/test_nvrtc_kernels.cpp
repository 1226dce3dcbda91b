// Every kernel graphrun generates for an elementwise op alone (f32 and f64; plain,
// broadcast and scalar operands) and for every fused group of the fusion golden graphs
// (tests/passes/fusion/*.yaml, after the passes) compiles with NVRTC for sm_80 and sm_90
// without spilling to local memory. NVRTC needs no GPU; skipped in a build without CUDA.
#include "cuda/nvrtc_check.h"

#include "driver/session.h"
#include "ir/fused_group.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>

namespace graphrun::cuda::testing {
namespace {

namespace fs = std::filesystem;

struct OpCase {
  std::string name, formula;
  int arity;
};

std::vector<OpCase> op_cases() {
  std::vector<OpCase> cases;
  for (const char* f : {"neg", "abs", "exp", "log", "sqrt", "square", "recip", "sin", "cos", "tanh", "sigmoid",
                        "relu", "silu", "softplus", "tan", "asin", "acos", "atan", "sinh", "cosh", "asinh",
                        "acosh", "atanh", "erf", "log1p", "expm1", "sign", "floor", "ceil", "round"})
    cases.push_back({f, std::string(f) + "(x)", 1});
  cases.push_back({"add", "x + y", 2});
  cases.push_back({"sub", "x - y", 2});
  cases.push_back({"mul", "x * y", 2});
  cases.push_back({"div", "x / y", 2});
  for (const char* f : {"pow", "maximum", "minimum", "max", "min", "atan2", "hypot", "fmod"})
    cases.push_back({f, std::string(f) + "(x, y)", 2});
  cases.push_back({"less", "x < y", 2});
  cases.push_back({"less_equal", "x <= y", 2});
  cases.push_back({"greater", "x > y", 2});
  cases.push_back({"greater_equal", "x >= y", 2});
  cases.push_back({"equal", "x == y", 2});
  cases.push_back({"not_equal", "x != y", 2});
  cases.push_back({"where", "where(x, y, z)", 3});
  cases.push_back({"clip", "clip(x, y, z)", 3});
  return cases;
}

using Layout = expr::KernelLayout;

// Unary: a vector (128-bit path and tail) and rank 0. Binary: same shapes, a broadcast
// (3,1) x (5,), a scalar second and a scalar first operand. Ternary: same shapes, a
// broadcast with a scalar, and scalar bounds.
std::vector<Layout> layouts(int arity) {
  if (arity == 1) return {{{1000}, {{1000}}}, {{}, {{}}}};
  if (arity == 3)
    return {{{1000}, {{1000}, {1000}, {1000}}}, {{3, 5}, {{3, 1}, {5}, {}}}, {{1000}, {{1000}, {}, {1}}},
            {{1000}, {{}, {1000}, {1000}}}};
  return {{{1000}, {{1000}, {1000}}}, {{3, 5}, {{3, 1}, {5}}}, {{1000}, {{1000}, {}}}, {{1000}, {{1}, {1000}}}};
}

class OpKernel : public ::testing::TestWithParam<OpCase> {};

TEST_P(OpKernel, CompilesWithoutSpills) {
  SKIP_WITHOUT_CUDA();
  const OpCase& c = GetParam();
  const std::vector<std::string> all_vars = {"x", "y", "z"};
  const std::vector<std::string> vars(all_vars.begin(), all_vars.begin() + c.arity);
  const expr::AstPtr ast = expr::parse(c.formula, vars, {});
  const auto program = expr::Program::compile(std::span<const expr::AstPtr>(&ast, 1), vars);
  int compiled = 0, expected = 0;
  for (gr_dtype dtype : {GR_F32, GR_F64})
    for (const Layout& layout : layouts(c.arity)) {
      const expr::KernelSource k = expr::generate_cuda_kernel(*program, dtype, layout);
      compiled += compile_and_check(k.source, k.launch.kernel_name, c.name);
      expected += static_cast<int>(std::size(kArchitectures));
    }
  EXPECT_EQ(expected, c.arity == 1 ? 8 : 16);
  EXPECT_EQ(compiled, expected);
}

INSTANTIATE_TEST_SUITE_P(Ops, OpKernel, ::testing::ValuesIn(op_cases()),
                         [](const ::testing::TestParamInfo<OpCase>& param) { return param.param.name; });

// Every language function has a case above (a new op must be added).
TEST(OpKernelList, CoversEveryFunction) {
  const auto cases = op_cases();
  for (std::string_view f : expr::function_names())
    EXPECT_TRUE(std::any_of(cases.begin(), cases.end(), [&](const OpCase& c) { return c.name == f; })) << f;
  EXPECT_EQ(cases.size(), 50u);
}

fs::path fusion_dir() { return fs::path(GRAPHRUN_SOURCE_DIR) / "tests" / "passes" / "fusion"; }

std::vector<std::string> fusion_graphs() {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(fusion_dir()))
    if (e.path().extension() == ".yaml") names.push_back(e.path().stem().string());
  std::sort(names.begin(), names.end());
  return names;
}

// Groups the golden file lists ("  id: member (op), ...").
int golden_group_count(const std::string& name) {
  std::ifstream in(fusion_dir() / (name + ".golden"));
  int groups = 0;
  for (std::string line; std::getline(in, line);)
    if (line.size() > 2 && line[0] == ' ' && line[1] == ' ' && line[2] != ' ') ++groups;
  return groups;
}

class FusionGroupKernel : public ::testing::TestWithParam<std::string> {};

TEST_P(FusionGroupKernel, EveryGroupCompilesWithoutSpills) {
  SKIP_WITHOUT_CUDA();
  Graph graph = load_graph((fusion_dir() / (GetParam() + ".yaml")).string(), {});
  run_passes(graph, {}, true);
  int groups = 0, compiled = 0;
  for (const Node& node : graph.nodes) {
    if (node.removed || node.kind != NodeKind::kFused) continue;
    expr::KernelLayout layout{node.output_shapes.at(0), {}};
    for (const ValueRef& in : node.inputs) layout.in_shapes.push_back(graph.nodes[in.node].output_shapes.at(in.port));
    for (gr_dtype dtype : {GR_F32, GR_F64}) {
      const expr::KernelSource k = expr::generate_cuda_kernel(*node.fused->program, dtype, layout);
      compiled += compile_and_check(k.source, k.launch.kernel_name, GetParam() + "_" + node.id);
    }
    ++groups;
  }
  EXPECT_GT(groups, 0);
  EXPECT_EQ(groups, golden_group_count(GetParam()));
  EXPECT_EQ(compiled, groups * 2 * static_cast<int>(std::size(kArchitectures)));
}

INSTANTIATE_TEST_SUITE_P(Graphs, FusionGroupKernel, ::testing::ValuesIn(fusion_graphs()),
                         [](const ::testing::TestParamInfo<std::string>& param) { return param.param; });

// A source NVRTC rejects is saved, and the error names the file and carries the log.
TEST(NvrtcCompiler, ErrorSavesTheSource) {
  SKIP_WITHOUT_CUDA();
  const std::string source = "extern \"C\" __global__ void broken(float* p) { p[0] = undeclared_name; }\n";
  try {
    compile_cuda_source(source, "broken.cu", {}, 90);
    FAIL() << "expected NvrtcCompileError";
  } catch (const NvrtcCompileError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find(e.source_file()), std::string::npos) << message;
    EXPECT_NE(message.find("undeclared_name"), std::string::npos) << message;
    std::ifstream saved(e.source_file());
    const std::string text((std::istreambuf_iterator<char>(saved)), std::istreambuf_iterator<char>());
    EXPECT_EQ(text, source);
    fs::remove(e.source_file());
  }
}

TEST(NvrtcCompiler, OptionsAndPtx) {
  SKIP_WITHOUT_CUDA();
  const std::vector<std::string> options = nvrtc_options(80);
  EXPECT_NE(std::find(options.begin(), options.end(), "--fmad=false"), options.end());
  EXPECT_NE(std::find(options.begin(), options.end(), "-arch=sm_80"), options.end());
  EXPECT_THROW(nvrtc_options(75), std::invalid_argument);
  const CompiledModule m = compile_cuda_source("extern \"C\" __global__ void k(float* p) { p[0] = 1.0f; }", "k.cu", {}, 90, true);
  EXPECT_NE(m.ptx.find(".entry k"), std::string::npos) << m.ptx;
  EXPECT_NE(m.ptx.find(".target sm_90"), std::string::npos);
}

}  // namespace
}  // namespace graphrun::cuda::testing
