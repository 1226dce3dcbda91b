// The same graph gives the same results on every SIMD target of this machine
// (GRAPHRUN_SIMD caps the target): to the bit between AVX-512 and AVX2, and between SSE4
// and the scalar fallback, for every op with SIMD kernels; to the bit across all targets
// for those without transcendental functions (lane sums and scans go by lane block, see
// plugins/sequence/lane_block.h); within a few ulp's effect otherwise (SLEEF with and
// without FMA).
#include "numerics/simd_targets.h"
#include "support/compare.h"

#include <gtest/gtest.h>

#include <map>
#include <ostream>

namespace graphrun::testing {
namespace {

struct TargetCase {
  const char* name;
  const char* nodes;
  std::vector<std::string> outputs;
  bool transcendental;  // uses exp, tanh, ...: SSE4 and the fallback may differ in the last bits
};

void PrintTo(const TargetCase& c, std::ostream* os) { *os << c.name; }

const TargetCase kCases[] = {
    {"expr",
     "  - {id: x, op: random, shape: [5000], seed: 1, low: -20, high: 20}\n"
     "  - {id: y, op: expr, in: {x: x}, expr: \"silu(x) * tanh(x) + 0.5 * exp(-x^2) + softplus(x) / (1 + abs(x))\"}\n",
     {"y"}, true},
    {"recurrence",
     "  - {id: b, op: random, shape: [3, 20000], seed: 2, low: -1, high: 1}\n"
     "  - {id: a, op: random, shape: [3, 20000], seed: 3, low: 0.9, high: 1}\n"
     "  - {id: ac, op: random, shape: [3, 1], seed: 4, low: 0.9, high: 1}\n"
     "  - {id: h, op: recurrence, in: [a, b]}\n"
     "  - {id: hc, op: recurrence, in: [ac, b]}\n",
     {"h", "hc"}, false},
    {"ssm",
     "  - {id: u, op: random, shape: [2, 8, 3000], seed: 5, low: -1, high: 1}\n"
     "  - {id: A, op: random, shape: [8, 37], seed: 6, low: -1, high: -0.01}\n"
     "  - {id: rec, op: ssm, in: {u: u, A: A, B: A, C: A}, dt: 0.1, mode: recurrent}\n"
     "  - {id: conv, op: ssm, in: {u: u, A: A, B: A, C: A}, dt: 0.1, mode: convolution}\n",
     {"rec:y", "rec:final", "conv:y", "conv:final"}, false},
    {"conv1d",
     "  - {id: x, op: random, shape: [2, 6, 3000], seed: 7, low: -1, high: 1}\n"
     "  - {id: w, op: random, shape: [4, 3, 5], seed: 8, low: -1, high: 1}\n"
     "  - {id: wd, op: random, shape: [6, 1, 4], seed: 9, low: -1, high: 1}\n"
     "  - {id: direct, op: conv1d, in: [x, w], groups: 2, padding: same}\n"
     "  - {id: depthwise, op: conv1d, in: [x, wd], groups: 6, padding: causal}\n"
     "  - {id: fft, op: conv1d, in: [x, w], groups: 2, algorithm: fft}\n",
     {"direct", "depthwise", "fft"}, false},
    {"conv1d_silu",
     "  - {id: x, op: random, shape: [2, 6, 3000], seed: 7, low: -1, high: 1}\n"
     "  - {id: w, op: random, shape: [4, 3, 5], seed: 8, low: -1, high: 1}\n"
     "  - {id: wd, op: random, shape: [6, 1, 4], seed: 9, low: -1, high: 1}\n"
     "  - {id: direct, op: conv1d, in: [x, w], groups: 2, padding: same, activation: silu}\n"
     "  - {id: depthwise, op: conv1d, in: [x, wd], groups: 6, padding: causal, activation: silu}\n",
     {"direct", "depthwise"}, true},
    {"selective_scan",
     "  - {id: u, op: random, shape: [2, 20, 700], seed: 10, low: -1, high: 1}\n"
     "  - {id: A, op: random, shape: [20, 21], seed: 11, low: -4, high: -0.1}\n"
     "  - {id: Bm, op: random, shape: [2, 21, 700], seed: 12, low: -1, high: 1}\n"
     "  - {id: s, op: selective_scan, in: {u: u, delta: u, A: A, Bm: Bm, Cm: Bm, z: u}, delta_softplus: true}\n",
     {"s:y", "s:final"}, true},
    {"rnn",
     "  - {id: x, op: random, shape: [5, 16, 300], seed: 13, low: -1, high: 1}\n"
     "  - {id: W_hh, op: random, shape: [40, 40], seed: 14, low: -0.1, high: 0.1}\n"
     "  - {id: W_xh, op: random, shape: [40, 16], seed: 15, low: -0.2, high: 0.2}\n"
     "  - {id: r, op: rnn, in: [x, W_hh, W_xh]}\n",
     {"r:out", "r:final"}, true},
    {"random_normal",  // SIMD log and cos in blocks of 256; 5003 ends inside a block
     "  - {id: z, op: random, shape: [5003], dist: normal, seed: 16, mean: 1, std: 2}\n",
     {"z"}, true},
};

class SimdTargets : public ::testing::TestWithParam<TargetCase> {};

TEST_P(SimdTargets, ResultsDoNotDependOnTheTarget) {
  const TargetCase& c = GetParam();
  const std::vector<std::string> targets = simd_targets_here();
  ASSERT_GE(targets.size(), 2u) << "no SIMD target on this CPU: nothing to compare";
  TempDir dir;
  for (const char* dtype : {"f32", "f64"}) {
    const gr_dtype dt = std::string(dtype) == "f64" ? GR_F64 : GR_F32;
    const std::string graph = write_graph(dir.path(), c.name, dtype, c.nodes, c.outputs);
    std::map<std::string, std::vector<io::HostArray>> got;
    for (const std::string& target : targets) {
      const std::string out = dir.path() + "/" + dtype + "_" + target;
      const CommandResult r = run_graphrun_on(target, {"run", graph, "-o", out, "--quiet"});
      ASSERT_EQ(r.exit_code, 0) << r.err;
      for (const auto& o : c.outputs) got[target].push_back(io::read_tensor(out + "/" + output_file(o), dt));
    }
    auto compare = [&](const std::string& a, const std::string& b, bool exact) {
      if (!got.count(a) || !got.count(b)) return;
      for (size_t k = 0; k < c.outputs.size(); ++k) {
        if (exact)
          EXPECT_TRUE(tensors_identical(got[a][k], got[b][k]))
              << dtype << " " << c.outputs[k] << ": " << a << " vs " << b;
        else
          EXPECT_TRUE(tensors_close(got[a][k], got[b][k], dt == GR_F64 ? 1e-12 : 1e-5, dt == GR_F64 ? 1e-14 : 1e-6))
              << dtype << " " << c.outputs[k] << ": " << a << " vs " << b;
      }
    };
    compare("avx512", "avx2", true);
    compare("sse4", "scalar", true);
    compare(targets.front(), "scalar", !c.transcendental);
  }
}

TEST(SimdTargetsEnvironment, AnUnknownTargetIsAUsageError) {
  TempDir dir;
  const std::string graph = write_graph(dir.path(), "one", "f32", "  - {id: x, op: constant, value: 1}\n", {"x"});
  const CommandResult r = run_graphrun_on("avx9", {"run", graph, "--quiet"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("GRAPHRUN_SIMD=avx9: expected avx512, avx2, sse4 or scalar"), std::string::npos) << r.err;
}

INSTANTIATE_TEST_SUITE_P(Ops, SimdTargets, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<TargetCase>& p) { return std::string(p.param.name); });

}  // namespace
}  // namespace graphrun::testing
