// How conv1d runs on a CUDA device: which kernel (the depthwise register path for Mamba's
// short causal convs, the general direct kernel, or overlap-save through cuFFT) and, for the
// FFT path, the block layout and how many (batch, group) pairs go through cuFFT at once.
// Host code only (conv1d.cpp decides before calling the launchers; the host tests check it).
//
// The choice follows the CPU's idea (fft_plan.cpp: the cheaper of two estimates), with the
// costs of a GPU: the direct kernel's multiply-adds at a rate near the device's non-fused
// (--fmad=false) arithmetic, the FFT path's transforms, gathers and stores at memory speed.
// The constants are estimates from an H200's data sheet (never fitted on a device yet).
#pragma once

#include "conv_geometry.h"
#include "conv_math.h"
#include "fft_plan.h"

#include <cstdint>

namespace graphrun::signal {

/// The CUDA kernels of conv1d.
enum class CudaConvPath {
  kDepthwiseTaps,  // depthwise, dilation 1, K <= 4, pad_left <= K − 1: registers, no shared memory
  kDirectTiled,    // any geometry whose input tile fits in shared memory (stride <= a few dozen)
  kDirectGlobal,   // any geometry: one thread per output, straight from global memory
  kFft,            // overlap-save through cuFFT
};

/// What the launchers need beyond the geometry.
struct CudaConvPlan {
  CudaConvPath path = CudaConvPath::kDirectGlobal;
  int64_t direct_taps = 0;  // kDirectTiled: taps per shared-memory round
  FftLayout fft;          // kFft: the block layout
  int64_t fft_pairs = 1;  // kFft: (batch, group) pairs per round of transforms
};

/// The plain numbers of the geometry, for the kernels.
ConvDims conv_dims(const ConvGeometry& g);

/// Outputs per thread block of the tiled direct kernel along L: 128 threads × 4 outputs.
inline constexpr int64_t kDirectTile = 512;
/// Shared memory for the tiled kernel's input segment, in elements of each dtype (32 KiB).
inline constexpr int64_t kDirectSegmentBytes = 32 * 1024;

/// Whether the depthwise register kernel computes the geometry (K <= 4, dilation 1, stride
/// 1, one input channel per output channel, pad_left <= K − 1 so the taps of a thread's
/// outputs lie within its own and its neighbours' inputs).
bool cuda_depthwise_taps(const ConvGeometry& g);

/// Taps per shared-memory round of the tiled direct kernel: the most that keep its input
/// segment within kDirectSegmentBytes (at most K), or 0 when even one tap does not fit
/// (a large stride): then the global kernel runs.
int64_t cuda_direct_taps_per_round(const ConvGeometry& g);

/// Estimated device time (ns) of the direct kernels and of the FFT path with a layout.
double cuda_direct_cost(const ConvGeometry& g);
double cuda_fft_cost(const ConvGeometry& g, const FftLayout& layout);

/// The cheapest overlap-save layout on the device (power-of-two sizes from the span up).
FftLayout cuda_fft_layout(const ConvGeometry& g);

/// (batch, group) pairs per round of transforms: as many as keep the round's device
/// scratch (blocks, spectra, inverse transforms) within about kFftScratchBytes.
inline constexpr int64_t kFftScratchBytes = int64_t{512} << 20;
int64_t cuda_fft_pairs(const ConvGeometry& g, const FftLayout& layout);

/// The kernel for the node: algorithm fft forces the FFT path, direct the direct kernels;
/// auto takes the FFT path when it is estimated cheaper (never for K <= 4).
CudaConvPlan cuda_conv_plan(const ConvGeometry& g);

}  // namespace graphrun::signal
