// The sequence ops' CUDA kernels replayed on the host: the same __host__ __device__ pieces
// (plugins/sequence/block_scan.h, scan_math.h, ssm_discretize.h, ssm_convolution.h) in the
// same order as the kernels call them, threads and warps walked in loops, shuffles as array
// reads, cuFFT's transforms as a naive DFT. What this gives is what the device computes up
// to its library functions (exp, tanh, cuFFT's rounding), so comparing it with the CPU op
// checks the kernels' algorithm: chunking, carries, padding, indexing, scaling, the options.
#pragma once

#include "common/real_fft.h"
#include "sequence/block_scan.h"
#include "sequence/ssm_convolution.h"
#include "sequence/ssm_discretize.h"
#include "sequence/ssm_problem.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numbers>
#include <vector>

namespace graphrun::sequence::emulation {

/// BlockScan::scan: h[s] = the value after step s of a chunk of kThreads·kItems maps
/// entered with `carry`.
template <typename T, int kThreads, int kItems>
void block_scan(const std::vector<AffineMap<T>>& m, T carry, std::vector<T>& h) {
  constexpr int kWarps = kThreads / kWarpThreads;
  std::vector<AffineMap<T>> inclusive(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    AffineMap<T> items[kItems];
    std::copy(m.begin() + t * kItems, m.begin() + (t + 1) * kItems, items);
    inclusive[t] = compose_items(items);
  }
  for (int w = 0; w < kWarps; ++w)  // Kogge-Stone: every lane of a level reads the level before
    for (int k = 1; k < kWarpThreads; k *= 2) {
      const std::vector<AffineMap<T>> before(inclusive);
      for (int lane = k; lane < kWarpThreads; ++lane)
        inclusive[w * kWarpThreads + lane] = compose(before[w * kWarpThreads + lane - k], before[w * kWarpThreads + lane]);
    }
  AffineMap<T> totals[kWarps];
  for (int w = 0; w < kWarps; ++w) totals[w] = inclusive[w * kWarpThreads + kWarpThreads - 1];
  h.resize(static_cast<size_t>(kThreads * kItems));
  for (int t = 0; t < kThreads; ++t) {
    const int lane = t % kWarpThreads;
    const T warp_h = warp_carry(totals, t / kWarpThreads, carry);
    const T h_in = lane_carry(lane, lane > 0 ? inclusive[t - 1] : AffineMap<T>{}, warp_h);
    AffineMap<T> items[kItems];
    std::copy(m.begin() + t * kItems, m.begin() + (t + 1) * kItems, items);
    T out[kItems];
    rerun_items(items, h_in, out);
    std::copy(out, out + kItems, h.begin() + t * kItems);
  }
}

/// BlockScan::total: the chunk's map.
template <typename T, int kThreads, int kItems> AffineMap<T> block_total(const std::vector<AffineMap<T>>& m) {
  constexpr int kWarps = kThreads / kWarpThreads;
  std::vector<AffineMap<T>> inclusive(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    AffineMap<T> items[kItems];
    std::copy(m.begin() + t * kItems, m.begin() + (t + 1) * kItems, items);
    inclusive[t] = compose_items(items);
  }
  for (int w = 0; w < kWarps; ++w)
    for (int k = 1; k < kWarpThreads; k *= 2) {
      const std::vector<AffineMap<T>> before(inclusive);
      for (int lane = k; lane < kWarpThreads; ++lane)
        inclusive[w * kWarpThreads + lane] = compose(before[w * kWarpThreads + lane - k], before[w * kWarpThreads + lane]);
    }
  AffineMap<T> acc = inclusive[kWarpThreads - 1];
  for (int w = 1; w < kWarps; ++w) acc = compose(acc, inclusive[w * kWarpThreads + kWarpThreads - 1]);
  return acc;
}

/// recurrence.cu on dense operands: rows × length b, a of the same shape or one value per row
/// (a_step 0), h0 per row. Returns every h_t (save_all) or each row's last.
template <typename T>
std::vector<T> recurrence(int64_t rows, int64_t length, const std::vector<T>& a, int64_t a_step,
                          const std::vector<T>& b, const std::vector<T>& h0, bool save_all) {
  constexpr int kThreads = kScanThreads, kItems = kScanItems<T>;
  constexpr int64_t kChunk = int64_t{kThreads} * kItems;
  std::vector<T> out(static_cast<size_t>(save_all ? rows * length : rows));
  const int64_t a_row = a_step ? length : 1;
  auto maps_of = [&](int64_t r, int64_t t0) {
    std::vector<AffineMap<T>> m(static_cast<size_t>(kChunk), identity_map<T>());
    for (int64_t s = 0; s < kChunk && t0 + s < length; ++s)
      m[s] = {a[r * a_row + (t0 + s) * a_step], b[r * length + t0 + s]};
    return m;
  };
  for (int64_t r = 0; r < rows; ++r) {
    if (length <= kShortRecurrence) {
      T h = h0[r];
      for (int64_t t = 0; t < length; ++t) {
        h = a[r * a_row + t * a_step] * h + b[r * length + t];
        if (save_all) out[r * length + t] = h;
      }
      if (!save_all) out[r] = h;
      continue;
    }
    const int64_t chunks = (length + kChunk - 1) / kChunk;
    std::vector<T> incoming(static_cast<size_t>(chunks));
    T h = h0[r];
    for (int64_t c = 0; c < chunks; ++c) {
      incoming[c] = h;
      if (c + 1 < chunks) h = apply(block_total<T, kThreads, kItems>(maps_of(r, c * kChunk)), h);
    }
    for (int64_t c = save_all ? 0 : chunks - 1; c < chunks; ++c) {
      std::vector<T> values;
      block_scan<T, kThreads, kItems>(maps_of(r, c * kChunk), incoming[c], values);
      if (!save_all) {
        out[r] = values.back();
        continue;
      }
      for (int64_t s = 0; s < kChunk && c * kChunk + s < length; ++s) out[r * length + c * kChunk + s] = values[s];
    }
  }
  return out;
}

/// selective_scan.cu: y (B, D, L) and final (B, D, N); optional operands empty.
template <typename T> struct SelectiveInputs {
  int64_t batch, channels, states, length;
  std::vector<T> u, delta, a, bm, cm, dskip, z, delta_bias;
  bool softplus;
};

template <typename T> void selective_scan(const SelectiveInputs<T>& in, std::vector<T>& y, std::vector<T>& final) {
  constexpr int kThreads = kScanThreads, kItems = kScanItems<T>;
  constexpr int64_t kChunk = int64_t{kThreads} * kItems;
  const int64_t N = in.states, L = in.length;
  y.assign(static_cast<size_t>(in.batch * in.channels * L), T(0));
  final.assign(static_cast<size_t>(in.batch * in.channels * N), T(0));
  for (int64_t row = 0; row < in.batch * in.channels; ++row) {
    const int64_t b = row / in.channels, d = row % in.channels;
    const T* bias = in.delta_bias.empty() ? nullptr : &in.delta_bias[d];
    const T* dskip = in.dskip.empty() ? nullptr : &in.dskip[d];
    for (int64_t t0 = 0; t0 < L; t0 += kChunk) {
      const int64_t valid = std::min(kChunk, L - t0);
      std::vector<T> dt(kChunk), du(kChunk), sum(kChunk, T(0));
      for (int64_t s = 0; s < kChunk; ++s) {
        const T u = s < valid ? in.u[row * L + t0 + s] : T(0), delta = s < valid ? in.delta[row * L + t0 + s] : T(0);
        dt[s] = selective_dt(delta, bias, in.softplus);
        du[s] = dt[s] * u;
      }
      for (int64_t n = 0; n < N; ++n) {
        const T rate = decay_rate(in.a[d * N + n]);
        std::vector<AffineMap<T>> m(kChunk, identity_map<T>());
        for (int64_t s = 0; s < valid; ++s)
          m[s] = selective_step(rate, dt[s], du[s], in.bm[(b * N + n) * L + t0 + s]);
        std::vector<T> h;
        block_scan<T, kThreads, kItems>(m, t0 == 0 ? T(0) : final[row * N + n], h);
        for (int64_t s = 0; s < kChunk; ++s) {
          const T c = s < valid ? in.cm[(b * N + n) * L + t0 + s] : T(0);
          sum[s] = fused(h[s], c, sum[s]);
        }
        final[row * N + n] = h.back();
      }
      for (int64_t s = 0; s < valid; ++s) {
        const int64_t i = row * L + t0 + s;
        y[i] = selective_output(sum[s], in.u[i], dskip, in.z.empty() ? nullptr : &in.z[i]);
      }
    }
  }
}

/// ssm.cu: y (batch, D, L) and final (batch, D, N); dt per channel.
template <typename T>
void ssm(int64_t batch, int64_t channels, int64_t states, int64_t length, const std::vector<T>& u,
         const std::vector<T>& a, const std::vector<T>& bv, const std::vector<T>& c, const std::vector<T>& dskip,
         const std::vector<double>& dt, Discretization method, std::vector<T>& y, std::vector<T>& final) {
  constexpr int kThreads = kScanThreads, kItems = kScanItems<T>;
  constexpr int64_t kChunk = int64_t{kThreads} * kItems;
  const int64_t N = states, L = length;
  std::vector<T> a_bar(a.size()), b_bar(a.size());
  for (size_t k = 0; k < a.size(); ++k) {
    const DiscreteState s = discretize(method, a[k], bv[k], dt[k / static_cast<size_t>(N)]);
    a_bar[k] = static_cast<T>(s.a_bar);
    b_bar[k] = static_cast<T>(s.b_bar);
  }
  y.assign(static_cast<size_t>(batch * channels * L), T(0));
  final.assign(static_cast<size_t>(batch * channels * N), T(0));
  for (int64_t row = 0; row < batch * channels; ++row) {
    const int64_t d = row % channels;
    for (int64_t t0 = 0; t0 < L; t0 += kChunk) {
      const int64_t valid = std::min(kChunk, L - t0);
      std::vector<T> sum(kChunk, T(0));
      for (int64_t n = 0; n < N; ++n) {
        std::vector<AffineMap<T>> m(kChunk, identity_map<T>());
        for (int64_t s = 0; s < valid; ++s) m[s] = {a_bar[d * N + n], b_bar[d * N + n] * u[row * L + t0 + s]};
        std::vector<T> h;
        block_scan<T, kThreads, kItems>(m, t0 == 0 ? T(0) : final[row * N + n], h);
        for (int64_t s = 0; s < kChunk; ++s) sum[s] = sum[s] + c[d * N + n] * h[s];
        final[row * N + n] = h.back();
      }
      for (int64_t s = 0; s < valid; ++s) {
        const int64_t i = row * L + t0 + s;
        y[i] = dskip.empty() ? sum[s] : sum[s] + dskip[d] * u[i];
      }
    }
  }
}

/// A generate() launch (core/cuda_launch.cuh): out[i] = at(i) for i < n.
template <typename T, typename At> void generate(int64_t n, const At& at, T* out) {
  for (int64_t i = 0; i < n; ++i) out[i] = at(i);
}

/// A complex value as float2 / double2 hold it.
template <typename T> struct Pair {
  T x, y;
};

/// cuFFT's batched forward real transform (common/cufft_plans.h), stood in for by a naive
/// DFT in double rounded to T: spectra[r, k] = Σ_j real[r, j]·e^(−2πi·jk/size), k <= size/2.
template <typename T> void dft_forward(int64_t size, int64_t batch, const T* real, Pair<T>* spectra) {
  const int64_t bins = size / 2 + 1;
  std::vector<double> cosines(static_cast<size_t>(size)), sines(static_cast<size_t>(size));
  for (int64_t m = 0; m < size; ++m) {
    cosines[m] = std::cos(2 * std::numbers::pi * static_cast<double>(m) / static_cast<double>(size));
    sines[m] = std::sin(2 * std::numbers::pi * static_cast<double>(m) / static_cast<double>(size));
  }
  for (int64_t r = 0; r < batch; ++r)
    for (int64_t k = 0; k < bins; ++k) {
      double re = 0, im = 0;
      for (int64_t j = 0; j < size; ++j) {
        const double x = static_cast<double>(real[r * size + j]);
        re += x * cosines[j * k % size];
        im -= x * sines[j * k % size];
      }
      spectra[r * bins + k] = {static_cast<T>(re), static_cast<T>(im)};
    }
}

/// The inverse, unnormalized, of a Hermitian spectrum (as C2R: the imaginary parts of bins 0
/// and size/2 ignored): real[r, j] = Σ_{k<size} X_k·e^(2πi·jk/size).
template <typename T> void dft_inverse(int64_t size, int64_t batch, const Pair<T>* spectra, T* real) {
  const int64_t bins = size / 2 + 1;
  std::vector<double> cosines(static_cast<size_t>(size)), sines(static_cast<size_t>(size));
  for (int64_t m = 0; m < size; ++m) {
    cosines[m] = std::cos(2 * std::numbers::pi * static_cast<double>(m) / static_cast<double>(size));
    sines[m] = std::sin(2 * std::numbers::pi * static_cast<double>(m) / static_cast<double>(size));
  }
  const int64_t pairs_end = size % 2 == 0 ? bins - 1 : bins;  // bins with a mirror image
  for (int64_t r = 0; r < batch; ++r)
    for (int64_t j = 0; j < size; ++j) {
      const Pair<T>* x = spectra + r * bins;
      double v = static_cast<double>(x[0].x);
      if (size % 2 == 0) v += (j % 2 == 0 ? 1.0 : -1.0) * static_cast<double>(x[bins - 1].x);
      for (int64_t k = 1; k < pairs_end; ++k)
        v += 2 * (static_cast<double>(x[k].x) * cosines[j * k % size] - static_cast<double>(x[k].y) * sines[j * k % size]);
      real[r * size + j] = static_cast<T>(v);
    }
}

/// ssm_convolution.cu: y (batch, D, L) and final (batch, D, N); dt per channel from `dt`, or
/// dt_value when it is null; Dskip may be empty. Rounds of rows as ssm_rows_per_round gives
/// them for `round_budget` bytes.
template <typename T>
void ssm_convolution(int64_t batch, int64_t channels, int64_t states, int64_t length, const std::vector<T>& u,
                     const std::vector<T>& a, const std::vector<T>& b, const std::vector<T>& c,
                     const std::vector<T>& dskip, const T* dt, double dt_value, Discretization method,
                     int64_t round_budget, std::vector<T>& y, std::vector<T>& final) {
  const int64_t D = channels, N = states, L = length, rows = batch * D, cells = D * N;
  std::vector<double> tables(static_cast<size_t>(4 * cells));
  const SsmStateTables s{tables.data(), tables.data() + cells, tables.data() + 2 * cells, tables.data() + 3 * cells};
  for (int64_t k = 0; k < cells; ++k) ssm_discretize_state(k, N, a.data(), b.data(), c.data(), dt, dt_value, method, s);

  const int64_t chunks = ssm_final_chunks(L);
  std::vector<double> chunk_sums(static_cast<size_t>(rows * N * chunks));
  generate(rows * N * chunks, SsmFinalChunkAt<T>{s.a_bar, u.data(), D, N, L, chunks}, chunk_sums.data());
  final.assign(static_cast<size_t>(rows * N), T(0));
  generate(rows * N, SsmFinalAt<T>{s.b_bar, chunk_sums.data(), D, N, chunks}, final.data());
  y.assign(static_cast<size_t>(rows * L), T(0));
  if (rows == 0 || L == 0) return;

  const int64_t blocks = (L + kSsmPowerSteps - 1) / kSsmPowerSteps;
  std::vector<double> within(static_cast<size_t>(cells * kSsmPowerSteps)), base(static_cast<size_t>(cells * blocks));
  std::vector<T> k(static_cast<size_t>(D * L));
  generate(cells * kSsmPowerSteps, SsmWithinAt{s.a_bar}, within.data());
  generate(cells * blocks, SsmBaseAt{s, N, blocks}, base.data());
  generate(D * L, SsmKernelAt<T>{s.cb, within.data(), base.data(), N, L, blocks}, k.data());

  const T* skip = dskip.empty() ? nullptr : dskip.data();
  if (!convolve_by_fft(L)) {
    generate(rows * L, SsmDirectOutput<T>{k.data(), u.data(), skip, D, L}, y.data());
    return;
  }
  const int64_t size = fft::fast_fft_size(2 * L - 1), bins = size / 2 + 1;
  std::vector<T> k_real(static_cast<size_t>(D * size));
  std::vector<Pair<T>> k_spectra(static_cast<size_t>(D * bins));
  generate(D * size, SsmPaddedRows<T>{k.data(), L, size, 0}, k_real.data());
  dft_forward(size, D, k_real.data(), k_spectra.data());

  const int64_t row_bytes = (size + 2 * bins) * static_cast<int64_t>(sizeof(T));
  const int64_t per_round = ssm_rows_per_round(rows, row_bytes, round_budget);
  std::vector<T> real(static_cast<size_t>(per_round * size));
  std::vector<Pair<T>> spectra(static_cast<size_t>(per_round * bins));
  const T scale = T(1) / static_cast<T>(size);
  for (int64_t first = 0; first < rows; first += per_round) {
    const int64_t count = std::min(per_round, rows - first);
    generate(count * size, SsmPaddedRows<T>{u.data(), L, size, first}, real.data());
    dft_forward(size, count, real.data(), spectra.data());
    generate(count * bins, SsmSpectrumProduct<T, Pair<T>>{spectra.data(), k_spectra.data(), bins, D, first},
             spectra.data());
    dft_inverse(size, count, spectra.data(), real.data());
    generate(count * L, SsmFftOutput<T>{real.data(), u.data(), skip, D, L, size, first, scale}, y.data() + first * L);
  }
}

/// rnn.cu's steps, with the input projection summed in order (cuBLAS's order is its own):
/// out (batch, hidden, L) and final (batch, hidden); bias and h0 may be empty.
template <typename T>
void rnn(int64_t batch, int64_t input, int64_t hidden, int64_t length, const std::vector<T>& x,
         const std::vector<T>& w_hh, const std::vector<T>& w_xh, const std::vector<T>& bias,
         const std::vector<T>& h0, bool relu, std::vector<T>& out, std::vector<T>& final) {
  const int64_t H = hidden, L = length;
  out.assign(static_cast<size_t>(batch * H * L), T(0));
  final.assign(static_cast<size_t>(batch * H), T(0));
  for (int64_t b = 0; b < batch; ++b) {
    for (int64_t i = 0; i < H; ++i)
      for (int64_t t = 0; t < L; ++t) {
        T s = T(0);
        for (int64_t k = 0; k < input; ++k) s = s + w_xh[i * input + k] * x[(b * input + k) * L + t];
        out[(b * H + i) * L + t] = s;
      }
    std::vector<T> h(h0.empty() ? 0 : static_cast<size_t>(H));
    if (!h0.empty()) std::copy(h0.begin() + b * H, h0.begin() + (b + 1) * H, h.begin());
    for (int64_t t = 0; t < L; ++t) {
      std::vector<T> next(static_cast<size_t>(H));
      for (int64_t i = 0; i < H; ++i) {
        T dot = T(0);
        if (!h.empty()) {  // lane partial sums, then the xor shuffle tree
          T lanes[kWarpThreads] = {};
          for (int64_t j = 0; j < H; ++j) lanes[j % kWarpThreads] = lanes[j % kWarpThreads] + w_hh[i * H + j] * h[j];
          for (int offset = kWarpThreads / 2; offset > 0; offset /= 2) {
            T level[kWarpThreads];
            for (int l = 0; l < kWarpThreads; ++l) level[l] = lanes[l] + lanes[l ^ offset];
            std::copy(level, level + kWarpThreads, lanes);
          }
          dot = lanes[0];
        }
        T& o = out[(b * H + i) * L + t];
        o = rnn_unit(o, bias.empty() ? nullptr : &bias[i], dot, !h.empty(), relu);
        next[i] = o;
      }
      h = next;
    }
    if (!h.empty()) std::copy(h.begin(), h.end(), final.begin() + b * H);
  }
}

}  // namespace graphrun::sequence::emulation
