// generate_cuda_kernel: golden sources of three small groups (tests/cuda/golden/*.cu,
// reviewed by hand; GRAPHRUN_UPDATE_GOLDEN=1 rewrites them, then read the diff), each golden
// file also compiled by NVRTC so it cannot freeze a broken kernel; the launch description,
// exact constants, determinism and layout errors.
#include "cuda/nvrtc_check.h"

#include "expr/cuda_source.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>

namespace graphrun::cuda::testing {
namespace {

namespace fs = std::filesystem;

std::shared_ptr<const expr::Program> compile(const std::vector<std::string>& formulas,
                                             const std::vector<std::string>& vars) {
  std::vector<expr::AstPtr> asts;
  for (const std::string& f : formulas) asts.push_back(expr::parse(f, vars, {}));
  return expr::Program::compile(asts, vars);
}

struct GoldenCase {
  std::string name;
  std::vector<std::string> formulas, vars;
  gr_dtype dtype;
  expr::KernelLayout layout;
};

std::vector<GoldenCase> golden_cases() {
  return {
      // Contiguous: the float4 path, a tail of 3, a constant.
      {"silu_gate_f32", {"x * sigmoid(x) * (0.5 + exp(-y^2))"}, {"x", "y"}, GR_F32, {{1023}, {{1023}, {1023}}}},
      // Broadcast (2,1,4) x (3,1) in f64: the index math, no vector path.
      {"broadcast_pow_f64", {"pow(abs(x) + 1, y) + relu(x)"}, {"x", "y"}, GR_F64, {{2, 3, 4}, {{2, 1, 4}, {3, 1}}}},
      // Two outputs, a scalar operand read once, a constant that is not exact in binary.
      {"two_outputs_scalar_f64", {"x * s + 0.1", "maximum(x, s)"}, {"x", "s"}, GR_F64, {{6}, {{6}, {}}}},
  };
}

fs::path golden_path(const std::string& name) {
  return fs::path(GRAPHRUN_SOURCE_DIR) / "tests" / "cuda" / "golden" / (name + ".cu");
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

class GoldenKernel : public ::testing::TestWithParam<GoldenCase> {};

TEST_P(GoldenKernel, SourceMatchesGolden) {
  const GoldenCase& c = GetParam();
  const expr::KernelSource k = expr::generate_cuda_kernel(*compile(c.formulas, c.vars), c.dtype, c.layout);
  if (std::getenv("GRAPHRUN_UPDATE_GOLDEN")) std::ofstream(golden_path(c.name), std::ios::binary) << k.source;
  EXPECT_EQ(k.source, read_text(golden_path(c.name)));
}

TEST_P(GoldenKernel, GoldenCompilesWithNvrtc) {
  if (!GRAPHRUN_TEST_HAS_CUDA) GTEST_SKIP() << "built without CUDA (-DGRAPHRUN_CUDA=OFF): no NVRTC";
  const GoldenCase& c = GetParam();
  const std::string golden = read_text(golden_path(c.name));
  ASSERT_FALSE(golden.empty());
  const expr::KernelSource k = expr::generate_cuda_kernel(*compile(c.formulas, c.vars), c.dtype, c.layout);
  EXPECT_EQ(compile_and_check(golden, k.launch.kernel_name, c.name), static_cast<int>(std::size(kArchitectures)));
}

INSTANTIATE_TEST_SUITE_P(Groups, GoldenKernel, ::testing::ValuesIn(golden_cases()),
                         [](const ::testing::TestParamInfo<GoldenCase>& param) { return param.param.name; });

TEST(CudaSource, LaunchDescription) {
  const auto program = compile({"x + y", "x * y"}, {"x", "y"});
  const expr::KernelSource f32 = expr::generate_cuda_kernel(*program, GR_F32, {{4096}, {{4096}, {4096}}});
  EXPECT_EQ(f32.launch.parameters, (std::vector<std::string>{"in0", "in1", "out0", "out1"}));
  EXPECT_EQ(f32.launch.num_inputs, 2);
  EXPECT_EQ(f32.launch.num_outputs, 2);
  EXPECT_EQ(f32.launch.elements, 4096);
  EXPECT_EQ(f32.launch.vector_width, 4);
  EXPECT_EQ(f32.launch.block_size, 256);
  EXPECT_EQ(f32.launch.grid_size(1000), 4);  // 4096 / (256 * 4)
  EXPECT_EQ(f32.launch.grid_size(2), 2);
  EXPECT_NE(f32.source.find("extern \"C\" __global__ void __launch_bounds__(256, 4) " + f32.launch.kernel_name + "("),
            std::string::npos);
  const expr::KernelSource f64 = expr::generate_cuda_kernel(*program, GR_F64, {{4096}, {{4096}, {4096}}});
  EXPECT_EQ(f64.launch.vector_width, 2);
  EXPECT_EQ(f64.launch.grid_size(1000), 8);
  EXPECT_NE(f64.launch.kernel_name, f32.launch.kernel_name);
  const expr::KernelSource broadcast = expr::generate_cuda_kernel(*program, GR_F32, {{4, 5}, {{4, 1}, {5}}});
  EXPECT_EQ(broadcast.launch.vector_width, 1);
  EXPECT_EQ(broadcast.source.find("float4"), std::string::npos);
  const expr::KernelSource empty = expr::generate_cuda_kernel(*program, GR_F32, {{0, 3}, {{0, 3}, {3}}});
  EXPECT_EQ(empty.launch.grid_size(1000), 0);
}

TEST(CudaSource, DeterministicAndNamedByContent) {
  const auto a = compile({"exp(x) - 1"}, {"x"}), b = compile({"exp(x) - 1"}, {"x"});
  const expr::KernelSource ka = expr::generate_cuda_kernel(*a, GR_F64, {{10}, {{10}}});
  const expr::KernelSource kb = expr::generate_cuda_kernel(*b, GR_F64, {{10}, {{10}}});
  EXPECT_EQ(ka.source, kb.source);
  EXPECT_EQ(ka.launch.kernel_name.rfind("gr_ew_", 0), 0u);
  EXPECT_EQ(ka.launch.kernel_name.size(), 22u);
  EXPECT_NE(expr::generate_cuda_kernel(*a, GR_F64, {{11}, {{11}}}).launch.kernel_name, ka.launch.kernel_name);
}

// Constants are printed exactly: f64 as hex of the double, f32 of the double rounded to
// float (as the CPU evaluator rounds them), infinity and NaN by name.
TEST(CudaSource, ConstantsAreExact) {
  const auto program = compile({"x * 0.1 + 1e300 - 3"}, {"x"});
  const std::string f64 = expr::generate_cuda_kernel(*program, GR_F64, {{3}, {{3}}}).source;
  EXPECT_NE(f64.find("x0 * 0x1.999999999999ap-4"), std::string::npos) << f64;
  EXPECT_NE(f64.find("0x1.7e43c8800759cp+996"), std::string::npos) << f64;
  EXPECT_NE(f64.find(" - 0x1.8p+1;"), std::string::npos) << f64;
  const std::string f32 = expr::generate_cuda_kernel(*program, GR_F32, {{3}, {{3}}}).source;
  EXPECT_NE(f32.find("x0 * 0x1.99999ap-4f"), std::string::npos) << f32;
  EXPECT_NE(f32.find("ew::inf_f32()"), std::string::npos) << f32;  // 1e300 overflows float
  const auto negative = compile({"x * -2", "x - 1/0", "x + 0/0"}, {"x"});
  const std::string special = expr::generate_cuda_kernel(*negative, GR_F64, {{3}, {{3}}}).source;
  EXPECT_NE(special.find("(-0x1p+1)"), std::string::npos) << special;
  EXPECT_NE(special.find("x0 - ew::inf_f64()"), std::string::npos) << special;
  EXPECT_NE(special.find("x0 + ew::nan_f64()"), std::string::npos) << special;
}

TEST(CudaSource, RejectsLayoutsThatDoNotFit) {
  const auto program = compile({"x + y"}, {"x", "y"});
  EXPECT_THROW(expr::generate_cuda_kernel(*program, GR_F32, {{3}, {{3}}}), std::invalid_argument);
  EXPECT_THROW(expr::generate_cuda_kernel(*program, GR_F32, {{3}, {{4}, {3}}}), std::invalid_argument);
  EXPECT_THROW(expr::generate_cuda_kernel(*program, GR_F32, {{3}, {{1, 3}, {3}}}), std::invalid_argument);
  EXPECT_THROW(expr::generate_cuda_kernel(*program, static_cast<gr_dtype>(7), {{3}, {{3}, {3}}}), std::invalid_argument);
}

// The embedded header is the installed one, byte for byte.
TEST(CudaSource, EmbeddedHeaderIsTheInstalledOne) {
  const fs::path header = fs::path(GRAPHRUN_SOURCE_DIR) / "engine" / "include" / expr::kElementwiseMathHeaderName;
  EXPECT_EQ(std::string(expr::elementwise_math_header()), read_text(header));
}

}  // namespace
}  // namespace graphrun::cuda::testing
