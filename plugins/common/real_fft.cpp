#include "common/real_fft.h"

#include <fftw3.h>

#include <algorithm>
#include <mutex>
#include <new>
#include <stdexcept>
#include <string>

namespace graphrun::fft {
namespace {

// FFTW's planner is global to the process and not thread-safe by default; the plugins plan
// from worker threads, so it is made to lock itself before the first plan (needs
// fftw3_threads and fftw3f_threads linked).
void make_planners_thread_safe() {
  static std::once_flag once;
  std::call_once(once, [] {
    fftw_make_planner_thread_safe();
    fftwf_make_planner_thread_safe();
  });
}

/// The FFTW API of one precision.
template <typename T> struct Fftw;

template <> struct Fftw<float> {
  using Plan = fftwf_plan;
  static Plan forward(int n, float* in, std::complex<float>* out) {
    return fftwf_plan_dft_r2c_1d(n, in, reinterpret_cast<fftwf_complex*>(out), FFTW_ESTIMATE);
  }
  static Plan inverse(int n, std::complex<float>* in, float* out) {
    return fftwf_plan_dft_c2r_1d(n, reinterpret_cast<fftwf_complex*>(in), out,
                                 FFTW_ESTIMATE | FFTW_DESTROY_INPUT);
  }
  static void run(Plan p, float* in, std::complex<float>* out) {
    fftwf_execute_dft_r2c(p, in, reinterpret_cast<fftwf_complex*>(out));
  }
  static void run(Plan p, std::complex<float>* in, float* out) {
    fftwf_execute_dft_c2r(p, reinterpret_cast<fftwf_complex*>(in), out);
  }
  static void destroy(Plan p) { fftwf_destroy_plan(p); }
};

template <> struct Fftw<double> {
  using Plan = fftw_plan;
  static Plan forward(int n, double* in, std::complex<double>* out) {
    return fftw_plan_dft_r2c_1d(n, in, reinterpret_cast<fftw_complex*>(out), FFTW_ESTIMATE);
  }
  static Plan inverse(int n, std::complex<double>* in, double* out) {
    return fftw_plan_dft_c2r_1d(n, reinterpret_cast<fftw_complex*>(in), out,
                                FFTW_ESTIMATE | FFTW_DESTROY_INPUT);
  }
  static void run(Plan p, double* in, std::complex<double>* out) {
    fftw_execute_dft_r2c(p, in, reinterpret_cast<fftw_complex*>(out));
  }
  static void run(Plan p, std::complex<double>* in, double* out) {
    fftw_execute_dft_c2r(p, reinterpret_cast<fftw_complex*>(in), out);
  }
  static void destroy(Plan p) { fftw_destroy_plan(p); }
};

}  // namespace

// fftw_malloc and fftwf_malloc align alike; one of them serves every element type.
template <typename T> FftBuffer<T>::FftBuffer(size_t count) {
  data_ = static_cast<T*>(fftw_malloc(std::max<size_t>(count, 1) * sizeof(T)));
  if (!data_) throw std::bad_alloc();
}

template <typename T> FftBuffer<T>::~FftBuffer() { fftw_free(data_); }

template <typename T> RealFft<T>::RealFft(int64_t size) : size_(size) {
  if (size > (int64_t{1} << 30))
    throw std::runtime_error("FFT size " + std::to_string(size) + " is too large");
  make_planners_thread_safe();
  FftBuffer<T> signal(static_cast<size_t>(size));
  FftBuffer<std::complex<T>> spectrum(static_cast<size_t>(spectrum_size()));
  const int n = static_cast<int>(size);
  auto forward = Fftw<T>::forward(n, signal.data(), spectrum.data());
  auto inverse = Fftw<T>::inverse(n, spectrum.data(), signal.data());
  if (!forward || !inverse) {
    if (forward) Fftw<T>::destroy(forward);
    if (inverse) Fftw<T>::destroy(inverse);
    throw std::runtime_error("FFTW could not plan a transform of size " + std::to_string(size));
  }
  forward_plan_ = forward;
  inverse_plan_ = inverse;
}

template <typename T> RealFft<T>::~RealFft() {
  // Destroying a plan goes through the planner's lock as well.
  Fftw<T>::destroy(static_cast<typename Fftw<T>::Plan>(forward_plan_));
  Fftw<T>::destroy(static_cast<typename Fftw<T>::Plan>(inverse_plan_));
}

template <typename T> void RealFft<T>::forward(T* signal, std::complex<T>* spectrum) const {
  Fftw<T>::run(static_cast<typename Fftw<T>::Plan>(forward_plan_), signal, spectrum);
}

template <typename T> void RealFft<T>::inverse(std::complex<T>* spectrum, T* signal) const {
  Fftw<T>::run(static_cast<typename Fftw<T>::Plan>(inverse_plan_), spectrum, signal);
}

int64_t fast_fft_size(int64_t minimum) {
  for (int64_t n = std::max<int64_t>(minimum, 1);; ++n) {
    int64_t m = n;
    for (int64_t p : {2, 3, 5})
      while (m % p == 0) m /= p;
    if (m == 1) return n;
  }
}

template class FftBuffer<float>;
template class FftBuffer<double>;
template class FftBuffer<std::complex<float>>;
template class FftBuffer<std::complex<double>>;
template class RealFft<float>;
template class RealFft<double>;

}  // namespace graphrun::fft
