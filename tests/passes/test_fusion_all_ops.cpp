// Fused and unfused runs agree for every elementwise op of SPEC §4, in f32 and f64, on
// random data: each op sits inside a small group (a producer before it, a consumer after).
#include "support/command.h"
#include "support/compare.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace graphrun::testing {
namespace {

namespace fs = std::filesystem;

const char* kUnary[] = {"neg", "abs", "exp", "log", "sqrt", "square", "recip", "sin", "cos",
                        "tanh", "sigmoid", "relu", "silu", "softplus"};
const char* kBinary[] = {"add", "sub", "mul", "div", "pow", "maximum", "minimum"};

std::string all_ops_graph(const std::string& dtype) {
  std::string g = "format: 1\ngraph: all_ops\ndtype: " + dtype +
                  "\nnodes:\n"
                  "  - {id: x, op: random, shape: [1000], low: 0.2, high: 3, seed: 11}\n"
                  "  - {id: y, op: random, shape: [3, 1000], dist: normal, seed: 12}\n";
  std::string outputs;
  for (const char* op : kUnary) {
    std::string id = std::string("u_") + op;
    g += "  - {id: " + id + "_in, op: scale, in: [y], a: 4, b: 0.5}\n";
    g += "  - {id: " + id + ", op: " + op + ", in: [" + id + "_in]}\n";
    g += "  - {id: " + id + "_out, op: mul, in: [" + id + ", x]}\n";
    outputs += (outputs.empty() ? "" : ", ") + id + "_out";
  }
  for (const char* op : kBinary) {
    std::string id = std::string("b_") + op;
    g += "  - {id: " + id + "_a, op: sqrt, in: [x]}\n";
    g += "  - {id: " + id + ", op: " + op + ", in: [" + id + "_a, y]}\n";
    g += "  - {id: " + id + "_out, op: expr, in: {v: " + id + "}, expr: \"v * 0.5 + 1\"}\n";
    outputs += ", " + id + "_out";
  }
  return g + "outputs: [" + outputs + "]\n";
}

class FusionAllOps : public ::testing::TestWithParam<std::string> {};

TEST_P(FusionAllOps, FusedEqualsUnfused) {
  const std::string dtype = GetParam();
  TempDir dir, fused, unfused;
  std::string graph = dir.path() + "/g.yaml";
  std::ofstream(graph) << all_ops_graph(dtype);
  CommandResult explain = run_graphrun({"explain", graph});
  ASSERT_EQ(explain.exit_code, 0) << explain.err;
  EXPECT_NE(explain.out.find("u_exp_out: u_exp_in (scale), u_exp (exp), u_exp_out (mul)"), std::string::npos)
      << explain.out;
  ASSERT_EQ(run_graphrun({"run", graph, "-o", fused.path()}).exit_code, 0);
  ASSERT_EQ(run_graphrun({"run", graph, "-o", unfused.path(), "--no-fuse"}).exit_code, 0);
  const gr_dtype t = dtype == "f64" ? GR_F64 : GR_F32;
  size_t compared = 0;
  for (const auto& e : fs::directory_iterator(unfused.path())) {
    io::HostArray a = io::read_tensor(e.path().string(), t);
    io::HostArray b = io::read_tensor((fs::path(fused.path()) / e.path().filename()).string(), t);
    EXPECT_TRUE(tensors_close(b, a, t == GR_F64 ? 1e-14 : 1e-6, 0)) << e.path().filename();
    ++compared;
  }
  EXPECT_EQ(compared, std::size(kUnary) + std::size(kBinary));
}

INSTANTIATE_TEST_SUITE_P(DTypes, FusionAllOps, ::testing::Values("f32", "f64"));

}  // namespace
}  // namespace graphrun::testing
