// conv1d's overlap-save block layout (plugins/signal/fft_plan.cpp): the cost model's choice
// of FFT size, which fixes the bits of the FFT path. f64 transforms above 2^17 points are
// priced at FFTW_ESTIMATE's measured slowdown, so a long f64 convolution takes blocks of
// 2^17; f32 keeps the larger blocks; wherever f32 already picks 2^17 or less, f64 picks the
// same.
#include "signal/fft_plan.h"

#include <gtest/gtest.h>

namespace graphrun::signal {
namespace {

ConvGeometry valid_conv(int64_t length, int64_t kernel, bool f64) {
  ConvGeometry g;
  g.length = length;
  g.kernel = kernel;
  g.out_length = length - kernel + 1;
  g.f64 = f64;
  return g;
}

TEST(FftLayout, ALongF64ConvolutionTakesBlocksOf2To17) {
  // bench/roofline.py's conv1d_fft row: 2^20 samples, 2^16 taps.
  const FftLayout f64 = fft_layout(valid_conv(1 << 20, 1 << 16, true));
  EXPECT_EQ(f64.size, 1 << 17);
  EXPECT_EQ(f64.step, (1 << 17) - (1 << 16) + 1);
  EXPECT_EQ(f64.blocks, 15);
  EXPECT_EQ(fft_layout(valid_conv(1 << 20, 1 << 16, false)).size, 1 << 18);
}

TEST(FftLayout, F64PicksF32sSizeWhereThatIsAtMost2To17) {
  int compared = 0;
  for (int64_t length : {1 << 10, 1 << 13, 1 << 16, 1 << 20})
    for (int64_t kernel : {3, 17, 256, 4096, 1 << 15}) {
      if (kernel > length) continue;
      const FftLayout f32 = fft_layout(valid_conv(length, kernel, false));
      if (f32.size > (1 << 17)) continue;
      ++compared;
      EXPECT_EQ(fft_layout(valid_conv(length, kernel, true)).size, f32.size) << length << " x " << kernel;
    }
  EXPECT_GE(compared, 10);
}

}  // namespace
}  // namespace graphrun::signal
