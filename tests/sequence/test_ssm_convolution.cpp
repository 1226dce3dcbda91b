// ssm's convolution mode: the __host__ __device__ pieces the CUDA kernel makes K and the
// final state with (plugins/sequence/ssm_convolution.h) against the CPU's kernel_and_final
// (ssm_convolution-inl.h) on every SIMD target compiled in, each forced in turn: K to the
// bit (powers by blocks of 64 and pow() every 4096 steps, the lane block's sum over states)
// and final to the bit while it is one chunk (L <= 4096), within double rounding beyond.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "sequence/test_ssm_convolution.cpp"
#include <hwy/foreach_target.h>  // IWYU pragma: keep

#include <hwy/highway.h>

#include "sequence/ssm_convolution-inl.h"

HWY_BEFORE_NAMESPACE();
namespace graphrun::sequence::HWY_NAMESPACE {

/// The CPU's K of channel d (L doubles into k) and its final states of channel d (in p.final).
void kernel_and_final_f32(const SsmProblem<float>& p, int64_t d, double* k) {
  hwy::AlignedFreeUniquePtr<double[]> scratch;
  kernel_and_final(p, d, k, scratch);
}
void kernel_and_final_f64(const SsmProblem<double>& p, int64_t d, double* k) {
  hwy::AlignedFreeUniquePtr<double[]> scratch;
  kernel_and_final(p, d, k, scratch);
}

}  // namespace graphrun::sequence::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
#include "sequence/ssm_convolution.h"
#include "sequence_test_support.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

namespace graphrun::sequence {
namespace {

HWY_EXPORT(kernel_and_final_f32);
HWY_EXPORT(kernel_and_final_f64);

struct Case {
  Discretization method;
  double dt, a_low;  // A uniform in [a_low, -0.001]
};
// zoh and bilinear decay slowly enough that K is far from 0 after 8000 steps; euler with
// dt = 1 has Ā = 1 + A in (-0.9, 1): negative powers too.
const Case kCases[] = {{Discretization::kZoh, 0.1, -0.05}, {Discretization::kBilinear, 0.5, -0.02},
                       {Discretization::kEuler, 1.0, -1.9}};

template <typename T> void check(void (*cpu)(const SsmProblem<T>&, int64_t, double*), const Case& c, int64_t N,
                                 int64_t L) {
  const std::string what = std::string(sizeof(T) == 4 ? "f32" : "f64") + " method " +
                           std::to_string(static_cast<int>(c.method)) + " N " + std::to_string(N) + " L " +
                           std::to_string(L);
  const int64_t batch = 2, D = 2;
  const auto u = uniform<T>(static_cast<size_t>(batch * D * L), -1, 1, 51);
  const auto a = uniform<T>(static_cast<size_t>(D * N), c.a_low, -0.001, 52);
  const auto b = uniform<T>(static_cast<size_t>(D * N), -1, 1, 53);
  const auto cc = uniform<T>(static_cast<size_t>(D * N), -1, 1, 54);
  // The CPU's tables (discretize_all) and the device's (ssm_discretize_state), on the host.
  DiscreteSsm sys{D, N, std::vector<double>(static_cast<size_t>(D * N)), std::vector<double>(static_cast<size_t>(D * N)),
                  std::vector<double>(static_cast<size_t>(D * N))};
  std::vector<double> tables(static_cast<size_t>(4 * D * N));
  const SsmStateTables s{tables.data(), tables.data() + D * N, tables.data() + 2 * D * N, tables.data() + 3 * D * N};
  for (int64_t k = 0; k < D * N; ++k) {
    const DiscreteState ds = discretize(c.method, a[k], b[k], c.dt);
    sys.a_bar[k] = ds.a_bar;
    sys.b_bar[k] = ds.b_bar;
    sys.c[k] = cc[k];
    ssm_discretize_state<T>(k, N, a.data(), b.data(), cc.data(), nullptr, c.dt, c.method, s);
  }
  std::vector<T> y(u.size()), final(static_cast<size_t>(batch * D * N));
  const SsmProblem<T> p{batch, D, N, L, u.data(), nullptr, &sys, y.data(), final.data()};
  std::vector<double> k(static_cast<size_t>(L));
  const int64_t chunks = ssm_final_chunks(L);
  std::vector<double> chunk_sums(static_cast<size_t>(batch * D * N * chunks));
  for (int64_t i = 0; i < static_cast<int64_t>(chunk_sums.size()); ++i)
    chunk_sums[i] = SsmFinalChunkAt<T>{s.a_bar, u.data(), D, N, L, chunks}(i);
  for (int64_t d = 0; d < D; ++d) {
    cpu(p, d, k.data());
    for (int64_t l = 0; l < L; ++l) {
      const double mine = ssm_kernel_value(N, s.cb + d * N, [&](int64_t n) { return ssm_power(s.a_bar[d * N + n], l); });
      ASSERT_EQ(mine, k[l]) << what << ": K[" << d << ", " << l << "]";
    }
  }
  for (int64_t i = 0; i < batch * D * N; ++i) {
    const T mine = SsmFinalAt<T>{s.b_bar, chunk_sums.data(), D, N, chunks}(i);
    if (chunks <= 1)
      ASSERT_EQ(mine, final[i]) << what << ": final " << i;
    else
      ASSERT_NEAR(mine, final[i], (sizeof(T) == 4 ? 1e-6 : 1e-13) * (1 + std::abs(final[i]))) << what << ": final " << i;
  }
}

TEST(SsmConvolutionPieces, KernelAndFinalAreTheCpusOnEveryTarget) {
  for_each_target([] {
    for (const Case& c : kCases)
      for (int64_t N : {1, 8, 13})
        for (int64_t L : {0, 1, 70, 4096, 4097, 8300}) {
          check<float>(HWY_DYNAMIC_DISPATCH(kernel_and_final_f32), c, N, L);
          check<double>(HWY_DYNAMIC_DISPATCH(kernel_and_final_f64), c, N, L);
        }
  });
}

TEST(SsmConvolutionPieces, PowersFollowTheCpusBlocks) {
  const double a = 0.999;
  EXPECT_EQ(ssm_power(a, 0), 1.0);
  EXPECT_EQ(ssm_power(a, 3), (1.0 * a) * a * a);
  EXPECT_EQ(ssm_power_step(a), ssm_power_within(a, 63) * a);
  EXPECT_EQ(ssm_power(a, 64), ssm_power_step(a));
  EXPECT_EQ(ssm_power(a, 130), ssm_power_step(a) * ssm_power_step(a) * ssm_power_within(a, 2));
  EXPECT_EQ(ssm_power(a, 4096 + 5), std::pow(a, 4096.0) * ssm_power_within(a, 5));
  EXPECT_EQ(ssm_power(a, 8192 + 64), std::pow(a, 8192.0) * ssm_power_step(a));
}

TEST(SsmConvolutionPieces, RoundsHoldTheBudgetAndAtLeastOneRow) {
  EXPECT_EQ(ssm_rows_per_round(10, 100, 1000), 10);
  EXPECT_EQ(ssm_rows_per_round(30, 100, 1000), 10);
  EXPECT_EQ(ssm_rows_per_round(30, 5000, 1000), 1);
  EXPECT_EQ(ssm_rows_per_round(30, 100), 30);
}

}  // namespace
}  // namespace graphrun::sequence
#endif  // HWY_ONCE
