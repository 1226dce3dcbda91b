// Batched real FFTs through cuFFT, for the built-in plugins' CUDA kernels (signal's conv1d
// FFT path, sequence's ssm convolution mode). cuFFT is loaded with dlopen on the first
// transform (cuda_library.h): linking it would load it into every graphrun process. Plans are
// made once per (device, dtype, direction, size, batch) and kept for the process, without
// their own work area: each call hands them stream-ordered scratch (node.device_scratch). A
// static library (graphrun_plugin_cufft) in a build with CUDA; without CUDA nothing defines
// these and no caller is compiled.
#pragma once

#include <graphrun/plugin.hpp>

#include <cstdint>

namespace graphrun::common {

/// Complex values in a spectrum of `size` real samples: size / 2 + 1.
constexpr int64_t cufft_bins(int64_t size) { return size / 2 + 1; }

/// Queues `batch` forward transforms on node.cuda_stream(): spectra = DFT(real), item i's
/// `size` reals at real + i·size, its cufft_bins(size) complex values (interleaved (re, im)
/// pairs) at spectra + i·2·bins. T = node.dtype() (f32 or f64); device pointers. Nothing for
/// an empty batch. Errors are std::runtime_error starting "op: ".
void cufft_forward(const plugin::Node& node, int64_t size, int64_t batch, void* real, void* spectra, const char* op);

/// The inverse transforms, unnormalized: real = size · IDFT(spectra), same layout. cuFFT
/// overwrites the spectra.
void cufft_inverse(const plugin::Node& node, int64_t size, int64_t batch, void* spectra, void* real, const char* op);

}  // namespace graphrun::common
