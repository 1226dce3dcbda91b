// The FFT path's plan for one conv1d node: the overlap-save block layout chosen by a cost
// model, and FFTW real-to-complex / complex-to-real plans of that size, made once in
// prepare() (FFTW's planner is not thread-safe; executing a plan is).
#pragma once

#include "conv_geometry.h"

#include <fftw3.h>

#include <cstdint>
#include <memory>

namespace graphrun::signal {

/// Overlap-save blocks: each FFT of `size` inputs yields `step` = size − span + 1 outputs
/// (at stride 1); `blocks` of them cover a row.
struct FftLayout {
  int64_t size = 0, step = 0, blocks = 0;
  int64_t bins() const { return size / 2 + 1; }
  /// Reals between consecutive spectra in one buffer: 2·bins rounded up to 64 bytes of
  /// floats, so every spectrum keeps the alignment FFTW planned with.
  int64_t spectrum_stride() const { return (2 * bins() + 15) / 16 * 16; }
};

/// The cheapest block layout for the geometry under the cost model.
FftLayout fft_layout(const ConvGeometry& g);

/// Whether the layout's kernel spectra, kept for a whole run, stay within the memory auto
/// allows the FFT path (a forced fft ignores the limit).
bool fft_spectra_fit(const ConvGeometry& g, const FftLayout& layout);

/// Estimated cost (arbitrary units, comparable with each other) of each path.
double fft_cost(const ConvGeometry& g, const FftLayout& layout);
double direct_cost(const ConvGeometry& g);

/// Frees what fftw_malloc gave.
struct FftwFree {
  void operator()(void* p) const { fftw_free(p); }
};
/// A SIMD-aligned array from fftw_malloc: plans run on any such array.
template <typename T> using FftBuffer = std::unique_ptr<T[], FftwFree>;
template <typename T> FftBuffer<T> fft_buffer(int64_t n) {
  return FftBuffer<T>(static_cast<T*>(fftw_malloc(static_cast<size_t>(n > 0 ? n : 1) * sizeof(T))));
}

/// Forward and inverse real FFT plans of layout().size for one dtype. Spectra are
/// interleaved (re, im) pairs, bins() of them; the inverse is unnormalized and overwrites
/// its input, as FFTW's c2r does.
class FftPlan {
 public:
  FftPlan(const FftLayout& layout, gr_dtype dtype);
  ~FftPlan();
  FftPlan(const FftPlan&) = delete;
  FftPlan& operator=(const FftPlan&) = delete;

  const FftLayout& layout() const { return layout_; }
  void forward(float* real, float* spectrum) const;
  void forward(double* real, double* spectrum) const;
  void inverse(float* spectrum, float* real) const;
  void inverse(double* spectrum, double* real) const;

 private:
  FftLayout layout_;
  fftwf_plan forward_f32_ = nullptr, inverse_f32_ = nullptr;
  fftw_plan forward_f64_ = nullptr, inverse_f64_ = nullptr;
};

}  // namespace graphrun::signal
