// conv1d's depthwise path (one input channel per output channel, stride 1), Mamba's
// causal conv, compiled for every SIMD target: where every tap falls inside the input, a
// vector of outputs is bias + taps accumulated in registers, then silu, then stored once.
// The few outputs near the edges take a bounds-checked scalar loop. Each output sums bias,
// then taps in order, and silu is the same function on both sides, so an output's bits do
// not depend on where the vectors fall. A Highway "-inl" header: conv1d.cpp includes it per
// target.

// Per-target include guard (Highway's toggle idiom).
#if defined(GRAPHRUN_SIGNAL_CONV_DEPTHWISE_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef GRAPHRUN_SIGNAL_CONV_DEPTHWISE_INL_H_
#undef GRAPHRUN_SIGNAL_CONV_DEPTHWISE_INL_H_
#else
#define GRAPHRUN_SIGNAL_CONV_DEPTHWISE_INL_H_
#endif

#include <hwy/highway.h>

#include "signal/activation-inl.h"
#include "signal/conv_kernels.h"

HWY_BEFORE_NAMESPACE();
namespace graphrun::signal::HWY_NAMESPACE {

/// One output near an edge: the taps that fall inside [0, length), in order.
template <typename T>
T edge_output(const T* x, const T* w, T bias, int64_t t, const ConvGeometry& g) {
  T acc = bias;
  for (int64_t k = 0; k < g.kernel; ++k) {
    const int64_t i = t + k * g.dilation - g.pad_left;
    if (i >= 0 && i < g.length) acc = acc + w[k] * x[i];
  }
  return acc;
}

/// Vectors of outputs [lo, hi) (hi - lo a multiple of the vector width), all taps inside x.
/// kTaps is K when known at compile time, 0 for any K.
template <typename T, int kTaps, bool kSilu>
void interior_lanes(T* y, int64_t lo, int64_t hi, const T* x, const T* w, T bias, const ConvGeometry& g) {
  const hn::ScalableTag<T> d;
  using V = hn::Vec<decltype(d)>;
  const int64_t width = static_cast<int64_t>(hn::Lanes(d));
  const int64_t taps = kTaps ? kTaps : g.kernel, dilation = g.dilation;
  V wk[kTaps ? kTaps : 1];
  if constexpr (kTaps > 0)
    for (int k = 0; k < kTaps; ++k) wk[k] = hn::Set(d, w[k]);
  for (int64_t t = lo; t < hi; t += width) {
    const T* first = x + (t - g.pad_left);
    V acc = hn::Set(d, bias);
    for (int64_t k = 0; k < taps; ++k) {
      const V wv = kTaps > 0 ? wk[k] : hn::Set(d, w[k]);
      acc = hn::Add(acc, hn::Mul(wv, hn::LoadU(d, first + k * dilation)));
    }
    if constexpr (kSilu) acc = nm::Silu(d, acc);
    hn::StoreU(acc, d, y + t);
  }
}

template <typename T, int kTaps>
void interior(T* y, int64_t lo, int64_t hi, const T* x, const T* w, T bias, const ConvGeometry& g) {
  if (g.silu) interior_lanes<T, kTaps, true>(y, lo, hi, x, w, bias, g);
  else interior_lanes<T, kTaps, false>(y, lo, hi, x, w, bias, g);
}

/// Outputs [t0, t1) of one row.
template <typename T>
void depthwise_chunk(const plugin::Node& node, T* y, int64_t t0, int64_t t1, const T* x, const T* w, T bias,
                     const ConvGeometry& g) {
  const int64_t width = static_cast<int64_t>(hn::Lanes(hn::ScalableTag<T>()));
  // Every tap of output t is inside x when pad_left <= t < length + pad_left - (span - 1).
  const int64_t lo = std::clamp(g.pad_left, t0, t1);
  const int64_t inside_end = std::clamp(g.length + g.pad_left - g.span() + 1, lo, t1);
  const int64_t hi = lo + (inside_end - lo) / width * width;
  for (int64_t t = t0; t < lo; ++t) y[t] = edge_output(x, w, bias, t, g);
  switch (g.kernel) {
    case 2: interior<T, 2>(y, lo, hi, x, w, bias, g); break;
    case 3: interior<T, 3>(y, lo, hi, x, w, bias, g); break;
    case 4: interior<T, 4>(y, lo, hi, x, w, bias, g); break;
    default: interior<T, 0>(y, lo, hi, x, w, bias, g); break;
  }
  for (int64_t t = hi; t < t1; ++t) y[t] = edge_output(x, w, bias, t, g);
  if (g.silu) {
    silu_in_place(y + t0, lo - t0);
    silu_in_place(y + hi, t1 - hi);
  }
  node.apply_epilogue(y + t0, t1 - t0);
}

template <typename T>
void conv_depthwise(const plugin::Node& node, const ConvGeometry& g, const ConvTensors<T>& t) {
  const int64_t chunks = (g.out_length + kChunk - 1) / kChunk;
  const int64_t grain = chunk_grain(std::min(kChunk, g.out_length), g.kernel);
  node.parallel_for(g.batch * g.out_channels * chunks, grain, [&](int64_t begin, int64_t end) HWY_ATTR {
    for (int64_t item = begin; item < end; ++item) {
      const int64_t row = item / chunks, t0 = item % chunks * kChunk;
      const int64_t c = row % g.out_channels;
      depthwise_chunk(node, t.y + row * g.out_length, t0, std::min(g.out_length, t0 + kChunk),
                      t.x + row * g.length, t.w + c * g.kernel, t.bias ? t.bias[c] : T(0), g);
    }
  });
}

}  // namespace graphrun::signal::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif  // GRAPHRUN_SIGNAL_CONV_DEPTHWISE_INL_H_
