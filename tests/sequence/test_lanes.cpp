// The lane helpers of the sequence kernels on every SIMD target compiled in, each forced in
// turn: lane-block sums and the in-register scan of run_steps against plain loops that
// follow the lane block's order (lane_block.h), to the bit, so every target gives the same
// results; and the scan against the sequential recurrence.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "sequence/test_lanes.cpp"
#include <hwy/foreach_target.h>  // IWYU pragma: keep

#include <hwy/highway.h>

#include "sequence/chunked_scan-inl.h"
#include "sequence/lanes-inl.h"

HWY_BEFORE_NAMESPACE();
namespace graphrun::sequence::HWY_NAMESPACE {

template <typename T> void block_sums(const T* blocks, int64_t n, T* y) {
  auto copy = aligned_zeros<T>((n + Lanes<T>::kWidth) * kBlockLanes<T>);
  std::copy(blocks, blocks + n * kBlockLanes<T>, copy.get());
  Lanes<T>::store_block_sums(copy.get(), n, y);
}
void block_sums_f32(const float* blocks, int64_t n, float* y) { block_sums(blocks, n, y); }
void block_sums_f64(const double* blocks, int64_t n, double* y) { block_sums(blocks, n, y); }

/// run_steps over n steps of (a, b) from h; out gets every h_t, map the (product, last h).
void run_steps_f64(const double* a, int64_t a_step, const double* b, int64_t n, double h, double* out,
                   double* map) {
  const ScanMap<double> m = run_steps(ScanRow<double>{a, a_step, b}, 0, n, h, out);
  map[0] = m.a;
  map[1] = m.b;
}
void run_steps_f32(const float* a, int64_t a_step, const float* b, int64_t n, float h, float* out, float* map) {
  const ScanMap<float> m = run_steps(ScanRow<float>{a, a_step, b}, 0, n, h, out);
  map[0] = m.a;
  map[1] = m.b;
}

/// shift_up<1> of x's first vector continuing `prev` (a vector of `fill`): kWidth values.
void shift_up_one_f32(const float* x, float fill, float* y, int* width) {
  using L = Lanes<float>;
  *width = L::kWidth;
  if constexpr (L::kWidth > 1) L::store(y, L::shift_up<1>(L::load(x), L::broadcast(fill)));
  else y[0] = fill;
}

}  // namespace graphrun::sequence::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
#include "sequence_test_support.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

