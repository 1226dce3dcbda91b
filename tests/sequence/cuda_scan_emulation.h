// The sequence ops' CUDA kernels replayed on the host: the same __host__ __device__ pieces
// (plugins/sequence/block_scan.h, scan_math.h, ssm_discretize.h) in the same order as the
// kernels call them, threads and warps walked in loops, shuffles as array reads. What this
// gives is what the device computes up to its library functions (exp, tanh), so comparing
// it with the CPU op checks the kernels' algorithm: chunking, carries, padding, the options.
#pragma once

#include "sequence/block_scan.h"
#include "sequence/ssm_discretize.h"

#include <algorithm>
#include <cstdint>
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
