// rnn: the Elman RNN h_t = act(W_hh·h_{t-1} + W_xh·x_t + b), as torch.nn.RNN.
//
// The input projection of every step is one OpenBLAS gemm per batch item, written into a
// (batch, L, hidden) scratch; the sequential part then adds W_hh·h_{t-1} onto step t's row
// with one small gemm per step for a fixed group of batch items (the groups run in
// parallel), applies the activation in place, and reads the result back as the next
// step's h. A blocked transpose finally gives the (batch, hidden, L) output. The
// activation is graphrun's numerics (tanh, relu: an expr's bits), compiled for every SIMD
// target.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "sequence/rnn.cpp"
#include <hwy/foreach_target.h>  // IWYU pragma: keep

#include <hwy/highway.h>

#include <graphrun/numerics/arrays-inl.h>
#include <graphrun/numerics/math-inl.h>

#include "common/blas.h"
#include "sequence/cuda_launchers.h"
#include "sequence/port_checks.h"
#include "sequence/sequence_ops.h"

#include <algorithm>
#include <cstring>
#include <vector>

HWY_BEFORE_NAMESPACE();
namespace graphrun::sequence::HWY_NAMESPACE {
namespace {

namespace hn = hwy::HWY_NAMESPACE;
namespace nm = graphrun::numerics::HWY_NAMESPACE;
using blas::blas_size;
using blas::gemm;
using plugin::Node;

/// Batch items stepped together by one gemm per step: fixed, so results do not depend on
/// the thread count.
constexpr int64_t kGroupItems = 4;
/// Time steps per input-projection gemm.
constexpr int64_t kProjectionSteps = 256;
/// Hidden units per task of the final transpose.
constexpr int64_t kTransposeBand = 16;

template <typename T> void activate(T* values, int64_t n, bool relu) {
  const hn::ScalableTag<T> d;
  if (relu)
    nm::Map(d, values, n, [](auto dd, auto v) HWY_ATTR { return nm::Relu(dd, v); });
  else
    nm::Map(d, values, n, [](auto dd, auto v) HWY_ATTR { return nm::Tanh(dd, v); });
}

template <typename T> struct RnnProblem {
  int64_t batch, input, hidden, length;
  const T *x, *w_hh, *w_xh, *bias, *h0;
  bool relu;
};

/// steps[b, t, :] = W_xh·x[b, :, t] + bias, one gemm per (item, block of steps).
template <typename T> void project_inputs(const Node& node, const RnnProblem<T>& p, T* steps) {
  const int64_t blocks = (p.length + kProjectionSteps - 1) / kProjectionSteps;
  node.parallel_for(p.batch * blocks, 1, [&](int64_t begin, int64_t end) HWY_ATTR {
    for (int64_t task = begin; task < end; ++task) {
      const int64_t b = task / blocks, t0 = task % blocks * kProjectionSteps;
      const int64_t n = std::min(kProjectionSteps, p.length - t0);
      T* c = steps + (b * p.length + t0) * p.hidden;
      for (int64_t t = 0; t < n; ++t) {
        T* row = c + t * p.hidden;
        if (p.bias)
          std::memcpy(row, p.bias, static_cast<size_t>(p.hidden) * sizeof(T));
        else
          std::fill(row, row + p.hidden, T(0));
      }
      if (p.input > 0 && p.hidden > 0)
        gemm(true, true, blas_size(n), blas_size(p.hidden), blas_size(p.input),
             p.x + b * p.input * p.length + t0, blas_size(p.length), p.w_xh, blas_size(p.input),
             T(1), c, blas_size(p.hidden));
    }
  });
}

/// The sequential part: steps[b, t, :] becomes h_t, group of items by group.
template <typename T> void run_steps(const Node& node, const RnnProblem<T>& p, T* steps) {
  const int64_t groups = (p.batch + kGroupItems - 1) / kGroupItems;
  const int64_t item_stride = p.length * p.hidden;
  node.parallel_for(groups, 1, [&](int64_t begin, int64_t end) HWY_ATTR {
    for (int64_t g = begin; g < end; ++g) {
      const int64_t b0 = g * kGroupItems, items = std::min(kGroupItems, p.batch - b0);
      for (int64_t t = 0; t < p.length; ++t) {
        T* c = steps + b0 * item_stride + t * p.hidden;
        const T* h_prev = t > 0 ? c - p.hidden : (p.h0 ? p.h0 + b0 * p.hidden : nullptr);
        const int64_t ld_prev = t > 0 ? item_stride : p.hidden;
        if (h_prev && p.hidden > 0)
          gemm(false, true, blas_size(items), blas_size(p.hidden), blas_size(p.hidden), h_prev,
               blas_size(ld_prev), p.w_hh, blas_size(p.hidden), T(1), c, blas_size(item_stride));
        for (int64_t j = 0; j < items; ++j) activate(c + j * item_stride, p.hidden, p.relu);
      }
    }
  });
}

/// out[b, i, t] = steps[b, t, i], with the epilogue applied to each finished row of out.
template <typename T>
void write_output(const Node& node, const RnnProblem<T>& p, const T* steps, T* out) {
  const int64_t bands = (p.hidden + kTransposeBand - 1) / kTransposeBand;
  constexpr int64_t kBlock = 64;
  node.parallel_for(p.batch * bands, 1, [&](int64_t begin, int64_t end) HWY_ATTR {
    for (int64_t task = begin; task < end; ++task) {
      const int64_t b = task / bands, i0 = task % bands * kTransposeBand;
      const int64_t i1 = std::min(p.hidden, i0 + kTransposeBand);
      const T* src = steps + b * p.length * p.hidden;
      T* dst = out + b * p.hidden * p.length;
      for (int64_t t0 = 0; t0 < p.length; t0 += kBlock) {
        const int64_t t1 = std::min(p.length, t0 + kBlock);
        for (int64_t i = i0; i < i1; ++i)
          for (int64_t t = t0; t < t1; ++t) dst[i * p.length + t] = src[t * p.hidden + i];
      }
      for (int64_t i = i0; i < i1; ++i) node.apply_epilogue(dst + i * p.length, p.length);
    }
  });
}

}  // namespace

void run_rnn(const Node& node, std::span<plugin::OutTensor> outs) {
  const plugin::Tensor x = node.input("x"), w_hh = node.input("W_hh");
  plugin::dispatch(node.dtype(), [&]<typename T>() HWY_ATTR {
    const plugin::Tensor bias = node.input("b"), h0 = node.input("h0");
    const RnnProblem<T> p{x.dim(0), x.dim(1), w_hh.dim(0), x.dim(2), x.data<T>(), w_hh.data<T>(),
                          node.input("W_xh").data<T>(), bias.valid() ? bias.data<T>() : nullptr,
                          h0.valid() ? h0.data<T>() : nullptr,
                          node.attr_string("activation") == "relu"};
    if (p.batch == 0 || p.hidden == 0) return;  // both outputs are empty
    std::vector<T> steps(static_cast<size_t>(p.batch * p.length * p.hidden));
    project_inputs(node, p, steps.data());
    run_steps(node, p, steps.data());
    write_output(node, p, steps.data(), outs[0].data<T>());
    T* final = outs[1].data<T>();
    for (int64_t b = 0; b < p.batch; ++b) {
      T* dst = final + b * p.hidden;
      const size_t bytes = static_cast<size_t>(p.hidden) * sizeof(T);
      if (p.length > 0)
        std::memcpy(dst, steps.data() + (b * p.length + p.length - 1) * p.hidden, bytes);
      else if (p.h0)
        std::memcpy(dst, p.h0 + b * p.hidden, bytes);
      else
        std::fill(dst, dst + p.hidden, T(0));
    }
  });
}

}  // namespace graphrun::sequence::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace graphrun::sequence {
namespace {

using plugin::Node;
using plugin::UserError;

HWY_EXPORT(run_rnn);

void infer(const Node& node, plugin::Outputs& outs) {
  expect_rank(node, "x", 3, "(batch, input, L)");
  expect_rank(node, "W_hh", 2, "(hidden, hidden)");
  const plugin::Tensor x = node.input("x"), w_hh = node.input("W_hh");
  if (w_hh.dim(0) != w_hh.dim(1))
    throw UserError("port 'W_hh': expected a square matrix (hidden, hidden), got shape " +
                        plugin::shape_str(w_hh.shape()), "W_hh");
  const int64_t batch = x.dim(0), hidden = w_hh.dim(0), length = x.dim(2);
  expect_shape(node, "W_xh", {hidden, x.dim(1)},
               "(hidden, input) with hidden from " + from_port(node, "W_hh") +
                   " and input from " + from_port(node, "x"));
  if (node.has_input("b"))
    expect_shape(node, "b", {hidden}, "(hidden,) with hidden from " + from_port(node, "W_hh"));
  if (node.has_input("h0"))
    expect_shape(node, "h0", {batch, hidden},
                 "(batch, hidden) with batch from " + from_port(node, "x") + " and hidden from " +
                     from_port(node, "W_hh"));
  outs.add({batch, hidden, length}, "out");
  outs.add({batch, hidden}, "final");
}

void run(const Node& node, std::span<plugin::OutTensor> outs) {
  HWY_DYNAMIC_DISPATCH(run_rnn)(node, outs);
}

void run_cuda(const Node& node, std::span<plugin::OutTensor> outs) {
  const plugin::Tensor x = node.input("x"), w_hh = node.input("W_hh"), bias = node.input("b"), h0 = node.input("h0");
  const RnnArgs args{x.dim(0), x.dim(1), w_hh.dim(0), x.dim(2), x.data<void>(), w_hh.data<void>(),
                     node.input("W_xh").data<void>(), bias.valid() ? bias.data<void>() : nullptr,
                     h0.valid() ? h0.data<void>() : nullptr, node.attr_string("activation") == "relu",
                     outs[0].data<void>(), outs[1].data<void>()};
  rnn_cuda(node, args);
}

}  // namespace

plugin::OpDef rnn_op() {
  return plugin::OpDef("rnn",
                       "Elman RNN h_t = act(W_hh·h_{t-1} + W_xh·x_t + b), h_{-1} = h0 (default 0). "
                       "Equals torch.nn.RNN (one layer) with weight_hh = W_hh, weight_ih = W_xh, "
                       "bias_ih = b, bias_hh = 0, on x transposed to (L, batch, input).")
      .input("x", "the input sequence (batch, input, L)")
      .input("W_hh", "the recurrent weights (hidden, hidden)")
      .input("W_xh", "the input weights (hidden, input)")
      .input("b", "the bias (hidden,)", true)
      .input("h0", "the initial state (batch, hidden)", true)
      .output("out", "every h_t, (batch, hidden, L)")
      .output("final", "the last h, (batch, hidden)")
      .attr_choice("activation", "tanh", "tanh|relu", "the nonlinearity act")
      .supports_epilogue()
      .infer(infer)
      .cpu(run)
      .cuda(if_built(rnn_cuda, run_cuda));
}

}  // namespace graphrun::sequence
#endif  // HWY_ONCE
