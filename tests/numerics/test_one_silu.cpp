// silu, softplus and exp have one implementation (graphrun/numerics): an expr formula,
// conv1d's fused silu (depthwise, direct and FFT paths) and selective_scan's gate, softplus
// of Δ and state decay give the same bits on the same inputs, f32 and f64, on every SIMD
// target of this machine. The one exception: selective_scan's f32 decay is its own cheaper
// 2^(Δ·A·log2 e) (plugins/sequence/decay-inl.h, most of the scan's work), held here to the
// op's tolerance instead. selective_scan is set up so that an output is exactly the
// function of its input: y = (⟨0, Cm⟩ + 1·1)·silu(z); final = softplus(Δ) after one step
// from 0 with Bm = u = 1; final = exp(1·x)·1 + 0 after a first step that sets the state to
// 1. conv1d's outputs with and without its silu are compared with expr silu of the plain
// output (the inputs hold no -0, which 0 + 1·x would turn into +0).
#include "numerics/simd_targets.h"
#include "support/compare.h"

#include <gtest/gtest.h>

#include <fstream>
#include <string>

namespace graphrun::testing {
namespace {

constexpr const char* kNodes = R"yaml(nodes:
  - {id: xs, op: linspace, start: -30, stop: 30, num: 6000}
  - {id: x, op: reshape, in: [xs], shape: [1, 1, 6000]}
  - {id: xd, op: reshape, in: [xs], shape: [1, 6000, 1]}
  - {id: silu_expr, op: expr, in: {x: x}, expr: "silu(x)"}
  - {id: softplus_expr, op: expr, in: {x: xd}, expr: "softplus(x)"}
  - {id: exp_expr, op: expr, in: {x: xd}, expr: "exp(x)"}

  - {id: one, op: constant, value: 1, shape: [1, 1, 6000]}
  - {id: zero, op: constant, value: 0, shape: [1, 1, 6000]}
  - {id: gate, op: selective_scan, in: {u: one, delta: one, A: a_gate, Bm: zero, Cm: zero, Dskip: d_gate, z: x}}
  - {id: a_gate, op: constant, value: 0, shape: [1, 1]}
  - {id: d_gate, op: constant, value: 1, shape: [1]}

  - {id: ones_d, op: constant, value: 1, shape: [1, 6000, 1]}
  - {id: zeros_a, op: constant, value: 0, shape: [6000, 1]}
  - {id: sp, op: selective_scan, in: {u: ones_d, delta: xd, A: zeros_a, Bm: b_sp, Cm: c_sp}, delta_softplus: true}
  - {id: b_sp, op: constant, value: 1, shape: [1, 1, 1]}
  - {id: c_sp, op: constant, value: 0, shape: [1, 1, 1]}

  - {id: delta_ex, op: concat, in: [ones_d, xd], axis: -1}
  - {id: u_ex, op: constant, value: 1, shape: [1, 6000, 2]}
  - {id: a_ex, op: constant, value: 1, shape: [6000, 1]}
  - {id: b_ex, op: constant, value: [[[1, 0]]]}
  - {id: c_ex, op: constant, value: 0, shape: [1, 1, 2]}
  - {id: ex, op: selective_scan, in: {u: u_ex, delta: delta_ex, A: a_ex, Bm: b_ex, Cm: c_ex}}

  - {id: w1, op: constant, value: 1, shape: [1, 1, 1]}
  - {id: conv_depthwise, op: conv1d, in: [x, w1], activation: silu}
  - {id: x2, op: concat, in: [x, x], axis: 1}
  - {id: w2, op: constant, value: [[[1], [0]]]}
  - {id: conv_direct, op: conv1d, in: [x2, w2], activation: silu}

  - {id: w4, op: constant, value: [[[0.5, -0.25, 0.75, 0.125]]]}
  - {id: causal_silu, op: conv1d, in: [x, w4], padding: causal, activation: silu}
  - {id: causal, op: conv1d, in: [x, w4], padding: causal}
  - {id: causal_expr, op: expr, in: {x: causal}, expr: "silu(x)"}
  - {id: wl, op: linspace, start: -1, stop: 1, num: 300}
  - {id: wl3, op: reshape, in: [wl], shape: [1, 1, 300]}
  - {id: fft_silu, op: conv1d, in: [x, wl3], algorithm: fft, activation: silu}
  - {id: fft, op: conv1d, in: [x, wl3], algorithm: fft}
  - {id: fft_expr, op: expr, in: {x: fft}, expr: "silu(x)"}
outputs: [silu_expr, softplus_expr, exp_expr, "gate:y", "sp:final", "ex:final", conv_depthwise, conv_direct,
          causal_silu, causal_expr, fft_silu, fft_expr]
)yaml";

/// Pairs of outputs (file names) that must hold the same bits, and what they show.
struct SamePair {
  const char *a, *b, *what;
};
const SamePair kPairs[] = {
    {"gate_y.npy", "silu_expr.npy", "selective_scan's silu gate vs expr silu"},
    {"sp_final.npy", "softplus_expr.npy", "selective_scan's softplus of delta vs expr softplus"},
    {"ex_final.npy", "exp_expr.npy", "selective_scan's exp(delta·A) vs expr exp"},
    {"conv_depthwise.npy", "silu_expr.npy", "conv1d depthwise silu vs expr silu"},
    {"conv_direct.npy", "silu_expr.npy", "conv1d direct silu vs expr silu"},
    {"causal_silu.npy", "causal_expr.npy", "conv1d causal depthwise silu vs expr silu of its output"},
    {"fft_silu.npy", "fft_expr.npy", "conv1d FFT silu vs expr silu of its output"},
};

TEST(OneNumericsLayer, SiluSoftplusAndExpAreTheSameBitsEverywhere) {
  TempDir dir;
  for (const char* dtype : {"f32", "f64"}) {
    const std::string graph = dir.path() + "/one_" + dtype + ".yaml";
    std::ofstream(graph) << "format: 1\ngraph: one_silu\ndtype: " << dtype << "\n" << kNodes;
    for (const std::string& target : simd_targets_here()) {
      const std::string out = dir.path() + "/" + dtype + "_" + target;
      // --no-fuse: the expr nodes run as themselves, not folded into the op before them.
      const CommandResult r = run_graphrun_on(target, {"run", graph, "-o", out, "--quiet", "--no-fuse"});
      ASSERT_EQ(r.exit_code, 0) << r.err;
      const gr_dtype dt = std::string(dtype) == "f64" ? GR_F64 : GR_F32;
      for (const SamePair& p : kPairs) {
        const io::HostArray a = io::read_tensor(out + "/" + p.a, dt), b = io::read_tensor(out + "/" + p.b, dt);
        if (dt == GR_F32 && std::string(p.a) == "ex_final.npy") {
          EXPECT_TRUE(tensors_close(a, b, 1e-5, 0)) << p.what << ", f32, GRAPHRUN_SIMD=" << target;
        } else {
          EXPECT_TRUE(tensors_identical(a, b)) << p.what << ", " << dtype << ", GRAPHRUN_SIMD=" << target;
        }
      }
    }
  }
}

}  // namespace
}  // namespace graphrun::testing
