// graphrun fused elementwise kernel, f64: 24 elements of shape (2, 3, 4)
//   in0 (2, 1, 4): broadcast
//   in1 (3, 1): broadcast
// Compile: NVRTC with the named header below, or nvcc -I<graphrun>/include.
#include <graphrun/cuda/elementwise_math.cuh>

namespace ew = graphrun::ew;

// The group's formulas on one element.
static __device__ __forceinline__ void gr_ew_dcfbe5abd1859e9f_element(double x0, double x1, double& y0) {
  const double v0 = ew::abs(x0);
  const double v1 = v0 + 0x1p+0;
  const double v2 = ew::pow(v1, x1);
  const double v3 = ew::relu(x0);
  const double v4 = v2 + v3;
  y0 = v4;
}

// Grid-stride loops over 24 elements; no __restrict__: an output may be
// an input's buffer (each element is read before it is written).
extern "C" __global__ void __launch_bounds__(256, 4) gr_ew_dcfbe5abd1859e9f(const double* in0, const double* in1, double* out0) {
  const long long n = 24;
  const long long first = static_cast<long long>(blockIdx.x) * blockDim.x + threadIdx.x;
  const long long step = static_cast<long long>(gridDim.x) * blockDim.x;
  if (first >= n) return;
  for (long long i = first; i < n; i += step) {
    const long long c2 = i % 4;
    const long long q2 = i / 4;
    const long long c1 = q2 % 3;
    const long long q1 = q2 / 3;
    const long long c0 = q1;
    double y0;
    gr_ew_dcfbe5abd1859e9f_element(in0[c0 * 4 + c2], in1[c1], y0);
    out0[i] = y0;
  }
}
