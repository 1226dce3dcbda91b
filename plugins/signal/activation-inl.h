// conv1d's fused activation and the finish of each chunk of outputs, for every SIMD target
// (a Highway "-inl" header: include it per target). silu is graphrun's numerics: the bits
// of an expr `silu`, and of the same silu applied in registers by the depthwise path.

// Per-target include guard (Highway's toggle idiom).
#if defined(GRAPHRUN_SIGNAL_ACTIVATION_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef GRAPHRUN_SIGNAL_ACTIVATION_INL_H_
#undef GRAPHRUN_SIGNAL_ACTIVATION_INL_H_
#else
#define GRAPHRUN_SIGNAL_ACTIVATION_INL_H_
#endif

#include "signal/conv_geometry.h"

#include <graphrun/numerics/arrays-inl.h>
#include <graphrun/numerics/math-inl.h>
#include <graphrun/plugin.hpp>

#include <hwy/highway.h>

#include <cstdint>

HWY_BEFORE_NAMESPACE();
namespace graphrun::signal::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;
namespace nm = graphrun::numerics::HWY_NAMESPACE;

/// silu over n values in place.
template <typename T> HWY_INLINE void silu_in_place(T* p, int64_t n) {
  nm::Map(hn::ScalableTag<T>(), p, n, [](auto d, auto v) HWY_ATTR { return nm::Silu(d, v); });
}

/// Applies the activation and the node's fused epilogue to n outputs just written.
template <typename T> void finish_chunk(const plugin::Node& node, const ConvGeometry& g, T* y, int64_t n) {
  if (g.silu) silu_in_place(y, n);
  node.apply_epilogue(y, n);
}

}  // namespace graphrun::signal::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif  // GRAPHRUN_SIGNAL_ACTIVATION_INL_H_
