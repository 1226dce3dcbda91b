// selective_scan: Mamba's selective SSM, mamba_ssm's selective_scan_ref in one fused kernel,
// compiled for every SIMD target.
//
// Per (batch, channel) row the N states live in SIMD lanes; Δ, exp(Δ·A) and Δ·Bm·u are made
// on the fly a block of steps at a time, so only y and final are written: the (B, D, L, N)
// tensors of the reference never exist. A task takes a fixed group of channels of one batch
// item; Bm and Cm are put in (step, state) lanes once, for all tasks. softplus and silu are
// graphrun's numerics, the same bits as an expr formula's; exp(Δ·A), one per (channel,
// state, step) and most of the work, is numerics' exp in f64 and the cheaper power of 2 of
// decay-inl.h in f32.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "sequence/selective_scan.cpp"
#include <hwy/foreach_target.h>  // IWYU pragma: keep

#include <hwy/highway.h>

#include <graphrun/numerics/arrays-inl.h>
#include <graphrun/numerics/math-inl.h>

#include "sequence/cuda_launchers.h"
#include "sequence/decay-inl.h"
#include "sequence/lanes-inl.h"
#include "sequence/port_checks.h"
#include "sequence/sequence_ops.h"

#include <algorithm>
#include <cstring>
#include <span>
#include <type_traits>
#include <vector>

