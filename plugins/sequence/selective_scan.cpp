// selective_scan: Mamba's selective SSM, mamba_ssm's selective_scan_ref in one fused kernel.
//
// Per (batch, channel) row the N states live in SIMD lanes; Δ, exp(Δ·A) and Δ·Bm·u are made
// on the fly a block of steps at a time, so only y and final are written: the (B, D, L, N)
// tensors of the reference never exist. A task takes a fixed group of channels of one batch
// item and shares the transposed (step, state) blocks of Bm and Cm among them.
#include "lane_math.h"
#include "port_checks.h"
#include "sequence_ops.h"

#include <algorithm>
#include <cstring>
#include <vector>

namespace graphrun::sequence {
namespace {

using plugin::Node;
using plugin::UserError;

/// Channels per task: fixed, so the split never depends on the thread count.
constexpr int64_t kChannelsPerTask = 16;
/// Steps per block: Δ, Δ·u and the Bm/Cm lanes of a block stay in L1.
constexpr int64_t kBlockSteps = 128;

void infer(const Node& node, plugin::Outputs& outs) {
  expect_rank(node, "u", 3, "(B, D, L)");
  const plugin::Tensor u = node.input("u"), a = node.input("A");
  const int64_t batch = u.dim(0), channels = u.dim(1), length = u.dim(2);
  const std::string from_u = from_port(node, "u");
  expect_shape(node, "delta", u.shape_vec(), "the shape of " + from_u);
  if (a.rank() != 2 || a.dim(0) != channels)
    throw UserError("port 'A': expected (D, N) with D = " + std::to_string(channels) + " from " +
                        from_u + ", got shape " + plugin::shape_str(a.shape()),
                    "A");
  const int64_t states = a.dim(1);
  const std::string bnl = "(B, N, L) with B and L from " + from_u + " and N from " + from_port(node, "A");
  expect_shape(node, "Bm", {batch, states, length}, bnl);
  expect_shape(node, "Cm", {batch, states, length}, bnl);
  for (const char* port : {"Dskip", "delta_bias"})
    if (node.has_input(port)) expect_shape(node, port, {channels}, "(D,) with D from " + from_u);
  if (node.has_input("z")) expect_shape(node, "z", u.shape_vec(), "the shape of " + from_u);
  outs.add({batch, channels, length}, "y");
  outs.add({batch, channels, states}, "final");
}

template <typename T> struct ScanInputs {
  int64_t batch, channels, states, length;
  const T *u, *delta, *a, *bm, *cm, *dskip, *z, *delta_bias;  // the optional ones may be null
  bool softplus;
};

/// One task: channels [d0, d1) of batch item b, all steps.
template <typename T>
void scan_channels(const Node& node, const ScanInputs<T>& in, int64_t b, int64_t d0, int64_t d1,
                   T* y, T* final) {
  using S = Simd<T>;
  using V = typename S::V;
  const int64_t N = in.states, L = in.length, nv = (N + S::kWidth - 1) / S::kWidth;
  const int64_t group = d1 - d0;
  // Padding lanes: A = 0, Bm = Cm = 0, so their states stay 0 and add nothing to y.
  std::vector<V> a(static_cast<size_t>(group * nv), V{}), h(static_cast<size_t>(group * nv), V{});
  for (int64_t d = d0; d < d1; ++d)
    for (int64_t n = 0; n < N; ++n) a[(d - d0) * nv + n / S::kWidth][n % S::kWidth] = in.a[d * N + n];
  std::vector<V> bt(static_cast<size_t>(kBlockSteps * nv), V{}), ct(bt.size(), V{});
  // Each step's ⟨state, Cm⟩ lanes, summed kWidth steps at a time after the block.
  std::vector<V> products(static_cast<size_t>(kBlockSteps + S::kWidth), V{});
  T dt[kBlockSteps], du[kBlockSteps], gate[kBlockSteps];

  for (int64_t t0 = 0; t0 < L; t0 += kBlockSteps) {
    const int64_t steps = std::min(kBlockSteps, L - t0);
    for (int64_t n = 0; n < N; ++n) {  // Bm, Cm (B, N, L) -> lanes of (step, state)
      const T* bn = in.bm + (b * N + n) * L + t0;
      const T* cn = in.cm + (b * N + n) * L + t0;
      for (int64_t j = 0; j < steps; ++j) {
        bt[j * nv + n / S::kWidth][n % S::kWidth] = bn[j];
        ct[j * nv + n / S::kWidth][n % S::kWidth] = cn[j];
      }
    }
    for (int64_t d = d0; d < d1; ++d) {
      const int64_t row = (b * in.channels + d) * L + t0;
      const T* u = in.u + row;
      const T* delta = in.delta + row;
      if (in.delta_bias) {
        const T bias = in.delta_bias[d];
        for (int64_t j = 0; j < steps; ++j) dt[j] = delta[j] + bias;
      } else {
        std::copy(delta, delta + steps, dt);
      }
      if (in.softplus) map_lanes(dt, steps, [](V v) { return softplus_lanes(v); });
      for (int64_t j = 0; j < steps; ++j) du[j] = dt[j] * u[j];

      const V* ad = a.data() + (d - d0) * nv;
      V* hd = h.data() + (d - d0) * nv;
      T* yd = y + row;
      // ⟨state, Cm⟩ adds the runs in order, each run's lanes in order: one fixed sequence.
      for_state_runs(nv, [&]<int K>(int64_t first) {
        V hr[K], ar[K];
        for (int k = 0; k < K; ++k) {
          hr[k] = hd[first + k];
          ar[k] = ad[first + k];
        }
        for (int64_t j = 0; j < steps; ++j) {
          const V* bj = bt.data() + j * nv + first;
          const V* cj = ct.data() + j * nv + first;
          V acc = first == 0 ? V{} : products[j];
          for (int k = 0; k < K; ++k) {
            hr[k] = exp_lanes(ar[k] * dt[j]) * hr[k] + bj[k] * du[j];
            acc = acc + hr[k] * cj[k];
          }
          products[j] = acc;
        }
        for (int k = 0; k < K; ++k) hd[first + k] = hr[k];
      });
      store_lane_sums(products.data(), steps, yd);
      if (in.dskip) {
        const T ds = in.dskip[d];
        for (int64_t j = 0; j < steps; ++j) yd[j] = yd[j] + ds * u[j];
      }
      if (in.z) {
        map_lanes(in.z + row, steps, gate, [](V v) { return silu_lanes(v); });
        for (int64_t j = 0; j < steps; ++j) yd[j] = yd[j] * gate[j];
      }
      node.apply_epilogue(yd, steps);
    }
  }
  for (int64_t d = d0; d < d1; ++d)
    for (int64_t n = 0; n < N; ++n)
      final[(b * in.channels + d) * N + n] = h[(d - d0) * nv + n / S::kWidth][n % S::kWidth];
}

void run(const Node& node, std::span<plugin::OutTensor> outs) {
  const plugin::Tensor u = node.input("u");
  plugin::dispatch(node.dtype(), [&]<typename T>() {
    auto optional = [&](const char* port) {
      const plugin::Tensor t = node.input(port);
      return t.valid() ? t.data<T>() : nullptr;
    };
    const ScanInputs<T> in{u.dim(0), u.dim(1), node.input("A").dim(1), u.dim(2),
                           u.data<T>(), node.input("delta").data<T>(), node.input("A").data<T>(),
                           node.input("Bm").data<T>(), node.input("Cm").data<T>(),
                           optional("Dskip"), optional("z"), optional("delta_bias"),
                           node.attr_bool("delta_softplus")};
    const int64_t groups = (in.channels + kChannelsPerTask - 1) / kChannelsPerTask;
    const int64_t task_steps = kChannelsPerTask * std::max<int64_t>(in.length, 1) *
                               std::max<int64_t>(1, (in.states + Simd<T>::kWidth - 1) / Simd<T>::kWidth);
    const int64_t grain = std::max<int64_t>(1, (int64_t{1} << 14) / task_steps);
    T* y = outs[0].data<T>();
    T* final = outs[1].data<T>();
    node.parallel_for(in.batch * groups, grain, [&](int64_t begin, int64_t end) {
      for (int64_t task = begin; task < end; ++task) {
        const int64_t b = task / groups, d0 = task % groups * kChannelsPerTask;
        scan_channels(node, in, b, d0, std::min(in.channels, d0 + kChannelsPerTask), y, final);
      }
    });
  });
}

}  // namespace

plugin::OpDef selective_scan_op() {
  return plugin::OpDef(
             "selective_scan",
             "Mamba's selective SSM, exactly mamba_ssm's selective_scan_ref: Δ = delta + "
             "delta_bias, softplus(Δ) when delta_softplus; state_t = exp(Δ·A) ⊙ state_{t-1} + "
             "Δ·Bm_t·u_t; y_t = ⟨state_t, Cm_t⟩ + Dskip·u_t; y ← y·silu(z) when z is given. "
             "One fused kernel: no (B, D, L, N) tensor is stored.")
      .input("u", "the input (B, D, L)")
      .input("delta", "the step before bias and softplus (B, D, L)")
      .input("A", "the state decay rates (D, N), real")
      .input("Bm", "the input-dependent B (B, N, L)")
      .input("Cm", "the input-dependent C (B, N, L)")
      .input("Dskip", "the skip term (D,)", true)
      .input("z", "the gate (B, D, L): y is multiplied by silu(z)", true)
      .input("delta_bias", "added to delta per channel (D,)", true)
      .output("y", "the output (B, D, L)")
      .output("final", "the state after the last step (B, D, N)")
      .attr_bool("delta_softplus", false, "apply softplus to delta + delta_bias")
      .supports_epilogue()
      .infer(infer)
      .cpu(run);
}

}  // namespace graphrun::sequence
