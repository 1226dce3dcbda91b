#include "conv_cuda_plan.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace graphrun::signal {
namespace {

// The device's rates, in ns (an H200 from its data sheet, derated; unmeasured): memory at
// 3 TB/s; arithmetic of cuFFT at 30 (f32) and 15 (f64) Tflop/s; the direct kernels' separate
// multiply and add (--fmad=false) at 6 (f32) and 3 (f64) T multiply-adds/s; one kernel launch
// or cuFFT call on the stream about 4 µs.
constexpr double kNsPerByte = 1.0 / 3000;
constexpr double kNsPerFlopF32 = 1.0 / 30000, kNsPerFlopF64 = 1.0 / 15000;
constexpr double kNsPerMacF32 = 1.0 / 6000, kNsPerMacF64 = 1.0 / 3000;
constexpr double kNsPerLaunch = 4000;
// A real transform of n samples: 2.5·n·log2 n flops, and about three passes over n values.
constexpr double kFftFlopsPerSampleLog = 2.5;
constexpr double kFftPassesPerSample = 3;

double value_bytes(const ConvGeometry& g) { return g.f64 ? 8.0 : 4.0; }
double flop_ns(const ConvGeometry& g) { return g.f64 ? kNsPerFlopF64 : kNsPerFlopF32; }

double transform_ns(const ConvGeometry& g, int64_t n) {
  const double size = static_cast<double>(n);
  return size * (kFftFlopsPerSampleLog * std::log2(size) * flop_ns(g) +
                 kFftPassesPerSample * value_bytes(g) * kNsPerByte);
}

/// Device bytes of one (batch, group) pair's round: blocks of real samples (the gathered
/// input, then the inverse transforms of the group's output channels) and the spectra of the
/// group's input and output channels.
double pair_bytes(const ConvGeometry& g, const FftLayout& l) {
  const double reals = static_cast<double>(std::max(g.in_per_group(), g.out_per_group()) * l.size);
  const double spectra = static_cast<double>((g.in_per_group() + g.out_per_group()) * 2 * l.bins());
  return static_cast<double>(l.blocks) * (reals + spectra) * value_bytes(g);
}

/// Device bytes of the kernel spectra (and the real kernels they are made from).
double kernel_bytes(const ConvGeometry& g, const FftLayout& l) {
  return static_cast<double>(g.out_channels * g.in_per_group()) * static_cast<double>(l.size + 2 * l.bins()) *
         value_bytes(g);
}

bool fits(const ConvGeometry& g, const FftLayout& l) {
  return kernel_bytes(g, l) + pair_bytes(g, l) <= static_cast<double>(kFftScratchBytes);
}

}  // namespace

ConvDims conv_dims(const ConvGeometry& g) {
  ConvDims d;
  d.batch = g.batch;
  d.in_channels = g.in_channels;
  d.length = g.length;
  d.out_channels = g.out_channels;
  d.kernel = g.kernel;
  d.groups = g.groups;
  d.stride = g.stride;
  d.dilation = g.dilation;
  d.pad_left = g.pad_left;
  d.out_length = g.out_length;
  d.silu = g.silu;
  return d;
}

bool cuda_depthwise_taps(const ConvGeometry& g) {
  return g.depthwise() && g.dilation == 1 && g.kernel <= 4 && g.pad_left <= g.kernel - 1;
}

int64_t cuda_direct_taps_per_round(const ConvGeometry& g) {
  const int64_t capacity = kDirectSegmentBytes / (g.f64 ? 8 : 4);
  const int64_t base = (kDirectTile - 1) * g.stride + 1;  // the segment of one tap
  if (base > capacity) return 0;
  return std::min(g.kernel, (capacity - base) / g.dilation + 1);
}

