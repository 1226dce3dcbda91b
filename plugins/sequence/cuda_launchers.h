// The CUDA launchers of the sequence ops, one per <op>.cu, and how an op registers its CUDA
// kernel only when they are built (as plugins/core/cuda_launchers.h).
//
// The launchers are weak declarations: in a build with CUDA (GRAPHRUN_CUDA) the .cu files
// define them; without it no .cu file is compiled, each name resolves to null, and
// if_built() leaves the op without a CUDA kernel. Each launcher queues its work on
// node.cuda_stream(), never synchronizes, and throws std::runtime_error naming the op when
// a launch fails. Tensor pointers are device pointers, the rest host values; T is
// node.dtype(). None applies the node's epilogue: the device executor does, after the kernel.
#pragma once

#include "broadcast_rows.h"
#include "ssm_discretize.h"

#include <graphrun/plugin.hpp>

#include <cstdint>
#include <utility>

#ifndef GRAPHRUN_CUDA_LAUNCHER
#define GRAPHRUN_CUDA_LAUNCHER __attribute__((weak, visibility("hidden")))
#endif

namespace graphrun::sequence {

/// `kernel` when `launcher` was built (a CUDA build), else no kernel.
template <typename Launcher>
plugin::KernelFn if_built(Launcher* launcher, plugin::KernelFn kernel) {
  return launcher != nullptr ? std::move(kernel) : plugin::KernelFn();
}

/// recurrence: `rows` rows of `length` steps, h_t = a_t·h_{t-1} + b_t. Row r's b at
/// b + r·length, its a_t at a + a_rows.offset(r) + t·a_step (a_step 0: constant along time),
/// its h_{-1} at h0 + h0_rows.offset(r) (h0 null: 0). out: every h_t (rows·length) when
/// save_all, else the last h of each row (rows).
struct RecurrenceArgs {
  int64_t rows, length;
  const void* a;
  int64_t a_step;
  BroadcastRows a_rows;
  const void* b;
  const void* h0;
  BroadcastRows h0_rows;
  bool save_all;
  void* out;
};
void recurrence_cuda(const plugin::Node& node, const RecurrenceArgs& args) GRAPHRUN_CUDA_LAUNCHER;

/// selective_scan: u, delta, z (B, D, L), A (D, N), Bm, Cm (B, N, L), Dskip, delta_bias (D);
/// the optional ones may be null. y (B, D, L), final (B, D, N).
struct SelectiveScanArgs {
  int64_t batch, channels, states, length;
  const void *u, *delta, *a, *bm, *cm, *dskip, *z, *delta_bias;
  bool softplus;
  void *y, *final;
};
void selective_scan_cuda(const plugin::Node& node, const SelectiveScanArgs& args) GRAPHRUN_CUDA_LAUNCHER;

/// ssm: u (batch, D, L), A, B, C (D, N), Dskip (D, may be null), dt (D) or, when null, the
/// step dt_value for every channel. Discretized on the device with discretize()
/// (ssm_discretize.h), then run as the recurrence (ssm.cu) or, when `convolution` (the mode
/// the CPU would run), as the convolution with K (ssm_convolution.cu: ssm_convolution_cuda,
/// which ssm_cuda calls). y (batch, D, L), final (batch, D, N).
struct SsmArgs {
  int64_t batch, channels, states, length;
  const void *u, *a, *b, *c, *dskip, *dt;
  double dt_value;
  Discretization method;
  bool convolution;
  void *y, *final;
};
void ssm_cuda(const plugin::Node& node, const SsmArgs& args) GRAPHRUN_CUDA_LAUNCHER;
void ssm_convolution_cuda(const plugin::Node& node, const SsmArgs& args) GRAPHRUN_CUDA_LAUNCHER;

/// rnn: x (batch, input, L), W_hh (hidden, hidden), W_xh (hidden, input), bias (hidden) and
/// h0 (batch, hidden) optional (null). out (batch, hidden, L), final (batch, hidden).
struct RnnArgs {
  int64_t batch, input, hidden, length;
  const void *x, *w_hh, *w_xh, *bias, *h0;
  bool relu;
  void *out, *final;
};
void rnn_cuda(const plugin::Node& node, const RnnArgs& args) GRAPHRUN_CUDA_LAUNCHER;

}  // namespace graphrun::sequence
