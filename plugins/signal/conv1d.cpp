// conv1d: torch.nn.functional.conv1d (cross-correlation) with fused bias and silu, by a
// general direct path, a depthwise fast path, or an overlap-save FFT path for long kernels,
// each compiled for every SIMD target and dispatched at run time.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "signal/conv1d.cpp"
#include <hwy/foreach_target.h>  // IWYU pragma: keep

#include <hwy/highway.h>

#include "signal/conv_depthwise-inl.h"
#include "signal/conv_direct-inl.h"
#include "signal/conv_fft-inl.h"
#include "signal/conv_kernels.h"
#include "signal/cuda_launchers.h"
#include "signal/fft_plan.h"
#include "signal/signal_ops.h"

#include <memory>

HWY_BEFORE_NAMESPACE();
namespace graphrun::signal::HWY_NAMESPACE {

/// Runs the path chosen for the node (fft: the plan prepared for it).
template <typename T>
void convolve(const plugin::Node& node, const ConvGeometry& g, ConvPath path, const FftPlan* fft,
              const ConvTensors<T>& t) {
  switch (path) {
    case ConvPath::kDirect: conv_direct(node, g, t); break;
    case ConvPath::kDepthwise: conv_depthwise(node, g, t); break;
    case ConvPath::kFft: conv_fft(node, g, *fft, t); break;
  }
}
void convolve_f32(const plugin::Node& node, const ConvGeometry& g, ConvPath path, const FftPlan* fft,
                  const ConvTensors<float>& t) {
  convolve(node, g, path, fft, t);
}
void convolve_f64(const plugin::Node& node, const ConvGeometry& g, ConvPath path, const FftPlan* fft,
                  const ConvTensors<double>& t) {
  convolve(node, g, path, fft, t);
}

}  // namespace graphrun::signal::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace graphrun::signal {
namespace {

using plugin::Node;

HWY_EXPORT(convolve_f32);
HWY_EXPORT(convolve_f64);

/// What prepare() settles once per node: the geometry, the path, and FFT plans if needed.
struct ConvPlan {
  ConvGeometry geometry;
  ConvPath path = ConvPath::kDirect;
  std::unique_ptr<FftPlan> fft;
};

ConvPath choose_path(const ConvGeometry& g, FftLayout& layout) {
  const ConvPath direct = g.depthwise() ? ConvPath::kDepthwise : ConvPath::kDirect;
  if (g.algorithm == ConvAlgorithm::kDirect) return direct;
  layout = fft_layout(g);
  if (g.algorithm == ConvAlgorithm::kFft) return ConvPath::kFft;
  return fft_spectra_fit(g, layout) && fft_cost(g, layout) < direct_cost(g) ? ConvPath::kFft : direct;
}

std::unique_ptr<ConvPlan> make_plan(const Node& node) {
  auto plan = std::make_unique<ConvPlan>();
  plan->geometry = conv_geometry(node);
  FftLayout layout;
  plan->path = choose_path(plan->geometry, layout);
  if (plan->path == ConvPath::kFft) plan->fft = std::make_unique<FftPlan>(layout, node.dtype());
  return plan;
}

void infer(const Node& node, plugin::Outputs& outs) { outs.add(conv_geometry(node).out_shape); }

void run(const Node& node, std::span<plugin::OutTensor> outs) {
  std::unique_ptr<ConvPlan> local;
  const auto* plan = static_cast<const ConvPlan*>(node.state());
  if (!plan) {  // not prepared (a host that skips prepare): plan now
    local = make_plan(node);
    plan = local.get();
  }
  const plugin::Tensor bias = node.input("bias");
  plugin::dispatch(node.dtype(), [&]<typename T>() {
    const ConvTensors<T> t{node.input("x").data<T>(), node.input("w").data<T>(),
                           bias.valid() ? bias.data<T>() : nullptr, outs[0].data<T>()};
    if constexpr (sizeof(T) == sizeof(float))
      HWY_DYNAMIC_DISPATCH(convolve_f32)(node, plan->geometry, plan->path, plan->fft.get(), t);
    else
      HWY_DYNAMIC_DISPATCH(convolve_f64)(node, plan->geometry, plan->path, plan->fft.get(), t);
  });
}

/// On a CUDA device: the kernel conv_cuda_plan.cpp picks for the geometry.
void run_cuda(const Node& node, std::span<plugin::OutTensor> outs) {
  const auto* plan = static_cast<const ConvPlan*>(node.state());
  const ConvGeometry g = plan ? plan->geometry : conv_geometry(node);
  const CudaConvPlan cuda = cuda_conv_plan(g);
  const plugin::Tensor bias = node.input("bias");
  const void* x = node.input("x").data<void>();
  const void* w = node.input("w").data<void>();
  const void* b = bias.valid() ? bias.data<void>() : nullptr;
  if (cuda.path == CudaConvPath::kFft)
    conv1d_fft_cuda(node, conv_dims(g), cuda, x, w, b, outs[0].data<void>());
  else
    conv1d_direct_cuda(node, conv_dims(g), cuda, x, w, b, outs[0].data<void>());
}

}  // namespace

