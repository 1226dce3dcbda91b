// The formulas the source ops' CPU and CUDA kernels share: random_value (Philox4x32-10),
// LinspaceFormula and ArangeFormula. Each is checked against the documented contract
// computed independently here, and against what the CPU op writes, so the CUDA kernel (which
// calls the same function) gives the CPU's bits (normal draws: up to the last bits of log and
// cos, see random_value.h).
#include "core/random_value.h"
#include "core/source_formulas.h"

#include <graphrun/testing.hpp>

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>

namespace graphrun::core {
namespace {

constexpr int64_t kDraws = 2000;

std::string random_attrs(const char* dist, int64_t seed) {
  return "{shape: [" + std::to_string(kDraws) + "], dist: " + dist + ", seed: " + std::to_string(seed) +
         ", low: -2, high: 3, mean: 1, std: 2}";
}

TEST(SharedRandom, UniformBitsFollowTheContractFromThePhiloxWords) {
  const RandomParams p{false, 0x123456789abcdefull, 0, 1, 0, 1};
  for (uint64_t i : {uint64_t{0}, uint64_t{1}, uint64_t{4294967295u}, uint64_t{4294967296u}, ~uint64_t{0}}) {
    // The block of element i, spelled out from the contract (random_value.h).
    const PhiloxBlock b = philox4x32_10(
        PhiloxBlock{{static_cast<uint32_t>(i), static_cast<uint32_t>(i >> 32), 0, 0}},
        PhiloxKey{{0x89abcdefu, 0x01234567u}});
    const uint64_t bits53 = ((uint64_t{b[0]} << 32) | b[1]) >> 11;
    EXPECT_EQ(random_value<double>(p, i), static_cast<double>(bits53) * 0x1p-53) << i;
    EXPECT_EQ(random_value<float>(p, i), static_cast<float>(b[0] >> 8) * 0x1p-24f) << i;
  }
}

TEST(SharedRandom, UniformEqualsTheCpuOpBitForBitInBothDtypes) {
  for (const char* dtype : {"f64", "f32"})
    for (int64_t seed : {int64_t{0}, int64_t{42}, int64_t{1} << 40, int64_t{-7}}) {
      const auto out = testing::OpTest("random").dtype(dtype).attrs(random_attrs("uniform", seed)).run();
      const std::vector<double>& got = out.at("out").values;
      ASSERT_EQ(got.size(), static_cast<size_t>(kDraws));
      const RandomParams p{false, static_cast<uint64_t>(seed), 1, 2, -2, 3};
      for (int64_t i = 0; i < kDraws; ++i) {
        const double expected = std::string(dtype) == "f64"
                                    ? random_value<double>(p, static_cast<uint64_t>(i))
                                    : static_cast<double>(random_value<float>(p, static_cast<uint64_t>(i)));
        ASSERT_EQ(got[i], expected) << dtype << " seed " << seed << " element " << i;
      }
    }
}

// Normal draws: the CPU op computes log and cos with SIMD functions, random_value (the CUDA
// kernel's code) with the C library's (here) or CUDA's; both are faithful, so the values
// agree to the last bits, as random_value.h documents for CPU against device.
TEST(SharedRandom, NormalAgreesWithTheSharedFunctionToTheLastBits) {
  for (const char* dtype : {"f64", "f32"})
    for (int64_t seed : {int64_t{0}, int64_t{42}, int64_t{1} << 40, int64_t{-7}}) {
      const auto out = testing::OpTest("random").dtype(dtype).attrs(random_attrs("normal", seed)).run();
      const std::vector<double>& got = out.at("out").values;
      ASSERT_EQ(got.size(), static_cast<size_t>(kDraws));
      const RandomParams p{true, static_cast<uint64_t>(seed), 1, 2, -2, 3};
      for (int64_t i = 0; i < kDraws; ++i) {
        if (std::string(dtype) == "f64") {
          const double expected = random_value<double>(p, static_cast<uint64_t>(i));
          // mean + std * z with |mean| = 1: the bound scales with the terms, not the sum.
          ASSERT_NEAR(got[i], expected, 1e-14 * (1 + std::abs(expected))) << "seed " << seed << " element " << i;
        } else {
          const float expected = random_value<float>(p, static_cast<uint64_t>(i));
          const auto ulp = std::abs(std::nextafter(expected, INFINITY) - expected);
          ASSERT_LE(std::abs(got[i] - expected), ulp) << "seed " << seed << " element " << i;
        }
      }
    }
}

TEST(SharedRandom, NormalBitsDoNotDependOnTheThreadCount) {
  // Long enough for several parallel chunks, of a length that ends inside a SIMD block.
  const std::string attrs = "{shape: [200003], dist: normal, seed: 9, mean: -1, std: 3}";
  for (const char* dtype : {"f64", "f32"}) {
    const auto one = testing::OpTest("random").dtype(dtype).attrs(attrs).run({.threads = 1});
    for (int threads : {2, 3}) {
      const auto many = testing::OpTest("random").dtype(dtype).attrs(attrs).run({.threads = threads});
      EXPECT_EQ(many.at("out").values, one.at("out").values) << dtype << ", " << threads << " threads";
    }
  }
}

TEST(SharedLinspace, EqualsTheCpuOpAndKeepsStopExact) {
  struct Case {
    double start, stop;
    int64_t num;
    bool endpoint;
  };
  for (const Case& c : {Case{0, 1, 11, true}, Case{-3.5, 7.25, 1000, true}, Case{0.1, 0.3, 7, false},
                        Case{5, 5, 1, true}, Case{2, -1, 3, true}, Case{0, 1e-320, 5, true}, Case{0, 1, 0, true}})
    for (const char* dtype : {"f64", "f32"}) {
      char attrs[200];
      std::snprintf(attrs, sizeof attrs, "{start: %.17g, stop: %.17g, num: %lld, endpoint: %s}", c.start, c.stop,
                    static_cast<long long>(c.num), c.endpoint ? "true" : "false");
      const auto out = testing::OpTest("linspace").dtype(dtype).attrs(attrs).run();
      const LinspaceFormula f = LinspaceFormula::make(c.start, c.stop, c.num, c.endpoint);
      std::vector<double> expected;
      for (int64_t i = 0; i < c.num; ++i)
        expected.push_back(std::string(dtype) == "f64" ? f.value(i) : static_cast<float>(f.value(i)));
      EXPECT_EQ(out.at("out").values, expected) << attrs << " " << dtype;
      if (c.endpoint && c.num > 1) {
        EXPECT_EQ(f.value(c.num - 1), c.stop) << attrs;
      }
    }
}

TEST(SharedArange, EqualsTheCpuOpAndUsesNumpysDelta) {
  struct Case {
    double start, stop, step;
    int64_t length;
  };
  for (const Case& c : {Case{0, 10, 1, 10}, Case{0.1, 1.0, 0.1, 9}, Case{5, -5, -1.5, 7}, Case{1, 2, 5, 1}})
    for (const char* dtype : {"f64", "f32"}) {
      char attrs[200];
      std::snprintf(attrs, sizeof attrs, "{start: %.17g, stop: %.17g, step: %.17g}", c.start, c.stop, c.step);
      const auto out = testing::OpTest("arange").dtype(dtype).attrs(attrs).run();
      const ArangeFormula f = ArangeFormula::make(c.start, c.step);
      std::vector<double> expected;
      for (int64_t i = 0; i < c.length; ++i)
        expected.push_back(std::string(dtype) == "f64" ? f.value(i) : static_cast<float>(f.value(i)));
      EXPECT_EQ(out.at("out").values, expected) << attrs << " " << dtype;
    }
  // numpy: y[1] is start + step itself; later values step by (start + step) - start.
  const ArangeFormula f = ArangeFormula::make(0.1, 0.2);
  EXPECT_EQ(f.value(1), 0.1 + 0.2);
  EXPECT_EQ(f.value(5), 0.1 + 5.0 * ((0.1 + 0.2) - 0.1));
}

}  // namespace
}  // namespace graphrun::core
