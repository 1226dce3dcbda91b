// The FFT path's plan for one conv1d node: the overlap-save block layout chosen by a cost
// model, and the real FFTs of that size (common/real_fft.h), made once in prepare().
#pragma once

#include "conv_geometry.h"

#include "common/real_fft.h"

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

/// The blocks of `size` inputs that cover the geometry's rows (the CPU's and the GPU's plans).
FftLayout layout_of(const ConvGeometry& g, int64_t size);

/// The cheapest block layout for the geometry under the cost model.
FftLayout fft_layout(const ConvGeometry& g);

/// Whether the layout's kernel spectra, kept for a whole run, stay within the memory auto
/// allows the FFT path (a forced fft ignores the limit).
bool fft_spectra_fit(const ConvGeometry& g, const FftLayout& layout);

/// Estimated cost (arbitrary units, comparable with each other) of each path.
double fft_cost(const ConvGeometry& g, const FftLayout& layout);
double direct_cost(const ConvGeometry& g);

using fft::FftBuffer;

/// An FFT-aligned array of n values (at least one).
template <typename T> FftBuffer<T> fft_buffer(int64_t n) { return FftBuffer<T>(static_cast<size_t>(n > 0 ? n : 1)); }

/// Forward and inverse real FFTs of layout().size for one dtype. Spectra are interleaved
/// (re, im) pairs, bins() of them; the inverse is unnormalized and overwrites its input, as
/// FFTW's c2r does.
class FftPlan {
 public:
  FftPlan(const FftLayout& layout, gr_dtype dtype);

  const FftLayout& layout() const { return layout_; }
  void forward(float* real, float* spectrum) const;
  void forward(double* real, double* spectrum) const;
  void inverse(float* spectrum, float* real) const;
  void inverse(double* spectrum, double* real) const;

 private:
  FftLayout layout_;
  std::unique_ptr<fft::RealFft<float>> f32_;
  std::unique_ptr<fft::RealFft<double>> f64_;
};

}  // namespace graphrun::signal
