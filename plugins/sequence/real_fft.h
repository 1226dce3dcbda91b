// Real-to-complex FFTs through FFTW3 (fftw3f for float, fftw3 for double), for the causal
// convolutions of the ssm op. Plans use FFTW_ESTIMATE: the same plan, so the same bits, on
// every run, never a timing-dependent choice.
#pragma once

#include <complex>
#include <cstddef>
#include <cstdint>

namespace graphrun::sequence {

/// Memory aligned as FFTW's SIMD codelets want it; every array a plan runs on comes from here,
/// so all have the alignment the plans were made with.
template <typename T> class FftBuffer {
 public:
  explicit FftBuffer(size_t count);
  ~FftBuffer();
  FftBuffer(const FftBuffer&) = delete;
  FftBuffer& operator=(const FftBuffer&) = delete;
  T* data() const { return data_; }

 private:
  T* data_;
};

/// The forward and inverse real FFTs of one size. Making and destroying plans is serialized
/// (FFTW's planner is shared by every plugin in the process); running them is thread-safe.
template <typename T> class RealFft {
 public:
  explicit RealFft(int64_t size);
  ~RealFft();
  RealFft(const RealFft&) = delete;
  RealFft& operator=(const RealFft&) = delete;

  int64_t size() const { return size_; }
  /// Values of the spectrum of a real signal: size / 2 + 1.
  int64_t spectrum_size() const { return size_ / 2 + 1; }
  /// spectrum = FFT(signal); both from FftBuffer. signal is left as it was.
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

}  // namespace graphrun::sequence