double cuda_direct_cost(const ConvGeometry& g) {
  const double outputs = static_cast<double>(g.batch * g.out_channels) * static_cast<double>(g.out_length);
  const double inputs = static_cast<double>(g.batch * g.in_channels) * static_cast<double>(g.length);
  const double macs = outputs * static_cast<double>(g.in_per_group() * g.kernel);
  return macs * (g.f64 ? kNsPerMacF64 : kNsPerMacF32) + (inputs + outputs) * value_bytes(g) * kNsPerByte +
         kNsPerLaunch;
}

double cuda_fft_cost(const ConvGeometry& g, const FftLayout& l) {
  const double in = static_cast<double>(g.in_per_group()), out = static_cast<double>(g.out_per_group());
  const double bins = static_cast<double>(l.bins()), size = static_cast<double>(l.size);
  // One block of one pair: gather (read and write each sample), forward transforms, the
  // spectra products (8 flops each; the input spectra read once per output channel), the
  // inverse transforms, and the outputs read and written once more.
  const double products = in * out * bins;
  const double per_block = in * size * 2 * value_bytes(g) * kNsPerByte + (in + out) * transform_ns(g, l.size) +
                           products * 8 * flop_ns(g) + (in + 1) * out * bins * 2 * value_bytes(g) * kNsPerByte +
                           out * static_cast<double>(l.step) * 2 * value_bytes(g) * kNsPerByte;
  const double pairs = static_cast<double>(g.batch * g.groups);
  const double rounds = std::ceil(pairs / static_cast<double>(cuda_fft_pairs(g, l)));
  const double kernels = static_cast<double>(g.out_channels) * in * transform_ns(g, l.size) + 3 * kNsPerLaunch;
  return pairs * static_cast<double>(l.blocks) * per_block + rounds * 5 * kNsPerLaunch + kernels;
}

FftLayout cuda_fft_layout(const ConvGeometry& g) {
  const int64_t smallest = std::max<int64_t>(16, std::bit_ceil(static_cast<uint64_t>(g.span())));
  const int64_t largest = std::max<int64_t>(
      smallest, std::bit_ceil(static_cast<uint64_t>(g.dense_length() + g.span() - 1)));
  FftLayout best = layout_of(g, smallest);
  for (int64_t size = smallest * 2; size <= largest; size *= 2) {
    const FftLayout l = layout_of(g, size);
    if (!fits(g, l)) break;
    if (cuda_fft_cost(g, l) < cuda_fft_cost(g, best)) best = l;
  }
  return best;
}

int64_t cuda_fft_pairs(const ConvGeometry& g, const FftLayout& l) {
  const double room = static_cast<double>(kFftScratchBytes) - kernel_bytes(g, l);
  const double per_pair = std::max(1.0, pair_bytes(g, l));
  const int64_t pairs = static_cast<int64_t>(std::max(1.0, std::floor(room / per_pair)));
  return std::clamp<int64_t>(pairs, 1, std::max<int64_t>(1, g.batch * g.groups));
}

CudaConvPlan cuda_conv_plan(const ConvGeometry& g) {
  CudaConvPlan plan;
  const CudaConvPath direct = cuda_depthwise_taps(g)                 ? CudaConvPath::kDepthwiseTaps
                              : cuda_direct_taps_per_round(g) > 0 ? CudaConvPath::kDirectTiled
                                                                    : CudaConvPath::kDirectGlobal;
  plan.path = direct;
  if (direct == CudaConvPath::kDirectTiled) plan.direct_taps = cuda_direct_taps_per_round(g);
  if (g.algorithm == ConvAlgorithm::kDirect || (g.algorithm == ConvAlgorithm::kAuto && g.kernel <= 4)) return plan;
  const FftLayout layout = cuda_fft_layout(g);
  if (g.algorithm == ConvAlgorithm::kFft ||
      (fits(g, layout) && cuda_fft_cost(g, layout) < cuda_direct_cost(g))) {
    plan.path = CudaConvPath::kFft;
    plan.fft = layout;
    plan.fft_pairs = cuda_fft_pairs(g, layout);
  }
  return plan;
}

}  // namespace graphrun::signal
