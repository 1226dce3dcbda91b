// conv1d's general direct path: for each (batch, output channel) row and chunk of outputs,
// y = bias + Σ over the group's input channels and the taps, each output summed in the
// same order (channel, then tap) however the work is cut. Taps are added four at a time
// where all four fall inside the input, so y is loaded and stored once per four taps. The
// loops are plain C++ compiled for every SIMD target (the compiler vectorizes them along
// the outputs; each output's sum keeps its order). A Highway "-inl" header: conv1d.cpp
// includes it per target.

// Per-target include guard (Highway's toggle idiom).
#if defined(GRAPHRUN_SIGNAL_CONV_DIRECT_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef GRAPHRUN_SIGNAL_CONV_DIRECT_INL_H_
#undef GRAPHRUN_SIGNAL_CONV_DIRECT_INL_H_
#else
#define GRAPHRUN_SIGNAL_CONV_DIRECT_INL_H_
#endif

#include <hwy/highway.h>

#include "signal/activation-inl.h"
#include "signal/conv_kernels.h"

HWY_BEFORE_NAMESPACE();
namespace graphrun::signal::HWY_NAMESPACE {

/// The outputs t in [lo, hi) whose tap reads input t·stride + offset inside [0, length).
struct TapRange {
  int64_t lo, hi;
};

TapRange tap_range(int64_t offset, int64_t stride, int64_t length, int64_t t0, int64_t t1) {
  const int64_t lo = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
  const int64_t last = length - 1 - offset;
  const int64_t hi = last < 0 ? 0 : last / stride + 1;
  return {std::max(lo, t0), std::min(hi, t1)};
}

/// y[t] += w[j]·x[t·stride + offset[j]] for j = 0..kTaps-1 in order, t in [lo, hi).
template <typename T, int kTaps>
void add_taps(T* __restrict y, int64_t lo, int64_t hi, const T* __restrict x, const T* w,
              const int64_t* offset, int64_t stride) {
  T wk[kTaps];
  int64_t off[kTaps];
  for (int j = 0; j < kTaps; ++j) wk[j] = w[j], off[j] = offset[j];
  if (stride == 1) {
    for (int64_t t = lo; t < hi; ++t) {
      T acc = y[t];
      for (int j = 0; j < kTaps; ++j) acc = acc + wk[j] * x[t + off[j]];
      y[t] = acc;
    }
    return;
  }
  for (int64_t t = lo; t < hi; ++t) {
    T acc = y[t];
    for (int j = 0; j < kTaps; ++j) acc = acc + wk[j] * x[t * stride + off[j]];
    y[t] = acc;
  }
}

/// Adds one input channel's taps onto the chunk [t0, t1) of an output row.
template <typename T>
void add_channel(T* y, int64_t t0, int64_t t1, const T* x, const T* w, const ConvGeometry& g) {
  constexpr int kGroup = 4;
  for (int64_t k0 = 0; k0 < g.kernel; k0 += kGroup) {
    const int taps = static_cast<int>(std::min<int64_t>(kGroup, g.kernel - k0));
    int64_t offset[kGroup];
    TapRange range[kGroup];
    TapRange common{t0, t1};
    for (int j = 0; j < taps; ++j) {
      offset[j] = (k0 + j) * g.dilation - g.pad_left;
      range[j] = tap_range(offset[j], g.stride, g.length, t0, t1);
      common = {std::max(common.lo, range[j].lo), std::min(common.hi, range[j].hi)};
    }
    if (taps < kGroup || common.lo >= common.hi) common = {t1, t1};
    else add_taps<T, kGroup>(y, common.lo, common.hi, x, w + k0, offset, g.stride);
    // Outside the common range, tap by tap in order: each output still sums taps in order.
    for (int j = 0; j < taps; ++j) {
      add_taps<T, 1>(y, range[j].lo, std::min(range[j].hi, common.lo), x, w + k0 + j, offset + j, g.stride);
      add_taps<T, 1>(y, std::max(range[j].lo, common.hi), range[j].hi, x, w + k0 + j, offset + j, g.stride);
    }
  }
}

template <typename T>
void conv_direct(const plugin::Node& node, const ConvGeometry& g, const ConvTensors<T>& t) {
  const int64_t chunks = (g.out_length + kChunk - 1) / kChunk;
  const int64_t per_group = g.in_per_group();
  const int64_t grain = chunk_grain(std::min(kChunk, g.out_length), per_group * g.kernel);
  node.parallel_for(g.batch * g.out_channels * chunks, grain, [&](int64_t begin, int64_t end) HWY_ATTR {
    for (int64_t item = begin; item < end; ++item) {
      const int64_t row = item / chunks, t0 = item % chunks * kChunk;
      const int64_t t1 = std::min(g.out_length, t0 + kChunk);
      const int64_t n = row / g.out_channels, co = row % g.out_channels;
      const int64_t first_in = n * g.in_channels + co / g.out_per_group() * per_group;
      T* y = t.y + row * g.out_length;
      std::fill(y + t0, y + t1, t.bias ? t.bias[co] : T(0));
      for (int64_t ci = 0; ci < per_group; ++ci)
        add_channel(y, t0, t1, t.x + (first_in + ci) * g.length, t.w + (co * per_group + ci) * g.kernel, g);
      finish_chunk(node, g, y + t0, t1 - t0);
    }
  });
}

}  // namespace graphrun::signal::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif  // GRAPHRUN_SIGNAL_CONV_DIRECT_INL_H_
