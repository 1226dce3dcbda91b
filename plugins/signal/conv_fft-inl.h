// conv1d's FFT path, overlap-save: each block of `size` padded inputs of a (batch, group)
// pair is transformed once per input channel; each output channel of the group sums the
// products with its kernel spectra, transforms back and keeps the `step` valid outputs
// (every stride-th). The block cut depends only on the shapes, never on the thread count.
// A Highway "-inl" header (the spectra products and the output finish are SIMD code):
// conv1d.cpp includes it per target.

// Per-target include guard (Highway's toggle idiom).
#if defined(GRAPHRUN_SIGNAL_CONV_FFT_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef GRAPHRUN_SIGNAL_CONV_FFT_INL_H_
#undef GRAPHRUN_SIGNAL_CONV_FFT_INL_H_
#else
#define GRAPHRUN_SIGNAL_CONV_FFT_INL_H_
#endif

#include <hwy/highway.h>

#include "signal/activation-inl.h"
#include "signal/conv_kernels.h"
#include "signal/fft_plan.h"

#include "common/spectra-inl.h"

#include <algorithm>

HWY_BEFORE_NAMESPACE();
namespace graphrun::signal::HWY_NAMESPACE {

/// conj(DFT(dilated kernel))/size for every (output channel, input channel of its group),
/// spectrum_stride() apart: the product with an input spectrum then gives the
/// correlation, already normalized.
template <typename T>
FftBuffer<T> kernel_spectra(const plugin::Node& node, const ConvGeometry& g, const FftPlan& plan, const T* w) {
  const FftLayout& l = plan.layout();
  const int64_t count = g.out_channels * g.in_per_group();
  FftBuffer<T> spectra = fft_buffer<T>(count * l.spectrum_stride());
  const T scale = T(1) / static_cast<T>(l.size);
  const int64_t grain = std::max<int64_t>(1, (int64_t{1} << 16) / l.size);
  node.parallel_for(count, grain, [&](int64_t begin, int64_t end) HWY_ATTR {
    FftBuffer<T> real = fft_buffer<T>(l.size);
    for (int64_t p = begin; p < end; ++p) {
      std::fill(real.data(), real.data() + l.size, T(0));
      for (int64_t k = 0; k < g.kernel; ++k) real[k * g.dilation] = w[p * g.kernel + k];
      T* s = spectra.data() + p * l.spectrum_stride();
      plan.forward(real.data(), s);
      for (int64_t b = 0; b < l.bins(); ++b) {
        s[2 * b] = s[2 * b] * scale;
        s[2 * b + 1] = -s[2 * b + 1] * scale;
      }
    }
  });
  return spectra;
}

/// acc = Σ over the group's input channels of x_spectra[c]·kernel[c], in channel order.
template <typename T>
void sum_products(T* acc, const T* x_spectra, const T* kernel, int64_t channels, const FftLayout& l) {
  const int64_t bins = l.bins(), stride = l.spectrum_stride();
  std::fill(acc, acc + 2 * bins, T(0));
  for (int64_t c = 0; c < channels; ++c)
    fft::HWY_NAMESPACE::multiply_add_spectra(acc, x_spectra + c * stride, kernel + c * stride, bins);
}

/// Per-task scratch: one real block, the group's input spectra, one product spectrum.
template <typename T> struct BlockScratch {
  FftBuffer<T> real, x_spectra, product;
  BlockScratch(const FftLayout& l, int64_t channels)
      : real(fft_buffer<T>(l.size)),
        x_spectra(fft_buffer<T>(channels * l.spectrum_stride())),
        product(fft_buffer<T>(l.spectrum_stride())) {}
};

template <typename T> class BlockConvolver {
 public:
  BlockConvolver(const plugin::Node& node, const ConvGeometry& g, const FftPlan& plan, const ConvTensors<T>& t,
                 const T* spectra)
      : node_(node), g_(g), plan_(plan), l_(plan.layout()), t_(t), spectra_(spectra) {}

  /// Block `block` of batch n, group `group`.
  void run(BlockScratch<T>& s, int64_t n, int64_t group, int64_t block) const {
    const int64_t first = block * l_.step;  // dense output index = padded input index of the block's start
    const int64_t per_group = g_.in_per_group();
    for (int64_t ci = 0; ci < per_group; ++ci) {
      load_block(s.real.data(), t_.x + (n * g_.in_channels + group * per_group + ci) * g_.length, first);
      plan_.forward(s.real.data(), s.x_spectra.data() + ci * l_.spectrum_stride());
    }
    const int64_t dense_end = std::min(g_.dense_length(), first + l_.step);
    const int64_t t0 = (first + g_.stride - 1) / g_.stride, t1 = (dense_end + g_.stride - 1) / g_.stride;
    for (int64_t co = group * g_.out_per_group(); co < (group + 1) * g_.out_per_group(); ++co) {
      const T* kernel = spectra_ + co * per_group * l_.spectrum_stride();
      sum_products(s.product.data(), s.x_spectra.data(), kernel, per_group, l_);
      plan_.inverse(s.product.data(), s.real.data());
      store_outputs(s.real.data(), t_.y + (n * g_.out_channels + co) * g_.out_length, first, t0, t1,
                    t_.bias ? t_.bias[co] : T(0));
    }
  }

 private:
  /// The padded input [first, first + size) of one channel: zeros outside x.
  void load_block(T* real, const T* x, int64_t first) const {
    const int64_t lo = std::clamp<int64_t>(g_.pad_left - first, 0, l_.size);
    const int64_t hi = std::clamp<int64_t>(g_.pad_left + g_.length - first, lo, l_.size);
    std::fill(real, real + lo, T(0));
    std::copy(x + (first + lo - g_.pad_left), x + (first + hi - g_.pad_left), real + lo);
    std::fill(real + hi, real + l_.size, T(0));
  }

  /// y[t] = dense[t·stride − first] + bias for t in [t0, t1), then activation and epilogue
  /// chunk by chunk while they are in cache.
  void store_outputs(const T* dense, T* y, int64_t first, int64_t t0, int64_t t1, T bias) const {
    for (int64_t c0 = t0; c0 < t1; c0 += kChunk) {
      const int64_t c1 = std::min(t1, c0 + kChunk);
      for (int64_t t = c0; t < c1; ++t) y[t] = dense[t * g_.stride - first] + bias;
      finish_chunk(node_, g_, y + c0, c1 - c0);
    }
  }

  const plugin::Node& node_;
  const ConvGeometry& g_;
  const FftPlan& plan_;
  const FftLayout& l_;
  const ConvTensors<T>& t_;
  const T* spectra_;
};

template <typename T>
void conv_fft(const plugin::Node& node, const ConvGeometry& g, const FftPlan& plan, const ConvTensors<T>& t) {
  const FftLayout& l = plan.layout();
  const FftBuffer<T> spectra = kernel_spectra(node, g, plan, t.w);
  const BlockConvolver<T> convolver(node, g, plan, t, spectra.data());
  // Enough blocks per task that small transforms do not drown in per-task overhead.
  const int64_t grain = std::max<int64_t>(1, (int64_t{1} << 17) / ((g.in_per_group() + g.out_per_group()) * l.size));
  node.parallel_for(g.batch * g.groups * l.blocks, grain, [&](int64_t begin, int64_t end) HWY_ATTR {
    BlockScratch<T> scratch(l, g.in_per_group());
    for (int64_t item = begin; item < end; ++item) {
      const int64_t pair = item / l.blocks;
      convolver.run(scratch, pair / g.groups, pair % g.groups, item % l.blocks);
    }
  });
}

}  // namespace graphrun::signal::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif  // GRAPHRUN_SIGNAL_CONV_FFT_INL_H_
