// conv1d's per-output math as __host__ __device__ functions: the tap geometry, the sum of
// one output in the CPU's order, the fused activation, and the overlap-save block index math
// of the FFT path. The CUDA kernels (conv1d.cu, conv1d_fft.cu) call these; the host tests
// (tests/signal/test_conv_math.cpp) check them against the CPU op, bit for bit where the CPU
// path sums the same way (direct and depthwise: bias, then every tap inside the input in
// (input channel, tap) order, each product rounded, then added; taps in the padding skipped,
// not added as zeros).
#pragma once

#include "common/complex_product.h"
#include "core/host_device.h"

#include <graphrun/cuda/elementwise_math.cuh>

#include <cstdint>

namespace graphrun::signal {

/// The convolution as (N, C_in, L) ⋆ (C_out, C_in/groups, K) → (N, C_out, L_out): the plain
/// numbers of ConvGeometry, passed to CUDA kernels by value (conv_dims() in conv_cuda_plan.h).
struct ConvDims {
  int64_t batch = 1, in_channels = 1, length = 0;
  int64_t out_channels = 1, kernel = 1;
  int64_t groups = 1, stride = 1, dilation = 1;
  int64_t pad_left = 0, out_length = 0;
  bool silu = false;

  GRAPHRUN_HD int64_t in_per_group() const { return in_channels / groups; }
  GRAPHRUN_HD int64_t out_per_group() const { return out_channels / groups; }
  /// Input samples one output sees: dilation·(K−1) + 1.
  GRAPHRUN_HD int64_t span() const { return dilation * (kernel - 1) + 1; }
  /// Output rows (n, c_out), each out_length long.
  GRAPHRUN_HD int64_t rows() const { return batch * out_channels; }
  /// x's row of input channel ci (0 <= ci < C_in/groups) of output row `row`'s group.
  GRAPHRUN_HD int64_t input_row(int64_t row, int64_t ci) const {
    const int64_t n = row / out_channels, co = row % out_channels;
    return n * in_channels + co / out_per_group() * in_per_group() + ci;
  }
};

/// The input index tap k of output t reads (outside [0, length) when it falls in the padding).
GRAPHRUN_HD inline int64_t conv_input_index(const ConvDims& d, int64_t t, int64_t k) {
  return t * d.stride + k * d.dilation - d.pad_left;
}

/// Whether every tap of output t falls inside the input (no padding read).
GRAPHRUN_HD inline bool conv_taps_inside(const ConvDims& d, int64_t t) {
  const int64_t first = conv_input_index(d, t, 0);
  return first >= 0 && first + d.span() - 1 < d.length;
}

/// acc plus the taps of one input row for output t, in tap order, skipping the padding.
template <typename T>
GRAPHRUN_HD inline T conv_add_row(T acc, const ConvDims& d, const T* x_row, const T* w_row, int64_t t) {
  for (int64_t k = 0; k < d.kernel; ++k) {
    const int64_t i = conv_input_index(d, t, k);
    if (i >= 0 && i < d.length) acc = acc + w_row[k] * x_row[i];
  }
  return acc;
}

/// Output t of row `row` (n·C_out + c_out) before the activation: bias (0 without), then the
/// taps of the group's input channels in (channel, tap) order: the CPU direct and depthwise
/// paths' bits. x and w are the whole tensors.
template <typename T>
GRAPHRUN_HD inline T conv_sum(const ConvDims& d, const T* x, const T* w, const T* bias, int64_t row, int64_t t) {
  const int64_t co = row % d.out_channels, per_group = d.in_per_group();
  T acc = bias ? bias[co] : T(0);
  for (int64_t ci = 0; ci < per_group; ++ci)
    acc = conv_add_row(acc, d, x + d.input_row(row, ci) * d.length, w + (co * per_group + ci) * d.kernel, t);
  return acc;
}

/// The fused activation: silu (graphrun's overflow-safe form, ew::silu) or none.
template <typename T> GRAPHRUN_HD inline T conv_activate(const ConvDims& d, T v) { return d.silu ? ew::silu(v) : v; }

/// Depthwise, dilation 1, taps kTaps, left padding kPad: outputs t0..t0+kLanes-1 from the
/// window x[t0 − kPad .. t0 − kPad + kLanes + kTaps − 2] with every tap inside the input
/// (win[m] = x[t0 − kPad + m]). The CUDA fast path's arithmetic, equal to conv_sum there.
template <typename T, int kTaps, int kLanes>
GRAPHRUN_HD inline void depthwise_window(const T* win, const T* w, T bias, bool silu, T* out) {
#if defined(__CUDA_ARCH__)
#pragma unroll
#endif
  for (int i = 0; i < kLanes; ++i) {
    T acc = bias;
#if defined(__CUDA_ARCH__)
#pragma unroll
#endif
    for (int k = 0; k < kTaps; ++k) acc = acc + w[k] * win[i + k];
    out[i] = silu ? ew::silu(acc) : acc;
  }
}

// ---- The FFT path's overlap-save blocks ------------------------------------------------

/// Block b of `size` padded inputs starts at dense output (= padded input) b·step; its i-th
/// sample is x[b·step + i − pad_left], zero where that is outside the input.
GRAPHRUN_HD inline int64_t fft_block_input(const ConvDims& d, int64_t step, int64_t b, int64_t i) {
  return b * step + i - d.pad_left;
}

/// The outputs [lo, hi) whose dense position t·stride falls in block b's `step` valid ones.
struct OutputRange {
  int64_t lo, hi;
};
GRAPHRUN_HD inline OutputRange fft_block_outputs(const ConvDims& d, int64_t step, int64_t b) {
  const int64_t first = b * step;
  const int64_t last = first + step;  // one past the block's last valid dense output
  const int64_t lo = (first + d.stride - 1) / d.stride;
  const int64_t hi = (last + d.stride - 1) / d.stride;
  return {lo, hi < d.out_length ? hi : d.out_length};  // ⌈dense_length/stride⌉ = out_length
}

/// The block whose valid outputs hold output t: ⌊t·stride/step⌋.
GRAPHRUN_HD inline int64_t fft_block_of(const ConvDims& d, int64_t step, int64_t t) { return t * d.stride / step; }

/// Where output t lies in its block's inverse transform: the dense offset t·stride − b·step.
GRAPHRUN_HD inline int64_t fft_dense_offset(const ConvDims& d, int64_t step, int64_t b, int64_t t) {
  return t * d.stride - b * step;
}

/// acc += a·b for complex a, b given as (re, im): re = ar·br − ai·bi, im = ar·bi + ai·br,
/// each product rounded, then the sums: the CPU's spectra product (common/spectra-inl.h).
template <typename T>
GRAPHRUN_HD inline void complex_multiply_add(T& acc_re, T& acc_im, T ar, T ai, T br, T bi) {
  T re, im;
  common::complex_product(ar, ai, br, bi, re, im);
  acc_re = acc_re + re;
  acc_im = acc_im + im;
}

}  // namespace graphrun::signal
