#include "fft_plan.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <complex>

namespace graphrun::signal {
namespace {

// Costs in units of one multiply-add of the direct path, fitted to the crossover sweep of
// bench/bench_signal.py --crossover (AVX-512, f32): an FFTW transform of n samples costs
// n·(kFftUnit·log2 n + kFftPerSample) + kFftPerCall (copies in and out, call overhead);
// a complex multiply-add of the spectra products kSpectrumMac.
constexpr double kFftUnit = 3.0;
constexpr double kFftPerSample = 4.0;
constexpr double kFftPerCall = 4000.0;
constexpr double kSpectrumMac = 3.0;
// The kernel spectra are kept for the whole run; past this size auto picks direct.
constexpr double kMaxSpectraBytes = 512.0 * 1024 * 1024;
// FFTW_ESTIMATE's f64 plans slow down past 2^17 points: time per n·log2 n of an r2c and a c2r
// transform relative to 2^17's, four runs of bench/fft_estimate_probe.c on the 2-core AVX-512
// VM (FFTW 3.3.10, loaded): 1.45-1.8 at 2^18, 1.5-2.9 at 2^19, 2.0-3.5 at 2^20; f32 holds
// 1.0 to 2^18 (1.3 at 2^19). Each doubling past kF64FastLog2 adds kF64SlowdownPerDoubling to
// the f64 per-point factor (1.6, 2.2, 2.8: the low end), so a long f64 convolution takes
// more blocks of 2^17 rather than fewer larger ones. f32 is left as fitted.
constexpr double kF64FastLog2 = 17;
constexpr double kF64SlowdownPerDoubling = 0.6;

double transform_cost(int64_t n, bool f64) {
  const double size = static_cast<double>(n), log_size = std::log2(size);
  const double slowdown = f64 ? 1 + kF64SlowdownPerDoubling * std::max(0.0, log_size - kF64FastLog2) : 1;
  return size * (kFftUnit * log_size * slowdown + kFftPerSample) + kFftPerCall;
}

double spectra_bytes(const ConvGeometry& g, const FftLayout& l) {
  return static_cast<double>(g.out_channels * g.in_per_group()) * static_cast<double>(l.bins()) * 2 * sizeof(double);
}

}  // namespace

FftLayout layout_of(const ConvGeometry& g, int64_t size) {
  FftLayout l;
  l.size = size;
  l.step = size - g.span() + 1;
  l.blocks = (g.dense_length() + l.step - 1) / l.step;
  return l;
}

bool fft_spectra_fit(const ConvGeometry& g, const FftLayout& l) { return spectra_bytes(g, l) <= kMaxSpectraBytes; }

double fft_cost(const ConvGeometry& g, const FftLayout& l) {
  const double per_group = static_cast<double>(g.in_per_group()), out_per_group = static_cast<double>(g.out_per_group());
  const double per_block = (per_group + out_per_group) * transform_cost(l.size, g.f64) +
                           per_group * out_per_group * static_cast<double>(l.bins()) * kSpectrumMac;
  const double kernels = static_cast<double>(g.out_channels) * per_group * transform_cost(l.size, g.f64);
  return static_cast<double>(g.batch * g.groups * l.blocks) * per_block + kernels;
}

double direct_cost(const ConvGeometry& g) {
  return static_cast<double>(g.batch * g.out_channels) * static_cast<double>(g.out_length) *
         static_cast<double>(g.in_per_group() * g.kernel);
}

FftLayout fft_layout(const ConvGeometry& g) {
  const int64_t smallest = std::max<int64_t>(16, std::bit_ceil(static_cast<uint64_t>(g.span())));
  const int64_t largest = std::max<int64_t>(
      smallest, std::bit_ceil(static_cast<uint64_t>(g.dense_length() + g.span() - 1)));
  FftLayout best = layout_of(g, smallest);
  for (int64_t size = smallest * 2; size <= largest; size *= 2) {
    FftLayout l = layout_of(g, size);
    if (!fft_spectra_fit(g, l)) break;
    if (fft_cost(g, l) < fft_cost(g, best)) best = l;
  }
  return best;
}

FftPlan::FftPlan(const FftLayout& layout, gr_dtype dtype) : layout_(layout) {
  if (dtype == GR_F64)
    f64_ = std::make_unique<fft::RealFft<double>>(layout.size);
  else
    f32_ = std::make_unique<fft::RealFft<float>>(layout.size);
}

// Spectra are bins() interleaved (re, im) pairs: the layout of std::complex arrays.
void FftPlan::forward(float* real, float* spectrum) const {
  f32_->forward(real, reinterpret_cast<std::complex<float>*>(spectrum));
}
void FftPlan::forward(double* real, double* spectrum) const {
  f64_->forward(real, reinterpret_cast<std::complex<double>*>(spectrum));
}
void FftPlan::inverse(float* spectrum, float* real) const {
  f32_->inverse(reinterpret_cast<std::complex<float>*>(spectrum), real);
}
void FftPlan::inverse(double* spectrum, double* real) const {
  f64_->inverse(reinterpret_cast<std::complex<double>*>(spectrum), real);
}

}  // namespace graphrun::signal
