// conv1d's shapes and attributes, validated once and shared by inference and the kernels.
#pragma once

#include <graphrun/plugin.hpp>

#include <cstdint>

namespace graphrun::signal {

/// What the node asks of conv1d's `algorithm` attribute.
enum class ConvAlgorithm { kAuto, kDirect, kFft };

/// The convolution as (N, C_in, L) ⋆ (C_out, C_in/groups, K) → (N, C_out, L_out).
struct ConvGeometry {
  int64_t batch = 1, in_channels = 1, length = 0;  // x as (N, C_in, L)
  int64_t out_channels = 1, kernel = 1;            // w as (C_out, C_in/groups, K)
  int64_t groups = 1, stride = 1, dilation = 1;
  int64_t pad_left = 0, pad_right = 0;
  int64_t out_length = 0;
  bool has_bias = false, silu = false;
  bool f64 = false;  // the node's dtype: the FFT path's cost per size depends on it (fft_plan.cpp)
  ConvAlgorithm algorithm = ConvAlgorithm::kAuto;
  plugin::Shape out_shape;  // x's rank: (N, C_out, L_out), (C_out, L_out), or (L_out,)

  int64_t in_per_group() const { return in_channels / groups; }
  int64_t out_per_group() const { return out_channels / groups; }
  /// Input samples one output sees: dilation·(K−1) + 1.
  int64_t span() const { return dilation * (kernel - 1) + 1; }
  /// Output positions at stride 1 (the FFT path computes these, then keeps every stride-th).
  int64_t dense_length() const { return length + pad_left + pad_right - span() + 1; }
  /// Each output channel reads one input channel, at stride 1: the depthwise fast path.
  bool depthwise() const { return in_per_group() == 1 && out_per_group() == 1 && stride == 1; }
};

/// Reads and checks the node's ports and attributes; a UserError names the port or
/// attribute at fault and both shapes involved.
ConvGeometry conv_geometry(const plugin::Node& node);

}  // namespace graphrun::signal
