// The index math the core ops' CPU and CUDA kernels share (plugins/core/*.h), against naive
// references written out as loops, on edge shapes: rank 0, size-1 axes, negative steps.
#include "core/concat_placement.h"
#include "core/reduce_index.h"
#include "core/slice_geometry.h"
#include "core/strided_index.h"
#include "core/transpose_index.h"

#include <graphrun/testing.hpp>

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <numeric>
#include <vector>

namespace graphrun::core {
namespace {

using Dims = std::vector<int64_t>;

int64_t product(const Dims& d) { return std::accumulate(d.begin(), d.end(), int64_t{1}, std::multiplies<>()); }

/// numpy.transpose(x, perm).flatten() as input offsets, by walking output multi-indices.
std::vector<int64_t> naive_transpose(const Dims& dims, const std::vector<int>& perm) {
  const size_t rank = dims.size();
  Dims in_stride(rank, 1), out_dims(rank);
  for (size_t a = rank; a-- > 1;) in_stride[a - 1] = in_stride[a] * dims[a];
  for (size_t i = 0; i < rank; ++i) out_dims[i] = dims[perm[i]];
  std::vector<int64_t> offsets;
  Dims index(rank, 0);
  for (int64_t n = 0; n < product(dims); ++n) {
    int64_t off = 0;
    for (size_t i = 0; i < rank; ++i) off += index[i] * in_stride[perm[i]];
    offsets.push_back(off);
    for (size_t i = rank; i-- > 0;) {
      if (++index[i] < out_dims[i]) break;
      index[i] = 0;
    }
  }
  return offsets;
}

std::vector<int64_t> shared_transpose(const Dims& dims, const std::vector<int>& perm) {
  const StridedIndex s = source_index(simplify(dims, perm));
  std::vector<int64_t> offsets;
  for (int64_t i = 0; i < product(dims); ++i) offsets.push_back(s.offset(i));
  return offsets;
}

TEST(SharedTransposeIndex, MatchesTheNaivePermutationOnEdgeShapes) {
  const std::vector<std::pair<Dims, std::vector<int>>> cases = {
      {{}, {}},                                    // rank 0: one element
      {{5}, {0}},                                  // rank 1
      {{3, 4}, {1, 0}},                            // a matrix
      {{1, 1, 1}, {2, 0, 1}},                      // every axis size 1
      {{2, 1, 3, 1}, {3, 2, 0, 1}},                // size-1 axes dropped
      {{2, 3, 4}, {0, 2, 1}},                      // the last axis moves
      {{2, 3, 4}, {1, 2, 0}},                      // runs that merge (1, 2)
      {{2, 3, 4, 5}, {0, 1, 2, 3}},                // identity
      {{2, 1, 2, 3, 1, 2, 2, 3}, {7, 0, 5, 2, 6, 1, 4, 3}},  // rank 8
  };
  for (const auto& [dims, perm] : cases)
    EXPECT_EQ(shared_transpose(dims, perm), naive_transpose(dims, perm)) << "dims rank " << dims.size();
}

TEST(SharedTransposeIndex, IsWhatTheCpuTransposeGives) {
  // x = arange(24) of shape (2, 3, 4): the output's values are the input offsets.
  testing::Array x{{2, 3, 4}, {}};
  for (int i = 0; i < 24; ++i) x.values.push_back(i);
  auto out = testing::OpTest("transpose").attrs("{perm: [2, 0, 1]}").input("x", x).run();
  const std::vector<int64_t> offsets = shared_transpose({2, 3, 4}, {2, 0, 1});
  EXPECT_EQ(out.at("out").values, std::vector<double>(offsets.begin(), offsets.end()));
}

TEST(SharedBroadcastIndex, IsWhatTheCpuConstantGives) {
  // value (2, 1) broadcast to (3, 2, 4): stride 0 on the new axis and on the size-1 one.
  StridedIndex s;
  s.rank = 3;
  const int64_t dims[] = {3, 2, 4}, strides[] = {0, 1, 0};
  for (int k = 0; k < 3; ++k) s.dims[k] = dims[k], s.strides[k] = strides[k];
  auto out = testing::OpTest("constant").attrs("{value: [[10], [20]], shape: [3, 2, 4]}").run();
  std::vector<double> expected;
  for (int64_t i = 0; i < 24; ++i) expected.push_back(s.offset(i) == 0 ? 10 : 20);
  EXPECT_EQ(out.at("out").values, expected);
  StridedIndex scalar;  // rank 0: the only element is at offset 0
  EXPECT_EQ(scalar.offset(0), 0);
}

/// The input offsets of a slice as nested loops over (outer, count, inner).
std::vector<int64_t> naive_slice(int64_t outer, const SliceGeometry& g) {
  std::vector<int64_t> offsets;
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t j = 0; j < g.count; ++j)
      for (int64_t i = 0; i < g.inner; ++i) offsets.push_back((o * g.n + g.start + j * g.step) * g.inner + i);
  return offsets;
}

TEST(SharedSliceGeometry, MatchesNestedLoopsWithNegativeAndUnitSteps) {
  const std::vector<std::pair<int64_t, SliceGeometry>> cases = {
      {1, {5, 0, 1, 5, 1}},   // the whole axis
      {2, {5, 4, -1, 5, 3}},  // reversed
      {3, {7, 6, -3, 3, 2}},  // negative step > 1
      {2, {4, 1, 2, 2, 1}},   // step 2, inner 1
      {4, {1, 0, 1, 1, 5}},   // a size-1 axis
      {2, {6, 3, 1, 1, 4}},   // one element
  };
  for (const auto& [outer, g] : cases) {
    std::vector<int64_t> shared;
    for (int64_t i = 0; i < outer * g.count * g.inner; ++i) shared.push_back(g.source_offset(i));
    EXPECT_EQ(shared, naive_slice(outer, g)) << "start " << g.start << " step " << g.step;
  }
}

TEST(SharedSliceGeometry, IsWhatTheCpuSliceGives) {
  // x = arange(30) of shape (2, 5, 3); x[:, -1::-2, :] keeps rows 4, 2, 0 of axis 1.
  testing::Array x{{2, 5, 3}, {}};
  for (int i = 0; i < 30; ++i) x.values.push_back(i);
  auto out = testing::OpTest("slice").attrs("{axis: 1, start: -1, step: -2}").input("x", x).run();
  const SliceGeometry g{5, 4, -2, 3, 3};
  std::vector<double> expected;
  for (int64_t i = 0; i < 2 * 3 * 3; ++i) expected.push_back(static_cast<double>(g.source_offset(i)));
  EXPECT_EQ(out.at("out").shape, (Dims{2, 3, 3}));
  EXPECT_EQ(out.at("out").values, expected);
}

TEST(SharedConcatPlacement, PutsEachInputInItsColumns) {
  // (2, 3) and (2, 1) joined on axis 1: output rows of 4. (No empty input through OpTest:
  // graphrun::testing passes a null pointer to memcpy for one, which UBSan reports.)
  const ConcatPlacement a{3, 4, 0}, b{1, 4, 3};
  std::vector<int64_t> to_a, to_b;
  for (int64_t i = 0; i < 6; ++i) to_a.push_back(a.destination(i));
  for (int64_t i = 0; i < 2; ++i) to_b.push_back(b.destination(i));
  EXPECT_EQ(to_a, (Dims{0, 1, 2, 4, 5, 6}));
  EXPECT_EQ(to_b, (Dims{3, 7}));
  auto out = testing::OpTest("concat")
                 .input("a", {{2, 3}, {0, 1, 2, 4, 5, 6}})
                 .input("b", {{2, 1}, {3, 7}})
                 .attrs("{axis: 1}")
                 .run();
  EXPECT_EQ(out.at("out").values, (std::vector<double>{0, 1, 2, 3, 4, 5, 6, 7}));
}

TEST(SharedReduceIndex, MatchesNestedLoops) {
  // x of shape (2, 3, 4, 5) reduced over axes 1 and 3: kept runs (2) and the trailing... here
  // axis 2 (4) is kept between reduced ones, so inner = 1 and both kinds of runs are split.
  ReduceIndex ix;
  ix.inner = 1;
  ix.count = 15;
  ix.num_kept = 2;
  ix.kept[0] = {2, 60};
  ix.kept[1] = {4, 5};
  ix.num_reduced = 2;
  ix.reduced[0] = {3, 20};
  ix.reduced[1] = {5, 1};
  for (int64_t a = 0; a < 2; ++a)
    for (int64_t c = 0; c < 4; ++c) {
      int64_t r = 0;
      for (int64_t b = 0; b < 3; ++b)
        for (int64_t d = 0; d < 5; ++d, ++r)
          ASSERT_EQ(ix.input_offset(a * 4 + c, r), ((a * 3 + b) * 4 + c) * 5 + d) << a << b << c << d;
    }
  // A trailing kept run (inner): (3, 4) reduced over axis 0.
  ReduceIndex rows;
  rows.inner = 4;
  rows.count = 3;
  rows.num_reduced = 1;
  rows.reduced[0] = {3, 4};
  for (int64_t i = 0; i < 4; ++i)
    for (int64_t r = 0; r < 3; ++r) EXPECT_EQ(rows.input_offset(i, r), r * 4 + i);
}

TEST(SharedReduceRules, MaxKeepsNanFromEitherSide) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_EQ(max_keeping_nan(1.0, 2.0), 2.0);
  EXPECT_EQ(max_keeping_nan(2.0, 1.0), 2.0);
  EXPECT_TRUE(std::isnan(max_keeping_nan(nan, 1.0)));
  EXPECT_TRUE(std::isnan(max_keeping_nan(1.0, nan)));
}

TEST(SharedReduceRules, CompensatedSumIsExactWhereNaiveSumsLoseBits) {
  CompensatedSum s;
  for (double v : {1e16, 1.0, -1e16, 1.0}) s.add(v);
  EXPECT_EQ(s.total(), 2.0);  // a plain double sum gives 1.0 (or 0.0)
  CompensatedSum zeros;
  for (int i = 0; i < 3; ++i) zeros.add(-0.0);
  EXPECT_TRUE(std::signbit(zeros.total()));  // -0.0, as the CPU's sum
  CompensatedSum inf;
  for (double v : {1.0, std::numeric_limits<double>::infinity(), 2.0}) inf.add(v);
  EXPECT_EQ(inf.total(), std::numeric_limits<double>::infinity());  // not NaN from the compensation
  CompensatedSum both;
  for (double v : {std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity()}) both.add(v);
  EXPECT_TRUE(std::isnan(both.total()));
}

}  // namespace
}  // namespace graphrun::core
