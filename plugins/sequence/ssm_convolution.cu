// ssm's convolution mode on the device (mode convolution, and auto where the CPU's cost model
// chooses it), the CPU's algorithm (ssm_convolution-inl.h) step by step, its arithmetic in
// the __host__ __device__ pieces of ssm_convolution.h:
//   1. per (channel, state), from A, B, C and dt on the device: discretize() in double, then
//      Ā, B̄, C·B̄ and Ā^64; the tables of Ā^j (j < 64) and of each block's base power;
//   2. K[d, l] in double, one thread per (d, l), stored in T;
//   3. y: where the CPU convolves directly (short L) one thread per output, the CPU's sum;
//      else through cuFFT (common/cufft_plans.h, plans shared with conv1d): K's rows and u's
//      rows zero-padded to the CPU's size fast_fft_size(2L − 1), real transforms batched over
//      channels and over (batch, channel) rows, the spectra multiplied, transformed back,
//      scaled by 1/size, plus Dskip·u. Rows go in rounds sized by the shapes alone (at most
//      kSsmRoundBytes of buffers), so every run does the same transforms;
//   4. final = B̄·Σ_l Āˡ·u_{L-1-l} in double: one thread per (row, state, 4096 steps), the
//      chunks' sums added in order (one chunk, the CPU's bits, for L <= 4096).
// Scratch from node.device_scratch (stream-ordered). cuFFT's transforms are not FFTW's: y
// agrees with the CPU's FFT path within rounding, not bit for bit.
#include "../common/cufft_plans.h"
#include "../core/cuda_launch.cuh"
#include "block_scan.cuh"
#include "ssm_convolution.h"
#include "ssm_problem.h"

#include <algorithm>
#include <cstdint>
#include <type_traits>

namespace graphrun::sequence {
namespace {

using core::generate;

template <typename T>
__global__ void discretize_tables_kernel(int64_t channels, int64_t states, const T* a, const T* b, const T* c,
                                         const T* dt, double dt_value, Discretization method, SsmStateTables out) {
  for (int64_t k = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; k < channels * states;
       k += int64_t{gridDim.x} * blockDim.x)
    ssm_discretize_state(k, states, a, b, c, dt, dt_value, method, out);
}

template <typename T> T* scratch(const plugin::Node& node, int64_t count) {
  return static_cast<T*>(node.device_scratch(static_cast<size_t>(std::max<int64_t>(count, 1)) * sizeof(T)));
}

template <typename T> void launch(const plugin::Node& node, const SsmArgs& args) {
  using T2 = std::conditional_t<sizeof(T) == sizeof(double), double2, float2>;
  const int64_t D = args.channels, N = args.states, L = args.length, rows = args.batch * D, cells = D * N;
  const T* u = static_cast<const T*>(args.u);
  const T* dskip = static_cast<const T*>(args.dskip);
  T* y = static_cast<T*>(args.y);

  double* tables = scratch<double>(node, 4 * cells);
  const SsmStateTables s{tables, tables + cells, tables + 2 * cells, tables + 3 * cells};
  if (cells > 0) {
    discretize_tables_kernel<T><<<blocks_for_elements(cells, 256), 256, 0, stream_of(node)>>>(
        D, N, static_cast<const T*>(args.a), static_cast<const T*>(args.b), static_cast<const T*>(args.c),
        static_cast<const T*>(args.dt), args.dt_value, args.method, s);
    check_launch("ssm");
  }

  // final, from u and the tables alone.
  const int64_t chunks = ssm_final_chunks(L);
  double* chunk_sums = scratch<double>(node, rows * N * chunks);
  generate(node, "ssm", rows * N * chunks, SsmFinalChunkAt<T>{s.a_bar, u, D, N, L, chunks}, chunk_sums);
  generate(node, "ssm", rows * N, SsmFinalAt<T>{s.b_bar, chunk_sums, D, N, chunks}, static_cast<T*>(args.final));
  if (rows == 0 || L == 0) return;

  // K (D, L) in T.
  const int64_t blocks = (L + kSsmPowerSteps - 1) / kSsmPowerSteps;
  double* within = scratch<double>(node, cells * kSsmPowerSteps);
  double* base = scratch<double>(node, cells * blocks);
  T* k = scratch<T>(node, D * L);
  generate(node, "ssm", cells * kSsmPowerSteps, SsmWithinAt{s.a_bar}, within);
  generate(node, "ssm", cells * blocks, SsmBaseAt{s, N, blocks}, base);
  generate(node, "ssm", D * L, SsmKernelAt<T>{s.cb, within, base, N, L, blocks}, k);

  if (!convolve_by_fft(L)) {
    generate(node, "ssm", rows * L, SsmDirectOutput<T>{k, u, dskip, D, L}, y);
    return;
  }
  const int64_t size = fft::fast_fft_size(2 * L - 1), bins = common::cufft_bins(size);
  T* k_real = scratch<T>(node, D * size);
  T2* k_spectra = scratch<T2>(node, D * bins);
  generate(node, "ssm", D * size, SsmPaddedRows<T>{k, L, size, 0}, k_real);
  common::cufft_forward(node, size, D, k_real, k_spectra, "ssm");

  const int64_t row_bytes = (size + 2 * bins) * static_cast<int64_t>(sizeof(T));
  const int64_t per_round = ssm_rows_per_round(rows, row_bytes);
  T* real = scratch<T>(node, per_round * size);
  T2* spectra = scratch<T2>(node, per_round * bins);
  const T scale = T(1) / static_cast<T>(size);
  for (int64_t first = 0; first < rows; first += per_round) {
    const int64_t count = std::min(per_round, rows - first);
    generate(node, "ssm", count * size, SsmPaddedRows<T>{u, L, size, first}, real);
    common::cufft_forward(node, size, count, real, spectra, "ssm");
    generate(node, "ssm", count * bins, SsmSpectrumProduct<T, T2>{spectra, k_spectra, bins, D, first}, spectra);
    common::cufft_inverse(node, size, count, spectra, real, "ssm");
    generate(node, "ssm", count * L, SsmFftOutput<T>{real, u, dskip, D, L, size, first, scale}, y + first * L);
  }
}

}  // namespace

void ssm_convolution_cuda(const plugin::Node& node, const SsmArgs& args) {
  plugin::dispatch(node.dtype(), [&]<typename T>() { launch<T>(node, args); });
}

}  // namespace graphrun::sequence