namespace graphrun::sequence {
namespace {

HWY_EXPORT(block_sums_f32);
HWY_EXPORT(block_sums_f64);
HWY_EXPORT(run_steps_f32);
HWY_EXPORT(run_steps_f64);
HWY_EXPORT(shift_up_one_f32);

/// The lanes of one block added in the block's tree: lane i + lane i + W/2, then again.
template <typename T> T tree_sum(const T* block) {
  T v[kBlockLanes<T>];
  std::copy(block, block + kBlockLanes<T>, v);
  for (int64_t half = kBlockLanes<T> / 2; half >= 1; half /= 2)
    for (int64_t i = 0; i < half; ++i) v[i] = v[i] + v[i + half];
  return v[0];
}

template <typename T> void check_block_sums(void (*sums)(const T*, int64_t, T*)) {
  std::mt19937 gen(7);
  std::normal_distribution<double> normal;
  for (int64_t n : {1, 5, 16, 37}) {
    std::vector<T> blocks(static_cast<size_t>(n * kBlockLanes<T>)), y(static_cast<size_t>(n));
    for (T& v : blocks) v = static_cast<T>(normal(gen));
    sums(blocks.data(), n, y.data());
    for (int64_t j = 0; j < n; ++j)
      EXPECT_EQ(y[j], tree_sum(blocks.data() + j * kBlockLanes<T>)) << "n " << n << " block " << j;
  }
}

TEST(SequenceLanes, BlockSumsFollowTheBlockTreeOnEveryTarget) {
  for_each_target([] {
    check_block_sums<float>(HWY_DYNAMIC_DISPATCH(block_sums_f32));
    check_block_sums<double>(HWY_DYNAMIC_DISPATCH(block_sums_f64));
  });
}

TEST(SequenceLanes, ShiftUpContinuesThePreviousVector) {
  for_each_target([] {
    float x[64], y[64];
    int width = 0;
    for (int i = 0; i < 64; ++i) x[i] = static_cast<float>(i + 1);
    HWY_DYNAMIC_DISPATCH(shift_up_one_f32)(x, -1.0f, y, &width);
    EXPECT_EQ(y[0], -1.0f);
    for (int i = 1; i < width; ++i) EXPECT_EQ(y[i], x[i - 1]);
  });
}

/// What run_steps must compute, written as plain loops: each block of kBlockLanes steps
/// scanned in log2 levels (level K: lane i combines with lane i - K, a 0 / 1 below K) and
/// joined to the h carried in; the steps after the last whole block one by one.
template <typename T> std::vector<T> block_scan(const T* a, int64_t a_step, const T* b, int64_t n, T h, T* map) {
  constexpr int64_t kLanes = kBlockLanes<T>;
  std::vector<T> out(static_cast<size_t>(n));
  T product = 1;
  const int64_t blocks_end = n / kLanes * kLanes;
  for (int64_t t0 = 0; t0 < blocks_end; t0 += kLanes) {
    T sa[kLanes], sb[kLanes];
    for (int64_t i = 0; i < kLanes; ++i) {
      sa[i] = a[(t0 + i) * a_step];
      sb[i] = b[t0 + i];
    }
    for (int64_t k = 1; k < kLanes; k *= 2) {
      T na[kLanes], nb[kLanes];
      for (int64_t i = 0; i < kLanes; ++i) {
        nb[i] = sb[i] + sa[i] * (i >= k ? sb[i - k] : T(0));
        na[i] = sa[i] * (i >= k ? sa[i - k] : T(1));
      }
      std::copy(na, na + kLanes, sa);
      std::copy(nb, nb + kLanes, sb);
    }
    for (int64_t i = 0; i < kLanes; ++i) out[t0 + i] = sb[i] + sa[i] * h;
    h = out[t0 + kLanes - 1];
    product = sa[kLanes - 1] * product;
  }
  for (int64_t t = blocks_end; t < n; ++t) {
    h = a[t * a_step] * h + b[t];
    product = a[t * a_step] * product;
    out[t] = h;
  }
  map[0] = product;
  map[1] = h;
  return out;
}

template <typename T> void check_run_steps(void (*run)(const T*, int64_t, const T*, int64_t, T, T*, T*)) {
  std::mt19937 gen(5);
  std::uniform_real_distribution<double> uniform(-1, 1);
  std::vector<T> a(300), b(300), out(300);
  for (size_t i = 0; i < a.size(); ++i) {
    a[i] = static_cast<T>(uniform(gen));
    b[i] = static_cast<T>(uniform(gen));
  }
  for (int64_t a_step : {0, 1}) {
    for (int64_t n : {0, 1, 7, 8, 9, 16, 64, 299}) {
      T map[2], want_map[2];
      run(a.data(), a_step, b.data(), n, T(0.5), out.data(), map);
      const std::vector<T> want = block_scan(a.data(), a_step, b.data(), n, T(0.5), want_map);
      double h = 0.5;
      for (int64_t t = 0; t < n; ++t) {
        EXPECT_EQ(out[t], want[t]) << "a_step " << a_step << " n " << n << " t " << t;
        h = static_cast<double>(a[t * a_step]) * h + static_cast<double>(b[t]);
        EXPECT_NEAR(out[t], h, sizeof(T) == 4 ? 1e-5 : 1e-14) << "a_step " << a_step << " n " << n << " t " << t;
      }
      EXPECT_EQ(map[0], want_map[0]) << "a_step " << a_step << " n " << n;
      EXPECT_EQ(map[1], want_map[1]) << "a_step " << a_step << " n " << n;
    }
  }
}

TEST(SequenceLanes, RunStepsScansByLaneBlockOnEveryTarget) {
  for_each_target([] {
    check_run_steps<float>(HWY_DYNAMIC_DISPATCH(run_steps_f32));
    check_run_steps<double>(HWY_DYNAMIC_DISPATCH(run_steps_f64));
  });
}

}  // namespace
}  // namespace graphrun::sequence
#endif  // HWY_ONCE