HWY_BEFORE_NAMESPACE();
namespace graphrun::sequence::HWY_NAMESPACE {
namespace {

namespace nm = graphrun::numerics::HWY_NAMESPACE;

/// Channels per task: fixed, so the split never depends on the thread count.
constexpr int64_t kChannelsPerTask = 16;
/// Steps per block: Δ, Δ·u and the Bm/Cm lanes of a block stay in L1.
constexpr int64_t kBlockSteps = 128;

/// exp(Δ·A) from the product Δ·A (f64) or Δ·A·log2 e (f32).
template <class D> HWY_INLINE hn::Vec<D> decay_factor(D d, hn::Vec<D> x) {
  if constexpr (sizeof(hn::TFromD<D>) == sizeof(float)) return Exp2Decay(d, x);
  else return nm::Exp(d, x);
}

template <typename T> struct ScanInputs {
  int64_t batch, channels, states, length;
  const T *u, *delta, *a, *bm, *cm, *dskip, *z, *delta_bias;  // the optional ones may be null
  bool softplus;
  /// Bm and Cm as lanes of (batch, step, state), the states padded to whole lane blocks
  /// with zeros: every task reads its step's states as vectors.
  const T *bt, *ct;
  /// The state before the first step (B, D, N), or null for zeros: the block of a time axis
  /// split over MPI ranks starts from what the ranks before it leave.
  const T* h_in = nullptr;
};

/// States padded to whole lane blocks.
template <typename T> int64_t padded_states(int64_t n) { return blocks_for<T>(n) * kBlockLanes<T>; }

/// Bm or Cm (B, N, L) into (B, L, padded) lanes, rows [begin, end) of the B·L.
template <typename T> void to_step_lanes(const T* from, int64_t states, int64_t length, int64_t begin,
                                         int64_t end, T* to) {
  const int64_t padded = padded_states<T>(states);
  for (int64_t row = begin; row < end; ++row) {
    const int64_t b = row / length, t = row % length;
    for (int64_t n = 0; n < states; ++n) to[row * padded + n] = from[(b * states + n) * length + t];
  }
}

/// One task: channels [d0, d1) of batch item b, all steps. kStateOnly: no y, only the final
/// state and, in `decay` (B, D, N), the product of the steps' decay factors: the map
/// state ↦ decay ⊙ state + final of the whole block, for a scan over MPI ranks.
template <typename T, bool kStateOnly = false>
void scan_channels(const plugin::Node& node, const ScanInputs<T>& in, int64_t b, int64_t d0, int64_t d1,
                   T* y, T* final, T* decay = nullptr) {
  using L = Lanes<T>;
  using V = typename L::V;
  constexpr int W = L::kWidth, R = L::kPerBlock;
  constexpr int64_t kBlock = kBlockLanes<T>;
  const typename L::D df;
  const int64_t N = in.states, steps_total = in.length;
  // The states padded to whole lane blocks: padding lanes hold A = 0, Bm = Cm = 0, so their
  // states stay 0 and add nothing to y.
  const int64_t nv = blocks_for<T>(N) * R, padded = nv * W;
  const int64_t group = d1 - d0;
  auto zeros = [](int64_t n) { return aligned_zeros<T>(n); };
  auto a = zeros(group * padded), h = zeros(group * padded);
  auto product = zeros(kStateOnly ? group * padded : 0);
  for (int64_t d = d0; d < d1; ++d) {
    if (in.h_in) std::copy(in.h_in + (b * in.channels + d) * N, in.h_in + (b * in.channels + d + 1) * N, h.get() + (d - d0) * padded);
    if constexpr (kStateOnly) std::fill(product.get() + (d - d0) * padded, product.get() + (d - d0 + 1) * padded, T(1));
  }
  // f32 takes its decay factors as powers of 2 (decay-inl.h), so A·log2 e once here.
  const T a_scale = std::is_same_v<T, float> ? T(kLog2E) : T(1);
  for (int64_t d = d0; d < d1; ++d)
    std::transform(in.a + d * N, in.a + (d + 1) * N, a.get() + (d - d0) * padded, [&](T v) { return v * a_scale; });
  // Each step's ⟨state, Cm⟩ lane block, summed after the block of steps.
  auto products = zeros((kBlockSteps + W) * kBlock);
  HWY_ALIGN T dt[kBlockSteps], du[kBlockSteps], gate[kBlockSteps];

  for (int64_t t0 = 0; t0 < steps_total; t0 += kBlockSteps) {
    const int64_t steps = std::min(kBlockSteps, steps_total - t0);
    const T* bt = in.bt + (b * steps_total + t0) * padded;
    const T* ct = in.ct + (b * steps_total + t0) * padded;
    for (int64_t d = d0; d < d1; ++d) {
      const int64_t row = (b * in.channels + d) * steps_total + t0;
      const T* u = in.u + row;
      const T* delta = in.delta + row;
      if (in.delta_bias) {
        const T bias = in.delta_bias[d];
        for (int64_t j = 0; j < steps; ++j) dt[j] = delta[j] + bias;
      } else {
        std::copy(delta, delta + steps, dt);
      }
      if (in.softplus) nm::Map(df, dt, steps, [](auto dd, auto v) HWY_ATTR { return nm::Softplus(dd, v); });
      for (int64_t j = 0; j < steps; ++j) du[j] = dt[j] * u[j];

      const T* ad = a.get() + (d - d0) * padded;
      T* hd = h.get() + (d - d0) * padded;
      if constexpr (kStateOnly) {
        T* pd = product.get() + (d - d0) * padded;
        for_state_runs<T>(nv, [&]<int K>(int64_t first) HWY_ATTR {
          V hr[K], ar[K], pr[K];
          for (int k = 0; k < K; ++k) {
            hr[k] = L::load(hd + (first + k) * W);
            ar[k] = L::load(ad + (first + k) * W);
            pr[k] = L::load(pd + (first + k) * W);
          }
          for (int64_t j = 0; j < steps; ++j) {
            const T* bj = bt + j * padded + first * W;
            const V dtj = L::broadcast(dt[j]), duj = L::broadcast(du[j]);
            for (int k = 0; k < K; ++k) {
              const V decay_j = decay_factor(df, hn::Mul(ar[k], dtj));
              hr[k] = hn::MulAdd(decay_j, hr[k], hn::Mul(L::load(bj + k * W), duj));
              pr[k] = hn::Mul(decay_j, pr[k]);
            }
          }
          for (int k = 0; k < K; ++k) {
            L::store(hd + (first + k) * W, hr[k]);
            L::store(pd + (first + k) * W, pr[k]);
          }
        });
        continue;
      }
      T* yd = y + row;
      // Each lane-block accumulator adds its state vectors in order, run after run: one
      // fixed sequence of operations, the same on every FMA target (and on every target
      // without FMA).
      for_state_runs<T>(nv, [&]<int K>(int64_t first) HWY_ATTR {
        V hr[K], ar[K];
        for (int k = 0; k < K; ++k) {
          hr[k] = L::load(hd + (first + k) * W);
          ar[k] = L::load(ad + (first + k) * W);
        }
        for (int64_t j = 0; j < steps; ++j) {
          const T* bj = bt + j * padded + first * W;
          const T* cj = ct + j * padded + first * W;
          const V dtj = L::broadcast(dt[j]), duj = L::broadcast(du[j]);
          T* acc = products.get() + j * kBlock;
          V sum[R];
          for (int r = 0; r < R; ++r) sum[r] = first == 0 ? L::zero() : L::load(acc + r * W);
          for (int k = 0; k < K; ++k) {
            const V factor = decay_factor(df, hn::Mul(ar[k], dtj));
            hr[k] = hn::MulAdd(factor, hr[k], hn::Mul(L::load(bj + k * W), duj));
            V& s = sum[k % R];
            s = hn::MulAdd(hr[k], L::load(cj + k * W), s);
          }
          for (int r = 0; r < R; ++r) L::store(acc + r * W, sum[r]);
        }
        for (int k = 0; k < K; ++k) L::store(hd + (first + k) * W, hr[k]);
      });
      L::store_block_sums(products.get(), steps, yd);
      if (in.dskip) {
        const T ds = in.dskip[d];
        for (int64_t j = 0; j < steps; ++j) yd[j] = yd[j] + ds * u[j];
      }
      if (in.z) {
        nm::Map(df, in.z + row, steps, gate, [](auto dd, auto v) HWY_ATTR { return nm::Silu(dd, v); });
        for (int64_t j = 0; j < steps; ++j) yd[j] = yd[j] * gate[j];
      }
      node.apply_epilogue(yd, steps);
    }
  }
  for (int64_t d = d0; d < d1; ++d) {
    std::copy(h.get() + (d - d0) * padded, h.get() + (d - d0) * padded + N, final + (b * in.channels + d) * N);
    if constexpr (kStateOnly)
      std::copy(product.get() + (d - d0) * padded, product.get() + (d - d0) * padded + N, decay + (b * in.channels + d) * N);
  }
}

/// Runs every task of the scan: channel groups of each batch item (kStateOnly as scan_channels).
template <typename T, bool kStateOnly = false>
void scan_all(const plugin::Node& node, const ScanInputs<T>& in, T* y, T* final, T* decay = nullptr) {
  const int64_t groups = (in.channels + kChannelsPerTask - 1) / kChannelsPerTask;
  const int64_t task_steps = kChannelsPerTask * std::max<int64_t>(in.length, 1) *
                             std::max<int64_t>(1, blocks_for<T>(in.states));
  const int64_t grain = std::max<int64_t>(1, (int64_t{1} << 14) / task_steps);
  node.parallel_for(in.batch * groups, grain, [&](int64_t begin, int64_t end) HWY_ATTR {
    for (int64_t task = begin; task < end; ++task) {
      const int64_t b = task / groups, d0 = task % groups * kChannelsPerTask;
      scan_channels<T, kStateOnly>(node, in, b, d0, std::min(in.channels, d0 + kChannelsPerTask), y, final, decay);
    }
  });
}

/// The time axis split over MPI ranks (docs/distributed.md): each rank reduces its block to
/// the map state ↦ decay ⊙ state + final (a state-only pass), the ranks trade those maps (one
/// all-gather of 2·B·D·N values each), each applies the maps of the ranks before it to a zero
/// state, in order, and scans its block from there; the last rank's final state is
/// everyone's (a second exchange). Within rounding of one process: the state entering a
/// block is composed rather than stepped through.
template <typename T>
void scan_over_ranks(const plugin::Node& node, plugin::Node::ScanShare share, ScanInputs<T> in, T* y, T* final) {
  const size_t cells = static_cast<size_t>(in.batch * in.channels * in.states);
  std::vector<T> map(2 * cells);  // [final | decay] of this block from a zero state
  scan_all<T, true>(node, in, nullptr, map.data(), map.data() + cells);
  const plugin::Node::ScanCarries carries = node.scan_exchange(std::as_bytes(std::span(map)));
  std::vector<T> h(cells, T(0)), theirs(2 * cells);
  for (int q = 0; q < share.rank; ++q) {
    std::memcpy(theirs.data(), carries.of(q).data(), theirs.size() * sizeof(T));
    for (size_t i = 0; i < cells; ++i) h[i] = theirs[cells + i] * h[i] + theirs[i];
  }
  in.h_in = h.data();
  scan_all<T>(node, in, y, final);
  const bool last = share.rank + 1 == share.ranks;
  const plugin::Node::ScanCarries finals = node.scan_exchange(std::as_bytes(std::span<const T>(final, last ? cells : 0)));
  std::memcpy(final, finals.of(share.ranks - 1).data(), cells * sizeof(T));
}

}  // namespace

void run_selective_scan(const plugin::Node& node, std::span<plugin::OutTensor> outs) {
  const plugin::Tensor u = node.input("u");
  plugin::dispatch(node.dtype(), [&]<typename T>() HWY_ATTR {
    auto optional = [&](const char* port) {
      const plugin::Tensor t = node.input(port);
      return t.valid() ? t.data<T>() : nullptr;
    };
    ScanInputs<T> in{u.dim(0), u.dim(1), node.input("A").dim(1), u.dim(2),
                     u.data<T>(), node.input("delta").data<T>(), node.input("A").data<T>(),
                     node.input("Bm").data<T>(), node.input("Cm").data<T>(),
                     optional("Dskip"), optional("z"), optional("delta_bias"),
                     node.attr_bool("delta_softplus"), nullptr, nullptr};
    // Bm and Cm in step lanes once for all tasks (their size again), not per task.
    const int64_t rows = in.batch * in.length, padded = padded_states<T>(in.states);
    auto bt = aligned_zeros<T>(rows * padded), ct = aligned_zeros<T>(rows * padded);
    node.parallel_for(rows, std::max<int64_t>(1, (int64_t{1} << 14) / std::max<int64_t>(1, padded)),
                      [&](int64_t begin, int64_t end) {
                        to_step_lanes(in.bm, in.states, in.length, begin, end, bt.get());
                        to_step_lanes(in.cm, in.states, in.length, begin, end, ct.get());
                      });
    in.bt = bt.get();
    in.ct = ct.get();
    T* y = outs[0].data<T>();
    T* final = outs[1].data<T>();
    const plugin::Node::ScanShare share = node.scan_share();
    if (share.ranks > 1) scan_over_ranks<T>(node, share, in, y, final);
    else scan_all<T>(node, in, y, final);
  });
}

}  // namespace graphrun::sequence::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace graphrun::sequence {
namespace {

using plugin::Node;
using plugin::UserError;

HWY_EXPORT(run_selective_scan);

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

void run(const Node& node, std::span<plugin::OutTensor> outs) {
  HWY_DYNAMIC_DISPATCH(run_selective_scan)(node, outs);
}

void run_cuda(const Node& node, std::span<plugin::OutTensor> outs) {
  const plugin::Tensor u = node.input("u");
  auto optional = [&](const char* port) {
    const plugin::Tensor t = node.input(port);
    return t.valid() ? t.data<void>() : nullptr;
  };
  const SelectiveScanArgs args{u.dim(0), u.dim(1), node.input("A").dim(1), u.dim(2),
                               u.data<void>(), node.input("delta").data<void>(), node.input("A").data<void>(),
                               node.input("Bm").data<void>(), node.input("Cm").data<void>(),
                               optional("Dskip"), optional("z"), optional("delta_bias"),
                               node.attr_bool("delta_softplus"), outs[0].data<void>(), outs[1].data<void>()};
  selective_scan_cuda(node, args);
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
      .scans_blocks()
      .infer(infer)
      .cpu(run)
      .cuda(if_built(selective_scan_cuda, run_cuda));
}

}  // namespace graphrun::sequence
#endif  // HWY_ONCE
