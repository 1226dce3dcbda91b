// graphrun fused elementwise kernel, f64: 6 elements of shape (6,)
//   in0 (6,): contiguous
//   in1 (): scalar
// Compile: NVRTC with the named header below, or nvcc -I<graphrun>/include.
#include <graphrun/cuda/elementwise_math.cuh>

namespace ew = graphrun::ew;

// The group's formulas on one element.
static __device__ __forceinline__ void gr_ew_8e68265114722152_element(double x0, double x1, double& y0, double& y1) {
  const double v0 = x0 * x1;
  const double v1 = v0 + 0x1.999999999999ap-4;
  const double v2 = ew::maximum(x0, x1);
  y0 = v1;
  y1 = v2;
}

// Grid-stride loops over 6 elements; no __restrict__: an output may be
// an input's buffer (each element is read before it is written).
extern "C" __global__ void __launch_bounds__(256, 4) gr_ew_8e68265114722152(const double* in0, const double* in1, double* out0, double* out1) {
  const long long n = 6;
  const long long first = static_cast<long long>(blockIdx.x) * blockDim.x + threadIdx.x;
  const long long step = static_cast<long long>(gridDim.x) * blockDim.x;
  if (first >= n) return;
  const double s1 = in1[0];
  const bool aligned = ((reinterpret_cast<unsigned long long>(in0) |
                         reinterpret_cast<unsigned long long>(out0) |
                         reinterpret_cast<unsigned long long>(out1)) & 15) == 0;
  if (aligned) {
    // double2 loads and stores.
    const long long vectors = n / 2;
    for (long long i = first; i < vectors; i += step) {
      const double2 a0 = reinterpret_cast<const double2*>(in0)[i];
      double2 r0;
      double2 r1;
      gr_ew_8e68265114722152_element(a0.x, s1, r0.x, r1.x);
      gr_ew_8e68265114722152_element(a0.y, s1, r0.y, r1.y);
      reinterpret_cast<double2*>(out0)[i] = r0;
      reinterpret_cast<double2*>(out1)[i] = r1;
    }
  } else {
    for (long long i = first; i < n; i += step) {
      double y0, y1;
      gr_ew_8e68265114722152_element(in0[i], s1, y0, y1);
      out0[i] = y0;
      out1[i] = y1;
    }
  }
}
