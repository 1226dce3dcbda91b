// Real-to-complex FFTs through FFTW3 (fftw3f for float, fftw3 for double), the one FFTW
// wrapper of the built-in plugins (ssm's convolution mode, conv1d's FFT path). Plans use
// FFTW_ESTIMATE: the same plan, so the same bits, on every run, never a timing-dependent
// choice. Link graphrun_plugin_fft.
#pragma once

#include <complex>
#include <cstddef>
#include <cstdint>
#include <utility>

namespace graphrun::fft {

/// Memory aligned as FFTW's SIMD codelets want it (fftw_malloc); every array a plan runs
/// on comes from here (or lies a multiple of 64 bytes into such an array), so all have the
/// alignment the plans were made with.
template <typename T> class FftBuffer {
 public:
  explicit FftBuffer(size_t count);
  ~FftBuffer();
  FftBuffer(FftBuffer&& other) noexcept : data_(std::exchange(other.data_, nullptr)) {}
  FftBuffer(const FftBuffer&) = delete;
  FftBuffer& operator=(const FftBuffer&) = delete;
  T* data() const { return data_; }
  T& operator[](size_t i) const { return data_[i]; }

 private:
  T* data_;
};

/// The forward and inverse real FFTs of one size. Plans are made and destroyed with FFTW's
/// planner made thread-safe (it is shared by every plugin in the process); running them is
/// thread-safe.
template <typename T> class RealFft {
 public:
  explicit RealFft(int64_t size);
  ~RealFft();
  RealFft(const RealFft&) = delete;
  RealFft& operator=(const RealFft&) = delete;

  int64_t size() const { return size_; }
  /// Values of the spectrum of a real signal: size / 2 + 1.
  int64_t spectrum_size() const { return size_ / 2 + 1; }
  /// spectrum = FFT(signal), both aligned as FftBuffer's. signal is left as it was.
  void forward(T* signal, std::complex<T>* spectrum) const;
  /// signal = size · IFFT(spectrum) (unnormalized); destroys spectrum.
  void inverse(std::complex<T>* spectrum, T* signal) const;

 private:
  int64_t size_;
  void* forward_plan_;
  void* inverse_plan_;
};

/// The smallest n >= minimum whose only prime factors are 2, 3 and 5 (FFTW's fast sizes).
int64_t fast_fft_size(int64_t minimum);

}  // namespace graphrun::fft
