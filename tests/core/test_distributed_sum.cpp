// The pairwise tree over ranks (plugins/core/distributed_sum.h) on one process: a vector cut
// by hand into k uneven "ranks", each rank's pieces computed from its own range only, the
// tree evaluated from all pieces: the bits of pairwise_sum (contiguous leaves of 8
// accumulators) and of pairwise_sum_rows (rows added in order), for many lengths (under 8,
// around the leaf size 128, large) and many cuts, including leaves straddling two or more
// ranks and ranks inside one leaf.
#include "core/distributed_sum.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

namespace graphrun::core {
namespace {

// Values of very different sizes and signs: any change of summation order changes the bits.
template <typename T>
std::vector<T> values(int64_t n, std::mt19937_64& rng) {
  std::normal_distribution<double> normal(0, 1);
  std::uniform_int_distribution<int> exponent(-20, 20);
  std::vector<T> v(static_cast<size_t>(n));
  for (T& x : v) x = static_cast<T>(std::ldexp(normal(rng), exponent(rng)));
  return v;
}

// What rank [a, b) sends: each whole piece's value as one process computes that subtree,
// each partial leaf's elements (rows of w values).
template <typename T>
std::vector<T> send(const std::vector<T>& x, int64_t w, bool rows, const std::vector<TreePiece>& pieces) {
  std::vector<T> out;
  for (const TreePiece& p : pieces) {
    if (!p.whole) {
      out.insert(out.end(), x.begin() + p.lo * w, x.begin() + (p.lo + p.n) * w);
      continue;
    }
    std::vector<T> value(static_cast<size_t>(w));
    if (rows) {
      std::vector<T> scratch(static_cast<size_t>(pairwise_depth(p.n, kPairwiseBlock) * w));
      auto row = [&](int64_t r) { return x.data() + r * w; };
      pairwise_sum_rows(row, p.lo, p.n, w, value.data(), scratch.data());
    } else {
      value[0] = pairwise_sum(x.data() + p.lo, p.n);
    }
    out.insert(out.end(), value.begin(), value.end());
  }
  return out;
}

// The sum of n elements of w values split at `starts`, over the ranks' pieces.
template <typename T>
std::vector<T> over_ranks(const std::vector<T>& x, int64_t n, int64_t w, bool rows, const std::vector<int64_t>& starts) {
  std::vector<std::vector<T>> sent;
  for (size_t q = 0; q + 1 < starts.size(); ++q) {
    std::vector<TreePiece> pieces;
    tree_pieces(0, n, starts[q], starts[q + 1], pieces);
    sent.push_back(send(x, w, rows, pieces));
    EXPECT_EQ(static_cast<int64_t>(sent.back().size()), piece_values(pieces) * w);
    // At most two subtrees per level and two partial leaves.
    EXPECT_LE(piece_values(pieces), 2 * pairwise_depth(n, kPairwiseBlock) + 2 * kPairwiseBlock);
  }
  std::vector<const T*> streams;
  for (const std::vector<T>& s : sent) streams.push_back(s.data());
  std::vector<T> scratch(static_cast<size_t>(tree_scratch(n, w))), out(static_cast<size_t>(w));
  TreeFromPieces<T>(starts, streams, w, rows, scratch.data()).evaluate(0, n, out.data());
  for (size_t q = 0; q < sent.size(); ++q) EXPECT_EQ(streams[q], sent[q].data() + sent[q].size()) << "rank " << q;
  return out;
}

template <typename T>
std::vector<T> one_process(const std::vector<T>& x, int64_t n, int64_t w, bool rows) {
  std::vector<T> out(static_cast<size_t>(w));
  if (!rows) {
    out[0] = pairwise_sum(x.data(), n);
    return out;
  }
  std::vector<T> scratch(static_cast<size_t>(pairwise_depth(n, kPairwiseBlock) * w));
  auto row = [&](int64_t r) { return x.data() + r * w; };
  pairwise_sum_rows(row, 0, n, w, out.data(), scratch.data());
  return out;
}

template <typename T>
bool same_bits(const std::vector<T>& a, const std::vector<T>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0;
}

// Cuts of [0, n) into k ranges of at least one element: even ones, random ones, and ones
// that put boundaries just around leaf edges (multiples of 8 and 64).
std::vector<std::vector<int64_t>> cuts(int64_t n, std::mt19937_64& rng) {
  std::vector<std::vector<int64_t>> out;
  for (int64_t k = 2; k <= std::min<int64_t>(n, 7); ++k) {
    std::vector<int64_t> even{0};
    for (int64_t q = 1; q <= k; ++q) even.push_back(n * q / k);
    out.push_back(even);
    for (int trial = 0; trial < 4; ++trial) {
      std::vector<int64_t> random{0};
      for (int64_t q = 1; q < k; ++q) {
        std::uniform_int_distribution<int64_t> at(random.back() + 1, n - (k - q));
        random.push_back(at(rng));
      }
      random.push_back(n);
      out.push_back(random);
    }
  }
  for (int64_t edge : {int64_t{8}, int64_t{64}, int64_t{127}, int64_t{128}, int64_t{129}, n / 2, n / 2 + 1})
    if (edge > 0 && edge < n) out.push_back({0, edge, n});
  return out;
}

template <typename T>
void check_lengths(bool rows, int64_t w) {
  std::mt19937_64 rng(rows ? 7 : 3);
  std::vector<int64_t> lengths = {2, 3, 5, 7, 8, 9, 15, 16, 17, 100, 127, 128, 129, 130, 136, 200, 255, 256, 257, 1000, 4097, 70001};
  for (int64_t n : lengths) {
    const std::vector<T> x = values<T>(n * w, rng);
    const std::vector<T> want = one_process(x, n, w, rows);
    for (const std::vector<int64_t>& starts : cuts(n, rng)) {
      std::string cut;
      for (int64_t s : starts) cut += std::to_string(s) + " ";
      EXPECT_TRUE(same_bits(over_ranks(x, n, w, rows, starts), want)) << "n " << n << ", cut " << cut;
    }
  }
}

TEST(DistributedSum, ContiguousLeavesGiveOneProcesssBitsF32) { check_lengths<float>(false, 1); }
TEST(DistributedSum, ContiguousLeavesGiveOneProcesssBitsF64) { check_lengths<double>(false, 1); }
TEST(DistributedSum, RowLeavesGiveOneProcesssBitsF32) { check_lengths<float>(true, 3); }
TEST(DistributedSum, RowLeavesGiveOneProcesssBitsF64) { check_lengths<double>(true, 2); }

// The test can fail: a sum that adds the ranks' own sums (a naive all-reduce) differs.
TEST(DistributedSum, AddingTheRanksSumsWouldNotGiveTheseBits) {
  std::mt19937_64 rng(11);
  const int64_t n = 1001;
  const std::vector<float> x = values<float>(n, rng);
  int differ = 0;
  for (int64_t cut = 1; cut < n; cut += 7) {
    const float naive = pairwise_sum(x.data(), cut) + pairwise_sum(x.data() + cut, n - cut);
    const std::vector<float> exact = over_ranks(x, n, 1, false, {0, cut, n});
    differ += naive != exact[0];
    EXPECT_EQ(exact[0], pairwise_sum(x.data(), n));
  }
  EXPECT_GT(differ, 10);
}

// -0.0 as numpy: a sum of negative zeros over ranks stays -0.0 (n < 8: one straddling leaf).
TEST(DistributedSum, NegativeZerosStayNegative) {
  const std::vector<double> zeros(5, -0.0);
  const std::vector<double> sum = over_ranks(zeros, 5, 1, false, {0, 2, 3, 5});
  EXPECT_TRUE(std::signbit(sum[0]));
  const std::vector<double> long_zeros(300, -0.0);
  EXPECT_TRUE(std::signbit(over_ranks(long_zeros, 300, 1, false, {0, 150, 299, 300})[0]));
}

}  // namespace
}  // namespace graphrun::core
