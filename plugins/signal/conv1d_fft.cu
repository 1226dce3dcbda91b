// conv1d's overlap-save FFT path on the device, the CPU's algorithm (conv_fft-inl.h) with
// cuFFT: the kernels' spectra conj(DFT(dilated kernel))/size once per run; then, for rounds
// of (batch, group) pairs, every block of `size` padded inputs of each input channel gathered
// and transformed (one batched R2C), each output channel's spectrum summed over the group's
// input channels in channel order (the CPU's complex product, conv_math.h), transformed back
// (one batched C2R), and its `step` valid outputs (every stride-th) stored with the bias and
// the activation. The layout and the pairs per round come from conv_cuda_plan.cpp and depend
// only on the shapes, so the results are the same on every run. cuFFT's transforms are not
// FFTW's: results agree with the CPU's FFT path to its tolerance, not bit for bit.
//
// cuFFT is loaded with dlopen on first use and its plans are kept per (device, dtype, size,
// batch) for the process (plugins/common/cufft_plans.h, shared with ssm).
#include "cuda_launchers.h"

#include "../common/cufft_plans.h"
#include "core/cuda_launch.cuh"

#include <algorithm>
#include <cstdint>
#include <type_traits>

namespace graphrun::signal {
namespace {

using core::generate;
using core::stream_of;

/// `batch` transforms of `size`: real → spectra (forward) or spectra → real (inverse; it
/// overwrites the spectra), through the shared plans (common/cufft_plans.h).
template <typename T>
void transform(const plugin::Node& node, bool inverse, int64_t size, int64_t batch, T* real, T* spectra) {
  if (inverse) common::cufft_inverse(node, size, batch, spectra, real, "conv1d");
  else common::cufft_forward(node, size, batch, real, spectra, "conv1d");
}

template <typename T> T* scratch(const plugin::Node& node, int64_t count) {
  return static_cast<T*>(node.device_scratch(static_cast<size_t>(std::max<int64_t>(count, 1)) * sizeof(T)));
}

// ---- The per-element steps (core::generate: out[i] = at(i)) -----------------------------

/// Kernel p (output channel · C_in/groups + input channel) dilated into `size` samples.
template <typename T> struct DilatedKernelAt {
  ConvDims d;
  const T* w;
  int64_t size;
  __device__ T operator()(int64_t i) const {
    const int64_t p = i / size, s = i % size;
    return s % d.dilation == 0 && s / d.dilation < d.kernel ? w[p * d.kernel + s / d.dilation] : T(0);
  }
};

/// conj(s)·scale of each (re, im) pair, in place: the CPU's kernel spectra.
template <typename T> struct ConjugateScaledAt {
  const T* spectra;
  T scale;
  __device__ T operator()(int64_t i) const { return i % 2 == 0 ? spectra[i] * scale : -spectra[i] * scale; }
};

/// Block b of input channel ci of pair `first_pair + q`: real[((q·C_in/groups + ci)·blocks + b)·size + s].
template <typename T> struct BlockInputAt {
  ConvDims d;
  const T* x;
  int64_t size, step, blocks, first_pair;
  __device__ T operator()(int64_t i) const {
    const int64_t s = i % size, block_row = i / size;
    const int64_t b = block_row % blocks, channel_row = block_row / blocks;  // q·C_in/groups + ci
    const int64_t input = fft_block_input(d, step, b, s);
    // Pairs are (n, group) with group fastest, so pair·C_in/groups + ci is x's row.
    const int64_t row = first_pair * d.in_per_group() + channel_row;
    return input >= 0 && input < d.length ? x[row * d.length + input] : T(0);
  }
};

/// Output channel `co_in_group` of pair `first_pair + q`, block b, bin k: the sum over the
/// group's input channels of x_spectrum · kernel_spectrum, in channel order, from zero.
template <typename T, typename T2> struct ProductAt {
  ConvDims d;
  const T2* x_spectra;       // (q, ci, b, bin)
  const T2* kernel_spectra;  // (co, ci, bin)
  int64_t bins, blocks, first_pair;
  __device__ T2 operator()(int64_t i) const {
    const int64_t k = i % bins, block_row = i / bins;
    const int64_t b = block_row % blocks, channel_row = block_row / blocks;  // q·C_out/groups + co_in_group
    const int64_t per_group = d.in_per_group(), out_per_group = d.out_per_group();
    const int64_t q = channel_row / out_per_group;
    const int64_t co = (first_pair + q) % d.groups * out_per_group + channel_row % out_per_group;
    T re = 0, im = 0;
    for (int64_t ci = 0; ci < per_group; ++ci) {
      const T2 a = x_spectra[((q * per_group + ci) * blocks + b) * bins + k];
      const T2 w = kernel_spectra[(co * per_group + ci) * bins + k];
      complex_multiply_add(re, im, a.x, a.y, w.x, w.y);
    }
    T2 out;
    out.x = re;
    out.y = im;
    return out;
  }
};

/// Output t of row `first_pair·C_out/groups + r` (rows of a round are consecutive in y):
/// its block's dense value, plus the bias, then the activation.
template <typename T> struct OutputAt {
  ConvDims d;
  const T* dense;  // (q·C_out/groups + co_in_group, b, s)
  const T* bias;
  int64_t size, step, blocks, first_pair;
  __device__ T operator()(int64_t i) const {
    const int64_t t = i % d.out_length, r = i / d.out_length;
    const int64_t b = fft_block_of(d, step, t);
    const int64_t co = (first_pair * d.out_per_group() + r) % d.out_channels;
    const T v = dense[(r * blocks + b) * size + fft_dense_offset(d, step, b, t)] + (bias ? bias[co] : T(0));
    return conv_activate(d, v);
  }
};

template <typename T, typename T2>
void convolve(const plugin::Node& node, const ConvDims& d, const CudaConvPlan& plan, const T* x, const T* w,
              const T* bias, T* y) {
  const FftLayout& l = plan.fft;
  const int64_t size = l.size, bins = l.bins(), blocks = l.blocks;
  const int64_t per_group = d.in_per_group(), out_per_group = d.out_per_group();
  // The kernel spectra, conj(DFT)/size.
  const int64_t kernels = d.out_channels * per_group;
  T* kernel_real = scratch<T>(node, kernels * size);
  T* kernel_spectra = scratch<T>(node, kernels * 2 * bins);
  if (kernels > 0) {
    generate(node, "conv1d", kernels * size, DilatedKernelAt<T>{d, w, size}, kernel_real);
    transform<T>(node, false, size, kernels, kernel_real, kernel_spectra);
    generate(node, "conv1d", kernels * 2 * bins, ConjugateScaledAt<T>{kernel_spectra, T(1) / static_cast<T>(size)},
             kernel_spectra);
  }
  // Rounds of (batch, group) pairs; buffers for the largest round, reused.
  const int64_t pairs = d.batch * d.groups, per_round = std::max<int64_t>(1, plan.fft_pairs);
  const int64_t most = std::min(pairs, per_round);
  T* real = scratch<T>(node, most * std::max(per_group, out_per_group) * blocks * size);
  T* x_spectra = scratch<T>(node, most * per_group * blocks * 2 * bins);
  T* y_spectra = scratch<T>(node, most * out_per_group * blocks * 2 * bins);
  for (int64_t first = 0; first < pairs; first += per_round) {
    const int64_t count = std::min(per_round, pairs - first);
    const int64_t in_blocks = count * per_group * blocks, out_blocks = count * out_per_group * blocks;
    generate(node, "conv1d", in_blocks * size, BlockInputAt<T>{d, x, size, l.step, blocks, first}, real);
    transform<T>(node, false, size, in_blocks, real, x_spectra);
    generate(node, "conv1d", out_blocks * bins,
             ProductAt<T, T2>{d, reinterpret_cast<const T2*>(x_spectra), reinterpret_cast<const T2*>(kernel_spectra),
                              bins, blocks, first},
             reinterpret_cast<T2*>(y_spectra));
    transform<T>(node, true, size, out_blocks, real, y_spectra);
    generate(node, "conv1d", count * out_per_group * d.out_length,
             OutputAt<T>{d, real, bias, size, l.step, blocks, first}, y + first * out_per_group * d.out_length);
  }
}

}  // namespace

void conv1d_fft_cuda(const plugin::Node& node, const ConvDims& d, const CudaConvPlan& plan, const void* x,
                     const void* w, const void* bias, void* y) {
  if (d.rows() == 0 || d.out_length == 0) return;
  plugin::dispatch(node.dtype(), [&]<typename T>() {
    using T2 = std::conditional_t<sizeof(T) == sizeof(double), double2, float2>;
    convolve<T, T2>(node, d, plan, static_cast<const T*>(x), static_cast<const T*>(w), static_cast<const T*>(bias),
                    static_cast<T*>(y));
  });
}

}  // namespace graphrun::signal
