// What the three CPU paths of conv1d share: the tensors of a run and the fixed output
// chunking (results never depend on the thread count). The paths themselves are per-target
// code (conv_*-inl.h), compiled for every SIMD target in conv1d.cpp.
#pragma once

#include "conv_geometry.h"

#include <graphrun/plugin.hpp>

#include <algorithm>
#include <cstdint>

namespace graphrun::signal {

/// The data of one conv1d run, rows as in ConvGeometry: x row n·C_in + c, y row n·C_out + c.
template <typename T> struct ConvTensors {
  const T* x;
  const T* w;
  const T* bias;  // nullptr when the node has none
  T* y;
};

/// Outputs per chunk of a row: one chunk of y stays in L1 while the kernel works on it.
inline constexpr int64_t kChunk = 2048;

/// Chunks of kChunk outputs per task, so each task does at least ~2^16 multiply-adds.
inline int64_t chunk_grain(int64_t outputs_per_chunk, int64_t macs_per_output) {
  return std::max<int64_t>(1, (int64_t{1} << 16) / std::max<int64_t>(1, outputs_per_chunk * macs_per_output));
}

/// The three paths: general direct (any stride, dilation, groups and padding, vectorized
/// along L), depthwise stride-1 (Mamba's causal conv: taps, bias and silu in registers),
/// overlap-save FFT.
enum class ConvPath { kDirect, kDepthwise, kFft };

}  // namespace graphrun::signal
