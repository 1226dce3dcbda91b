// conv1d beyond the reference cases of tests/cases/sig_*: bit-identical results for any
// thread count on every path, the FFT path against the direct one on larger random
// problems, the fused epilogue in the plan, and the op's documentation.
#include "support/command.h"
#include "support/compare.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <utility>

namespace graphrun::testing {
namespace {

// Every path with several chunks per row and several FFT blocks per row, on a batch of 2.
std::string paths_graph(const std::string& dtype) {
  return "format: 1\n"
         "graph: conv1d_paths\n"
         "dtype: " + dtype + "\n"
         "nodes:\n"
         "  - {id: x, op: random, shape: [2, 6, 9000], dist: normal, seed: 7}\n"
         "  - {id: w, op: random, shape: [6, 3, 5], dist: normal, seed: 8}\n"
         "  - {id: wd, op: random, shape: [6, 1, 4], dist: normal, seed: 9}\n"
         "  - {id: wl, op: random, shape: [6, 3, 300], dist: normal, seed: 10}\n"
         "  - {id: wl1, op: random, shape: [6, 1, 300], dist: normal, seed: 12}\n"
         "  - {id: b, op: random, shape: [6], dist: normal, seed: 11}\n"
         "  - {id: general, op: conv1d, in: [x, w, b], groups: 2, stride: 2, dilation: 3, padding: 4, activation: silu}\n"
         "  - {id: depthwise, op: conv1d, in: [x, wd, b], groups: 6, padding: causal, activation: silu}\n"
         "  - {id: fft, op: conv1d, in: [x, wl, b], groups: 2, padding: same, algorithm: fft}\n"
         "  - {id: fft_strided, op: conv1d, in: [x, wl, b], groups: 2, stride: 3, dilation: 2, padding: causal, activation: silu, algorithm: fft}\n"
         "  - {id: direct_strided, op: conv1d, in: [x, wl, b], groups: 2, stride: 3, dilation: 2, padding: causal, activation: silu, algorithm: direct}\n"
         "  - {id: fft_same, op: conv1d, in: [x, wl], groups: 2, padding: same, algorithm: fft}\n"
         "  - {id: direct_same, op: conv1d, in: [x, wl], groups: 2, padding: same, algorithm: direct}\n"
         "  - {id: depthwise_long, op: conv1d, in: [x, wl1], groups: 6, dilation: 2, padding: 7}\n"
         "  - {id: fused, op: conv1d, in: [x, wd, b], groups: 6, padding: causal}\n"
         "  - {id: fused_out, op: expr, in: {y: fused}, expr: \"0.5 * y + tanh(y)\"}\n"
         "outputs: [general, depthwise, fft, fft_strided, direct_strided, fft_same, direct_same, depthwise_long, fused_out]\n";
}

const char* const kOutputs[] = {"general", "depthwise", "fft", "fft_strided", "direct_strided",
                                "fft_same", "direct_same", "depthwise_long", "fused_out"};

std::string write_graph(const TempDir& dir, const std::string& text) {
  const std::string path = dir.path() + "/g.yaml";
  std::ofstream(path) << text;
  return path;
}

std::map<std::string, io::HostArray> run_outputs(const std::string& graph, gr_dtype dtype,
                                                 const std::vector<std::string>& flags) {
  TempDir out;
  std::vector<std::string> args = {"run", graph, "-o", out.path(), "--quiet"};
  args.insert(args.end(), flags.begin(), flags.end());
  CommandResult r = run_graphrun(args);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::map<std::string, io::HostArray> got;
  for (const char* name : kOutputs) got[name] = io::read_tensor(out.path() + "/" + name + ".npy", dtype);
  return got;
}

double max_abs(const io::HostArray& a) {
  double m = 0;
  for (double v : a.f64) m = std::max(m, std::fabs(v));
  for (float v : a.f32) m = std::max(m, static_cast<double>(std::fabs(v)));
  return m;
}

class Conv1dPaths : public ::testing::TestWithParam<std::string> {};

TEST_P(Conv1dPaths, BitIdenticalForAnyThreadCount) {
  const gr_dtype dtype = GetParam() == "f64" ? GR_F64 : GR_F32;
  TempDir dir;
  const std::string graph = write_graph(dir, paths_graph(GetParam()));
  const auto one = run_outputs(graph, dtype, {"--threads", "1"});
  for (const char* threads : {"2", "3", "7"}) {
    const auto many = run_outputs(graph, dtype, {"--threads", threads});
    for (const char* name : kOutputs)
      EXPECT_TRUE(tensors_identical(many.at(name), one.at(name))) << name << " with --threads " << threads;
  }
}

TEST_P(Conv1dPaths, FftMatchesDirectToTheOutputScale) {
  const gr_dtype dtype = GetParam() == "f64" ? GR_F64 : GR_F32;
  const double tolerance = dtype == GR_F64 ? 1e-12 : 1e-5;
  TempDir dir;
  const auto got = run_outputs(write_graph(dir, paths_graph(GetParam())), dtype, {});
  for (auto [fft, direct] : {std::pair{"fft_strided", "direct_strided"}, std::pair{"fft_same", "direct_same"}}) {
    const io::HostArray& ref = got.at(direct);
    EXPECT_TRUE(tensors_close(got.at(fft), ref, tolerance, tolerance * max_abs(ref))) << fft << " vs " << direct;
  }
}

INSTANTIATE_TEST_SUITE_P(Dtypes, Conv1dPaths, ::testing::Values("f32", "f64"));

TEST(Conv1d, ElementwiseChainFoldsIntoTheOutputLoop) {
  TempDir dir;
  CommandResult r = run_graphrun({"explain", write_graph(dir, paths_graph("f32"))});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("fused (conv1d) + epilogue fused_out (expr)"), std::string::npos) << r.out;
}

TEST(Conv1d, OpDocumentsShapesPaddingAndAlgorithms) {
  CommandResult r = run_graphrun({"ops", "conv1d"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* text : {"torch.nn.functional.conv1d", "(L_out,) when C_out is 1", "causal", "same",
                           "valid", "silu", "auto|direct|fft", "groups"})
    EXPECT_NE(r.out.find(text), std::string::npos) << text << " missing from\n" << r.out;
}

}  // namespace
}  // namespace graphrun::testing
