// The product of two complex values given as (re, im), as the CPU's spectra products make it
// (spectra-inl.h): re = ar·br − ai·bi, im = ar·bi + ai·br, each product rounded, then the
// sums. For the CUDA kernels that multiply cuFFT's spectra (conv1d's FFT path, ssm's
// convolution mode) and the host tests that replay them.
#pragma once

#include "../core/host_device.h"

namespace graphrun::common {

/// (re, im) = a·b.
template <typename T> GRAPHRUN_HD inline void complex_product(T ar, T ai, T br, T bi, T& re, T& im) {
  re = ar * br - ai * bi;
  im = ar * bi + ai * br;
}

}  // namespace graphrun::common