plugin::OpDef conv1d_op() {
  plugin::OpDef op(
      "conv1d",
      "1-D convolution as torch.nn.functional.conv1d (cross-correlation: the kernel is not "
      "flipped), with optional fused bias and silu. x (N, C_in, L) gives (N, C_out, L_out); an "
      "unbatched x (C_in, L) gives (C_out, L_out); a rank-1 x (L,) is one channel, (1, 1, L), and "
      "gives (L_out,) when C_out is 1, else (C_out, L_out). L_out = ⌊(L + zeros added − dilation·(K−1) "
      "− 1)/stride⌋ + 1. Mamba's causal conv is {groups: C, padding: causal, activation: silu}. "
      "Results are bit-identical for any thread count.");
  op.input("x", "the signal (N, C_in, L), (C_in, L) or (L,)")
      .input("w", "the kernel (C_out, C_in/groups, K)")
      .input("bias", "added to each output channel (C_out,)", true)
      .output("out", "the result (N, C_out, L_out), with x's batch and channel axes")
      .attr_int("stride", 1, "step between outputs, in input samples (>= 1)")
      .attr_int("dilation", 1, "spacing between kernel taps, in input samples (>= 1)")
      .attr_int("groups", 1,
                "input and output channels split into this many independent groups (divides both); "
                "groups = C_in = C_out is a depthwise conv")
      .attr_choice("padding", "valid", "valid|same|causal",
                   "zeros added to the input: an int p (p on each side, as PyTorch), valid (none, "
                   "the default: padding 0), same (output length L; stride 1; dilation·(K−1) zeros "
                   "split as PyTorch does, the odd one on the right) or causal (dilation·(K−1) zeros "
                   "on the left: output t sees inputs up to t, output length L at stride 1)",
                   GR_ATTR_INT_OR_STRING)
      .attr_choice("activation", "none", "none|silu", "applied to each output after the bias, fused")
      .attr_choice("algorithm", "auto", "auto|direct|fft",
                   "direct (a depthwise fast path when each output channel reads one input channel), "
                   "overlap-save fft (FFTW, cuFFT on a GPU; f32 results to ~1e-6 of the output's scale), or "
                   "auto: fft when a cost model (the CPU's or the GPU's) finds it cheaper, i.e. long kernels")
      .supports_epilogue()
      .infer(infer)
      .prepare([](const Node& node) -> void* { return make_plan(node).release(); },
               [](void* state) { delete static_cast<ConvPlan*>(state); })
      .cpu(run)
      .cuda(core::if_built(&conv1d_direct_cuda, run_cuda));
  return op;
}

}  // namespace graphrun::signal
#endif  // HWY_ONCE
